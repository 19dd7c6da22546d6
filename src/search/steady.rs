//! A query wrapper that keeps tantivy's phrase scorer out of "danger" seeking.
//!
//! tantivy 0.27's `PhraseScorer::seek_danger` assumes it is never asked for a document before
//! the one it stands on, but an exclusion (`法律顾问 -合同`) or an intersection may leave it past
//! the next target after a failed phrase match: debug builds panic ("target (18) should be
//! greater than or equal to doc (42)"), and release builds, where the assertion is off, are
//! asked to seek backwards. Wrapped in [`SteadySeek`], the scorer answers `seek_danger` with
//! the default implementation, which only ever seeks forward.

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, Term};

/// Wraps a query so that its scorers seek only forward.
#[derive(Debug)]
pub struct SteadySeek(pub Box<dyn Query>);

impl Clone for SteadySeek {
    fn clone(&self) -> Self {
        SteadySeek(self.0.box_clone())
    }
}

impl Query for SteadySeek {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(SteadyWeight(self.0.weight(enable_scoring)?)))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.0.query_terms(visitor);
    }
}

struct SteadyWeight(Box<dyn Weight>);

impl Weight for SteadyWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(SteadyScorer(self.0.scorer(reader, boost)?)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.0.explain(reader, doc)
    }
}

struct SteadyScorer(Box<dyn Scorer>);

impl DocSet for SteadyScorer {
    fn advance(&mut self) -> DocId {
        self.0.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.0.seek(target)
    }

    // seek_danger: the trait's default, which seeks only when behind the target.

    fn doc(&self) -> DocId {
        self.0.doc()
    }

    fn size_hint(&self) -> u32 {
        self.0.size_hint()
    }

    fn cost(&self) -> u64 {
        self.0.cost()
    }
}

impl Scorer for SteadyScorer {
    fn score(&mut self) -> Score {
        self.0.score()
    }
}
