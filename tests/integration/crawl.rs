//! The source is the oracle: every bundled report, dressed in the forms real crawls take
//! (a crawler header and the whole article on one line between a breadcrumb and a footer, a web
//! page, a PDF copy hard-wrapped, GB18030, full-width indentation, a .docx of split runs,
//! invisible characters), is indexed once, and random substrings of the report's visible prose,
//! read from the raw file and never from the parser, must find that file, in sections that
//! contain them. Also `fazhi-index --explain` and the warning for a file mostly lost to chrome.

use std::sync::{LazyLock, OnceLock};

use fazhi_search::{Engine, Query, SearchRequest, normalize};
use proptest::prelude::*;
use regex::Regex;
use tempfile::TempDir;

use crate::util::{index, run, seed_files, stderr, stdout, temp_corpus};

/// A bundled report as a reader sees it.
struct Seed {
    /// The file's name without its extension.
    stem: String,
    /// The lines a reader reads as the report, trimmed: the site chrome lines of a saved web
    /// page (当前位置, 索引号 rows, the footer) and Word bookmarks are not among them.
    paragraphs: Vec<String>,
    /// The paragraphs read across their line breaks, as characters.
    prose: Vec<char>,
    /// `starts[i]`: a heading or an inline point (一、 （一） 1. 一是) may start at character i,
    /// so a section may end before it; a substring is drawn inside one section.
    starts: Vec<bool>,
    /// `headings[i]`: a heading (一、 （一） 1.) may start at character i.
    headings: Vec<bool>,
    /// Where an inline point (一是, 二是…) may start: a phrase is drawn across each.
    points: Vec<usize>,
}

/// Lines of a saved page that are its site's chrome, in the bundled corpus's own words.
static CHROME_LINE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(当前位置|索引号|内容分类|附件下载|扫一扫在手机打开当前页|主办单位)|ICP备")
        .expect("static regex")
});
static BOOKMARK: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[bookmark:[^\]]*\]").expect("static regex"));
/// Where a heading or an inline point may start, coarsely: more places than the heading
/// grammar takes, so that no substring crosses a section boundary.
static SECTION_START: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[一二三四五六七八九十]+[、是]|[（(][一二三四五六七八九十0-9]+[)）]|[0-9]+[.．、]")
        .expect("static regex")
});

fn seeds() -> &'static [Seed] {
    static SEEDS: OnceLock<Vec<Seed>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        seed_files()
            .iter()
            .map(|path| {
                let raw = std::fs::read_to_string(path).expect("seed is UTF-8");
                let paragraphs: Vec<String> = raw
                    .lines()
                    .map(|l| BOOKMARK.replace_all(l, "").trim().to_string())
                    .filter(|l| !l.is_empty() && !CHROME_LINE.is_match(l))
                    .collect();
                let joined = paragraphs.concat();
                let prose: Vec<char> = joined.chars().collect();
                let mut starts = vec![false; prose.len()];
                let mut headings = vec![false; prose.len()];
                let mut points = Vec::new();
                let char_at: Vec<usize> = joined.char_indices().map(|(b, _)| b).collect();
                for m in SECTION_START.find_iter(&joined) {
                    if let Ok(i) = char_at.binary_search(&m.start()) {
                        starts[i] = true;
                        if m.as_str().ends_with('是') {
                            points.push(i);
                        } else {
                            headings[i] = true;
                        }
                    }
                }
                Seed {
                    stem: path
                        .file_stem()
                        .expect("name")
                        .to_string_lossy()
                        .into_owned(),
                    paragraphs,
                    prose,
                    starts,
                    headings,
                    points,
                }
            })
            .collect()
    })
}

/// A small deterministic generator, so that every run builds the same corpus.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// The characters no reader sees, as Unicode defines them (format characters and the other
/// default-ignorable code points: U+034F, the Hangul fillers, variation selectors, tags…),
/// read from the regex crate's tables, not from the code under test. Pasted text carries the
/// common ones (U+200B, U+00AD, U+FEFF…) most often, so half the draws are those.
static INVISIBLE: LazyLock<Vec<char>> = LazyLock::new(|| {
    let unseen = Regex::new(r"^[\p{Cf}\p{Default_Ignorable_Code_Point}]$").expect("static regex");
    let mut buf = [0u8; 4];
    (0..=0x10FFFF)
        .filter_map(char::from_u32)
        .filter(|c| unseen.is_match(c.encode_utf8(&mut buf)))
        .collect()
});
const COMMON_INVISIBLE: [char; 7] = [
    '\u{200B}', '\u{00AD}', '\u{2060}', '\u{FEFF}', '\u{200D}', '\u{200E}', '\u{200F}',
];

/// A crawl's forms, each a folder of the one corpus.
#[derive(Debug, Clone, Copy)]
enum Form {
    /// Crawler header, then the article on one line between a breadcrumb run and a footer.
    OneLine,
    /// A web page whose article is one block of `<br>`-joined text beside chrome siblings.
    Html,
    /// A PDF copy: hard-wrapped at 30–40 characters.
    Wrapped,
    /// The one-line form in GB18030.
    Gb18030,
    /// Paragraphs indented with full-width spaces and separated by blank lines.
    Indented,
    /// A .docx whose paragraphs are split into several runs.
    DocxRuns,
    /// Invisible characters inserted at random.
    Invisible,
}

const FORMS: [Form; 7] = [
    Form::OneLine,
    Form::Html,
    Form::Wrapped,
    Form::Gb18030,
    Form::Indented,
    Form::DocxRuns,
    Form::Invisible,
];

impl Form {
    fn folder(self) -> &'static str {
        match self {
            Form::OneLine => "one-line",
            Form::Html => "html",
            Form::Wrapped => "wrapped",
            Form::Gb18030 => "gb18030",
            Form::Indented => "indented",
            Form::DocxRuns => "docx-runs",
            Form::Invisible => "invisible",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Form::Html => "html",
            Form::DocxRuns => "docx",
            _ => "txt",
        }
    }

    fn file(self, seed: &Seed) -> String {
        format!("{}/{}.{}", self.folder(), seed.stem, self.extension())
    }

    fn bytes(self, seed: &Seed, rng: &mut Rng) -> Vec<u8> {
        match self {
            Form::OneLine => one_line_crawl(seed).into_bytes(),
            Form::Html => web_page(seed).into_bytes(),
            Form::Wrapped => hard_wrapped(seed, rng).into_bytes(),
            Form::Gb18030 => encoding_rs::GB18030
                .encode(&one_line_crawl(seed))
                .0
                .into_owned(),
            Form::Indented => seed
                .paragraphs
                .iter()
                .map(|p| format!("\u{3000}\u{3000}{p}\n\n"))
                .collect::<String>()
                .into_bytes(),
            Form::DocxRuns => docx_of_runs(&seed.paragraphs, rng),
            Form::Invisible => sprinkle(&seed.paragraphs.join("\n"), rng).into_bytes(),
        }
    }
}

/// A short title for the page chrome: the first paragraph that reads like one.
fn page_title(seed: &Seed) -> &str {
    seed.paragraphs
        .iter()
        .find(|p| p.ends_with("报告") || p.ends_with("总结"))
        .map_or("法治政府建设情况报告", String::as_str)
}

/// The paragraphs on one line: read across where a reader reads across, a full-width space
/// before a heading, as crawls leave them.
fn one_line(seed: &Seed) -> String {
    let mut line = String::new();
    for p in &seed.paragraphs {
        if !line.is_empty() && SECTION_START.find(p).is_some_and(|m| m.start() == 0) {
            line.push('\u{3000}');
        }
        line.push_str(p);
    }
    line
}

fn one_line_crawl(seed: &Seed) -> String {
    let title = page_title(seed);
    format!(
        "标题: {title}\n发布时间: 2024-01-17 09:30\n发布机构: 某县人民政府\n原文链接: http://www.example.gov.cn/art/2024/1/17/art_1.html\n==== 正文 ====\n\
         当前位置： 首页政务公开法治政府建设 {title} 时间：2024-01-17 09:30 【字体：大 中 小】 微信 微博 QQ空间 {} 来源：某县人民政府 附件下载\n",
        one_line(seed)
    )
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn web_page(seed: &Seed) -> String {
    let article: Vec<String> = seed.paragraphs.iter().map(|p| escape(p)).collect();
    format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>{}_某县人民政府网</title></head>
<body><div class="main"><div id="zoom"><div class="crumb">当前位置：首页 &gt; 政务公开 &gt; 法治政府建设</div>
<div class="share">分享到：微信 微博 QQ空间</div>{}<div class="footer">扫一扫在手机打开当前页 主办单位：某县人民政府办公室 网站标识码：1234567890</div></div></div></body></html>"#,
        escape(page_title(seed)),
        article.join("<br>")
    )
}

/// Each paragraph cut into lines of 30–40 characters, never between two Latin letters (a PDF
/// copy breaks words at spaces).
fn hard_wrapped(seed: &Seed, rng: &mut Rng) -> String {
    let mut out = String::new();
    for p in &seed.paragraphs {
        let chars: Vec<char> = p.chars().collect();
        let mut at = 0;
        while at < chars.len() {
            let mut end = (at + 30 + rng.below(11)).min(chars.len());
            while end < chars.len()
                && chars[end - 1].is_ascii_alphabetic()
                && chars[end].is_ascii_alphabetic()
            {
                end += 1;
            }
            out.extend(&chars[at..end]);
            out.push('\n');
            at = end;
        }
    }
    out
}

/// A .docx as Word saves edited text: each paragraph in several runs, with proofing marks and
/// bookmarks between them.
fn docx_of_runs(paragraphs: &[String], rng: &mut Rng) -> Vec<u8> {
    let mut body = String::new();
    for p in paragraphs {
        body.push_str("<w:p>");
        let chars: Vec<char> = p.chars().collect();
        let mut at = 0;
        while at < chars.len() {
            let end = (at + 1 + rng.below(12)).min(chars.len());
            let run: String = chars[at..end].iter().collect();
            let between = [
                "",
                "<w:proofErr w:type=\"spellStart\"/>",
                "<w:bookmarkStart w:id=\"0\" w:name=\"_GoBack\"/><w:bookmarkEnd w:id=\"0\"/>",
            ];
            body.push_str(between[rng.below(between.len())]);
            let props = if rng.below(2) == 0 {
                "<w:rPr><w:rFonts w:hint=\"eastAsia\"/></w:rPr>"
            } else {
                ""
            };
            body.push_str(&format!(
                "<w:r>{props}<w:t xml:space=\"preserve\">{}</w:t></w:r>",
                escape(&run)
            ));
            at = end;
        }
        body.push_str("</w:p>");
    }
    crate::util::docx_package(&body)
}

/// `text` with an invisible character after about one character in eight.
fn sprinkle(text: &str, rng: &mut Rng) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        out.push(c);
        if rng.below(8) == 0 {
            out.push(if rng.below(2) == 0 {
                COMMON_INVISIBLE[rng.below(COMMON_INVISIBLE.len())]
            } else {
                INVISIBLE[rng.below(INVISIBLE.len())]
            });
        }
    }
    out
}

/// One index of every form of every bundled report, built once per test run.
fn crawl_engine() -> &'static Engine {
    static ENGINE: OnceLock<(TempDir, TempDir, Engine)> = OnceLock::new();
    let (_, _, engine) = ENGINE.get_or_init(|| {
        let mut files = Vec::new();
        for (f, form) in FORMS.iter().enumerate() {
            for (s, seed) in seeds().iter().enumerate() {
                let mut rng = Rng::new((f * 100 + s) as u64 + 1);
                files.push((form.file(seed), form.bytes(seed, &mut rng)));
            }
        }
        let refs: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
            .collect();
        let corpus = temp_corpus(&refs);
        let dir = TempDir::new().expect("temp dir");
        let summary = index(corpus.path(), dir.path());
        assert!(
            summary.skipped.is_empty(),
            "every form is read: {:?}",
            summary.skipped
        );
        let engine = Engine::open(dir.path()).expect("open the fresh index");
        (corpus, dir, engine)
    });
    engine
}

/// A substring of a report's visible prose: seed, first character, length (2–10), cut short
/// before a place where a section may start.
fn prose_substring() -> impl Strategy<Value = (usize, String)> {
    (0..seeds().len(), any::<prop::sample::Index>(), 2usize..=10).prop_filter_map(
        "inside one section",
        |(s, start, len)| {
            let seed = &seeds()[s];
            let start = start.index(seed.prose.len());
            let mut end = start + 1;
            while end < seed.prose.len() && end - start < len && !seed.starts[end] {
                end += 1;
            }
            let term: String = seed.prose[start..end].iter().collect();
            (end - start >= 2 && !term.trim().is_empty()).then_some((s, term))
        },
    )
}

/// A phrase a reader sees run across the start of an inline point (…制度，一是聘请…): form,
/// seed, phrase. It starts 1–6 characters before the point and ends 2–8 characters into it,
/// cut short where a heading may start (a heading starts a new section, see the README).
fn phrase_across_a_point() -> impl Strategy<Value = (Form, usize, String)> {
    let with_points: Vec<usize> = (0..seeds().len())
        .filter(|&s| !seeds()[s].points.is_empty())
        .collect();
    (
        0..FORMS.len(),
        prop::sample::select(with_points),
        any::<prop::sample::Index>(),
        1usize..=6,
        2usize..=8,
    )
        .prop_filter_map("across a point", |(f, s, which, before, after)| {
            let seed = &seeds()[s];
            let point = seed.points[which.index(seed.points.len())];
            let mut start = point.saturating_sub(before);
            if let Some(h) = (start + 1..point).rev().find(|&i| seed.headings[i]) {
                start = h;
            }
            let mut end = (point + after).min(seed.prose.len());
            if let Some(h) = (point + 1..end).find(|&i| seed.headings[i]) {
                end = h;
            }
            let term: String = seed.prose[start..end].iter().collect();
            (start < point && end > point + 1 && !term.trim().is_empty())
                .then_some((FORMS[f], s, term))
        })
}

/// Searches `query` and checks that `form`'s copy of seed `s` is found and that every returned
/// section contains `visible` (the query as a reader sees it).
fn check_found(form: Form, s: usize, query: &str, visible: &str) -> Result<(), TestCaseError> {
    let file = form.file(&seeds()[s]);
    // Every form of a seed is a copy of the others (the same report): each file is counted.
    let filters = fazhi_search::Filters::default().every_copy();
    let request = SearchRequest {
        query: Query::Text(query.to_string()),
        filters,
        limit: None,
        facet_limit: None,
    };
    let results = crawl_engine()
        .search(&request)
        .map_err(|e| TestCaseError::fail(format!("{form:?} {file} {query:?}: {e}")))?;
    prop_assert!(
        results.hits.iter().any(|h| h.meta.file == file),
        "form {:?}: {} is not found by {:?} (visible {:?})",
        form,
        file,
        query,
        visible
    );
    let needle = normalize(visible);
    for hit in &results.hits {
        prop_assert!(
            normalize(&hit.text).contains(&needle),
            "form {:?}, query {:?}: returned section of {} line {} does not contain it: {:?}",
            form,
            query,
            hit.meta.file,
            hit.line,
            hit.text
        );
    }
    Ok(())
}

macro_rules! form_test {
    ($(#[$attr:meta])* $name:ident, $form:expr) => {
        proptest! {
            #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
            $(#[$attr])*
            #[test]
            fn $name((s, term) in prose_substring()) {
                check_found($form, s, &term, &term)?;
            }
        }
    };
}

form_test!(one_line_crawl_with_breadcrumb_and_footer, Form::OneLine);
form_test!(web_page_with_br_joined_article, Form::Html);
form_test!(pdf_copy_hard_wrapped, Form::Wrapped);
form_test!(gb18030_one_line_crawl, Form::Gb18030);
form_test!(full_width_indented_paragraphs, Form::Indented);
form_test!(docx_paragraphs_split_into_runs, Form::DocxRuns);

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Invisible characters in the text and in the query change nothing.
    #[test]
    fn invisible_characters_are_invisible((s, term) in prose_substring(), salt in any::<u64>()) {
        check_found(Form::Invisible, s, &term, &term)?;
        let sprinkled = sprinkle(&term, &mut Rng::new(salt));
        check_found(Form::Invisible, s, &sprinkled, &term)?;
        check_found(Form::OneLine, s, &sprinkled, &term)?;
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// A phrase across the start of an inline point is found, in the section whose paragraph
    /// holds the points (and every section returned shows it).
    #[test]
    fn a_phrase_across_an_inline_point_is_found((form, s, term) in phrase_across_a_point()) {
        check_found(form, s, &term, &term)?;
    }
}

/// The reproduction of the issue: a one-line crawl of a bundled report loses nothing of it.
#[test]
fn one_line_crawl_keeps_every_paragraph() {
    let seed = &seeds()[0];
    let crawl = one_line_crawl(seed);
    let corpus = temp_corpus(&[("corpus/crawl.txt", crawl.as_bytes())]);
    let out = run("fazhi-index", corpus.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("warning"),
        "a crawl with a little chrome is not warned about: {}",
        stderr(&out)
    );
    for p in &seed.paragraphs {
        let probe: String = p.chars().take(8).collect();
        let found = run("fazhi-query", corpus.path(), &["--format", "json", &probe]);
        assert_eq!(
            found.status.code(),
            Some(0),
            "{probe:?}: {}",
            stderr(&found)
        );
    }
    for chrome in ["当前位置", "字体", "QQ空间", "附件下载", "原文链接"] {
        let found = run("fazhi-query", corpus.path(), &[chrome]);
        assert_eq!(
            found.status.code(),
            Some(1),
            "chrome {chrome:?} is not indexed"
        );
    }
}

/// `--explain` names the rule beside the text it dropped, the metadata's sources and the
/// sections, for every format.
#[test]
fn explain_shows_what_was_dropped_and_where_metadata_came_from() {
    let seed = &seeds()[0];
    let mut rng = Rng::new(7);
    let corpus = temp_corpus(&[
        ("crawl.txt", one_line_crawl(seed).as_bytes()),
        ("page.html", web_page(seed).as_bytes()),
        ("report.docx", &docx_of_runs(&seed.paragraphs, &mut rng)),
        (
            "report.pdf",
            &fazhi_search::ingest::pdf::pdf_with_text(&[
                "某镇2023年法治政府建设年度报告",
                "一、工作开展情况",
                "全年某六号词，依法行政取得成效。扫一扫在手机打开当前页",
            ]),
        ),
    ]);
    let out = run(
        "fazhi-index",
        corpus.path(),
        &["--explain", "crawl.txt", "--lang", "en"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    for said in [
        "read as: text, UTF-8",
        "[-标题: 关于2023年度法治政府建设情况的报告-]{crawler-row}",
        "{breadcrumb}",
        "[-时间：2024-01-17 09:30-]{page-date}",
        "[-【字体：大 中 小】 -]{font-size}",
        "[-来源：某县人民政府 附件下载-]{page-source}",
        "published: 2024-01-17  ← header row",
        "issuer: 某县人民政府  ← header row 发布机构",
        "== sections",
        "[measures]",
    ] {
        assert!(
            text.contains(said),
            "--explain should say {said:?}:\n{text}"
        );
    }
    // Chinese by default.
    let out = run("fazhi-index", corpus.path(), &["--explain", "crawl.txt"]);
    let text = stdout(&out);
    for said in [
        "读取方式：文本，UTF-8",
        "字符数（不含空白）：",
        "== 读取的原文；删去的片段标为 [-像这样-]{rule} ==",
        "[-标题: 关于2023年度法治政府建设情况的报告-]{crawler-row}",
        "发布日期：2024-01-17  ← 表头行（发布时间/生成日期）",
        "发布机构：某县人民政府  ← 表头行“发布机构”",
        "== 元数据 ==",
        "== 章节（",
        "[主要举措和成效] 第 ",
    ] {
        assert!(
            text.contains(said),
            "--explain should say {said:?}:\n{text}"
        );
    }
    for never in ["read as", "metadata", "[measures]", "← header row"] {
        assert!(!text.contains(never), "--explain says {never:?}:\n{text}");
    }
    for (file, read_as) in [
        ("page.html", "读取方式：HTML"),
        ("report.docx", "读取方式：Word .docx"),
        ("report.pdf", "读取方式：PDF"),
    ] {
        let out = run("fazhi-index", corpus.path(), &["--explain", file]);
        assert_eq!(out.status.code(), Some(0), "{file}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(text.contains(read_as), "{file}:\n{text}");
        assert!(text.contains("== 章节（"), "{file}:\n{text}");
    }
    let out = run(
        "fazhi-index",
        corpus.path(),
        &["--explain", "report.pdf", "--lang", "en"],
    );
    assert!(
        stdout(&out).contains("[-扫一扫在手机打开当前页-]{mobile-qr}"),
        "{}",
        stdout(&out)
    );
    let missing = run("fazhi-index", corpus.path(), &["--explain", "nothing.txt"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("nothing.txt"),
        "{}",
        stderr(&missing)
    );
}

/// A file that loses more than a fifth of its text to chrome is named, and counted.
#[test]
fn a_file_mostly_chrome_is_warned_about() {
    let mostly_chrome = "某镇2023年法治政府建设年度报告\n依法行政取得成效。\n扫一扫在手机打开当前页\n主办单位：某县人民政府办公室 网站标识码：1234567890 京ICP备12345678号 京公网安备11010502030143号\n";
    let corpus = temp_corpus(&[
        ("corpus/chrome.txt", mostly_chrome.as_bytes()),
        (
            "corpus/clean.txt",
            "某镇2023年法治政府建设年度报告\n一、工作开展情况\n全年依法行政取得成效。\n".as_bytes(),
        ),
    ]);
    let out = run("fazhi-index", corpus.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let warnings: Vec<String> = stderr(&out)
        .lines()
        .filter(|l| l.contains("网站页面框架"))
        .map(String::from)
        .collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("chrome.txt") && warnings[0].contains("--explain"),
        "{}",
        warnings[0]
    );
    assert!(
        stdout(&out).contains("1 个文件有超过五分之一的文字是网站页面框架"),
        "{}",
        stdout(&out)
    );
}

/// A copy hard-wrapped where a line happens to start with numbers in prose (一、二季度,
/// （3）次, 三、四百人次): those lines are not headings, and what a reader reads across the
/// wrap is found (found by a hostile tester on text copied from a PDF).
#[test]
fn numbers_a_wrap_puts_at_a_line_start_are_prose_not_headings() {
    let text = "某镇2023年法治政府建设年度报告\n一、工作开展情况\n\
                为加强法治政府建设，镇党委在今年的\n一、二季度各召开一次专题会议，全年共投入资金\n\
                用于普法宣传，组织领导干部集中学法开展培训\n（3）次，覆盖干部\n三、四百人次。\n\
                二、存在的问题\n基层法治力量仍然薄弱。\n";
    let corpus = temp_corpus(&[("corpus/wrapped.txt", text.as_bytes())]);
    let out = run("fazhi-index", corpus.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for phrase in [
        "在今年的一、二季度",
        "开展培训（3）次",
        "覆盖干部三、四百人次",
    ] {
        let found = run("fazhi-query", corpus.path(), &["--format", "json", phrase]);
        assert_eq!(
            found.status.code(),
            Some(0),
            "{phrase:?} is found across the wrap"
        );
    }
    let out = run(
        "fazhi-query",
        corpus.path(),
        &["--format", "json", "--all", "法治"],
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let headings: Vec<&str> = json["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .flat_map(|hit| hit["headings"].as_array().expect("headings"))
        .filter_map(|h| h.as_str())
        .collect();
    assert!(headings.contains(&"二、存在的问题"), "{headings:?}");
    for fake in ["二季度", "覆盖干部", "四百人次"] {
        assert!(
            headings.iter().all(|h| !h.contains(fake)),
            "{fake:?} is not a heading: {headings:?}"
        );
    }
}
