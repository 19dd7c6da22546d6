//! Reports from bodies that are not towns — a county government, its departments, a special
//! zone — placed in their county, city and province and given their level; found by
//! `--province` and `--level`, counted by `stats --by level` as the search's facet counts them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;
use tempfile::TempDir;

use crate::util::{corpus_dir, index, run, stderr, stdout, temp_corpus};

/// One paragraph every report shares, so that one query finds them all.
const SHARED: &str = "全面推行法律顾问制度，重大行政决策经合法性审查。";

/// The corpus: (file, text, expected level). The 后台乡 report is the bundled one.
fn reports() -> Vec<(String, String, &'static str)> {
    let body = |opening: &str, signature: &str| {
        format!(
            "{opening}\n一、主要举措\n（一）依法决策\n{SHARED}\n二、存在的问题\n基层力量薄弱。\n{signature}\n"
        )
    };
    let town = std::fs::read_to_string(corpus_dir().join("003_31921d5176bdc757.txt"))
        .expect("the bundled 后台乡 report");
    vec![
        (
            "henan/county.txt".into(),
            format!(
                "睢县人民政府2023年法治政府建设情况报告\n{}",
                body("2023年，我县坚持依法行政。", "睢县人民政府\n2024年1月20日")
            ),
            "county",
        ),
        (
            "henan/department.txt".into(),
            format!(
                "睢县司法局2023年法治政府建设工作总结\n{}",
                body(
                    "2023年，我局认真履职。",
                    "指导后台乡开展普法。\n睢县司法局\n2024年2月2日"
                )
            ),
            "department",
        ),
        // A city's department: placed by its city alone.
        (
            "henan/city.txt".into(),
            format!(
                "商丘市司法局关于2023年度法治政府建设情况的报告\n{}",
                body("2023年，市司法局扎实推进。", "商丘市司法局\n2024年1月5日")
            ),
            "department",
        ),
        (
            "henan/town.txt".into(),
            format!("{town}\n{SHARED}\n"),
            "town",
        ),
        (
            "tianjin/宁河区发展和改革委员会2022年法治政府建设年度报告.txt".into(),
            format!(
                "宁河区发展和改革委员会2022年法治政府建设年度报告\n{}",
                body(
                    "2022年，我委扎实推进。",
                    "宁河区发展和改革委员会\n2023年1月9日"
                )
            ),
            "department",
        ),
        // The title is only in the file name; the year from the signature (December).
        (
            "tianjin/宁河区2021年法治政府建设情况报告.txt".into(),
            body("我区坚持依法行政。", "天津市宁河区人民政府\n2021年12月30日"),
            "county",
        ),
        (
            "fujian/zone.txt".into(),
            format!(
                "平潭综合实验区2023年法治政府建设情况报告\n{}",
                body(
                    "2023年，实验区扎实推进。",
                    "平潭综合实验区管理委员会\n2024年3月1日"
                )
            ),
            "other",
        ),
    ]
}

struct Built {
    corpus: TempDir,
    /// The folder the binaries run in (index/ inside).
    dir: TempDir,
}

fn built() -> Built {
    let reports = reports();
    let files: Vec<(&str, &[u8])> = reports
        .iter()
        .map(|(f, t, _)| (f.as_str(), t.as_bytes()))
        .collect();
    let corpus = temp_corpus(&files);
    let dir = TempDir::new().expect("temp dir");
    index(corpus.path(), &dir.path().join("index"));
    Built { corpus, dir }
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--index", "index", "--format", "json"]);
    let out = run("fazhi-query", dir, &all);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        stderr(&out)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

/// The files of a search's hits, with the level each hit says.
fn hit_files(v: &Value) -> BTreeMap<String, String> {
    v["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|h| {
            (
                h["file"].as_str().expect("file").to_string(),
                h["level"]
                    .as_str()
                    .expect("every hit has a level")
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn reports_above_towns_are_found_by_province_and_level() {
    let b = built();
    let dir = b.dir.path();
    let expected: BTreeMap<String, String> = reports()
        .into_iter()
        .map(|(f, _, level)| (f, level.to_string()))
        .collect();
    let all = json(dir, &["search", "法律顾问", "--all"]);
    assert_eq!(hit_files(&all), expected, "every report, with its level");

    let henan = |files: &[&str]| -> BTreeMap<String, String> {
        files
            .iter()
            .map(|f| (f.to_string(), expected[*f].clone()))
            .collect()
    };
    // (filters, the reports found)
    let rows: [(&[&str], BTreeMap<String, String>); 6] = [
        (
            &["--province", "河南"],
            henan(&[
                "henan/county.txt",
                "henan/department.txt",
                "henan/city.txt",
                "henan/town.txt",
            ]),
        ),
        (
            &["--level", "department"],
            henan(&[
                "henan/department.txt",
                "henan/city.txt",
                "tianjin/宁河区发展和改革委员会2022年法治政府建设年度报告.txt",
            ]),
        ),
        (
            &["--province", "河南", "--level", "department"],
            henan(&["henan/department.txt", "henan/city.txt"]),
        ),
        (
            &["--level", "county", "--level", "other"],
            henan(&[
                "henan/county.txt",
                "tianjin/宁河区2021年法治政府建设情况报告.txt",
                "fujian/zone.txt",
            ]),
        ),
        (&["--province", "天津", "--level", "town"], BTreeMap::new()),
        (&["--city", "福州市"], henan(&["fujian/zone.txt"])),
    ];
    for (filters, want) in rows {
        let mut args = vec!["search", "法律顾问", "--all"];
        args.extend(filters);
        assert_eq!(hit_files(&json(dir, &args)), want, "{filters:?}");
    }

    // The file-name title gives the county and the year; the December signature agrees.
    let county = all["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .find(|h| h["file"] == "tianjin/宁河区2021年法治政府建设情况报告.txt")
        .expect("the title-less report");
    assert_eq!(
        [&county["county"], &county["province"], &county["year"]],
        [
            &Value::from("宁河区"),
            &Value::from("天津市"),
            &Value::from(2021)
        ]
    );
    // A county's department that names a town it served is placed in the county, not the town.
    let department = all["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .find(|h| h["file"] == "henan/department.txt")
        .expect("the department's report");
    assert_eq!(
        [
            &department["town"],
            &department["county"],
            &department["province"]
        ],
        [&Value::Null, &Value::from("睢县"), &Value::from("河南省")]
    );
    assert!(b.corpus.path().exists());
}

#[test]
fn stats_by_level_counts_what_the_search_facet_counts() {
    let b = built();
    let dir = b.dir.path();
    for filters in [
        &[][..],
        &["--province", "河南"][..],
        &["--year", "2023"][..],
    ] {
        let mut search = vec!["search", "法律顾问"];
        search.extend(filters);
        let found = json(dir, &search);
        let facet: BTreeMap<String, u64> = found["facets"]["level"]
            .as_array()
            .expect("facets.level")
            .iter()
            .map(|f| {
                (
                    f["value"].as_str().expect("value").into(),
                    f["count"].as_u64().expect("n"),
                )
            })
            .collect();
        assert!(!facet.is_empty(), "{filters:?}: a level facet");
        let mut stats = vec!["stats", "法律顾问", "--by", "level"];
        stats.extend(filters);
        let table = json(dir, &stats);
        let counted: BTreeMap<String, u64> = table["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .filter(|r| r["matching_sections"].as_u64() > Some(0))
            .map(|r| {
                (
                    r["group"][0].as_str().expect("group").into(),
                    r["matching_sections"].as_u64().expect("n"),
                )
            })
            .collect();
        assert_eq!(counted, facet, "{filters:?}");
        // Reports per level: the hits' levels, each report once.
        let mut reports: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut all = search.clone();
        all.push("--all");
        for (file, level) in hit_files(&json(dir, &all)) {
            reports.entry(level).or_default().insert(file);
        }
        let matching: BTreeMap<String, usize> = table["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .filter(|r| r["matching_reports"].as_u64() > Some(0))
            .map(|r| {
                (
                    r["group"][0].as_str().expect("group").into(),
                    r["matching_reports"].as_u64().expect("n") as usize,
                )
            })
            .collect();
        let by_hits: BTreeMap<String, usize> =
            reports.into_iter().map(|(l, f)| (l, f.len())).collect();
        assert_eq!(matching, by_hits, "{filters:?}");
    }

    // The text output lists the facet too, and a wrong level is refused with the choices.
    let text = run(
        "fazhi-query",
        dir,
        &["search", "法律顾问", "--index", "index", "--color", "never"],
    );
    assert!(stdout(&text).contains("发布主体："), "{}", stdout(&text));
    let bad = run(
        "fazhi-query",
        dir,
        &[
            "search",
            "法律顾问",
            "--index",
            "index",
            "--level",
            "village",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("乡镇（town）、县级（county）、部门（department）、其他（other）"),
        "{}",
        stderr(&bad)
    );
}
