//! The heading grammar of Chinese official reports:
//!
//! | level | form            | example                          |
//! |-------|-----------------|----------------------------------|
//! | 1     | 一、 (一. 一．) | 一、工作开展情况                 |
//! | 2     | （一） (一)     | （一）强化组织领导，夯实组织基础 |
//! | 3     | 1. 1． 1、      | 1.严格落实重大行政决策法定程序。 |
//! | 4     | （1） (1)       | （1）开展专题培训                |
//!
//! and the inline sub-points 一是…二是…三是… that run inside a paragraph.

/// A heading recognised at the start of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Heading {
    /// 1 for 一、, 2 for （一）, 3 for 1., 4 for （1）.
    pub level: u8,
    /// The heading's number: 3 for 三、, （三）, 3. and （3）.
    pub ordinal: usize,
}

const CN_DIGITS: &str = "一二三四五六七八九十";
/// The most characters read of a heading's number with its brackets: （二十三） is 5. The
/// grammar never looks further, so asking at every character of a 20 MB line costs no more
/// than asking at the start of a short one.
pub const MAX_NUMBER_CHARS: usize = 8;

/// The heading that starts `line`, if it starts with one.
pub fn parse_heading(line: &str) -> Option<Heading> {
    let line = line.trim_start();
    let first = line.chars().next()?;
    if first == '（' || first == '(' {
        let body = &line[first.len_utf8()..];
        let close = body
            .char_indices()
            .take(MAX_NUMBER_CHARS)
            .find(|&(_, c)| c == '）' || c == ')')?
            .0;
        let inner = body[..close].trim();
        if counts_something(&body[close..].chars().skip(1).collect::<String>()) {
            return None;
        }
        if is_cn_number(inner) {
            return Some(Heading {
                level: 2,
                ordinal: cn_number_value(inner)?,
            });
        }
        if is_small_arabic(inner) {
            return Some(Heading {
                level: 4,
                ordinal: inner.parse().ok()?,
            });
        }
        return None;
    }
    let lead: String = line
        .chars()
        .take(MAX_NUMBER_CHARS)
        .take_while(|c| !is_heading_separator(*c))
        .collect();
    let rest = &line[lead.len()..];
    let separator = rest.chars().next()?;
    let after = rest[separator.len_utf8()..].chars().next();
    if is_cn_number(&lead)
        && (separator == '、' || separator == '.' || separator == '．')
        && !enumerates_numbers(&rest[separator.len_utf8()..])
    {
        return Some(Heading {
            level: 1,
            ordinal: cn_number_value(&lead)?,
        });
    }
    // 1.5 and 3.15 are numbers, not headings; a heading needs text after it.
    if is_small_arabic(&lead) && after.is_some_and(|c| !c.is_ascii_digit() && !c.is_whitespace()) {
        return Some(Heading {
            level: 3,
            ordinal: lead.parse().ok()?,
        });
    }
    None
}

/// Characters that, right after a bracketed number, make it a count in prose — "（3）次" of a
/// hard-wrapped "开展培训（3）次" — not a heading's number.
const COUNTED: &str = "次件名项家条场批户元倍%";

/// `（3）次…`: the bracketed number counts something.
fn counts_something(after_bracket: &str) -> bool {
    after_bracket
        .chars()
        .next()
        .is_some_and(|c| COUNTED.contains(c))
}

/// `一、二季度`, `三、四百人次`, `一、二、三`: after 一、 another digit that goes on as a number
/// or a list of numbers — prose a hard-wrapped copy put at a line's start, not a heading.
/// (一、一年来的工作 and 一、二〇二三年… stay headings.)
fn enumerates_numbers(after_separator: &str) -> bool {
    let mut chars = after_separator.chars();
    chars.next().is_some_and(is_cn_digit) && chars.next().is_some_and(|c| "、季百千万".contains(c))
}

/// 一 … 十, the digits of Chinese ordinals.
pub fn is_cn_digit(c: char) -> bool {
    CN_DIGITS.contains(c)
}

fn is_heading_separator(c: char) -> bool {
    matches!(c, '、' | '.' | '．')
}

fn is_cn_number(s: &str) -> bool {
    let n = s.chars().count();
    (1..=3).contains(&n) && s.chars().all(|c| CN_DIGITS.contains(c))
}

fn is_small_arabic(s: &str) -> bool {
    (1..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
}

/// The ordinal (1 for 一是) of an inline point marker starting at byte `at` of `text`, if one
/// starts there and stands where a point can start: at the start of the text or after a
/// punctuation mark or space, never inside a word (统一是, 唯一是).
pub fn point_ordinal_at(text: &str, at: usize) -> Option<usize> {
    point_marker_at(text, at)
        .filter(|(_, at_boundary)| *at_boundary)
        .map(|(ordinal, _)| ordinal)
}

/// The ordinal of a point marker at byte `at`, and whether it stands at a boundary (start of
/// text, after punctuation or space). A marker inside a run of text is only a point when it
/// continues a list (…法律意识四是… after 三是), which the caller decides.
pub fn point_marker_at(text: &str, at: usize) -> Option<(usize, bool)> {
    let rest = text.get(at..)?;
    let number: String = rest
        .chars()
        .take(MAX_NUMBER_CHARS)
        .take_while(|c| CN_DIGITS.contains(*c))
        .collect();
    if number.is_empty() || !rest[number.len()..].starts_with('是') {
        return None;
    }
    let before = text[..at].chars().last();
    if before.is_some_and(|c| CN_DIGITS.contains(c)) {
        return None;
    }
    let at_boundary = before.is_none_or(|c| c.is_whitespace() || is_point_boundary(c));
    Some((cn_number_value(&number)?, at_boundary))
}

fn is_point_boundary(c: char) -> bool {
    "。；;：:，,、！？!?）)”".contains(c)
}

/// 一 → 1 … 十 → 10, 十一 → 11, 二十 → 20; None for anything else.
pub fn cn_number_value(s: &str) -> Option<usize> {
    let digit = |c: char| CN_DIGITS.chars().position(|d| d == c).map(|p| p + 1);
    let chars: Vec<char> = s.chars().collect();
    match chars.as_slice() {
        [c] => digit(*c),
        ['十', u] => Some(10 + digit(*u).filter(|v| *v < 10)?),
        [t, '十'] => Some(10 * digit(*t).filter(|v| *v < 10)?),
        [t, '十', u] => Some(10 * digit(*t).filter(|v| *v < 10)? + digit(*u).filter(|v| *v < 10)?),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_grammar() {
        let rows: [(&str, Option<u8>); 28] = [
            ("一、工作开展情况", Some(1)),
            ("一、一年来的工作", Some(1)),
            ("三、四项制度全面落实", Some(1)),
            // Numbers a hard-wrapped copy (text copied from a PDF) puts at a line's start.
            ("一、二季度各召开一次专题会议", None),
            ("三、四百人次。", None),
            ("（3）次，覆盖干部", None),
            ("(12)项制度", None),
            ("十二、其他", Some(1)),
            ("三. 下一步打算", Some(1)),
            ("（一）强化组织领导，夯实组织基础", Some(2)),
            ("(一)强化组织建设,压实法治建设责任。", Some(2)),
            ("（ 二 ）加强理论学习", Some(2)),
            ("1.严格落实重大行政决策法定程序。", Some(3)),
            ("10．加强党的领导", Some(3)),
            ("2、健全完善政府法律服务制度", Some(3)),
            ("（1）开展专题培训", Some(4)),
            ("(12)开展专题培训", Some(4)),
            ("3.15国际消费者权益日", None),
            ("2023年，在区委的领导下", None),
            ("2024117", None),
            ("（2021-2025年）", None),
            ("（居）法律顾问", None),
            ("一是强化组织保障。", None),
            ("一岗双责", None),
            ("法治政府建设", None),
            ("", None),
            ("（一", None),
            ("123.数字", None),
        ];
        for (line, level) in rows {
            assert_eq!(
                parse_heading(line).map(|h| h.level),
                level,
                "heading level of {line:?}"
            );
        }
    }

    #[test]
    fn point_markers() {
        let rows: [(&str, usize, Option<usize>); 7] = [
            ("一是强化组织保障。", 0, Some(1)),
            ("到位。二是制度建设", "到位。".len(), Some(2)),
            ("；十一是加强", "；".len(), Some(11)),
            ("统一是关键", "统".len(), None),
            ("一岗双责", 0, None),
            ("建设 三是", "建设 ".len(), Some(3)),
            ("是持续创新", 0, None),
        ];
        for (text, at, ordinal) in rows {
            assert_eq!(
                point_ordinal_at(text, at),
                ordinal,
                "point marker in {text:?} at {at}"
            );
        }
    }

    #[test]
    fn chinese_numbers() {
        let rows = [
            ("一", Some(1)),
            ("十", Some(10)),
            ("十一", Some(11)),
            ("二十", Some(20)),
            ("二十三", Some(23)),
            ("十十", None),
        ];
        for (s, v) in rows {
            assert_eq!(cn_number_value(s), v, "value of {s:?}");
        }
    }
}
