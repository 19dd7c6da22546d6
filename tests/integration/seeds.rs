//! The five real reports of the bundled corpus: their section trees (snapshots), metadata,
//! section types, cleaning and facet counts.

use std::collections::HashMap;
use std::fmt::Write as _;

use fazhi_search::ingest::Hints;
use fazhi_search::report::{self, Report};
use fazhi_search::{Query, normalize};

use crate::util::{search_all, seed_files};

fn parse_seed(path: &std::path::Path) -> Report {
    let text = std::fs::read_to_string(path).expect("seed is UTF-8");
    let name = path
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    report::parse(&name, &text, &Hints::default())
}

fn section_tree(report: &Report) -> String {
    let mut out = String::new();
    for s in &report.sections {
        let opening: String = s
            .text
            .chars()
            .take(24)
            .collect::<String>()
            .replace('\n', "⏎");
        let path = if s.headings.is_empty() {
            "(preamble)".to_string()
        } else {
            s.headings.join(" / ")
        };
        let line = match s.nth_on_line {
            Some(nth) => format!("{}#{nth}", s.line),
            None => s.line.to_string(),
        };
        let _ = writeln!(
            out,
            "{line:>5} {:<12} {path}\n    {opening}",
            s.section_type.as_str()
        );
    }
    out
}

/// The section tree of each seed, compared with `tests/snapshots/<seed>.sections`. After a
/// deliberate change to the parser, regenerate with `UPDATE_SNAPSHOTS=1 cargo test` and review
/// the diff.
#[test]
fn section_trees_match_snapshots() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    for path in seed_files() {
        let tree = section_tree(&parse_seed(&path));
        let name = path
            .file_stem()
            .expect("stem")
            .to_string_lossy()
            .into_owned();
        let snapshot = dir.join(format!("{name}.sections"));
        if update {
            std::fs::write(&snapshot, &tree).expect("write snapshot");
            continue;
        }
        let expected = std::fs::read_to_string(&snapshot).unwrap_or_else(|_| {
            panic!(
                "missing {}: run UPDATE_SNAPSHOTS=1 cargo test",
                snapshot.display()
            )
        });
        assert_eq!(
            tree, expected,
            "section tree of {name} differs from its snapshot"
        );
    }
}

#[test]
fn metadata_of_each_seed() {
    type Row = (
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        &'static str,
        u64,
    );
    let rows: [Row; 5] = [
        ("000_", "北杨集镇", "沈丘县", "周口市", "河南省", 2023),
        ("001_", "保安镇", "大冶市", "黄石市", "湖北省", 2023),
        ("002_", "东棘坨镇", "宁河区", "天津市", "天津市", 2024),
        ("003_", "后台乡", "睢县", "商丘市", "河南省", 2023),
        ("004_", "上桥镇", "利通区", "吴忠市", "宁夏回族自治区", 2023),
    ];
    let seeds = seed_files();
    assert_eq!(seeds.len(), rows.len());
    for (path, (prefix, town, county, city, province, year)) in seeds.iter().zip(rows) {
        let r = parse_seed(path);
        assert!(
            r.meta.file.starts_with(prefix),
            "{} should be seed {prefix}",
            r.meta.file
        );
        let got = (
            r.meta.town.as_deref(),
            r.meta.county.as_deref(),
            r.meta.city.as_deref(),
            r.meta.province.as_deref(),
            r.meta.year,
        );
        assert_eq!(
            got,
            (
                Some(town),
                Some(county),
                Some(city),
                Some(province),
                Some(year)
            ),
            "place and year of {}",
            r.meta.file
        );
    }
}

#[test]
fn titles_issuers_and_dates() {
    let seeds = seed_files();
    let title = |i: usize| parse_seed(&seeds[i]).meta.title;
    assert_eq!(
        title(0).as_deref(),
        Some("北杨集镇人民政府关于2023年度法治政府建设情况的报告")
    );
    assert_eq!(
        title(3).as_deref(),
        Some("后台乡2023年度法治政府建设工作总结")
    );
    let r = parse_seed(&seeds[4]);
    assert_eq!(
        r.meta.title.as_deref(),
        Some("利通区上桥镇2023年法治政府建设情况报告")
    );
    assert_eq!(r.meta.issuer.as_deref(), Some("利通区上桥镇"));
    assert_eq!(r.meta.published.as_deref(), Some("2024-01-17"));
    assert_eq!(
        parse_seed(&seeds[0]).meta.issuer.as_deref(),
        Some("北杨集镇人民政府")
    );
    assert_eq!(
        parse_seed(&seeds[3]).meta.issuer,
        None,
        "no signature: unknown, not guessed"
    );
}

/// Known passages and the part of the report they belong to.
#[test]
fn section_types_of_known_passages() {
    let rows = [
        ("000_", "强化经费保障", "leadership"),
        ("000_", "纪委监督落实", "measures"),
        ("000_", "行政执法仍是薄弱环节", "shortcomings"),
        ("001_", "普法队伍建设不足", "shortcomings"),
        ("001_", "向社会公布大冶市保安镇人民政府", "overview"),
        ("002_", "执法人员偏少", "shortcomings"),
        ("002_", "切实加强党的集中统一领导", "plans"),
        ("003_", "孟庆云为法治政府建设第一责任人", "measures"),
        ("004_", "上桥镇坚持以习近平新时代", "overview"),
        ("004_", "持续深化思想认识", "plans"),
    ];
    for (file, phrase, section_type) in rows {
        let results = search_all(Query::Text(phrase.into()));
        let hits: Vec<_> = results
            .hits
            .iter()
            .filter(|h| h.meta.file.starts_with(file))
            .collect();
        // One section, or a point and the section its list of points follows: one paragraph.
        assert!(
            (1..=2).contains(&hits.len()),
            "{phrase:?} should be in one paragraph of {file}: {} hits",
            hits.len()
        );
        for hit in hits {
            assert_eq!(
                hit.section_type, section_type,
                "type of the section holding {phrase:?}"
            );
        }
    }
}

#[test]
fn broken_lines_are_rejoined_and_boilerplate_is_gone() {
    for phrase in ["年度考核重要指标", "对党委的重要事项"] {
        let results = search_all(Query::Text(phrase.into()));
        assert_eq!(
            results.total_reports, 1,
            "{phrase:?} is found across the broken line"
        );
    }
    for chrome in [
        "扫一扫在手机打开当前页",
        "ICP备",
        "网站标识码",
        "当前位置",
        "索引号",
        "附件下载",
    ] {
        assert_eq!(
            search_all(Query::Text(chrome.into())).total_sections,
            0,
            "site chrome {chrome:?} is not indexed"
        );
    }
}

/// Facet counts over all matches agree with counting the parsed reports directly.
#[test]
fn facet_counts_equal_direct_counts() {
    let reports: Vec<Report> = seed_files().iter().map(|p| parse_seed(p)).collect();
    for term in ["法律顾问", "普法", "依法治", "第一责任人"] {
        let needle = normalize(term);
        let mut by_year: HashMap<String, usize> = HashMap::new();
        let mut by_type: HashMap<String, usize> = HashMap::new();
        let mut by_province: HashMap<String, usize> = HashMap::new();
        let mut by_town: HashMap<String, usize> = HashMap::new();
        let mut sections = 0;
        let mut files = std::collections::HashSet::new();
        for r in &reports {
            for s in r
                .sections
                .iter()
                .filter(|s| normalize(s.visible()).contains(&needle))
            {
                sections += 1;
                files.insert(&r.meta.file);
                *by_year
                    .entry(r.meta.year.expect("seed year").to_string())
                    .or_default() += 1;
                *by_type.entry(s.section_type.to_string()).or_default() += 1;
                *by_province
                    .entry(r.meta.province.clone().expect("seed province"))
                    .or_default() += 1;
                *by_town
                    .entry(r.meta.town.clone().expect("seed town"))
                    .or_default() += 1;
            }
        }
        let results = search_all(Query::Text(term.into()));
        assert_eq!(results.total_sections, sections, "sections matching {term}");
        assert_eq!(
            results.total_reports,
            files.len(),
            "reports matching {term}"
        );
        let as_map = |facets: &[fazhi_search::search::FacetCount]| -> HashMap<String, usize> {
            facets.iter().map(|f| (f.value.clone(), f.count)).collect()
        };
        assert_eq!(
            as_map(&results.facets["year"]),
            by_year,
            "year facet of {term}"
        );
        assert_eq!(
            as_map(&results.facets["section_type"]),
            by_type,
            "type facet of {term}"
        );
        assert_eq!(
            as_map(&results.facets["province"]),
            by_province,
            "province facet of {term}"
        );
        assert_eq!(
            as_map(&results.facets["town"]),
            by_town,
            "town facet of {term}"
        );
    }
}
