//! Real-world input: every encoding and format reports come in, junk that must be named and
//! passed over, one-line crawls, hostile queries, and queries during an index run.

use std::process::{Command, Stdio};

use fazhi_search::ingest::pdf::pdf_with_text;
use fazhi_search::ingest::text::utf16_with_bom as utf16;
use fazhi_search::search::{self, Query};
use fazhi_search::{SearchRequest, normalize};
use proptest::prelude::*;
use serde_json::Value;
use tempfile::TempDir;

use crate::util::{copy_seeds, multiply_corpus, run, seed_engine, stderr, stdout, temp_corpus};

/// A .docx made the way Word lays one out, with a Title-styled first paragraph.
fn docx(title: &str, paragraphs: &[&str]) -> Vec<u8> {
    let para = |style: Option<&str>, text: &str| {
        let style = style.map_or(String::new(), |s| {
            format!("<w:pPr><w:pStyle w:val=\"{s}\"/></w:pPr>")
        });
        format!("<w:p>{style}<w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>")
    };
    let mut body = para(Some("Title"), title);
    for p in paragraphs {
        body.push_str(&para(None, p));
    }
    crate::util::docx_package(&body)
}

const PAGE: &str = r#"<!DOCTYPE html><html><head><meta charset="utf-8">
<title>丁镇2023年法治政府建设情况报告_某县人民政府网</title>
<meta name="PubDate" content="2024-01-17 09:30"><script>var s = "脚本中的字";</script></head>
<body><div class="nav"><a href="/">首页</a> <a>政务公开</a></div>
<div class="breadcrumb">当前位置：首页 &gt; 政务公开 &gt; 法治政府建设</div>
<div id="zoom"><p>2023年，丁镇坚持依法行政，丁四号词，法律顾问参与重大行政决策合法性审查，基层治理法治化水平持续提升。</p>
<p>一、工作开展情况</p><p>（一）强化组织领导。成立领导小组。</p>
<div class="share">分享到：微信 微博</div></div>
<div class="footer">主办单位：某县人民政府办公室 网站标识码：1234567890 京ICP备12345678号</div></body></html>"#;

fn total(dir: &std::path::Path, query: &str) -> (u64, Value) {
    let out = run("fazhi-query", dir, &["--format", "json", "--all", query]);
    assert_ne!(out.status.code(), Some(2), "{query}: {}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    (v["total_sections"].as_u64().expect("total"), v)
}

#[test]
fn every_format_and_encoding_is_searchable() {
    let report = |town: &str, term: &str| {
        format!(
            "{town}2023年法治政府建设年度报告\n一、工作开展情况\n全年{term}，依法行政取得成效。\n"
        )
    };
    let gb_text = report("甲镇", "甲一号词");
    let (gb18030, _, _) = encoding_rs::GB18030.encode(&gb_text);
    let corpus = temp_corpus(&[
        ("corpus/gb18030.txt", &gb18030),
        (
            "corpus/utf16le.txt",
            &utf16(&report("乙镇", "乙二号词"), false),
        ),
        (
            "corpus/utf16be.txt",
            &utf16(&report("丙镇", "丙三号词"), true),
        ),
        ("corpus/page.html", PAGE.as_bytes()),
        (
            "corpus/report.docx",
            &docx(
                "戊镇2023年法治政府建设年度报告",
                &["一、工作开展情况", "全年戊五号词，依法行政取得成效。"],
            ),
        ),
        (
            "corpus/report.pdf",
            &pdf_with_text(&[
                "己镇2023年法治政府建设年度报告",
                "一、工作开展情况",
                "全年己六号词，依法行政取得成效。",
            ]),
        ),
    ]);
    let out = run("fazhi-index", corpus.path(), &["--verbose"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    for (file, how) in [
        ("gb18030.txt", "text, gb18030"),
        ("utf16le.txt", "text, UTF-16LE"),
        ("utf16be.txt", "text, UTF-16BE"),
        ("page.html", "HTML, UTF-8"),
        ("report.docx", "Word .docx"),
        ("report.pdf", "PDF"),
    ] {
        let said = err.lines().any(|l| {
            l.contains(&format!("已读取 {file}（"))
                && (l.contains(how) || (how.contains("gb18030") && l.contains("GBK")))
        });
        assert!(
            said,
            "--verbose should say how {file} was read ({how}): {err}"
        );
    }
    assert!(!err.contains("已跳过"), "{err}");
    for (term, file, section_type) in [
        ("甲一号词", "gb18030.txt", "measures"),
        ("乙二号词", "utf16le.txt", "measures"),
        ("丙三号词", "utf16be.txt", "measures"),
        ("丁四号词", "page.html", "overview"),
        ("成立领导小组", "page.html", "measures"),
        ("戊五号词", "report.docx", "measures"),
        ("己六号词", "report.pdf", "measures"),
    ] {
        let (n, v) = total(corpus.path(), term);
        assert_eq!(n, 1, "{term} from {file}");
        assert_eq!(v["hits"][0]["file"], file);
        assert_eq!(
            v["hits"][0]["section_type"], section_type,
            "{file}: its headings are recognised"
        );
    }
    for chrome in [
        "首页",
        "当前位置",
        "脚本中的字",
        "分享到",
        "主办单位",
        "网站标识码",
        "ICP备",
    ] {
        assert_eq!(
            total(corpus.path(), chrome).0,
            0,
            "page chrome {chrome:?} must not be indexed"
        );
    }
    let (_, v) = total(corpus.path(), "丁四号词");
    assert_eq!(
        v["hits"][0]["title"], "丁镇2023年法治政府建设情况报告",
        "title from the page"
    );
    assert_eq!(
        v["hits"][0]["published"], "2024-01-17",
        "date from the page"
    );
    let (_, v) = total(corpus.path(), "戊五号词");
    assert_eq!(
        v["hits"][0]["title"], "戊镇2023年法治政府建设年度报告",
        "title from the Title style"
    );
}

#[test]
fn one_line_crawl_with_crawler_header() {
    let crawl = "标题: 丁镇2023年法治政府建设年度报告\n发布时间: 2024-01-17\n发布机构: 丁镇人民政府\n原文链接: http://www.example.gov.cn/art/2024/1/17/art_1.html\n==== 正文 ====\n\
        2023年，丁镇全面推进依法行政，现将有关情况报告如下。一、工作开展情况　（一）深入学习宣传。组织学法活动12场。（二）严格规范执法。二、存在的不足　执法力量偏弱的问题仍然存在。三、下一步工作打算　持续加强执法队伍建设。";
    let corpus = temp_corpus(&[("corpus/crawl.txt", crawl.as_bytes())]);
    let out = run("fazhi-index", corpus.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let rows = [
        (
            "组织学法活动",
            "measures",
            "一、工作开展情况 / （一）深入学习宣传",
        ),
        ("执法力量偏弱", "shortcomings", "二、存在的不足"),
        ("持续加强执法队伍", "plans", "三、下一步工作打算"),
    ];
    for (term, section_type, headings) in rows {
        let (n, v) = total(corpus.path(), term);
        assert_eq!(n, 1, "{term}");
        let hit = &v["hits"][0];
        assert_eq!(hit["section_type"], section_type, "{term}");
        let path: Vec<&str> = hit["headings"]
            .as_array()
            .expect("headings")
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert_eq!(path.join(" / "), headings, "{term}");
        assert_eq!(hit["title"], "丁镇2023年法治政府建设年度报告");
        assert_eq!(hit["published"], "2024-01-17");
        assert_eq!(hit["issuer"], "丁镇人民政府");
    }
    for header in ["原文链接", "example", "正文 ===", "标题"] {
        assert_eq!(
            total(corpus.path(), header).0,
            0,
            "crawler header {header:?} is not section text"
        );
    }
}

#[test]
fn junk_is_named_and_the_rest_indexed() {
    let good =
        "某镇2023年法治政府建设年度报告\n一、工作开展情况\n正常报告内容可以检索。\n".as_bytes();
    let mut binary = vec![0u8; 4096];
    for (i, b) in binary.iter_mut().enumerate() {
        *b = (i * 7919 % 251) as u8;
    }
    let deep = (0..40)
        .map(|i| format!("d{i}"))
        .collect::<Vec<_>>()
        .join("/");
    let corpus = temp_corpus(&[
        ("corpus/good.txt", good),
        (
            &format!("corpus/{deep}/deep.txt"),
            "深层目录报告\n一、情况\n深层文件内容可以检索。\n".as_bytes(),
        ),
        ("corpus/empty.txt", b""),
        ("corpus/blank.txt", b"  \n\t\n"),
        ("corpus/random.txt", &binary),
        ("corpus/broken.docx", b"PK\x03\x04 not really a zip"),
        ("corpus/scan.pdf", &pdf_with_text(&[])),
        ("corpus/old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"),
        ("corpus/old.wps", b"\xd0\xcf\x11\xe0"),
        ("corpus/photo.jpg", b"\xff\xd8\xff"),
    ]);
    let root = corpus.path().join("corpus");
    std::os::unix::fs::symlink(&root, root.join("loop")).expect("symlink loop");
    std::os::unix::fs::symlink(root.join("missing.txt"), root.join("dangling.txt"))
        .expect("dangling symlink");
    let odd_name = std::ffi::OsStr::from_bytes_compat(b"bad\xffname.txt");
    std::fs::write(
        root.join(odd_name),
        "怪名报告\n一、情况\n怪名文件内容可以检索。\n",
    )
    .expect("odd name");

    let out = run("fazhi-index", corpus.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let err = stderr(&out);
    let expect_skip = [
        ("empty.txt", "没有文字"),
        ("blank.txt", "没有文字"),
        ("random.txt", "二进制数据"),
        ("broken.docx", "不是有效的 .docx"),
        ("scan.pdf", "没有文字层"),
        ("old.doc", "另存为 .docx"),
        ("old.wps", "另存为 .docx"),
        ("photo.jpg", "不支持的格式 .jpg"),
        ("loop", "符号链接形成循环"),
        ("dangling.txt", "No such file"),
    ];
    for (file, reason) in expect_skip {
        let line = err.lines().find(|l| l.contains(&format!("已跳过 {file}")));
        let line = line.unwrap_or_else(|| panic!("no line names {file}: {err}"));
        assert!(
            line.contains(reason),
            "{file}: {line:?} should say {reason:?}"
        );
    }
    assert!(!err.contains("panicked"));
    for term in ["正常报告内容", "深层文件内容", "怪名文件内容"] {
        assert_eq!(total(corpus.path(), term).0, 1, "{term} is indexed");
    }
    assert!(
        stdout(&out).contains("没有乡镇"),
        "unknown places are listed: {}",
        stdout(&out)
    );
}

/// `OsStr::from_bytes` without importing the Unix extension at every call.
trait FromBytesCompat {
    fn from_bytes_compat(bytes: &[u8]) -> &std::ffi::OsStr;
}

impl FromBytesCompat for std::ffi::OsStr {
    fn from_bytes_compat(bytes: &[u8]) -> &std::ffi::OsStr {
        std::os::unix::ffi::OsStrExt::from_bytes(bytes)
    }
}

#[test]
fn a_twenty_megabyte_single_line() {
    let line = format!("{}关键结尾词。", "法治政府建设依法行政".repeat(700_000));
    assert!(line.len() > 20_000_000);
    let corpus = temp_corpus(&[("corpus/huge.txt", line.as_bytes())]);
    let out = run("fazhi-index", corpus.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let (n, v) = total(corpus.path(), "关键结尾词");
    assert_eq!(n, 1);
    let passage = v["hits"][0]["passage"].as_str().expect("passage");
    assert!(
        passage.contains("关键结尾词") && passage.chars().count() < 1000,
        "a readable passage, not 20 MB"
    );
}

#[test]
fn nothing_indexable_is_an_error() {
    let corpus = temp_corpus(&[("corpus/empty.txt", b""), ("corpus/old.doc", b"\xd0\xcf")]);
    let out = run("fazhi-index", corpus.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("中没有一份报告能建立索引"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("已跳过 old.doc"), "{}", stderr(&out));
}

#[test]
fn an_index_that_cannot_be_written_is_an_error() {
    let corpus = temp_corpus(&[
        ("corpus/good.txt", "某镇报告\n一、情况\n内容。\n".as_bytes()),
        ("blocker", b"a file"),
    ]);
    let out = run("fazhi-index", corpus.path(), &["--index", "blocker/index"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("无法写入 blocker/index"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

/// Queries answer from the last commit while an index run is writing.
#[test]
fn queries_keep_working_while_indexing() {
    let dir = TempDir::new().expect("temp dir");
    let corpus = dir.path().join("corpus");
    copy_seeds(&corpus);
    assert_eq!(run("fazhi-index", dir.path(), &[]).status.code(), Some(0));
    let before = run(
        "fazhi-query",
        dir.path(),
        &["--format", "jsonl", "--all", "法律顾问"],
    )
    .stdout;
    multiply_corpus(&corpus, 300, |_| String::new());
    let mut child = Command::new(env!("CARGO_BIN_EXE_fazhi-index"))
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut during = Vec::new();
    while child.try_wait().expect("try_wait").is_none() && during.len() < 5 {
        let out = run(
            "fazhi-query",
            dir.path(),
            // Every file counted: the copies are the same report (counted once without it).
            &["--format", "jsonl", "--all", "--with-copies", "法律顾问"],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "a query during the run: {}",
            stderr(&out)
        );
        during.push(out.stdout);
    }
    let status = child.wait().expect("wait");
    assert!(status.success());
    if during.is_empty() {
        eprintln!("the index run ended before a query could start; nothing checked during it");
    }
    for out in &during {
        let lines = String::from_utf8_lossy(out).lines().count();
        let before_lines = String::from_utf8_lossy(&before).lines().count();
        assert!(
            *out == before || lines == before_lines * 301,
            "a query saw a half-written index ({lines} hits)"
        );
    }
    let after = run(
        "fazhi-query",
        dir.path(),
        &["--format", "json", "--with-copies", "法律顾问"],
    );
    let v: Value = serde_json::from_slice(&after.stdout).expect("json");
    assert_eq!(
        v["total_sections"],
        16 * 301,
        "the run's commit is seen afterwards"
    );
}

const HOSTILE: [&str; 16] = [
    "\"",
    "\"\"\"",
    "(",
    ")",
    "((((((",
    "))))",
    "OR",
    "AND OR NOT",
    "- - -",
    "NOT NOT NOT 法",
    "\u{1}\u{2}\u{7f}",
    "\u{200b}\u{feff}",
    "（（（（）",
    "\\\"\\",
    "*?[]{}^$|+.",
    "%s%n%x",
];

#[test]
fn hostile_queries_get_results_or_a_message() {
    let dir = TempDir::new().expect("temp dir");
    copy_seeds(&dir.path().join("corpus"));
    assert_eq!(run("fazhi-index", dir.path(), &[]).status.code(), Some(0));
    let long_same = "法".repeat(5000);
    let long_mixed: String = "依法治镇法律顾问 ".repeat(1100);
    let too_long = "法".repeat(10_001);
    let mut queries: Vec<&str> = HOSTILE.to_vec();
    queries.extend([long_same.as_str(), long_mixed.as_str(), too_long.as_str()]);
    for q in queries {
        let out = run("fazhi-query", dir.path(), &["--", q]);
        let code = out.status.code();
        assert!(matches!(code, Some(0..=2)), "{q:?} ended with {code:?}");
        let err = stderr(&out);
        assert!(!err.contains("panicked"), "{q:?}: {err}");
        if code == Some(2) {
            assert!(
                err.contains("fazhi-query: 错误："),
                "{q:?}: a message, not silence: {err}"
            );
        }
    }
}

fn search_never_panics(text: &str) {
    match search::parse(text) {
        Ok(query) => {
            let request = SearchRequest {
                query,
                filters: Default::default(),
                limit: Some(5),
                facet_limit: None,
            };
            seed_engine()
                .search(&request)
                .expect("a parsed query always runs");
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
}

#[test]
fn nul_bytes_and_control_characters() {
    for q in ["法\0治", "\0", "\"\0\"", "(\0)", "法律\u{1b}[31m顾问"] {
        search_never_panics(q);
    }
    let results = seed_engine()
        .search(&SearchRequest {
            query: Query::Text("\0".into()),
            filters: Default::default(),
            limit: None,
            facet_limit: None,
        })
        .expect("search");
    assert_eq!(results.total_sections, 0, "no section contains a NUL");
    assert_eq!(normalize("\0"), "\0");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Any string, through the parser and the engine: results or an error, never a panic.
    #[test]
    fn any_query_string_is_safe(text in "[法治律顾问 ()\"ORNDT\\-（）\\x00-\\x1f]{0,40}") {
        search_never_panics(&text);
    }

    #[test]
    fn any_unicode_is_safe(text in any::<String>()) {
        search_never_panics(&text);
    }
}
