//! Counts and trends: for each group of reports — by year, province, city, county, town,
//! section type or level, or a pair of these — how many reports match a query, how many reports the
//! group has, their share, and how many sections match. The share is what makes groups of
//! different sizes comparable ("62% of Henan towns' 2023 reports mention 法律顾问").
//!
//! Both counts are read from fast fields in one pass each: one over the matches, one over
//! every section the filters allow (the denominators).

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use serde::Serialize;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocId, Score, SegmentOrdinal, SegmentReader};

use super::collector::first;
use crate::error::{Error, Result};

/// What reports are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    Year,
    Province,
    City,
    County,
    /// A town, told apart from same-named towns by its county: 保安镇（江夏区）.
    Town,
    SectionType,
    /// What kind of body issued the report: town, county, department or other.
    Level,
}

impl Dimension {
    pub const ALL: [Dimension; 7] = [
        Dimension::Year,
        Dimension::Province,
        Dimension::City,
        Dimension::County,
        Dimension::Town,
        Dimension::SectionType,
        Dimension::Level,
    ];

    /// The most dimensions one table groups by.
    pub const MAX: usize = 2;

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::Year => "year",
            Dimension::Province => "province",
            Dimension::City => "city",
            Dimension::County => "county",
            Dimension::Town => "town",
            Dimension::SectionType => "section_type",
            Dimension::Level => "level",
        }
    }

    /// The column heading in Chinese, for charts and spreadsheets.
    pub fn label(self) -> &'static str {
        match self {
            Dimension::Year => "年份",
            Dimension::Province => "省份",
            Dimension::City => "地市",
            Dimension::County => "区县",
            Dimension::Town => "乡镇街道",
            Dimension::SectionType => "章节类型",
            Dimension::Level => "发布主体",
        }
    }

    /// `year`, `year,province`: one or two distinct dimensions.
    pub fn parse_list(text: &str) -> Result<Vec<Dimension>> {
        let mut dims = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let dim: Dimension = part.parse()?;
            if dims.contains(&dim) {
                return Err(Error::Usage(format!(
                    "--by {text:?}: {part} is named twice"
                )));
            }
            dims.push(dim);
        }
        if dims.is_empty() || dims.len() > Dimension::MAX {
            return Err(Error::Usage(format!(
                "--by {text:?}: name one or two of {}, e.g. --by year,province",
                Dimension::names()
            )));
        }
        Ok(dims)
    }

    fn names() -> String {
        let names: Vec<&str> = Dimension::ALL.iter().map(|d| d.as_str()).collect();
        names.join(", ")
    }
}

impl FromStr for Dimension {
    type Err = Error;

    fn from_str(s: &str) -> Result<Dimension> {
        let s = if s == "type" { "section_type" } else { s };
        Dimension::ALL
            .into_iter()
            .find(|d| d.as_str() == s)
            .ok_or_else(|| {
                Error::Usage(format!(
                    "cannot group by {s:?}; choose from {}",
                    Dimension::names()
                ))
            })
    }
}

/// One group's counts for one query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatsRow {
    /// The query, as written (several when comparing).
    pub query: String,
    /// The group's value for each dimension, in the order asked; "" where a report has none
    /// (no town for a county-level report, a year the report does not name).
    pub group: Vec<String>,
    /// Reports in the group with at least one matching section.
    pub matching_reports: usize,
    /// Reports in the group (that the filters allow).
    pub reports: usize,
    /// matching_reports / reports, 0 when the group is empty.
    pub share: f64,
    pub matching_sections: usize,
}

/// The answer to a stats request: rows for every group, per query, and a total per query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatsTable {
    pub by: Vec<Dimension>,
    pub queries: Vec<String>,
    /// Per query (in the order given): every group the filters allow, also those with no
    /// match; years in order, other groups by matching reports, most first.
    pub rows: Vec<StatsRow>,
    /// Per query: all groups together.
    pub totals: Vec<StatsRow>,
}

impl StatsTable {
    /// Assembles the table from per-query match counts and the group sizes.
    pub(crate) fn new(
        by: Vec<Dimension>,
        queries: Vec<(String, Groups)>,
        population: &Groups,
    ) -> StatsTable {
        let mut rows = Vec::new();
        let mut totals = Vec::new();
        let all_reports: usize = population.reports_total();
        for (query, matched) in &queries {
            let mut these: Vec<StatsRow> = population
                .0
                .iter()
                .map(|(group, size)| {
                    let found = matched.0.get(group);
                    row(
                        query,
                        group.clone(),
                        found.map_or(0, |g| g.reports.len()),
                        size.reports.len(),
                        found.map_or(0, |g| g.sections),
                    )
                })
                .collect();
            sort_rows(&mut these, &by);
            rows.extend(these);
            totals.push(row(
                query,
                vec!["全部".to_string(); by.len()],
                matched.reports_total(),
                all_reports,
                matched.0.values().map(|g| g.sections).sum(),
            ));
        }
        StatsTable {
            by,
            queries: queries.into_iter().map(|(q, _)| q).collect(),
            rows,
            totals,
        }
    }
}

fn row(
    query: &str,
    group: Vec<String>,
    matching_reports: usize,
    reports: usize,
    matching_sections: usize,
) -> StatsRow {
    StatsRow {
        query: query.to_string(),
        group,
        matching_reports,
        reports,
        share: if reports == 0 {
            0.0
        } else {
            matching_reports as f64 / reports as f64
        },
        matching_sections,
    }
}

/// Years ascending (as numbers; an unknown year last); otherwise most matching reports first.
/// Ties by the group's names, so the order never depends on hashing.
fn sort_rows(rows: &mut [StatsRow], by: &[Dimension]) {
    let year_key = |r: &StatsRow, i: usize| r.group[i].parse::<u64>().unwrap_or(u64::MAX);
    rows.sort_by(|a, b| match by.first() {
        Some(Dimension::Year) => year_key(a, 0)
            .cmp(&year_key(b, 0))
            .then(b.matching_reports.cmp(&a.matching_reports))
            .then_with(|| a.group.cmp(&b.group)),
        _ => b
            .matching_reports
            .cmp(&a.matching_reports)
            .then(b.reports.cmp(&a.reports))
            .then_with(|| a.group.cmp(&b.group)),
    });
}

/// The reports and sections of one group.
#[derive(Debug, Clone, Default)]
pub(crate) struct GroupCount {
    reports: HashSet<u64>,
    sections: usize,
}

/// Counts per group, keyed by the group's values.
#[derive(Debug, Clone, Default)]
pub(crate) struct Groups(HashMap<Vec<String>, GroupCount>);

impl Groups {
    /// Distinct reports over all groups (a report is in several groups only when grouped by
    /// section type).
    fn reports_total(&self) -> usize {
        let all: HashSet<u64> = self
            .0
            .values()
            .flat_map(|g| g.reports.iter().copied())
            .collect();
        all.len()
    }
}

/// Turns a column's ordinals into its strings: one lookup each when few are needed, one pass
/// over the whole dictionary when many are (a lookup decodes its dictionary block from the
/// start, which made facet labels the bulk of a common query's time).
enum Labels<'a> {
    Lookup(Option<&'a StrColumn>),
    All(Vec<String>),
}

impl<'a> Labels<'a> {
    fn new(column: &'a Option<StrColumn>, needed: usize) -> Labels<'a> {
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

    fn get(&self, ord: Option<u64>) -> String {
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

/// Collects [`Groups`] for the given dimensions.
pub(crate) struct GroupCollector {
    pub by: Vec<Dimension>,
}

/// Slots of a segment-level group key: a town takes two (town, county). Unused slots and
/// missing values are `NONE`.
const SLOTS: usize = 2 * Dimension::MAX;
const NONE: u64 = u64::MAX;
type Key = [u64; SLOTS];

/// Where a dimension's value comes from in one segment.
enum Source {
    Year(Column<u64>),
    Ords(Option<StrColumn>),
    /// Town and county ordinals.
    Town(Option<StrColumn>, Option<StrColumn>),
}

pub(crate) struct SegmentGroups {
    sources: Vec<Source>,
    report_key: Column<u64>,
    /// Sections and report keys per key (a report's keys pushed once per run of its sections).
    counts: HashMap<Key, (usize, Vec<u64>)>,
    last: Option<(u64, Key)>,
}

fn first_ord(column: &Option<StrColumn>, doc: DocId) -> u64 {
    column
        .as_ref()
        .and_then(|c| first(c.ords(), doc))
        .unwrap_or(NONE)
}

/// A slot's ordinal as [`Labels`] takes it.
fn ord(slot: u64) -> Option<u64> {
    (slot != NONE).then_some(slot)
}

impl Collector for GroupCollector {
    type Fruit = Groups;
    type Child = SegmentGroups;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentGroups> {
        let fast = reader.fast_fields();
        let sources = self
            .by
            .iter()
            .map(|dim| {
                Ok(match dim {
                    Dimension::Year => Source::Year(fast.u64("year")?),
                    Dimension::Town => Source::Town(fast.str("town")?, fast.str("county")?),
                    other => Source::Ords(fast.str(other.as_str())?),
                })
            })
            .collect::<tantivy::Result<Vec<_>>>()?;
        Ok(SegmentGroups {
            sources,
            report_key: fast.u64("report_key")?,
            counts: HashMap::new(),
            last: None,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    fn merge_fruits(&self, fruits: Vec<Groups>) -> tantivy::Result<Groups> {
        let mut all = Groups::default();
        for fruit in fruits {
            for (group, count) in fruit.0 {
                let into = all.0.entry(group).or_default();
                into.sections += count.sections;
                into.reports.extend(count.reports);
            }
        }
        Ok(all)
    }
}

impl SegmentCollector for SegmentGroups {
    type Fruit = Groups;

    fn collect(&mut self, doc: DocId, _: Score) {
        let mut key = [NONE; SLOTS];
        let mut slot = 0;
        for source in &self.sources {
            match source {
                Source::Year(column) => key[slot] = first(column, doc).unwrap_or(NONE),
                Source::Ords(column) => key[slot] = first_ord(column, doc),
                Source::Town(town, county) => {
                    key[slot] = first_ord(town, doc);
                    slot += 1;
                    key[slot] = first_ord(county, doc);
                }
            }
            slot += 1;
        }
        let report = first(&self.report_key, doc).unwrap_or_default();
        let entry = self.counts.entry(key).or_default();
        entry.0 += 1;
        // A report's sections are adjacent: push its key once per run, not once per section.
        if self.last != Some((report, key)) {
            entry.1.push(report);
            self.last = Some((report, key));
        }
    }

    fn harvest(self) -> Groups {
        let needed = self.counts.len();
        // Per source: the labels of its column(s), read the cheaper way for this many groups.
        let labels: Vec<(Option<Labels>, Option<Labels>)> = self
            .sources
            .iter()
            .map(|source| match source {
                Source::Year(_) => (None, None),
                Source::Ords(column) => (Some(Labels::new(column, needed)), None),
                Source::Town(town, county) => (
                    Some(Labels::new(town, needed)),
                    Some(Labels::new(county, needed)),
                ),
            })
            .collect();
        let mut groups = Groups::default();
        for (key, (sections, reports)) in self.counts {
            let mut group = Vec::with_capacity(self.sources.len());
            let mut slot = 0;
            for (source, (first, second)) in self.sources.iter().zip(&labels) {
                let name = |labels: &Option<Labels>, slot: usize| {
                    labels
                        .as_ref()
                        .map_or_else(String::new, |l| l.get(ord(key[slot])))
                };
                group.push(match source {
                    Source::Year(_) => ord(key[slot]).map_or_else(String::new, |y| y.to_string()),
                    Source::Ords(_) => name(first, slot),
                    Source::Town(..) => {
                        slot += 1;
                        town_label(&name(first, slot - 1), &name(second, slot))
                    }
                });
                slot += 1;
            }
            let into = groups.0.entry(group).or_default();
            into.sections += sections;
            into.reports.extend(reports);
        }
        groups
    }
}

/// 保安镇（江夏区）: the county tells same-named towns apart.
pub fn town_label(town: &str, county: &str) -> String {
    match (town.is_empty(), county.is_empty()) {
        (true, _) => String::new(),
        (false, true) => town.to_string(),
        (false, false) => format!("{town}（{county}）"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dimension_lists() {
        let rows: [(&str, Option<&[Dimension]>); 8] = [
            ("year", Some(&[Dimension::Year])),
            (
                "year,province",
                Some(&[Dimension::Year, Dimension::Province]),
            ),
            (" town , year ", Some(&[Dimension::Town, Dimension::Year])),
            ("type", Some(&[Dimension::SectionType])),
            ("year,year", None),
            ("year,province,town", None),
            ("", None),
            ("decade", None),
        ];
        for (text, expected) in rows {
            assert_eq!(
                Dimension::parse_list(text).ok().as_deref(),
                expected,
                "--by {text:?}"
            );
        }
    }

    fn groups(rows: &[(&[&str], &[u64], usize)]) -> Groups {
        Groups(
            rows.iter()
                .map(|(group, reports, sections)| {
                    (
                        group.iter().map(|s| s.to_string()).collect(),
                        GroupCount {
                            reports: reports.iter().copied().collect(),
                            sections: *sections,
                        },
                    )
                })
                .collect(),
        )
    }

    #[test]
    fn shares_cover_every_group_and_years_sort_as_numbers() {
        let population = groups(&[
            (&["2023"], &[1, 2, 3, 4], 40),
            (&["2021"], &[5, 6], 20),
            (&[""], &[7], 5),
        ]);
        let matched = groups(&[(&["2023"], &[1, 3], 5)]);
        let table = StatsTable::new(
            vec![Dimension::Year],
            vec![("法律顾问".into(), matched)],
            &population,
        );
        let got: Vec<(&str, usize, usize, f64, usize)> = table
            .rows
            .iter()
            .map(|r| {
                (
                    r.group[0].as_str(),
                    r.matching_reports,
                    r.reports,
                    r.share,
                    r.matching_sections,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("2021", 0, 2, 0.0, 0),
                ("2023", 2, 4, 0.5, 5),
                ("", 0, 1, 0.0, 0)
            ]
        );
        let total = &table.totals[0];
        assert_eq!((total.matching_reports, total.reports), (2, 7));
    }

    #[test]
    fn town_labels_name_the_county() {
        assert_eq!(town_label("保安镇", "江夏区"), "保安镇（江夏区）");
        assert_eq!(town_label("保安镇", ""), "保安镇");
        assert_eq!(town_label("", "江夏区"), "");
    }
}
