//! The panel: a codebook's concepts counted in every report the filters allow — one row per
//! report (its place, year and issuer, then each concept's number of matching sections or
//! occurrences) — or added up into a balanced panel by one or two report facets (every town ×
//! every year, with empty cells where a town published nothing).
//!
//! One pass over the index per concept, not per report: each concept's query (with the filters
//! and the concept's section types) marks its matching sections in a set per segment, which is
//! counted report by report along the segment's [`ReportTable`] spans (a report's sections are
//! adjacent in one segment), as the search's own counting does
//! ([`super::collector`]). The reports themselves are the population: the same pass for every
//! section the filters allow, as `stats` counts its denominators.
//!
//! [`ReportTable`]: crate::index::facets::ReportTable

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::{BooleanQuery, Occur, Query as TantivyQuery, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader, TantivyDocument, Term};

use super::codebook::{Codebook, Concept};
use super::collector::{documents, ones};
use super::{Engine, Filters, Query, filter};
use crate::error::{Error, Result};
use crate::index::check;
use crate::index::facets::{FacetMaps, SegmentReports};
use crate::index::schema::{FacetKey, SCHEMA_VERSION, Scope, Shape};
use crate::lang::both;
use crate::report::ReportMeta;

/// What a concept's cell counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Measure {
    /// The report's sections that match the concept's query.
    #[default]
    Sections,
    /// The occurrences of the query's terms in those sections (as `kwic` lists them).
    Occurrences,
}

impl Measure {
    /// The ASCII key (`sections`, `occurrences`).
    pub fn key(self) -> &'static str {
        match self {
            Measure::Sections => "sections",
            Measure::Occurrences => "occurrences",
        }
    }
}

/// What to count, in which reports, and how to group them.
#[derive(Debug, Clone)]
pub struct PanelRequest {
    pub codebook: Codebook,
    pub filters: Filters,
    pub measure: Measure,
    /// One or two report facets to add the reports up by (a balanced panel); empty for a row
    /// per report.
    pub by: Vec<FacetKey>,
}

/// What the panel was made from, so that it can be made again and checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexFacts {
    /// Reports in the whole index (whatever the filters).
    pub reports: usize,
    /// Sections in the whole index.
    pub sections: usize,
    /// A fingerprint of the index's segments (their ids, sizes and deletions) and its schema
    /// version: the same index gives the same fingerprint, a changed one another.
    pub fingerprint: String,
    pub schema_version: u32,
}

/// One report's row: its metadata and each concept's count, in the codebook's order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PanelReport {
    #[serde(flatten)]
    pub meta: ReportMeta,
    pub values: Vec<u32>,
}

/// One cell of a balanced panel: a unit's values (see [`Panel::unit_columns`]), how many
/// reports it has, and each concept's count added up over them — None where it has no report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unit {
    pub key: Vec<String>,
    pub reports: usize,
    pub values: Option<Vec<u64>>,
}

/// A concept's count over the whole panel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConceptTotal {
    /// Reports with a count above zero.
    pub matching_reports: usize,
    /// The counts added up.
    pub value: u64,
}

/// The answer to a [`PanelRequest`].
#[derive(Debug, Clone)]
pub struct Panel {
    pub codebook: Codebook,
    pub filters: Filters,
    pub measure: Measure,
    pub index: IndexFacts,
    /// Every report the filters allow, by file.
    pub reports: Vec<PanelReport>,
    pub by: Vec<FacetKey>,
    /// With `by`: every value of the first facet × every value of the second (a number facet,
    /// the year: every number from the first to the last), in that order.
    pub units: Vec<Unit>,
    /// With `by`: reports left out of the units for having no value of a `by` facet (a
    /// county's report has no town).
    pub left_out: usize,
}

impl Panel {
    /// The columns that name a unit: each `by` facet followed by the facets that tell its
    /// values apart (a town: its county and province).
    pub fn unit_columns(&self) -> Vec<FacetKey> {
        unit_columns(&self.by)
    }

    /// Each concept's count over the reports, in the codebook's order.
    pub fn totals(&self) -> Vec<ConceptTotal> {
        (0..self.codebook.concepts.len())
            .map(|c| ConceptTotal {
                matching_reports: self.reports.iter().filter(|r| r.values[c] > 0).count(),
                value: self.reports.iter().map(|r| u64::from(r.values[c])).sum(),
            })
            .collect()
    }

    /// Whether any concept is found in any report.
    pub fn any_match(&self) -> bool {
        self.reports.iter().any(|r| r.values.iter().any(|&v| v > 0))
    }
}

fn unit_columns(by: &[FacetKey]) -> Vec<FacetKey> {
    by.iter()
        .flat_map(|&f| std::iter::once(f).chain(f.parents().iter().copied()))
        .collect()
}

/// The most rows a balanced panel has: a pair of facets of thousands of values each is a
/// mistake, not a panel.
pub const MAX_UNITS: usize = 2_000_000;

/// A number facet's range is filled from its first to its last value only when it spans at most
/// this many numbers (years).
const MAX_NUMBER_SPAN: u64 = 1_000;

impl Engine {
    /// Counts every concept of the codebook in every report the filters allow, and adds them
    /// up by `by` when asked. `occurrences` counts a concept's occurrences in a section's text
    /// (the concept's index in the codebook, the text), for [`Measure::Occurrences`].
    pub fn panel(
        &self,
        request: &PanelRequest,
        occurrences: &(dyn Fn(usize, &str) -> u32 + Sync),
    ) -> Result<Panel> {
        check::guard(&self.handle.path, || {
            self.panel_unguarded(request, occurrences)
        })
    }

    /// A fingerprint of the index as this engine reads it: its schema version and its
    /// segments (id, documents, deletions), as 8 hex digits.
    pub fn fingerprint(&self) -> String {
        let searcher = self.reader.searcher();
        let mut segments: Vec<String> = searcher
            .segment_readers()
            .iter()
            .map(|r| {
                format!(
                    "{}:{}:{}",
                    r.segment_id().uuid_string(),
                    r.max_doc(),
                    r.num_deleted_docs()
                )
            })
            .collect();
        segments.sort();
        let text = format!("schema {SCHEMA_VERSION}; {}", segments.join(","));
        format!("{:08x}", crc32fast::hash(text.as_bytes()))
    }

    fn panel_unguarded(
        &self,
        request: &PanelRequest,
        occurrences: &(dyn Fn(usize, &str) -> u32 + Sync),
    ) -> Result<Panel> {
        check_by(&request.by)?;
        check_span(&request.by, &request.filters)?;
        self.check_filters(&request.filters)?;
        let searcher = self.reader.searcher();
        let maps = self.facet_maps(&searcher)?;
        let count = |query: Box<dyn TantivyQuery>, keep_docs: bool| -> Result<Vec<Counts>> {
            let collector = ReportCounter {
                maps: Arc::clone(&maps),
                keep_docs,
            };
            Ok(searcher.search(&*query, &collector)?)
        };
        let population = count(self.build(&Query::All, &request.filters)?, false)?;
        let in_index = if request.filters.is_empty() {
            reports_in(&population)
        } else {
            reports_in(&count(
                self.build(&Query::All, &Filters::default())?,
                false,
            )?)
        };
        // Each report the filters allow: its segment, its place in the segment's reports, and
        // the first of its sections they allow (its metadata is read there).
        let mut places: Vec<(SegmentOrdinal, usize, DocId)> = Vec::new();
        let mut row_of: HashMap<(SegmentOrdinal, usize), usize> = HashMap::new();
        for counts in &population {
            for (r, (&n, &first)) in counts.per_report.iter().zip(&counts.first).enumerate() {
                if n > 0 {
                    row_of.insert((counts.segment, r), places.len());
                    places.push((counts.segment, r, first));
                }
            }
        }
        let concepts = &request.codebook.concepts;
        let mut values = vec![vec![0u32; concepts.len()]; places.len()];
        for (c, concept) in concepts.iter().enumerate() {
            let keep_docs = request.measure == Measure::Occurrences;
            let found = count(self.concept_query(concept, &request.filters)?, keep_docs)?;
            let per_segment: Vec<Vec<u32>> = match request.measure {
                Measure::Sections => found.iter().map(|c| c.per_report.clone()).collect(),
                // The segments' sections are read from the document store on the search
                // threads, one segment each.
                Measure::Occurrences => self.handle.index.search_executor().map(
                    |counts: &Counts| {
                        self.occurrences(&searcher, &maps, counts, &|t| occurrences(c, t))
                            .map_err(|e| match e {
                                Error::Engine(e) => e,
                                other => tantivy::TantivyError::InternalError(other.to_string()),
                            })
                    },
                    found.iter(),
                )?,
            };
            for (counts, per_report) in found.iter().zip(per_segment) {
                for (r, n) in per_report.into_iter().enumerate() {
                    if n == 0 {
                        continue;
                    }
                    // A match outside the population cannot be: the concept's query has the
                    // filters. Counted nowhere rather than in the wrong report.
                    if let Some(&at) = row_of.get(&(counts.segment, r)) {
                        values[at][c] = n;
                    }
                }
            }
        }
        let mut reports = Vec::with_capacity(places.len());
        let mut rows = Vec::with_capacity(places.len());
        for (&(segment, r, first), values) in places.iter().zip(values) {
            let address = DocAddress::new(segment, first);
            reports.push(PanelReport {
                meta: self.report_meta(&searcher, &maps, address)?,
                values,
            });
            rows.push(maps.reports.segment(segment).row(r));
        }
        let mut order: Vec<usize> = (0..reports.len()).collect();
        order.sort_by(|&a, &b| reports[a].meta.file.cmp(&reports[b].meta.file));
        let mut sorted_reports = Vec::with_capacity(reports.len());
        let mut sorted_rows = Vec::with_capacity(rows.len());
        let mut slots: Vec<Option<PanelReport>> = reports.into_iter().map(Some).collect();
        for i in order {
            if let Some(report) = slots[i].take() {
                sorted_reports.push(report);
                sorted_rows.push(rows[i]);
            }
        }
        let (units, left_out) = if request.by.is_empty() {
            (Vec::new(), 0)
        } else {
            units(
                &request.by,
                &request.filters,
                &maps,
                &sorted_rows,
                &sorted_reports,
            )?
        };
        Ok(Panel {
            codebook: request.codebook.clone(),
            filters: request.filters.clone(),
            measure: request.measure,
            index: IndexFacts {
                reports: in_index,
                sections: searcher.num_docs() as usize,
                fingerprint: self.fingerprint(),
                schema_version: SCHEMA_VERSION,
            },
            reports: sorted_reports,
            by: request.by.clone(),
            units,
            left_out,
        })
    }

    /// A concept's query under the filters, within its section types.
    fn concept_query(&self, concept: &Concept, filters: &Filters) -> Result<Box<dyn TantivyQuery>> {
        let main = self.build(&concept.parsed, filters)?;
        let Some(facet) = FacetKey::of_sections().filter(|_| !concept.types.is_empty()) else {
            return Ok(main);
        };
        let field = self.handle.index.schema().get_field(&facet.spec().field)?;
        let any = concept
            .types
            .iter()
            .map(|t| {
                let term = Term::from_field_text(field, t.as_str());
                let q: Box<dyn TantivyQuery> =
                    Box::new(TermQuery::new(term, IndexRecordOption::Basic));
                (Occur::Should, q)
            })
            .collect();
        Ok(Box::new(BooleanQuery::new(vec![
            (Occur::Must, main),
            (Occur::Must, filter(BooleanQuery::new(any))),
        ])))
    }

    /// The occurrences in each report of one segment's matching sections, counted in each
    /// section's own text by `count`.
    fn occurrences(
        &self,
        searcher: &tantivy::Searcher,
        maps: &FacetMaps,
        counts: &Counts,
        count: &dyn Fn(&str) -> u32,
    ) -> Result<Vec<u32>> {
        let table = maps.reports.segment(counts.segment);
        let text_field = self.handle.fields.text;
        let mut per_report = vec![0u32; counts.per_report.len()];
        let mut r = 0;
        for &doc in &counts.docs {
            while table.start(r + 1).is_some_and(|next| next <= doc) {
                r += 1;
            }
            let stored: TantivyDocument = searcher.doc(DocAddress::new(counts.segment, doc))?;
            let text = stored
                .get_first(text_field)
                .and_then(|v| v.as_str())
                .unwrap_or_default();
            if let Some(n) = per_report.get_mut(r) {
                *n += count(text);
            }
        }
        Ok(per_report)
    }
}

/// The reports with a section among `counts`.
fn reports_in(counts: &[Counts]) -> usize {
    counts
        .iter()
        .map(|c| c.per_report.iter().filter(|&&n| n > 0).count())
        .sum()
}

/// One or two report facets, neither within the other.
fn check_by(by: &[FacetKey]) -> Result<()> {
    if by.len() > super::stats::MAX_BY {
        let n = by.len().to_string();
        return Err(Error::Usage(both("err.panel_by_count", &[("n", &n)])));
    }
    if let Some(f) = by.iter().find(|f| f.spec().scope != Scope::Report) {
        return Err(Error::Usage(both(
            "err.panel_by_section",
            &[("name", f.name())],
        )));
    }
    for &f in by {
        if let Some(&inner) = by.iter().find(|g| g.parents().contains(&f)) {
            return Err(Error::Usage(both(
                "err.panel_by_within",
                &[("inner", inner.name()), ("outer", f.name())],
            )));
        }
    }
    Ok(())
}

/// A panel by a number facet (year) has a row for every number of the range its filter names
/// (an open end: the index's first or last); a range wider than [`MAX_NUMBER_SPAN`] is refused,
/// not silently replaced by the years the data has.
fn check_span(by: &[FacetKey], filters: &Filters) -> Result<()> {
    for &f in by.iter().filter(|f| f.spec().shape == Shape::Number) {
        let Some((from, to)) = filters.range(f) else {
            continue;
        };
        let open = from == 0 || to == u64::MAX;
        if !open && to - from >= MAX_NUMBER_SPAN {
            let (from, to, max) = (
                from.to_string(),
                to.to_string(),
                MAX_NUMBER_SPAN.to_string(),
            );
            return Err(Error::Usage(both(
                "err.panel_span",
                &[
                    ("option", f.option()),
                    ("from", &from),
                    ("to", &to),
                    ("max", &max),
                ],
            )));
        }
    }
    Ok(())
}

/// One dimension of a balanced panel: its values, each the facet's value and its parents'.
fn dimension(f: FacetKey, filters: &Filters, keys: &[Option<Vec<String>>]) -> Vec<Vec<String>> {
    if f.spec().shape == Shape::Number {
        let numbers: Vec<u64> = keys
            .iter()
            .flatten()
            .filter_map(|k| k[0].parse().ok())
            .collect();
        let (Some(&low), Some(&high)) = (numbers.iter().min(), numbers.iter().max()) else {
            return Vec::new();
        };
        // A range the filters name is the panel's, also where no report falls; an open end is
        // the data's (a wider range is refused by `check_span`).
        let (low, high) = match filters.range(f) {
            Some((from, to)) => (
                if from == 0 { low } else { from },
                if to == u64::MAX { high } else { to },
            ),
            None => (low, high),
        };
        return (low..=high).map(|n| vec![n.to_string()]).collect();
    }
    let mut values: Vec<Vec<String>> = keys.iter().flatten().cloned().collect();
    values.sort();
    values.dedup();
    values
}

/// The balanced panel: every value of `by[0]` × every value of `by[1]`, each cell with its
/// reports and the concepts' counts added up (None where it has none); and the reports left
/// out for having no value of a `by` facet.
fn units(
    by: &[FacetKey],
    filters: &Filters,
    maps: &FacetMaps,
    rows: &[Option<u32>],
    reports: &[PanelReport],
) -> Result<(Vec<Unit>, usize)> {
    let concepts = reports.first().map_or(0, |r| r.values.len());
    // Each report's key on each dimension: the facet's value and its parents'; None when it
    // has no value.
    let keys: Vec<Vec<Option<Vec<String>>>> = by
        .iter()
        .map(|&f| {
            rows.iter()
                .map(|row| {
                    let row = (*row)?;
                    let value = maps.label(f, row);
                    if value.is_empty() {
                        return None;
                    }
                    let mut key = vec![value.to_string()];
                    key.extend(f.parents().iter().map(|&p| maps.label(p, row).to_string()));
                    Some(key)
                })
                .collect()
        })
        .collect();
    let dims: Vec<Vec<Vec<String>>> = by
        .iter()
        .zip(&keys)
        .map(|(&f, k)| dimension(f, filters, k))
        .collect();
    let size = dims
        .iter()
        .map(Vec::len)
        .try_fold(1usize, usize::checked_mul);
    match size {
        Some(n) if n <= MAX_UNITS => {}
        _ => {
            let names: Vec<&str> = by.iter().map(|f| f.name()).collect();
            let sizes: Vec<String> = dims.iter().map(|d| d.len().to_string()).collect();
            let (by, sizes, max) = (names.join(","), sizes.join(" × "), MAX_UNITS.to_string());
            return Err(Error::Usage(both(
                "err.panel_too_big",
                &[("by", &by), ("sizes", &sizes), ("max", &max)],
            )));
        }
    }
    let positions: Vec<HashMap<&Vec<String>, usize>> = dims
        .iter()
        .map(|d| d.iter().enumerate().map(|(i, k)| (k, i)).collect())
        .collect();
    let inner = dims.get(1).map_or(1, Vec::len);
    let cells = dims.iter().map(Vec::len).product::<usize>();
    let mut counted: Vec<(usize, Vec<u64>)> = vec![(0, Vec::new()); cells];
    let mut left_out = 0;
    for (i, report) in reports.iter().enumerate() {
        let at: Option<Vec<usize>> = keys
            .iter()
            .zip(&positions)
            .map(|(k, p)| k[i].as_ref().and_then(|key| p.get(key).copied()))
            .collect();
        let Some(at) = at else {
            left_out += 1;
            continue;
        };
        let cell = &mut counted[at[0] * inner + at.get(1).copied().unwrap_or(0)];
        if cell.1.is_empty() {
            cell.1 = vec![0; concepts];
        }
        cell.0 += 1;
        for (sum, &v) in cell.1.iter_mut().zip(&report.values) {
            *sum += u64::from(v);
        }
    }
    let mut units = Vec::with_capacity(cells);
    for (i, (n, values)) in counted.into_iter().enumerate() {
        let mut key = dims[0][i / inner].clone();
        if let Some(second) = dims.get(1) {
            key.extend(second[i % inner].iter().cloned());
        }
        units.push(Unit {
            key,
            reports: n,
            values: (n > 0).then_some(values),
        });
    }
    Ok((units, left_out))
}

/// One segment's matches, by report (in the order of the segment's reports).
struct Counts {
    segment: SegmentOrdinal,
    /// Matching sections of each report.
    per_report: Vec<u32>,
    /// Each report's first matching section ([`NO_DOC`] for none).
    first: Vec<DocId>,
    /// The matching sections, in order, when asked for.
    docs: Vec<DocId>,
}

const NO_DOC: DocId = DocId::MAX;

/// Counts the matching sections of every report, keeping the sections themselves when asked.
struct ReportCounter {
    maps: Arc<FacetMaps>,
    keep_docs: bool,
}

struct SegmentCounter {
    segment: SegmentOrdinal,
    table: SegmentReports,
    matched: Vec<u64>,
    max_doc: DocId,
    keep_docs: bool,
}

impl Collector for ReportCounter {
    type Fruit = Vec<Counts>;
    type Child = SegmentCounter;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentCounter> {
        Ok(SegmentCounter {
            segment,
            table: self.maps.reports.segment(segment),
            matched: vec![0; (reader.max_doc() as usize).div_ceil(64)],
            max_doc: reader.max_doc(),
            keep_docs: self.keep_docs,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Counts>) -> tantivy::Result<Vec<Counts>> {
        let mut fruits = fruits;
        fruits.sort_by_key(|c| c.segment);
        Ok(fruits)
    }
}

impl SegmentCollector for SegmentCounter {
    type Fruit = Counts;

    fn collect(&mut self, doc: DocId, _score: Score) {
        if let Some(word) = self.matched.get_mut((doc / 64) as usize) {
            *word |= 1 << (doc % 64);
        }
    }

    fn harvest(self) -> Counts {
        let mut per_report = Vec::with_capacity(self.table.len());
        let mut first = Vec::with_capacity(self.table.len());
        for (start, end, _) in self.table.spans(self.max_doc) {
            let n = ones(&self.matched, start, end);
            per_report.push(n);
            first.push(if n > 0 {
                first_one(&self.matched, start, end)
            } else {
                NO_DOC
            });
        }
        let docs = if self.keep_docs {
            documents(&self.matched).collect()
        } else {
            Vec::new()
        };
        Counts {
            segment: self.segment,
            per_report,
            first,
            docs,
        }
    }
}

/// The first document of `from..to` in a set of bits ([`NO_DOC`] for none).
fn first_one(bits: &[u64], from: DocId, to: DocId) -> DocId {
    let mut doc = from;
    while doc < to {
        let Some(&word) = bits.get((doc / 64) as usize) else {
            break;
        };
        let rest = word >> (doc % 64);
        if rest != 0 {
            let found = doc + rest.trailing_zeros();
            return if found < to { found } else { NO_DOC };
        }
        doc = (doc / 64 + 1) * 64;
    }
    NO_DOC
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_one_in_a_range() {
        let set: Vec<u64> = vec![0b1000, 0, 1 << 5, 0];
        let rows = [
            (0, 256, 3),
            (3, 4, 3),
            (4, 256, 133),
            (4, 133, NO_DOC),
            (134, 256, NO_DOC),
            (0, 3, NO_DOC),
            (200, 400, NO_DOC),
        ];
        for (from, to, expected) in rows {
            assert_eq!(first_one(&set, from, to), expected, "{from}..{to}");
        }
    }

    #[test]
    fn a_panel_is_by_report_facets_neither_within_the_other() {
        let named = |names: &[&str]| -> Vec<FacetKey> {
            names.iter().map(|n| FacetKey::named(n).expect(n)).collect()
        };
        let rows: [(&[&str], bool); 6] = [
            (&["town", "year"], true),
            (&["province"], true),
            (&["year", "issuer"], true),
            (&["section_type"], false),
            (&["town", "county"], false),
            (&["province", "town"], false),
        ];
        for (by, ok) in rows {
            assert_eq!(check_by(&named(by)).is_ok(), ok, "{by:?}");
        }
    }

    #[test]
    fn a_panel_by_year_over_a_span_wider_than_a_thousand_years_is_refused() {
        let year = [FacetKey::named("year").expect("year")];
        // (--year, accepted)
        let rows = [
            ("2020..2023", true),
            ("2020..", true),
            ("..2023", true),
            ("1024..2023", true),
            ("1..3000", false),
            ("1000..2000", false),
        ];
        for (range, ok) in rows {
            let filters = Filters::default().with("year", range).expect("a range");
            let checked = check_span(&year, &filters);
            assert_eq!(checked.is_ok(), ok, "--year {range}");
            if let Err(e) = checked {
                let (zh, en) = (e.message(crate::lang::Lang::Zh), e.to_string());
                assert!(zh.contains("跨度超过 1000 年"), "{zh}");
                assert!(en.contains("spans more than 1000"), "{en}");
            }
        }
        let by_town = [FacetKey::named("town").expect("town")];
        let wide = Filters::default().with("year", "1..3000").expect("a range");
        assert!(
            check_span(&by_town, &wide).is_ok(),
            "only a panel by year has a row a year"
        );
    }
}
