//! Copies of a report's sections and of a passage (`fazhi-query copies`): which sections of a
//! report appear nearly verbatim in other reports ([`Engine::report_copies`]), and which
//! reports contain a passage nearly verbatim ([`Engine::passage_copies`]).

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use super::{CopyCount, Engine, Filters, IndexedReport, Query, SearchRequest};
use crate::copies::{self, CONTAINED_SHARE};
use crate::error::{Error, Result};
use crate::lang::both;
use crate::report::ReportMeta;

/// How many pieces of a passage's longest exact runs a search for it looks for, any of them
/// ([`copies::search_pieces`]): enough that edits inside several do not lose the copy.
const PIECES_SEARCHED: usize = 6;

/// A section of a report and where else its text is.
#[derive(Debug, Clone, Serialize)]
pub struct SectionCopies {
    pub line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nth_on_line: Option<u64>,
    pub headings: Vec<String>,
    pub reports: usize,
    pub towns: usize,
    /// The other reports, by path.
    pub files: Vec<String>,
}

/// A report that contains a passage nearly verbatim: where, and how much of the passage.
#[derive(Debug, Clone, Serialize)]
pub struct PassageMatch {
    #[serde(flatten)]
    pub meta: ReportMeta,
    pub line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nth_on_line: Option<u64>,
    pub headings: Vec<String>,
    /// The share of the passage's shingles the section holds (on copy text: place names,
    /// numbers and punctuation aside), from 0.8 to 1.
    pub share: f64,
}

impl Engine {
    /// The sections of `report` that appear nearly verbatim in other reports, in reading order.
    pub fn report_copies(&self, report: &IndexedReport) -> Result<Vec<SectionCopies>> {
        let mut out = Vec::new();
        for s in &report.sections {
            let Some(CopyCount {
                reports,
                towns,
                files,
            }) = self.copies_of(&s.text, Some(&report.meta.file))?
            else {
                continue;
            };
            if reports == 0 {
                continue;
            }
            out.push(SectionCopies {
                line: s.line,
                nth_on_line: s.nth_on_line,
                headings: s.headings.clone(),
                reports,
                towns,
                files,
            });
        }
        Ok(out)
    }

    /// Every report (under `filters`) with a section that contains `passage` nearly verbatim:
    /// at least [`CONTAINED_SHARE`] of its shingles, on copy text, so that reordered
    /// punctuation, another town's name and other numbers still match. The candidates are the
    /// sections holding a piece of the passage's longest exact runs ([`copies::search_pieces`]),
    /// any of them, so that a changed character loses one piece, not the copy; the best
    /// section of each report is kept, the reports in path order.
    pub fn passage_copies(&self, passage: &str, filters: &Filters) -> Result<Vec<PassageMatch>> {
        let pieces = copies::search_pieces(passage, PIECES_SEARCHED);
        if pieces.is_empty() {
            return Err(Error::Usage(both(
                "copies.short_passage",
                &[("n", &copies::MIN_RUN_CHARS.to_string())],
            )));
        }
        let query = Query::Or(pieces.into_iter().map(Query::Text).collect());
        let results = self.search(&SearchRequest {
            query,
            filters: filters.clone(),
            limit: None,
            facet_limit: Some(0),
        })?;
        let wanted = copies::shingle_set(passage);
        let mut best: BTreeMap<String, PassageMatch> = BTreeMap::new();
        for hit in results.hits {
            let share = copies::contained_share(&wanted, &copies::shingle_set(&hit.text));
            if share < CONTAINED_SHARE {
                continue;
            }
            let better = best.get(&hit.meta.file).is_none_or(|m| share > m.share);
            if better {
                best.insert(
                    hit.meta.file.clone(),
                    PassageMatch {
                        meta: hit.meta,
                        line: hit.line,
                        nth_on_line: hit.nth_on_line,
                        headings: hit.headings,
                        share,
                    },
                );
            }
        }
        Ok(best.into_values().collect())
    }
}

/// The towns of `matches` (town and county together name one).
pub fn towns_of(matches: &[PassageMatch]) -> usize {
    matches
        .iter()
        .filter_map(|m| {
            m.meta
                .town
                .as_ref()
                .map(|t| (t, m.meta.county.as_deref().unwrap_or("")))
        })
        .collect::<HashSet<_>>()
        .len()
}

impl Engine {
    /// Where a section's copies are (`copies FILE:LINE`): in each of `files` (its
    /// [`SectionCopies::files`]), the section holding most of `text` and the share of `text`'s
    /// shingles it holds (on copy text), in the order of `files`. Each report is read from the
    /// index; `check` runs before each, so that a caller with a deadline can stop.
    pub fn copy_places<E: From<Error>>(
        &self,
        text: &str,
        files: &[String],
        mut check: impl FnMut() -> std::result::Result<(), E>,
    ) -> std::result::Result<Vec<PassageMatch>, E> {
        let wanted = copies::shingle_set(text);
        let mut places = Vec::with_capacity(files.len());
        for file in files {
            check()?;
            // Every file was read from the index that holds it.
            let Some(report) = self.report(file)? else {
                continue;
            };
            // The first of the best, in reading order.
            let best = report
                .sections
                .iter()
                .rev()
                .map(|s| {
                    let share = copies::contained_share(&wanted, &copies::shingle_set(&s.text));
                    (s, share)
                })
                .max_by(|a, b| a.1.total_cmp(&b.1));
            if let Some((s, share)) = best {
                places.push(PassageMatch {
                    meta: report.meta.clone(),
                    line: s.line,
                    nth_on_line: s.nth_on_line,
                    headings: s.headings.clone(),
                    share,
                });
            }
        }
        Ok(places)
    }
}
