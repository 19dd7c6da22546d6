//! Cleaning: from a report's raw text to the lines a reader would call the report.
//!
//! Site boilerplate (breadcrumbs, header rows, footers; the rules are `index_schema/boilerplate.tsv`)
//! and Word artefacts are removed, header rows that carry metadata (发布机构, 生成日期) are kept
//! aside for the metadata stage, and lines broken in mid-sentence are joined again. Every line
//! keeps the number it had in the source file, so that a citation can point back to it.

use std::sync::LazyLock;

use regex::Regex;

use crate::error::{Error, Result};
use crate::sections::heading;

/// A line of cleaned text and the 1-based line of the source file where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub number: usize,
    pub text: String,
}

/// A report's text after cleaning, with what its site header said about it.
#[derive(Debug, Clone, Default)]
pub struct CleanText {
    pub lines: Vec<Line>,
    /// 标题 from a crawler header row.
    pub header_title: Option<String>,
    /// 发布机构 from a site header row.
    pub header_issuer: Option<String>,
    /// 生成日期 / 发布日期 / 发布时间 from a site header row, as written.
    pub header_date: Option<String>,
}

/// The boilerplate rules of `index_schema/boilerplate.tsv`.
#[derive(Debug)]
pub struct Boilerplate {
    drop_line: Vec<Regex>,
    cut_inline: Vec<Regex>,
}

const BOILERPLATE_TSV: &str = include_str!("../index_schema/boilerplate.tsv");

impl Boilerplate {
    /// Parses the rules in the format of `index_schema/boilerplate.tsv`.
    pub fn parse(data: &str) -> Result<Self> {
        let mut rules = Boilerplate {
            drop_line: Vec::new(),
            cut_inline: Vec::new(),
        };
        for (i, row) in data.lines().enumerate() {
            if row.trim().is_empty() || row.starts_with('#') {
                continue;
            }
            let bad = |reason: String| Error::SchemaData {
                file: "boilerplate.tsv",
                line: i + 1,
                reason,
            };
            let (kind, pattern) = row
                .split_once('\t')
                .ok_or_else(|| bad("expected `kind<TAB>pattern`".into()))?;
            let regex = Regex::new(pattern).map_err(|e| bad(e.to_string()))?;
            match kind {
                "line" => rules.drop_line.push(regex),
                "inline" => rules.cut_inline.push(regex),
                other => {
                    return Err(bad(format!(
                        "unknown kind {other:?}: use `line` or `inline`"
                    )));
                }
            }
        }
        Ok(rules)
    }

    /// The rules shipped in `index_schema/`.
    pub fn embedded() -> &'static Boilerplate {
        static RULES: LazyLock<Boilerplate> = LazyLock::new(|| {
            Boilerplate::parse(BOILERPLATE_TSV)
                .expect("index_schema/boilerplate.tsv is valid: checked by its unit test")
        });
        &RULES
    }

    fn is_boilerplate(&self, line: &str) -> bool {
        self.drop_line.iter().any(|r| r.is_match(line))
    }

    fn cut(&self, line: &str) -> String {
        let mut out = line.to_string();
        for r in &self.cut_inline {
            if r.is_match(&out) {
                out = r.replace_all(&out, "").into_owned();
            }
        }
        out
    }
}

static HEADER_ISSUER: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"发布机构\s*[:：]?\s*([^\s:：]+)").expect("static regex"));
static HEADER_TITLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^标题\s*[:：]\s*(.+)$").expect("static regex"));
static HEADER_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?:生成日期|发布日期|发布时间|成文日期)\s*[:：]?\s*(\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2})",
    )
    .expect("static regex")
});

/// Cleans a report's text.
pub fn clean(text: &str) -> CleanText {
    let rules = Boilerplate::embedded();
    let mut out = CleanText::default();
    let mut kept = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let line = rules.cut(raw.trim_end_matches('\r'));
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if rules.is_boilerplate(trimmed) {
            if out.header_title.is_none() {
                out.header_title = HEADER_TITLE
                    .captures(trimmed)
                    .map(|c| c[1].trim().to_string());
            }
            if out.header_issuer.is_none() {
                out.header_issuer = HEADER_ISSUER.captures(trimmed).map(|c| c[1].to_string());
            }
            if out.header_date.is_none() {
                out.header_date = HEADER_DATE.captures(trimmed).map(|c| c[1].to_string());
            }
            continue;
        }
        kept.push(Line {
            number: i + 1,
            text: trimmed.to_string(),
        });
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
            let needs_space = prev.text.ends_with(|c: char| c.is_ascii_alphanumeric())
                && line.text.starts_with(|c: char| c.is_ascii_alphanumeric());
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
        let err = Boilerplate::parse("# c\nline\t(unclosed").expect_err("must fail");
        let msg = err.to_string();
        assert!(msg.contains("boilerplate.tsv, line 2"), "{msg}");
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
