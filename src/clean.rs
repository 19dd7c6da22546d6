//! Cleaning: from a report's raw text to the lines a reader would call the report.
//!
//! Site chrome (breadcrumbs, header rows, share buttons, footers; the rules are
//! `index_schema/boilerplate.tsv`) and Word artefacts are removed, header rows that carry
//! metadata (标题, 发布机构, 生成日期) are kept aside for the metadata stage, and lines broken in
//! mid-sentence are joined again. Chrome is cut, never the prose beside it: a line is dropped
//! whole only when all of it is chrome; a breadcrumb is cut up to where the article begins and a
//! footer from where it starts. Every cut is recorded as a [`Dropped`] span naming its rule, so
//! that a run can say how much of a file was dropped and `fazhi-index --explain` can show it.
//! Every line keeps the number it had in the source file, so that a citation can point back to it.

use std::ops::Range;
use std::sync::{Arc, LazyLock};

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::error::{Result, schema_rows};
use crate::heading;
use crate::ingest::labelled_value;

/// A line of cleaned text and the 1-based line of the source file where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub number: usize,
    pub text: String,
}

/// A report's text after cleaning, with what its site header said about it and what was cut.
#[derive(Debug, Clone, Default)]
pub struct CleanText {
    pub lines: Vec<Line>,
    /// 标题 from a crawler header row.
    pub header_title: Option<String>,
    /// 发布机构 from a site header row.
    pub header_issuer: Option<String>,
    /// 生成日期 / 发布日期 / 发布时间 from a site header row, as written.
    pub header_date: Option<String>,
    /// Every span of the source text that cleaning removed, in source order.
    pub dropped: Vec<Dropped>,
    /// Characters of the source text that are not white space.
    pub source_chars: usize,
}

/// A span of the source text removed by one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dropped {
    /// 1-based line of the source text.
    pub line: usize,
    /// Byte range within that line (its `\r` left off).
    pub bytes: Range<usize>,
    /// Characters of the span that are not white space.
    pub chars: usize,
    pub kind: RuleKind,
    /// The rule's name in `index_schema/boilerplate.tsv`.
    pub rule: Arc<str>,
}

/// A report's text as read and every span cleaning dropped from it, kept in the index (for a
/// report that dropped something) so that a reader can check, without the source file, that
/// nothing of the article was lost. Stored as compact JSON: `{"text": …, "dropped": [[line,
/// start, end, rule], …]}`, start and end byte offsets within the line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AsRead {
    /// The text as read, its lines joined by `\n` (a `\r` before it left off).
    pub text: String,
    /// Every dropped span, in source order: 1-based line, byte range within the line, rule.
    pub dropped: Vec<(usize, usize, usize, String)>,
}

impl AsRead {
    /// The spans `cleaned` dropped from `text`, with the text they cut from; None when cleaning
    /// dropped nothing (nothing is kept then).
    pub fn of(text: &str, cleaned: &CleanText) -> Option<AsRead> {
        if cleaned.dropped.is_empty() {
            return None;
        }
        let lines: Vec<&str> = text
            .split('\n')
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .collect();
        Some(AsRead {
            text: lines.join("\n"),
            dropped: cleaned
                .dropped
                .iter()
                .map(|d| (d.line, d.bytes.start, d.bytes.end, d.rule.to_string()))
                .collect(),
        })
    }

    /// Each dropped span as (line, byte range within it, the text cut, rule); a span that does
    /// not fit its line (a damaged index) is left out.
    pub fn spans(&self) -> Vec<(usize, Range<usize>, &str, &str)> {
        let lines: Vec<&str> = self.text.split('\n').collect();
        self.dropped
            .iter()
            .filter_map(|(line, start, end, rule)| {
                let text = lines.get(line.checked_sub(1)?)?.get(*start..*end)?;
                Some((*line, *start..*end, text, rule.as_str()))
            })
            .collect()
    }
}

/// How a rule of `index_schema/boilerplate.tsv` cuts (the file's header says each in full).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    /// A whole line of a site or crawler header; feeds the metadata.
    Header,
    /// A whole line of chrome.
    Line,
    /// Chrome that opens a line, up to where the article begins.
    Prefix,
    /// Where a footer starts, to the end of the line.
    Footer,
    /// Every match inside a line.
    Inline,
}

impl RuleKind {
    pub fn name(self) -> &'static str {
        match self {
            RuleKind::Header => "header",
            RuleKind::Line => "line",
            RuleKind::Prefix => "prefix",
            RuleKind::Footer => "footer",
            RuleKind::Inline => "inline",
        }
    }

    fn parse(kind: &str) -> Option<Self> {
        [
            RuleKind::Header,
            RuleKind::Line,
            RuleKind::Prefix,
            RuleKind::Footer,
            RuleKind::Inline,
        ]
        .into_iter()
        .find(|k| k.name() == kind)
    }
}

impl CleanText {
    /// Characters (not white space) dropped as chrome: every cut but the header rows, whose
    /// values went to the metadata.
    pub fn chrome_chars(&self) -> usize {
        self.dropped
            .iter()
            .filter(|d| d.kind != RuleKind::Header)
            .map(|d| d.chars)
            .sum()
    }

    /// The share of the source text dropped as chrome, 0.0 to 1.0.
    pub fn chrome_share(&self) -> f64 {
        if self.source_chars == 0 {
            return 0.0;
        }
        self.chrome_chars() as f64 / self.source_chars as f64
    }
}

/// A file that loses more than this share of its text to chrome is named in a warning: either
/// the page is mostly chrome, or a rule cuts prose.
pub const CHROME_WARNING_SHARE: f64 = 0.2;

/// One rule of `index_schema/boilerplate.tsv`.
#[derive(Debug)]
struct Rule {
    kind: RuleKind,
    name: Arc<str>,
    regex: Regex,
}

/// The boilerplate rules of `index_schema/boilerplate.tsv`.
#[derive(Debug)]
pub struct Boilerplate {
    rules: Vec<Rule>,
}

const BOILERPLATE_TSV: &str = include_str!("../index_schema/boilerplate.tsv");

/// The longest run of text without sentence punctuation taken for a page title between a
/// breadcrumb and the date or widgets after it.
const MAX_TITLE_GAP_CHARS: usize = 80;
/// Characters that end or split a sentence: a run holding one is prose, not a title.
const SENTENCE_MARKS: &[char] = &['。', '！', '？', '；', '，', '、', '!', '?', ';', ','];
/// A footer is short: a longer rest of the line after a footer phrase is prose that mentions it.
const MAX_FOOTER_CHARS: usize = 400;
/// Sentence ends: a footer never holds one.
const SENTENCE_ENDS: &[char] = &['。', '！', '？', '!', '?'];

impl Boilerplate {
    /// Parses the rules in the format of `index_schema/boilerplate.tsv`.
    pub fn parse(data: &str) -> Result<Self> {
        let mut rules = Vec::new();
        for row in schema_rows("boilerplate.tsv", data) {
            let bad = |reason: String| row.bad(reason);
            let row = row.text;
            let mut columns = row.splitn(3, '\t');
            let (Some(kind), Some(name), Some(pattern)) =
                (columns.next(), columns.next(), columns.next())
            else {
                return Err(bad("expected `kind<TAB>name<TAB>pattern`".into()));
            };
            let kind = RuleKind::parse(kind).ok_or_else(|| {
                bad(format!(
                    "unknown kind {kind:?}: use header, line, prefix, footer or inline"
                ))
            })?;
            if name.trim().is_empty() {
                return Err(bad("the rule has no name".into()));
            }
            // Anchoring is the kind's, not the pattern's: a whole-line rule can never match
            // part of a line and so never drop the prose beside the chrome.
            let anchored = match kind {
                RuleKind::Header | RuleKind::Line => format!("^(?:{pattern})$"),
                RuleKind::Prefix => format!("^(?:{pattern})"),
                RuleKind::Footer | RuleKind::Inline => pattern.to_string(),
            };
            let regex = Regex::new(&anchored).map_err(|e| bad(e.to_string()))?;
            rules.push(Rule {
                kind,
                name: name.trim().into(),
                regex,
            });
        }
        Ok(Boilerplate { rules })
    }

    /// The rules shipped in `index_schema/`.
    pub fn embedded() -> &'static Boilerplate {
        static RULES: LazyLock<Boilerplate> = LazyLock::new(|| {
            Boilerplate::parse(BOILERPLATE_TSV)
                .expect("index_schema/boilerplate.tsv is valid: checked by its unit test")
        });
        &RULES
    }

    fn of(&self, kind: RuleKind) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(move |r| r.kind == kind)
    }

    /// The rule that drops the whole (trimmed) line, if one does.
    fn whole_line(&self, trimmed: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| {
            matches!(r.kind, RuleKind::Header | RuleKind::Line) && r.regex.is_match(trimmed)
        })
    }

    /// The first prefix rule that matches at the start of `rest`, with the length it matched.
    fn prefix_at(&self, rest: &str) -> Option<(&Rule, usize)> {
        self.of(RuleKind::Prefix)
            .find_map(|r| r.regex.find(rest).map(|m| (r, m.end())))
            .filter(|(_, len)| *len > 0)
    }

    /// The chrome that opens `line[start..end]`: one span per prefix rule matched, in order.
    fn prefix_spans(&self, line: &str, start: usize, end: usize) -> Vec<(Range<usize>, &Rule)> {
        let mut spans: Vec<(Range<usize>, &Rule)> = Vec::new();
        let mut pos = start;
        let mut title_skipped = false;
        while pos < end {
            let rest = &line[pos..end];
            if let Some((rule, len)) = self.prefix_at(rest) {
                spans.push((pos..pos + len, rule));
                pos = skip_white(line, pos + len, end);
                continue;
            }
            // The page title a breadcrumb is followed by, when the date or widgets follow it.
            if title_skipped {
                break;
            }
            let Some(last) = spans.last_mut() else { break };
            let Some(gap) = self.title_gap(rest) else {
                break;
            };
            last.0.end = pos + gap;
            pos += gap;
            title_skipped = true;
        }
        spans
    }

    /// The length of a short run without sentence punctuation at the start of `rest` that a
    /// prefix rule follows after white space.
    fn title_gap(&self, rest: &str) -> Option<usize> {
        let mut after_white = false;
        for (n, (at, c)) in rest.char_indices().enumerate() {
            if n > MAX_TITLE_GAP_CHARS || SENTENCE_MARKS.contains(&c) {
                return None;
            }
            if c.is_whitespace() {
                after_white = true;
                continue;
            }
            if after_white && self.prefix_at(&rest[at..]).is_some() {
                return Some(at);
            }
            after_white = false;
        }
        None
    }

    /// Where a footer starts in `line[from..end]`, and the rule that found it: the earliest
    /// footer phrase after which the line holds no sentence end.
    fn footer_start(&self, line: &str, from: usize, end: usize) -> Option<(usize, &Rule)> {
        let mut best: Option<(usize, &Rule)> = None;
        for rule in self.of(RuleKind::Footer) {
            for m in rule.regex.find_iter(&line[from..end]) {
                let lead: usize = m
                    .as_str()
                    .chars()
                    .take_while(|c| c.is_whitespace() || SENTENCE_ENDS.contains(c))
                    .map(char::len_utf8)
                    .sum();
                let at = from + m.start() + lead;
                if best.is_some_and(|(b, _)| b <= at) {
                    break;
                }
                if is_footer(&line[at..end]) {
                    best = Some((at, rule));
                    break;
                }
            }
        }
        best
    }

    /// The inline cuts in `line[from..to]`, in order and not overlapping.
    fn inline_spans(&self, line: &str, from: usize, to: usize) -> Vec<(Range<usize>, &Rule)> {
        let mut spans: Vec<(Range<usize>, &Rule)> = self
            .of(RuleKind::Inline)
            .flat_map(|r| {
                r.regex
                    .find_iter(&line[from..to])
                    .filter(|m| !m.is_empty())
                    .map(move |m| (from + m.start()..from + m.end(), r))
            })
            .collect();
        spans.sort_by_key(|(range, _)| range.start);
        let mut end = 0;
        spans.retain(|(range, _)| {
            let keep = range.start >= end;
            if keep {
                end = range.end;
            }
            keep
        });
        spans
    }
}

/// The rest of a line after a footer phrase is a footer when it is short and holds no sentence
/// end; otherwise the phrase is part of prose.
fn is_footer(rest: &str) -> bool {
    rest.len() <= MAX_FOOTER_CHARS * 4
        && rest.chars().count() <= MAX_FOOTER_CHARS
        && !rest.contains(SENTENCE_ENDS)
}

fn skip_white(line: &str, from: usize, end: usize) -> usize {
    end - line[from..end].trim_start().len()
}

fn visible_chars(text: &str) -> usize {
    text.chars().filter(|c| !c.is_whitespace()).count()
}

/// `发布机构: 沈丘县 北杨集镇人民政府` (with a colon: the rest of the line up to the next label,
/// spaces kept), or in a site's header row `发布机构 利通区上桥镇 责任部门 …` (no colon: the word
/// after it).
static HEADER_ISSUER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"发布机构\s*[:：]\s*(?:来源\s*[:：]\s*)?([^:：\n]+)").expect("static regex")
});
static HEADER_ISSUER_ROW: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"发布机构\s+([^\s:：]+)").expect("static regex"));
static HEADER_TITLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^标题\s*[:：]\s*(.+)$").expect("static regex"));
static HEADER_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:生成日期|发布日期|发布时间|成文日期)\s*[:：]?\s*(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2})",
    )
    .expect("static regex")
});

impl CleanText {
    /// Takes the title, issuer and date a dropped header row or page prefix gives, if not
    /// already known.
    fn read_header(&mut self, text: &str) {
        if self.header_title.is_none() {
            self.header_title = HEADER_TITLE
                .captures(text)
                .map(|c| c[1].trim().to_string())
                .filter(|t| !t.is_empty());
        }
        if self.header_issuer.is_none() {
            self.header_issuer = labelled_value(&HEADER_ISSUER, text)
                .or_else(|| HEADER_ISSUER_ROW.captures(text).map(|c| c[1].to_string()));
        }
        if self.header_date.is_none() {
            self.header_date = HEADER_DATE.captures(text).map(|c| c[1].to_string());
        }
    }

    fn drop_span(&mut self, line: &str, number: usize, bytes: Range<usize>, rule: &Rule) {
        self.dropped.push(Dropped {
            line: number,
            chars: visible_chars(&line[bytes.clone()]),
            bytes,
            kind: rule.kind,
            rule: Arc::clone(&rule.name),
        });
    }

    /// Cleans one source line: records what the rules cut and returns the rest, if any.
    fn clean_line(&mut self, rules: &Boilerplate, line: &str, number: usize) -> Option<String> {
        let start = line.len() - line.trim_start().len();
        let end = line.trim_end().len();
        if start >= end {
            return None;
        }
        let trimmed = &line[start..end];
        if let Some(rule) = rules.whole_line(trimmed) {
            self.drop_span(line, number, start..end, rule);
            if rule.kind == RuleKind::Header {
                self.read_header(trimmed);
            }
            return None;
        }
        let mut from = start;
        for (range, rule) in rules.prefix_spans(line, start, end) {
            self.read_header(&line[range.clone()]);
            from = skip_white(line, range.end, end);
            self.drop_span(line, number, range, rule);
        }
        let footer = rules.footer_start(line, from, end);
        let to = footer.map_or(end, |(at, _)| at);
        let mut kept = String::with_capacity(to - from);
        let mut at = from;
        for (range, rule) in rules.inline_spans(line, from, to) {
            kept.push_str(&line[at..range.start]);
            at = range.end;
            self.drop_span(line, number, range, rule);
        }
        kept.push_str(&line[at..to]);
        if let Some((at, rule)) = footer {
            self.drop_span(line, number, at..end, rule);
        }
        let kept = kept.trim();
        (!kept.is_empty()).then(|| kept.to_string())
    }
}

/// Cleans a report's text with the rules of `index_schema/boilerplate.tsv`.
pub fn clean(text: &str) -> CleanText {
    clean_with(text, Boilerplate::embedded())
}

/// Cleans a report's text with `rules`.
pub fn clean_with(text: &str, rules: &Boilerplate) -> CleanText {
    let mut out = CleanText::default();
    let mut kept = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        out.source_chars += visible_chars(line);
        if let Some(text) = out.clean_line(rules, line, i + 1) {
            kept.push(Line {
                number: i + 1,
                text,
            });
        }
    }
    out.lines = join_broken_lines(kept);
    out
}

/// Characters after which a line is complete: sentence ends, closing quotes and brackets.
const LINE_ENDS: &str = "。！？；：!?;:…”’」』）)】》>.";
/// A line shorter than this is a title, a heading or a signature, never half a sentence.
const MIN_BROKEN_LINE_CHARS: usize = 15;
/// Endings of title lines, which are long and unpunctuated but complete.
const TITLE_ENDS: [&str; 6] = ["报告", "总结", "情况", "要点", "计划", "安排"];

/// Joins a line that stops in mid-sentence with the next one, as Word exports and web pages
/// leave them ("…年度考" / "核重要指标").
fn join_broken_lines(lines: Vec<Line>) -> Vec<Line> {
    let mut out: Vec<Line> = Vec::with_capacity(lines.len());
    for line in lines {
        if let Some(prev) = out.last_mut()
            && is_broken(&prev.text)
            && !starts_new_unit(&line.text)
        {
            // Latin words broken at a line end were broken at a space; numbers were not.
            let needs_space = prev.text.ends_with(|c: char| c.is_ascii_alphabetic())
                && line.text.starts_with(|c: char| c.is_ascii_alphabetic());
            if needs_space {
                prev.text.push(' ');
            }
            prev.text.push_str(&line.text);
            continue;
        }
        out.push(line);
    }
    out
}

fn is_broken(line: &str) -> bool {
    let Some(last) = line.chars().last() else {
        return false;
    };
    line.chars().count() >= MIN_BROKEN_LINE_CHARS
        && !LINE_ENDS.contains(last)
        && !TITLE_ENDS.iter().any(|end| line.ends_with(end))
        && (heading::parse_heading(line).is_none() || line.contains('。'))
}

fn starts_new_unit(line: &str) -> bool {
    heading::parse_heading(line).is_some() || heading::point_ordinal_at(line, 0).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(c: &CleanText) -> Vec<&str> {
        c.lines.iter().map(|l| l.text.as_str()).collect()
    }

    #[test]
    fn embedded_rules_parse() {
        Boilerplate::parse(BOILERPLATE_TSV).expect("index_schema/boilerplate.tsv");
    }

    #[test]
    fn bad_rule_names_file_and_line() {
        for (data, says) in [
            ("# c\nline\tname\t(unclosed", "line 2"),
            ("line\t^x$", "kind<TAB>name<TAB>pattern"),
            ("whole\tname\tx", "unknown kind \"whole\""),
            ("line\t \tx", "no name"),
        ] {
            let err = Boilerplate::parse(data).expect_err("must fail");
            let msg = err.to_string();
            assert!(msg.contains("boilerplate.tsv, line"), "{msg}");
            assert!(msg.contains(says), "{data:?}: {msg}");
        }
    }

    /// One line in, the text kept and the rules that cut, in order.
    #[test]
    fn cuts_chrome_never_the_prose_beside_it() {
        let rows: [(&str, &str, &[&str]); 19] = [
            // A breadcrumb whose last step, the page title, runs straight into the article.
            (
                "当前位置：首页 > 政务公开 > 某某镇2023年法治政府建设情况报告2023年，某某镇认真落实法治建设要求。",
                "2023年，某某镇认真落实法治建设要求。",
                &["breadcrumb"],
            ),
            (
                "您当前的位置：首页 > 信息公开 发布日期：2024年01月17日 浏览次数：1234 【打印本页】【关闭窗口】 分享到： 2023年，某镇依法行政。",
                "2023年，某镇依法行政。",
                &[
                    "breadcrumb",
                    "page-date",
                    "page-views",
                    "share-buttons",
                    "share-buttons",
                    "share-buttons",
                ],
            ),
            (
                "微信公众号发布法治信息20条。",
                "微信公众号发布法治信息20条。",
                &[],
            ),
            (
                "当前位置： 首页政务公开法治政府建设 北杨集镇2023年法治政府建设情况报告 时间：2024-01-17 09:30 【字体：大 中 小】 微信 微博 QQ空间 2023年，北杨集镇依法行政。现将有关情况报告如下。 来源：沈丘县北杨集镇人民政府 附件下载",
                "2023年，北杨集镇依法行政。现将有关情况报告如下。",
                &[
                    "breadcrumb",
                    "page-date",
                    "font-size",
                    "share-buttons",
                    "share-buttons",
                    "share-buttons",
                    "page-source",
                ],
            ),
            (
                "当前位置:首页 > 政府信息公开 > 法治政府建设 2023年,上桥镇坚持依法行政。",
                "2023年,上桥镇坚持依法行政。",
                &["breadcrumb"],
            ),
            (
                "当前位置：首页 北杨集镇2023年法治政府建设情况报告 2023年，北杨集镇依法行政。",
                "北杨集镇2023年法治政府建设情况报告 2023年，北杨集镇依法行政。",
                &["breadcrumb"],
            ),
            (
                "今年法律顾问审核合同71件。扫一扫在手机打开当前页",
                "今年法律顾问审核合同71件。",
                &["mobile-qr"],
            ),
            (
                "持续加强执法队伍建设。 来源：某县人民政府 【打印本页】 【关闭窗口】",
                "持续加强执法队伍建设。",
                &["page-source"],
            ),
            (
                "资金来源：县财政拨款，专款专用。",
                "资金来源：县财政拨款，专款专用。",
                &[],
            ),
            (
                "来源：县司法局 我镇开展宪法宣传活动，发放资料2000余份。",
                "我镇开展宪法宣传活动，发放资料2000余份。",
                &["page-source"],
            ),
            (
                "通过扫一扫在手机打开当前页的方式公开。群众满意。",
                "通过扫一扫在手机打开当前页的方式公开。群众满意。",
                &[],
            ),
            (
                "分享到：微信 微博 2023年，某镇依法行政。",
                "2023年，某镇依法行政。",
                &["share-buttons", "share-buttons", "share-buttons"],
            ),
            (
                "微信公众号发布普法信息120条。",
                "微信公众号发布普法信息120条。",
                &[],
            ),
            (
                "会议时间：2023年5月1日，地点：镇政府。",
                "会议时间：2023年5月1日，地点：镇政府。",
                &[],
            ),
            ("有效性审查工作全面开展", "有效性审查工作全面开展", &[]),
            (
                "加强法治建设[bookmark: _GoBack]工作。",
                "加强法治建设工作。",
                &["word-bookmark"],
            ),
            ("标题: 某镇2023年法治政府建设年度报告", "", &["crawler-row"]),
            (
                "内容分类 主动公开 发布机构 利通区上桥镇 责任部门 吴忠市利通区上桥镇人民政府",
                "",
                &["index-row"],
            ),
            (
                "主办单位:利通区人民政府办公室版权所有 联系方式:0953-2666555 网站标识码:6403020002",
                "",
                &["site-owner"],
            ),
        ];
        for (line, kept, rules) in rows {
            let c = clean(line);
            assert_eq!(texts(&c).join("\n"), kept, "text kept of {line:?}");
            let cut: Vec<&str> = c.dropped.iter().map(|d| &*d.rule).collect();
            assert_eq!(cut, rules, "rules that cut {line:?}");
            let dropped: usize = c.dropped.iter().map(|d| d.chars).sum();
            assert_eq!(
                dropped + visible_chars(kept),
                visible_chars(line),
                "every character of {line:?} is kept or accounted for"
            );
        }
    }

    #[test]
    fn the_text_as_read_keeps_each_dropped_span_in_its_place() {
        let text =
            "当前位置：首页 > 政务公开 2023年，某镇依法行政。\r\n正文。\r\n扫一扫在手机打开当前页";
        let c = clean(text);
        let kept = AsRead::of(text, &c).expect("something was dropped");
        assert_eq!(
            kept.text,
            "当前位置：首页 > 政务公开 2023年，某镇依法行政。\n正文。\n扫一扫在手机打开当前页"
        );
        let spans: Vec<(usize, &str, &str)> = kept
            .spans()
            .into_iter()
            .map(|(line, _, text, rule)| (line, text, rule))
            .collect();
        assert_eq!(
            spans,
            [
                (1, "当前位置：首页 > 政务公开", "breadcrumb"),
                (3, "扫一扫在手机打开当前页", "mobile-qr")
            ]
        );
        let json = serde_json::to_string(&kept).expect("JSON");
        assert!(json.contains(r#""dropped":[[1,0,"#), "{json}");
        let back: AsRead = serde_json::from_str(&json).expect("read back");
        assert_eq!(back, kept);
        assert_eq!(
            AsRead::of("正文。", &clean("正文。")),
            None,
            "nothing dropped, nothing kept"
        );
    }

    #[test]
    fn dropped_spans_name_their_line_and_text() {
        let text = "标题: 某镇报告\n\n2023年，某镇依法行政。扫一扫在手机打开当前页\r\n正文。";
        let c = clean(text);
        let lines: Vec<&str> = text.split('\n').collect();
        let shown: Vec<(usize, &str, RuleKind)> = c
            .dropped
            .iter()
            .map(|d| {
                let line = lines[d.line - 1].trim_end_matches('\r');
                (d.line, &line[d.bytes.clone()], d.kind)
            })
            .collect();
        assert_eq!(
            shown,
            [
                (1, "标题: 某镇报告", RuleKind::Header),
                (3, "扫一扫在手机打开当前页", RuleKind::Footer)
            ]
        );
        assert_eq!(c.chrome_chars(), "扫一扫在手机打开当前页".chars().count());
        assert_eq!(c.source_chars, visible_chars(text));
    }

    #[test]
    fn drops_site_chrome_and_keeps_prose() {
        let rows = [
            ("当前位置:首页 > 政府信息公开 > 法治政府建设", false),
            ("首页 > 政务公开", false),
            (
                "索引号 640302027/2024-00001 文号 生成日期 2024-01-17",
                false,
            ),
            (
                "内容分类 主动公开 发布机构 利通区上桥镇 责任部门 吴忠市利通区上桥镇人民政府",
                false,
            ),
            ("附件下载:", false),
            ("扫一扫在手机打开当前页", false),
            ("宁ICP备19000976号-1宁公网安备64030202000186号", false),
            (
                "主办单位:利通区人民政府办公室版权所有 联系方式:0953-2666555 网站标识码:6403020002",
                false,
            ),
            ("[bookmark: _GoBack]", false),
            ("一、工作开展情况", true),
            ("今年法律顾问审核、修订镇村相关合同71件。", true),
            ("附件是对上述制度的说明。", true),
        ];
        for (line, kept) in rows {
            let c = clean(line);
            assert_eq!(
                !c.lines.is_empty(),
                kept,
                "line {line:?} kept should be {kept}"
            );
        }
    }

    #[test]
    fn header_rows_feed_metadata() {
        let c = clean(
            "索引号 640302027/2024-00001 文号 生成日期 2024-01-17\n内容分类 主动公开 发布机构 利通区上桥镇 责任部门 x\n正文。",
        );
        assert_eq!(c.header_date.as_deref(), Some("2024-01-17"));
        assert_eq!(c.header_issuer.as_deref(), Some("利通区上桥镇"));
        assert_eq!(texts(&c), ["正文。"]);
    }

    #[test]
    fn crawler_headers_feed_metadata_and_leave_the_text() {
        let c = clean(
            "标题: 某镇2023年法治政府建设年度报告\n发布时间: 2024-01-17\n发布机构: 某镇人民政府\n原文链接: http://example.gov.cn/a.html\n==== 正文 ====\n正文第一句。",
        );
        assert_eq!(texts(&c), ["正文第一句。"]);
        assert_eq!(
            c.header_title.as_deref(),
            Some("某镇2023年法治政府建设年度报告")
        );
        assert_eq!(c.header_date.as_deref(), Some("2024-01-17"));
        assert_eq!(c.header_issuer.as_deref(), Some("某镇人民政府"));
        // A 来源 label inside the field is a label, not the body's name.
        for header in [
            "发布机构: 来源：某镇人民政府",
            "发布机构：来源：某镇人民政府",
        ] {
            let c = clean(&format!(
                "标题: 某镇报告\n{header}\n==== 正文 ====\n正文第一句。"
            ));
            assert_eq!(c.header_issuer.as_deref(), Some("某镇人民政府"), "{header}");
        }
        // A name with a space in it is whole; an ASCII colon after 来源 is a colon too; the
        // next field's label is not part of the name.
        for (header, issuer) in [
            (
                "发布机构: 沈丘县 北杨集镇人民政府",
                "沈丘县 北杨集镇人民政府",
            ),
            ("发布机构：来源: 某镇人民政府", "某镇人民政府"),
            (
                "发布机构: 某镇人民政府 发布时间: 2024-01-17",
                "某镇人民政府",
            ),
        ] {
            let c = clean(&format!(
                "标题: 某镇报告\n{header}\n==== 正文 ====\n正文第一句。"
            ));
            assert_eq!(c.header_issuer.as_deref(), Some(issuer), "{header}");
        }
    }

    #[test]
    fn inline_word_artefacts_are_cut() {
        let c = clean("加强法治建设[bookmark: _GoBack]工作。");
        assert_eq!(texts(&c), ["加强法治建设工作。"]);
    }

    #[test]
    fn rejoins_lines_broken_mid_sentence() {
        let cases: [(&str, &[&str]); 5] = [
            (
                "列入年度效能目标,纳入领导班子和领导干部年度考\n\n核重要指标。三是决策机制执行到位。",
                &[
                    "列入年度效能目标,纳入领导班子和领导干部年度考核重要指标。三是决策机制执行到位。",
                ],
            ),
            (
                "三是决策机制执行到位。严格依法依规决策,对党\n\n\n委的重要事项、政府的难点问题",
                &["三是决策机制执行到位。严格依法依规决策,对党委的重要事项、政府的难点问题"],
            ),
            (
                "一、工作开展情况\n（一）强化组织领导",
                &["一、工作开展情况", "（一）强化组织领导"],
            ),
            (
                "北杨集镇人民政府\n关于2023年度法治政府建设情况的报告\n中共沈丘县委、沈丘县人民政府：",
                &[
                    "北杨集镇人民政府",
                    "关于2023年度法治政府建设情况的报告",
                    "中共沈丘县委、沈丘县人民政府：",
                ],
            ),
            (
                "这是一个足够长的句子但是被断开了没有标点\n一是强化组织保障。",
                &[
                    "这是一个足够长的句子但是被断开了没有标点",
                    "一是强化组织保障。",
                ],
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(texts(&clean(input)), expected, "cleaning {input:?}");
        }
    }

    #[test]
    fn joined_line_keeps_its_source_line_number() {
        let c = clean("标题\n\n列入年度效能目标,纳入领导班子和领导干部年度考\n\n核重要指标。");
        assert_eq!(c.lines[1].number, 3);
    }
}
