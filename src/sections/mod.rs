//! Splitting a cleaned report into sections: the heading tree (see [`heading`]) and, inside a
//! section, the inline sub-points 一是…二是…. Every character of the cleaned text lands in
//! exactly one section, so a search over sections sees the whole report.
//!
//! A section longer than [`MAX_SECTION_CHARS`] (a crawl that is one 20 MB line without a
//! heading) is cut into parts of at most that many characters, in order, so that no hit makes
//! a passage, a concordance or an export read megabytes (see [`part_ends`] for where it is
//! cut). Each part keeps the section's heading path and type and is cited by the source line
//! where it starts; parts do not overlap, so nothing is counted twice.

use serde::Serialize;

use crate::classify::{SectionType, TypeRules};
use crate::clean::Line;
use crate::heading::{self, parse_heading, point_marker_at};

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
    /// When several sections start on the same source line (the inline points of one
    /// paragraph, the parts of a long line), this one's place among them, from 1: cited as
    /// `file:23#2`, 第23行第2节; `None` when it is the only one (see [`nth_on_lines`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nth_on_line: Option<usize>,
    pub section_type: SectionType,
    /// For the section a list of inline points (一是…二是…) follows in its paragraph: its text
    /// with the points' text after it, the span a reader sees as one paragraph and what the
    /// index matches for this section (see [`Section::visible`]); `None` for any other.
    #[serde(skip)]
    pub span: Option<String>,
}

impl Section {
    /// The section's visible text, what a term is matched against and what its hit shows: its
    /// own text, followed by its inline points' text when it leads a list of them (at most
    /// [`MAX_SHOWN_POINTS`] sections and about [`MAX_SHOWN_BYTES`]), so that a phrase a reader
    /// sees run across a point's start (制度，一是聘请) finds the paragraph it is in.
    pub fn visible(&self) -> &str {
        self.span.as_deref().unwrap_or(&self.text)
    }
}

/// The most sections (points, or parts of them) a section's visible text takes in, and the
/// bytes after which no more are taken: the same bounds a hit that shows the sections under
/// it keeps to, so that what matches is what is shown.
pub const MAX_SHOWN_POINTS: usize = 50;
pub const MAX_SHOWN_BYTES: usize = 64 * 1024;

/// Sets the span of the section that leads the inline points `out[first_point..]`: its text
/// and theirs, each after a line break, as [`Section::visible`] describes.
fn join_points(out: &mut [Section], lead: usize) {
    let mut span = out[lead].text.clone();
    for (added, point) in out[lead + 1..].iter().enumerate() {
        span.push('\n');
        span.push_str(&point.text);
        if added + 1 == MAX_SHOWN_POINTS || span.len() > MAX_SHOWN_BYTES {
            break;
        }
    }
    out[lead].span = Some(span);
}

/// The longest heading label kept whole; longer ones are cut at a comma or shortened.
const MAX_LABEL_CHARS: usize = 40;
/// The longest label of an inline point (一是…).
const MAX_POINT_LABEL_CHARS: usize = 24;
/// The most characters of one section. About twenty pages of a report: the longest section of a
/// real report is a few thousand characters, so only text without headings for pages is cut.
pub const MAX_SECTION_CHARS: usize = 20_000;

/// Splits cleaned lines into sections, in document order.
pub fn split(lines: &[Line], rules: &TypeRules) -> Vec<Section> {
    let lines = split_inline_headings(lines, rules);
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
    let lines: Vec<usize> = sections.iter().map(|s| s.line).collect();
    for (section, nth) in sections.iter_mut().zip(nth_on_lines(&lines)) {
        section.nth_on_line = nth;
    }
    sections
}

/// For the lines where sections start, in document order (so equal lines are adjacent): each
/// section's place among those that start on its line, from 1, or `None` when it is alone
/// there. A citation of line and place tells apart sections that share a line.
pub fn nth_on_lines(lines: &[usize]) -> Vec<Option<usize>> {
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let before = lines[..i].iter().rev().take_while(|l| *l == line).count();
        let shared = before > 0 || lines.get(i + 1) == Some(line);
        out.push(shared.then_some(before + 1));
    }
    out
}

/// Characters after which a heading may start inside a line: sentence ends (white space too),
/// never a comma or an enumeration mark (…两个一、…, 第一、). ∶ (U+2236, a ratio sign) is how
/// some word processors write the colon of "报告如下∶".
const INLINE_HEADING_AFTER: &str = "。！？；：∶!?;:";
/// After these a heading inside a line may also be an item of a list inside a sentence
/// (…包括：1.建立台账；2.定期回访。), which is not a heading: see [`split_inline_headings`].
const LIST_LEAD: &str = "：∶；:;";
/// Ends of a heading's first clause: a heading's text runs to the first of these.
const CLAUSE_ENDS: [char; 6] = ['。', '！', '？', '；', '!', '?'];

/// Breaks a line before each heading that runs inside it, as crawls that put a whole report on
/// one line leave them ("…报告如下。一、工作开展情况　（一）深入学习…", the lines joined by a
/// space, a full-width space or nothing). A heading inside a line is taken where
///
/// - it continues the numbering (二、 after 一、, （一） after a level-1 heading, 1. again under
///   a new （二）), so that prose is never cut at a stray 一、 or 三、; and
/// - it stands after white space or a sentence end (。！？；：), never after a comma or inside a
///   word (…两个一、…, 第一、); after ： or ； it must not read as an item of a list inside a
///   sentence (…包括：1.建立台账；2.定期回访。, see [`reads_as_heading`]); or
/// - it is the first sub-heading (（一）, 1., （1）) right inside a heading that has no sentence
///   end yet: the lines joined by nothing ("一、主要举措和成效（一）健全决策机制1.严格落实…"); or
/// - it is a level-1 heading that names a part of the report (see [`names_a_part`]) after a
///   paragraph, or the title, that ends without a full stop, the lines joined by nothing.
///
/// A 一是 right inside a heading ("…职责情况一是强化…") ends the heading's line too, when a later
/// point of its list follows: the points are found in the section later.
///
/// A heading at the start of a line is always a heading (the grammar of [`parse_heading`]).
pub fn split_inline_headings(lines: &[Line], rules: &TypeRules) -> Vec<Line> {
    /// The last ordinal seen at each level (index 1 to 4).
    fn note(h: heading::Heading, last: &mut [usize; 5]) {
        let level = usize::from(h.level);
        last[level] = h.ordinal;
        last[level + 1..].iter_mut().for_each(|o| *o = 0);
    }
    let mut last = [0usize; 5];
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        let text = &line.text;
        // The heading the current piece starts with, while no sentence end has followed it.
        let mut open_heading = parse_heading(text);
        if let Some(h) = open_heading {
            note(h, &mut last);
        }
        let mut start = 0;
        let mut before = ' ';
        for (at, c) in text.char_indices() {
            let prev = std::mem::replace(&mut before, c);
            if at == 0 {
                continue;
            }
            if CLAUSE_ENDS.contains(&prev) {
                open_heading = None;
            }
            if !(c == '（' || c == '(' || c.is_ascii_digit() || heading::is_cn_digit(c)) {
                continue;
            }
            if open_heading.is_some() && starts_point_list(text, at) {
                // 一是 run on into its heading ("…职责情况一是强化组织保障。二是…", the lines
                // joined by nothing): the heading's label ends here, the points are found later.
                push_piece(&mut out, line.number, &text[start..at]);
                start = at;
                open_heading = None;
                continue;
            }
            let Some(h) = parse_heading(&text[at..]) else {
                continue;
            };
            // A heading resets the numbering below it, so 1. continues under a new （二） or
            // under 一、 with no （一） between.
            let continues = h.ordinal == last[usize::from(h.level)] + 1;
            if !continues {
                continue;
            }
            let after_break = prev.is_whitespace() || INLINE_HEADING_AFTER.contains(prev);
            let list_item = LIST_LEAD.contains(prev) && !reads_as_heading(&text[at..], h);
            let sub_heading =
                h.ordinal == 1 && open_heading.is_some_and(|open| open.level < h.level);
            // 一、 only as the first level-1 heading (`continues`): the title run on into it
            // ("…年度报告一、总体情况", lines joined by nothing) ends without a full stop.
            let next_part = h.level == 1
                && !(heading::is_cn_digit(prev) || "个第、".contains(prev))
                && names_a_part(&text[at..], rules);
            if !((after_break && !list_item) || sub_heading || next_part) {
                continue;
            }
            note(h, &mut last);
            open_heading = Some(h);
            push_piece(&mut out, line.number, &text[start..at]);
            start = at;
        }
        out.push(Line {
            number: line.number,
            text: text[start..].trim().to_string(),
        });
    }
    out
}

fn push_piece(out: &mut Vec<Line>, number: usize, piece: &str) {
    let piece = piece.trim();
    if !piece.is_empty() {
        out.push(Line {
            number,
            text: piece.to_string(),
        });
    }
}

/// How far after a 一是 its 二是 (or 三是) is looked for.
const POINT_LIST_REACH: usize = 4_000;

/// Whether a list of inline points starts at byte `at`: 一是 there (even inside a word, which
/// the caller allows only right after a heading), and a later point of the same list within
/// [`POINT_LIST_REACH`] bytes, as [`point_starts`] finds lists.
fn starts_point_list(text: &str, at: usize) -> bool {
    if point_marker_at(text, at).is_none_or(|(ordinal, _)| ordinal != 1) {
        return false;
    }
    let rest = &text[at..];
    let mut reach = rest.len().min(POINT_LIST_REACH);
    while !rest.is_char_boundary(reach) {
        reach -= 1;
    }
    point_starts(&rest[..reach]).first() == Some(&0)
}

/// How many characters of a run-on level-1 heading are read for the part of the report it names.
const PART_NAME_CHARS: usize = 16;

/// Whether the level-1 heading at the start of `text` names one of the report's parts (存在的
/// 问题, 下一步工作思路…: a section type of `index_schema/section_types.tsv`) in its first
/// [`PART_NAME_CHARS`] characters. That tells 二、存在的主要问题 run on after a paragraph without
/// a full stop ("…资料4780余份二、存在的主要问题虽然…", lines joined by nothing) from a 二、 in
/// prose (两个二、三个一).
fn names_a_part(text: &str, rules: &TypeRules) -> bool {
    let mut chars = text.chars().skip_while(|c| heading::is_cn_digit(*c));
    chars.next(); // 、
    let head: String = chars.take(PART_NAME_CHARS).collect();
    // 二、三次 is a count, not a heading.
    !head.starts_with(heading::is_cn_digit) && rules.classify(Some(&head)) != SectionType::Other
}

/// How far the first clause of a heading is read to tell it from a list item.
const MAX_CLAUSE_CHARS: usize = 200;

/// Whether the heading `h` at the start of `text` reads as a heading rather than as an item of a
/// list inside a sentence: an item ends with ； or ；-less runs on with ， into the next item
/// (1.建立台账，2.定期回访), a heading's first clause ends with a full stop or a comma followed
/// by more of its own text.
fn reads_as_heading(text: &str, h: heading::Heading) -> bool {
    let mut pause = false;
    for (at, c) in text.char_indices().skip(1).take(MAX_CLAUSE_CHARS) {
        if pause {
            let next = parse_heading(&text[at..]);
            if next.is_some_and(|n| n.level == h.level && n.ordinal == h.ordinal + 1) {
                return false;
            }
            pause = false;
        }
        match c {
            '。' | '！' | '？' | '!' | '?' => return true,
            '；' | ';' => return false,
            '，' | ',' => pause = true,
            _ => {}
        }
    }
    true
}

/// The lines of one heading (or of the preamble) before the next heading.
#[derive(Default)]
struct Block<'a> {
    headings: Vec<String>,
    lines: Vec<&'a Line>,
}

impl Block<'_> {
    fn emit(&self, rules: &TypeRules, out: &mut Vec<Section>) {
        if self.lines.is_empty() {
            return;
        }
        let section_type = rules.classify(self.headings.first().map(String::as_str));
        let first = out.len();
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
        let push = |out: &mut Vec<Section>, headings: &Vec<String>, start: usize, end: usize| {
            let mut at = start;
            for cut in part_ends(&text[start..end], MAX_SECTION_CHARS) {
                let part = &text[at..start + cut];
                at = start + cut;
                let kept = part.trim();
                if kept.is_empty() {
                    continue;
                }
                let from = at - part.len() + (part.len() - part.trim_start().len());
                out.push(Section {
                    headings: headings.clone(),
                    text: kept.to_string(),
                    line: line_at(from),
                    nth_on_line: None,
                    section_type,
                    span: None,
                });
            }
        };
        push(out, &self.headings, 0, own_end);
        // The section the points follow: the last part of the block's own text.
        let lead = out.len().checked_sub(1).filter(|&l| l >= first);
        for (i, &start) in points.iter().enumerate() {
            let end = points.get(i + 1).copied().unwrap_or(text.len());
            let mut headings = self.headings.clone();
            headings.push(heading_label(&text[start..end], MAX_POINT_LABEL_CHARS));
            push(out, &headings, start, end);
        }
        if let Some(lead) = lead.filter(|_| !points.is_empty()) {
            join_points(out, lead);
        }
    }
}

/// Sentence ends: where a long section is cut when it has no paragraph break to cut at.
const PART_SENTENCE_ENDS: [char; 7] = ['。', '！', '？', '；', '!', '?', ';'];
/// Where a long section is cut when a stretch of it has no sentence end either.
const PART_PAUSES: [char; 7] = ['，', '、', '：', ',', ':', ' ', '\u{3000}'];

/// Byte offsets (in `text`) where the parts of `text` end, each part at most `max_chars`
/// characters, the last offset `text.len()`; `[text.len()]` for a text short enough. A part
/// ends, in this order of preference, after the last paragraph break (a line break), sentence
/// end, pause (comma, colon, space) in the second half of its `max_chars` characters, or, in
/// text with none of these for `max_chars / 2` characters, between two characters. So a term
/// (a few characters without punctuation) is never cut apart except in such text, and the parts
/// joined are the text, character for character.
pub fn part_ends(text: &str, max_chars: usize) -> Vec<usize> {
    let max_chars = max_chars.max(2);
    let mut ends = Vec::new();
    let mut at = 0;
    loop {
        let rest = &text[at..];
        let Some((limit, _)) = rest.char_indices().nth(max_chars) else {
            ends.push(text.len());
            return ends;
        };
        let half = rest.char_indices().nth(max_chars / 2).map_or(0, |(b, _)| b);
        // Only the second half is searched: a part is never less than half the size.
        let second_half = &rest[half..limit];
        let last_of = |set: &dyn Fn(char) -> bool| {
            second_half
                .char_indices()
                .rev()
                .find(|&(_, c)| set(c))
                .map(|(b, c)| half + b + c.len_utf8())
        };
        let cut = last_of(&|c| c == '\n')
            .or_else(|| last_of(&|c| PART_SENTENCE_ENDS.contains(&c)))
            .or_else(|| last_of(&|c| PART_PAUSES.contains(&c)))
            .unwrap_or(limit);
        at += cut;
        ends.push(at);
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

/// A heading's label: the heading itself up to its first full stop or white space after its
/// text has begun, kept short enough to read in a citation ("（一）加强党的领导和依法执政。乡党委书记…"
/// → "（一）加强党的领导和依法执政"; "三、存在的问题 2023年，…", a crawl's paragraphs joined by
/// spaces → "三、存在的问题"; but "三. 下一步打算" whole).
pub fn heading_label(line: &str, max_chars: usize) -> String {
    let line = line.trim();
    let number_end = line
        .char_indices()
        .take(heading::MAX_NUMBER_CHARS)
        .find(|&(_, c)| matches!(c, '、' | '.' | '．' | '）' | ')'))
        .map_or(0, |(b, c)| b + c.len_utf8());
    let text_start = line.len() - line[number_end..].trim_start().len();
    let head = line[text_start..]
        .find(|c: char| c.is_whitespace() || "。；;：:！？".contains(c))
        .map_or(line, |end| &line[..text_start + end]);
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
            ("三. 下一步打算", "三. 下一步打算"),
            ("（ 二 ）加强理论学习", "（ 二 ）加强理论学习"),
            ("三、存在的问题 2023年，我镇推进工作。", "三、存在的问题"),
            ("一、工作开展情况　（一）深入学习", "一、工作开展情况"),
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
    fn a_section_leading_inline_points_is_visible_with_them() {
        let sections = parse(
            "一、情况\n（一）建立法律顾问制度，一是聘请律师。二是定期研判。\n（二）加强学习。",
        );
        let visible: Vec<(&str, &str)> = sections
            .iter()
            .map(|s| (s.text.as_str(), s.visible()))
            .collect();
        assert_eq!(
            visible,
            [
                ("一、情况", "一、情况"),
                (
                    "（一）建立法律顾问制度，",
                    "（一）建立法律顾问制度，\n一是聘请律师。\n二是定期研判。"
                ),
                ("一是聘请律师。", "一是聘请律师。"),
                ("二是定期研判。", "二是定期研判。"),
                ("（二）加强学习。", "（二）加强学习。"),
            ]
        );
    }

    #[test]
    fn sections_sharing_a_line_are_numbered_on_it() {
        let rows: [(&[usize], &[Option<usize>]); 4] = [
            (&[], &[]),
            (&[1, 3, 4], &[None, None, None]),
            (
                &[3, 23, 23, 23, 25],
                &[None, Some(1), Some(2), Some(3), None],
            ),
            (&[2, 2, 5, 5], &[Some(1), Some(2), Some(1), Some(2)]),
        ];
        for (lines, nth) in rows {
            assert_eq!(nth_on_lines(lines), nth, "{lines:?}");
        }
        let sections = parse("一、情况\n（一）甲。一是子一。二是子二。\n（二）乙。");
        let cited: Vec<(usize, Option<usize>)> =
            sections.iter().map(|s| (s.line, s.nth_on_line)).collect();
        // The clean step keeps each point on the line it starts on.
        assert_eq!(
            cited,
            [
                (1, None),
                (2, Some(1)),
                (2, Some(2)),
                (2, Some(3)),
                (3, None)
            ]
        );
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

    #[test]
    fn inline_headings_split_where_a_reader_sees_a_heading() {
        // (text of one line, the pieces it is split into, why)
        let rows: [(&str, &[&str], &str); 19] = [
            (
                "某镇2023年法治政府建设年度报告一、总体情况2023年，我镇推进工作。二、工作开展情况",
                &[
                    "某镇2023年法治政府建设年度报告",
                    "一、总体情况2023年，我镇推进工作。",
                    "二、工作开展情况",
                ],
                "the first heading naming a part, run on after the title",
            ),
            (
                "坚持做到三个一、总体情况良好。",
                &["坚持做到三个一、总体情况良好。"],
                "一、 after 个 is prose, even before a part's name",
            ),
            (
                "一、工作开展情况 发放资料4780余份二、存在的主要问题虽然取得成效。",
                &[
                    "一、工作开展情况 发放资料4780余份",
                    "二、存在的主要问题虽然取得成效。",
                ],
                "a heading naming a part of the report, after a paragraph without a full stop",
            ),
            (
                "一、情况 坚持两个二、三个问题的要求。",
                &["一、情况 坚持两个二、三个问题的要求。"],
                "二、 after 个 is prose, even before a part's name",
            ),
            (
                "一、情况 开展培训二、三次，解决问题。",
                &["一、情况 开展培训二、三次，解决问题。"],
                "二、三 is a count",
            ),
            (
                "报告如下。一、工作开展情况　（一）深入学习。",
                &["报告如下。", "一、工作开展情况", "（一）深入学习。"],
                "after a sentence end and a full-width space",
            ),
            (
                "报告如下： 一、工作开展情况 （一）深入学习。 1.学习宪法。 （1）集中学习。",
                &[
                    "报告如下：",
                    "一、工作开展情况",
                    "（一）深入学习。",
                    "1.学习宪法。",
                    "（1）集中学习。",
                ],
                "every level after a space",
            ),
            (
                "报告如下：一、主要举措和成效（一）健全决策机制1.严格落实程序。严格遵守。2.推行法律顾问制度。",
                &[
                    "报告如下：",
                    "一、主要举措和成效",
                    "（一）健全决策机制",
                    "1.严格落实程序。严格遵守。",
                    "2.推行法律顾问制度。",
                ],
                "the first sub-heading right after a heading: lines joined by nothing",
            ),
            (
                "一、情况 （一）甲。 二、问题 执法力量不足。三、打算 加强学习。",
                &[
                    "一、情况",
                    "（一）甲。",
                    "二、问题 执法力量不足。",
                    "三、打算 加强学习。",
                ],
                "the next heading of a level above",
            ),
            (
                "坚持做到三个一、两个二的要求。",
                &["坚持做到三个一、两个二的要求。"],
                "一、 inside a word is prose",
            ),
            (
                "报告如下。第一、加强学习。",
                &["报告如下。第一、加强学习。"],
                "第一、 is prose",
            ),
            (
                "报告如下，一、加强学习。",
                &["报告如下，一、加强学习。"],
                "never after a comma",
            ),
            (
                "一、情况 全年开展活动。三、是错的编号。",
                &["一、情况 全年开展活动。三、是错的编号。"],
                "a number that does not continue the numbering",
            ),
            (
                "一、情况 增长了1.5倍。2023年再创新高。",
                &["一、情况 增长了1.5倍。2023年再创新高。"],
                "decimals and years are not headings",
            ),
            (
                "（一）甲。主要做法包括：1.建立台账；2.定期回访。",
                &["（一）甲。主要做法包括：1.建立台账；2.定期回访。"],
                "a list inside a sentence, items ended by ；",
            ),
            (
                "（一）甲。主要做法包括：1.建立台账，2.定期回访。",
                &["（一）甲。主要做法包括：1.建立台账，2.定期回访。"],
                "a list inside a sentence, items ended by ，",
            ),
            (
                "（一）甲。主要做法如下：1.建立台账，做到底数清。2.定期回访。",
                &[
                    "（一）甲。主要做法如下：",
                    "1.建立台账，做到底数清。",
                    "2.定期回访。",
                ],
                "after a colon, a heading whose clause ends with a full stop",
            ),
            (
                "一、工作开展情况（一）甲。在三个（一）以内（二）乙。",
                &["一、工作开展情况", "（一）甲。在三个（一）以内（二）乙。"],
                "a sub-heading run on only right after its heading",
            ),
            (
                "（一）深入学习两个一、推进工作。",
                &["（一）深入学习两个一、推进工作。"],
                "a level-1 number is never run on inside a lower heading",
            ),
        ];
        for (text, pieces, why) in rows {
            let line = Line {
                number: 1,
                text: text.to_string(),
            };
            let got: Vec<String> = split_inline_headings(&[line], TypeRules::embedded())
                .into_iter()
                .map(|l| l.text)
                .collect();
            assert_eq!(got, pieces, "{why}: {text:?}");
        }
    }

    #[test]
    fn long_text_is_cut_into_bounded_parts_that_join_to_it() {
        // (text, max characters, the parts, why)
        let rows: [(&str, usize, &[&str], &str); 6] = [
            ("甲乙。丙丁。", 10, &["甲乙。丙丁。"], "short enough"),
            (
                "甲乙丙。丁戊己。庚辛",
                8,
                &["甲乙丙。丁戊己。", "庚辛"],
                "after a sentence end",
            ),
            (
                "甲乙丙。丁\n戊己庚辛",
                8,
                &["甲乙丙。丁\n", "戊己庚辛"],
                "a paragraph first",
            ),
            (
                "甲乙丙丁，戊己庚辛",
                8,
                &["甲乙丙丁，", "戊己庚辛"],
                "else a pause",
            ),
            (
                "甲乙丙丁戊己庚辛壬",
                4,
                &["甲乙丙丁", "戊己庚辛", "壬"],
                "else between characters",
            ),
            (
                "甲。乙丙丁戊己庚",
                4,
                &["甲。乙丙", "丁戊己庚"],
                "never a part under half the size",
            ),
        ];
        for (text, max, parts, why) in rows {
            let mut at = 0;
            let got: Vec<&str> = part_ends(text, max)
                .into_iter()
                .map(|end| {
                    let part = &text[at..end];
                    at = end;
                    part
                })
                .collect();
            assert_eq!(got, parts, "{why}: {text:?}");
            assert_eq!(got.concat(), text, "{why}: the parts join to the text");
        }
    }

    #[test]
    fn a_long_section_keeps_its_path_type_and_lines() {
        let sentence = "依法行政水平不断提升。";
        let long = sentence.repeat(MAX_SECTION_CHARS / sentence.chars().count() * 2 + 3);
        let text = format!("标题\n一、工作开展情况\n{long}\n{long}\n二、存在的问题\n不足。");
        let sections = parse(&text);
        let parts: Vec<&Section> = sections
            .iter()
            .filter(|s| s.headings == ["一、工作开展情况"])
            .collect();
        assert!(parts.len() >= 4, "{} parts", parts.len());
        assert!(
            parts
                .iter()
                .all(|s| s.text.chars().count() <= MAX_SECTION_CHARS)
        );
        assert!(
            parts
                .iter()
                .all(|s| s.section_type == SectionType::Measures)
        );
        assert_eq!(parts[0].line, 2);
        assert_eq!(
            parts.last().map(|s| s.line),
            Some(4),
            "the last part starts in line 4"
        );
        let joined: String = sections.iter().map(|s| s.text.replace('\n', "")).collect();
        assert_eq!(
            joined,
            text.replace('\n', ""),
            "every character in one section, in order"
        );
    }
}
