//! One pass over the matching sections that gathers what a result page needs: the best
//! matches in rank order (deterministic ties), the distinct reports, and the facet counts over
//! all matches, read from fast fields.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, HashSet};

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

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

/// Counts over all matching sections, and the best `limit` matches in rank order.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// The best matches, best first.
    pub matches: Vec<Match>,
    /// The number of matching sections.
    pub total: usize,
    pub reports: HashSet<u64>,
    /// (town, county, province) → sections.
    pub towns: HashMap<(String, String, String), usize>,
    pub provinces: HashMap<String, usize>,
    pub years: HashMap<u64, usize>,
    pub section_types: HashMap<String, usize>,
}

fn add_counts<K: std::hash::Hash + Eq>(into: &mut HashMap<K, usize>, from: HashMap<K, usize>) {
    for (k, v) in from {
        *into.entry(k).or_default() += v;
    }
}

/// Collects a [`Tally`], keeping the best `limit` matches (all of them when None).
pub struct TallyCollector {
    pub limit: Option<usize>,
}

/// (town, county, province) ordinals.
type PlaceOrds = (u64, Option<u64>, Option<u64>);

pub struct SegmentTally {
    segment: SegmentOrdinal,
    limit: Option<usize>,
    report_key: Column<u64>,
    line: Column<u64>,
    year: Column<u64>,
    file: Option<StrColumn>,
    town: Option<StrColumn>,
    county: Option<StrColumn>,
    province: Option<StrColumn>,
    section_type: Option<StrColumn>,
    best: BinaryHeap<Worst>,
    all: Vec<Match>,
    total: usize,
    /// Whether a file (by ordinal) has been counted, so that each report's key is kept once.
    file_seen: Vec<bool>,
    reports: Vec<u64>,
    towns: HashMap<PlaceOrds, usize>,
    provinces: Vec<usize>,
    years: HashMap<u64, usize>,
    section_types: Vec<usize>,
}

fn terms(column: &Option<StrColumn>) -> usize {
    column.as_ref().map_or(0, |c| c.num_terms())
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
        let file = fast.str("file")?;
        let province = fast.str("province")?;
        let section_type = fast.str("section_type")?;
        Ok(SegmentTally {
            segment,
            limit: self.limit,
            report_key: fast.u64("report_key")?,
            line: fast.u64("line")?,
            year: fast.u64("year")?,
            file_seen: vec![false; terms(&file)],
            provinces: vec![0; terms(&province)],
            section_types: vec![0; terms(&section_type)],
            file,
            town: fast.str("town")?,
            county: fast.str("county")?,
            province,
            section_type,
            best: BinaryHeap::new(),
            all: Vec::new(),
            total: 0,
            reports: Vec::new(),
            towns: HashMap::new(),
            years: HashMap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Tally>) -> tantivy::Result<Tally> {
        let mut all = Tally::default();
        for fruit in fruits {
            all.matches.extend(fruit.matches);
            all.total += fruit.total;
            all.reports.extend(fruit.reports);
            add_counts(&mut all.towns, fruit.towns);
            add_counts(&mut all.provinces, fruit.provinces);
            add_counts(&mut all.years, fruit.years);
            add_counts(&mut all.section_types, fruit.section_types);
        }
        all.matches.sort_by(Match::rank);
        if let Some(limit) = self.limit {
            all.matches.truncate(limit);
        }
        Ok(all)
    }
}

fn first_ord(column: &Option<StrColumn>, doc: DocId) -> Option<u64> {
    column.as_ref().and_then(|c| c.term_ords(doc).next())
}

fn ord_str(column: &Option<StrColumn>, ord: Option<u64>) -> String {
    let mut out = String::new();
    if let (Some(c), Some(ord)) = (column, ord) {
        // An ordinal read from the same column always resolves; an I/O error leaves it empty.
        let _ = c.ord_to_str(ord, &mut out);
    }
    out
}

impl SegmentCollector for SegmentTally {
    type Fruit = Tally;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.total += 1;
        let report_key = self.report_key.first(doc).unwrap_or_default();
        let m = Match {
            score,
            report_key,
            line: self.line.first(doc).unwrap_or_default(),
            address: DocAddress::new(self.segment, doc),
        };
        match self.limit {
            None => self.all.push(m),
            Some(0) => {}
            Some(limit) => {
                if self.best.len() < limit {
                    self.best.push(Worst(m));
                } else if self
                    .best
                    .peek()
                    .is_some_and(|worst| m.rank(&worst.0) == Ordering::Less)
                {
                    self.best.pop();
                    self.best.push(Worst(m));
                }
            }
        }
        match first_ord(&self.file, doc).and_then(|o| self.file_seen.get_mut(o as usize)) {
            Some(seen) if !*seen => {
                *seen = true;
                self.reports.push(report_key);
            }
            Some(_) => {}
            None => self.reports.push(report_key),
        }
        let province = first_ord(&self.province, doc);
        if let Some(town) = first_ord(&self.town, doc) {
            *self
                .towns
                .entry((town, first_ord(&self.county, doc), province))
                .or_default() += 1;
        }
        if let Some(p) = province.and_then(|p| self.provinces.get_mut(p as usize)) {
            *p += 1;
        }
        if let Some(y) = self.year.first(doc) {
            *self.years.entry(y).or_default() += 1;
        }
        if let Some(t) =
            first_ord(&self.section_type, doc).and_then(|t| self.section_types.get_mut(t as usize))
        {
            *t += 1;
        }
    }

    fn harvest(self) -> Tally {
        let towns = self
            .towns
            .iter()
            .map(|(&(t, c, p), &n)| {
                let key = (
                    ord_str(&self.town, Some(t)),
                    ord_str(&self.county, c),
                    ord_str(&self.province, p),
                );
                (key, n)
            })
            .collect();
        let by_ord = |column: &Option<StrColumn>, counts: &[usize]| -> HashMap<String, usize> {
            counts
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(ord, n)| (ord_str(column, Some(ord as u64)), *n))
                .collect()
        };
        let mut matches: Vec<Match> = if self.limit.is_some() {
            self.best.into_iter().map(|w| w.0).collect()
        } else {
            self.all
        };
        matches.sort_by(Match::rank);
        Tally {
            matches,
            total: self.total,
            reports: self.reports.into_iter().collect(),
            towns,
            provinces: by_ord(&self.province, &self.provinces),
            years: self.years,
            section_types: by_ord(&self.section_type, &self.section_types),
        }
    }
}
