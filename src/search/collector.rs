//! One pass over the matching sections that gathers what a result page needs: the best
//! matches in rank order (deterministic ties), the number of reports, and the facet counts over
//! all matches, read from fast fields.
//!
//! The per-match work is kept to a few array reads, done in batches: a match is first only
//! checked against the worst of the best kept so far, and queued; a batch of queued matches
//! has its report keys and section types read together, which splits it into runs (a report's
//! sections are adjacent in one segment, since the writer adds each report as one batch). Once
//! a batch of runs is complete, their places and years are read together and counted with the
//! runs' lengths. Counts are kept by segment ordinal and mapped to the index-wide
//! [`OrdinalMap`] numbering once per segment; no facet value becomes text until it is shown.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap};
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, ColumnIndex, StrColumn};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use super::ordinals::{FacetMaps, OrdinalMap};

/// A matching section before its stored fields are read.
#[derive(Debug, Clone, Copy)]
pub struct Match {
    pub score: Score,
    pub report_key: u64,
    pub line: u64,
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

/// A missing value (a report with no county, say) in [`TownCounts`].
pub(crate) const NONE: u32 = u32::MAX;

/// Sections per town, told apart by county and province (there are several 保安镇).
#[derive(Debug, Clone, Default)]
pub(crate) struct TownCounts {
    /// By town ordinal: sections, and the county and province first seen with it.
    by_town: Vec<(u32, u32, u32)>,
    /// Same-named towns in another county or province: (town, county, province) → sections.
    others: HashMap<(u32, u32, u32), u32>,
}

impl TownCounts {
    fn new(towns: usize) -> TownCounts {
        TownCounts {
            by_town: vec![(0, NONE, NONE); towns],
            others: HashMap::new(),
        }
    }

    fn add(&mut self, town: u32, county: u32, province: u32, sections: u32) {
        match self.by_town.get_mut(town as usize) {
            Some(entry) if entry.0 == 0 => *entry = (sections, county, province),
            Some(entry) if (entry.1, entry.2) == (county, province) => entry.0 += sections,
            _ => *self.others.entry((town, county, province)).or_default() += sections,
        }
    }

    /// Every counted (town, county, province) and its sections.
    pub(crate) fn entries(&self) -> impl Iterator<Item = ((u32, u32, u32), u32)> + '_ {
        self.by_town
            .iter()
            .enumerate()
            .filter(|(_, e)| e.0 > 0)
            .map(|(town, &(n, county, province))| ((town as u32, county, province), n))
            .chain(self.others.iter().map(|(k, n)| (*k, *n)))
    }
}

/// Counts over all matching sections, and the best `limit` matches in rank order. Facet counts
/// are indexed by the global ordinals of [`FacetMaps`].
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// The best matches, best first.
    pub matches: Vec<Match>,
    /// The number of matching sections.
    pub total: usize,
    /// The number of reports with a matching section.
    pub reports: usize,
    pub(crate) towns: TownCounts,
    pub(crate) provinces: Vec<u32>,
    pub(crate) cities: Vec<u32>,
    /// By name: same-named counties in different provinces count together (narrow by
    /// province or city to tell them apart).
    pub(crate) counties: Vec<u32>,
    pub(crate) section_types: Vec<u32>,
    /// (year, sections), in no order.
    pub(crate) years: Vec<(u64, u32)>,
}

fn add_into(into: &mut Vec<u32>, from: &[u32]) {
    if into.len() < from.len() {
        into.resize(from.len(), 0);
    }
    for (a, b) in into.iter_mut().zip(from) {
        *a += b;
    }
}

fn add_year(years: &mut Vec<(u64, u32)>, year: u64, sections: u32) {
    match years.iter_mut().find(|(y, _)| *y == year) {
        Some((_, n)) => *n += sections,
        None => years.push((year, sections)),
    }
}

/// One segment's share of a [`Tally`], its counts already in global ordinals. Its towns are a
/// list, not an array over every town of the index: a query matches a few thousand towns of
/// tens of thousands, and an array per segment cost more to clear and add than the counting.
pub struct SegmentFruit {
    matches: Vec<Match>,
    total: usize,
    reports: usize,
    towns: Vec<((u32, u32, u32), u32)>,
    provinces: Vec<u32>,
    cities: Vec<u32>,
    counties: Vec<u32>,
    section_types: Vec<u32>,
    years: Vec<(u64, u32)>,
}

/// Collects a [`Tally`], keeping the best `limit` matches (all of them when None).
pub struct TallyCollector {
    pub limit: Option<usize>,
    pub(crate) maps: Arc<FacetMaps>,
}

/// How many matches are gathered before their columns are read together.
const CHUNK: usize = 1024;

pub struct SegmentTally {
    segment: SegmentOrdinal,
    maps: Arc<FacetMaps>,
    limit: Option<usize>,
    report_key: Column<u64>,
    line: Column<u64>,
    year: Column<u64>,
    town: Option<Column<u64>>,
    county: Option<Column<u64>>,
    city: Option<Column<u64>>,
    province: Option<Column<u64>>,
    section_type: Option<Column<u64>>,
    best: BinaryHeap<Worst>,
    /// The score of the worst kept match once `limit` are kept: a match scoring less is not
    /// looked at again.
    threshold: Score,
    all: Vec<Match>,
    total: usize,
    /// Matches whose report and section type are not read yet, in document order.
    pending: Vec<DocId>,
    /// Each report's run of matching sections not yet counted: its first section and how
    /// many matched. The last may go on in the next batch.
    runs: Vec<(DocId, u32)>,
    /// The number of runs, counted or not: reports with a matching section.
    reports: usize,
    /// The report key of the last run.
    run_key: Option<u64>,
    reads: Reads,
    /// The first sections of the runs being counted, and their values of each column read
    /// for them (town, county, city, province, year; for section types and report keys, the
    /// first two are reused).
    run_docs: Vec<DocId>,
    read: [Vec<Option<u64>>; 5],
    /// Counts by this segment's ordinals.
    towns: TownCounts,
    provinces: Vec<u32>,
    cities: Vec<u32>,
    counties: Vec<u32>,
    section_types: Vec<u32>,
    years: Vec<(u64, u32)>,
}

/// Buffers for reading a column at many documents at once, kept between batches.
#[derive(Default)]
struct Reads {
    docs: Vec<DocId>,
    rows: Vec<u32>,
    values: Vec<u64>,
}

impl Reads {
    /// The values of a single-valued `column` at `docs` (ascending) into `out`, None where a
    /// document has no value. One call reads them all: the per-value work stays inside
    /// tantivy's columnar code, where a read at a time pays for a call through a trait object
    /// and, for a column some documents lack, a fresh look-up of its block (a third of a common
    /// term's search, read a document at a time).
    fn read(&mut self, column: Option<&Column<u64>>, docs: &[DocId], out: &mut Vec<Option<u64>>) {
        out.clear();
        out.resize(docs.len(), None);
        let Some(column) = column else { return };
        match &column.index {
            ColumnIndex::Full => column.values.get_vals_opt(docs, out),
            ColumnIndex::Optional(_) => {
                self.docs.clear();
                self.rows.clear();
                column
                    .index
                    .docids_to_rowids(docs, &mut self.docs, &mut self.rows);
                self.values.clear();
                self.values.resize(self.rows.len(), 0);
                column.values.get_vals(&self.rows, &mut self.values);
                // The documents with a value come back in order: walk the two lists together.
                let mut at = 0;
                for (doc, &value) in self.docs.iter().zip(&self.values) {
                    let Some(step) = docs[at..].iter().position(|d| d == doc) else {
                        break;
                    };
                    at += step;
                    out[at] = Some(value);
                }
            }
            _ => column.first_vals(docs, out),
        }
    }
}

/// A string column's ordinals, and how many values it has.
fn ords(column: Option<StrColumn>) -> (Option<Column<u64>>, usize) {
    match column {
        Some(c) => (Some(c.ords().clone()), c.num_terms()),
        None => (None, 0),
    }
}

/// A document's value in a single-valued column. `Column::first` goes through the generic
/// multi-value path, a call into tantivy per read that is not inlined; reading a column where
/// every document has a value directly took a tenth off a search of a common term.
#[inline]
pub(crate) fn first(column: &Column<u64>, doc: DocId) -> Option<u64> {
    match &column.index {
        ColumnIndex::Full => Some(column.values.get_val(doc)),
        _ => column.first(doc),
    }
}

impl Collector for TallyCollector {
    type Fruit = Tally;
    type Child = SegmentTally;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentTally> {
        let fast = reader.fast_fields();
        let (town, towns) = ords(fast.str("town")?);
        let (county, counties) = ords(fast.str("county")?);
        let (city, cities) = ords(fast.str("city")?);
        let (province, provinces) = ords(fast.str("province")?);
        let (section_type, section_types) = ords(fast.str("section_type")?);
        Ok(SegmentTally {
            segment,
            maps: Arc::clone(&self.maps),
            limit: self.limit,
            report_key: fast.u64("report_key")?,
            line: fast.u64("line")?,
            year: fast.u64("year")?,
            town,
            county,
            city,
            province,
            section_type,
            best: BinaryHeap::new(),
            threshold: Score::NEG_INFINITY,
            all: Vec::new(),
            total: 0,
            pending: Vec::with_capacity(CHUNK),
            runs: Vec::with_capacity(CHUNK + 1),
            reports: 0,
            run_key: None,
            reads: Reads::default(),
            run_docs: Vec::with_capacity(CHUNK),
            read: std::array::from_fn(|_| Vec::with_capacity(CHUNK)),
            towns: TownCounts::new(towns),
            provinces: vec![0; provinces],
            cities: vec![0; cities],
            counties: vec![0; counties],
            section_types: vec![0; section_types],
            years: Vec::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<SegmentFruit>) -> tantivy::Result<Tally> {
        let mut all = Tally {
            towns: TownCounts::new(self.maps.town.len()),
            ..Tally::default()
        };
        for fruit in fruits {
            all.matches.extend(fruit.matches);
            all.total += fruit.total;
            all.reports += fruit.reports;
            for ((t, c, p), n) in fruit.towns {
                all.towns.add(t, c, p, n);
            }
            add_into(&mut all.provinces, &fruit.provinces);
            add_into(&mut all.cities, &fruit.cities);
            add_into(&mut all.counties, &fruit.counties);
            add_into(&mut all.section_types, &fruit.section_types);
            for (year, n) in fruit.years {
                add_year(&mut all.years, year, n);
            }
        }
        all.matches.sort_by(Match::rank);
        if let Some(limit) = self.limit {
            all.matches.truncate(limit);
        }
        Ok(all)
    }
}

impl SegmentTally {
    /// Keeps the match if it ranks among the best `limit` so far.
    fn keep_best(&mut self, doc: DocId, score: Score) {
        let address = DocAddress::new(self.segment, doc);
        let candidate = |this: &Self, report_key: u64| Match {
            score,
            report_key,
            line: first(&this.line, doc).unwrap_or_default(),
            address,
        };
        let key = |this: &Self| first(&this.report_key, doc).unwrap_or_default();
        match self.limit {
            None => {
                let m = candidate(self, key(self));
                self.all.push(m);
            }
            Some(0) => {}
            Some(limit) if self.best.len() < limit => {
                let m = candidate(self, key(self));
                self.best.push(Worst(m));
                if self.best.len() == limit {
                    self.threshold = self.best.peek().map_or(Score::NEG_INFINITY, |w| w.0.score);
                }
            }
            // Most matches score below the worst kept one, and are not looked at again.
            Some(_) if score < self.threshold => {}
            Some(_) => {
                let Some(worst) = self.best.peek().map(|w| w.0) else {
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
                    self.best.pop();
                    self.best.push(Worst(m));
                    self.threshold = self.best.peek().map_or(Score::NEG_INFINITY, |w| w.0.score);
                }
            }
        }
    }

    /// Reads the pending matches' reports and section types, a batch at a time: counts their
    /// section types and extends the runs of their reports (a report's sections are adjacent
    /// in a segment, so one run per report).
    fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let [types, keys, ..] = &mut self.read;
        self.reads
            .read(self.section_type.as_ref(), &self.pending, types);
        for t in types.iter().flatten() {
            if let Some(count) = self.section_types.get_mut(*t as usize) {
                *count += 1;
            }
        }
        self.reads.read(Some(&self.report_key), &self.pending, keys);
        for (&doc, key) in self.pending.iter().zip(keys.iter()) {
            let key = key.unwrap_or_default();
            match self.runs.last_mut() {
                Some((_, sections)) if self.run_key == Some(key) => *sections += 1,
                _ => {
                    self.runs.push((doc, 1));
                    self.reports += 1;
                    self.run_key = Some(key);
                }
            }
        }
        self.pending.clear();
        if self.runs.len() > CHUNK {
            // All but the last run are complete: count them now, and keep the list short.
            let open = self.runs.pop();
            self.count_runs();
            self.runs.extend(open);
        }
    }

    /// Counts the listed runs' reports by place and year, reading each column for a batch of
    /// runs at once, and empties the list.
    fn count_runs(&mut self) {
        let mut runs = std::mem::take(&mut self.runs);
        for batch in runs.chunks(CHUNK) {
            let docs = &mut self.run_docs;
            docs.clear();
            docs.extend(batch.iter().map(|&(doc, _)| doc));
            let [town, county, city, province, year] = &mut self.read;
            self.reads.read(self.town.as_ref(), docs, town);
            self.reads.read(self.county.as_ref(), docs, county);
            self.reads.read(self.city.as_ref(), docs, city);
            self.reads.read(self.province.as_ref(), docs, province);
            self.reads.read(Some(&self.year), docs, year);
            for (i, &(_, n)) in batch.iter().enumerate() {
                if let Some(t) = town[i] {
                    let local = |o: Option<u64>| o.map_or(NONE, |o| o as u32);
                    self.towns
                        .add(t as u32, local(county[i]), local(province[i]), n);
                }
                for (ord, counts) in [
                    (province[i], &mut self.provinces),
                    (city[i], &mut self.cities),
                    (county[i], &mut self.counties),
                ] {
                    if let Some(count) = ord.and_then(|o| counts.get_mut(o as usize)) {
                        *count += n;
                    }
                }
                if let Some(y) = year[i] {
                    add_year(&mut self.years, y, n);
                }
            }
        }
        runs.clear();
        self.runs = runs;
    }
}

impl SegmentCollector for SegmentTally {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.total += 1;
        self.keep_best(doc, score);
        self.pending.push(doc);
        if self.pending.len() == CHUNK {
            self.flush();
        }
    }

    fn harvest(mut self) -> SegmentFruit {
        self.flush();
        self.count_runs();
        let segment = self.segment;
        let maps = &self.maps;
        let to_global = |map: &OrdinalMap, counts: &[u32]| -> Vec<u32> {
            let mut global = vec![0; map.len()];
            for (local, &n) in counts.iter().enumerate().filter(|(_, n)| **n > 0) {
                if let Some(g) = map.global(segment, local as u64) {
                    global[g as usize] += n;
                }
            }
            global
        };
        let global = |map: &OrdinalMap, local: u32| {
            if local == NONE {
                NONE
            } else {
                map.global(segment, u64::from(local)).unwrap_or(NONE)
            }
        };
        let towns = self
            .towns
            .entries()
            .filter_map(|((t, c, p), n)| {
                let town = global(&maps.town, t);
                (town != NONE).then(|| {
                    let place = (town, global(&maps.county, c), global(&maps.province, p));
                    (place, n)
                })
            })
            .collect();
        let mut matches: Vec<Match> = if self.limit.is_some() {
            self.best.into_iter().map(|w| w.0).collect()
        } else {
            self.all
        };
        matches.sort_by(Match::rank);
        SegmentFruit {
            matches,
            total: self.total,
            reports: self.reports,
            towns,
            provinces: to_global(&maps.province, &self.provinces),
            cities: to_global(&maps.city, &self.cities),
            counties: to_global(&maps.county, &self.counties),
            section_types: to_global(&maps.section_type, &self.section_types),
            years: self.years,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashSet};

    use tantivy::query::AllQuery;
    use tantivy::schema::{FAST, STRING, Schema};
    use tantivy::{Index, IndexWriter, TantivyDocument};

    use super::*;

    /// One section of a synthetic report.
    struct Section {
        report_key: u64,
        line: u64,
        year: u64,
        town: Option<String>,
        county: Option<String>,
        section_type: &'static str,
    }

    /// 1,500 reports of 1 to 4 sections in one segment: more matches and more reports than
    /// one batch of column reads holds, runs that cross from one batch to the next, and
    /// places some reports lack.
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
                    year: 2018 + r % 7,
                    town: (r % 5 != 0).then(|| format!("镇{}", r % 37)),
                    county: (r % 3 != 0).then(|| format!("县{}", r % 11)),
                    section_type: types[((r + s) % 3) as usize],
                });
            }
        }
        out
    }

    fn index(sections: &[Section]) -> Index {
        let mut builder = Schema::builder();
        let report_key = builder.add_u64_field("report_key", FAST);
        let line = builder.add_u64_field("line", FAST);
        let year = builder.add_u64_field("year", FAST);
        let town = builder.add_text_field("town", STRING | FAST);
        let county = builder.add_text_field("county", STRING | FAST);
        let section_type = builder.add_text_field("section_type", STRING | FAST);
        let index = Index::create_in_ram(builder.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        for s in sections {
            let mut doc = TantivyDocument::default();
            doc.add_u64(report_key, s.report_key);
            doc.add_u64(line, s.line);
            doc.add_u64(year, s.year);
            if let Some(t) = &s.town {
                doc.add_text(town, t);
            }
            if let Some(c) = &s.county {
                doc.add_text(county, c);
            }
            doc.add_text(section_type, s.section_type);
            writer.add_document(doc).unwrap();
        }
        writer.commit().unwrap();
        index
    }

    fn tally(index: &Index, limit: Option<usize>) -> (Tally, Arc<FacetMaps>) {
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 1);
        let maps = Arc::new(FacetMaps::build(&searcher).unwrap());
        let collector = TallyCollector {
            limit,
            maps: Arc::clone(&maps),
        };
        (searcher.search(&AllQuery, &collector).unwrap(), maps)
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
    fn counts_over_many_batches_equal_counting_by_hand() {
        let sections = sections();
        let (got, maps) = tally(&index(&sections), Some(10));
        assert!(sections.len() > 2 * CHUNK && got.reports > CHUNK);

        let mut towns = BTreeMap::new();
        let mut counties = BTreeMap::new();
        let mut years = BTreeMap::new();
        let mut types = BTreeMap::new();
        let mut reports = HashSet::new();
        for s in &sections {
            reports.insert(s.report_key);
            if let Some(t) = &s.town {
                let key = (t.clone(), s.county.clone().unwrap_or_default());
                *towns.entry(key).or_insert(0) += 1;
            }
            if let Some(c) = &s.county {
                *counties.entry(c.clone()).or_insert(0) += 1;
            }
            *years.entry(s.year).or_insert(0) += 1;
            *types.entry(s.section_type.to_string()).or_insert(0) += 1;
        }
        assert_eq!(got.total, sections.len());
        assert_eq!(got.reports, reports.len());
        assert_eq!(labelled(&maps.county, &got.counties), counties);
        assert_eq!(labelled(&maps.section_type, &got.section_types), types);
        assert_eq!(got.years.iter().copied().collect::<BTreeMap<_, _>>(), years);
        let got_towns: BTreeMap<(String, String), u32> = got
            .towns
            .entries()
            .map(|((t, c, _), n)| {
                let county = if c == NONE { "" } else { maps.county.label(c) };
                ((maps.town.label(t).to_string(), county.to_string()), n)
            })
            .collect();
        assert_eq!(got_towns, towns);
    }

    #[test]
    fn the_best_matches_are_the_head_of_all_matches_in_rank_order() {
        let index = index(&sections());
        // Every match scores the same: the order is decided by report key, then line.
        let (all, _) = tally(&index, None);
        for limit in [0, 1, 2, 3, 5, 10, 37, 100, 1_000] {
            let (best, _) = tally(&index, Some(limit));
            let key = |m: &Match| (m.report_key, m.line);
            assert_eq!(
                best.matches.iter().map(key).collect::<Vec<_>>(),
                all.matches.iter().take(limit).map(key).collect::<Vec<_>>(),
                "limit {limit}"
            );
        }
        let keys: Vec<(u64, u64)> = all.matches.iter().map(|m| (m.report_key, m.line)).collect();
        assert!(keys.is_sorted(), "ties are broken by report key, then line");
    }
}
