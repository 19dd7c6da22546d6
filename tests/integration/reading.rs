//! Reading a whole report: [`Engine::report`] gives back each report as the pipeline parsed
//! it, `/api/report` serves it from the index alone (its corpus deleted) and answers a 404 to
//! any `file` that is not a report key, and `fazhi-query show` prints it (a snapshot), starting
//! at the section a hit's citation line names.

use std::path::Path;

use fazhi_search::export::passage::find;
use fazhi_search::ingest::Hints;
use fazhi_search::report::{self, Report};
use fazhi_search::search::{IndexedReport, IndexedSection};
use fazhi_search::{Query, normalize};
use serde_json::Value;

use crate::serve::{SCRIPT_REPORT, Server, test_index};
use crate::util::{corpus_dir, run, search_all, seed_engine, seed_files, stderr, stdout};

const QUERY: &str = "法律顾问";

/// A report parsed through the library's pipeline, as the indexer parses it.
fn parsed(name: &str, text: &str) -> Report {
    report::parse(name, text, &Hints::default())
}

fn seed(path: &Path) -> (String, Report) {
    let name = path
        .file_name()
        .expect("name")
        .to_string_lossy()
        .into_owned();
    let text = std::fs::read_to_string(path).expect("seed is UTF-8");
    let report = parsed(&name, &text);
    (name, report)
}

/// What a section is, as both sides give it: (headings, type, line, place on the line, text).
type Shape = (Vec<String>, String, u64, Option<u64>, String);

fn shape_of_parsed(report: &Report) -> Vec<Shape> {
    report
        .sections
        .iter()
        .map(|s| {
            (
                s.headings.clone(),
                s.section_type.as_str().to_string(),
                s.line as u64,
                s.nth_on_line.map(|n| n as u64),
                s.text.clone(),
            )
        })
        .collect()
}

fn shape_of_indexed(sections: &[IndexedSection]) -> Vec<Shape> {
    sections
        .iter()
        .map(|s| {
            (
                s.headings.clone(),
                s.section_type.clone(),
                s.line,
                s.nth_on_line,
                s.text.clone(),
            )
        })
        .collect()
}

fn shape_of_json(sections: &Value) -> Vec<Shape> {
    let text = |v: &Value| v.as_str().expect("a string").to_string();
    sections
        .as_array()
        .expect("sections")
        .iter()
        .enumerate()
        .map(|(i, s)| {
            assert_eq!(s["id"], i + 1, "ids count the sections from 1: {s}");
            (
                s["headings"]
                    .as_array()
                    .expect("headings")
                    .iter()
                    .map(text)
                    .collect(),
                text(&s["section_type"]),
                s["line"].as_u64().expect("line"),
                s.get("nth_on_line").map(|n| n.as_u64().expect("nth")),
                text(&s["text"]),
            )
        })
        .collect()
}

#[test]
fn the_index_gives_back_each_report_as_the_pipeline_parsed_it() {
    for path in seed_files() {
        let (name, want) = seed(&path);
        let got: IndexedReport = seed_engine()
            .report(&name)
            .expect("the report is read")
            .unwrap_or_else(|| panic!("{name} is in the index"));
        assert_eq!(got.meta, want.meta, "metadata of {name}");
        assert_eq!(
            shape_of_indexed(&got.sections),
            shape_of_parsed(&want),
            "sections of {name}"
        );
    }
    for missing in [
        "",
        "nope.txt",
        "../corpus/000_963d346edc5b3a7d.txt",
        "/etc/passwd",
    ] {
        assert!(
            seed_engine().report(missing).expect("a look-up").is_none(),
            "{missing:?} is not a report"
        );
    }
}

#[test]
fn a_citation_line_finds_its_section() {
    let path = &seed_files()[1];
    let (name, _) = seed(path);
    let report = seed_engine().report(&name).expect("read").expect("indexed");
    for s in &report.sections {
        let found = report.section_at(s.line, s.nth_on_line).expect("a section");
        assert_eq!(found.id, s.id, "{name}:{}#{:?}", s.line, s.nth_on_line);
    }
    // A line inside a section is in it; a line before the first is the first section.
    let last = report.sections.last().expect("sections");
    assert_eq!(
        report.section_at(last.line + 1, None).map(|s| s.id),
        Some(last.id)
    );
    assert_eq!(report.section_at(1, None).map(|s| s.id), Some(1));
    // No ninth section on the first line.
    assert!(
        report
            .section_at(report.sections[0].line, Some(9))
            .is_none()
    );
}

#[test]
fn the_api_serves_a_report_from_the_index_alone() {
    // The corpus test_index() was built from is deleted once it is indexed: whatever the API
    // answers comes from the index.
    let server = Server::start(test_index());
    let mut reports: Vec<(String, Report)> = seed_files().iter().map(|p| seed(p)).collect();
    reports.push(("script.txt".into(), parsed("script.txt", SCRIPT_REPORT)));
    for (name, want) in &reports {
        let reply = server.get(&format!(
            "/api/report?file={}&q={}",
            encode(name),
            encode(QUERY)
        ));
        assert_eq!(reply.status, 200, "{name}: {}", reply.text());
        let got = reply.json();
        assert_eq!(got["file"], name.as_str());
        assert_eq!(got["title"], serde_json::json!(want.meta.title));
        assert_eq!(got["year"], serde_json::json!(want.meta.year));
        assert_eq!(
            shape_of_json(&got["sections"]),
            shape_of_parsed(want),
            "the API's sections of {name} are the parsed report's"
        );
        // Every marked range is the query, as the search compares text (normalised).
        let mut marked = 0;
        for s in got["sections"].as_array().expect("sections") {
            let text: Vec<char> = s["text"].as_str().expect("text").chars().collect();
            for range in s["highlights"].as_array().expect("highlights") {
                let (a, b) = (range[0].as_u64().unwrap(), range[1].as_u64().unwrap());
                let piece: String = text[a as usize..b as usize].iter().collect();
                assert_eq!(normalize(&piece), QUERY, "{name} §{}", s["id"]);
                marked += 1;
            }
            let show = s["show"].as_str().expect("show");
            assert!(show.starts_with(&format!("{name}:")), "{show}");
        }
        assert_eq!(got["matches"], marked, "{name}: the count is the marks'");
        let expected: usize = want
            .sections
            .iter()
            .map(|s| find(&s.text, &[QUERY]).len())
            .sum();
        assert_eq!(marked, expected, "{name}: every occurrence is marked");
    }
}

#[test]
fn what_the_report_marks_is_what_the_search_matched() {
    let hits = search_all(Query::Text(QUERY.into())).hits;
    for path in seed_files() {
        let (name, _) = seed(&path);
        let report = seed_engine().report(&name).expect("read").expect("indexed");
        let hit_at: Vec<(u64, Option<u64>)> = hits
            .iter()
            .filter(|h| h.meta.file == name)
            .map(|h| (h.line, h.nth_on_line))
            .collect();
        for s in &report.sections {
            if !find(&s.text, &[QUERY]).is_empty() {
                assert!(
                    hit_at.contains(&(s.line, s.nth_on_line)),
                    "{name} §{} (line {}) is marked but no hit",
                    s.id,
                    s.line
                );
            }
        }
    }
}

/// Percent-encodes every byte but unreserved ASCII.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[test]
fn a_file_that_is_not_a_report_key_is_a_404() {
    let server = Server::start(test_index());
    let seed = "000_963d346edc5b3a7d.txt";
    let absolute = corpus_dir().join(seed).display().to_string();
    let not_found = [
        "nope.txt".to_string(),
        format!("../corpus/{seed}"),
        format!("./{seed}"),
        format!("corpus/{seed}"),
        encode(&absolute),
        "/etc/passwd".into(),
        "%2Fetc%2Fpasswd".into(),
        format!("%2e%2e%2fcorpus%2f{seed}"),
        format!("%252e%252e%252f{seed}"),
        format!("{seed}%00"),
        format!("{seed}%20"),
    ];
    for file in &not_found {
        let reply = server.get(&format!("/api/report?file={file}"));
        assert_eq!(reply.status, 404, "file={file}: {}", reply.text());
        let error = reply.json()["error"]
            .as_str()
            .expect("an error")
            .to_string();
        assert!(error.contains("索引中没有报告"), "file={file}: {error}");
    }
    let english = server.get("/api/report?file=nope.txt&lang=en");
    assert_eq!(english.status, 404);
    assert!(
        english.text().contains("no report nope.txt in the index"),
        "{}",
        english.text()
    );
    // Asked wrongly: a 400 that says what to write.
    for (target, says) in [
        ("/api/report", "缺少 file"),
        ("/api/report?file=", "缺少 file"),
        (
            &*format!("/api/report?file={seed}&year=2023"),
            "不接受筛选条件",
        ),
        (&*format!("/api/report?file={seed}&q=%22"), "引号没有闭合"),
        (
            &*format!("/api/report?file={seed}&file={seed}"),
            "给了不止一次",
        ),
    ] {
        let reply = server.get(target);
        assert_eq!(reply.status, 400, "{target}: {}", reply.text());
        assert!(reply.text().contains(says), "{target}: {}", reply.text());
    }
    assert_eq!(server.get(&format!("/api/report?file={seed}")).status, 200);
}

#[test]
fn the_report_page_is_served() {
    let server = Server::start(test_index());
    let page = server.get("/report?file=script.txt");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("/report.js"), "{}", page.text());
    for asset in ["/common.js", "/report.js", "/report.css"] {
        assert_eq!(server.get(asset).status, 200, "{asset}");
    }
}

/// `show` of a seed, in Markdown with the query marked, starting at a hit's section: compared
/// with `tests/snapshots/show/`. After a deliberate change, regenerate with
/// `UPDATE_SNAPSHOTS=1 cargo test` and review the diff.
#[test]
fn show_prints_the_report_as_indexed() {
    let index = index_dir();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots/show");
    let update = std::env::var_os("UPDATE_SNAPSHOTS").is_some();
    let place = "001_d55687dd8b7cad87.txt:9";
    for (format, file) in [("md", "001.md"), ("text", "001.txt")] {
        let out = run(
            "fazhi-query",
            Path::new("."),
            &[
                "show", place, "--query", QUERY, "--format", format, "--color", "never",
            ]
            .into_iter()
            .chain(["--index", index])
            .collect::<Vec<_>>(),
        );
        assert!(out.status.success(), "{}", stderr(&out));
        let snapshot = dir.join(file);
        if update {
            std::fs::create_dir_all(&dir).expect("snapshot folder");
            std::fs::write(&snapshot, stdout(&out)).expect("write snapshot");
            continue;
        }
        let expected = std::fs::read_to_string(&snapshot)
            .unwrap_or_else(|_| panic!("missing {}: UPDATE_SNAPSHOTS=1", snapshot.display()));
        assert_eq!(
            stdout(&out),
            expected,
            "show --format {format} differs from {file}"
        );
    }
}

/// The seed index's folder, for the binaries.
fn index_dir() -> &'static str {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::TempDir::new().expect("temp dir");
        crate::util::index(&corpus_dir(), dir.path());
        dir
    })
    .path()
    .to_str()
    .expect("a UTF-8 temp path")
}

#[test]
fn a_hits_citation_line_is_what_show_takes() {
    let index = index_dir();
    let out = run(
        "fazhi-query",
        Path::new("."),
        &[
            "search", QUERY, "--limit", "3", "--color", "never", "--index", index,
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let citations: Vec<String> = stdout(&out)
        .lines()
        .filter(|l| l.starts_with("   ") && l.contains("  《"))
        .map(|l| l.trim().split("  《").next().expect("a place").to_string())
        .collect();
    assert_eq!(citations.len(), 3, "{}", stdout(&out));
    for place in citations {
        let shown = run(
            "fazhi-query",
            Path::new("."),
            &["show", &place, "--index", index, "--format", "json"],
        );
        assert!(shown.status.success(), "show {place}: {}", stderr(&shown));
        let view: Value = serde_json::from_slice(&shown.stdout).expect("JSON");
        let start = view["start"].as_u64().expect("a start section") as usize;
        let section = &view["sections"][start - 1];
        assert_eq!(
            section["show"],
            place.as_str(),
            "show {place} starts at its section"
        );
        let text = run(
            "fazhi-query",
            Path::new("."),
            &["show", &place, "--index", index, "--color", "never"],
        );
        let printed = stdout(&text);
        let marked = printed
            .lines()
            .find(|l| l.starts_with('▶'))
            .unwrap_or_else(|| panic!("no ▶ in the contents:\n{printed}"));
        assert!(marked.contains(&format!("§{start} ")), "{marked}");
        assert!(printed.contains(&format!("§{start} ")), "{printed}");
    }
}

#[test]
fn show_refuses_what_it_cannot_show() {
    let index = index_dir();
    let seed = "001_d55687dd8b7cad87.txt";
    for (args, says) in [
        (vec!["show", "nope.txt"], "索引中没有报告 nope.txt"),
        (vec!["show", &format!("{seed}:9#7")], "没有第9行的这一节"),
        (
            vec!["show", seed, "--format", "csv"],
            "show 只能写 text、md、json",
        ),
        // A report with a place that is not one: the place is named, not the report.
        (vec!["show", &format!("{seed}:0")], "“0”不是它的位置"),
        (vec!["show", &format!("{seed}:9#x")], "“9#x”不是它的位置"),
        (
            vec!["show", &format!("{seed}：9")],
            "在索引中，但“9”不是它的位置",
        ),
        (vec!["show", seed, "--query", "\"法律"], "引号没有闭合"),
    ] {
        let args: Vec<&str> = args.into_iter().chain(["--index", index]).collect();
        let out = run("fazhi-query", Path::new("."), &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
}

#[test]
fn show_chrome_marks_what_cleaning_dropped_from_the_file_as_read() {
    let report = "当前位置：首页 > 政务公开 2023年，某镇依法行政。\n\
                  某镇人民政府关于2023年度法治政府建设情况的报告\n\
                  一、总体情况\n法律顾问制度得到落实。\n扫一扫在手机打开当前页\n";
    let corpus = crate::util::temp_corpus(&[("a/chrome.txt", report.as_bytes())]);
    let index = tempfile::TempDir::new().expect("temp dir");
    crate::util::index(corpus.path(), index.path());
    let (corpus_arg, index_arg) = (
        corpus.path().to_str().expect("UTF-8"),
        index.path().to_str().expect("UTF-8"),
    );
    let show = |extra: &[&str]| {
        let args: Vec<&str> = [
            "show",
            "a/chrome.txt",
            "--index",
            index_arg,
            "--color",
            "never",
        ]
        .into_iter()
        .chain(extra.iter().copied())
        .collect();
        run("fazhi-query", Path::new("."), &args)
    };
    let out = show(&["--chrome", "--corpus", corpus_arg]);
    assert!(out.status.success(), "{}", stderr(&out));
    let printed = stdout(&out);
    // The indexed text first, without the chrome; then the file as read, the chrome marked.
    let (indexed, as_read) = printed
        .split_once("== 原文（读取自 ")
        .unwrap_or_else(|| panic!("no text as read:\n{printed}"));
    assert!(!indexed.contains("扫一扫"), "{indexed}");
    assert!(
        as_read.contains("[-扫一扫在手机打开当前页-]{mobile-qr}"),
        "{as_read}"
    );
    assert!(
        as_read.contains("[-当前位置：首页 > 政务公开-]{breadcrumb}"),
        "{as_read}"
    );
    assert!(as_read.contains("法律顾问制度得到落实。"), "{as_read}");
    // Not in JSON (which carries `dropped` without being asked); and read from the index
    // alone: the corpus deleted, the same text as read comes back.
    let json = show(&["--chrome", "--format", "json"]);
    assert_eq!(json.status.code(), Some(2));
    assert!(stderr(&json).contains("--chrome"), "{}", stderr(&json));
    std::fs::remove_dir_all(corpus.path()).expect("delete the corpus");
    let gone = show(&["--chrome", "--corpus", corpus_arg]);
    assert!(gone.status.success(), "{}", stderr(&gone));
    assert_eq!(
        stdout(&gone),
        printed,
        "the text as read comes from the index"
    );
}

/// A web page and a crawled text with site chrome, and a report without any.
const CHROME_PAGE: &str = r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>某镇2023年法治政府建设情况报告_某县人民政府网</title></head>
<body><div class="main"><div id="zoom"><div class="crumb">当前位置：首页 &gt; 政务公开 &gt; 法治政府建设</div>
<div class="share">分享到：微信 微博 QQ空间</div><p>当前位置：首页 &gt; 政务公开</p><p>某镇2023年法治政府建设情况报告</p><p>一、总体情况</p><p>2023年，某镇法律顾问制度得到落实，依法行政水平不断提高。</p><p>二、存在的问题</p><p>执法人员的法治意识还需增强。扫一扫在手机打开当前页</p><div class="footer">主办单位：某县人民政府办公室 网站标识码：1234567890</div></div></div></body></html>"#;
const CHROME_CRAWL: &str = "标题: 某乡关于2023年度法治政府建设情况的报告\n发布时间: 2024-01-17 09:30\n发布机构: 某县人民政府\n==== 正文 ====\n\
     当前位置： 首页政务公开法治政府建设 某乡关于2023年度法治政府建设情况的报告 时间：2024-01-17 09:30 【字体：大 中 小】 一、总体情况 2023年，某乡落实法律顾问制度。 来源：某县人民政府 附件下载\n\
     二、下一步打算\n继续推进依法行政。\n扫一扫在手机打开当前页\n";
const NO_CHROME: &str = "某村2023年法治政府建设情况报告\n一、总体情况\n2023年，某村依法行政。\n";

/// The text as read marked as `fazhi-index --explain` marks it, from what `/api/report` gives.
fn marked_as_read(report: &Value) -> String {
    let text = report["as_read"].as_str().expect("as_read");
    let dropped = report["dropped"].as_array().expect("dropped");
    let mut out = String::new();
    for (i, line) in text.split('\n').enumerate() {
        let chars: Vec<char> = line.chars().collect();
        let mut at = 0;
        out.push_str(&format!("{:>5} | ", i + 1));
        for d in dropped.iter().filter(|d| d["line"] == i + 1) {
            let (start, end) = (
                d["start"].as_u64().unwrap() as usize,
                d["end"].as_u64().unwrap() as usize,
            );
            let cut: String = chars[start..end].iter().collect();
            assert_eq!(cut, d["text"].as_str().expect("text"), "{d}");
            out.extend(&chars[at..start]);
            out.push_str(&format!(
                "[-{cut}-]{{{}}}",
                d["rule"].as_str().expect("rule")
            ));
            at = end;
        }
        out.extend(&chars[at..]);
        out.push('\n');
    }
    out
}

/// `/api/report` gives what cleaning dropped from each report, from the index alone: the same
/// spans, with the same rules, in the same places as `fazhi-index --explain` shows them
/// reading the source file; and the kept text and the dropped spans together are the whole
/// visible text as read, in order.
#[test]
fn the_api_gives_what_cleaning_dropped_as_explain_shows_it() {
    let corpus = crate::util::temp_corpus(&[
        ("site/page.html", CHROME_PAGE.as_bytes()),
        ("crawl.txt", CHROME_CRAWL.as_bytes()),
        ("plain.txt", NO_CHROME.as_bytes()),
    ]);
    let index = tempfile::TempDir::new().expect("temp dir");
    crate::util::index(corpus.path(), index.path());
    let explained: Vec<(&str, String)> = ["site/page.html", "crawl.txt"]
        .into_iter()
        .map(|file| {
            let out = run(
                "fazhi-index",
                corpus.path(),
                &["--explain", file, "--lang", "en"],
            );
            assert!(out.status.success(), "{file}: {}", stderr(&out));
            let text = stdout(&out);
            let (_, rest) = text
                .split_once("== text as read; dropped spans marked [-like this-]{rule} ==\n")
                .unwrap_or_else(|| panic!("{file}: no text as read:\n{text}"));
            let (marked, _) = rest.split_once("\n== metadata ==").expect("metadata");
            (file, marked.to_string())
        })
        .collect();
    drop(corpus);
    let server = Server::start(index.path());
    for (file, marked) in &explained {
        let reply = server.get(&format!("/api/report?file={}", encode(file)));
        assert_eq!(reply.status, 200, "{file}: {}", reply.text());
        let got = reply.json();
        let dropped = got["dropped"].as_array().expect("dropped");
        assert!(dropped.len() >= 2, "{file}: {dropped:?}");
        assert_eq!(
            &marked_as_read(&got),
            marked,
            "{file}: the API's spans are --explain's"
        );
        for rule in ["breadcrumb", "mobile-qr"] {
            assert!(
                dropped.iter().any(|d| d["rule"] == rule),
                "{file} dropped {rule}: {dropped:?}"
            );
        }
        // Kept and dropped, in order, are the visible text as read.
        let visible = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
        let mut lines: Vec<Vec<char>> = got["as_read"]
            .as_str()
            .expect("as_read")
            .split('\n')
            .map(|l| l.chars().collect())
            .collect();
        for d in dropped.iter().rev() {
            let line = &mut lines[d["line"].as_u64().unwrap() as usize - 1];
            let (start, end) = (
                d["start"].as_u64().unwrap() as usize,
                d["end"].as_u64().unwrap() as usize,
            );
            line.drain(start..end);
        }
        let left: String = lines
            .iter()
            .map(|l| l.iter().collect::<String>() + "\n")
            .collect();
        let kept: String = got["sections"]
            .as_array()
            .expect("sections")
            .iter()
            .map(|s| s["text"].as_str().expect("text"))
            .collect();
        assert_eq!(
            visible(&left),
            visible(&kept),
            "{file}: nothing else was lost"
        );
    }
    let plain = server.get("/api/report?file=plain.txt").json();
    assert_eq!(plain["dropped"], serde_json::json!([]));
    assert_eq!(plain["as_read"], Value::Null);
}
