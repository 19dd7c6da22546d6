//! Hostile files never stop an index run: a reader that crashes, hangs or runs out of memory on
//! one costs that file only, named with the reason and remembered until it changes; names that
//! are not UTF-8 stay distinct; links out of the corpus are not followed; web pages and Word
//! documents in the shapes real ones take lose no prose.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use fazhi_search::IndexConfig;
use fazhi_search::index::writer::update;
use fazhi_search::ingest::worker::{Isolation, Limits};
use fazhi_search::ingest::{FileFormat, extract_format};
use fazhi_search::search::Query;
use fazhi_search::{Engine, SearchRequest};

use indicatif::ProgressBar;
use tempfile::TempDir;

use crate::util::{corpus_dir, run, stderr, temp_corpus};

const SELFDRAW: &[u8] = include_bytes!("../fixtures/selfdraw.pdf");

fn worker_config(corpus: &Path, index: &Path, limits: Limits) -> IndexConfig {
    IndexConfig {
        isolation: Isolation::Workers {
            exe: PathBuf::from(env!("CARGO_BIN_EXE_fazhi-index")),
            limits,
        },
        ..IndexConfig::new(corpus.to_path_buf(), index.to_path_buf(), 2)
    }
}

/// How many reports' sections hold `term`.
fn reports_with(index: &Path, term: &str) -> usize {
    let engine = Engine::open(index).expect("open the index");
    let results = engine
        .search(&SearchRequest {
            query: Query::Text(term.into()),
            // A link and its target are the same report: the files read are counted.
            filters: fazhi_search::Filters::default().every_copy(),
            limit: Some(0),
            facet_limit: None,
        })
        .expect("search");
    results.total_reports
}

fn bundled_report(n: usize) -> String {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("corpus/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    std::fs::read_to_string(&files[n]).expect("a bundled report")
}

#[test]
fn a_pdf_that_crashes_its_reader_is_named_skipped_and_not_retried_until_it_changes() {
    let dir = temp_corpus(&[
        ("corpus/selfdraw.pdf", SELFDRAW),
        (
            "corpus/good.txt",
            "某镇2023年法治政府建设年度报告\n一、工作开展情况\n崩溃之后照常索引的报告。\n"
                .as_bytes(),
        ),
    ]);
    let out = run("fazhi-index", dir.path(), &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "the run goes on: {err}");
    assert!(
        err.contains("已跳过 selfdraw.pdf：PDF 读取器在这个文件上崩溃"),
        "the file is named with the reason: {err}"
    );
    assert_eq!(reports_with(&dir.path().join("index"), "照常索引"), 1);
    let remembered = std::fs::read_to_string(dir.path().join("index/poisoned.tsv"))
        .expect("the index folder remembers the file");
    assert!(remembered.contains("selfdraw.pdf\t881\t"), "{remembered}");

    let again = stderr(&run("fazhi-index", dir.path(), &[]));
    assert!(
        again.contains("已跳过 selfdraw.pdf：PDF 读取器在这个文件上崩溃")
            && again.contains("（上一次运行时；文件此后未变"),
        "the next run does not try it again: {again}"
    );

    let mut changed = SELFDRAW.to_vec();
    changed.extend_from_slice(b"\n% changed\n");
    std::fs::write(dir.path().join("corpus/selfdraw.pdf"), changed).expect("write");
    let after_change = stderr(&run("fazhi-index", dir.path(), &[]));
    assert!(
        after_change.contains("已跳过 selfdraw.pdf") && !after_change.contains("上一次运行时"),
        "a changed file is tried again: {after_change}"
    );
}

#[test]
fn a_pdf_its_reader_panics_on_is_one_line_naming_it() {
    let pdf = fazhi_search::ingest::pdf::pdf_its_reader_panics_on();
    let dir = temp_corpus(&[
        ("corpus/panics.pdf", &pdf),
        (
            "corpus/good.txt",
            "某镇2023年法治政府建设年度报告\n一、工作开展情况\n照常索引的报告。\n".as_bytes(),
        ),
    ]);
    let out = run("fazhi-index", dir.path(), &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "the run goes on: {err}");
    let named: Vec<&str> = err.lines().filter(|l| l.contains("panics.pdf")).collect();
    assert!(
        matches!(named[..], [line] if line.contains("已跳过 panics.pdf：不是可读的 PDF")),
        "one line names the file: {err}"
    );
    assert!(
        !err.contains("panicked") && !err.contains("RUST_BACKTRACE"),
        "the reader's panic stays in the worker: {err}"
    );
    assert_eq!(reports_with(&dir.path().join("index"), "照常索引"), 1);
}

/// A PDF whose one page's content stream inflates from about 1 MB to `inflated` bytes of
/// spaces (valid content: white space between no operators).
fn pdf_stream_bomb(inflated: usize) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let chunk = vec![b' '; 1 << 20];
    for _ in 0..inflated / chunk.len() {
        z.write_all(&chunk).expect("deflate");
    }
    let content = z.finish().expect("deflate");
    let objects: [Vec<u8>; 4] = [
        b"<< /Type /Catalog /Pages 2 0 R >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>".to_vec(),
        [
            format!(
                "<< /Length {} /Filter /FlateDecode >>\nstream\n",
                content.len()
            )
            .as_bytes(),
            &content,
            b"\nendstream",
        ]
        .concat(),
    ];
    fazhi_search::ingest::pdf::pdf_of_objects(&objects)
}

#[test]
fn a_pdf_stream_bomb_hits_the_memory_limit_and_the_rest_is_indexed() {
    let bomb = pdf_stream_bomb(1 << 30);
    let dir = temp_corpus(&[
        ("corpus/bomb.pdf", &bomb),
        (
            "corpus/good.txt",
            "某镇2023年法治政府建设年度报告\n一、工作开展情况\n炸弹旁边的报告。\n".as_bytes(),
        ),
    ]);
    let index = dir.path().join("index");
    let limits = Limits {
        time: Duration::from_secs(600),
        memory: 256 * 1024 * 1024,
    };
    let summary = update(
        &worker_config(&dir.path().join("corpus"), &index, limits),
        &ProgressBar::hidden(),
    )
    .expect("the run goes on");
    let skipped = summary
        .skipped
        .iter()
        .find(|s| s.file == "bomb.pdf")
        .unwrap_or_else(|| panic!("the bomb is named: {:?}", summary.skipped));
    assert!(
        skipped.reason.en.contains("more than 256 MB of memory"),
        "{skipped:?}"
    );
    assert_eq!((summary.added, summary.totals.reports), (1, 1));
    assert_eq!(reports_with(&index, "炸弹旁边"), 1);
}

#[test]
fn a_reader_that_takes_too_long_is_stopped_and_named() {
    let bomb = pdf_stream_bomb(1 << 30);
    let dir = temp_corpus(&[("corpus/slow.pdf", &bomb)]);
    let limits = Limits {
        // Inflating a gigabyte takes longer than this on any machine.
        time: Duration::from_millis(50),
        memory: u64::MAX,
    };
    let summary = update(
        &worker_config(
            &dir.path().join("corpus"),
            &dir.path().join("index"),
            limits,
        ),
        &ProgressBar::hidden(),
    )
    .expect("the run goes on");
    assert!(
        summary
            .skipped
            .iter()
            .any(|s| s.file == "slow.pdf" && s.reason.en.contains("took longer than 0.05 s")),
        "{:?}",
        summary.skipped
    );
}

/// A page of `n` nested `<div>`s around a report's text, and one of `n` `<div><p>` blocks.
fn deep_and_wide_pages(n: usize) -> (String, String) {
    let deep = format!(
        "<html><body>{}深层嵌套的报告正文，法律顾问审核合同。{}</body></html>",
        "<div>".repeat(n),
        "</div>".repeat(n)
    );
    let wide = format!(
        "<html><body>{}</body></html>",
        (0..n)
            .map(|i| format!("<div><p>第{i}段，依法行政的宽页面内容。</p></div>"))
            .collect::<String>()
    );
    (deep, wide)
}

#[test]
fn deeply_nested_and_very_wide_pages_are_read_whole_in_process() {
    let (deep, wide) = deep_and_wide_pages(100_000);
    let (_, wide_small) = deep_and_wide_pages(50_000);
    let dir = temp_corpus(&[
        ("corpus/deep.html", deep.as_bytes()),
        ("corpus/wide.html", wide.as_bytes()),
        ("corpus/wide_small.htm", wide_small.as_bytes()),
    ]);
    let index = dir.path().join("index");
    let config = IndexConfig {
        isolation: Isolation::InProcess,
        ..IndexConfig::new(dir.path().join("corpus"), index.clone(), 2)
    };
    let summary = update(&config, &ProgressBar::hidden()).expect("the run succeeds");
    assert!(summary.skipped.is_empty(), "{:?}", summary.skipped);
    assert_eq!(summary.added, 3);
    assert_eq!(reports_with(&index, "深层嵌套的报告正文"), 1);
    for term in ["第0段", "第49999段"] {
        assert_eq!(reports_with(&index, term), 2, "{term}");
    }
    assert_eq!(reports_with(&index, "第99999段"), 1);
}

#[test]
fn names_that_are_not_utf8_are_distinct_reports_shown_escaped() {
    use std::os::unix::ffi::OsStrExt;
    let dir = TempDir::new().expect("temp dir");
    let corpus = dir.path().join("corpus");
    std::fs::create_dir_all(&corpus).expect("mkdir");
    let towns = ["中山镇", "东山镇", "西山镇", "南山镇", "北山镇"];
    for (i, town) in towns.iter().enumerate() {
        let name = format!("{town}报告{i}.txt");
        let (gbk, _, _) = encoding_rs::GBK.encode(&name);
        let name = std::ffi::OsStr::from_bytes(&gbk);
        std::fs::write(
            corpus.join(name),
            format!("{town}2023年法治政府建设年度报告\n一、工作开展情况\n第{i}号独有内容。\n"),
        )
        .expect("write");
    }
    let config = IndexConfig {
        isolation: Isolation::InProcess,
        ..IndexConfig::new(corpus.clone(), dir.path().join("index"), 2)
    };
    let first = update(&config, &ProgressBar::hidden()).expect("indexed");
    assert_eq!((first.added, first.totals.reports), (5, 5));
    let names: Vec<&str> = first.read.iter().map(|(f, _)| f.as_str()).collect();
    assert!(
        names.iter().any(|n| n.starts_with("\\xD6\\xD0")),
        "中 in GBK is shown as its bytes: {names:?}"
    );
    let second = update(&config, &ProgressBar::hidden()).expect("indexed");
    assert_eq!((second.unchanged, second.added, second.removed), (5, 0, 0));
    assert_eq!(second.totals.reports, 5);
    for i in 0..5 {
        assert_eq!(
            reports_with(&dir.path().join("index"), &format!("第{i}号独有内容")),
            1
        );
    }
}

#[test]
fn links_out_of_the_corpus_are_named_and_not_followed_unless_asked() {
    let dir = temp_corpus(&[(
        "corpus/inside.txt",
        "某镇2023年法治政府建设年度报告\n一、工作开展情况\n里面的报告内容。\n".as_bytes(),
    )]);
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(outside.join("folder")).expect("mkdir");
    std::fs::write(
        outside.join("secret.txt"),
        "外面的秘密文件\n一、情况\n外部秘密内容。\n",
    )
    .expect("write");
    std::fs::write(
        outside.join("folder/more.txt"),
        "外面的目录\n一、情况\n外部目录内容。\n",
    )
    .expect("write");
    let corpus = dir.path().join("corpus");
    let link = |target: &Path, name: &str| {
        std::os::unix::fs::symlink(target, corpus.join(name)).expect("symlink");
    };
    link(&outside.join("secret.txt"), "link.txt");
    link(&outside.join("folder"), "folder");
    link(&corpus.join("inside.txt"), "alias.txt");

    let out = run("fazhi-index", dir.path(), &[]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    for (name, target) in [
        ("link.txt", "outside/secret.txt"),
        ("folder", "outside/folder"),
    ] {
        let line = err
            .lines()
            .find(|l| l.contains(&format!("已跳过 {name}：指向语料之外 ")))
            .unwrap_or_else(|| panic!("{name} is named: {err}"));
        assert!(
            line.contains(target) && line.contains("的符号链接（要读取它请用 --follow-links）"),
            "{line}"
        );
    }
    let index = dir.path().join("index");
    assert_eq!(reports_with(&index, "外部秘密内容"), 0);
    assert_eq!(reports_with(&index, "外部目录内容"), 0);
    assert_eq!(
        reports_with(&index, "里面的报告内容"),
        2,
        "a link to a file inside the corpus is read"
    );

    let out = run("fazhi-index", dir.path(), &["--follow-links"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(reports_with(&index, "外部秘密内容"), 1);
    assert_eq!(reports_with(&index, "外部目录内容"), 1);
}

/// The prose lines of a bundled report: what a reader sees, which must all be found.
fn prose_lines(report: &str) -> Vec<String> {
    report
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| l.chars().count() >= 2)
        .collect()
}

fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[test]
fn an_article_joined_by_br_beside_chrome_siblings_is_read_whole() {
    for n in 0..3 {
        let report = bundled_report(n);
        let body = prose_lines(&report).join("<br>\n");
        let page = format!(
            "<html><head><meta charset=\"utf-8\"><title>报告</title></head><body>\
             <div class=\"main\">\
             <div class=\"crumbs-bar\">当前位置：首页 &gt; 政务公开 &gt; 法治政府建设</div>\
             <div class=\"tools\"><p>【字体：大 中 小】 分享到：微信 微博 QQ空间 打印本页</p></div>\
             <div>{body}</div>\
             <div class=\"bottom\"><p>主办单位：某县人民政府办公室 网站标识码：1234567890</p>\
             <p>地址：某县某路1号 邮编：000000 联系电话：0000-0000000</p></div>\
             </div></body></html>"
        );
        let extracted = extract_format(FileFormat::Html, page.as_bytes()).expect("the page");
        let emitted = squeeze(&extracted.text);
        for line in &prose_lines(&report) {
            assert!(
                emitted.contains(&squeeze(line)),
                "report {n}: {line:?} is lost from the page"
            );
        }
    }
}

#[test]
fn a_docx_with_paragraphs_split_into_runs_is_read_whole() {
    for n in 0..3 {
        let report = bundled_report(n);
        let lines = prose_lines(&report);
        let mut body = String::new();
        for line in &lines {
            let chars: Vec<char> = line.chars().collect();
            body.push_str(
                "<w:p><w:pPr><w:tabs><w:tab w:val=\"left\" w:pos=\"420\"/></w:tabs></w:pPr>",
            );
            // Word splits a paragraph wherever formatting, spelling marks or revisions change.
            for (i, run) in chars.chunks(3).enumerate() {
                let run: String = run.iter().collect();
                let extra = match i % 7 {
                    3 => "<w:softHyphen/>",
                    5 => "<w:proofErr w:type=\"spellStart\"/>",
                    _ => "",
                };
                body.push_str(&format!(
                    "<w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">{}</w:t>{extra}</w:r>",
                    run.replace('&', "&amp;").replace('<', "&lt;")
                ));
            }
            body.push_str("</w:p>");
        }
        let document = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"><w:body>{body}</w:body></w:document>"
        );
        let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("word/document.xml", options)
            .expect("zip entry");
        zip.write_all(document.as_bytes()).expect("write");
        let docx = zip.finish().expect("zip").into_inner();

        let extracted = extract_format(FileFormat::Docx, &docx).expect("the document");
        let paragraphs: Vec<&str> = extracted.text.lines().map(str::trim).collect();
        for line in &lines {
            assert!(
                paragraphs.contains(&line.as_str()),
                "report {n}: {line:?} is not read as one paragraph, text intact"
            );
        }
    }
}

#[test]
fn emitting_ndjson_reads_the_risky_formats_in_a_worker_too() {
    let dir = temp_corpus(&[
        ("corpus/selfdraw.pdf", SELFDRAW),
        (
            "corpus/good.txt",
            "某镇2023年法治政府建设年度报告\n一、工作开展情况\n崩溃之后照常导出的报告。\n"
                .as_bytes(),
        ),
    ]);
    let out = run(
        "fazhi-index",
        dir.path(),
        &["--emit", "ndjson", "-o", "sections.ndjson"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "the export goes on: {err}");
    assert!(
        err.contains("selfdraw.pdf") && err.contains("PDF 读取器在这个文件上崩溃"),
        "the file is named with the reason: {err}"
    );
    let emitted = std::fs::read_to_string(dir.path().join("sections.ndjson")).expect("written");
    assert!(
        emitted.contains("照常导出"),
        "the rest is emitted: {emitted}"
    );
}

#[test]
fn explaining_a_file_that_crashes_its_reader_names_it() {
    let dir = temp_corpus(&[("corpus/selfdraw.pdf", SELFDRAW)]);
    let out = run(
        "fazhi-index",
        dir.path(),
        &["--explain", "corpus/selfdraw.pdf"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "an error, not an abort: {err}");
    assert!(
        err.contains("selfdraw.pdf") && err.contains("PDF 读取器在这个文件上崩溃"),
        "the file is named with the reason: {err}"
    );
}
