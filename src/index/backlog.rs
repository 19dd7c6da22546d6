//! How far parsing may run ahead of tantivy.
//!
//! Parsing a report is an order of magnitude faster than indexing it, and tantivy's queue
//! between the two holds 10,000 batches — 10,000 whole reports, since each report is one
//! batch. Left alone, the parsers fill it, and the memory an index run needs grows with the
//! corpus instead of staying flat. So each report takes a [`Ticket`] from a [`Backlog`] before
//! it is handed to tantivy, and its last [`SectionDoc`] carries the ticket, which is given
//! back when tantivy drops that document, having indexed it.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use tantivy::TantivyDocument;
use tantivy::schema::document::Document;

/// Reports parsed and handed to tantivy but not yet indexed, at most `limit` of them.
#[derive(Debug)]
pub struct Backlog {
    queued: Mutex<usize>,
    freed: Condvar,
    limit: usize,
    /// Admissions that went ahead because no place was freed in time.
    waited_out: AtomicUsize,
}

/// A report's place in the backlog, given back when dropped.
#[derive(Debug)]
pub struct Ticket(Arc<Backlog>);

/// How long a parser waits for a place before it goes ahead anyway. The backlog bounds
/// memory; it must never stall a run whose indexing threads have stopped (the hand-off to
/// tantivy then reports their error).
const PATIENCE: Duration = Duration::from_secs(1);

impl Backlog {
    pub fn new(limit: usize) -> Arc<Backlog> {
        Arc::new(Backlog {
            queued: Mutex::new(0),
            freed: Condvar::new(),
            limit: limit.max(1),
            waited_out: AtomicUsize::new(0),
        })
    }

    /// A place in the backlog, waiting while it is full.
    pub fn admit(self: &Arc<Self>) -> Ticket {
        let (ticket, waited_out) = self.admit_within(PATIENCE);
        if waited_out {
            self.waited_out.fetch_add(1, Ordering::Relaxed);
        }
        ticket
    }

    /// A place in the backlog, waiting at most `patience` for one to be freed; and whether
    /// the wait ran out (the place is then taken beyond the limit).
    fn admit_within(self: &Arc<Self>, patience: Duration) -> (Ticket, bool) {
        let queued = self.lock();
        let (mut queued, waited_out) = match self
            .freed
            .wait_timeout_while(queued, patience, |n| *n >= self.limit)
        {
            Ok((guard, timeout)) => (guard, timeout.timed_out()),
            Err(poisoned) => {
                let (guard, timeout) = poisoned.into_inner();
                (guard, timeout.timed_out())
            }
        };
        *queued += 1;
        (Ticket(Arc::clone(self)), waited_out)
    }

    /// A place in the backlog if one is free now.
    #[cfg(test)]
    pub(crate) fn try_admit(self: &Arc<Self>) -> Option<Ticket> {
        let mut queued = self.lock();
        (*queued < self.limit).then(|| {
            *queued += 1;
            Ticket(Arc::clone(self))
        })
    }

    /// How many admissions went ahead because no place was freed within the patience.
    #[cfg(test)]
    pub(crate) fn waited_out(&self) -> usize {
        self.waited_out.load(Ordering::Relaxed)
    }

    /// Reports handed over and not yet indexed.
    #[cfg(test)]
    pub(crate) fn queued(&self) -> usize {
        *self.lock()
    }

    fn lock(&self) -> MutexGuard<'_, usize> {
        // The count stays right even if a thread panicked while holding the lock: every
        // change to it is a single statement.
        self.queued.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut queued = self.0.lock();
        *queued = queued.saturating_sub(1);
        self.0.freed.notify_one();
    }
}

/// A section's document on its way to tantivy; the last of a report carries its [`Ticket`].
#[derive(Debug)]
pub struct SectionDoc {
    doc: TantivyDocument,
    _ticket: Option<Ticket>,
}

impl SectionDoc {
    pub fn new(doc: TantivyDocument, ticket: Option<Ticket>) -> SectionDoc {
        SectionDoc {
            doc,
            _ticket: ticket,
        }
    }
}

impl Document for SectionDoc {
    type Value<'a> = <TantivyDocument as Document>::Value<'a>;
    type FieldsValuesIter<'a> = <TantivyDocument as Document>::FieldsValuesIter<'a>;

    fn iter_fields_and_values(&self) -> Self::FieldsValuesIter<'_> {
        self.doc.iter_fields_and_values()
    }

    fn into_tantivy_document(self) -> TantivyDocument {
        self.doc
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::schema::{Field, OwnedValue};

    #[test]
    fn a_full_backlog_admits_again_once_a_ticket_is_given_back() {
        let backlog = Backlog::new(3);
        let mut tickets: Vec<Ticket> = (0..3).map(|_| backlog.admit()).collect();
        assert_eq!(backlog.queued(), 3);
        assert!(backlog.try_admit().is_none(), "full at its limit");
        drop(tickets.pop());
        assert_eq!(backlog.queued(), 2, "a dropped ticket frees its place");
        let again = backlog.try_admit();
        assert!(again.is_some(), "a freed place is taken again");
        assert!(backlog.try_admit().is_none());
    }

    #[test]
    fn a_waiting_parser_is_let_in_when_indexing_drops_a_report() {
        let backlog = Backlog::new(1);
        let first = SectionDoc::new(TantivyDocument::default(), Some(backlog.admit()));
        let waiting = {
            let backlog = Arc::clone(&backlog);
            std::thread::spawn(move || backlog.admit_within(Duration::from_secs(600)))
        };
        drop(first);
        let (ticket, waited_out) = waiting.join().expect("the waiting thread finishes");
        assert!(
            !waited_out,
            "the dropped document's ticket must wake the waiter, not its patience running out"
        );
        assert_eq!(backlog.queued(), 1, "one place: the waiter's");
        drop(ticket);
        assert_eq!(backlog.queued(), 0);
    }

    #[test]
    fn a_section_doc_hands_tantivy_the_document_it_wraps() {
        let field = Field::from_field_id(0);
        let mut doc = TantivyDocument::default();
        doc.add_text(field, "依法治镇");
        let wrapped = SectionDoc::new(doc.clone(), None);
        let values: Vec<(Field, OwnedValue)> = wrapped
            .iter_fields_and_values()
            .map(|(f, v)| (f, OwnedValue::from(v)))
            .collect();
        assert_eq!(values, vec![(field, OwnedValue::Str("依法治镇".into()))]);
        assert_eq!(wrapped.into_tantivy_document(), doc);
    }
}
