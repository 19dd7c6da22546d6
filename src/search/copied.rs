//! How much of a group's report text is copied (`fazhi-query stats --copied`): for each group
//! of `stats` (by year, province, town…), the characters of its sections, the characters of
//! those that also appear in other reports, and their share, with the group's reports beside it.
//!
//! A section is copied by the definition of a hit's copies (`--copies`,
//! [`crate::index::copies::copies_of`]): it shares a `copy_bands` key with a section of another
//! report, each group of duplicate reports counting as one report (every file on its own with
//! `--with-copies`). Found in one pass over the band keys: the segments' term dictionaries are
//! walked together in key order, and a key whose postings (two or more sections) span two or
//! more counted reports marks its sections copied; a key held by one section — most of them —
//! is never read further. Then the text of every section the filters (and the query) allow is
//! read from the document store, block after block, for its length. The cost is therefore a
//! walk of every band key and a read of the whole store: seconds on a large index, paid only
//! when asked for.

use std::cmp::Reverse;
use std::collections::HashMap;

use serde::Serialize;
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocSet, TERMINATED, TantivyDocument};

use super::stats::{SMALL_N, TOTAL_GROUP, group_label};
use super::{Engine, Query, StatsRequest};
use crate::error::Result;
use crate::index::facets::{FacetMaps, NONE};
use crate::index::schema::{FacetKey, Order, Scope};

/// One group's copied text, for one query (or every section the filters allow).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CopiedRow {
    /// The query, as written ("" for every section the filters allow).
    pub query: String,
    /// The group's values, as a stats row's ([`super::StatsRow::group`]).
    #[serde(serialize_with = "super::stats::groups_json")]
    pub group: Vec<String>,
    /// Reports in the group (with a section counted).
    pub reports: usize,
    /// Characters of the group's sections.
    pub chars: usize,
    /// Characters of those of its sections that appear in other reports.
    pub copied_chars: usize,
    /// copied_chars / chars; None (JSON null) for a group without text.
    pub share: Option<f64>,
    /// Fewer than [`SMALL_N`] reports in the group: the share says little.
    pub small_n: bool,
}

/// The answer to `stats --copied`: a row per group and query, and a total per query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CopiedTable {
    pub by: Vec<FacetKey>,
    pub queries: Vec<String>,
    pub rows: Vec<CopiedRow>,
    pub totals: Vec<CopiedRow>,
}

/// Reports, characters and copied characters.
#[derive(Debug, Clone, Copy, Default)]
struct Sums {
    reports: usize,
    chars: usize,
    copied: usize,
}

fn row(query: &str, group: Vec<String>, s: Sums) -> CopiedRow {
    CopiedRow {
        query: query.to_string(),
        group,
        reports: s.reports,
        chars: s.chars,
        copied_chars: s.copied,
        share: (s.chars > 0).then(|| s.copied as f64 / s.chars as f64),
        small_n: s.reports < SMALL_N,
    }
}

impl Engine {
    /// The copied share of each group's text ([`CopiedTable`]), for each query of `request`
    /// (its matching sections), or for every section the filters allow when it has none.
    pub fn copied(&self, request: &StatsRequest) -> Result<CopiedTable> {
        crate::index::check::guard(&self.handle.path, || self.copied_unguarded(request))
    }

    fn copied_unguarded(&self, request: &StatsRequest) -> Result<CopiedTable> {
        self.check_filters(&request.filters)?;
        let searcher = self.reader.searcher();
        let maps = self.facet_maps(&searcher)?;
        let copied = self.copied_sections(&searcher)?;
        let all = [(String::new(), Query::All)];
        let queries = match request.queries.as_slice() {
            [] => &all[..],
            some => some,
        };
        let by_value = request
            .by
            .first()
            .is_some_and(|f| f.spec().order == Order::Value);
        let (mut rows, mut totals) = (Vec::new(), Vec::new());
        for (text, query) in queries {
            let query = self.build(query, &request.filters)?;
            let docs = searcher.search(&*query, &tantivy::collector::DocSetCollector)?;
            let mut counted: Vec<Vec<u64>> = searcher
                .segment_readers()
                .iter()
                .map(|r| vec![0; (r.max_doc() as usize).div_ceil(64)])
                .collect();
            for a in docs {
                if let Some(bits) = counted.get_mut(a.segment_ord as usize) {
                    set(bits, a.doc_id);
                }
            }
            let (groups, total) =
                self.group_sums(&searcher, &maps, &request.by, &counted, &copied)?;
            let mut these: Vec<([u32; 2], CopiedRow)> = groups
                .into_iter()
                .map(|(key, sums)| (key, row(text, group_label(&request.by, &key, &maps), sums)))
                .collect();
            // As `stats` orders its groups: years in order, others by reports, most first.
            let sort_key = |k: &[u32; 2], r: &CopiedRow| {
                let value = if by_value { k[0] } else { 0 };
                let size = if by_value { 0 } else { r.reports };
                (value, Reverse(size))
            };
            these.sort_by(|(ka, a), (kb, b)| {
                sort_key(ka, a)
                    .cmp(&sort_key(kb, b))
                    .then_with(|| a.group.cmp(&b.group))
            });
            rows.extend(these.into_iter().map(|(_, r)| r));
            let all = vec![TOTAL_GROUP.to_string(); request.by.len()];
            totals.push(row(text, all, total));
        }
        Ok(CopiedTable {
            by: request.by.clone(),
            queries: queries.iter().map(|(q, _)| q.clone()).collect(),
            rows,
            totals,
        })
    }

    /// Each segment's copied sections, a bit each: those sharing a band key with a section of
    /// another report. The files of one group of duplicates are one report however the reports
    /// are counted (`--with-copies` counts every file's text, but a report saved twice is not a
    /// copy of itself).
    fn copied_sections(&self, searcher: &tantivy::Searcher) -> Result<Vec<Vec<u64>>> {
        let readers = searcher.segment_readers();
        let field = self.handle.fields.copy_bands;
        let duplicates = &self.handle.duplicates;
        let counted_as = |k: u64| duplicates.counted_as(k);
        let mut copied: Vec<Vec<u64>> = readers
            .iter()
            .map(|r| vec![0; (r.max_doc() as usize).div_ceil(64)])
            .collect();
        let inverted = readers
            .iter()
            .map(|r| r.inverted_index(field))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let keys = readers
            .iter()
            .map(|r| r.fast_fields().u64("report_key"))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let mut streams = inverted
            .iter()
            .map(|i| i.terms().stream())
            .collect::<std::io::Result<Vec<_>>>()
            .map_err(tantivy::TantivyError::from)?;
        let mut live: Vec<bool> = streams.iter_mut().map(|s| s.advance()).collect();
        let mut at: Vec<usize> = Vec::new();
        let mut docs: Vec<(usize, u32)> = Vec::new();
        // The least key among the streams, then the streams at it.
        while let Some(least) = (0..streams.len())
            .filter(|&s| live[s])
            .map(|s| streams[s].key())
            .min()
            .map(<[u8]>::to_vec)
        {
            at.clear();
            at.extend((0..streams.len()).filter(|&s| live[s] && streams[s].key() == least));
            let sections: u32 = at.iter().map(|&s| streams[s].value().doc_freq).sum();
            if sections >= 2 {
                docs.clear();
                let mut first_report = None;
                let mut spans_two = false;
                for &s in &at {
                    let info = streams[s].value().clone();
                    let mut postings = inverted[s]
                        .read_postings_from_terminfo(&info, IndexRecordOption::Basic)
                        .map_err(tantivy::TantivyError::from)?;
                    let mut doc = postings.doc();
                    while doc != TERMINATED {
                        if !readers[s].is_deleted(doc) {
                            docs.push((s, doc));
                            if let Some(k) = keys[s].first(doc).map(counted_as) {
                                match first_report {
                                    None => first_report = Some(k),
                                    Some(f) if f != k => spans_two = true,
                                    Some(_) => {}
                                }
                            }
                        }
                        doc = postings.advance();
                    }
                }
                if spans_two {
                    for &(s, doc) in &docs {
                        set(&mut copied[s], doc);
                    }
                }
            }
            for &s in &at {
                live[s] = streams[s].advance();
            }
        }
        Ok(copied)
    }

    /// The sums of each group of `by` over the `counted` sections, and over all of them.
    fn group_sums(
        &self,
        searcher: &tantivy::Searcher,
        maps: &FacetMaps,
        by: &[FacetKey],
        counted: &[Vec<u64>],
        copied: &[Vec<u64>],
    ) -> Result<(HashMap<[u32; 2], Sums>, Sums)> {
        let reports = &maps.reports;
        let mut groups: HashMap<[u32; 2], Sums> = HashMap::new();
        let mut total = Sums::default();
        let text = self.handle.fields.text;
        let mut seen: Vec<[u32; 2]> = Vec::new();
        for (ordinal, segment) in searcher.segment_readers().iter().enumerate() {
            let (counted, copied) = (&counted[ordinal], &copied[ordinal]);
            if counted.iter().all(|&w| w == 0) {
                continue;
            }
            let types = maps.doc_types.segment(ordinal as u32);
            let section_type = |doc: u32| -> u32 {
                let Some(f) = FacetKey::of_sections() else {
                    return NONE;
                };
                let t = types.as_slice().get(doc as usize).copied();
                t.map(u32::from)
                    .filter(|&t| (t as usize) < maps.map(f).len())
                    .unwrap_or(NONE)
            };
            let store = segment
                .get_store_reader(1)
                .map_err(tantivy::TantivyError::from)?;
            let max_doc = segment.max_doc();
            for (start, end, row) in reports.segment(ordinal as u32).spans(max_doc) {
                seen.clear();
                for doc in start..end.min(max_doc) {
                    if !is_set(counted, doc) || segment.is_deleted(doc) {
                        continue;
                    }
                    let mut key = [NONE; 2];
                    for (k, &f) in key.iter_mut().zip(by) {
                        *k = match f.spec().scope {
                            Scope::Report => reports.counted(row, f).unwrap_or(NONE),
                            Scope::Section => section_type(doc),
                        };
                    }
                    let stored: TantivyDocument = store.get(doc)?;
                    let chars = stored
                        .get_first(text)
                        .and_then(|v| v.as_str())
                        .map_or(0, |t| t.chars().count());
                    let copied = if is_set(copied, doc) { chars } else { 0 };
                    let sums = groups.entry(key).or_default();
                    sums.chars += chars;
                    sums.copied += copied;
                    total.chars += chars;
                    total.copied += copied;
                    if !seen.contains(&key) {
                        seen.push(key);
                        sums.reports += 1;
                    }
                }
                if !seen.is_empty() {
                    total.reports += 1;
                }
            }
        }
        Ok((groups, total))
    }
}

fn set(bits: &mut [u64], doc: u32) {
    if let Some(w) = bits.get_mut((doc / 64) as usize) {
        *w |= 1 << (doc % 64);
    }
}

fn is_set(bits: &[u64], doc: u32) -> bool {
    bits.get((doc / 64) as usize)
        .is_some_and(|w| (w >> (doc % 64)) & 1 == 1)
}
