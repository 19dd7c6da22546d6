//! Filter values checked against the index before a search: a value no report has (a typo,
//! a province the corpus does not cover, a year after the last report) is an error that names
//! the value and the nearest ones the index has, never a silent "0 sections". Also the filters
//! as a reader reads them, for the summary line of an empty answer.
//!
//! The values come from the facet maps the search counts with anyway ([`FacetMaps`]): sorted
//! labels per facet, and the report table's years, so a check costs a binary search per value
//! (regions: one term lookup).

use tantivy::Searcher;
use tantivy::Term;
use tantivy::schema::{Facet, Field};

use super::Filters;
use super::ordinals::{FacetMaps, OrdinalMap};
use crate::error::{Error, Result};

/// How many of the index's values an error lists.
const NEAREST: usize = 5;

impl Filters {
    /// The active filters as a reader reads them: `湖北省, 2024, shortcomings` ("" for none).
    pub fn describe(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        for values in [
            &self.towns,
            &self.counties,
            &self.cities,
            &self.provinces,
            &self.regions,
        ] {
            if !values.is_empty() {
                parts.push(values.join(" or "));
            }
        }
        match self.years {
            Some((from, to)) if from == to => parts.push(from.to_string()),
            Some((0, to)) => parts.push(format!("..{to}")),
            Some((from, u64::MAX)) => parts.push(format!("{from}..")),
            Some((from, to)) => parts.push(format!("{from}..{to}")),
            None => {}
        }
        let names = |names: Vec<&str>| (!names.is_empty()).then(|| names.join(" or "));
        parts.extend(names(
            self.section_types.iter().map(|t| t.as_str()).collect(),
        ));
        parts.extend(names(self.levels.iter().map(|l| l.as_str()).collect()));
        parts.join(", ")
    }
}

/// Every filter value matches something in the index, or a usage error naming the option, the
/// value and the nearest values the index has (`--province "火星" matches no report in the
/// index; nearest: …`).
pub(crate) fn check(
    filters: &Filters,
    maps: &FacetMaps,
    searcher: &Searcher,
    region: Field,
) -> Result<()> {
    for (option, values, map) in [
        ("town", &filters.towns, &maps.town),
        ("county", &filters.counties, &maps.county),
        ("city", &filters.cities, &maps.city),
        ("province", &filters.provinces, &maps.province),
    ] {
        for value in values {
            // The search matches a place whose name is or starts with the value.
            let value = value.trim();
            if !has_prefix(map, value) {
                return Err(no_match(option, value, &nearest(value, labels(map))));
            }
        }
    }
    for path in &filters.regions {
        let found = Facet::from_text(path)
            .ok()
            .map(|facet| Term::from_facet(region, &facet))
            .is_some_and(|term| searcher.doc_freq(&term).is_ok_and(|n| n > 0));
        if !found {
            // Where a path goes wrong is most often its province.
            let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
            let provinces: Vec<String> = nearest(first, labels(&maps.province))
                .into_iter()
                .map(|p| format!("/{p}"))
                .collect();
            return Err(no_match("region", path, &provinces));
        }
    }
    if let Some((from, to)) = filters.years {
        let years: Vec<u64> = (0..maps.reports.years())
            .filter_map(|y| maps.reports.year(y))
            .collect();
        if !years.iter().any(|y| (from..=to).contains(y)) {
            let mut near = years.clone();
            // Nearest to the range: by distance to its closer end.
            near.sort_by_key(|&y| (from.saturating_sub(y)).max(y.saturating_sub(to)));
            near.truncate(NEAREST);
            near.sort_unstable();
            let shown = Filters {
                years: filters.years,
                ..Filters::default()
            }
            .describe();
            let near: Vec<String> = near.iter().map(u64::to_string).collect();
            return Err(no_match("year", &shown, &near));
        }
    }
    let types = filters.section_types.iter().map(|t| t.as_str());
    let levels = filters.levels.iter().map(|l| l.as_str());
    for (option, values, map) in [
        ("type", types.collect::<Vec<_>>(), &maps.section_type),
        ("level", levels.collect::<Vec<_>>(), &maps.level),
    ] {
        for value in values {
            if !labels(map).any(|label| label == value) {
                let all: Vec<String> = labels(map).map(String::from).collect();
                return Err(no_match(option, value, &all));
            }
        }
    }
    Ok(())
}

fn no_match(option: &str, value: &str, nearest: &[String]) -> Error {
    let listed = if nearest.is_empty() {
        "the index has none".to_string()
    } else {
        format!("the index has {}", nearest.join(", "))
    };
    Error::Usage(format!(
        "--{option} {value:?} matches no report in the index; {listed}"
    ))
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
    use crate::classify::SectionType;

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
        let rows = [
            (Filters::default(), ""),
            (
                Filters {
                    provinces: vec!["湖北省".into()],
                    years: Some((2024, 2024)),
                    ..Filters::default()
                },
                "湖北省, 2024",
            ),
            (
                Filters {
                    towns: vec!["上桥".into(), "保安".into()],
                    years: Some((2020, u64::MAX)),
                    section_types: vec![SectionType::Shortcomings],
                    ..Filters::default()
                },
                "上桥 or 保安, 2020.., shortcomings",
            ),
        ];
        for (filters, expected) in rows {
            assert_eq!(filters.describe(), expected, "{filters:?}");
        }
    }
}
