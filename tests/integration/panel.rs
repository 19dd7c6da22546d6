//! The panel (`fazhi-query panel CODEBOOK`): its counts are the search's and `stats`' for the
//! same queries and filters (a property test over random codebooks, on the staged index of
//! many segments with changed and removed reports); a balanced panel has every unit × every
//! year; occurrences are kwic's lines; the outputs (CSV with and without provenance, JSON
//! Lines, XLSX with its three sheets) hold the panel; a bad codebook is refused with its line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use fazhi_search::export::kwic::{self, KwicSort};
use fazhi_search::search::{Codebook, FacetKey, Measure, Panel, PanelRequest, StatsRequest};
use fazhi_search::{Filters, SearchRequest};
use proptest::prelude::*;
use tempfile::TempDir;

use crate::facets::staged;
use crate::util::{run, stderr};

/// Terms the random codebooks are made of: common, rare, absent (the bench's and the facet
/// tests' words).
const WORDS: [&str; 8] = [
    "法律顾问",
    "普法",
    "依法治",
    "法治",
    "培训",
    "行政执法",
    "合同",
    "不存在的词语",
];

/// A codebook's text from (name, query, types) rows.
fn codebook_text(rows: &[(String, String, String)]) -> String {
    let mut text = String::from("name\tquery\ttypes\tdescription\n");
    for (name, query, types) in rows {
        text.push_str(&format!("{name}\t{query}\t{types}\t\n"));
    }
    text
}

fn codebook(rows: &[(String, String, String)]) -> Codebook {
    Codebook::parse(&codebook_text(rows), Path::new("random.tsv")).expect("a codebook")
}

fn panel(book: Codebook, filters: &Filters, measure: Measure, by: &[&str]) -> Panel {
    let request = PanelRequest {
        codebook: book,
        filters: filters.clone(),
        measure,
        by: by
            .iter()
            .map(|n| FacetKey::named(n).expect("a facet"))
            .collect(),
    };
    fazhi_search::export::panel::compute(&staged().engine, &request).expect("a panel")
}

/// A random concept: a query of one word, two with OR, one without another; sometimes in one
/// or two section types.
fn random_concept() -> impl Strategy<Value = (String, String)> {
    let word = proptest::sample::select(WORDS.to_vec());
    let query = prop_oneof![
        word.clone().prop_map(String::from),
        (word.clone(), word.clone()).prop_map(|(a, b)| format!("{a} OR {b}")),
        (word.clone(), word).prop_map(|(a, b)| format!("{a} -{b}")),
    ];
    let types = prop_oneof![
        Just(String::new()),
        Just("shortcomings".to_string()),
        Just("存在的不足, measures".to_string()),
    ];
    (query, types)
}

/// Random filters: (facet, index of one of its values); the year a range from one of them.
fn random_filters() -> impl Strategy<Value = Vec<(&'static str, usize)>> {
    let facet = proptest::sample::select(vec!["province", "year", "section_type", "level"]);
    proptest::collection::vec((facet, 0..50usize), 0..3)
}

/// The filters for random picks, and the section types among them.
fn filters_of(picks: &[(&'static str, usize)]) -> (Filters, Vec<(&'static str, String)>) {
    let everything = staged()
        .engine
        .search(&SearchRequest {
            query: fazhi_search::Query::Text("法".into()),
            filters: Filters::default(),
            limit: Some(0),
            facet_limit: None,
        })
        .expect("search");
    let mut pairs = Vec::new();
    for &(name, i) in picks {
        let values = &everything.facets[name];
        let value = &values[i % values.len()].value;
        let value = if name == "year" {
            format!("{value}..")
        } else {
            value.clone()
        };
        pairs.push((name, value));
    }
    let mut filters = Filters::default();
    for (name, value) in &pairs {
        filters = filters.with(name, value).expect("a value the index has");
    }
    (filters, pairs)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// One counting engine: each concept's counts over the panel's reports are the search's
    /// totals (sections, reports) for its query under the filters and its section types, and
    /// added up by province and year they are `stats --by province,year`'s groups; the panel's
    /// reports are the population `stats` counts.
    #[test]
    fn panel_counts_are_the_search_and_stats_counts(
        concepts in proptest::collection::vec(random_concept(), 1..5),
        picks in random_filters(),
    ) {
        let engine = &staged().engine;
        let rows: Vec<(String, String, String)> = concepts
            .iter()
            .enumerate()
            .map(|(i, (q, t))| (format!("c{i}"), q.clone(), t.clone()))
            .collect();
        let book = codebook(&rows);
        let (filters, pairs) = filters_of(&picks);
        let by_report = panel(book.clone(), &filters, Measure::Sections, &[]);
        let by_place = panel(book.clone(), &filters, Measure::Sections, &["province", "year"]);
        let totals = by_report.totals();
        for (c, concept) in book.concepts.iter().enumerate() {
            // The concept's section types within the filter's: the search's filters.
            let filtered: Vec<String> = pairs
                .iter()
                .filter(|(n, _)| *n == "section_type")
                .map(|(_, v)| v.clone())
                .collect();
            let types: Vec<String> = concept.types.iter().map(|t| t.as_str().to_string()).collect();
            let wanted: Vec<String> = match (filtered.is_empty(), types.is_empty()) {
                (true, _) => types.clone(),
                (false, true) => filtered.clone(),
                (false, false) => filtered.iter().filter(|t| types.contains(t)).cloned().collect(),
            };
            let empty = !filtered.is_empty() && !types.is_empty() && wanted.is_empty();
            let mut search_filters = Filters::default();
            for (name, value) in pairs.iter().filter(|(n, _)| *n != "section_type") {
                search_filters = search_filters.with(name, value).expect("a filter");
            }
            for t in &wanted {
                search_filters = search_filters.with("type", t).expect("a type");
            }
            let found = engine
                .search(&SearchRequest {
                    query: concept.parsed.clone(),
                    filters: search_filters.clone(),
                    limit: Some(0),
                    facet_limit: Some(0),
                })
                .expect("search");
            let (sections, reports) = if empty { (0, 0) } else { (found.total_sections, found.total_reports) };
            prop_assert_eq!(totals[c].value as usize, sections, "{} in {}", concept.query, filters.describe());
            prop_assert_eq!(totals[c].matching_reports, reports, "{} in {}", concept.query, filters.describe());
            if empty {
                continue;
            }
            let stats = engine
                .stats(&StatsRequest {
                    queries: vec![(concept.query.clone(), concept.parsed.clone())],
                    filters: search_filters,
                    by: vec![FacetKey::named("province").expect("province"), FacetKey::named("year").expect("year")],
                })
                .expect("stats");
            let by_stats: BTreeMap<(String, String), usize> = stats
                .rows
                .iter()
                .filter(|r| r.matching_sections > 0 && r.group.iter().all(|g| !g.is_empty()))
                .map(|r| ((r.group[0].clone(), r.group[1].clone()), r.matching_sections))
                .collect();
            let by_units: BTreeMap<(String, String), usize> = by_place
                .units
                .iter()
                .filter_map(|u| {
                    let v = u.values.as_ref()?[c];
                    (v > 0).then(|| ((u.key[0].clone(), u.key[1].clone()), v as usize))
                })
                .collect();
            prop_assert_eq!(by_units, by_stats, "{} by province, year in {}", concept.query, filters.describe());
        }
        // The reports: stats' population under the same filters.
        let population = engine
            .stats(&StatsRequest {
                queries: vec![(String::new(), fazhi_search::Query::All)],
                filters: filters.clone(),
                by: vec![FacetKey::named("year").expect("year")],
            })
            .expect("stats");
        prop_assert_eq!(by_report.reports.len(), population.totals[0].reports);
        let in_units: usize = by_place.units.iter().map(|u| u.reports).sum();
        prop_assert_eq!(in_units + by_place.left_out, by_report.reports.len());
    }
}

#[test]
fn a_balanced_panel_has_every_town_in_every_year() {
    let book = codebook(&[("法律顾问".into(), "法律顾问".into(), String::new())]);
    let by_report = panel(book.clone(), &Filters::default(), Measure::Sections, &[]);
    let balanced = panel(
        book,
        &Filters::default(),
        Measure::Sections,
        &["town", "year"],
    );
    // A town is told apart by its county and province.
    let towns: BTreeSet<(String, String, String)> = by_report
        .reports
        .iter()
        .filter(|r| r.meta.town.is_some() && r.meta.year.is_some())
        .map(|r| {
            let m = &r.meta;
            let text = |v: &Option<String>| v.clone().unwrap_or_default();
            (text(&m.town), text(&m.county), text(&m.province))
        })
        .collect();
    let years: Vec<u64> = by_report
        .reports
        .iter()
        .filter_map(|r| r.meta.year)
        .collect();
    let (first, last) = (
        *years.iter().min().expect("a year"),
        *years.iter().max().expect("a year"),
    );
    let span = (last - first + 1) as usize;
    assert!(
        towns.len() > 1 && span > 1,
        "{} towns, {span} years",
        towns.len()
    );
    assert_eq!(
        balanced.units.len(),
        towns.len() * span,
        "every town × every year"
    );
    let cells: BTreeSet<&Vec<String>> = balanced.units.iter().map(|u| &u.key).collect();
    assert_eq!(cells.len(), balanced.units.len(), "each cell once");
    let empty = balanced.units.iter().filter(|u| u.reports == 0).count();
    assert!(empty > 0, "some town published nothing in some year");
    for u in &balanced.units {
        assert_eq!(u.values.is_none(), u.reports == 0, "{:?}", u.key);
    }
    let counted: usize = balanced.units.iter().map(|u| u.reports).sum();
    let without_town = by_report
        .reports
        .iter()
        .filter(|r| r.meta.town.is_none() || r.meta.year.is_none())
        .count();
    assert_eq!(counted, by_report.reports.len() - without_town);
    assert_eq!(balanced.left_out, without_town);
    // Years run from the first to the last within each town, in order.
    let years_of_first: Vec<&str> = balanced.units[..span]
        .iter()
        .map(|u| u.key[3].as_str())
        .collect();
    let expected: Vec<String> = (first..=last).map(|y| y.to_string()).collect();
    assert_eq!(years_of_first, expected);
    // A closed year range is the panel's, also a year no report has.
    let filters = Filters::default()
        .with("year", &format!("{first}..{}", last + 2))
        .expect("a range");
    let wider = panel(
        codebook(&[("x".into(), "法治".into(), String::new())]),
        &filters,
        Measure::Sections,
        &["town", "year"],
    );
    assert_eq!(wider.units.len(), towns.len() * (span + 2));
}

#[test]
fn occurrences_are_the_lines_kwic_lists() {
    let engine = &staged().engine;
    for query in ["法律顾问", "法治 OR 依法", "普法 -培训"] {
        let book = codebook(&[("c".into(), query.into(), String::new())]);
        let counted = panel(book.clone(), &Filters::default(), Measure::Occurrences, &[]);
        let results = engine
            .search_sections(&SearchRequest {
                query: book.concepts[0].parsed.clone(),
                filters: Filters::default(),
                limit: None,
                facet_limit: Some(0),
            })
            .expect("search");
        let terms = book.concepts[0].terms();
        let lines = kwic::lines(&results.hits, &terms, 0, KwicSort::Town);
        let mut per_file: BTreeMap<String, u64> = BTreeMap::new();
        for line in &lines {
            *per_file.entry(line.meta.file.clone()).or_default() += 1;
        }
        let from_panel: BTreeMap<String, u64> = counted
            .reports
            .iter()
            .filter(|r| r.values[0] > 0)
            .map(|r| (r.meta.file.clone(), u64::from(r.values[0])))
            .collect();
        assert!(!lines.is_empty(), "{query}");
        assert_eq!(from_panel, per_file, "{query}");
    }
}

/// The staged index's folder, and a codebook file beside it.
fn files() -> (TempDir, String, String) {
    let dir = TempDir::new().expect("temp dir");
    let book = dir.path().join("codebook.tsv");
    std::fs::write(
        &book,
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/codebook.tsv"))
            .expect("docs/codebook.tsv"),
    )
    .expect("write");
    let index = staged().dirs.1.path().to_string_lossy().into_owned();
    (dir, book.to_string_lossy().into_owned(), index)
}

#[test]
fn the_csv_is_plain_unless_provenance_is_asked() {
    let (dir, book, index) = files();
    let plain = run(
        "fazhi-query",
        dir.path(),
        &["panel", &book, "--index", &index],
    );
    assert!(plain.status.success(), "{}", stderr(&plain));
    let text = String::from_utf8(plain.stdout).expect("UTF-8");
    let body = text.strip_prefix('\u{FEFF}').expect("a byte-order mark");
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(
        header[..3],
        ["文件", "报告标题", "乡镇街道"],
        "Chinese column names first"
    );
    assert_eq!(
        header[10..],
        ["法律顾问", "合法性审查", "行政复议", "执法不足"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let expected = panel(
        Codebook::read(Path::new(&book)).expect("codebook"),
        &Filters::default(),
        Measure::Sections,
        &[],
    );
    assert_eq!(rows.len(), expected.reports.len(), "a row per report");
    for (row, report) in rows.iter().zip(&expected.reports) {
        assert_eq!(&row[0], report.meta.file);
        let values: Vec<u32> = (10..14).map(|i| row[i].parse().expect("a count")).collect();
        assert_eq!(values, report.values, "{}", report.meta.file);
    }

    let traced = run(
        "fazhi-query",
        dir.path(),
        &[
            "panel",
            &book,
            "--index",
            &index,
            "--provenance",
            "--province",
            "河南",
        ],
    );
    assert!(traced.status.success(), "{}", stderr(&traced));
    let text = String::from_utf8(traced.stdout).expect("UTF-8");
    let first = text.lines().next().expect("a line");
    let fingerprint = staged().engine.fingerprint();
    for part in [
        "\u{FEFF}# fazhi-search ",
        fingerprint.as_str(),
        &format!("{} 份报告", expected.index.reports),
        "河南",
        "法律顾问 = 法律顾问 OR 公职律师",
        "执法不足 = 行政执法 [shortcomings]",
    ] {
        assert!(first.contains(part), "{part:?} in {first}");
    }
    assert!(text.lines().nth(1).expect("header").starts_with("文件,"));
}

#[test]
fn the_workbook_has_the_panel_the_codebook_and_the_summary() {
    use calamine::{Reader, Xlsx};
    let (dir, book, index) = files();
    let out = dir.path().join("panel.xlsx");
    let out_arg = out.to_string_lossy().into_owned();
    let ran = run(
        "fazhi-query",
        dir.path(),
        &[
            "panel",
            &book,
            "--index",
            &index,
            "--by",
            "town,year",
            "-o",
            &out_arg,
        ],
    );
    assert!(ran.status.success(), "{}", stderr(&ran));
    assert!(stderr(&ran).contains("写入"), "{}", stderr(&ran));
    let mut workbook: Xlsx<_> = calamine::open_workbook(&out).expect("a workbook");
    assert_eq!(workbook.sheet_names(), ["面板", "代码本", "概况"]);
    let expected = panel(
        Codebook::read(Path::new(&book)).expect("codebook"),
        &Filters::default(),
        Measure::Sections,
        &["town", "year"],
    );
    let sheet = workbook.worksheet_range("面板").expect("the panel");
    assert_eq!(
        sheet.height(),
        expected.units.len() + 1,
        "a header and a row per cell"
    );
    let header: Vec<String> = sheet
        .rows()
        .next()
        .expect("header")
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(header[..5], ["乡镇街道", "区县", "省份", "年份", "报告数"]);
    let codebook = workbook.worksheet_range("代码本").expect("the codebook");
    let cells: Vec<String> = codebook.rows().flatten().map(|c| c.to_string()).collect();
    for wanted in [
        "法律顾问 OR 公职律师",
        "存在的不足",
        staged().engine.fingerprint().as_str(),
        &expected.index.reports.to_string(),
    ] {
        assert!(
            cells.iter().any(|c| c == wanted),
            "{wanted:?} in the codebook sheet"
        );
    }
    let summary = workbook.worksheet_range("概况").expect("the summary");
    assert!(summary.height() > expected.codebook.concepts.len());
}

#[test]
fn json_lines_and_long_rows() {
    let (dir, book, index) = files();
    let wide = run(
        "fazhi-query",
        dir.path(),
        &["panel", &book, "--index", &index, "--format", "jsonl"],
    );
    assert!(wide.status.success(), "{}", stderr(&wide));
    let rows: Vec<serde_json::Value> = String::from_utf8(wide.stdout)
        .expect("UTF-8")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    let keys: Vec<&str> = rows[0]
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    assert!(keys.iter().all(|k| k.is_ascii()), "{keys:?}");
    assert!(rows[0]["concepts"]["法律顾问"].is_u64());
    let long = run(
        "fazhi-query",
        dir.path(),
        &[
            "panel", &book, "--index", &index, "--long", "--format", "csv",
        ],
    );
    assert!(long.status.success(), "{}", stderr(&long));
    let text = String::from_utf8(long.stdout).expect("UTF-8");
    assert_eq!(
        text.lines().count(),
        1 + 4 * rows.len(),
        "a row per report and concept"
    );
    assert!(text.lines().next().expect("header").ends_with(",概念,取值"));
}

#[test]
fn a_bad_codebook_is_refused_with_its_line() {
    let (dir, good, index) = files();
    let rows = [
        ("name\tquery\tweight\n", "第 1 行：未知的列“weight”"),
        (
            "name\tquery\n法律顾问\t法律顾问\nb\t(普法 OR\n",
            "第 3 行：检索式有误",
        ),
        (
            "name\tquery\ttypes\na\t普法\t不存在的部分\n",
            "第 2 行：未知的章节类型",
        ),
    ];
    for (text, expected) in rows {
        let book = dir.path().join("bad.tsv");
        std::fs::write(&book, text).expect("write");
        let book_arg = book.to_string_lossy().into_owned();
        let out = run(
            "fazhi-query",
            dir.path(),
            &["panel", &book_arg, "--index", &index],
        );
        assert_eq!(out.status.code(), Some(2), "{text:?}");
        let message = stderr(&out);
        assert!(
            message.contains("bad.tsv") && message.contains(expected),
            "{text:?}: {message}"
        );
    }
    let missing = run(
        "fazhi-query",
        dir.path(),
        &["panel", "nowhere.tsv", "--index", &index],
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("nowhere.tsv"),
        "{}",
        stderr(&missing)
    );
    let section_by = run(
        "fazhi-query",
        dir.path(),
        &["panel", &good, "--index", &index, "--by", "type"],
    );
    assert_eq!(section_by.status.code(), Some(2));
    assert!(
        stderr(&section_by).contains("section"),
        "{}",
        stderr(&section_by)
    );
}
