//! Filters, keyed by the facet table ([`FacetKey`]): each facet's values as its option takes
//! them, checked against the index before a search — a value no report has (a typo, a province
//! the corpus does not cover, a year after the last report) is an error that names the value
//! and the nearest ones the index has, never a silent "0 sections" — and turned into the query
//! clauses that restrict a search. Also the filters as a reader reads them, for the summary
//! line of an empty answer.
//!
//! The values are checked against the facet maps the search counts with anyway
//! ([`FacetMaps`]): sorted labels per facet, so a check costs a binary search per value
//! (regions: one term lookup).

use std::collections::BTreeMap;
use std::ops::Bound;

use tantivy::Searcher;
use tantivy::Term;
use tantivy::query::{
    BooleanQuery, Occur, Query as TantivyQuery, RangeQuery, RegexQuery, TermQuery,
};
use tantivy::schema::{Facet, Field, IndexRecordOption, Schema};

use crate::classify::SectionType;
use crate::error::{Error, Result, Text};
use crate::index::facets::{FacetMaps, OrdinalMap};
use crate::index::schema::{FacetKey, Sidebar, Values};
use crate::lang::{Lang, both, each};

/// What a match must have for one facet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FacetFilter {
    /// One of these values; for a prefix facet, a value that is or starts with one of them.
    AnyOf(Vec<String>),
    /// A number in this inclusive range.
    Range(u64, u64),
}

/// Restrictions on where and when matches come from, per facet of the table. A value of a
/// prefix facet matches a value that is or starts with it (`--province 河南` finds 河南省).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    facets: BTreeMap<FacetKey, FacetFilter>,
    /// `/province/city/…` facet paths.
    pub regions: Vec<String>,
    /// Count every file (`--with-copies`), not each group of duplicate reports once.
    pub with_copies: bool,
}

impl Filters {
    /// Adds a value of `facet` as its option takes it: trimmed, a vocabulary's name or alias
    /// (in either language: 存在的不足, 不足, `shortcomings`) as its key, a range parsed (a
    /// second range replaces the first). An empty value is an error naming the option: a
    /// filter left blank by mistake must not silently widen the search.
    pub fn add(&mut self, facet: FacetKey, value: &str) -> Result<()> {
        let value = value.trim();
        let canonical = match facet.spec().values {
            _ if value.is_empty() => return Err(empty_value(facet.option())),
            Values::Range => {
                let (from, to) = parse_range(facet.option(), value)?;
                self.facets.insert(facet, FacetFilter::Range(from, to));
                return Ok(());
            }
            Values::Prefix => value.to_string(),
            Values::SectionTypes => SectionType::parse_named(value)?.as_str().to_string(),
            Values::Levels => crate::region::parse_level(value)?.as_str().to_string(),
        };
        let entry = self
            .facets
            .entry(facet)
            .or_insert_with(|| FacetFilter::AnyOf(Vec::new()));
        if let FacetFilter::AnyOf(values) = entry {
            values.push(canonical);
        }
        Ok(())
    }

    /// These filters and `value` for the facet named `name` (or its option: `type`).
    pub fn with(mut self, name: &str, value: &str) -> Result<Filters> {
        let facet = FacetKey::named(name).ok_or_else(|| {
            Error::Usage(format!("no facet {name:?} in index_schema/facets.tsv").into())
        })?;
        self.add(facet, value)?;
        Ok(self)
    }

    /// The same filters, counting every file (`--with-copies`).
    pub fn every_copy(mut self) -> Filters {
        self.with_copies = true;
        self
    }

    pub fn is_empty(&self) -> bool {
        self.facets.is_empty() && self.regions.is_empty()
    }

    /// The range a range facet (the year) is filtered to, if it is.
    pub fn range(&self, facet: FacetKey) -> Option<(u64, u64)> {
        match self.facets.get(&facet)? {
            FacetFilter::Range(from, to) => Some((*from, *to)),
            FacetFilter::AnyOf(_) => None,
        }
    }

    /// The active filters as a reader reads them: `湖北省, 2024, shortcomings` ("" for none).
    pub fn describe(&self) -> String {
        self.describe_in(Lang::En)
    }

    /// The active filters as a reader of `lang` reads them: `河南省或湖北省，2020..2023，存在的不足`,
    /// `河南省 or 湖北省, 2020..2023, shortcomings` — regions, then the facets in the table's
    /// order; section types and levels by name in Chinese, by key in English (as `--type`
    /// takes them).
    pub fn describe_in(&self, lang: Lang) -> String {
        let or = lang.label("filters.or");
        let mut parts: Vec<String> = Vec::new();
        if !self.regions.is_empty() {
            parts.push(self.regions.join(or));
        }
        for (facet, filter) in &self.facets {
            parts.push(match filter {
                FacetFilter::AnyOf(values) => {
                    let name = |v: &'_ str| -> String {
                        match (lang, facet.spec().values) {
                            (Lang::Zh, Values::SectionTypes) => lang.section_type(v).into(),
                            (Lang::Zh, Values::Levels) => lang.level(v).into(),
                            _ => v.into(),
                        }
                    };
                    let names: Vec<String> = values.iter().map(|v| name(v)).collect();
                    names.join(or)
                }
                FacetFilter::Range(from, to) if from == to => from.to_string(),
                FacetFilter::Range(0, to) => format!("..{to}"),
                FacetFilter::Range(from, u64::MAX) => format!("{from}.."),
                FacetFilter::Range(from, to) => format!("{from}..{to}"),
            });
        }
        parts.join(lang.label("filters.and"))
    }

    /// The clauses that restrict a search to these filters, on the index's `schema`.
    pub(crate) fn clauses(
        &self,
        schema: &Schema,
        region: Field,
    ) -> Result<Vec<(Occur, Box<dyn TantivyQuery>)>> {
        let mut clauses = Vec::new();
        let any = |queries: Vec<Box<dyn TantivyQuery>>| -> Box<dyn TantivyQuery> {
            let any = queries.into_iter().map(|q| (Occur::Should, q)).collect();
            super::filter(BooleanQuery::new(any))
        };
        for (facet, filter) in &self.facets {
            let field = schema.get_field(&facet.spec().field)?;
            let query = match filter {
                FacetFilter::Range(from, to) => super::filter(RangeQuery::new(
                    Bound::Included(Term::from_field_u64(field, *from)),
                    Bound::Included(Term::from_field_u64(field, *to)),
                )),
                FacetFilter::AnyOf(values) => any(values
                    .iter()
                    .map(|v| -> Result<Box<dyn TantivyQuery>> {
                        Ok(match facet.spec().values {
                            Values::Prefix => {
                                let pattern = format!("{}.*", regex::escape(v));
                                Box::new(RegexQuery::from_pattern(&pattern, field).map_err(
                                    |e| Error::Usage(format!("filter value {v:?}: {e}").into()),
                                )?)
                            }
                            _ => Box::new(TermQuery::new(
                                Term::from_field_text(field, v),
                                IndexRecordOption::Basic,
                            )),
                        })
                    })
                    .collect::<Result<_>>()?),
            };
            clauses.push((Occur::Must, query));
        }
        if !self.regions.is_empty() {
            let paths = self
                .regions
                .iter()
                .map(|r| -> Result<Box<dyn TantivyQuery>> {
                    let facet = Facet::from_text(r)
                        .map_err(|_| Error::Usage(both("err.region", &[("value", r)])))?;
                    let term = Term::from_facet(region, &facet);
                    Ok(Box::new(TermQuery::new(term, IndexRecordOption::Basic)))
                })
                .collect::<Result<_>>()?;
            clauses.push((Occur::Must, any(paths)));
        }
        Ok(clauses)
    }
}

/// Parses `2023` or `2020..2023` (either end may be left open: `2020..`, `..2023`), the value
/// of the range option `option`.
pub fn parse_range(option: &str, text: &str) -> Result<(u64, u64)> {
    let bad = || Error::Usage(both("err.year", &[("option", option), ("value", text)]));
    let year = |s: &str| -> Result<Option<u64>> {
        let s = s.trim();
        if s.is_empty() {
            return Ok(None);
        }
        s.parse::<u64>().map(Some).map_err(|_| bad())
    };
    match text.split_once("..") {
        Some((from, to)) => {
            let from = year(from)?.unwrap_or(0);
            let to = year(to)?.unwrap_or(u64::MAX);
            if from > to {
                return Err(Error::Usage(both(
                    "err.empty_range",
                    &[
                        ("option", option),
                        ("value", text),
                        ("from", &from.to_string()),
                        ("to", &to.to_string()),
                    ],
                )));
            }
            Ok((from, to))
        }
        None => {
            let y = year(text)?.ok_or_else(bad)?;
            Ok((y, y))
        }
    }
}

/// How many of the index's values an error lists.
const NEAREST: usize = 5;

/// Every filter value matches something in the index, or a usage error naming the option, the
/// value and the nearest values the index has (`--province "火星" matches no report in the
/// index; nearest: …`).
pub(crate) fn check(
    filters: &Filters,
    maps: &FacetMaps,
    searcher: &Searcher,
    region: Field,
) -> Result<()> {
    for (&facet, filter) in &filters.facets {
        let (option, map) = (facet.option(), maps.map(facet));
        match (filter, facet.spec().values) {
            (FacetFilter::Range(from, to), _) => {
                let numbers: Vec<u64> = labels(map).filter_map(|l| l.parse().ok()).collect();
                if !numbers.iter().any(|y| (from..=to).contains(&y)) {
                    let mut near = numbers.clone();
                    // Nearest to the range: by distance to its closer end.
                    near.sort_by_key(|&y| (from.saturating_sub(y)).max(y.saturating_sub(*to)));
                    near.truncate(NEAREST);
                    near.sort_unstable();
                    let shown = Filters {
                        facets: BTreeMap::from([(facet, filter.clone())]),
                        ..Filters::default()
                    }
                    .describe();
                    let near: Vec<String> = near.iter().map(u64::to_string).collect();
                    return Err(no_match(option, &shown, |_| near.clone(), numbers.len()));
                }
            }
            (FacetFilter::AnyOf(values), Values::Prefix) => {
                // The search matches a value that is or starts with the one asked for.
                if let Some(value) = values.iter().find(|v| !has_prefix(map, v)) {
                    let near = nearest(value, labels(map));
                    let all = labels(map).count();
                    return Err(no_match(option, value, |_| near.clone(), all));
                }
            }
            (FacetFilter::AnyOf(values), kind) => {
                if let Some(value) = values.iter().find(|v| !labels(map).any(|l| l == *v)) {
                    // A section type or level as a reader writes it: 县级（county）, county.
                    let named = |lang: Lang, key: &str| match (kind, lang) {
                        (Values::SectionTypes, Lang::Zh) => {
                            format!("{}（{key}）", lang.section_type(key))
                        }
                        (Values::Levels, Lang::Zh) => format!("{}（{key}）", lang.level(key)),
                        _ => key.to_string(),
                    };
                    let every = |lang: Lang| labels(map).map(|l| named(lang, l)).collect();
                    let value = each(|lang| named(lang, value));
                    return Err(no_match_named(option, &value, every, labels(map).count()));
                }
            }
        }
    }
    for path in &filters.regions {
        if path.trim().is_empty() {
            return Err(empty_value("region"));
        }
        let found = Facet::from_text(path)
            .ok()
            .map(|facet| Term::from_facet(region, &facet))
            .is_some_and(|term| searcher.doc_freq(&term).is_ok_and(|n| n > 0));
        if !found {
            // Where a path goes wrong is most often its first part (the province).
            let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
            let top = FacetKey::all()
                .filter_map(|f| match f.spec().sidebar {
                    Sidebar::Region(n) => Some((n, f)),
                    _ => None,
                })
                .min();
            let (tops, all) = top
                .map(|(_, f)| {
                    let map = maps.map(f);
                    (nearest(first, labels(map)), labels(map).count())
                })
                .unwrap_or_default();
            let tops: Vec<String> = tops.into_iter().map(|p| format!("/{p}")).collect();
            return Err(no_match("region", path, |_| tops.clone(), all));
        }
    }
    Ok(())
}

/// `--{option} "{value}" matches no report in the index; the index has …`: the values it
/// has (in `lang`) listed, all of them, or the nearest and how many there are in all.
fn no_match(option: &str, value: &str, nearest: impl Fn(Lang) -> Vec<String>, all: usize) -> Error {
    no_match_named(option, &Text::plain(value), nearest, all)
}

fn no_match_named(
    option: &str,
    value: &Text,
    nearest: impl Fn(Lang) -> Vec<String>,
    all: usize,
) -> Error {
    Error::Usage(each(|lang| {
        let near = nearest(lang);
        let value = value.get(lang);
        let key = match near.len() {
            0 => "err.no_match.none",
            n if n >= all => "err.no_match",
            _ => "err.no_match.nearest",
        };
        let (listed, all) = (near.join(lang.pick("、", ", ")), all.to_string());
        let values = [
            ("option", option),
            ("value", value),
            ("values", listed.as_str()),
            ("all", all.as_str()),
        ];
        lang.fill(key, &values)
    }))
}

/// `--{option} ""`: a filter given no value.
fn empty_value(option: &str) -> Error {
    Error::Usage(both("err.empty_value", &[("option", option)]))
}

/// The map's values that are not empty, in order.
fn labels(map: &OrdinalMap) -> impl Iterator<Item = &str> {
    (0..map.len() as u32)
        .filter(|&g| map.has_label(g))
        .map(|g| map.label(g))
}

/// Whether some value of `map` is or starts with `prefix`: values are sorted, so the first one
/// not less than the prefix is the only one to look at.
fn has_prefix(map: &OrdinalMap, prefix: &str) -> bool {
    let (mut low, mut high) = (0u32, map.len() as u32);
    while low < high {
        let mid = low + (high - low) / 2;
        if map.label(mid) < prefix {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    low < map.len() as u32 && map.label(low).starts_with(prefix)
}

/// The values closest to `value`: those that start with it or it starts with first (河南 →
/// 河南省), then by edit distance in characters, ties in value order.
fn nearest<'a>(value: &str, values: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut scored: Vec<(usize, &str)> = values
        .map(|v| {
            let close = v.starts_with(value) || value.starts_with(v);
            (if close { 0 } else { edit_distance(value, v) }, v)
        })
        .collect();
    scored.sort_unstable();
    scored
        .into_iter()
        .take(NEAREST)
        .map(|(_, v)| v.to_string())
        .collect()
}

/// The name among `names` that a mistyped ASCII word most likely meant (`sats` → stats): at
/// most two edits away and fewer than half its letters. A Chinese word (or any word with a
/// character that is not an ASCII letter) is a query, never a mistyped name: None.
pub fn did_you_mean<'a>(word: &str, names: &[&'a str]) -> Option<&'a str> {
    if word.is_empty() || !word.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let word = word.to_ascii_lowercase();
    names
        .iter()
        .map(|name| (edit_distance(&word, name), *name))
        .filter(|&(d, _)| d <= 2 && 2 * d <= word.len())
        .min()
        .map(|(_, name)| name)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A refused filter value lists what the index has: every value when it lists them all,
    /// else the nearest as such, with how many there are in all (`--year 2099` in an index of
    /// 30 years is not told the index has 5).
    #[test]
    fn a_value_the_index_lacks_says_whether_its_list_is_complete() {
        let years = |n: usize| (2020..2020 + n).map(|y| y.to_string()).collect::<Vec<_>>();
        // (values listed, values in the index, language, the message)
        let rows = [
            (
                years(2),
                2,
                Lang::Zh,
                "--year “2099” 在索引中没有匹配的报告；索引中有：2020、2021",
            ),
            (
                years(5),
                30,
                Lang::Zh,
                "--year “2099” 在索引中没有匹配的报告；最接近的取值：2020、2021、2022、2023、2024（索引中共有 30 个取值）",
            ),
            (
                years(5),
                30,
                Lang::En,
                "--year \"2099\" matches no report in the index; the nearest of its 30 values: 2020, 2021, 2022, 2023, 2024",
            ),
            (
                years(2),
                2,
                Lang::En,
                "--year \"2099\" matches no report in the index; the index has 2020, 2021",
            ),
            (
                Vec::new(),
                0,
                Lang::En,
                "--year \"2099\" matches no report in the index; the index has none",
            ),
        ];
        for (near, all, lang, expected) in rows {
            let error = no_match("year", "2099", |_| near.clone(), all);
            assert_eq!(error.message(lang), expected, "{all} values");
        }
    }

    #[test]
    fn nearest_values_start_with_the_value_then_differ_least() {
        let provinces = ["天津市", "宁夏回族自治区", "河南省", "湖北省"];
        let rows: [(&str, &[&str]); 3] = [
            ("河南", &["河南省", "天津市", "湖北省", "宁夏回族自治区"]),
            (
                "湖北省份",
                &["湖北省", "河南省", "天津市", "宁夏回族自治区"],
            ),
            ("和南省", &["河南省", "湖北省", "天津市", "宁夏回族自治区"]),
        ];
        for (value, expected) in rows {
            assert_eq!(
                nearest(value, provinces.into_iter()),
                expected,
                "nearest to {value}"
            );
        }
        assert_eq!(edit_distance("和南", "河南"), 1);
        assert_eq!(edit_distance("", "河南"), 2);
    }

    #[test]
    fn only_an_ascii_word_close_to_a_name_is_a_typo() {
        let names = ["search", "stats", "kwic", "serve", "help"];
        let rows = [
            ("sats", Some("stats")),
            ("STATs", Some("stats")),
            ("stat", Some("stats")),
            ("serch", Some("search")),
            ("kwik", Some("kwic")),
            ("法治", None),
            ("covid", None),
            ("s", None),
            ("stats2", None),
        ];
        for (word, expected) in rows {
            assert_eq!(did_you_mean(word, &names), expected, "{word}");
        }
    }

    #[test]
    fn filters_read_as_a_phrase() {
        // (option and value pairs, the phrase)
        let rows: [(&[(&str, &str)], &str); 4] = [
            (&[], ""),
            (&[("province", "湖北省"), ("year", "2024")], "湖北省, 2024"),
            (
                &[
                    ("town", "上桥"),
                    ("town", "保安"),
                    ("year", "2020.."),
                    ("type", "shortcomings"),
                ],
                "上桥 or 保安, 2020.., shortcomings",
            ),
            (
                &[("issuer", " 睢县司法局 "), ("level", "department")],
                "department, 睢县司法局",
            ),
        ];
        for (pairs, expected) in rows {
            let mut filters = Filters::default();
            for (name, value) in pairs {
                filters = filters.with(name, value).expect("a valid filter");
            }
            assert_eq!(filters.describe(), expected, "{pairs:?}");
        }
    }

    #[test]
    fn year_ranges() {
        let rows = [
            ("2023", Some((2023, 2023))),
            ("2020..2023", Some((2020, 2023))),
            ("2020..", Some((2020, u64::MAX))),
            ("..2023", Some((0, 2023))),
            ("2023..2020", None),
            ("二〇二三", None),
            ("", None),
        ];
        for (text, expected) in rows {
            assert_eq!(parse_range("year", text).ok(), expected, "--year {text:?}");
        }
    }
}
