//! Splitting a cleaned report into sections: the heading tree (see [`heading`]) and, inside a
//! section, the inline sub-points 一是…二是…. Every character of the cleaned text lands in
//! exactly one section, so a search over sections sees the whole report.

pub mod heading;

use serde::Serialize;

use crate::classify::{SectionType, TypeRules};
use crate::clean::Line;
use heading::{parse_heading, point_marker_at};

/// One section of a report: the unit that is indexed, searched and cited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    /// The heading path from the top level down, e.g. `["二、工作开展情况", "（一）强化组织领导"]`;
    /// empty for the preamble.
    pub headings: Vec<String>,
    /// The section's own text: its heading line and the text up to its first sub-section.
    pub text: String,
    /// 1-based line of the source file where the section starts.
    pub line: usize,
    pub section_type: SectionType,
}

/// The longest heading label kept whole; longer ones are cut at a comma or shortened.
const MAX_LABEL_CHARS: usize = 40;
/// The longest label of an inline point (一是…).
const MAX_POINT_LABEL_CHARS: usize = 24;

/// Splits cleaned lines into sections, in document order.
pub fn split(lines: &[Line], rules: &TypeRules) -> Vec<Section> {
    let lines = split_inline_headings(lines);
    let mut sections = Vec::new();
    let mut path: Vec<(u8, String)> = Vec::new();
    let mut block = Block::default();
    for line in &lines {
        match parse_heading(&line.text) {
            Some(h) => {
                block.emit(rules, &mut sections);
                while path.last().is_some_and(|(level, _)| *level >= h.level) {
                    path.pop();
                }
                path.push((h.level, heading_label(&line.text, MAX_LABEL_CHARS)));
                block = Block {
                    headings: path.iter().map(|(_, label)| label.clone()).collect(),
                    lines: vec![line],
                };
            }
            None => block.lines.push(line),
        }
    }
    block.emit(rules, &mut sections);
    sections
}

/// Characters after which a heading may start inside a line: sentence ends and spaces, never
/// a comma or an enumeration mark (…两个一、…).
const INLINE_HEADING_AFTER: &str = "。！？；：!?;:";

/// Breaks a line before each heading that runs inside it, as crawls that put a whole report
/// on one line leave them ("…报告如下。一、工作开展情况　（一）深入学习…"). A heading inside a line
/// is taken only where it stands after a sentence end or space and continues the numbering
/// (二、 after 一、, （一） after a level-1 heading), so that prose is never cut at a stray 一、.
pub fn split_inline_headings(lines: &[Line]) -> Vec<Line> {
    /// The last ordinal seen at each level (index 1 to 4).
    fn note(h: heading::Heading, last: &mut [usize; 5]) {
        let level = usize::from(h.level);
        last[level] = h.ordinal;
        last[level + 1..].iter_mut().for_each(|o| *o = 0);
    }
    let mut last = [0usize; 5];
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        if let Some(h) = parse_heading(&line.text) {
            note(h, &mut last);
        }
        let mut start = 0;
        let text = &line.text;
        for (at, c) in text.char_indices().skip(1) {
            let before = text[..at].chars().next_back().unwrap_or(' ');
            if !(c == '（' || c == '(' || c.is_ascii_digit() || heading::is_cn_digit(c)) {
                continue;
            }
            if !(before.is_whitespace() || INLINE_HEADING_AFTER.contains(before)) {
                continue;
            }
            let Some(h) = parse_heading(&text[at..]) else {
                continue;
            };
            let level = usize::from(h.level);
            let continues = h.ordinal == last[level] + 1
                && (level == 1 || last[level - 1] > 0 || h.ordinal == 1);
            if !continues {
                continue;
            }
            note(h, &mut last);
            let piece = text[start..at].trim();
            if !piece.is_empty() {
                out.push(Line {
                    number: line.number,
                    text: piece.to_string(),
                });
            }
            start = at;
        }
        out.push(Line {
            number: line.number,
            text: text[start..].trim().to_string(),
        });
    }
    out
}

/// The lines of one heading (or of the preamble) before the next heading.
#[derive(Default)]
struct Block<'a> {
    headings: Vec<String>,
    lines: Vec<&'a Line>,
}

impl Block<'_> {
    fn emit(&self, rules: &TypeRules, out: &mut Vec<Section>) {
        let Some(first) = self.lines.first() else {
            return;
        };
        let section_type = rules.classify(self.headings.first().map(String::as_str));
        let mut text = String::new();
        let mut line_starts = Vec::with_capacity(self.lines.len());
        for (i, line) in self.lines.iter().enumerate() {
            if i > 0 {
                text.push('\n');
            }
            line_starts.push((text.len(), line.number));
            text.push_str(&line.text);
        }
        let line_at = |offset: usize| {
            let i = line_starts.partition_point(|(start, _)| *start <= offset);
            line_starts[i.saturating_sub(1)].1
        };
        let points = point_starts(&text);
        let own_end = points.first().copied().unwrap_or(text.len());
        let own = text[..own_end].trim_end();
        if !own.is_empty() {
            out.push(Section {
                headings: self.headings.clone(),
                text: own.to_string(),
                line: first.number,
                section_type,
            });
        }
        for (i, &start) in points.iter().enumerate() {
            let end = points.get(i + 1).copied().unwrap_or(text.len());
            let point = text[start..end].trim_end();
            let mut headings = self.headings.clone();
            headings.push(heading_label(point, MAX_POINT_LABEL_CHARS));
            out.push(Section {
                headings,
                text: point.to_string(),
                line: line_at(start),
                section_type,
            });
        }
    }
}

/// Byte offsets where the inline points 一是、二是… of `text` start. A list needs 一是 and at
/// least one later point in increasing order (a point may be missing: 一是…三是); 一是 again
/// starts a new list. A lone 一是 is prose, not a list.
fn point_starts(text: &str) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut last = 0;
    for (at, _) in text.char_indices() {
        let Some((ordinal, at_boundary)) = point_marker_at(text, at) else {
            continue;
        };
        let follows = last > 0 && ordinal > last && ordinal <= last + 3;
        let accepted = if at_boundary {
            ordinal == 1 || follows
        } else {
            last > 0 && ordinal == last + 1
        };
        if accepted {
            starts.push(at);
            last = ordinal;
        }
    }
    if starts.len() < 2 { Vec::new() } else { starts }
}

/// A heading's label: the heading itself up to its first full stop, kept short enough to read in
/// a citation ("（一）加强党的领导和依法执政。乡党委书记…" → "（一）加强党的领导和依法执政").
pub fn heading_label(line: &str, max_chars: usize) -> String {
    let line = line.trim();
    let head = line
        .find(['。', '；', ';', '：', ':', '！', '？', '\n', '\u{3000}'])
        .map_or(line, |end| &line[..end]);
    if head.chars().count() <= max_chars {
        return head.to_string();
    }
    if let Some(comma) = head.find(['，', ',']) {
        let clause = &head[..comma];
        if clause.chars().count() <= max_chars {
            return clause.to_string();
        }
    }
    let mut short: String = head.chars().take(max_chars).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clean::clean;

    fn parse(text: &str) -> Vec<Section> {
        split(&clean(text).lines, TypeRules::embedded())
    }

    #[test]
    fn heading_labels() {
        let rows = [
            ("一、工作开展情况", "一、工作开展情况"),
            (
                "（一）加强党的领导和依法执政。乡党委书记孟庆云为法治政府建设第一责任人",
                "（一）加强党的领导和依法执政",
            ),
            (
                "1.严格落实重大行政决策法定程序。严格遵守",
                "1.严格落实重大行政决策法定程序",
            ),
            (
                "（一）加强政务公开和政府信息公开是完善政务公开制度的重要内容，推进行政决策公开、执行公开",
                "（一）加强政务公开和政府信息公开是完善政务公开制度的重要内容",
            ),
        ];
        for (line, label) in rows {
            assert_eq!(
                heading_label(line, MAX_LABEL_CHARS),
                label,
                "label of {line:?}"
            );
        }
    }

    #[test]
    fn heading_tree_with_paths_lines_and_types() {
        let sections = parse(
            "某镇2023年法治政府建设年度报告\n前言。\n一、工作开展情况\n（一）强化组织领导\n正文一。\n1.细项\n细项正文。\n（二）加强学习\n正文二。\n二、存在的不足\n不足正文。\n三、下一步打算\n打算正文。",
        );
        let got: Vec<(Vec<&str>, usize, SectionType)> = sections
            .iter()
            .map(|s| {
                (
                    s.headings.iter().map(String::as_str).collect(),
                    s.line,
                    s.section_type,
                )
            })
            .collect();
        use SectionType::*;
        let expected: Vec<(Vec<&str>, usize, SectionType)> = vec![
            (vec![], 1, Overview),
            (vec!["一、工作开展情况"], 3, Measures),
            (vec!["一、工作开展情况", "（一）强化组织领导"], 4, Measures),
            (
                vec!["一、工作开展情况", "（一）强化组织领导", "1.细项"],
                6,
                Measures,
            ),
            (vec!["一、工作开展情况", "（二）加强学习"], 8, Measures),
            (vec!["二、存在的不足"], 10, Shortcomings),
            (vec!["三、下一步打算"], 12, Plans),
        ];
        assert_eq!(got, expected);
        assert_eq!(sections[2].text, "（一）强化组织领导\n正文一。");
    }

    #[test]
    fn inline_points_become_sub_sections() {
        let sections = parse(
            "一、工作开展情况\n（一）强化组织建设。一是组织领导到位。贯彻落实规定。二是制度建设到位。制定清单。\n三是决策机制执行到位。严格依法。",
        );
        let labels: Vec<String> = sections.iter().map(|s| s.headings.join(" / ")).collect();
        assert_eq!(
            labels,
            [
                "一、工作开展情况",
                "一、工作开展情况 / （一）强化组织建设",
                "一、工作开展情况 / （一）强化组织建设 / 一是组织领导到位",
                "一、工作开展情况 / （一）强化组织建设 / 二是制度建设到位",
                "一、工作开展情况 / （一）强化组织建设 / 三是决策机制执行到位",
            ]
        );
        assert_eq!(sections[1].text, "（一）强化组织建设。");
        assert_eq!(sections[3].text, "二是制度建设到位。制定清单。");
        assert_eq!(sections[4].line, 3);
    }

    #[test]
    fn headings_inside_one_line_crawls() {
        let one_line = "某镇2023年法治政府建设年度报告　现将有关情况报告如下。一、工作开展情况　（一）深入学习。1.深入学习宣传习近平法治思想。2.加强培训。（二）严格执法。二、存在的问题　执法力量不足。三、下一步打算　加强学习。";
        let labels: Vec<String> = parse(one_line)
            .iter()
            .map(|s| s.headings.join(" / "))
            .collect();
        assert_eq!(
            labels,
            [
                "",
                "一、工作开展情况",
                "一、工作开展情况 / （一）深入学习",
                "一、工作开展情况 / （一）深入学习 / 1.深入学习宣传习近平法治思想",
                "一、工作开展情况 / （一）深入学习 / 2.加强培训",
                "一、工作开展情况 / （二）严格执法",
                "二、存在的问题",
                "三、下一步打算",
            ]
        );
    }

    #[test]
    fn a_stray_number_inside_prose_is_not_a_heading() {
        let rows = [
            "一、情况\n坚持做到三个一、两个二的要求。",
            "一、情况\n全年开展活动。三、是错的编号。",
            "一、情况\n增长了1.5倍。2023年再创新高。",
            "一、情况\n（一）甲。\n内容：（三）跳号不算。",
        ];
        for text in rows {
            let n = parse(text).len();
            let expected = if text.contains("（一）甲") { 2 } else { 1 };
            assert_eq!(n, expected, "no inline heading in {text:?}");
        }
    }

    #[test]
    fn lone_or_embedded_ordinals_are_prose() {
        let rows = [
            "坚持统一是关键，二是不成立。",
            "一是唯一的要求。",
            "二是缺少开头，三是也不算。",
        ];
        for text in rows {
            assert!(
                point_starts(text).is_empty(),
                "no points expected in {text:?}"
            );
        }
        assert_eq!(
            point_starts("一是甲。三是乙。").len(),
            2,
            "a missing point is tolerated"
        );
        assert_eq!(
            point_starts("一是甲。二是乙意识三是丙").len(),
            3,
            "the next point may follow unpunctuated"
        );
        assert_eq!(
            point_starts("一是甲。二是乙统一是丙").len(),
            2,
            "but not a restart inside a word"
        );
    }

    #[test]
    fn every_character_lands_in_one_section() {
        let text = "标题\n前言。\n一、情况\n（一）甲。一是子一。二是子二。\n二、问题\n乙。";
        let joined: String = parse(text)
            .iter()
            .map(|s| s.text.replace('\n', ""))
            .collect();
        let source: String = text.replace('\n', "");
        assert_eq!(joined, source);
    }
}
