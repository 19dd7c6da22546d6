//! One pass over the matching sections that gathers what a result page needs: every match's
//! score and sort key (ranking is done afterwards, with deterministic ties), the distinct
//! reports, and the facet counts over all matches, read from fast fields.

use std::collections::{HashMap, HashSet};

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

/// Counts over all matching sections.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    pub matches: Vec<Match>,
    pub reports: HashSet<u64>,
    /// (town, county, province) → sections.
    pub towns: HashMap<(String, String, String), usize>,
    pub provinces: HashMap<String, usize>,
    pub years: HashMap<u64, usize>,
    pub section_types: HashMap<String, usize>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.matches.extend(other.matches);
        self.reports.extend(other.reports);
        for (k, v) in other.towns {
            *self.towns.entry(k).or_default() += v;
        }
        for (k, v) in other.provinces {
            *self.provinces.entry(k).or_default() += v;
        }
        for (k, v) in other.years {
            *self.years.entry(k).or_default() += v;
        }
        for (k, v) in other.section_types {
            *self.section_types.entry(k).or_default() += v;
        }
    }
}

type PlaceOrds = (Option<u64>, Option<u64>, Option<u64>);

/// Collects a [`Tally`].
pub struct TallyCollector;

pub struct SegmentTally {
    segment: SegmentOrdinal,
    report_key: Column<u64>,
    line: Column<u64>,
    year: Column<u64>,
    town: Option<StrColumn>,
    county: Option<StrColumn>,
    province: Option<StrColumn>,
    section_type: Option<StrColumn>,
    matches: Vec<Match>,
    reports: HashSet<u64>,
    /// (town, county, province) ordinals → sections.
    towns: HashMap<PlaceOrds, usize>,
    provinces: HashMap<u64, usize>,
    years: HashMap<u64, usize>,
    section_types: HashMap<u64, usize>,
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
        Ok(SegmentTally {
            segment,
            report_key: fast.u64("report_key")?,
            line: fast.u64("line")?,
            year: fast.u64("year")?,
            town: fast.str("town")?,
            county: fast.str("county")?,
            province: fast.str("province")?,
            section_type: fast.str("section_type")?,
            matches: Vec::new(),
            reports: HashSet::new(),
            towns: HashMap::new(),
            provinces: HashMap::new(),
            years: HashMap::new(),
            section_types: HashMap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Tally>) -> tantivy::Result<Tally> {
        let mut all = Tally::default();
        for fruit in fruits {
            all.merge(fruit);
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
        let report_key = self.report_key.first(doc).unwrap_or_default();
        self.matches.push(Match {
            score,
            report_key,
            line: self.line.first(doc).unwrap_or_default(),
            address: DocAddress::new(self.segment, doc),
        });
        self.reports.insert(report_key);
        let town = first_ord(&self.town, doc);
        if town.is_some() {
            let key = (
                town,
                first_ord(&self.county, doc),
                first_ord(&self.province, doc),
            );
            *self.towns.entry(key).or_default() += 1;
        }
        if let Some(p) = first_ord(&self.province, doc) {
            *self.provinces.entry(p).or_default() += 1;
        }
        if let Some(y) = self.year.first(doc) {
            *self.years.entry(y).or_default() += 1;
        }
        if let Some(t) = first_ord(&self.section_type, doc) {
            *self.section_types.entry(t).or_default() += 1;
        }
    }

    fn harvest(self) -> Tally {
        let towns = self
            .towns
            .iter()
            .map(|(&(t, c, p), &n)| {
                let key = (
                    ord_str(&self.town, t),
                    ord_str(&self.county, c),
                    ord_str(&self.province, p),
                );
                (key, n)
            })
            .collect();
        let provinces = self
            .provinces
            .iter()
            .map(|(&p, &n)| (ord_str(&self.province, Some(p)), n))
            .collect();
        let section_types = self
            .section_types
            .iter()
            .map(|(&t, &n)| (ord_str(&self.section_type, Some(t)), n))
            .collect();
        Tally {
            matches: self.matches,
            reports: self.reports,
            towns,
            provinces,
            years: self.years,
            section_types,
        }
    }
}
