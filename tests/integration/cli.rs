//! End-to-end runs of the two binaries in temporary folders, as a user runs them.

use std::io::Read;
use std::process::{Command, Stdio};

use fazhi_search::index::IndexHandle;
use serde_json::Value;
use tempfile::TempDir;

use crate::util::{copy_seeds, multiply_corpus, run, run_in_shell, stderr, stdout, temp_corpus};

/// A folder laid out like a checkout: `corpus/` with the seeds, no index yet.
fn workspace() -> TempDir {
    let dir = TempDir::new().expect("temp dir");
    copy_seeds(&dir.path().join("corpus"));
    dir
}

/// A workspace whose index is built.
fn indexed_workspace() -> TempDir {
    let dir = workspace();
    let out = run("fazhi-index", dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "fazhi-index: {}", stderr(&out));
    dir
}

#[test]
fn index_then_query_then_reindex_unchanged() {
    let dir = workspace();
    let out = run("fazhi-index", dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let summary = stdout(&out);
    assert!(summary.contains("新增 5 个"), "{summary}");
    assert!(
        summary.contains("5 份报告") && summary.contains("5 个乡镇"),
        "{summary}"
    );
    assert!(summary.contains("2023（4 份），2024（1 份）"), "{summary}");

    let out = run("fazhi-query", dir.path(), &["法律顾问", "--color", "never"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    assert!(
        text.contains("5 份报告中有 16 个章节匹配“法律顾问”"),
        "{text}"
    );
    assert!(
        text.contains("上桥镇 · 利通区 · 2023 · 主要举措和成效"),
        "{text}"
    );
    assert!(
        !text.contains('\x1b'),
        "no colour codes when asked for none"
    );

    let out = run("fazhi-index", dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains("已是最新（5 个文件未变）"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn changed_added_and_removed_files_are_updated() {
    let dir = indexed_workspace();
    let corpus = dir.path().join("corpus");
    let seed = std::fs::read_dir(&corpus)
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .find(|p| p.to_string_lossy().contains("002_"))
        .expect("seed 002");
    let mut text = std::fs::read_to_string(&seed).expect("read seed");
    text.push_str("\n五、补充\n本年度新增试点甲乙丙丁工作。\n");
    std::fs::write(&seed, text).expect("change seed");
    std::fs::write(
        corpus.join("new.txt"),
        "某镇2023年法治政府建设年度报告\n一、总体情况\n戊己庚辛新增报告。\n",
    )
    .expect("add file");
    let removed = std::fs::read_dir(&corpus)
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .find(|p| p.to_string_lossy().contains("003_"))
        .expect("seed 003");
    std::fs::remove_file(removed).expect("remove seed");

    let out = run("fazhi-index", dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("新增 1 个，更新 1 个，删除 1 个，未变 3 个"),
        "{}",
        stdout(&out)
    );
    let count = |q: &str| {
        let out = run("fazhi-query", dir.path(), &[q, "--format", "json"]);
        let v: Value = serde_json::from_slice(&out.stdout).expect("json");
        v["total_sections"].as_u64().expect("total")
    };
    assert_eq!(count("甲乙丙丁"), 1, "the changed file's new text is found");
    assert_eq!(count("戊己庚辛"), 1, "the added file is found");
    assert_eq!(count("孟庆云"), 0, "the removed file is gone");
    assert_eq!(
        count("执法人员偏少"),
        1,
        "the changed file's old text is there once, not twice"
    );
}

#[test]
fn query_builds_a_missing_index_first() {
    let dir = workspace();
    let out = run("fazhi-query", dir.path(), &["依法治"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("./index 尚无索引；先为 corpus 建立索引"),
        "{}",
        stderr(&out)
    );
    assert!(dir.path().join("index/meta.json").is_file());
    let out = run("fazhi-query", dir.path(), &["依法治"]);
    assert!(
        !stderr(&out).contains("尚无索引"),
        "second run uses the index"
    );
}

#[test]
fn exit_codes() {
    let dir = indexed_workspace();
    let rows: [(&[&str], i32, &str); 8] = [
        (&["法律顾问"], 0, ""),
        (&["量子计算机"], 1, ""),
        (
            &["\"法律顾问"],
            2,
            "检索式有误：引号没有闭合（第 1 个字符处）",
        ),
        (&["(普法", "OR", "宣传"], 2, "这个“(”没有闭合"),
        (&["普法)"], 2, "这个“)”没有对应的“(”"),
        (
            &["普法", "--type", "mesures"],
            2,
            "未知的章节类型“mesures”；可选：总体情况（overview）、主要举措和成效（measures）",
        ),
        (
            &["普法", "--year", "2023..2020"],
            2,
            "范围为空（2023 > 2020）",
        ),
        (
            &["普法", "--format", "xml"],
            2,
            "--format xml：search 只能写 text、json",
        ),
    ];
    for (args, code, message) in rows {
        let out = run("fazhi-query", dir.path(), args);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(message),
            "{args:?}: stderr {:?} should say {message:?}",
            stderr(&out)
        );
        assert!(!stderr(&out).contains("panicked"), "{args:?}");
    }
    let out = run("fazhi-query", dir.path(), &["\"法律顾问"]);
    assert!(
        stderr(&out).contains("\n  \"法律顾问\n  ^"),
        "the caret points at the quote: {}",
        stderr(&out)
    );
}

#[test]
fn missing_index_and_corpus_is_a_clear_error() {
    let dir = TempDir::new().expect("temp dir");
    let out = run("fazhi-query", dir.path(), &["普法"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("./index 处没有索引：请用 `fazhi-index"),
        "{}",
        stderr(&out)
    );
    let out = run("fazhi-index", dir.path(), &["--corpus", "nowhere"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("nowhere"), "{}", stderr(&out));
}

#[test]
fn filters_narrow_results() {
    let dir = indexed_workspace();
    let total = |args: &[&str]| -> u64 {
        let mut all = vec!["法律顾问", "--format", "json"];
        all.extend_from_slice(args);
        let out = run("fazhi-query", dir.path(), &all);
        let v: Value = serde_json::from_slice(&out.stdout).expect("json");
        v["total_sections"].as_u64().expect("total")
    };
    assert_eq!(total(&[]), 16);
    assert_eq!(
        total(&["--province", "河南"]),
        7,
        "a province by its short name"
    );
    assert_eq!(
        total(&["--province", "河南省", "--province", "湖北省"]),
        11,
        "repeatable"
    );
    assert_eq!(total(&["--town", "上桥镇"]), 4);
    assert_eq!(total(&["--county", "大冶市"]), 4);
    assert_eq!(total(&["--city", "天津市"]), 1);
    assert_eq!(total(&["--region", "/河南省/商丘市"]), 5);
    assert_eq!(total(&["--year", "2024"]), 1);
    assert_eq!(total(&["--year", "2020..2023"]), 15);
    assert_eq!(total(&["--type", "plans"]), 3);
    assert_eq!(total(&["--type", "plans", "--type", "measures"]), 16);
    assert_eq!(total(&["--province", "河南", "--type", "plans"]), 3);
    // (A province the index does not have is an error: answers.rs.)
    assert_eq!(total(&["--province", "湖北", "--year", "2024"]), 0);
}

#[test]
fn query_language_end_to_end() {
    let dir = indexed_workspace();
    let total = |q: &[&str]| -> u64 {
        let mut all = vec!["--format", "json"];
        all.extend_from_slice(q);
        let out = run("fazhi-query", dir.path(), &all);
        assert_ne!(out.status.code(), Some(2), "{q:?}: {}", stderr(&out));
        let v: Value = serde_json::from_slice(&out.stdout).expect("json");
        v["total_sections"].as_u64().expect("total")
    };
    let both = total(&["法律顾问", "合同"]);
    let either = total(&["法律顾问", "OR", "合同"]);
    let only_adviser = total(&["法律顾问", "NOT", "合同"]);
    let adviser = total(&["法律顾问"]);
    assert!(both > 0 && both < adviser);
    assert_eq!(
        only_adviser + both,
        adviser,
        "NOT removes exactly the AND part"
    );
    assert!(either >= adviser);
    assert_eq!(
        total(&["--", "法律顾问", "-合同"]),
        only_adviser,
        "-term is NOT term"
    );
    let grouped = total(&["(法律顾问", "OR", "律师)", "合同"]);
    let union = total(&["法律顾问", "合同"]) + total(&["律师", "合同"])
        - total(&["法律顾问", "律师", "合同"]);
    assert_eq!(grouped, union, "parentheses group an OR inside an AND");
    assert_eq!(
        total(&["村（居）法律顾问"]),
        total(&["\"村(居)法律顾问\""]),
        "full-width brackets are text and fold (ASCII ones group, unless quoted)"
    );
    assert_eq!(
        total(&["\"依法 治\""]),
        0,
        "a quoted phrase keeps its space"
    );
}

#[test]
fn json_shape() {
    let dir = indexed_workspace();
    let out = run(
        "fazhi-query",
        dir.path(),
        &["法律顾问", "--format", "json", "--limit", "2"],
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["query"], "法律顾问");
    assert_eq!(v["total_sections"], 16);
    assert_eq!(v["total_reports"], 5);
    for facet in ["town", "province", "year", "section_type"] {
        let values = v["facets"][facet]
            .as_array()
            .unwrap_or_else(|| panic!("facet {facet}"));
        let sum: u64 = values
            .iter()
            .map(|f| f["count"].as_u64().expect("count"))
            .sum();
        assert!(
            values.iter().all(|f| f["value"].is_string()),
            "{facet} values are strings"
        );
        assert_eq!(sum, 16, "facet {facet} counts all matches, not the page");
    }
    let hits = v["hits"].as_array().expect("hits");
    assert_eq!(hits.len(), 2, "--limit 2");
    let hit = &hits[0];
    for key in [
        "file",
        "title",
        "town",
        "county",
        "city",
        "province",
        "passage",
        "section_type",
        "citation",
    ] {
        assert!(hit[key].is_string(), "hit.{key} is a string: {hit}");
    }
    assert!(hit["year"].is_u64() && hit["line"].is_u64() && hit["score"].is_f64());
    assert!(hit["headings"].is_array());
    assert!(
        hit["passage"]
            .as_str()
            .expect("passage")
            .contains("法律顾问")
    );
    let scores: Vec<f64> = hits
        .iter()
        .map(|h| h["score"].as_f64().expect("score"))
        .collect();
    assert!(scores[0] >= scores[1], "most relevant first");
}

#[test]
fn jsonl_all_and_output_file() {
    let dir = indexed_workspace();
    let out = run(
        "fazhi-query",
        dir.path(),
        &["普法", "--all", "--format", "jsonl", "-o", "hits.jsonl"],
    );
    assert_eq!(out.status.code(), Some(0));
    let text = std::fs::read_to_string(dir.path().join("hits.jsonl")).expect("output file");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    let json = run("fazhi-query", dir.path(), &["普法", "--format", "json"]);
    let total =
        serde_json::from_slice::<Value>(&json.stdout).expect("json")["total_sections"].as_u64();
    assert_eq!(Some(lines.len() as u64), total, "--all writes every hit");
    assert!(lines.iter().all(|h| {
        h["file"]
            .as_str()
            .is_some_and(|f| f.ends_with(".txt") && !f.contains('/'))
    }));
    assert!(stderr(&out).contains("hits.jsonl"));
}

#[test]
fn ranking_is_deterministic() {
    let dir = indexed_workspace();
    let a = run(
        "fazhi-query",
        dir.path(),
        &["法治", "--all", "--format", "jsonl"],
    );
    let b = run(
        "fazhi-query",
        dir.path(),
        &["法治", "--all", "--format", "jsonl"],
    );
    assert_eq!(a.stdout, b.stdout);
}

#[test]
fn csv_has_bom_header_and_formula_guard() {
    let corpus = temp_corpus(&[
        (
            "corpus/evil.txt",
            "=HYPERLINK(\"http://x\",\"点击\")2023年法治政府建设年度报告\n一、总体情况\n法律顾问一号。\n".as_bytes(),
        ),
        ("corpus/plus.txt", "+2023年某镇法治政府建设年度报告\n一、总体情况\n法律顾问二号。\n".as_bytes()),
        ("corpus/minus.txt", "-2023年某镇法治政府建设年度报告\n一、总体情况\n法律顾问三号。\n".as_bytes()),
        ("corpus/at.txt", "@2023年某镇法治政府建设年度报告\n一、总体情况\n法律顾问四号。\n".as_bytes()),
    ]);
    let out = run(
        "fazhi-query",
        corpus.path(),
        &["法律顾问", "--format", "csv", "--all"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = crate::util::hits_csv(&out.stdout);
    let title = crate::util::hits_column("title");
    assert_eq!(rows.len(), 4);
    let mut titles: Vec<String> = rows.iter().map(|r| r[title].to_string()).collect();
    titles.sort();
    assert_eq!(
        titles,
        [
            "'+2023年某镇法治政府建设年度报告",
            "'-2023年某镇法治政府建设年度报告",
            "'=HYPERLINK(\"http://x\",\"点击\")2023年法治政府建设年度报告",
            "'@2023年某镇法治政府建设年度报告",
        ],
        "formula-like titles are neutralised"
    );
    for row in &rows {
        for cell in row.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@']),
                "cell {cell:?} would run as a formula"
            );
        }
    }
}

#[test]
fn markdown_table() {
    let dir = indexed_workspace();
    let out = run(
        "fazhi-query",
        dir.path(),
        &["法律顾问", "--format", "md", "--limit", "3"],
    );
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("| 乡镇街道 | 区县 |"), "{text}");
    // One Markdown writer for hits, stats, kwic and panels: numbers aligned right.
    assert_eq!(
        lines[1],
        "| --- | --- | --- | ---: | --- | --- | --- | --- |"
    );
    assert_eq!(lines.len(), 5, "header, rule and three rows");
    assert!(
        lines[2].contains("**法律顾问**"),
        "matches are bold: {}",
        lines[2]
    );
    assert!(
        lines.iter().skip(2).all(|l| l.matches(" | ").count() == 7),
        "eight cells per row"
    );
}

#[test]
fn terminal_highlighting() {
    let dir = indexed_workspace();
    let out = run(
        "fazhi-query",
        dir.path(),
        &["法律顾问", "--color", "always", "--limit", "1"],
    );
    assert!(
        stdout(&out).contains("\x1b[1;31m法律顾问\x1b[0m"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn closed_pipe_is_not_an_error() {
    let dir = indexed_workspace();
    let mut child = Command::new(env!("CARGO_BIN_EXE_fazhi-query"))
        .args(["的", "--all", "--full"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .expect("stdout")
        .read_exact(&mut first)
        .expect("some output");
    drop(child.stdout.take());
    let mut err = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut err)
        .expect("stderr");
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0), "stderr: {err}");
    assert!(!err.contains("panicked") && !err.contains("error"), "{err}");
}

/// `| head` for every command that writes to standard output: a reader that has gone away
/// before the answer is written (the pipe's reading end closed before the program starts) is
/// a quiet exit 0, as for ripgrep, never an error or a panic. The CSV writer wraps the pipe's
/// error in its own (kwic --format csv).
#[test]
fn a_reader_gone_before_the_answer_is_a_quiet_exit_0() {
    let dir = indexed_workspace();
    let seed = std::fs::read_dir(dir.path().join("corpus"))
        .expect("corpus")
        .map(|e| e.expect("entry").path())
        .next()
        .expect("a seed");
    let seed = seed.to_string_lossy().into_owned();
    // (program, command line)
    let rows: [(&str, &[&str]); 10] = [
        ("fazhi-query", &["的", "--all", "--full"]),
        ("fazhi-query", &["kwic", "的", "--format", "csv"]),
        (
            "fazhi-query",
            &["stats", "的", "--by", "year", "--format", "md"],
        ),
        ("fazhi-query", &["--help"]),
        ("fazhi-index", &["--emit", "ndjson"]),
        ("fazhi-index", &[]),
        ("fazhi-index", &["--check"]),
        ("fazhi-index", &["--help"]),
        ("fazhi-index", &["--explain", &seed]),
        ("fazhi-index", &["--version"]),
    ];
    for (program, args) in rows {
        let exe = match program {
            "fazhi-index" => env!("CARGO_BIN_EXE_fazhi-index"),
            _ => env!("CARGO_BIN_EXE_fazhi-query"),
        };
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        let out = Command::new(exe)
            .args(args)
            .current_dir(dir.path())
            .env_remove("FAZHI_LANG")
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .expect("the binary runs");
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{program} {args:?}: {err}");
        assert!(
            !err.contains("panicked") && !err.contains("错误"),
            "{program} {args:?}: {err}"
        );
    }
}

/// A standard output open for reading only drops what is written to it without a word (the
/// standard library ignores its EBADF): the answer must say it went nowhere, exit 2, not exit 0
/// as if delivered. `/dev/null`, however opened, is asked for.
#[test]
fn a_standard_output_that_takes_nothing_is_an_error() {
    let dir = indexed_workspace();
    // (redirection of standard output, other options, exit code, what stderr says)
    let rows: [(&str, &[&str], i32, &str); 6] = [
        ("1< corpus", &[], 2, "只能读"),
        ("1< /dev/null", &[], 2, "只能读"),
        ("> /dev/null", &[], 0, ""),
        // Python's subprocess.DEVNULL: /dev/null open for reading and writing.
        ("1<> /dev/null", &[], 0, ""),
        // Closed: the runtime opens it on /dev/null before main, which cannot be told apart.
        (">&-", &[], 0, ""),
        // The answer goes to a file: standard output is not needed.
        ("1< corpus", &["-o", "hits.csv"], 0, "hits.csv"),
    ];
    for (redirect, options, code, says) in rows {
        let script = format!("exec \"$0\" \"$@\" {redirect}");
        let args = [&["法律顾问"], options].concat();
        let out = run_in_shell("fazhi-query", dir.path(), &script, &args);
        let err = stderr(&out);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{redirect} {options:?}: {err}"
        );
        assert!(err.contains(says), "{redirect} {options:?}: {err}");
    }
    assert!(dir.path().join("hits.csv").is_file());
    // The indexer's sections on standard output alike.
    let script = "exec \"$0\" \"$@\" 1< corpus";
    let out = run_in_shell("fazhi-index", dir.path(), script, &["--emit", "ndjson"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("只能读"), "{}", stderr(&out));
}

/// `-o /dev/stdout` writes where standard output stands: a file being appended to keeps what
/// it had, and what the shell writes after the answer comes after it.
#[test]
fn output_named_dev_stdout_is_standard_output_itself() {
    let dir = indexed_workspace();
    for named in ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"] {
        let script = format!(
            "echo BEFORE > log.txt; {{ echo HEADER; \"$0\" \"$@\" -o {named}; echo FOOTER; }} >> log.txt"
        );
        let args = ["法律顾问", "--format", "jsonl"];
        let out = run_in_shell("fazhi-query", dir.path(), &script, &args);
        assert_eq!(out.status.code(), Some(0), "{named}: {}", stderr(&out));
        let log = std::fs::read_to_string(dir.path().join("log.txt")).expect("log");
        let lines: Vec<&str> = log.lines().collect();
        assert!(lines.len() > 3, "{named}: {log}");
        assert_eq!(lines[..2], ["BEFORE", "HEADER"], "{named}");
        assert_eq!(lines.last(), Some(&"FOOTER"), "{named}");
        assert!(lines[2].starts_with('{'), "{named}: {}", lines[2]);
    }
}

/// Outputs that would cost data are refused before anything is written, with exit 2: the
/// index's own files (a link into its folder too), a chart over the -o file, and a workbook
/// whose temporary files find no room (rust_xlsxwriter panics there).
#[test]
fn outputs_that_would_cost_data_are_refused() {
    let dir = indexed_workspace();
    std::os::unix::fs::symlink("index/meta.json", dir.path().join("lm.json")).expect("link");
    let meta = std::fs::read(dir.path().join("index/meta.json")).expect("meta");
    // (program, command line under `ulimit -f 4` or not, what stderr says)
    let rows: [(&str, &[&str], bool, &str); 6] = [
        // Standard output redirected to the chart's file (the script's `> same.svg`).
        (
            "fazhi-query",
            &["stats", "法治", "--chart", "out.svg"],
            false,
            "图表文件",
        ),
        (
            "fazhi-query",
            &["法治", "-o", "lm.json"],
            false,
            "索引文件夹",
        ),
        (
            "fazhi-index",
            &["--emit", "ndjson", "-o", "index/s.ndjson"],
            false,
            "索引文件夹",
        ),
        (
            "fazhi-query",
            &["stats", "法治", "--chart", "index/c.svg"],
            false,
            "索引文件夹",
        ),
        (
            "fazhi-query",
            &[
                "stats", "法治", "--chart", "same.svg", "--format", "json", "-o", "same.svg",
            ],
            false,
            "图表文件",
        ),
        (
            "fazhi-query",
            &["的", "--all", "--full", "-o", "s.xlsx"],
            true,
            "电子表格",
        ),
    ];
    for (program, args, limited, says) in rows {
        let script = match (limited, args.contains(&"out.svg")) {
            (true, _) => "trap '' XFSZ; ulimit -f 4; exec \"$0\" \"$@\"",
            (false, true) => "exec \"$0\" \"$@\" > out.svg",
            (false, false) => "exec \"$0\" \"$@\"",
        };
        let out = run_in_shell(program, dir.path(), script, args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(says) && !err.contains("panicked"),
            "{args:?}: {err}"
        );
    }
    assert_eq!(
        std::fs::read(dir.path().join("index/meta.json")).expect("meta"),
        meta
    );
    for made in ["index/s.ndjson", "index/c.svg", "same.svg", "s.xlsx"] {
        assert!(!dir.path().join(made).exists(), "{made}");
    }
}

/// `-o FILE` takes its name only when whole: an export that fails midway (here a file size
/// limit, as a full disk would) leaves the file that was there, or none, and nothing beside it.
#[test]
fn a_failed_export_leaves_the_file_that_was_there() {
    let dir = indexed_workspace();
    let out_dir = TempDir::new().expect("temp dir");
    let before = out_dir.path().join("before.csv");
    std::fs::write(&before, "the export before").expect("write");
    for (name, was) in [("before.csv", Some("the export before")), ("new.csv", None)] {
        let path = out_dir.path().join(name);
        // Writes past 8 blocks fail with EFBIG (the signal that would kill the process first
        // is ignored).
        let script = "trap '' XFSZ; ulimit -f 8; exec \"$0\" \"$@\"";
        let file = path.to_string_lossy();
        let args = ["的", "--all", "--full", "-o", &file];
        let out = run_in_shell("fazhi-query", dir.path(), script, &args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(name) && err.contains("错误"), "{name}: {err}");
        assert_eq!(
            std::fs::read_to_string(&path).ok().as_deref(),
            was,
            "{name}"
        );
    }
    let mut left: Vec<_> = std::fs::read_dir(out_dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    left.sort();
    assert_eq!(left, ["before.csv"], "nothing is left beside the export");
    // Without the limit the same export is written whole, over the file before.
    let before = before.to_string_lossy().into_owned();
    let out = run(
        "fazhi-query",
        dir.path(),
        &["的", "--all", "--full", "-o", &before],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let written = std::fs::read(&before).expect("read");
    assert!(written.len() > 8 * 1024, "{} bytes", written.len());
}

#[test]
fn index_of_another_version_says_rebuild() {
    let dir = indexed_workspace();
    let meta = dir.path().join("index/meta.json");
    let mut v: Value =
        serde_json::from_str(&std::fs::read_to_string(&meta).expect("meta")).expect("json");
    v["payload"] = Value::String(r#"{"schema_version":0,"writer":"fazhi-search 0.0.1"}"#.into());
    std::fs::write(&meta, v.to_string()).expect("write meta");
    let out = run("fazhi-query", dir.path(), &["普法"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("索引是由 fazhi-search 0.0.1 建立的第 0 版索引，")
            && err.contains("请用 fazhi-index 重建索引"),
        "{err}"
    );

    let out = run("fazhi-index", dir.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // fazhi-index says why it rebuilt, never to run itself.
    assert!(
        stderr(&out)
            .contains("已从头重建索引：它是由 fazhi-search 0.0.1 建立的第 0 版索引，而本程序写第 ")
            && !stderr(&out).contains("请用"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        run("fazhi-query", dir.path(), &["普法"]).status.code(),
        Some(0)
    );
}

#[test]
fn a_foreign_tantivy_index_says_rebuild() {
    let dir = TempDir::new().expect("temp dir");
    let path = dir.path().join("index");
    std::fs::create_dir_all(&path).expect("mkdir");
    let mut schema = tantivy::schema::Schema::builder();
    schema.add_text_field("body", tantivy::schema::TEXT);
    tantivy::Index::create_in_dir(&path, schema.build())
        .expect("a tantivy index of another program");
    let out = run("fazhi-query", dir.path(), &["普法"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("索引是由其他程序建立或版本未知的索引，")
            && err.contains("请用 fazhi-index 重建索引"),
        "{err}"
    );
}

#[test]
fn corrupt_index_says_rebuild() {
    let dir = indexed_workspace();
    std::fs::write(dir.path().join("index/meta.json"), "{ not json").expect("write");
    let out = run("fazhi-query", dir.path(), &["普法"]);
    assert_eq!(out.status.code(), Some(2));
    // Which file, and what to do, in plain words; the engine's detail after them.
    let err = stderr(&out);
    assert!(
        err.contains("./index 处的索引已损坏（文件 meta.json），请用 fazhi-index --rebuild 重建索引：Meta file cannot be deserialized"),
        "{err}"
    );
    assert!(
        !err.contains("Data corrupted") && !err.contains("Data corruption"),
        "{err}"
    );
    let out = run("fazhi-query", dir.path(), &["普法", "--lang", "en"]);
    assert!(
        stderr(&out).contains("the index at ./index is damaged (file meta.json): rebuild the index with fazhi-index --rebuild: Meta file"),
        "{}",
        stderr(&out)
    );
}

/// The advice to rebuild a damaged index repeats the folders the command was given: with the
/// default folders `fazhi-index --rebuild` would rebuild another index than the one damaged.
#[test]
fn the_rebuild_advice_names_the_folders_used() {
    let dir = indexed_workspace();
    std::fs::rename(dir.path().join("index"), dir.path().join("my index")).expect("rename");
    std::fs::write(dir.path().join("my index/meta.json"), "{ not json").expect("write");
    // fazhi-query does not know the corpus the index was built from unless told: its advice
    // says DIR, so that run where it stands it cannot rebuild from another ./corpus (a tester
    // did, and the index went from 8 reports to 1).
    let rows: [(&str, &[&str], &str); 5] = [
        (
            "fazhi-query",
            &["--index", "my index", "普法"],
            "fazhi-index --corpus DIR --index 'my index' --rebuild",
        ),
        (
            "fazhi-query",
            &["stats", "--index", "my index", "--lang", "en", "普法"],
            "fazhi-index --corpus DIR --index 'my index' --rebuild",
        ),
        (
            "fazhi-query",
            &["--index", "my index", "--corpus", "reports", "普法"],
            "fazhi-index --corpus reports --index 'my index' --rebuild",
        ),
        (
            "fazhi-index",
            &["--index", "my index"],
            "fazhi-index --index 'my index' --rebuild",
        ),
        (
            "fazhi-index",
            &["--index", "my index", "--check"],
            "fazhi-index --index 'my index' --rebuild",
        ),
    ];
    for (bin, args, advice) in rows {
        let out = run(bin, dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{bin} {args:?}");
        assert!(
            stderr(&out).contains(advice),
            "{bin} {args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn a_second_writer_is_told_the_index_is_busy() {
    let dir = indexed_workspace();
    let handle = IndexHandle::open(&dir.path().join("index")).expect("open");
    let writer: tantivy::IndexWriter = handle.index.writer(15_000_000).expect("first writer");
    let out = run("fazhi-index", dir.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("正被另一个 fazhi-index 进程写入，请等它结束"),
        "{}",
        stderr(&out)
    );
    drop(writer);
    assert_eq!(
        run("fazhi-query", dir.path(), &["普法"]).status.code(),
        Some(0),
        "the index still answers"
    );
}

/// A run killed before its commit leaves the index answering exactly as before.
#[test]
fn a_killed_index_run_leaves_the_previous_index() {
    let dir = indexed_workspace();
    let before = run(
        "fazhi-query",
        dir.path(),
        &["法治", "--all", "--format", "jsonl"],
    )
    .stdout;
    multiply_corpus(&dir.path().join("corpus"), 400, |i| {
        format!("\n副本{i}。\n")
    });
    let mut child = Command::new(env!("CARGO_BIN_EXE_fazhi-index"))
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    std::thread::sleep(std::time::Duration::from_millis(300));
    let finished = child.try_wait().expect("try_wait").is_some();
    child.kill().expect("kill");
    child.wait().expect("wait");
    if finished {
        eprintln!("the index run finished within 300 ms; nothing to check on this machine");
        return;
    }
    let after = run(
        "fazhi-query",
        dir.path(),
        &["法治", "--all", "--format", "jsonl"],
    );
    assert_eq!(after.status.code(), Some(0), "{}", stderr(&after));
    assert!(after.stdout == before, "the killed run changed the index");
}

/// The binaries are position-independent executables, so that address-space randomisation
/// covers them too (they serve HTTP); linking them at a fixed address saved 0.6 ms of start-up.
#[test]
#[cfg(target_os = "linux")]
fn binaries_are_position_independent() {
    for bin in [
        env!("CARGO_BIN_EXE_fazhi-query"),
        env!("CARGO_BIN_EXE_fazhi-index"),
    ] {
        let mut header = [0; 18];
        std::fs::File::open(bin)
            .and_then(|mut f| f.read_exact(&mut header))
            .expect("the binary's ELF header");
        assert_eq!(&header[..4], b"\x7fELF", "{bin}");
        // e_type: 2 is an executable at a fixed address, 3 a position-independent one.
        let e_type = u16::from_le_bytes([header[16], header[17]]);
        assert_eq!(e_type, 3, "{bin} is not a position-independent executable");
    }
}

/// The exit codes README's table documents, command by command: 0 found, 1 nothing found, 2 an
/// error.
#[test]
fn each_command_exits_as_the_readme_says() {
    let workspace = indexed_workspace();
    let dir = workspace.path();
    std::fs::write(dir.join("codebook.tsv"), "name\tquery\n顾问\t法律顾问\n").expect("codebook");
    std::fs::write(dir.join("none.tsv"), "name\tquery\n无\t不存在的词语组合\n").expect("codebook");
    let seed = "001_d55687dd8b7cad87.txt";
    // (program, arguments, exit code)
    let rows: [(&str, &[&str], i32); 22] = [
        ("fazhi-query", &["法律顾问"], 0),
        ("fazhi-query", &["不存在的词语组合"], 1),
        ("fazhi-query", &["\"法律顾问"], 2),
        ("fazhi-query", &["法律顾问", "--province", "火星"], 2),
        ("fazhi-query", &["stats", "法律顾问"], 0),
        ("fazhi-query", &["stats", "不存在的词语组合"], 1),
        ("fazhi-query", &["stats", "法律顾问", "--by", "decade"], 2),
        ("fazhi-query", &["kwic", "法律顾问"], 0),
        ("fazhi-query", &["kwic", "不存在的词语组合"], 1),
        ("fazhi-query", &["kwic", "法律顾问", "--sort", "x"], 2),
        ("fazhi-query", &["show", seed], 0),
        ("fazhi-query", &["show", "nope.txt"], 2),
        ("fazhi-query", &["panel", "codebook.tsv"], 0),
        ("fazhi-query", &["panel", "none.tsv"], 1),
        (
            "fazhi-query",
            &[
                "panel",
                "codebook.tsv",
                "--province",
                "河南",
                "--year",
                "2024",
            ],
            1,
        ),
        ("fazhi-query", &["panel", "missing.tsv"], 2),
        ("fazhi-query", &["--help"], 0),
        ("fazhi-query", &["--bogus"], 2),
        ("fazhi-index", &[], 0),
        ("fazhi-index", &["--check"], 0),
        ("fazhi-index", &["--explain", &format!("corpus/{seed}")], 0),
        ("fazhi-index", &["--corpus", "nowhere"], 2),
    ];
    for (program, args, code) in rows {
        let out = run(program, dir, args);
        assert_eq!(
            out.status.code(),
            Some(code),
            "{program} {args:?}: {}",
            stderr(&out)
        );
    }
}
