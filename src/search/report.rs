//! A whole report read back from the index ([`Engine::report`]): its metadata and every
//! section in reading order, with headings, type, line and text, for reading a hit in its
//! context. Nothing is read from the corpus: a report's sections are adjacent in one segment,
//! in reading order, so they come back as they were indexed.

use serde::Serialize;
use tantivy::collector::DocSetCollector;
use tantivy::query::TermQuery;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, TantivyDocument, Term};

use super::{Engine, column_text};
use crate::clean::AsRead;
use crate::error::Result;
use crate::index::check;
use crate::report::ReportMeta;
use crate::sections::nth_on_lines;

/// A report as the index holds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndexedReport {
    #[serde(flatten)]
    pub meta: ReportMeta,
    pub sections: Vec<IndexedSection>,
    /// Every span cleaning dropped from the text as read (site chrome, header rows), in source
    /// order; empty when nothing was dropped.
    pub dropped: Vec<DroppedSpan>,
    /// The text as read, lines joined by `\n`, where the dropped spans sit; only when
    /// something was dropped.
    pub as_read: Option<String>,
}

/// A span of the text as read that cleaning dropped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DroppedSpan {
    /// The rule of `index_schema/boilerplate.tsv` that dropped it.
    pub rule: String,
    /// The text dropped.
    pub text: String,
    /// 1-based line of the text as read (of the source file).
    pub line: u64,
    /// Where the span starts and ends in its line, in characters from 0.
    pub start: usize,
    pub end: usize,
    /// The same, in bytes of the line.
    #[serde(skip)]
    pub bytes: std::ops::Range<usize>,
}

impl DroppedSpan {
    fn of(as_read: &AsRead) -> Vec<DroppedSpan> {
        let lines: Vec<&str> = as_read.text.split('\n').collect();
        as_read
            .spans()
            .into_iter()
            .map(|(line, bytes, text, rule)| {
                let whole = lines[line - 1];
                let start = whole[..bytes.start].chars().count();
                DroppedSpan {
                    rule: rule.to_string(),
                    text: text.to_string(),
                    line: line as u64,
                    start,
                    end: start + text.chars().count(),
                    bytes,
                }
            })
            .collect()
    }
}

/// One section of an [`IndexedReport`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexedSection {
    /// The section's place in the report, from 1 (`#section-3` on the page).
    pub id: usize,
    /// The heading path from the top level down; empty for the preamble.
    pub headings: Vec<String>,
    /// The section type's key (`shortcomings`).
    pub section_type: String,
    /// 1-based line of the source file where the section starts.
    pub line: u64,
    /// The section's place among those that start on its line, when several do.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nth_on_line: Option<u64>,
    /// The section's own text, as indexed.
    pub text: String,
}

impl IndexedReport {
    /// The section a citation's `line` (and `nth`, its place on the line) points into: the
    /// `nth` of the sections that start on the line (the first when no `nth` is given), else
    /// the last section that starts before the line; the first section for a line before it
    /// (the title, dropped chrome). None only for an `nth` the line does not have, or a report
    /// without sections.
    pub fn section_at(&self, line: u64, nth: Option<u64>) -> Option<&IndexedSection> {
        let mut on_line = self.sections.iter().filter(|s| s.line == line).peekable();
        if on_line.peek().is_some() {
            let nth = nth.unwrap_or(1);
            return on_line.find(|s| s.nth_on_line.unwrap_or(1) == nth);
        }
        if nth.is_some_and(|n| n > 1) {
            return None;
        }
        self.sections
            .iter()
            .rev()
            .find(|s| s.line < line)
            .or(self.sections.first())
    }
}

impl Engine {
    /// The report whose file (its path relative to the corpus, as hits cite it) is `file`,
    /// read from the index; None when the index has no such report. `file` is looked up as a
    /// key, never opened: `../x` or an absolute path is simply not a report.
    pub fn report(&self, file: &str) -> Result<Option<IndexedReport>> {
        check::guard(&self.handle.path, || self.report_unguarded(file))
    }

    fn report_unguarded(&self, file: &str) -> Result<Option<IndexedReport>> {
        let f = self.handle.fields;
        let searcher = self.reader.searcher();
        let term = Term::from_field_text(f.file, file);
        let query = TermQuery::new(term, IndexRecordOption::Basic);
        let mut addresses: Vec<DocAddress> = searcher
            .search(&query, &DocSetCollector)?
            .into_iter()
            .collect();
        // Reading order: a report's sections are adjacent in their segment, in order.
        addresses.sort_unstable();
        let Some(&first) = addresses.first() else {
            return Ok(None);
        };
        let maps = self.facet_maps(&searcher)?;
        let meta = self.report_meta(&searcher, &maps, first)?;
        let mut sections = Vec::with_capacity(addresses.len());
        let mut as_read: Option<AsRead> = None;
        // One segment in practice; the columns are opened once per segment all the same.
        for run in addresses.chunk_by(|a, b| a.segment_ord == b.segment_ord) {
            let fast = searcher.segment_reader(run[0].segment_ord).fast_fields();
            let (lines, types) = (fast.u64("line")?, fast.str("section_type")?);
            for address in run {
                let doc: TantivyDocument = searcher.doc(*address)?;
                let stored = |field| doc.get_first(field).and_then(|v| v.as_str());
                if as_read.is_none() {
                    as_read = stored(f.as_read).and_then(|j| serde_json::from_str(j).ok());
                }
                sections.push(IndexedSection {
                    id: sections.len() + 1,
                    headings: stored(f.headings)
                        .and_then(|h| serde_json::from_str(h).ok())
                        .unwrap_or_default(),
                    section_type: column_text(&types, address.doc_id)?.unwrap_or_default(),
                    line: lines.first(address.doc_id).unwrap_or_default(),
                    nth_on_line: None,
                    text: stored(f.text).unwrap_or_default().to_string(),
                });
            }
        }
        let lines: Vec<usize> = sections.iter().map(|s| s.line as usize).collect();
        for (section, nth) in sections.iter_mut().zip(nth_on_lines(&lines)) {
            section.nth_on_line = nth.map(|n| n as u64);
        }
        let dropped = as_read.as_ref().map(DroppedSpan::of).unwrap_or_default();
        Ok(Some(IndexedReport {
            meta,
            sections,
            dropped,
            as_read: as_read.map(|a| a.text),
        }))
    }
}
