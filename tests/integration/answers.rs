//! Answers that cannot mislead (issue 20): a filter value the index does not have, an output
//! file no writer matches, an export cut short, a search by filters alone, a mistyped --index,
//! a heading-only hit, and the small messages a new user reads first.

use std::path::Path;

use serde_json::Value;
use tempfile::TempDir;

use crate::serve::{Server, target, test_index};
use crate::util::{copy_seeds, hits_csv, run, seed_files, stderr, stdout};

/// A folder laid out like a checkout, with the seeds indexed in `index/`.
fn indexed_workspace() -> TempDir {
    let dir = TempDir::new().expect("temp dir");
    copy_seeds(&dir.path().join("corpus"));
    let out = run("fazhi-index", dir.path(), &["-q"]);
    assert_eq!(out.status.code(), Some(0), "fazhi-index: {}", stderr(&out));
    dir
}

/// Runs each row (the command line, the exit code, a fragment of standard output or error).
fn check_rows(dir: &Path, rows: &[(&[&str], i32, &str)]) {
    for &(args, code, fragment) in rows {
        let out = run("fazhi-query", dir, args);
        let said = format!("{}{}", stdout(&out), stderr(&out));
        assert_eq!(out.status.code(), Some(code), "{args:?}: {said}");
        assert!(
            said.contains(fragment),
            "{args:?} should say {fragment:?}: {said}"
        );
        assert!(!said.contains("panicked"), "{args:?}: {said}");
    }
}

#[test]
fn a_filter_value_the_index_does_not_have_is_an_error_naming_the_nearest() {
    let workspace = indexed_workspace();
    let rows: [(&[&str], i32, &str); 11] = [
        (
            &["法律顾问", "--province", "火星"],
            2,
            "--province “火星” 在索引中没有匹配的报告；索引中有：",
        ),
        (&["法律顾问", "--province", "北京"], 2, "湖北省"),
        (
            &["法律顾问", "--town", "和南"],
            2,
            "--town “和南” 在索引中没有匹配的报告",
        ),
        (&["法律顾问", "--county", "火星县"], 2, "--county “火星县”"),
        (&["法律顾问", "--year", "2030"], 2, "索引中有：2023、2024"),
        (&["法律顾问", "--year", "2030.."], 2, "--year “2030..”"),
        (
            &["法律顾问", "--level", "county"],
            2,
            "--level “县级（county）” 在索引中没有匹配的报告；索引中有：乡镇（town）",
        ),
        (&["法律顾问", "--region", "/河南/商丘市"], 2, "/河南省"),
        (
            &["stats", "法律顾问", "--province", "火星"],
            2,
            "--province “火星”",
        ),
        // A value the index has, with no match for this query: a real absence.
        (
            &["法律顾问", "--province", "湖北", "--year", "2024"],
            1,
            "0 份报告中有 0 个章节匹配“法律顾问”（筛选：湖北，2024）",
        ),
        (&["法律顾问", "--province", "河南"], 0, "（筛选：河南）"),
    ];
    check_rows(workspace.path(), &rows);
    let out = run(
        "fazhi-query",
        workspace.path(),
        &["法律顾问", "--province", "河南"],
    );
    let said = stderr(&out);
    assert!(said.is_empty(), "河南 finds 河南省 silently: {said}");
}

#[test]
fn a_section_type_the_index_does_not_have_is_an_error() {
    // 东棘坨镇's report alone has no section of type other.
    let workspace = TempDir::new().expect("temp dir");
    let dir = workspace.path();
    let corpus = dir.join("corpus");
    std::fs::create_dir(&corpus).expect("mkdir");
    let seed = seed_files()
        .into_iter()
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("002_"))
        })
        .expect("seed 002");
    std::fs::copy(&seed, corpus.join("002.txt")).expect("copy");
    let out = run("fazhi-index", dir, &["-q"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows: [(&[&str], i32, &str); 3] = [
        (
            &["--type", "other"],
            2,
            "--type “其他（other）” 在索引中没有匹配的报告；索引中有：第一责任人职责（leadership）、主要举措和成效（measures）",
        ),
        (
            &["法治", "--type", "shortcomings"],
            0,
            "（筛选：存在的不足）",
        ),
        (&["法治", "--province", "河南"], 2, "索引中有：天津市"),
    ];
    check_rows(dir, &rows);
}

#[test]
fn the_api_answers_400_naming_the_parameter() {
    let server = Server::start(test_index());
    let rows: [(&[(&str, &str)], &str); 3] = [
        (
            &[("q", "法律顾问"), ("province", "火星")],
            "province=“火星”",
        ),
        (&[("q", "法律顾问"), ("year", "2030")], "year=“2030”"),
        (
            &[("q", "法律顾问"), ("level", "county")],
            "level=“县级（county）”",
        ),
    ];
    for (params, says) in rows {
        let reply = server.get(&target("/api/search", params));
        assert_eq!(reply.status, 400, "{params:?}: {}", reply.text());
        let message = reply.json()["error"].as_str().unwrap_or("").to_string();
        assert!(message.contains(says), "{params:?}: {message}");
    }
}

#[test]
fn an_output_file_gets_the_format_its_name_promises_and_every_hit() {
    let workspace = indexed_workspace();
    let dir = workspace.path();
    let rows: [(&[&str], i32, &str); 5] = [
        (
            &[
                "法律顾问",
                "--province",
                "湖北",
                "--year",
                "2024",
                "-o",
                "none.csv",
            ],
            1,
            "已将 0 个匹配章节中的 0 个写入 none.csv（筛选：湖北，2024）",
        ),
        (
            &["法治", "-o", "hits.docx"],
            2,
            "hits.docx：search 不能写 .docx 文件",
        ),
        (&["法治", "-o", "hits.pdf"], 2, ".csv、.md、.xlsx"),
        (
            &["法治", "-o", "all.csv"],
            0,
            "已将 94 个匹配章节中的 94 个写入 all.csv",
        ),
        (
            &["法治", "-o", "five.csv", "--limit", "5"],
            0,
            "已将 94 个匹配章节中的 5 个写入 five.csv（受 --limit 5 限制",
        ),
    ];
    check_rows(dir, &rows);
    for refused in ["hits.docx", "hits.pdf"] {
        assert!(!dir.join(refused).exists(), "nothing written for {refused}");
    }
    let rows_in = |name: &str| hits_csv(&std::fs::read(dir.join(name)).expect("csv")).len();
    assert_eq!(rows_in("all.csv"), 94, "-o writes every match");
    assert_eq!(rows_in("five.csv"), 5, "--limit still limits");
    let out = run("fazhi-query", dir, &["法治", "--color", "never"]);
    assert!(
        stdout(&out).contains("（显示前 10 个；--limit N 或 --all 显示更多）"),
        "a terminal still shows a page: {}",
        stdout(&out)
    );
}

#[test]
fn rows_on_standard_output_say_when_they_are_only_the_first_page() {
    let workspace = indexed_workspace();
    let dir = workspace.path();
    let rows: [(&[&str], i32, &str); 4] = [
        (
            &["法治", "--format", "csv"],
            0,
            "只写出了 94 个匹配章节中的前 10 个（默认前 10 个）；加 --all 写出全部",
        ),
        (
            &["法治", "--format", "jsonl", "--limit", "3", "--lang", "en"],
            0,
            "printed only the first 3 of 94 matching sections (--limit 3)",
        ),
        (&["法治", "--format", "md"], 0, "前 10 个"),
        (
            &["法治", "--format", "csv", "--collapse", "--limit", "2"],
            0,
            "只写出了前 2 条不同段落（--limit 2，共 94 个匹配章节）",
        ),
    ];
    check_rows(dir, &rows);
    let csv = run("fazhi-query", dir, &["法治", "--format", "csv"]);
    assert_eq!(hits_csv(&csv.stdout).len(), 10, "the rows are still a page");
    for whole in [
        &["法治", "--format", "csv", "--all"][..],
        &["法治", "--limit", "3"],
    ] {
        let out = run("fazhi-query", dir, whole);
        assert!(
            !stderr(&out).contains("只写出了"),
            "{whole:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn an_output_file_inside_the_index_folder_is_refused_and_the_index_kept() {
    let workspace = indexed_workspace();
    let dir = workspace.path();
    let meta = std::fs::read(dir.join("index/meta.json")).expect("meta.json");
    let rows: [(&[&str], i32, &str); 3] = [
        (
            &["法治", "-o", "index/meta.json"],
            2,
            "不写 index/meta.json：它在索引文件夹 ./index 里",
        ),
        (
            &[
                "stats",
                "法治",
                "--by",
                "year",
                "-o",
                "./index/years.csv",
                "--lang",
                "en",
            ],
            2,
            "will not write ./index/years.csv: it is inside the index folder ./index",
        ),
        (&["法治", "--limit", "1"], 0, "法治"),
    ];
    check_rows(dir, &rows);
    assert_eq!(std::fs::read(dir.join("index/meta.json")).unwrap(), meta);
    assert!(!dir.join("index/years.csv").exists());
}

#[test]
fn filters_alone_list_every_section_that_passes_them_by_report_and_line() {
    let workspace = indexed_workspace();
    let dir = workspace.path();
    let rows: [(&[&str], i32, &str); 4] = [
        (
            &[
                "--type",
                "shortcomings",
                "--province",
                "河南",
                "--color",
                "never",
            ],
            0,
            "1 份报告中有 4 个章节符合筛选：河南，存在的不足",
        ),
        (
            &[
                "stats",
                "--by",
                "year",
                "--province",
                "河南",
                "--format",
                "csv",
            ],
            0,
            "2023,2,2,",
        ),
        (&["search"], 2, "请给出检索词、筛选条件或两者"),
        (&["stats", "--by", "year"], 2, "stats 需要检索词或筛选条件"),
    ];
    check_rows(dir, &rows);
    let out = run(
        "fazhi-query",
        dir,
        &["--type", "shortcomings", "--all", "--format", "json"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    let hits = v["hits"].as_array().expect("hits");
    assert_eq!(
        hits.len() as u64,
        v["total_sections"].as_u64().expect("total")
    );
    let places: Vec<(&str, u64)> = hits
        .iter()
        .map(|h| {
            (
                h["file"].as_str().unwrap_or(""),
                h["line"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    let mut seen: Vec<&str> = Vec::new();
    for pair in places.windows(2) {
        let ((file, line), (next, next_line)) = (pair[0], pair[1]);
        if file == next {
            assert!(
                line <= next_line,
                "lines in order within {file}: {places:?}"
            );
        } else {
            seen.push(file);
            assert!(!seen.contains(&next), "{next} comes in one run: {places:?}");
        }
    }
}

#[test]
fn an_explicit_index_is_never_built_from_the_corpus() {
    let workspace = TempDir::new().expect("temp dir");
    let dir = workspace.path();
    copy_seeds(&dir.join("corpus"));
    check_rows(dir, &[(&["--index", "indx", "法治"], 2, "indx 处没有索引")]);
    assert!(
        !dir.join("indx").exists(),
        "no index built at the mistyped path"
    );
    assert!(!dir.join("index").exists(), "nor at the default one");
}

#[test]
fn a_heading_only_hit_shows_what_it_heads() {
    let workspace = indexed_workspace();
    let out = run(
        "fazhi-query",
        workspace.path(),
        &["不足及原因", "--full", "--color", "never"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    // 002's 二、上一年度推进法治建设存在的不足及原因 has no text of its own.
    assert!(text.contains("（一）执法人员偏少"), "{text}");
    assert!(text.contains("（二）执法方式比较落后"), "{text}");
}

#[test]
fn a_concordance_lists_each_occurrence_once_under_a_heading_only_hit() {
    let workspace = indexed_workspace();
    let out = run(
        "fazhi-query",
        workspace.path(),
        &[
            "kwic",
            "法治",
            "--town",
            "东棘坨",
            "--width",
            "12",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let lines: Vec<Value> = serde_json::from_slice(&out.stdout).expect("json");
    let mut seen = std::collections::HashSet::new();
    for l in &lines {
        let key = (
            l["left"].to_string(),
            l["match"].to_string(),
            l["right"].to_string(),
        );
        assert!(seen.insert(key), "listed twice: {l}");
    }
    assert!(
        lines.iter().any(|l| l["right"]
            .as_str()
            .unwrap_or("")
            .starts_with("工作专业人才")),
        "the sub-section's own occurrence is listed"
    );
}

#[test]
fn the_first_messages_a_user_reads() {
    let workspace = indexed_workspace();
    let rows: [(&[&str], i32, &str); 6] = [
        (
            &["不足及原因", "--color", "never"],
            0,
            "1 份报告中有 1 个章节匹配“不足及原因”",
        ),
        (&["sats"], 2, "未知的命令“sats”；是否想用 stats？"),
        (&["kwik", "法治"], 2, "是否想用 kwic？"),
        (&["法治", "--color", "never"], 0, "5 份报告中有 94 个章节"),
        (&["kwic", "量子计算"], 1, "没有出现“量子计算”的地方"),
        (
            &["kwic", "量子计算", "--province", "河南"],
            1,
            "没有出现“量子计算”的地方（筛选：河南）",
        ),
    ];
    check_rows(workspace.path(), &rows);
    let empty = TempDir::new().expect("temp dir");
    check_rows(empty.path(), &[(&["法治"], 2, "./index 处没有索引")]);
}

#[test]
fn a_corpus_that_is_no_folder_of_reports_is_refused_before_anything_is_made() {
    let workspace = TempDir::new().expect("temp dir");
    let dir = workspace.path();
    std::fs::create_dir(dir.join("empty")).expect("mkdir");
    std::fs::write(dir.join("report.txt"), "报告").expect("write");
    let rows = [
        ("missing", "missing：没有这个文件夹"),
        ("report.txt", "report.txt：这是文件而不是文件夹"),
        ("empty", "empty：文件夹里没有文件"),
    ];
    for (corpus, says) in rows {
        let out = run("fazhi-index", dir, &["--corpus", corpus, "--index", "idx"]);
        let said = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{corpus}: {said}");
        assert!(said.contains(says), "{corpus}: {said}");
        assert_eq!(said.lines().count(), 1, "{corpus}: said once: {said}");
        assert!(
            !dir.join("idx").exists(),
            "{corpus}: no index folder left behind"
        );
    }
}

#[test]
fn a_negative_number_in_the_query_excludes_it_as_a_word_does() {
    // `法治 -2023` was refused as an unknown option `-2`, where `法治 -培训` excluded.
    let workspace = indexed_workspace();
    let sections = |args: &[&str]| {
        let out = run("fazhi-query", workspace.path(), args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        let json: Value = serde_json::from_str(&stdout(&out)).expect("json");
        json["total_sections"].as_u64().expect("a count")
    };
    let all = sections(&["法治", "--format", "json"]);
    let dash = sections(&["法治", "-2023", "--format", "json"]);
    assert_eq!(dash, sections(&["法治", "NOT", "2023", "--format", "json"]));
    assert!(dash > 0 && dash < all, "{dash} of {all} sections");
    for args in [&["kwic", "法治", "-2023"][..], &["stats", "法治", "-2023"]] {
        let out = run("fazhi-query", workspace.path(), args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
    }
}
