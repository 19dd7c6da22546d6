//! Where a report comes from: town → county → city → province, from the national gazetteer in
//! `index_schema/towns.tsv`. A town name that exists in several places (保安镇: six counties) is
//! decided by the county, city and province names the report mentions; when they do not decide,
//! the town is kept and the rest is left unknown rather than guessed.

use std::collections::HashMap;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};

use crate::error::{Error, Result};

/// A report's place. `None` means unknown, never a guess.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Region {
    pub town: Option<String>,
    pub county: Option<String>,
    pub city: Option<String>,
    pub province: Option<String>,
}

/// One row of the gazetteer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub code: String,
    pub town: String,
    pub county: String,
    pub city: String,
    pub province: String,
}

/// The gazetteer, with automata that find town and county names in a title.
#[derive(Debug)]
pub struct Gazetteer {
    places: Vec<Place>,
    /// Town name → rows with that name.
    towns: HashMap<String, Vec<usize>>,
    /// County name → one row per distinct (county, city, province).
    counties: HashMap<String, Vec<usize>>,
    town_finder: AhoCorasick,
    town_names: Vec<String>,
    county_finder: AhoCorasick,
    county_names: Vec<String>,
}

const TOWNS_TSV: &str = include_str!("../index_schema/towns.tsv");
/// Town names shorter than this (城区, 林场, 马镇) are too generic to find in free text.
const MIN_TOWN_NAME_CHARS: usize = 3;
/// Administrative suffixes dropped to get the short name a report uses (大冶市 → 大冶).
const SUFFIXES: [&str; 9] = [
    "自治县",
    "自治州",
    "自治区",
    "新区",
    "县",
    "市",
    "区",
    "旗",
    "省",
];

impl Gazetteer {
    /// Parses a gazetteer in the format of `index_schema/towns.tsv`.
    pub fn parse(data: &str) -> Result<Self> {
        let mut places = Vec::new();
        for (i, row) in data.lines().enumerate().skip(1) {
            if row.trim().is_empty() {
                continue;
            }
            let cols: Vec<&str> = row.split('\t').collect();
            let [code, town, county, city, province] = cols[..] else {
                return Err(Error::SchemaData {
                    file: "towns.tsv",
                    line: i + 1,
                    reason: format!("expected 5 tab-separated columns, found {}", cols.len()),
                });
            };
            places.push(Place {
                code: code.into(),
                town: town.into(),
                county: county.into(),
                city: city.into(),
                province: province.into(),
            });
        }
        let mut towns: HashMap<String, Vec<usize>> = HashMap::new();
        let mut counties: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, p) in places.iter().enumerate() {
            towns.entry(p.town.clone()).or_default().push(i);
            let same_county =
                |j: &usize| places[*j].city == p.city && places[*j].province == p.province;
            let rows = counties.entry(p.county.clone()).or_default();
            if !rows.iter().any(same_county) {
                rows.push(i);
            }
        }
        let finder = |names: &[String]| {
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .build(names)
                .map_err(|e| Error::SchemaData {
                    file: "towns.tsv",
                    line: 0,
                    reason: e.to_string(),
                })
        };
        let mut town_names: Vec<String> = towns
            .keys()
            .filter(|n| n.chars().count() >= MIN_TOWN_NAME_CHARS)
            .cloned()
            .collect();
        town_names.sort();
        let mut county_names: Vec<String> = counties
            .keys()
            .filter(|n| n.chars().count() >= 2)
            .cloned()
            .collect();
        county_names.sort();
        Ok(Gazetteer {
            town_finder: finder(&town_names)?,
            county_finder: finder(&county_names)?,
            places,
            towns,
            counties,
            town_names,
            county_names,
        })
    }

    /// The gazetteer shipped in `index_schema/towns.tsv`.
    pub fn embedded() -> &'static Gazetteer {
        static GAZETTEER: LazyLock<Gazetteer> = LazyLock::new(|| {
            Gazetteer::parse(TOWNS_TSV)
                .expect("index_schema/towns.tsv is valid: checked by its unit test")
        });
        &GAZETTEER
    }

    /// Every row, in gazetteer order.
    pub fn places(&self) -> &[Place] {
        &self.places
    }

    pub fn len(&self) -> usize {
        self.places.len()
    }

    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// The rows whose town is `name`.
    pub fn towns_named(&self, name: &str) -> Vec<&Place> {
        self.towns.get(name).map_or_else(Vec::new, |rows| {
            rows.iter().map(|&i| &self.places[i]).collect()
        })
    }

    /// Locates a report. `naming` are the places that name the issuer, most telling first (title,
    /// issuing body, signature); `body` is the whole text, read for county/city/province mentions
    /// that decide between places with the same name.
    pub fn locate(&self, naming: &[&str], body: &str) -> Region {
        for text in naming {
            if let Some(name) = first_match(&self.town_finder, &self.town_names, text) {
                return self.resolve_town(name, naming, body);
            }
        }
        for text in naming {
            if let Some(name) = first_match(&self.county_finder, &self.county_names, text) {
                return self.resolve_county(name, naming, body);
            }
        }
        Region::default()
    }

    fn resolve_town(&self, name: &str, naming: &[&str], body: &str) -> Region {
        let rows = &self.towns[name];
        match self.best(rows, naming, body) {
            Some(p) => Region {
                town: Some(p.town.clone()),
                county: Some(p.county.clone()),
                city: Some(p.city.clone()),
                province: Some(p.province.clone()),
            },
            None => Region {
                town: Some(name.to_string()),
                ..Region::default()
            },
        }
    }

    fn resolve_county(&self, name: &str, naming: &[&str], body: &str) -> Region {
        let rows = &self.counties[name];
        match self.best(rows, naming, body) {
            Some(p) => Region {
                town: None,
                county: Some(p.county.clone()),
                city: Some(p.city.clone()),
                province: Some(p.province.clone()),
            },
            None => Region {
                county: Some(name.to_string()),
                ..Region::default()
            },
        }
    }

    /// The one row the text supports best, or None when several are equally supported.
    fn best(&self, rows: &[usize], naming: &[&str], body: &str) -> Option<&Place> {
        if let [only] = rows {
            return Some(&self.places[*only]);
        }
        let mentions = |name: &str| naming.iter().any(|t| t.contains(name)) || body.contains(name);
        let score = |p: &Place| {
            let mut s = 0;
            if mentions(&p.county) {
                s += 4;
            } else if short_name(&p.county).is_some_and(mentions) {
                s += 3;
            }
            if p.city != p.county
                && (mentions(&p.city) || short_name(&p.city).is_some_and(mentions))
            {
                s += 2;
            }
            if p.province != p.city
                && (mentions(&p.province) || short_name(&p.province).is_some_and(mentions))
            {
                s += 1;
            }
            s
        };
        let mut scored: Vec<(usize, &Place)> = rows
            .iter()
            .map(|&i| (score(&self.places[i]), &self.places[i]))
            .collect();
        scored.sort_by_key(|s| std::cmp::Reverse(s.0));
        match scored.as_slice() {
            [(top, p), (second, _), ..] if *top > 0 && top > second => Some(p),
            _ => None,
        }
    }
}

fn first_match<'a>(finder: &AhoCorasick, names: &'a [String], text: &str) -> Option<&'a str> {
    finder
        .find_iter(text)
        .next()
        .map(|m| names[m.pattern().as_usize()].as_str())
}

/// The short form of a division's name (大冶市 → 大冶, 宁夏回族自治区 → 宁夏), when it is at least
/// two characters and so specific enough to look for.
fn short_name(name: &str) -> Option<&str> {
    let stem = SUFFIXES.iter().find_map(|s| name.strip_suffix(s))?;
    let stem = stem.strip_suffix("回族").unwrap_or(stem);
    let stem = stem.strip_suffix("壮族").unwrap_or(stem);
    let stem = stem.strip_suffix("维吾尔").unwrap_or(stem);
    (stem.chars().count() >= 2).then_some(stem)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(naming: &[&str], body: &str) -> [Option<String>; 4] {
        let r = Gazetteer::embedded().locate(naming, body);
        [r.town, r.county, r.city, r.province]
    }

    fn some(v: [&str; 4]) -> [Option<String>; 4] {
        v.map(|s| (!s.is_empty()).then(|| s.to_string()))
    }

    #[test]
    fn embedded_gazetteer_parses_every_row() {
        let g = Gazetteer::parse(TOWNS_TSV).expect("index_schema/towns.tsv");
        assert_eq!(g.len(), 41_352);
        assert_eq!(g.towns_named("保安镇").len(), 6);
    }

    #[test]
    fn malformed_row_is_reported_with_its_line() {
        let err =
            Gazetteer::parse("code\ttown\tcounty\tcity\tprovince\n1\t2\t3").expect_err("must fail");
        assert!(err.to_string().contains("towns.tsv, line 2"), "{err}");
    }

    #[test]
    fn locates_reports() {
        let rows: [(&[&str], &str, [&str; 4]); 7] = [
            (
                &["保安镇2023年法治政府建设年度报告"],
                "在大冶市委、市政府的正确领导下",
                ["保安镇", "大冶市", "黄石市", "湖北省"],
            ),
            (
                &["保安镇2023年法治政府建设年度报告"],
                "没有提到县名",
                ["保安镇", "", "", ""],
            ),
            (
                &["利通区上桥镇2023年法治政府建设情况报告"],
                "",
                ["上桥镇", "利通区", "吴忠市", "宁夏回族自治区"],
            ),
            (
                &["北杨集镇人民政府关于2023年度法治政府建设情况的报告"],
                "",
                ["北杨集镇", "沈丘县", "周口市", "河南省"],
            ),
            (
                &["大冶市2023年法治政府建设年度报告"],
                "",
                ["", "大冶市", "黄石市", "湖北省"],
            ),
            (
                &["关于2023年度法治政府建设情况的报告", "后台乡人民政府"],
                "",
                ["后台乡", "睢县", "商丘市", "河南省"],
            ),
            (&["法治政府建设年度报告"], "全镇上下", ["", "", "", ""]),
        ];
        for (naming, body, expected) in rows {
            assert_eq!(place(naming, body), some(expected), "locating {naming:?}");
        }
    }

    #[test]
    fn short_names() {
        let rows = [
            ("大冶市", Some("大冶")),
            ("睢县", None),
            ("宁夏回族自治区", Some("宁夏")),
            ("利通区", Some("利通")),
        ];
        for (name, stem) in rows {
            assert_eq!(short_name(name), stem, "short name of {name}");
        }
    }
}
