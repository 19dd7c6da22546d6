//! Where a report comes from and what kind of body issued it: town → county → city → province,
//! from the national gazetteer in `index_schema/towns.tsv` and the special zones of
//! `index_schema/aliases.tsv`; the body's [`Level`] (town, county, department, other) from the
//! name suffixes of `index_schema/levels.tsv`.
//!
//! A name that exists in several places (保安镇: six counties; 鼓楼区: four cities) is decided by
//! the county, city and province names the report mentions; when they do not decide, the name is
//! kept and the rest is left unknown rather than guessed.

use std::collections::HashMap;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, MatchKind};
use serde::Serialize;

use crate::error::{Error, Result, schema_rows};

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

/// A zone or short name of `index_schema/aliases.tsv` and where it is; an empty division is
/// unknown (the zone spans several).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub name: String,
    pub province: String,
    pub city: String,
    pub county: String,
}

/// Finds the names of one kind of division in a text, longest first.
#[derive(Debug)]
struct Finder {
    automaton: AhoCorasick,
    names: Vec<String>,
}

impl Finder {
    fn new(file: &'static str, mut names: Vec<String>) -> Result<Finder> {
        names.sort();
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&names)
            .map_err(|e| Error::SchemaData {
                file,
                line: 0,
                reason: e.to_string(),
            })?;
        Ok(Finder { automaton, names })
    }

    /// The first name in `text`.
    fn first<'a>(&'a self, text: &str) -> Option<&'a str> {
        first_match(&self.automaton, &self.names, text)
    }
}

/// The gazetteer, with automata that find town, county, city and province names and the
/// aliases in a title.
#[derive(Debug)]
pub struct Gazetteer {
    places: Vec<Place>,
    /// Town name → rows with that name.
    towns: HashMap<String, Vec<usize>>,
    /// County name → one row per distinct (county, city, province).
    counties: HashMap<String, Vec<usize>>,
    /// City name → one row per distinct (city, province).
    cities: HashMap<String, Vec<usize>>,
    /// Alias name → its row in `aliases`.
    alias_rows: HashMap<String, usize>,
    aliases: Vec<Alias>,
    town_finder: Finder,
    county_finder: Finder,
    city_finder: Finder,
    province_finder: Finder,
    alias_finder: Finder,
}

const TOWNS_TSV: &str = include_str!("../index_schema/towns.tsv");
const ALIASES_TSV: &str = include_str!("../index_schema/aliases.tsv");

/// Every town, county and city name of `index_schema/towns.tsv` and every name of
/// `index_schema/aliases.tsv`, as written (repeated), read straight from the tables: for masking
/// place names ([`crate::copies`]) without building the gazetteer's automata, which a process
/// that only counts copies does not need.
pub fn place_names() -> impl Iterator<Item = &'static str> {
    let rows = |data: &'static str| {
        data.lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| l.split('\t'))
    };
    let towns = rows(TOWNS_TSV)
        .skip(1)
        .flat_map(|cols| cols.skip(1).take(3));
    let aliases = rows(ALIASES_TSV).filter_map(|mut cols| cols.next());
    towns.chain(aliases)
}
const LEVELS_TSV: &str = include_str!("../index_schema/levels.tsv");
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
    /// Parses a gazetteer in the format of `index_schema/towns.tsv`, with no aliases.
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
        let mut cities: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, p) in places.iter().enumerate() {
            towns.entry(p.town.clone()).or_default().push(i);
            let same_county =
                |j: &usize| places[*j].city == p.city && places[*j].province == p.province;
            let rows = counties.entry(p.county.clone()).or_default();
            if !rows.iter().any(same_county) {
                rows.push(i);
            }
            let rows = cities.entry(p.city.clone()).or_default();
            if !rows.iter().any(|j| places[*j].province == p.province) {
                rows.push(i);
            }
        }
        let long_enough = |names: &HashMap<String, Vec<usize>>, min: usize| -> Vec<String> {
            names
                .keys()
                .filter(|n| n.chars().count() >= min)
                .cloned()
                .collect()
        };
        let mut provinces: Vec<String> = places.iter().map(|p| p.province.clone()).collect();
        provinces.sort();
        provinces.dedup();
        Ok(Gazetteer {
            town_finder: Finder::new("towns.tsv", long_enough(&towns, MIN_TOWN_NAME_CHARS))?,
            county_finder: Finder::new("towns.tsv", long_enough(&counties, 2))?,
            city_finder: Finder::new("towns.tsv", long_enough(&cities, 2))?,
            province_finder: Finder::new("towns.tsv", provinces)?,
            alias_finder: Finder::new("aliases.tsv", Vec::new())?,
            alias_rows: HashMap::new(),
            aliases: Vec::new(),
            places,
            towns,
            counties,
            cities,
        })
    }

    /// Adds the aliases of a table in the format of `index_schema/aliases.tsv`. Every division
    /// a row names must be in the gazetteer, in the province (and city) the row gives.
    pub fn with_aliases(mut self, data: &str) -> Result<Self> {
        let mut aliases = Vec::new();
        for row in schema_rows("aliases.tsv", data) {
            let bad = |reason: String| row.bad(reason);
            let row = row.text;
            let cols: Vec<&str> = row.split('\t').collect();
            let (name, province, city, county) = match cols[..] {
                [name, province, city, county, ..] => (name, province, city, county),
                _ => {
                    return Err(bad(format!(
                        "expected `name<TAB>province<TAB>city<TAB>county<TAB>why`, found {} columns",
                        cols.len()
                    )));
                }
            };
            let alias = Alias {
                name: name.trim().into(),
                province: province.trim().into(),
                city: city.trim().into(),
                county: county.trim().into(),
            };
            if alias.name.chars().count() < 2 {
                return Err(bad(format!("the name {name:?} is too short to look for")));
            }
            if !self.has_division(&alias) {
                return Err(bad(format!(
                    "{} is placed in {}/{}/{}, which towns.tsv does not list: correct the row",
                    alias.name, alias.province, alias.city, alias.county
                )));
            }
            if self
                .alias_rows
                .insert(alias.name.clone(), aliases.len())
                .is_some()
            {
                return Err(bad(format!("{} is listed twice", alias.name)));
            }
            aliases.push(alias);
        }
        self.alias_finder = Finder::new(
            "aliases.tsv",
            aliases.iter().map(|a| a.name.clone()).collect(),
        )?;
        self.aliases = aliases;
        Ok(self)
    }

    /// True when the gazetteer has a row in the alias's province, city and county (as far as
    /// the alias names them; a county without a city is not allowed).
    fn has_division(&self, a: &Alias) -> bool {
        if a.province.is_empty() || (a.city.is_empty() && !a.county.is_empty()) {
            return false;
        }
        self.places.iter().any(|p| {
            p.province == a.province
                && (a.city.is_empty() || p.city == a.city)
                && (a.county.is_empty() || p.county == a.county)
        })
    }

    /// The gazetteer shipped in `index_schema/towns.tsv`, with the aliases of
    /// `index_schema/aliases.tsv`.
    pub fn embedded() -> &'static Gazetteer {
        static GAZETTEER: LazyLock<Gazetteer> = LazyLock::new(|| {
            Gazetteer::parse(TOWNS_TSV)
                .and_then(|g| g.with_aliases(ALIASES_TSV))
                .expect("index_schema/towns.tsv and aliases.tsv are valid: checked by unit tests")
        });
        &GAZETTEER
    }

    /// Every row, in gazetteer order.
    pub fn places(&self) -> &[Place] {
        &self.places
    }

    /// Every alias, in table order.
    pub fn aliases(&self) -> &[Alias] {
        &self.aliases
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

    /// True when `name` ends with the name of a county-level division (湖北省大冶市, 济源市).
    pub fn ends_with_county(&self, name: &str) -> bool {
        name.char_indices()
            .map(|(i, _)| &name[i..])
            .filter(|tail| tail.chars().count() >= 2)
            .any(|tail| self.counties.contains_key(tail))
    }

    /// Locates a report. `naming` are the places that name the issuer, most telling first (title,
    /// issuing body, signature); `body` is the whole text, read for county/city/province mentions
    /// that decide between places with the same name. `level` is what the issuer's name says it
    /// is, if it says: a county, a department or a zone is not placed in a town its text names.
    /// The most specific division found in any naming text wins: town, then a zone of the alias
    /// table, county, city, province.
    pub fn locate(&self, naming: &[&str], body: &str, level: Option<Level>) -> Region {
        fn in_naming<'a>(finder: &'a Finder, naming: &[&str]) -> Option<&'a str> {
            naming.iter().find_map(|text| finder.first(text))
        }
        if matches!(level, None | Some(Level::Town))
            && let Some(name) = in_naming(&self.town_finder, naming)
        {
            return self.resolve(&self.towns[name], naming, body, Division::Town, name);
        }
        if let Some(name) = in_naming(&self.alias_finder, naming) {
            let a = &self.aliases[self.alias_rows[name]];
            let known = |s: &str| (!s.is_empty()).then(|| s.to_string());
            return Region {
                town: None,
                county: known(&a.county),
                city: known(&a.city),
                province: known(&a.province),
            };
        }
        if let Some(name) = in_naming(&self.county_finder, naming) {
            return self.resolve(&self.counties[name], naming, body, Division::County, name);
        }
        if let Some(name) = in_naming(&self.city_finder, naming) {
            return self.resolve(&self.cities[name], naming, body, Division::City, name);
        }
        match in_naming(&self.province_finder, naming) {
            Some(name) => Region {
                province: Some(name.to_string()),
                ..Region::default()
            },
            None => Region::default(),
        }
    }

    /// The place of a name found at `rows`, as far down as `division`: all of it when the text
    /// decides between the rows, else only the name.
    fn resolve(
        &self,
        rows: &[usize],
        naming: &[&str],
        body: &str,
        division: Division,
        name: &str,
    ) -> Region {
        let Some(p) = self.best(rows, naming, body) else {
            let mut region = Region::default();
            let slot = match division {
                Division::Town => &mut region.town,
                Division::County => &mut region.county,
                Division::City => &mut region.city,
            };
            *slot = Some(name.to_string());
            return region;
        };
        Region {
            town: (division == Division::Town).then(|| p.town.clone()),
            county: (division <= Division::County).then(|| p.county.clone()),
            city: Some(p.city.clone()),
            province: Some(p.province.clone()),
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

/// What kind of body issued a report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// A town, township or street (镇, 乡, 街道, 苏木) and its government.
    Town,
    /// A county-level government: 县, 区, 旗, 县级市.
    County,
    /// A department (局, 委员会, 办公室…) of a government of any level.
    Department,
    /// A special zone (…综合实验区, …开发区, …管理委员会), a prefecture or provincial
    /// government, or a body the report does not name.
    #[default]
    Other,
}

impl Level {
    pub const ALL: [Level; 4] = [Level::Town, Level::County, Level::Department, Level::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Town => "town",
            Level::County => "county",
            Level::Department => "department",
            Level::Other => "other",
        }
    }
}

impl std::fmt::Display for Level {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Level {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Level::ALL
            .into_iter()
            .find(|l| l.as_str() == s)
            .ok_or_else(|| {
                let valid: Vec<&str> = Level::ALL.iter().map(|l| l.as_str()).collect();
                Error::Usage(
                    format!("unknown level {s:?}; valid levels: {}", valid.join(", ")).into(),
                )
            })
    }
}

/// What a name suffix of `index_schema/levels.tsv` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LevelRule {
    Is(Level),
    /// A 市: county-level when the gazetteer lists it as a county, else a prefecture (other).
    Listed,
}

/// The name suffixes of `index_schema/levels.tsv`, longest first.
#[derive(Debug)]
pub struct LevelRules(Vec<(String, LevelRule)>);

impl LevelRules {
    /// Parses rules in the format of `index_schema/levels.tsv`.
    pub fn parse(data: &str) -> Result<LevelRules> {
        let mut rules = Vec::new();
        for row in schema_rows("levels.tsv", data) {
            let bad = |reason: String| row.bad(reason);
            let row = row.text;
            let cols: Vec<&str> = row.split('\t').collect();
            let [suffix, level, ..] = cols[..] else {
                return Err(bad("expected `suffix<TAB>level<TAB>why`".into()));
            };
            let rule = match level {
                "listed" => LevelRule::Listed,
                other => LevelRule::Is(other.parse().map_err(|_| {
                    bad(format!(
                        "unknown level {other:?}: use town, county, department, other or listed"
                    ))
                })?),
            };
            if suffix.is_empty() || rules.iter().any(|(s, _)| s == suffix) {
                return Err(bad(format!(
                    "the suffix {suffix:?} is empty or listed twice"
                )));
            }
            rules.push((suffix.to_string(), rule));
        }
        // Longest first, so that 管理委员会 wins over 委员会; equal lengths never both match.
        rules.sort_by_key(|(s, _)| std::cmp::Reverse(s.chars().count()));
        Ok(LevelRules(rules))
    }

    /// The rules shipped in `index_schema/levels.tsv`.
    pub fn embedded() -> &'static LevelRules {
        static RULES: LazyLock<LevelRules> = LazyLock::new(|| {
            LevelRules::parse(LEVELS_TSV)
                .expect("index_schema/levels.tsv is valid: checked by its unit test")
        });
        &RULES
    }

    /// The level a body's name says (睢县司法局: department), if its ending is in the table.
    pub fn of(&self, name: &str, gazetteer: &Gazetteer) -> Option<Level> {
        let name = name.trim();
        let (suffix, rule) = self.0.iter().find(|(s, _)| name.ends_with(s.as_str()))?;
        match rule {
            LevelRule::Is(level) => Some(*level),
            LevelRule::Listed => {
                // The division's own name: the part before the suffix, and the suffix's 市.
                let stem = &name[..name.len() - suffix.len()];
                let city = format!("{stem}市");
                Some(if gazetteer.ends_with_county(&city) {
                    Level::County
                } else {
                    Level::Other
                })
            }
        }
    }
}

/// The divisions a name can be found as, most specific first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Division {
    Town,
    County,
    City,
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

/// The level a user means (`town`, `乡镇`, `dep`), as [`crate::lang::resolve`] reads it.
pub fn parse_level(text: &str) -> Result<Level> {
    let keys = Level::ALL.map(Level::as_str);
    crate::lang::resolve(text, "level.", &keys, "level")?.parse()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn place(naming: &[&str], body: &str) -> [Option<String>; 4] {
        place_at(naming, body, None)
    }

    fn place_at(naming: &[&str], body: &str, level: Option<Level>) -> [Option<String>; 4] {
        let r = Gazetteer::embedded().locate(naming, body, level);
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
    fn every_alias_target_is_in_the_gazetteer() {
        let g = Gazetteer::embedded();
        assert!(!g.aliases().is_empty(), "index_schema/aliases.tsv has rows");
        for a in g.aliases() {
            let rows: Vec<&Place> = g
                .places()
                .iter()
                .filter(|p| {
                    p.province == a.province
                        && (a.city.is_empty() || p.city == a.city)
                        && (a.county.is_empty() || p.county == a.county)
                })
                .collect();
            assert!(!rows.is_empty(), "{a:?}: no such division in towns.tsv");
            assert!(
                a.county.is_empty() || !a.city.is_empty(),
                "{a:?}: a county needs its city"
            );
            // The zone itself must not be a gazetteer name, or the alias would never be needed.
            assert!(
                !g.counties.contains_key(&a.name) && g.towns_named(&a.name).is_empty(),
                "{a:?}: towns.tsv already lists this name"
            );
        }
    }

    #[test]
    fn bad_alias_rows_are_refused_with_their_line() {
        let g = || Gazetteer::parse(TOWNS_TSV).expect("index_schema/towns.tsv");
        // (table, what the error says)
        let rows = [
            (
                "某某新区\t河南省\t开封市\t不存在县\tx",
                "aliases.tsv, line 1",
            ),
            ("# c\n某某新区\t河南省\t郑州市\t睢县\tx", "line 2"),
            ("某某新区\t河南省\t\t睢县\tx", "towns.tsv does not list"),
            ("某某新区\t河南", "found 2 columns"),
            ("某\t河南省\t\t\tx", "too short"),
            (
                "某某新区\t河南省\t\t\t\n某某新区\t河南省\t\t\t",
                "listed twice",
            ),
        ];
        for (table, expected) in rows {
            let err = g().with_aliases(table).expect_err(table).to_string();
            assert!(err.contains(expected), "{table:?}: {err}");
        }
    }

    #[test]
    fn locates_bodies_above_towns() {
        // (naming, body, the level the issuer's name says, expected place)
        type Row<'a> = (&'a [&'a str], &'a str, Option<Level>, [&'a str; 4]);
        let rows: [Row; 10] = [
            (
                &["睢县司法局2023年法治政府建设情况报告"],
                "",
                Some(Level::Department),
                ["", "睢县", "商丘市", "河南省"],
            ),
            (
                &["天津市宁河区人民政府关于2023年度法治政府建设情况的报告"],
                "",
                Some(Level::County),
                ["", "宁河区", "天津市", "天津市"],
            ),
            (
                &["平潭综合实验区管理委员会2023年法治政府建设年度报告"],
                "",
                Some(Level::Other),
                ["", "平潭县", "福州市", "福建省"],
            ),
            (
                &["赣江新区2023年法治政府建设情况报告"],
                "",
                Some(Level::Other),
                ["", "", "", "江西省"],
            ),
            (
                &["商丘市司法局2023年法治政府建设情况报告"],
                "",
                Some(Level::Department),
                ["", "", "商丘市", "河南省"],
            ),
            (
                &["河南省司法厅2023年法治政府建设情况报告"],
                "",
                Some(Level::Department),
                ["", "", "", "河南省"],
            ),
            // A county's department names the towns it served: it is not placed in one.
            (
                &["睢县司法局2023年法治政府建设情况报告", "指导后台乡开展普法"],
                "",
                Some(Level::Department),
                ["", "睢县", "商丘市", "河南省"],
            ),
            // 鼓楼区 is in four cities: the body decides, else only the name is kept.
            (
                &["鼓楼区人民政府2023年法治政府建设情况报告"],
                "在福州市委、市政府的坚强领导下",
                Some(Level::County),
                ["", "鼓楼区", "福州市", "福建省"],
            ),
            (
                &["鼓楼区人民政府2023年法治政府建设情况报告"],
                "在市委、市政府的坚强领导下",
                Some(Level::County),
                ["", "鼓楼区", "", ""],
            ),
            (
                &["后台乡人民政府2023年法治政府建设工作总结"],
                "",
                Some(Level::Town),
                ["后台乡", "睢县", "商丘市", "河南省"],
            ),
        ];
        for (naming, body, level, expected) in rows {
            assert_eq!(
                place_at(naming, body, level),
                some(expected),
                "locating {naming:?} ({level:?})"
            );
        }
    }

    #[test]
    fn levels_from_the_name_of_the_body() {
        let g = Gazetteer::embedded();
        let rules = LevelRules::embedded();
        let rows = [
            ("睢县司法局", Some(Level::Department)),
            ("中共睢县委员会", Some(Level::County)),
            ("中共北杨集镇委员会", Some(Level::Town)),
            ("中共大冶市委", Some(Level::County)),
            ("商丘市发展和改革委员会", Some(Level::Department)),
            ("宁河区发展和改革局", Some(Level::Department)),
            ("天津市宁河区人民政府办公室", Some(Level::Department)),
            ("天津市宁河区人民政府", Some(Level::County)),
            ("宁河区", Some(Level::County)),
            ("睢县", Some(Level::County)),
            ("大冶市人民政府", Some(Level::County)),
            ("大冶市", Some(Level::County)),
            ("商丘市人民政府", Some(Level::Other)),
            ("北杨集镇人民政府", Some(Level::Town)),
            ("后台乡", Some(Level::Town)),
            ("东风街道办事处", Some(Level::Town)),
            ("平潭综合实验区管理委员会", Some(Level::Other)),
            ("赣江新区管委会", Some(Level::Other)),
            ("郑州航空港经济综合实验区", Some(Level::Other)),
            ("滨海新区人民政府", Some(Level::County)),
            ("某某人民政府", None),
        ];
        for (name, level) in rows {
            assert_eq!(rules.of(name, g), level, "level of {name}");
        }
    }

    #[test]
    fn level_rules_are_checked() {
        let rows = [
            ("局\tdepartmnt", "levels.tsv, line 1"),
            ("局\tdepartment\n局\tother", "listed twice"),
            ("局", "expected `suffix<TAB>level<TAB>why`"),
        ];
        for (table, expected) in rows {
            let err = LevelRules::parse(table).expect_err(table).to_string();
            assert!(err.contains(expected), "{table:?}: {err}");
        }
        assert_eq!("county".parse::<Level>().ok(), Some(Level::County));
        let err = "village".parse::<Level>().expect_err("unknown").to_string();
        assert!(err.contains("town, county, department, other"), "{err}");
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
