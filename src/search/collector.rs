//! One pass over the matching sections that gathers what a result page needs: the best
//! matches in rank order (deterministic ties), the number of reports, and the facet counts over
//! all matches, read from fast fields.
//!
//! The per-match work is kept to a few array reads: a report's sections are adjacent in one
//! segment (the writer adds each report as one batch), so the report's place and year are read
//! once per run of its matching sections and counted with the run's length. Counts are kept by
//! segment ordinal and mapped to the index-wide [`OrdinalMap`] numbering once per segment;
//! no facet value becomes text until it is shown.

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

/// The report whose matching sections are being collected: its place and year, read once,
/// and how many of its sections matched so far.
#[derive(Debug, Clone, Copy)]
struct Run {
    report_key: u64,
    town: Option<u64>,
    county: Option<u64>,
    city: Option<u64>,
    province: Option<u64>,
    year: Option<u64>,
    sections: u32,
}

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
    all: Vec<Match>,
    total: usize,
    reports: usize,
    run: Option<Run>,
    /// Counts by this segment's ordinals.
    towns: TownCounts,
    provinces: Vec<u32>,
    cities: Vec<u32>,
    counties: Vec<u32>,
    section_types: Vec<u32>,
    years: Vec<(u64, u32)>,
}

/// A string column's ordinals, and how many values it has.
fn ords(column: Option<StrColumn>) -> (Option<Column<u64>>, usize) {
    match column {
        Some(c) => (Some(c.ords().clone()), c.num_terms()),
        None => (None, 0),
    }
}

fn ord_of(column: &Option<Column<u64>>, doc: DocId) -> Option<u64> {
    column.as_ref().and_then(|c| first(c, doc))
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
            all: Vec::new(),
            total: 0,
            reports: 0,
            run: None,
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
    /// Counts the finished run of one report's matching sections.
    fn close_run(&mut self) {
        let Some(run) = self.run.take() else { return };
        let n = run.sections;
        if let Some(town) = run.town {
            let local = |o: Option<u64>| o.map_or(NONE, |o| o as u32);
            self.towns
                .add(town as u32, local(run.county), local(run.province), n);
        }
        for (ord, counts) in [
            (run.province, &mut self.provinces),
            (run.city, &mut self.cities),
            (run.county, &mut self.counties),
        ] {
            if let Some(count) = ord.and_then(|o| counts.get_mut(o as usize)) {
                *count += n;
            }
        }
        if let Some(year) = run.year {
            add_year(&mut self.years, year, n);
        }
    }

    fn keep_best(&mut self, doc: DocId, score: Score, report_key: u64) {
        let candidate = |line: &Column<u64>| Match {
            score,
            report_key,
            line: first(line, doc).unwrap_or_default(),
            address: DocAddress::new(self.segment, doc),
        };
        match self.limit {
            None => self.all.push(candidate(&self.line)),
            Some(0) => {}
            Some(limit) if self.best.len() < limit => {
                self.best.push(Worst(candidate(&self.line)));
            }
            Some(_) => {
                // Most matches score below the worst kept one: skip reading their line.
                if self.best.peek().is_some_and(|worst| score >= worst.0.score) {
                    let m = candidate(&self.line);
                    if self
                        .best
                        .peek()
                        .is_some_and(|worst| m.rank(&worst.0) == Ordering::Less)
                    {
                        self.best.pop();
                        self.best.push(Worst(m));
                    }
                }
            }
        }
    }
}

impl SegmentCollector for SegmentTally {
    type Fruit = SegmentFruit;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.total += 1;
        let report_key = first(&self.report_key, doc).unwrap_or_default();
        self.keep_best(doc, score, report_key);
        match &mut self.run {
            Some(run) if run.report_key == report_key => run.sections += 1,
            _ => {
                self.close_run();
                self.reports += 1;
                self.run = Some(Run {
                    report_key,
                    town: ord_of(&self.town, doc),
                    county: ord_of(&self.county, doc),
                    city: ord_of(&self.city, doc),
                    province: ord_of(&self.province, doc),
                    year: first(&self.year, doc),
                    sections: 1,
                });
            }
        }
        if let Some(count) =
            ord_of(&self.section_type, doc).and_then(|t| self.section_types.get_mut(t as usize))
        {
            *count += 1;
        }
    }

    fn harvest(mut self) -> SegmentFruit {
        self.close_run();
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
