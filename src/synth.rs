//! Synthetic corpora for benchmarks: realistic reports made from the bundled ones.
//!
//! Each report gets a real town from the gazetteer and a year from 2018 to 2025; its sections
//! are drawn from the bundled reports' sections of the same type, renumbered under the statute's
//! four parts, with the source town's name replaced and the numbers in the text varied. The same
//! seed always gives the same corpus.

use std::sync::LazyLock;

use regex::Regex;

use crate::classify::{SectionType, TypeRules};
use crate::clean::clean;
use crate::ingest::Hints;
use crate::region::{Gazetteer, Place};
use crate::report::{self, Report};
use crate::sections;

/// A small, fast, deterministic random number generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Sections of the source reports, by the part of the report they belong to, without their
/// numbering, and the place names to replace in them.
#[derive(Debug, Clone, Default)]
pub struct SectionPool {
    overview: Vec<String>,
    measures: Vec<String>,
    shortcomings: Vec<String>,
    leadership: Vec<String>,
    plans: Vec<String>,
    /// Town and county names of the source reports.
    source_places: Vec<String>,
}

static NUMBERING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^\s*(（[一二三四五六七八九十]+）|\([一二三四五六七八九十]+\)|\d{1,2}[.．、]|[一二三四五六七八九十]+是|[（(]\d{1,2}[）)])\s*")
        .expect("static regex")
});
static NUMBER: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\d+").expect("static regex"));

impl SectionPool {
    /// Builds the pool from source reports (their decoded text).
    pub fn from_texts(texts: &[(String, String)]) -> SectionPool {
        let mut pool = SectionPool::default();
        for (name, text) in texts {
            let r: Report = report::parse(name, text, &Hints::default());
            pool.source_places.extend(r.meta.town.clone());
            pool.source_places.extend(r.meta.county.clone());
            let lines = clean(text).lines;
            for s in sections::split(&lines, TypeRules::embedded()) {
                if s.headings.is_empty() {
                    // The preamble without its title lines.
                    let body: Vec<&str> =
                        s.text.lines().filter(|l| l.chars().count() > 40).collect();
                    if !body.is_empty() {
                        pool.overview.push(body.join("\n"));
                    }
                    continue;
                }
                if s.headings.len() < 2 {
                    continue;
                }
                let unit = NUMBERING.replace(&s.text, "").trim().to_string();
                if unit.chars().count() < 8 {
                    continue;
                }
                let bucket = match s.section_type {
                    SectionType::Overview => &mut pool.overview,
                    SectionType::Measures | SectionType::Other => &mut pool.measures,
                    SectionType::Shortcomings => &mut pool.shortcomings,
                    SectionType::Leadership => &mut pool.leadership,
                    SectionType::Plans => &mut pool.plans,
                };
                bucket.push(unit);
            }
        }
        pool.source_places.sort();
        pool.source_places.dedup();
        // Longest first, so that 利通区上桥镇 is replaced before 上桥镇.
        pool.source_places
            .sort_by_key(|p| std::cmp::Reverse(p.chars().count()));
        pool
    }

    /// True when every part has material to draw from.
    pub fn is_usable(&self) -> bool {
        [
            &self.overview,
            &self.measures,
            &self.shortcomings,
            &self.plans,
        ]
        .iter()
        .all(|b| !b.is_empty())
    }
}

const CN: [&str; 10] = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"];
const TITLES: [&str; 4] = [
    "{town}{year}年法治政府建设年度报告",
    "{town}人民政府关于{year}年度法治政府建设情况的报告",
    "{county}{town}{year}年法治政府建设情况报告",
    "{town}{year}年度法治建设工作总结",
];
const MEASURES_HEADINGS: [&str; 3] = [
    "主要举措和成效",
    "工作开展情况",
    "{year}年度推进法治政府建设的主要举措和成效",
];
const SHORTCOMINGS_HEADINGS: [&str; 2] = ["存在的不足及原因", "存在的主要问题"];
const LEADERSHIP_HEADING: &str = "党政主要负责人履行推进法治建设第一责任人职责情况";
const PLANS_HEADINGS: [&str; 3] = [
    "下一步工作打算",
    "{next}年度推进法治政府建设的主要安排",
    "下一年度工作思路",
];

/// One synthetic report: its file name and text. The pool must be usable
/// ([`SectionPool::is_usable`]).
fn report(pool: &SectionPool, index: usize, rng: &mut Rng) -> (String, String) {
    let places: &[Place] = Gazetteer::embedded().places();
    let place = rng.pick(places);
    let year = 2018 + rng.below(8);
    let fill = |template: &str| {
        template
            .replace("{town}", &place.town)
            .replace("{county}", &place.county)
            .replace("{year}", &year.to_string())
            .replace("{next}", &(year + 1).to_string())
    };
    let mut out = String::new();
    let title = *rng.pick(&TITLES[..]);
    out.push_str(&fill(title));
    out.push_str("\n\n");
    let vary = |text: &str, rng: &mut Rng| -> String {
        let mut t = text.to_string();
        for source in &pool.source_places {
            t = t.replace(source.as_str(), &place.town);
        }
        NUMBER
            .replace_all(&t, |c: &regex::Captures| {
                let n: u64 = c[0].parse().unwrap_or(0);
                if (2015..=2026).contains(&n) {
                    return year.to_string();
                }
                if (1990..=2030).contains(&n) || c[0].len() > 6 {
                    return c[0].to_string();
                }
                (n / 2 + rng.below(n as usize + 2) as u64).to_string()
            })
            .into_owned()
    };
    let overview: &String = rng.pick(&pool.overview[..]);
    out.push_str(&vary(overview, rng));
    out.push('\n');
    let measures = *rng.pick(&MEASURES_HEADINGS[..]);
    let shortcomings = *rng.pick(&SHORTCOMINGS_HEADINGS[..]);
    let plans = *rng.pick(&PLANS_HEADINGS[..]);
    let mut parts: Vec<(String, &Vec<String>, usize)> = vec![
        (fill(measures), &pool.measures, 4 + rng.below(5)),
        (fill(shortcomings), &pool.shortcomings, 2 + rng.below(3)),
    ];
    if !pool.leadership.is_empty() {
        parts.push((
            LEADERSHIP_HEADING.to_string(),
            &pool.leadership,
            2 + rng.below(3),
        ));
    }
    parts.push((fill(plans), &pool.plans, 3 + rng.below(3)));
    for (i, (heading, units, count)) in parts.iter().enumerate() {
        out.push_str(&format!("{}、{heading}\n", CN[i % CN.len()]));
        for j in 0..*count {
            let unit: &String = rng.pick(&units[..]);
            out.push_str(&format!("（{}）{}\n", CN[j % CN.len()], vary(unit, rng)));
        }
    }
    out.push_str(&format!(
        "\n{}人民政府\n{}年1月{}日\n",
        place.town,
        year + 1,
        1 + rng.below(28)
    ));
    let file = format!("{index:06}_{}_{year}.txt", place.code);
    (file, out)
}

/// The `.txt` reports of a folder, as (file name, text), to build a [`SectionPool`] from.
pub fn read_sources(dir: &std::path::Path) -> crate::Result<Vec<(String, String)>> {
    let entries = std::fs::read_dir(dir).map_err(|source| crate::Error::Read {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "txt") {
            let text = std::fs::read_to_string(&path).map_err(|source| crate::Error::Read {
                path: path.clone(),
                source,
            })?;
            out.push((entry.file_name().to_string_lossy().into_owned(), text));
        }
    }
    out.sort();
    Ok(out)
}

/// Writes `n` synthetic reports for `seed` into `out`, drawn from the reports in `from`;
/// returns the bytes written.
pub fn generate(
    from: &std::path::Path,
    out: &std::path::Path,
    n: usize,
    seed: u64,
) -> crate::Result<u64> {
    let pool = SectionPool::from_texts(&read_sources(from)?);
    std::fs::create_dir_all(out).map_err(|source| crate::Error::Write {
        path: out.to_path_buf(),
        source,
    })?;
    let mut bytes = 0;
    for (name, text) in corpus(&pool, n, seed)? {
        bytes += text.len() as u64;
        let path = out.join(&name);
        std::fs::write(&path, text).map_err(|source| crate::Error::Write { path, source })?;
    }
    Ok(bytes)
}

/// `n` synthetic reports for `seed`, made from `pool`.
pub fn corpus(
    pool: &SectionPool,
    n: usize,
    seed: u64,
) -> crate::Result<impl Iterator<Item = (String, String)> + '_> {
    if !pool.is_usable() {
        return Err(crate::Error::Usage(
            "the source reports lack sections of some part (overview, measures, shortcomings or plans)".into()));
    }
    let mut rng = Rng::new(seed);
    Ok((0..n).map(move |i| report(pool, i, &mut rng)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> SectionPool {
        let text = "保安镇2023年法治政府建设年度报告\n2023年，保安镇在大冶市委领导下坚持依法行政，全面推进法治政府建设，法治建设迈出新步伐，取得明显成效，群众满意度持续提升。\n一、工作开展情况\n（一）强化组织领导。成立领导小组，召开会议12次。\n（二）加强普法宣传。开展活动23场次。\n二、存在的不足\n（一）执法力量不足，人员偏少。\n三、党政主要负责人履行推进法治建设第一责任人职责情况\n（一）主要负责人带头学法。\n四、下一步打算\n（一）加强学习培训工作。\n";
        SectionPool::from_texts(&[("a.txt".into(), text.into())])
    }

    #[test]
    fn an_unusable_pool_is_an_error() {
        assert!(corpus(&SectionPool::default(), 1, 1).is_err());
    }

    #[test]
    fn the_same_seed_gives_the_same_corpus() {
        let pool = pool();
        assert!(pool.is_usable());
        let a: Vec<_> = corpus(&pool, 20, 7).expect("usable").collect();
        let b: Vec<_> = corpus(&pool, 20, 7).expect("usable").collect();
        let c: Vec<_> = corpus(&pool, 20, 8).expect("usable").collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn reports_parse_back_with_their_place_year_and_parts() {
        let pool = pool();
        for (file, text) in corpus(&pool, 50, 1).expect("usable") {
            let r = report::parse(&file, &text, &Hints::default());
            let year: u64 = file
                .rsplit('_')
                .next()
                .and_then(|y| y.strip_suffix(".txt"))
                .and_then(|y| y.parse().ok())
                .expect("year in name");
            assert_eq!(r.meta.year, Some(year), "{file}: {text}");
            assert!((2018..=2025).contains(&year));
            let town = r.meta.town.clone().expect("a town");
            assert!(
                !Gazetteer::embedded().towns_named(&town).is_empty(),
                "{town} is a real town"
            );
            let types: Vec<SectionType> = r.sections.iter().map(|s| s.section_type).collect();
            for t in [
                SectionType::Overview,
                SectionType::Measures,
                SectionType::Shortcomings,
                SectionType::Plans,
            ] {
                assert!(types.contains(&t), "{file} lacks {t}: {text}");
            }
            assert!(
                town == "保安镇" || !text.contains("保安镇"),
                "the source town is replaced: {text}"
            );
            assert!(
                !text.contains("2023年，") || year == 2023,
                "years follow the report's year: {text}"
            );
        }
    }
}
