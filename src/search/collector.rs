//! One pass over the matching sections that gathers what a result page needs: the best
//! matches in rank order (deterministic ties), the number of reports, and the facet counts over
//! all matches.
//!
//! The per-match work is kept to a comparison, a bit and a byte. A match is first only
//! checked against the worst of the best kept so far, then marked in the segment's set of
//! matching documents, and counted by its section facet (the section type, which differs within
//! a report), from the byte the facet file keeps for each section ([`DocTypes`]). When the
//! segment ends, the set is counted report by report along the segment's [`ReportTable`] (a
//! report's sections are adjacent in one segment: [`crate::index::facets`]): each report's
//! matches are the ones among its documents, added to its row of report facet values, with no
//! column read and no branch to mispredict. A few matches among many reports are instead looked
//! up report by report. No facet value becomes text until it is shown.
//!
//! The same pass counts `stats`' groups ([`TallyCollector::grouped`]): one counting engine.
//!
//! [`DocTypes`]: crate::index::facets::DocTypes
//! [`ReportTable`]: crate::index::facets::ReportTable

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};
use std::sync::{Arc, Mutex, PoisonError};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::Column;
use tantivy::directory::OwnedBytes;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use crate::index::facets::{FacetMaps, SegmentReports};
pub(crate) use crate::index::facets::{NONE, first};
use crate::index::schema::{FacetKey, Scope};

/// A matching section before its stored fields are read.
#[derive(Debug, Clone, Copy)]
pub struct Match {
    pub score: Score,
    pub report_key: u64,
    pub line: u64,
    /// The section facet's global ordinal in [`FacetMaps`], read when the match is kept.
    pub(crate) section_type: Option<u32>,
    pub address: DocAddress,
}

impl Match {
    /// Rank order: higher score first; equal scores in report-key, then line order, so that the
    /// same index gives the same order whatever its segment layout.
    pub fn rank(&self, other: &Match) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.report_key.cmp(&other.report_key))
            .then(self.line.cmp(&other.line))
            .then(self.address.cmp(&other.address))
    }
}

/// A heap entry whose greatest element is the worst-ranked match.
struct Worst(Match);

impl PartialEq for Worst {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Worst {}
impl PartialOrd for Worst {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Worst {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.rank(&other.0)
    }
}

/// Sections by row of the [`ReportTable`](crate::index::facets::ReportTable), added up from
/// the segments as each one ends. The first segment's array is taken as it is; a later
/// segment's is added in and freed, so the next segment on the same thread counts in memory
/// already touched. Keeping every segment's array to the merge cost a page fault for each 4 KiB
/// of them (about 2 µs apiece on the bench machine).
#[derive(Debug, Default)]
struct RowCounts(Mutex<Option<Vec<u32>>>);

impl RowCounts {
    fn add(&self, rows: Vec<u32>) {
        let mut sum = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        match sum.as_mut() {
            None => *sum = Some(rows),
            Some(all) => add_into(all, &rows),
        }
    }

    fn take(&self) -> Vec<u32> {
        let mut sum = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        sum.take().unwrap_or_default()
    }
}

/// Counts over all matching sections, and the best `limit` matches in rank order.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// The best matches, best first.
    pub matches: Vec<Match>,
    /// The number of matching sections.
    pub total: usize,
    /// The number of reports with a matching section.
    pub reports: usize,
    /// Sections by report table row.
    pub(crate) rows: Vec<u32>,
    /// The rows of `rows` with a count, in order, when they are few ([`Tally::with_rows`]).
    pub(crate) counted_rows: Option<Vec<u32>>,
    /// Sections by the section facet's global ordinal.
    pub(crate) sections: Vec<u32>,
    /// Reports and sections by group, when counted for `stats`.
    pub(crate) groups: Groups,
}

impl Tally {
    /// The tally with sections by report table row `rows`. A search that matches a quarter of
    /// the reports or fewer lists them, and each facet counts over them, not over every row
    /// of the table (the long phrase of the bench, 2,466 reports of 20,000: 9% faster); past
    /// that, the list costs more than it saves (`法律顾问`'s 9,957: 11% slower).
    fn with_rows(mut self, rows: Vec<u32>) -> Tally {
        self.counted_rows = (self.reports <= rows.len() / 4).then(|| {
            (0..rows.len() as u32)
                .filter(|&r| rows[r as usize] > 0)
                .collect()
        });
        self.rows = rows;
        self
    }

    /// Sections by facet (in the table's order), each an array by the value it counts under:
    /// the global ordinal, or for a facet with parents its group (a report table row).
    #[cfg(test)]
    pub(crate) fn counts(&self, maps: &FacetMaps) -> Vec<Vec<u32>> {
        FacetKey::all().map(|f| self.count(f, maps)).collect()
    }

    /// One facet's array of [`Tally::counts`]: each facet's counts can be made on its own
    /// thread.
    pub(crate) fn count(&self, facet: FacetKey, maps: &FacetMaps) -> Vec<u32> {
        match facet.spec().scope {
            Scope::Report => {
                let mut counts = vec![0; maps.reports.values(facet, maps)];
                let (rows, counted) = (&self.rows, self.counted_rows.as_deref());
                maps.reports.add_rows_of(facet, rows, counted, &mut counts);
                counts
            }
            Scope::Section => self.sections.clone(),
        }
    }
}

/// Reports and matching sections per group of one or two facet values (as a facet counts
/// under them: [`Tally::counts`]; [`NONE`] for none), for `stats`.
pub(crate) type Groups = HashMap<[u32; 2], (usize, usize)>;

fn add_into(into: &mut Vec<u32>, from: &[u32]) {
    if into.len() < from.len() {
        into.resize(from.len(), 0);
    }
    for (a, b) in into.iter_mut().zip(from) {
        *a += b;
    }
}

/// Adds `n` at `ord` of `counts`, unless the ordinal is [`NONE`] or out of range.
fn add_at(counts: &mut [u32], ord: u32, n: u32) {
    if let Some(count) = counts.get_mut(ord as usize) {
        *count += n;
    }
}

/// One segment's share of a [`Tally`] (its rows are added to the search's [`RowCounts`] when it
/// ends): sections by the section facet's global ordinal, and its groups.
pub struct SegmentFruit {
    matches: Vec<Match>,
    total: usize,
    reports: usize,
    sections: Vec<u32>,
    groups: Groups,
}

/// Collects a [`Tally`], keeping the best `limit` matches (all of them when None). A collector
/// counts one search: its segments add their rows into one sum the tally then takes, so a
/// second search with it is refused rather than counted with the first.
pub struct TallyCollector {
    limit: Option<usize>,
    maps: Arc<FacetMaps>,
    counts: Arc<RowCounts>,
    /// The facets `stats` groups by, when it does.
    by: Vec<FacetKey>,
    merged: AtomicBool,
}

impl TallyCollector {
    pub(crate) fn new(limit: Option<usize>, maps: Arc<FacetMaps>) -> TallyCollector {
        TallyCollector {
            limit,
            maps,
            counts: Arc::default(),
            by: Vec::new(),
            merged: AtomicBool::new(false),
        }
    }

    /// A collector that also counts reports and sections per group of the values of `by`
    /// (one or two facets), keeping no match.
    pub(crate) fn grouped(maps: Arc<FacetMaps>, by: &[FacetKey]) -> TallyCollector {
        TallyCollector {
            by: by.to_vec(),
            ..TallyCollector::new(Some(0), maps)
        }
    }

    fn used(&self) -> tantivy::TantivyError {
        tantivy::TantivyError::InternalError("a TallyCollector counts one search only".into())
    }
}

/// A segment with fewer matches than its reports divided by this finds each match's report;
/// one with more walks all its reports (a few nanoseconds each, against some tens for finding
/// one).
const SPARSE: usize = 16;

pub struct SegmentTally {
    maps: Arc<FacetMaps>,
    /// Every document's section facet value in global ordinals, a byte each ([`DocTypes`]).
    ///
    /// [`DocTypes`]: crate::index::facets::DocTypes
    types: OwnedBytes,
    best: Best,
    total: usize,
    /// This segment's reports, where they begin and what they are.
    table: SegmentReports,
    /// The matching documents, a bit each.
    matched: Vec<u64>,
    max_doc: DocId,
    /// Sections by report table row, and by the section facet's global ordinal; the search's
    /// sum of rows.
    rows: Vec<u32>,
    sections: Vec<u32>,
    counts: Arc<RowCounts>,
    by: Vec<FacetKey>,
}

impl Collector for TallyCollector {
    type Fruit = Tally;
    type Child = SegmentTally;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentTally> {
        if self.merged.load(AtomicOrdering::Relaxed) {
            return Err(self.used());
        }
        let section_facet = FacetKey::of_sections();
        let table = &self.maps.reports;
        Ok(SegmentTally {
            maps: Arc::clone(&self.maps),
            types: self.maps.doc_types.segment(segment),
            best: Best::new(segment, reader, &self.maps, self.limit, None)?,
            total: 0,
            table: table.segment(segment),
            matched: vec![0; (reader.max_doc() as usize).div_ceil(64)],
            max_doc: reader.max_doc(),
            rows: vec![0; table.rows()],
            sections: vec![0; section_facet.map_or(0, |f| self.maps.map(f).len())],
            counts: Arc::clone(&self.counts),
            by: self.by.clone(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<Tally> {
        if self.merged.swap(true, AtomicOrdering::Relaxed) {
            return Err(self.used());
        }
        let mut all = Tally::default();
        for fruit in fruits {
            all.matches.extend(fruit.matches);
            all.total += fruit.total;
            all.reports += fruit.reports;
            add_into(&mut all.sections, &fruit.sections);
            for (group, (reports, sections)) in fruit.groups {
                let sum = all.groups.entry(group).or_default();
                sum.0 += reports;
                sum.1 += sections;
            }
        }
        all.matches.sort_by(Match::rank);
        if let Some(limit) = self.limit {
            // Each segment kept its best `limit`: the search keeps only the best of them.
            all.matches.truncate(limit);
            all.matches.shrink_to_fit();
        }
        Ok(all.with_rows(self.counts.take()))
    }
}

/// The best matches of one segment, as the search meets them: every one, or the best `limit`
/// ranked after `after` (all of them when None). A match is first only checked against the
/// worst kept one; its line and section type are read only if it is kept.
pub(crate) struct Best {
    segment: SegmentOrdinal,
    maps: Arc<FacetMaps>,
    limit: Option<usize>,
    after: Option<Match>,
    report_key: Column<u64>,
    line: Column<u64>,
    types: OwnedBytes,
    heap: BinaryHeap<Worst>,
    /// The score of the worst kept match once `limit` are kept: a match scoring less is not
    /// looked at again.
    threshold: Score,
    all: Vec<Match>,
}

impl Best {
    fn new(
        segment: SegmentOrdinal,
        reader: &SegmentReader,
        maps: &Arc<FacetMaps>,
        limit: Option<usize>,
        after: Option<Match>,
    ) -> tantivy::Result<Best> {
        let fast = reader.fast_fields();
        Ok(Best {
            segment,
            maps: Arc::clone(maps),
            limit,
            after,
            report_key: fast.u64("report_key")?,
            line: fast.u64("line")?,
            types: maps.doc_types.segment(segment),
            heap: BinaryHeap::new(),
            threshold: Score::NEG_INFINITY,
            all: Vec::new(),
        })
    }

    /// Keeps the match if it ranks after `after` and among the best `limit` so far.
    fn offer(&mut self, doc: DocId, score: Score) {
        let address = DocAddress::new(self.segment, doc);
        let candidate = |this: &Self, report_key: u64| Match {
            score,
            report_key,
            line: first(&this.line, doc).unwrap_or_default(),
            section_type: this.section_type_of(doc),
            address,
        };
        let key = |this: &Self| first(&this.report_key, doc).unwrap_or_default();
        if let Some(after) = self.after {
            match score.total_cmp(&after.score) {
                Ordering::Greater => return,
                Ordering::Equal if after.rank(&candidate(self, key(self))) != Ordering::Less => {
                    return;
                }
                _ => {}
            }
        }
        match self.limit {
            None => {
                let m = candidate(self, key(self));
                self.all.push(m);
            }
            Some(0) => {}
            Some(limit) if self.heap.len() < limit => {
                let m = candidate(self, key(self));
                self.heap.push(Worst(m));
                if self.heap.len() == limit {
                    self.threshold = self.heap.peek().map_or(Score::NEG_INFINITY, |w| w.0.score);
                }
            }
            // Most matches score below the worst kept one, and are not looked at again.
            Some(_) if score < self.threshold => {}
            Some(_) => {
                let Some(worst) = self.heap.peek().map(|w| w.0) else {
                    return;
                };
                // Ties on score are common (BM25 over short sections): compare the report
                // key before reading the line.
                let report_key = key(self);
                if score == worst.score && report_key > worst.report_key {
                    return;
                }
                let m = candidate(self, report_key);
                if m.rank(&worst) == Ordering::Less {
                    // The worst kept one is replaced where it is, and sinks into place.
                    if let Some(mut top) = self.heap.peek_mut() {
                        *top = Worst(m);
                    }
                    self.threshold = self.heap.peek().map_or(Score::NEG_INFINITY, |w| w.0.score);
                }
            }
        }
    }

    /// The section facet's value of document `doc`, in global ordinals.
    fn section_type_of(&self, doc: DocId) -> Option<u32> {
        let map = self.maps.map(FacetKey::of_sections()?);
        let t = u32::from(*self.types.as_slice().get(doc as usize)?);
        ((t as usize) < map.len()).then_some(t)
    }

    /// The kept matches in rank order.
    fn into_ranked(self) -> Vec<Match> {
        let mut matches: Vec<Match> = if self.limit.is_some() {
            self.heap.into_iter().map(|w| w.0).collect()
        } else {
            self.all
        };
        matches.sort_by(Match::rank);
        matches
    }
}

impl SegmentCollector for Best {
    type Fruit = Vec<Match>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.offer(doc, score);
    }

    fn harvest(self) -> Vec<Match> {
        self.into_ranked()
    }
}

/// The best `limit` matches ranked after `after`, counting nothing: the next of a search's
/// matches, when it holds them a chunk at a time (`search::Ranked`). The same searcher and
/// query score each match the same every time, and [`Match::rank`] orders every match (no two
/// are equal), so the chunks from the first match on are the whole ranking, each match once.
pub(crate) struct NextMatches {
    pub(crate) after: Match,
    pub(crate) limit: usize,
    pub(crate) maps: Arc<FacetMaps>,
}

impl Collector for NextMatches {
    type Fruit = Vec<Match>;
    type Child = Best;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Best> {
        Best::new(
            segment,
            reader,
            &self.maps,
            Some(self.limit),
            Some(self.after),
        )
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Match>>) -> tantivy::Result<Vec<Match>> {
        let mut all: Vec<Match> = fruits.into_iter().flatten().collect();
        all.sort_by(Match::rank);
        all.truncate(self.limit);
        all.shrink_to_fit();
        Ok(all)
    }
}

impl SegmentTally {
    /// The section facet's value of document `doc`, in global ordinals.
    fn section_type_of(&self, doc: DocId) -> Option<u32> {
        self.best.section_type_of(doc)
    }

    /// Counts `stats`' groups: for each report with a match, its matching sections by the
    /// group each is in (a report facet's value is the report's; the section facet's, each
    /// section's own), and the report once in each of its groups.
    fn count_groups(&self) -> Groups {
        let mut groups = Groups::new();
        let reports = &self.maps.reports;
        let value = |f: FacetKey, row: u32, doc: DocId| match f.spec().scope {
            Scope::Report => reports.counted(row, f).unwrap_or(NONE),
            Scope::Section => self.section_type_of(doc).unwrap_or(NONE),
        };
        let per_section = self.by.iter().any(|f| f.spec().scope == Scope::Section);
        let mut seen: Vec<[u32; 2]> = Vec::new();
        for (start, end, row) in self.table.spans(self.max_doc) {
            let n = ones(&self.matched, start, end);
            if n == 0 {
                continue;
            }
            let key = |doc| {
                let mut key = [NONE; 2];
                for (k, &f) in key.iter_mut().zip(&self.by) {
                    *k = value(f, row, doc);
                }
                key
            };
            if !per_section {
                let sum = groups.entry(key(start)).or_default();
                sum.0 += 1;
                sum.1 += n as usize;
                continue;
            }
            seen.clear();
            let matched = |d: &DocId| (self.matched[(d / 64) as usize] >> (d % 64)) & 1 == 1;
            for doc in (start..end.min(self.max_doc)).filter(matched) {
                let key = key(doc);
                let sum = groups.entry(key).or_default();
                sum.1 += 1;
                if !seen.contains(&key) {
                    seen.push(key);
                    sum.0 += 1;
                }
            }
        }
        groups
    }

    /// Counts the matches by their reports' rows, and returns how many reports have one.
    fn count_reports(&mut self) -> usize {
        if self.total.saturating_mul(SPARSE) < self.table.len() {
            self.count_reports_of_matches()
        } else {
            self.count_all_reports()
        }
    }

    /// Walks every report, counting the matches among its documents.
    fn count_all_reports(&mut self) -> usize {
        let first = self
            .table
            .spans(self.max_doc)
            .next()
            .map_or(self.max_doc, |s| s.0);
        // Matches before the first report (a table that does not cover the segment): counted
        // as sections, each its own report, with no place or year.
        let mut reports = ones(&self.matched, 0, first) as usize;
        for (start, end, row) in self.table.spans(self.max_doc) {
            let n = ones(&self.matched, start, end);
            reports += usize::from(n > 0);
            add_at(&mut self.rows, row, n);
        }
        reports
    }

    /// Finds each match's report, walking the segment's reports alongside the matches.
    fn count_reports_of_matches(&mut self) -> usize {
        let (table, rows) = (&self.table, &mut self.rows);
        let mut end_run = |run: Option<(usize, u32)>| {
            let Some((r, n)) = run else { return };
            if let Some(row) = table.row(r) {
                add_at(rows, row, n);
            }
        };
        let mut reports = 0;
        // The current report and how many of its sections matched, and where the next begins.
        let mut run: Option<(usize, u32)> = None;
        let mut next_start: DocId = 0;
        for doc in documents(&self.matched) {
            match &mut run {
                Some((_, n)) if doc < next_start => *n += 1,
                _ => {
                    end_run(run);
                    reports += 1;
                    let from = run.map_or(0, |(r, _)| r + 1);
                    match table.find(doc, from) {
                        Some(r) => {
                            run = Some((r, 1));
                            next_start = table.start(r + 1).unwrap_or(DocId::MAX);
                        }
                        // Not in the table (which the stamp on the saved file rules out): its
                        // sections are counted, not its facet values.
                        None => {
                            run = None;
                            next_start = doc + 1;
                        }
                    }
                }
            }
        }
        end_run(run);
        reports
    }
}

/// The bits set in a word, lowest first.
fn bits(word: u64) -> impl Iterator<Item = u32> {
    let mut rest = word;
    std::iter::from_fn(move || {
        if rest == 0 {
            return None;
        }
        let bit = rest.trailing_zeros();
        rest &= rest - 1;
        Some(bit)
    })
}

/// The documents in a set of bits, in order.
pub(crate) fn documents(set: &[u64]) -> impl Iterator<Item = DocId> + '_ {
    set.iter().enumerate().flat_map(|(i, &word)| {
        let base = (i as DocId) << 6;
        bits(word).map(move |b| base + b)
    })
}

/// How many of the documents `from..to` are in a set of bits (those past its end are not).
pub(crate) fn ones(bits: &[u64], from: DocId, to: DocId) -> u32 {
    let to = u64::from(to).min(bits.len() as u64 * 64);
    let from = u64::from(from);
    if from >= to {
        return 0;
    }
    let (first, last) = ((from / 64) as usize, ((to - 1) / 64) as usize);
    let low = !0u64 << (from % 64);
    let high = !0u64 >> (63 - (to - 1) % 64);
    match bits.get(first..=last) {
        Some([only]) => (only & low & high).count_ones(),
        Some([head, middle @ .., tail]) => {
            (head & low).count_ones()
                + middle.iter().map(|w| w.count_ones()).sum::<u32>()
                + (tail & high).count_ones()
        }
        _ => 0,
    }
}

impl SegmentCollector for SegmentTally {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.total += 1;
        self.best.offer(doc, score);
        if let Some(word) = self.matched.get_mut((doc / 64) as usize) {
            *word |= 1 << (doc % 64);
        }
        if let Some(&t) = self.types.as_slice().get(doc as usize) {
            add_at(&mut self.sections, u32::from(t), 1);
        }
    }

    fn harvest(mut self) -> SegmentFruit {
        let reports = self.count_reports();
        let groups = if self.by.is_empty() {
            Groups::new()
        } else {
            self.count_groups()
        };
        self.counts.add(self.rows);
        SegmentFruit {
            matches: self.best.into_ranked(),
            total: self.total,
            reports,
            sections: self.sections,
            groups,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashSet};

    use tantivy::indexer::NoMergePolicy;
    use tantivy::query::{AllQuery, Query, TermQuery};
    use tantivy::schema::{FAST, IndexRecordOption, STRING, Schema};
    use tantivy::{Index, IndexWriter, TantivyDocument, Term};

    use super::*;
    use crate::index::facets::OrdinalMap;

    /// One section of a synthetic report.
    struct Section {
        report_key: u64,
        line: u64,
        year: Option<u64>,
        town: Option<String>,
        county: Option<String>,
        level: &'static str,
        section_type: &'static str,
        /// Picked by the sparse query: whole reports skipped, single sections, long gaps.
        picked: bool,
        /// One section in a few reports, the last report's among them: far fewer matches
        /// than reports, so that each match's report is looked up.
        rare: bool,
    }

    /// Which sections a test query matches.
    #[derive(Debug, Clone, Copy)]
    enum Pick {
        All,
        Picked,
        Rare,
    }

    impl Pick {
        fn matches(self, s: &Section) -> bool {
            match self {
                Pick::All => true,
                Pick::Picked => s.picked,
                Pick::Rare => s.rare,
            }
        }

        fn query(self, index: &Index) -> Box<dyn Query> {
            let term = |field: &str| {
                let field = index.schema().get_field(field).unwrap();
                Box::new(TermQuery::new(
                    Term::from_field_text(field, "yes"),
                    IndexRecordOption::Basic,
                ))
            };
            match self {
                Pick::All => Box::new(AllQuery),
                Pick::Picked => term("picked"),
                Pick::Rare => term("rare"),
            }
        }
    }

    /// 1,500 reports of 1 to 4 sections: more matches and more reports than one batch of
    /// section-type reads holds, and places and years some reports lack.
    fn sections() -> Vec<Section> {
        let types = ["measures", "shortcomings", "plans"];
        let mut out = Vec::new();
        for r in 0..1_500u64 {
            for s in 0..(r % 4 + 1) {
                out.push(Section {
                    // Not in report order: ties on score fall back to this key.
                    report_key: (r * 7_919) % 1_500,
                    // Descending: a later section can rank before an earlier one.
                    line: 100 - s * 10,
                    year: (r % 17 != 0).then_some(2018 + r % 7),
                    town: (r % 5 != 0).then(|| format!("镇{}", r % 37)),
                    county: (r % 3 != 0).then(|| format!("县{}", r % 11)),
                    level: ["town", "county", "department", "other"][(r % 4) as usize],
                    section_type: types[((r + s) % 3) as usize],
                    picked: (r % 9 < 4 && s != 1) || (r > 700 && r < 760) || r == 1_499,
                    rare: s == 0 && (r % 97 == 5 || r == 1_499),
                });
            }
        }
        out
    }

    /// The sections in segments of `per_segment` reports each.
    fn index(sections: &[Section], per_segment: u64) -> Index {
        let mut builder = Schema::builder();
        let report_key = builder.add_u64_field("report_key", FAST);
        let line = builder.add_u64_field("line", FAST);
        let year = builder.add_u64_field("year", FAST);
        let town = builder.add_text_field("town", STRING | FAST);
        let county = builder.add_text_field("county", STRING | FAST);
        let level = builder.add_text_field("level", STRING | FAST);
        let section_type = builder.add_text_field("section_type", STRING | FAST);
        let picked = builder.add_text_field("picked", STRING);
        let rare = builder.add_text_field("rare", STRING);
        let index = Index::create_in_ram(builder.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        writer.set_merge_policy(Box::new(NoMergePolicy));
        let mut reports = 0;
        let mut last_key = None;
        for s in sections {
            if last_key != Some(s.report_key) {
                last_key = Some(s.report_key);
                if reports > 0 && reports % per_segment == 0 {
                    writer.commit().unwrap();
                }
                reports += 1;
            }
            let mut doc = TantivyDocument::default();
            doc.add_u64(report_key, s.report_key);
            doc.add_u64(line, s.line);
            if let Some(y) = s.year {
                doc.add_u64(year, y);
            }
            if let Some(t) = &s.town {
                doc.add_text(town, t);
            }
            if let Some(c) = &s.county {
                doc.add_text(county, c);
            }
            doc.add_text(level, s.level);
            doc.add_text(section_type, s.section_type);
            if s.picked {
                doc.add_text(picked, "yes");
            }
            if s.rare {
                doc.add_text(rare, "yes");
            }
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
        index
    }

    fn tally(index: &Index, query: &dyn Query, limit: Option<usize>) -> (Tally, Arc<FacetMaps>) {
        let searcher = index.reader().unwrap().searcher();
        let maps = Arc::new(FacetMaps::build(&searcher).unwrap());
        let collector = TallyCollector::new(limit, Arc::clone(&maps));
        (searcher.search(query, &collector).unwrap(), maps)
    }

    /// Counts by label from a count array of global ordinals.
    fn labelled(map: &OrdinalMap, counts: &[u32]) -> BTreeMap<String, u32> {
        counts
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(g, n)| (map.label(g as u32).to_string(), *n))
            .collect()
    }

    #[test]
    fn counts_equal_counting_by_hand() {
        let sections = sections();
        let picked = sections.iter().filter(|s| s.picked).count();
        let rare = sections.iter().filter(|s| s.rare).count();
        assert!(picked > 1_000 && picked < sections.len() / 2);
        // Picked: more matches than the reports / SPARSE, so that a segment's reports are walked;
        // rare: fewer, so that each match's report is looked up.
        assert!(picked * SPARSE > 1_500 && rare * SPARSE < 400);
        // (segments of so many reports, the sections matched)
        let rows = [
            (1_500, Pick::All),
            (1_500, Pick::Picked),
            (1_500, Pick::Rare),
            (400, Pick::All),
            (400, Pick::Picked),
            (400, Pick::Rare),
            (53, Pick::Picked),
            (53, Pick::Rare),
        ];
        for (per_segment, pick) in rows {
            let index = index(&sections, per_segment);
            let query = pick.query(&index);
            let (got, maps) = tally(&index, &*query, Some(10));
            let case = format!("{per_segment} reports per segment, {pick:?}");
            // Every report matches All: each facet counts along the whole table; a few match
            // Rare: along their rows.
            let listed = got.counted_rows.is_some();
            match pick {
                Pick::All => assert!(!listed, "{case}: the matched rows listed"),
                Pick::Rare => assert!(listed, "{case}: the matched rows not listed"),
                Pick::Picked => {}
            }
            assert_eq!(
                index.reader().unwrap().searcher().segment_readers().len() as u64,
                1_500u64.div_ceil(per_segment),
                "{case}"
            );

            let mut towns = BTreeMap::new();
            let mut counties = BTreeMap::new();
            let mut levels = BTreeMap::new();
            let mut years = BTreeMap::new();
            let mut types = BTreeMap::new();
            let mut reports = HashSet::new();
            let mut total = 0;
            for s in sections.iter().filter(|s| pick.matches(s)) {
                total += 1;
                reports.insert(s.report_key);
                if let Some(t) = &s.town {
                    let key = (t.clone(), s.county.clone().unwrap_or_default());
                    *towns.entry(key).or_insert(0) += 1;
                }
                if let Some(c) = &s.county {
                    *counties.entry(c.clone()).or_insert(0) += 1;
                }
                if let Some(y) = s.year {
                    *years.entry(y).or_insert(0) += 1;
                }
                *types.entry(s.section_type.to_string()).or_insert(0) += 1;
                *levels.entry(s.level.to_string()).or_insert(0) += 1;
            }
            assert_eq!(got.total, total, "{case}");
            assert_eq!(got.reports, reports.len(), "{case}");
            let counts = got.counts(&maps);
            let facet = |name: &str| FacetKey::named(name).expect("a facet of the table");
            let counted =
                |name: &str| labelled(maps.map(facet(name)), &counts[facet(name).index()]);
            assert_eq!(counted("county"), counties, "{case}");
            assert_eq!(counted("level"), levels, "{case}");
            assert_eq!(counted("section_type"), types, "{case}");
            let got_years: BTreeMap<u64, u32> = counted("year")
                .into_iter()
                .map(|(y, n)| (y.parse().expect("a year"), n))
                .collect();
            assert_eq!(got_years, years, "{case}");
            // A town counts by its group: a row of the report table with its county.
            let (town, county) = (facet("town"), facet("county"));
            let got_towns: Vec<((String, String), u32)> = nonzero(&counts[town.index()])
                .map(|(row, n)| {
                    let name = |f| maps.label(f, row as u32).to_string();
                    ((name(town), name(county)), n)
                })
                .collect();
            let listed = got_towns.len();
            let got_towns: BTreeMap<(String, String), u32> = got_towns.into_iter().collect();
            assert_eq!(listed, got_towns.len(), "each town is listed once: {case}");
            assert_eq!(got_towns, towns, "{case}");
        }
    }

    /// The counts that are not zero, by where they are.
    fn nonzero(counts: &[u32]) -> impl Iterator<Item = (usize, u32)> + '_ {
        counts.iter().copied().enumerate().filter(|&(_, n)| n > 0)
    }

    #[test]
    fn the_ones_in_a_range_are_counted_and_listed() {
        let set: Vec<u64> = vec![0b1011, 0, !0, 1 << 63, 0x8000_0000_0000_0001];
        let by_hand: Vec<DocId> = (0..64 * set.len() as DocId)
            .filter(|&d| set[(d / 64) as usize] >> (d % 64) & 1 == 1)
            .collect();
        assert_eq!(documents(&set).collect::<Vec<_>>(), by_hand);
        // (from, to): empty, within a word, across words, past the end, backwards
        let ranges = [
            (0, 0),
            (0, 1),
            (1, 4),
            (3, 4),
            (0, 64),
            (2, 130),
            (128, 192),
            (191, 193),
            (255, 256),
            (100, 320),
            (0, 1_000),
            (300, 1_000),
            (10, 5),
        ];
        for (from, to) in ranges {
            let expected = by_hand.iter().filter(|&&d| d >= from && d < to).count() as u32;
            assert_eq!(ones(&set, from, to), expected, "{from}..{to}");
        }
    }

    #[test]
    fn a_collector_counts_one_search_only() {
        let sections = sections();
        let index = index(&sections, 400);
        let searcher = index.reader().unwrap().searcher();
        let maps = Arc::new(FacetMaps::build(&searcher).unwrap());
        let collector = TallyCollector::new(Some(10), maps);
        let first = searcher.search(&AllQuery, &collector).unwrap();
        assert_eq!(first.total, sections.len());
        assert!(
            searcher.search(&AllQuery, &collector).is_err(),
            "a second search with the same collector is refused, not added to the first"
        );
    }

    #[test]
    fn the_matches_found_a_chunk_at_a_time_are_the_whole_ranking() {
        let sections = sections();
        for per_segment in [1_500, 400, 53] {
            let index = index(&sections, per_segment);
            let searcher = index.reader().unwrap().searcher();
            for pick in [Pick::All, Pick::Picked, Pick::Rare] {
                // Every match of All scores the same, and of Picked and Rare nearly: chunks end
                // inside runs of ties, broken by report key, then line.
                let query = pick.query(&index);
                let (all, maps) = tally(&index, &*query, None);
                let key = |m: &Match| (m.score.to_bits(), m.report_key, m.line, m.address);
                let want: Vec<_> = all.matches.iter().map(key).collect();
                assert_eq!(
                    want.len(),
                    sections.iter().filter(|s| pick.matches(s)).count()
                );
                for chunk in [1, 2, 7, 100, 999, 5_000] {
                    let (first, _) = tally(&index, &*query, Some(chunk));
                    let mut got: Vec<Match> = first.matches;
                    // Each chunk finds at least one more match, or the ranking repeats.
                    while let Some(&after) = got.last().filter(|_| got.len() <= want.len()) {
                        let next = NextMatches {
                            after,
                            limit: chunk,
                            maps: Arc::clone(&maps),
                        };
                        let more = searcher.search(&*query, &next).unwrap();
                        assert!(more.len() <= chunk);
                        if more.is_empty() {
                            break;
                        }
                        got.extend(more);
                    }
                    assert_eq!(
                        got.iter().map(key).collect::<Vec<_>>(),
                        want,
                        "{pick:?}, chunks of {chunk}, {per_segment} reports per segment"
                    );
                }
            }
        }
    }

    #[test]
    fn the_best_matches_are_the_head_of_all_matches_in_rank_order() {
        for per_segment in [1_500, 400] {
            let index = index(&sections(), per_segment);
            // Every match scores the same: the order is decided by report key, then line.
            let (all, _) = tally(&index, &AllQuery, None);
            for limit in [0, 1, 2, 3, 5, 10, 37, 100, 1_000] {
                let (best, _) = tally(&index, &AllQuery, Some(limit));
                let key = |m: &Match| (m.report_key, m.line);
                assert_eq!(
                    best.matches.iter().map(key).collect::<Vec<_>>(),
                    all.matches.iter().take(limit).map(key).collect::<Vec<_>>(),
                    "limit {limit}, {per_segment} reports per segment"
                );
            }
            let keys: Vec<(u64, u64)> =
                all.matches.iter().map(|m| (m.report_key, m.line)).collect();
            assert!(keys.is_sorted(), "ties are broken by report key, then line");
        }
    }
}
