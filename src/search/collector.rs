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
    /// "town\u{1f}county\u{1f}province" → sections (one string: one allocation and one hash
    /// per town, which matters when a common term matches thousands of towns).
    pub towns: HashMap<String, usize>,
    pub provinces: HashMap<String, usize>,
    pub cities: HashMap<String, usize>,
    /// By name: same-named counties in different provinces count together (narrow by
    /// province or city to tell them apart).
    pub counties: HashMap<String, usize>,
    pub years: HashMap<u64, usize>,
    pub section_types: HashMap<String, usize>,
}

fn add_counts<K: std::hash::Hash + Eq>(into: &mut HashMap<K, usize>, from: HashMap<K, usize>) {
    for (k, v) in from {
        *into.entry(k).or_default() += v;
    }
}

/// Separates town, county and province in [`Tally::towns`] keys.
pub const TOWN_KEY_SEPARATOR: char = '\u{1f}';

/// Collects a [`Tally`], keeping the best `limit` matches (all of them when None).
pub struct TallyCollector {
    pub limit: Option<usize>,
}

/// (town, county, province) ordinals.
type PlaceOrds = (u64, Option<u64>, Option<u64>);

/// The ordinals of the report whose sections are being collected.
#[derive(Debug, Clone, Copy, Default)]
struct ReportOrds {
    file: Option<u64>,
    town: Option<u64>,
    county: Option<u64>,
    city: Option<u64>,
    province: Option<u64>,
    year: Option<u64>,
}

pub struct SegmentTally {
    segment: SegmentOrdinal,
    current: ReportOrds,
    limit: Option<usize>,
    report_key: Column<u64>,
    line: Column<u64>,
    year: Column<u64>,
    file: Option<StrColumn>,
    town: Option<StrColumn>,
    county: Option<StrColumn>,
    city: Option<StrColumn>,
    province: Option<StrColumn>,
    section_type: Option<StrColumn>,
    best: BinaryHeap<Worst>,
    all: Vec<Match>,
    total: usize,
    /// Whether a file (by ordinal) has been counted, so that each report's key is kept once.
    file_seen: Vec<bool>,
    reports: Vec<u64>,
    /// Sections per town ordinal, with the county and province first seen for it.
    towns: Vec<(usize, Option<u64>, Option<u64>)>,
    /// Towns whose name occurs in more than one county within this segment (保安镇).
    other_towns: HashMap<PlaceOrds, usize>,
    provinces: Vec<usize>,
    cities: Vec<usize>,
    counties: Vec<usize>,
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
        let town = fast.str("town")?;
        let province = fast.str("province")?;
        let city = fast.str("city")?;
        let county = fast.str("county")?;
        let section_type = fast.str("section_type")?;
        Ok(SegmentTally {
            segment,
            current: ReportOrds::default(),
            limit: self.limit,
            report_key: fast.u64("report_key")?,
            line: fast.u64("line")?,
            year: fast.u64("year")?,
            file_seen: vec![false; terms(&file)],
            towns: vec![(0, None, None); terms(&town)],
            provinces: vec![0; terms(&province)],
            cities: vec![0; terms(&city)],
            counties: vec![0; terms(&county)],
            section_types: vec![0; terms(&section_type)],
            file,
            town,
            county,
            city,
            province,
            section_type,
            best: BinaryHeap::new(),
            all: Vec::new(),
            total: 0,
            reports: Vec::new(),
            other_towns: HashMap::new(),
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
            add_counts(&mut all.cities, fruit.cities);
            add_counts(&mut all.counties, fruit.counties);
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

pub(crate) fn first_ord(column: &Option<StrColumn>, doc: DocId) -> Option<u64> {
    column.as_ref().and_then(|c| c.term_ords(doc).next())
}

/// Turns a column's ordinals into its strings: one lookup each when few are needed, one pass
/// over the whole dictionary when many are (a lookup decodes its dictionary block from the
/// start, which made facet labels the bulk of a common query's time).
pub(crate) enum Labels<'a> {
    Lookup(Option<&'a StrColumn>),
    All(Vec<String>),
}

impl<'a> Labels<'a> {
    pub(crate) fn new(column: &'a Option<StrColumn>, needed: usize) -> Labels<'a> {
        let Some(c) = column else {
            return Labels::Lookup(None);
        };
        if needed * 16 < c.num_terms() {
            return Labels::Lookup(Some(c));
        }
        let mut all = Vec::with_capacity(c.num_terms());
        if let Ok(mut stream) = c.dictionary().stream() {
            while stream.advance() {
                all.push(String::from_utf8_lossy(stream.key()).into_owned());
            }
        }
        Labels::All(all)
    }

    pub(crate) fn get(&self, ord: Option<u64>) -> String {
        let Some(ord) = ord else { return String::new() };
        match self {
            Labels::All(all) => all.get(ord as usize).cloned().unwrap_or_default(),
            Labels::Lookup(column) => {
                let mut out = String::new();
                if let Some(c) = column {
                    // An ordinal read from the same column always resolves; an I/O error leaves it empty.
                    let _ = c.ord_to_str(ord, &mut out);
                }
                out
            }
        }
    }
}

impl SegmentCollector for SegmentTally {
    type Fruit = Tally;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.total += 1;
        let address = DocAddress::new(self.segment, doc);
        let candidate = |report_key: &Column<u64>, line: &Column<u64>| Match {
            score,
            report_key: report_key.first(doc).unwrap_or_default(),
            line: line.first(doc).unwrap_or_default(),
            address,
        };
        match self.limit {
            None => self.all.push(candidate(&self.report_key, &self.line)),
            Some(0) => {}
            Some(limit) if self.best.len() < limit => {
                self.best
                    .push(Worst(candidate(&self.report_key, &self.line)));
            }
            Some(_) => {
                // Most matches score below the worst kept one: skip reading their sort keys.
                let could_enter = self.best.peek().is_some_and(|worst| score >= worst.0.score);
                if could_enter {
                    let m = candidate(&self.report_key, &self.line);
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
        // A report's place and year are the same for all its sections, which are mostly
        // adjacent: read them once per report.
        let file = first_ord(&self.file, doc);
        if file.is_none() || file != self.current.file {
            self.current = ReportOrds {
                file,
                town: first_ord(&self.town, doc),
                county: first_ord(&self.county, doc),
                city: first_ord(&self.city, doc),
                province: first_ord(&self.province, doc),
                year: self.year.first(doc),
            };
        }
        let ReportOrds {
            town,
            county,
            city,
            province,
            year,
            ..
        } = self.current;
        match file.and_then(|o| self.file_seen.get_mut(o as usize)) {
            Some(seen) if !*seen => {
                *seen = true;
                self.reports
                    .push(self.report_key.first(doc).unwrap_or_default());
            }
            Some(_) => {}
            None => self
                .reports
                .push(self.report_key.first(doc).unwrap_or_default()),
        }
        if let Some(town) = town {
            match self.towns.get_mut(town as usize) {
                Some(entry) if entry.0 == 0 => *entry = (1, county, province),
                Some(entry) if (entry.1, entry.2) == (county, province) => entry.0 += 1,
                _ => {
                    *self
                        .other_towns
                        .entry((town, county, province))
                        .or_default() += 1
                }
            }
        }
        for (ord, counts) in [
            (province, &mut self.provinces),
            (city, &mut self.cities),
            (county, &mut self.counties),
        ] {
            if let Some(n) = ord.and_then(|o| counts.get_mut(o as usize)) {
                *n += 1;
            }
        }
        if let Some(y) = year {
            *self.years.entry(y).or_default() += 1;
        }
        if let Some(t) =
            first_ord(&self.section_type, doc).and_then(|t| self.section_types.get_mut(t as usize))
        {
            *t += 1;
        }
    }

    fn harvest(self) -> Tally {
        let town_names = Labels::new(&self.town, self.towns.iter().filter(|t| t.0 > 0).count());
        let county_names = Labels::new(&self.county, self.towns.len().min(terms(&self.county)));
        let province_names = Labels::new(&self.province, terms(&self.province));
        let mut towns: HashMap<String, usize> =
            HashMap::with_capacity(self.towns.len().min(1 << 16));
        let named = self
            .towns
            .iter()
            .enumerate()
            .filter(|(_, t)| t.0 > 0)
            .map(|(ord, &(n, c, p))| ((ord as u64, c, p), n))
            .chain(self.other_towns.iter().map(|(k, n)| (*k, *n)));
        for ((t, c, p), n) in named {
            let key = format!(
                "{}{TOWN_KEY_SEPARATOR}{}{TOWN_KEY_SEPARATOR}{}",
                town_names.get(Some(t)),
                county_names.get(c),
                province_names.get(p)
            );
            *towns.entry(key).or_default() += n;
        }
        let by_ord = |labels: &Labels, counts: &[usize]| -> HashMap<String, usize> {
            counts
                .iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(ord, n)| (labels.get(Some(ord as u64)), *n))
                .collect()
        };
        let provinces = by_ord(&province_names, &self.provinces);
        let cities = by_ord(&Labels::new(&self.city, terms(&self.city)), &self.cities);
        let counties = by_ord(&county_names, &self.counties);
        let section_types = by_ord(
            &Labels::new(&self.section_type, terms(&self.section_type)),
            &self.section_types,
        );
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
            provinces,
            cities,
            counties,
            years: self.years,
            section_types,
        }
    }
}
