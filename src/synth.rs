//! Synthetic corpora for benchmarks: realistic reports made from the bundled ones.
//!
//! Each report gets a real town from the gazetteer and a year from 2018 to 2025; its sections
//! are drawn from the bundled reports' sections of the same type, renumbered under the statute's
//! four parts, with the source town's name replaced and the numbers in the text varied. The same
//! seed always gives the same corpus.
//!
//! The generator knows what it copied: [`corpus_with_truth`] gives, with each report, where each
//! of its passages came from ([`Copied`]), and [`duplicates`] makes copies of whole reports (the
//! same file under another name, the page saved as HTML in a site's chrome, a re-crawl with a
//! site's header) recorded as groups. These are the ground truth that copy detection
//! ([`crate::copies`]) is measured against. The default corpus has no duplicates: they are made
//! only when asked ([`Options::duplicates`]), from their own random numbers, so the reports of
//! a seed are the same files whether or not duplicates are asked for.

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

/// One passage of a synthetic report and the pool passage it was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Copied {
    /// The 1-based line of the report where the passage starts (for the overview: line 1, the
    /// title, which the preamble section holds with it).
    pub line: usize,
    /// The passage's last line.
    pub last_line: usize,
    /// The pool passage it was made from, e.g. `measures/12`: passages with the same source
    /// are copies of each other (identical pool passages share the first one's id).
    pub source: String,
}

/// One synthetic report with what it was made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Synthetic {
    pub file: String,
    pub text: String,
    pub copied: Vec<Copied>,
}

/// Each pool passage's id: its part and the place of the first passage of the part with the
/// same text.
fn source_ids(pool: &SectionPool) -> [Vec<String>; 5] {
    let ids = |part: &str, units: &[String]| -> Vec<String> {
        let mut first: std::collections::HashMap<&str, usize> = Default::default();
        units
            .iter()
            .enumerate()
            .map(|(i, u)| format!("{part}/{}", first.entry(u.as_str()).or_insert(i)))
            .collect()
    };
    [
        ids("overview", &pool.overview),
        ids("measures", &pool.measures),
        ids("shortcomings", &pool.shortcomings),
        ids("leadership", &pool.leadership),
        ids("plans", &pool.plans),
    ]
}

/// One synthetic report: its file name and text. The pool must be usable
/// ([`SectionPool::is_usable`]).
fn report(pool: &SectionPool, ids: &[Vec<String>; 5], index: usize, rng: &mut Rng) -> Synthetic {
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
    let lines = |out: &String| out.matches('\n').count();
    let mut copied = Vec::new();
    let at = rng.below(pool.overview.len());
    out.push_str(&vary(&pool.overview[at], rng));
    out.push('\n');
    copied.push(Copied {
        line: 1,
        last_line: lines(&out),
        source: ids[0][at].clone(),
    });
    let measures = *rng.pick(&MEASURES_HEADINGS[..]);
    let shortcomings = *rng.pick(&SHORTCOMINGS_HEADINGS[..]);
    let plans = *rng.pick(&PLANS_HEADINGS[..]);
    let mut parts: Vec<(String, &Vec<String>, &Vec<String>, usize)> = vec![
        (fill(measures), &pool.measures, &ids[1], 4 + rng.below(5)),
        (
            fill(shortcomings),
            &pool.shortcomings,
            &ids[2],
            2 + rng.below(3),
        ),
    ];
    if !pool.leadership.is_empty() {
        parts.push((
            LEADERSHIP_HEADING.to_string(),
            &pool.leadership,
            &ids[3],
            2 + rng.below(3),
        ));
    }
    parts.push((fill(plans), &pool.plans, &ids[4], 3 + rng.below(3)));
    for (i, (heading, units, unit_ids, count)) in parts.iter().enumerate() {
        out.push_str(&format!("{}、{heading}\n", CN[i % CN.len()]));
        for j in 0..*count {
            // rng.pick's draw, kept as it was so that a seed's corpus does not change.
            let at = rng.below(units.len());
            let line = lines(&out) + 1;
            out.push_str(&format!(
                "（{}）{}\n",
                CN[j % CN.len()],
                vary(&units[at], rng)
            ));
            copied.push(Copied {
                line,
                last_line: lines(&out),
                source: unit_ids[at].clone(),
            });
        }
    }
    out.push_str(&format!(
        "\n{}人民政府\n{}年1月{}日\n",
        place.town,
        year + 1,
        1 + rng.below(28)
    ));
    let file = format!("{index:06}_{}_{year}.txt", place.code);
    Synthetic {
        file,
        text: out,
        copied,
    }
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

/// What a run makes besides the reports.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// How many copies of whole reports to add ([`duplicates`]).
    pub duplicates: usize,
    /// The folder to write the ground truth to (`copies.tsv`, `duplicates.tsv`), if any: kept
    /// out of the corpus folder, which is indexed.
    pub truth: Option<std::path::PathBuf>,
}

/// Writes `n` synthetic reports for `seed` into `out`, drawn from the reports in `from`;
/// returns the bytes written.
pub fn generate(
    from: &std::path::Path,
    out: &std::path::Path,
    n: usize,
    seed: u64,
) -> crate::Result<u64> {
    generate_with(from, out, n, seed, &Options::default())
}

/// [`generate`], with duplicates and the ground truth as `options` asks.
///
/// `copies.tsv` has a row per passage of each report (`file`, `line`, `last_line`, `source`: see
/// [`Copied`]); `duplicates.tsv` a row per file of each group of copies of one report (`group`,
/// the original's name, and `file`), the original first.
pub fn generate_with(
    from: &std::path::Path,
    out: &std::path::Path,
    n: usize,
    seed: u64,
    options: &Options,
) -> crate::Result<u64> {
    let pool = SectionPool::from_texts(&read_sources(from)?);
    let write = |path: std::path::PathBuf, bytes: &[u8]| {
        std::fs::write(&path, bytes).map_err(|source| crate::Error::Write { path, source })
    };
    let mkdir = |dir: &std::path::Path| {
        std::fs::create_dir_all(dir).map_err(|source| crate::Error::Write {
            path: dir.to_path_buf(),
            source,
        })
    };
    mkdir(out)?;
    let copies_of = duplicate_plan(n, options.duplicates, seed);
    let mut copies_tsv = String::from("file\tline\tlast_line\tsource\n");
    let mut groups_tsv = String::from("group\tfile\n");
    let mut bytes = 0;
    for (i, report) in corpus_with_truth(&pool, n, seed)?.enumerate() {
        bytes += report.text.len() as u64;
        write(out.join(&report.file), report.text.as_bytes())?;
        let made: Vec<usize> = (0..copies_of.len())
            .filter(|&d| copies_of[d] == i)
            .collect();
        for d in &made {
            let (file, text) = duplicate(&report, *d);
            bytes += text.len() as u64;
            write(out.join(&file), text.as_bytes())?;
            if d == &made[0] {
                groups_tsv.push_str(&format!("{}\t{}\n", report.file, report.file));
            }
            groups_tsv.push_str(&format!("{}\t{file}\n", report.file));
        }
        if options.truth.is_some() {
            for c in &report.copied {
                copies_tsv.push_str(&format!(
                    "{}\t{}\t{}\t{}\n",
                    report.file, c.line, c.last_line, c.source
                ));
            }
        }
    }
    if let Some(dir) = &options.truth {
        mkdir(dir)?;
        write(dir.join("copies.tsv"), copies_tsv.as_bytes())?;
        write(dir.join("duplicates.tsv"), groups_tsv.as_bytes())?;
    }
    Ok(bytes)
}

/// For each duplicate to make, the report (its place among the `n`) it copies: drawn from a
/// generator of its own, so that the reports do not change when duplicates are asked for.
fn duplicate_plan(n: usize, count: usize, seed: u64) -> Vec<usize> {
    if n == 0 {
        return Vec::new();
    }
    let mut rng = Rng::new(seed ^ 0xD0B1_1CA7_E5D0_C5ED);
    (0..count).map(|_| rng.below(n)).collect()
}

/// How a duplicate is made, by its number: the same bytes under another name, the page saved as
/// HTML inside a site's chrome, or a re-crawl with a site's header and footer lines.
pub const DUPLICATE_KINDS: [&str; 3] = ["copy", "html", "recrawl"];

/// Duplicate number `d` of `report`: its file name and bytes.
pub fn duplicate(report: &Synthetic, d: usize) -> (String, String) {
    let stem = report.file.trim_end_matches(".txt");
    let kind = DUPLICATE_KINDS[d % DUPLICATE_KINDS.len()];
    let title = report.text.lines().next().unwrap_or_default();
    match kind {
        "copy" => (format!("dup{d:05}_{stem}.txt"), report.text.clone()),
        "html" => {
            let mut html = format!(
                "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{title}</title></head>\n\
                 <body><div class=\"nav\"><a href=\"/\">首页</a> <a href=\"/zwgk\">政务公开</a> \
                 <a href=\"/zcwj\">政策文件</a> <a href=\"/hdjl\">互动交流</a></div>\n\
                 <div class=\"article\">\n"
            );
            for line in report.text.lines().filter(|l| !l.trim().is_empty()) {
                html.push_str(&format!("<p>{line}</p>\n"));
            }
            html.push_str(
                "</div>\n<div class=\"footer\"><p>主办单位：人民政府办公室</p>\
                 <p>网站标识码：1234567890</p></div>\n</body></html>\n",
            );
            (format!("dup{d:05}_{stem}.html"), html)
        }
        _ => (
            format!("dup{d:05}_{stem}.txt"),
            format!(
                "来源：政府门户网站\n发布时间：2024-0{}-1{} 09:30\n浏览次数：{}\n{}\n【打印本页】【关闭窗口】\n",
                1 + d % 9,
                d % 10,
                100 + d * 7,
                report.text.trim_end()
            ),
        ),
    }
}

/// `n` synthetic reports for `seed`, made from `pool`.
pub fn corpus(
    pool: &SectionPool,
    n: usize,
    seed: u64,
) -> crate::Result<impl Iterator<Item = (String, String)> + '_> {
    Ok(corpus_with_truth(pool, n, seed)?.map(|s| (s.file, s.text)))
}

/// `n` synthetic reports for `seed`, made from `pool`, with where their passages came from.
pub fn corpus_with_truth(
    pool: &SectionPool,
    n: usize,
    seed: u64,
) -> crate::Result<impl Iterator<Item = Synthetic> + '_> {
    if !pool.is_usable() {
        return Err(crate::Error::Usage(
            "the source reports lack sections of some part (overview, measures, shortcomings or plans)".into()));
    }
    let ids = source_ids(pool);
    let mut rng = Rng::new(seed);
    Ok((0..n).map(move |i| report(pool, &ids, i, &mut rng)))
}

/// How a detection did against the truth, counted in pairs (precision and recall).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pairs {
    /// Pairs the truth holds.
    pub truth: usize,
    /// Pairs the detection found.
    pub found: usize,
    /// Pairs found that the truth holds.
    pub right: usize,
}

impl Pairs {
    /// The share of the pairs found that are true (0 when none is found).
    pub fn precision(&self) -> f64 {
        self.right as f64 / self.found.max(1) as f64
    }

    /// The share of the true pairs that are found (0 when the truth has none).
    pub fn recall(&self) -> f64 {
        self.right as f64 / self.truth.max(1) as f64
    }
}

/// Copy detection ([`crate::copies`]) measured against a generated corpus's ground truth
/// ([`generate_with`] with [`Options::truth`]): see [`measure_copies`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CopiesMeasured {
    /// Files in the corpus (reports and their duplicates).
    pub files: usize,
    /// Reports the truth names passages of (the files that are not duplicates).
    pub reports: usize,
    /// Their sections with a fingerprint (long enough to have one).
    pub sections: usize,
    /// Copied sections: pairs of (a report's section, another report holding a copy of it).
    pub copied: Pairs,
    /// Duplicate reports: pairs of files of one report.
    pub duplicates: Pairs,
}

/// What a section of a generated report is a copy of: its pool passage (numbered) and which of
/// that passage's sections it is (1 for the first).
type TruthKey = (u32, usize);

/// A file of a generated corpus, parsed as the index parses it.
struct Parsed {
    name: String,
    /// Its sections' (line, text), in order.
    sections: Vec<(usize, String)>,
    identity: crate::copies::Identity,
}

fn parse_file(path: &std::path::Path) -> crate::Result<Parsed> {
    use crate::ingest::{self, FileFormat};
    let format = match path.extension().and_then(|e| e.to_str()) {
        Some("html") => FileFormat::Html,
        _ => FileFormat::Text,
    };
    let bytes = std::fs::read(path).map_err(|source| crate::Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let extracted = ingest::extract_format(format, &bytes)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let r = report::parse(&name, &extracted.text, &Hints::default());
    let m = &r.meta;
    let identity = crate::copies::Identity::new(
        m.year,
        [
            m.town.as_deref(),
            m.county.as_deref(),
            m.province.as_deref(),
        ],
    );
    let sections = r.sections.into_iter().map(|s| (s.line, s.text)).collect();
    Ok(Parsed {
        name,
        sections,
        identity,
    })
}

/// `f` of each of `items`, in order, on as many threads as the machine has.
fn on_threads<T: Sync, U: Send>(items: &[T], f: impl Fn(&T) -> U + Sync) -> Vec<U> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = items.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| scope.spawn(|| part.iter().map(&f).collect::<Vec<U>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a measuring thread panicked"))
            .collect()
    })
}

/// A truth file's rows after its header, split at tabs, each of `columns` cells.
fn truth_rows(path: &std::path::Path, columns: usize) -> crate::Result<Vec<Vec<String>>> {
    let text = std::fs::read_to_string(path).map_err(|source| crate::Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    text.lines()
        .enumerate()
        .skip(1)
        .map(|(i, l)| {
            let row: Vec<String> = l.split('\t').map(str::to_string).collect();
            if row.len() != columns {
                return Err(crate::Error::BadInput {
                    path: path.to_path_buf(),
                    reason: crate::error::Text::plain(format!(
                        "line {}: {} cells, not {columns}",
                        i + 1,
                        row.len()
                    )),
                });
            }
            Ok(row)
        })
        .collect()
}

/// Precision and recall of both copy detections on the corpus in `corpus`, against the truth
/// [`generate_with`] wrote into `truth`, each file parsed as the index parses it.
///
/// Copied sections: each fingerprinted section of a report (not a duplicate) is the nth section
/// of a pool passage; the truth for it is every other report holding the nth section of the
/// same pool passage, and what is found is every other report with a section sharing a band key
/// with it ([`crate::copies::PassageTable`], what the index's band postings do). The duplicates
/// are left out: their sections are copies of their original's by construction, and are
/// measured as whole reports. Duplicate reports: the pairs of files of one group, found by
/// [`crate::copies::duplicate_groups`] against `duplicates.tsv`. Pairs are counted, never held,
/// so that 20,000 reports (a template passage in a thousand of them) fit in memory.
pub fn measure_copies(
    corpus: &std::path::Path,
    truth: &std::path::Path,
) -> crate::Result<CopiesMeasured> {
    use crate::copies::{self, PassageTable, ReportSketch};
    use std::collections::HashMap;

    let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(corpus)
        .map_err(|source| crate::Error::Read {
            path: corpus.to_path_buf(),
            source,
        })?
        .flatten()
        .map(|e| e.path())
        .collect();
    paths.sort();
    let files: Vec<Parsed> = on_threads(&paths, |p| parse_file(p))
        .into_iter()
        .collect::<crate::Result<_>>()?;

    // Each report's passages (line, last line, source number).
    let mut sources: HashMap<String, u32> = HashMap::new();
    let mut copied: HashMap<String, Vec<(usize, usize, u32)>> = HashMap::new();
    for row in truth_rows(&truth.join("copies.tsv"), 4)? {
        let bad = |what: &str| crate::Error::BadInput {
            path: truth.join("copies.tsv"),
            reason: crate::error::Text::plain(format!("{what} is not a number: {row:?}")),
        };
        let line = row[1].parse().map_err(|_| bad("line"))?;
        let last = row[2].parse().map_err(|_| bad("last_line"))?;
        let next = sources.len() as u32;
        let source = *sources.entry(row[3].clone()).or_insert(next);
        copied
            .entry(row[0].clone())
            .or_default()
            .push((line, last, source));
    }

    // The sections of the reports: their report, truth key (source, nth) and band keys.
    let originals: Vec<&Parsed> = files
        .iter()
        .filter(|f| copied.contains_key(&f.name))
        .collect();
    let keyed: Vec<Vec<(TruthKey, [u64; copies::BANDS])>> = on_threads(&originals, |f| {
        let units = &copied[&f.name];
        let mut nth: HashMap<usize, usize> = HashMap::new();
        let mut out = Vec::new();
        for (line, text) in &f.sections {
            let Some(u) = units
                .iter()
                .position(|(l, last, _)| l <= line && line <= last)
            else {
                continue;
            };
            let k = nth.entry(u).or_default();
            *k += 1;
            if let Some(bands) = copies::passage_bands(text) {
                out.push(((units[u].2, *k), bands));
            }
        }
        out
    });
    let mut table = PassageTable::default();
    let mut passages: Vec<(usize, TruthKey, [u64; copies::BANDS])> = Vec::new();
    let mut holders: HashMap<TruthKey, Vec<usize>> = HashMap::new();
    for (report, sections) in keyed.into_iter().enumerate() {
        for (key, bands) in sections {
            table.add(passages.len(), &bands);
            holders.entry(key).or_default().push(report);
            passages.push((report, key, bands));
        }
    }
    for reports in holders.values_mut() {
        reports.dedup();
    }
    // Copies share their band keys (their copy texts are alike): the reports near each set of
    // keys are found once, and compared with the truth once for each source that has it.
    // A section is near itself, and its report holds its source: both counts include its own
    // report, which is not a pair.
    let mut alike: HashMap<&[u64; copies::BANDS], HashMap<TruthKey, usize>> = HashMap::new();
    for (_, key, bands) in &passages {
        *alike.entry(bands).or_default().entry(*key).or_default() += 1;
    }
    let alike: Vec<_> = alike.into_iter().collect();
    let counted = on_threads(&alike, |(bands, keys)| {
        let mut near: Vec<usize> = table
            .near(bands)
            .into_iter()
            .map(|j| passages[j].0)
            .collect();
        near.sort_unstable();
        near.dedup();
        let mut sum = Pairs::default();
        for (key, &sections) in keys {
            let truth = &holders[key];
            let right = near
                .iter()
                .filter(|r| truth.binary_search(r).is_ok())
                .count();
            sum.truth += sections * (truth.len() - 1);
            sum.found += sections * (near.len() - 1);
            sum.right += sections * (right - 1);
        }
        sum
    });
    let copied_pairs = counted.iter().fold(Pairs::default(), |a, p| Pairs {
        truth: a.truth + p.truth,
        found: a.found + p.found,
        right: a.right + p.right,
    });

    // Duplicate reports: pairs of files in one group.
    let sketches: Vec<ReportSketch> = on_threads(&files, |f| {
        ReportSketch::of(f.sections.iter().map(|(_, t)| t.as_str()))
    });
    let identities: Vec<copies::Identity> = files.iter().map(|f| f.identity).collect();
    let pairs = |groups: &[Vec<usize>]| -> std::collections::HashSet<(usize, usize)> {
        let mut out = std::collections::HashSet::new();
        for group in groups {
            for (k, &a) in group.iter().enumerate() {
                for &b in &group[k + 1..] {
                    out.insert((a.min(b), a.max(b)));
                }
            }
        }
        out
    };
    let found = pairs(&copies::duplicate_groups(&sketches, &identities));
    let place: HashMap<&str, usize> = files
        .iter()
        .enumerate()
        .map(|(i, f)| (f.name.as_str(), i))
        .collect();
    let mut groups: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    for row in truth_rows(&truth.join("duplicates.tsv"), 2)? {
        if let Some(&i) = place.get(row[1].as_str()) {
            groups.entry(row[0].clone()).or_default().push(i);
        }
    }
    let true_pairs = pairs(&groups.into_values().collect::<Vec<_>>());
    Ok(CopiesMeasured {
        files: files.len(),
        reports: originals.len(),
        sections: passages.len(),
        copied: copied_pairs,
        duplicates: Pairs {
            truth: true_pairs.len(),
            found: found.len(),
            right: found.intersection(&true_pairs).count(),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "保安镇2023年法治政府建设年度报告\n2023年，保安镇在大冶市委领导下坚持依法行政，全面推进法治政府建设，法治建设迈出新步伐，取得明显成效，群众满意度持续提升。\n一、工作开展情况\n（一）强化组织领导。成立领导小组，召开会议12次。\n（二）加强普法宣传。开展活动23场次。\n二、存在的不足\n（一）执法力量不足，人员偏少。\n三、党政主要负责人履行推进法治建设第一责任人职责情况\n（一）主要负责人带头学法。\n四、下一步打算\n（一）加强学习培训工作。\n";

    fn pool() -> SectionPool {
        SectionPool::from_texts(&[("a.txt".into(), SOURCE.into())])
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
    fn the_truth_names_each_passage_lines_and_duplicates_leave_the_reports_alone() {
        let pool = pool();
        for s in corpus_with_truth(&pool, 30, 2).expect("usable") {
            let lines: Vec<&str> = s.text.lines().collect();
            assert_eq!(s.copied[0].line, 1, "the overview is read with the title");
            for c in &s.copied[1..] {
                assert!(c.line <= c.last_line && c.last_line <= lines.len(), "{c:?}");
                assert!(lines[c.line - 1].starts_with('（'), "{c:?}: {}", s.text);
            }
            let parts: Vec<&str> = s.copied.iter().map(|c| c.source.as_str()).collect();
            assert!(parts.iter().all(|p| p.contains('/')), "{parts:?}");
        }
        let dir = tempfile::tempdir().expect("temp dir");
        let source = dir.path().join("source");
        std::fs::create_dir_all(&source).expect("source");
        std::fs::write(source.join("a.txt"), SOURCE).expect("write");
        let (plain, with) = (dir.path().join("plain"), dir.path().join("with"));
        generate(&source, &plain, 12, 3).expect("plain");
        let options = Options {
            duplicates: 6,
            truth: Some(dir.path().join("truth")),
        };
        generate_with(&source, &with, 12, 3, &options).expect("with duplicates");
        let names = |d: &std::path::Path| -> Vec<String> {
            let mut n: Vec<String> = std::fs::read_dir(d)
                .expect("dir")
                .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
                .collect();
            n.sort();
            n
        };
        let (a, b) = (names(&plain), names(&with));
        assert_eq!(b.len(), a.len() + 6);
        for name in &a {
            assert_eq!(
                std::fs::read(plain.join(name)).expect("plain"),
                std::fs::read(with.join(name)).expect("with"),
                "{name} is the same file"
            );
        }
        let groups = std::fs::read_to_string(dir.path().join("truth/duplicates.tsv"))
            .expect("duplicates.tsv");
        for name in b.iter().filter(|n| n.starts_with("dup")) {
            assert!(groups.contains(&format!("\t{name}\n")), "{name}: {groups}");
        }
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
