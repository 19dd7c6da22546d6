//! Counts and trends: for each group of reports — by any facet of `index_schema/facets.tsv`
//! (year, province, city, county, town, section type, level, issuer…), or a pair of them — how
//! many reports match a query, how many reports the group has, their share, and how many
//! sections match. The share is what makes groups of different sizes comparable ("62% of Henan
//! towns' 2023 reports mention 法律顾问").
//!
//! Both counts come from the search's own counting ([`TallyCollector::grouped`]): the same
//! report table and ordinals, one pass over the matches and one over every section the filters
//! allow (the denominators). A group is a facet value as the search's facet counts it (a town
//! with its county and province).
//!
//! [`TallyCollector::grouped`]: super::collector::TallyCollector::grouped

use std::cmp::Reverse;

use serde::Serialize;

use super::collector::Tally;
use crate::error::{Error, Result};
use crate::index::facets::{FacetMaps, NONE};
use crate::index::schema::{FacetKey, Order, Scope};
use crate::lang::{Lang, both, each};

/// What reports are grouped by: a facet.
pub type Dimension = FacetKey;

/// The most dimensions one table groups by.
pub const MAX_BY: usize = 2;

impl FacetKey {
    /// `year`, `year,province`: one or two distinct facets (`type` for section_type).
    pub fn parse_list(text: &str) -> Result<Vec<FacetKey>> {
        let mut dims = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let dim = FacetKey::named(part).ok_or_else(|| {
                Error::Usage(each(|lang| {
                    let choices = FacetKey::names(lang);
                    lang.fill("err.by_unknown", &[("value", part), ("choices", &choices)])
                }))
            })?;
            if dims.contains(&dim) {
                return Err(Error::Usage(both(
                    "err.by_twice",
                    &[("value", text), ("part", part)],
                )));
            }
            dims.push(dim);
        }
        if dims.is_empty() || dims.len() > MAX_BY {
            return Err(Error::Usage(each(|lang| {
                let choices = FacetKey::names(lang);
                lang.fill("err.by_count", &[("value", text), ("choices", &choices)])
            })));
        }
        Ok(dims)
    }

    /// Every facet's name, as a list to choose from in `lang`: `town（乡镇街道）、…`, `town, …`.
    pub fn names(lang: Lang) -> String {
        let names: Vec<String> = FacetKey::all()
            .map(|f| match lang {
                Lang::Zh => format!("{}（{}）", f.name(), f.label(lang)),
                Lang::En => f.name().to_string(),
            })
            .collect();
        names.join(lang.pick("、", ", "))
    }
}

/// One group's counts for one query.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatsRow {
    /// The query, as written (several when comparing).
    pub query: String,
    /// The group's value for each dimension, in the order asked; "" where a report has none
    /// (no town for a county-level report, a year the report does not name), null in JSON as
    /// in a hit's; [`TOTAL_GROUP`] in a total's row.
    #[serde(serialize_with = "groups_json")]
    pub group: Vec<String>,
    /// Reports in the group with at least one matching section.
    pub matching_reports: usize,
    /// Reports in the group (that the filters allow).
    pub reports: usize,
    /// matching_reports / reports; None (JSON null) when the group has no report, since
    /// 0 of 0 is no share at all.
    pub share: Option<f64>,
    /// Fewer than [`SMALL_N`] reports in the group: the share says little and is marked
    /// wherever it is shown.
    pub small_n: bool,
    pub matching_sections: usize,
}

/// The group of a total's row in JSON (`"group": ["all"]`): stable ASCII in both languages;
/// a text table shows it as 全部 / All.
pub const TOTAL_GROUP: &str = "all";

/// The values of a group of `by` (as the collector keys it) as a reader reads them: a town
/// with its county, "" for none.
pub(crate) fn group_label(by: &[FacetKey], key: &[u32; 2], maps: &FacetMaps) -> Vec<String> {
    let label = |f: FacetKey, v: u32| -> String {
        let parents = f.parents();
        match (f.spec().scope, parents.first()) {
            _ if v == NONE => String::new(),
            (Scope::Report, Some(&parent)) => town_label(maps.label(f, v), maps.label(parent, v)),
            (Scope::Report, None) | (Scope::Section, _) => maps.map(f).label(v).to_string(),
        }
    };
    by.iter().zip(key).map(|(&f, &v)| label(f, v)).collect()
}

/// A group's values as JSON: a missing value is null.
pub(crate) fn groups_json<S: serde::Serializer>(
    group: &[String],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeSeq;
    let mut seq = serializer.serialize_seq(Some(group.len()))?;
    for value in group {
        seq.serialize_element(&Some(value.as_str()).filter(|v| !v.is_empty()))?;
    }
    seq.end()
}

/// A share from fewer reports than this is marked as resting on too few (a chart draws it
/// hollow, a table marks it): 2 of 3 towns is not "67% of towns".
pub const SMALL_N: usize = 5;

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
    /// Assembles the table from each query's tally and the population's (every section the
    /// filters allow), counted by the groups of `by`: every group of the population, also
    /// those with no match.
    pub(crate) fn new(
        by: &[FacetKey],
        queries: &[(String, Tally)],
        population: &Tally,
        maps: &FacetMaps,
    ) -> StatsTable {
        let labelled = |key: &[u32; 2]| group_label(by, key, maps);
        Self::assemble(by, queries, population, labelled)
    }

    /// The table from per-query group counts, with `label` naming a group's values.
    fn assemble(
        by: &[FacetKey],
        queries: &[(String, Tally)],
        population: &Tally,
        label: impl Fn(&[u32; 2]) -> Vec<String>,
    ) -> StatsTable {
        let mut rows = Vec::new();
        let mut totals = Vec::new();
        let groups: Vec<([u32; 2], Vec<String>)> = group_keys(by, population)
            .into_iter()
            .map(|k| (k, label(&k)))
            .collect();
        let by_value = by.first().is_some_and(|f| f.spec().order == Order::Value);
        for (query, matched) in queries {
            let mut these: Vec<(u32, StatsRow)> = groups
                .iter()
                .map(|(key, group)| {
                    let found = matched.groups.get(key).copied().unwrap_or_default();
                    let size = population.groups.get(key).map_or(0, |g| g.0);
                    (key[0], row(query, group.clone(), found.0, size, found.1))
                })
                .collect();
            // In value order (years ascending, a missing value last) where the first facet is
            // listed so, else by reports; ties by name, so the order never depends on hashing.
            let value = |k: u32| if by_value { k } else { 0 };
            let size = |r: &StatsRow| if by_value { 0 } else { r.reports };
            let key =
                |k: u32, r: &StatsRow| (value(k), Reverse(r.matching_reports), Reverse(size(r)));
            these.sort_by(|(ka, a), (kb, b)| {
                key(*ka, a)
                    .cmp(&key(*kb, b))
                    .then_with(|| a.group.cmp(&b.group))
            });
            let these = these.into_iter().map(|(_, r)| r);
            rows.extend(these);
            totals.push(row(
                query,
                vec![TOTAL_GROUP.to_string(); by.len()],
                matched.reports,
                population.reports,
                matched.total,
            ));
        }
        StatsTable {
            by: by.to_vec(),
            queries: queries.iter().map(|(q, _)| q.clone()).collect(),
            rows,
            totals,
        }
    }
}

/// The most groups a table by two facets lists: every value of the first × every value of the
/// second, an empty pair too (0 of 0, no share), up to this many; beyond it only the pairs that
/// have a report.
pub const MAX_CROSS_GROUPS: usize = 1_000_000;

/// The groups of a table: the population's; by two facets, every pair of the values each has,
/// so that a pair with no report reads 0 of 0 (—) rather than being left out.
fn group_keys(by: &[FacetKey], population: &Tally) -> Vec<[u32; 2]> {
    let mut keys: Vec<[u32; 2]> = population.groups.keys().copied().collect();
    if by.len() == 2 {
        let mut firsts: Vec<u32> = keys.iter().map(|k| k[0]).collect();
        let mut seconds: Vec<u32> = keys.iter().map(|k| k[1]).collect();
        for values in [&mut firsts, &mut seconds] {
            values.sort_unstable();
            values.dedup();
        }
        if firsts.len().saturating_mul(seconds.len()) <= MAX_CROSS_GROUPS {
            keys = firsts
                .iter()
                .flat_map(|&a| seconds.iter().map(move |&b| [a, b]))
                .collect();
        }
    }
    keys
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
        share: (reports > 0).then(|| matching_reports as f64 / reports as f64),
        small_n: reports < SMALL_N,
        matching_sections,
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
    use crate::search::collector::Groups;

    #[test]
    fn dimension_lists() {
        let named = |names: &[&str]| -> Vec<FacetKey> {
            names.iter().map(|n| FacetKey::named(n).expect(n)).collect()
        };
        let rows: [(&str, Option<&[&str]>); 9] = [
            ("year", Some(&["year"])),
            ("year,province", Some(&["year", "province"])),
            (" town , year ", Some(&["town", "year"])),
            ("type", Some(&["section_type"])),
            ("issuer", Some(&["issuer"])),
            ("year,year", None),
            ("year,province,town", None),
            ("", None),
            ("decade", None),
        ];
        for (text, expected) in rows {
            assert_eq!(
                FacetKey::parse_list(text).ok(),
                expected.map(named),
                "--by {text:?}"
            );
        }
    }

    #[test]
    fn shares_cover_every_group_and_years_sort_as_numbers() {
        // Groups by year ordinal: 0 is 2021, 1 is 2023; NONE is a report without a year.
        let tally = |groups: &[(u32, usize, usize)], reports: usize| Tally {
            groups: groups
                .iter()
                .map(|&(y, r, n)| ([y, NONE], (r, n)))
                .collect::<Groups>(),
            reports,
            total: groups.iter().map(|g| g.2).sum(),
            ..Tally::default()
        };
        let population = tally(&[(1, 4, 40), (0, 2, 20), (NONE, 1, 5)], 7);
        let matched = tally(&[(1, 2, 5)], 2);
        let year = FacetKey::named("year").expect("a year facet");
        let names = |key: &[u32; 2]| match key[0] {
            0 => vec!["2021".to_string()],
            1 => vec!["2023".to_string()],
            _ => vec![String::new()],
        };
        let table =
            StatsTable::assemble(&[year], &[("法律顾问".into(), matched)], &population, names);
        let got: Vec<(&str, usize, usize, Option<f64>, usize)> = table
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
                ("2021", 0, 2, Some(0.0), 0),
                ("2023", 2, 4, Some(0.5), 5),
                ("", 0, 1, Some(0.0), 0)
            ]
        );
        let total = &table.totals[0];
        assert_eq!((total.matching_reports, total.reports), (2, 7));
    }

    /// By two facets, every pair of their values is a group: a pair with no report reads 0 of
    /// 0 (no share), never left out.
    #[test]
    fn a_table_by_two_facets_lists_every_pair() {
        let tally = |groups: &[([u32; 2], usize)]| Tally {
            groups: groups.iter().map(|&(k, r)| (k, (r, r))).collect::<Groups>(),
            reports: groups.iter().map(|g| g.1).sum(),
            ..Tally::default()
        };
        // Years 0 (2023) and 1 (2024) × provinces 0 (河南) and 1 (天津): 天津 2023 and 河南
        // 2024 have no report.
        let population = tally(&[([0, 0], 2), ([1, 1], 1)]);
        let by = ["year", "province"].map(|n| FacetKey::named(n).expect(n));
        let names = |key: &[u32; 2]| {
            vec![
                ["2023", "2024"][key[0] as usize].to_string(),
                ["河南", "天津"][key[1] as usize].to_string(),
            ]
        };
        let table = StatsTable::assemble(&by, &[("q".into(), tally(&[]))], &population, names);
        let mut got: Vec<(String, usize, Option<f64>)> = table
            .rows
            .iter()
            .map(|r| (r.group.join(" "), r.reports, r.share))
            .collect();
        got.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            got,
            [
                ("2023 天津".to_string(), 0, None),
                ("2023 河南".to_string(), 2, Some(0.0)),
                ("2024 天津".to_string(), 1, Some(0.0)),
                ("2024 河南".to_string(), 0, None),
            ]
        );
    }

    #[test]
    fn town_labels_name_the_county() {
        assert_eq!(town_label("保安镇", "江夏区"), "保安镇（江夏区）");
        assert_eq!(town_label("保安镇", ""), "保安镇");
        assert_eq!(town_label("", "江夏区"), "");
    }
}
