//! The researcher's workflow: `stats` (checked against counting parsed reports by hand),
//! `kwic` (every occurrence, checked against substring search), spreadsheets (opened and read
//! back cell by cell) and charts, through the library and the binary.

use std::collections::{BTreeMap, HashSet};
use std::io::Read;
use std::path::Path;
use std::sync::OnceLock;

use calamine::{Data, Reader, Xlsx, open_workbook};
use fazhi_search::export::kwic::{self, KwicSort};
use fazhi_search::report::Report;
use fazhi_search::search::stats::town_label;
use fazhi_search::search::{Dimension, StatsRequest};
use fazhi_search::{Engine, Filters, SectionType, normalize, search};
use tempfile::TempDir;

use crate::util::{
    copy_seeds, corpus_dir, index, parse_corpus, run, search_all, seed_engine, stderr, stdout,
};

/// A synthetic corpus of many towns and years, its index, and its reports parsed again.
struct Synthetic {
    _dirs: (TempDir, TempDir),
    engine: Engine,
    reports: Vec<Report>,
}

fn synthetic() -> &'static Synthetic {
    static CORPUS: OnceLock<Synthetic> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let corpus = TempDir::new().expect("temp dir");
        let index_dir = TempDir::new().expect("temp dir");
        fazhi_search::synth::generate(&corpus_dir(), corpus.path(), 150, 11).expect("generate");
        index(corpus.path(), index_dir.path());
        let engine = Engine::open(index_dir.path()).expect("open");
        let reports = parse_corpus(corpus.path());
        Synthetic {
            _dirs: (corpus, index_dir),
            engine,
            reports,
        }
    })
}

/// (matching reports, reports, matching sections) per group, counted by hand.
type Counts = BTreeMap<Vec<String>, (usize, usize, usize)>;

fn value(report: &Report, section_type: SectionType, dim: Dimension) -> String {
    let m = &report.meta;
    let s = |v: &Option<String>| v.clone().unwrap_or_default();
    match dim.name() {
        "year" => m.year.map(|y| y.to_string()).unwrap_or_default(),
        "province" => s(&m.province),
        "city" => s(&m.city),
        "county" => s(&m.county),
        "town" => town_label(&s(&m.town), &s(&m.county)),
        "section_type" => section_type.as_str().to_string(),
        "level" => m.level.as_str().to_string(),
        "issuer" => s(&m.issuer),
        other => panic!("facet {other} has no oracle here: add one"),
    }
}

fn by_hand(reports: &[Report], term: &str, by: &[Dimension], province: Option<&str>) -> Counts {
    let needle = normalize(term);
    /// Per group: the matching reports, all reports, the matching sections.
    #[derive(Default)]
    struct Tally<'a>(HashSet<&'a str>, HashSet<&'a str>, usize);
    let mut reports_in: BTreeMap<Vec<String>, Tally> = BTreeMap::new();
    for r in reports {
        if province.is_some_and(|p| r.meta.province.as_deref() != Some(p)) {
            continue;
        }
        for s in &r.sections {
            let group: Vec<String> = by.iter().map(|d| value(r, s.section_type, *d)).collect();
            let entry = reports_in.entry(group).or_default();
            entry.1.insert(&r.meta.file);
            if normalize(s.visible()).contains(&needle) {
                entry.0.insert(&r.meta.file);
                entry.2 += 1;
            }
        }
    }
    reports_in
        .into_iter()
        .map(|(g, Tally(matching, all, sections))| (g, (matching.len(), all.len(), sections)))
        .collect()
}

#[test]
fn stats_equal_counting_the_parsed_reports_by_hand() {
    let s = synthetic();
    let dims = [
        "year",
        "province",
        "year,province",
        "section_type",
        "town",
        "county,section_type",
        "issuer",
        "level,issuer",
    ]
    .map(|by| Dimension::parse_list(by).expect("facets of the table"));
    for term in ["法律顾问", "普法", "依法治", "法", "不存在的词语"] {
        for by in &dims {
            for province in [None, Some("河南省")] {
                let request = StatsRequest {
                    queries: vec![(term.to_string(), search::parse(term).expect("query"))],
                    filters: province
                        .map_or(Ok(Filters::default()), |p| {
                            Filters::default().with("province", p)
                        })
                        .expect("a filter"),
                    by: by.to_vec(),
                };
                let table = s.engine.stats(&request).expect("stats");
                // By two facets, every pair of their values is a row: those with no report
                // (0 of 0) are the pairs the count by hand does not list.
                if by.len() == 2 {
                    let distinct = |i: usize| {
                        let values: std::collections::BTreeSet<&String> =
                            table.rows.iter().map(|r| &r.group[i]).collect();
                        values.len()
                    };
                    assert_eq!(table.rows.len(), distinct(0) * distinct(1), "{term} {by:?}");
                }
                let got: Counts = table
                    .rows
                    .iter()
                    .filter(|r| r.reports > 0)
                    .map(|r| {
                        (
                            r.group.clone(),
                            (r.matching_reports, r.reports, r.matching_sections),
                        )
                    })
                    .collect();
                let expected = by_hand(&s.reports, term, by, province);
                assert_eq!(got, expected, "{term} --by {by:?} --province {province:?}");
                for r in &table.rows {
                    if r.reports == 0 {
                        assert_eq!((r.matching_reports, r.share), (0, None), "0 of 0: {r:?}");
                        continue;
                    }
                    let share = r.matching_reports as f64 / r.reports as f64;
                    let got = r.share.expect("every listed group has reports");
                    assert!((got - share).abs() < 1e-12, "share of {r:?}");
                    assert_eq!(r.small_n, r.reports < 5, "small_n of {r:?}");
                }
            }
        }
    }
}

#[test]
fn compared_queries_get_a_row_each_per_group() {
    let s = synthetic();
    let queries = ["法律顾问", "公职律师 OR 法律顾问"];
    let request = StatsRequest {
        queries: queries
            .iter()
            .map(|q| (q.to_string(), search::parse(q).expect("query")))
            .collect(),
        filters: Filters::default(),
        by: Dimension::parse_list("year").expect("a facet"),
    };
    let table = s.engine.stats(&request).expect("stats");
    let years: Vec<&Vec<String>> = table
        .rows
        .iter()
        .filter(|r| r.query == queries[0])
        .map(|r| &r.group)
        .collect();
    assert!(years.len() > 3, "several years: {years:?}");
    for (a, b) in table
        .rows
        .iter()
        .filter(|r| r.query == queries[0])
        .zip(table.rows.iter().filter(|r| r.query == queries[1]))
    {
        assert_eq!(a.group, b.group);
        assert_eq!(a.reports, b.reports);
        assert!(
            a.matching_reports <= b.matching_reports,
            "OR finds more: {a:?} {b:?}"
        );
    }
    assert_eq!(table.totals.len(), 2);
    assert_eq!(table.totals[0].reports, s.reports.len());
}

#[test]
fn kwic_lists_every_occurrence_as_substring_search_counts_them() {
    for term in ["法律顾问", "普法", "法", "依法治"] {
        let results = search_all(search::parse(term).expect("query"));
        let lines = kwic::lines(&results.hits, &[term], 10, KwicSort::Town);
        let needle = normalize(term);
        let expected: usize = results
            .hits
            .iter()
            .map(|h| normalize(&h.text).matches(needle.as_str()).count())
            .sum();
        assert_eq!(lines.len(), expected, "occurrences of {term}");
        for l in &lines {
            assert_eq!(normalize(&l.keyword), needle, "{l:?}");
            assert!(l.left.chars().count() <= 10 && l.right.chars().count() <= 10);
        }
    }
    let results = search_all(search::parse("法律顾问").expect("query"));
    let lines = kwic::lines(&results.hits, &["法律顾问"], 10, KwicSort::Right);
    let rights: Vec<&str> = lines.iter().map(|l| l.right.as_str()).collect();
    assert!(rights.is_sorted(), "--sort right: {rights:?}");
}

fn sheet(path: &Path, name: &str) -> Vec<Vec<Data>> {
    let mut workbook: Xlsx<_> = open_workbook(path).expect("an XLSX file");
    let range = workbook.worksheet_range(name).expect("the worksheet");
    range.rows().map(|r| r.to_vec()).collect()
}

/// One part of the XLSX package, as text.
fn part(path: &Path, name: &str) -> String {
    let file = std::fs::File::open(path).expect("xlsx");
    let mut zip = zip::ZipArchive::new(file).expect("zip");
    let mut text = String::new();
    zip.by_name(name)
        .expect("part")
        .read_to_string(&mut text)
        .expect("UTF-8");
    text
}

fn text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        other => panic!("expected text, found {other:?}"),
    }
}

#[test]
fn search_hits_open_as_a_spreadsheet() {
    let workspace = workspace();
    let out = run(
        "fazhi-query",
        workspace.path(),
        &["法律顾问", "--all", "-o", "hits.xlsx"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let path = workspace.path().join("hits.xlsx");
    let rows = sheet(&path, "hits");
    let header: Vec<String> = rows[0].iter().map(text).collect();
    // Named in Chinese (the default), found by their JSON keys.
    let columns: Vec<String> = fazhi_search::export::record_columns(Default::default(), false)
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(header, columns);
    assert_eq!(header[0], "乡镇街道");
    assert_eq!(rows.len() - 1, 16, "every hit, one row each");
    let col = |name: &str| {
        fazhi_search::export::TABLE_COLUMNS
            .iter()
            .position(|(c, _)| *c == name)
            .expect(name)
    };
    for row in &rows[1..] {
        assert!(
            matches!(row[col("year")], Data::Float(y) if (2018.0..2026.0).contains(&y)),
            "the year is a number: {:?}",
            row[col("year")]
        );
        assert!(text(&row[col("passage")]).contains("法律顾问"));
        let citation = text(&row[col("citation")]);
        assert!(
            citation.ends_with("行。") || citation.ends_with("节。"),
            "{citation}"
        );
        let file = text(&row[col("file")]);
        assert!(file.ends_with(".txt"), "a plain path: {file}");
    }
    let worksheet = part(&path, "xl/worksheets/sheet1.xml");
    assert!(
        worksheet.contains(r#"ySplit="1""#),
        "the header row is frozen"
    );
    assert!(!worksheet.contains("hyperlink"), "no hyperlinks");
    assert!(worksheet.contains("<cols>"), "column widths are set");
    assert!(
        part(&path, "xl/styles.xml").contains(r#"wrapText="1""#),
        "passages wrap"
    );
}

#[test]
fn stats_kwic_and_charts_from_the_command_line() {
    let workspace = workspace();
    let dir = workspace.path();
    // The first command indexes the corpus; the rest reuse the index.
    let out = run(
        "fazhi-query",
        dir,
        &["stats", "法律顾问", "--by", "year", "--format", "csv"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let csv = stdout(&out);
    let lines: Vec<&str> = csv.trim_start_matches('\u{FEFF}').lines().collect();
    assert_eq!(
        lines,
        [
            "年份,提及报告数,报告数 n,占比,样本过少,匹配章节数",
            "2023,4,4,1.0000,true,15",
            "2024,1,1,1.0000,true,1",
            // The totals, as the text table ends with them.
            "全部,5,5,1.0000,false,16"
        ]
    );

    let out = run(
        "fazhi-query",
        dir,
        &[
            "stats",
            "--compare",
            "法律顾问",
            "公职律师",
            "--by",
            "province",
            "-o",
            "stats.xlsx",
            "--chart",
            "stats.svg",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = sheet(&dir.join("stats.xlsx"), "stats");
    assert_eq!(text(&rows[0][0]), "检索式");
    assert_eq!(
        rows.len() - 1,
        2 * 4 + 2,
        "two queries × four provinces, and a total per query"
    );
    assert_eq!(
        text(&rows[rows.len() - 1][1]),
        "全部",
        "the totals come last"
    );
    assert!(
        rows[1..]
            .iter()
            .all(|r| matches!(r[4], Data::Float(s) if (0.0..=1.0).contains(&s))),
        "shares are numbers"
    );
    let svg = std::fs::read_to_string(dir.join("stats.svg")).expect("chart");
    for label in ["法律顾问", "公职律师", "河南省", "全部报告"] {
        assert!(svg.contains(label), "the chart shows {label}");
    }
    assert_eq!(
        text(&rows[0][5]),
        "样本过少",
        "the spreadsheet flags small groups"
    );

    // A filtered chart names its filters; every group here has fewer than 5 reports, so every
    // point is hollow and says its n.
    let out = run(
        "fazhi-query",
        dir,
        &[
            "stats",
            "法律顾问",
            "--by",
            "year",
            "--province",
            "河南省",
            "--chart",
            "henan.svg",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let svg = std::fs::read_to_string(dir.join("henan.svg")).expect("chart");
    assert!(
        svg.contains("“法律顾问” · 河南省 · 提及率（按年份）"),
        "the title names query and filter: {svg}"
    );
    let document = resvg::usvg::roxmltree::Document::parse(&svg).expect("the SVG is XML");
    let circles: Vec<(Option<&str>, Option<&str>)> = document
        .descendants()
        .filter(|n| n.has_tag_name("circle"))
        .map(|n| (n.attribute("fill"), n.attribute("stroke")))
        .collect();
    let hollow = circles
        .iter()
        .filter(|(fill, stroke)| *fill == Some("none") && stroke.is_some())
        .count();
    let filled_in_colour = circles
        .iter()
        .filter(|(fill, _)| fill.is_some_and(|f| f != "none" && !f.eq_ignore_ascii_case("#ffffff")))
        .count();
    assert!(
        hollow >= 2,
        "the points (and the legend's key) are hollow: {circles:?}"
    );
    assert_eq!(
        filled_in_colour, 1,
        "only the legend's line mark is filled: {circles:?}"
    );
    assert!(
        svg.contains("n=") && svg.contains("n &lt; 5"),
        "n is written: {svg}"
    );

    let out = run(
        "fazhi-query",
        dir,
        &["kwic", "法律顾问", "--format", "jsonl"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let occurrences = stdout(&out).lines().count();
    // A concordance counts each section's own text once (a section leading inline points
    // shows them in a search, not in a concordance).
    let request = fazhi_search::SearchRequest {
        query: search::parse("法律顾问").expect("query"),
        filters: Default::default(),
        limit: None,
        facet_limit: None,
    };
    let results = seed_engine().search_sections(&request).expect("search");
    assert_eq!(
        occurrences,
        kwic::lines(&results.hits, &["法律顾问"], 20, KwicSort::Town).len()
    );
    let out = run("fazhi-query", dir, &["kwic", "法律顾问", "-o", "kwic.xlsx"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = sheet(&dir.join("kwic.xlsx"), "kwic");
    assert_eq!(rows.len() - 1, occurrences);
    assert!(rows[1..].iter().all(|r| text(&r[1]) == "法律顾问"));

    let out = run(
        "fazhi-query",
        dir,
        &["stats", "法律顾问", "--by", "year", "--chart", "trend.png"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let png = std::fs::read(dir.join("trend.png")).expect("png");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG file");
}

#[test]
fn workflow_errors_and_empty_answers() {
    let workspace = workspace();
    let dir = workspace.path();
    let rows: [(&[&str], i32, &str); 6] = [
        (
            &["stats", "法律顾问", "--chart", "trend.gif"],
            2,
            "--chart trend.gif：请写 .svg 或 .png 文件",
        ),
        (
            &["stats", "法律顾问", "--by", "decade"],
            2,
            "不能按“decade”分组；可选：town（乡镇街道）、province（省份）、city（地市）、county（区县）、year（年份）",
        ),
        (&["stats", "--by", "year"], 2, "stats 需要检索词或筛选条件"),
        (
            &["kwic", "法律顾问", "--sort", "sideways"],
            2,
            "不能按“sideways”排序；可选：town、year",
        ),
        (&["stats", "不存在的词语"], 1, ""),
        (&["kwic", "不存在的词语"], 1, ""),
    ];
    for (args, code, message) in rows {
        let out = run("fazhi-query", dir, args);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(message), "{args:?}: {}", stderr(&out));
    }
    assert!(
        !dir.join("trend.gif").exists(),
        "nothing written for a bad chart name"
    );
}

#[test]
fn search_is_the_default_command() {
    let workspace = workspace();
    let dir = workspace.path();
    let plain = run("fazhi-query", dir, &["法律顾问", "--format", "jsonl"]);
    let named = run(
        "fazhi-query",
        dir,
        &["search", "法律顾问", "--format", "jsonl"],
    );
    assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
    assert_eq!(stdout(&plain), stdout(&named));
    let flags_first = run("fazhi-query", dir, &["--limit", "1", "法律顾问"]);
    assert_eq!(
        flags_first.status.code(),
        Some(0),
        "{}",
        stderr(&flags_first)
    );
}

/// A folder laid out like a checkout: `corpus/` with the seeds, no index yet.
fn workspace() -> TempDir {
    let dir = TempDir::new().expect("temp dir");
    copy_seeds(&dir.path().join("corpus"));
    dir
}
