//! Concordance (keyword in context): every occurrence of the query's terms in the matching
//! sections, one line each — left context, the match as written, right context — with the
//! report and section it comes from. In a terminal the lines align on the match by display
//! width (a CJK character takes two columns).

use std::cmp::Ordering;
use std::io::{self, Write};
use std::str::FromStr;

use serde::Serialize;
use unicode_width::UnicodeWidthStr;

use super::passage::find;
use super::table::{Cell, Column, ColumnKind, Table};
use super::{Format, HIGHLIGHT_OFF, HIGHLIGHT_ON, citation, terminal_line};
use crate::error::{Error, Result};
use crate::lang::Lang;
use crate::report::ReportMeta;
use crate::search::Hit;

/// One occurrence in context.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KwicLine {
    #[serde(flatten)]
    pub meta: ReportMeta,
    pub section_type: String,
    pub headings: Vec<String>,
    /// The section's first line in the source file.
    pub line: u64,
    pub left: String,
    #[serde(rename = "match")]
    pub keyword: String,
    pub right: String,
    pub citation: String,
    /// Where the match starts in the section, in characters (orders lines of one section).
    #[serde(skip)]
    pub offset: usize,
}

/// The order of concordance lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum KwicSort {
    /// Town, then year, report and place in it: a reading order.
    #[default]
    Town,
    /// Year, then town.
    Year,
    /// The text right of the match, character by character: what follows the term.
    Right,
    /// The text left of the match, read backwards from it: what precedes the term.
    Left,
}

impl KwicSort {
    pub const ALL: [(&'static str, KwicSort); 4] = [
        ("town", KwicSort::Town),
        ("year", KwicSort::Year),
        ("right", KwicSort::Right),
        ("left", KwicSort::Left),
    ];
}

impl FromStr for KwicSort {
    type Err = Error;

    fn from_str(s: &str) -> Result<KwicSort> {
        crate::lang::choose(s, &KwicSort::ALL, "choose.sort")
    }
}

/// Context each side of the match, in characters, when not asked.
pub const DEFAULT_WIDTH: usize = 20;

/// The widest context the library shows each side of a match, in characters: a wider `width`
/// is taken as this (a concordance line is read on one screen line; the binaries refuse larger
/// numbers with a message, the library never fails or overflows on one).
pub const MAX_WIDTH: usize = 1_000;

/// Every occurrence of `terms` in `hits`, with `width` characters of context each side (at most
/// [`MAX_WIDTH`]), in the order `sort` asks. The cost is linear in the sections' length plus
/// the context shown: character positions are counted once, from one match to the next.
pub fn lines(hits: &[Hit], terms: &[&str], width: usize, sort: KwicSort) -> Vec<KwicLine> {
    let width = width.min(MAX_WIDTH);
    let mut out = Vec::new();
    for hit in hits {
        let text = hit.text.as_str();
        let cite = citation(hit);
        // Characters before `counted_bytes`: advanced from match to match, never recounted.
        let (mut counted_bytes, mut counted_chars) = (0, 0);
        for (start, end) in find(text, terms) {
            counted_chars += text[counted_bytes..start].chars().count();
            counted_bytes = start;
            let left_from = text[..start]
                .char_indices()
                .rev()
                .take(width)
                .last()
                .map_or(start, |(b, _)| b);
            let right_to = text[end..]
                .char_indices()
                .nth(width)
                .map_or(text.len(), |(b, _)| end + b);
            out.push(KwicLine {
                meta: hit.meta.clone(),
                section_type: hit.section_type.clone(),
                headings: hit.headings.clone(),
                line: hit.line,
                left: one_line(&text[left_from..start]),
                keyword: one_line(&text[start..end]),
                right: one_line(&text[end..right_to]),
                citation: cite.clone(),
                offset: counted_chars,
            });
        }
    }
    out.sort_by(|a, b| order(a, b, sort));
    out
}

/// Puts concordance lines in the order `sort` asks, as [`lines`] does: for a caller that
/// builds them a hit at a time (the server, to stop between hits).
pub fn sort_lines(lines: &mut [KwicLine], sort: KwicSort) {
    lines.sort_by(|a, b| order(a, b, sort));
}

/// Line breaks and tabs become spaces: a concordance line is one line.
fn one_line(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect()
}

fn order(a: &KwicLine, b: &KwicLine, sort: KwicSort) -> Ordering {
    let place = |l: &KwicLine| (l.meta.town.clone(), l.meta.county.clone());
    let reading = |a: &KwicLine, b: &KwicLine| {
        a.meta
            .file
            .cmp(&b.meta.file)
            .then(a.line.cmp(&b.line))
            .then(a.offset.cmp(&b.offset))
    };
    match sort {
        KwicSort::Town => place(a)
            .cmp(&place(b))
            .then(a.meta.year.cmp(&b.meta.year))
            .then_with(|| reading(a, b)),
        KwicSort::Year => a
            .meta
            .year
            .cmp(&b.meta.year)
            .then_with(|| place(a).cmp(&place(b)))
            .then_with(|| reading(a, b)),
        KwicSort::Right => a
            .right
            .cmp(&b.right)
            .then_with(|| a.keyword.cmp(&b.keyword))
            .then_with(|| reading(a, b)),
        KwicSort::Left => a
            .left
            .chars()
            .rev()
            .cmp(b.left.chars().rev())
            .then_with(|| a.keyword.cmp(&b.keyword))
            .then_with(|| reading(a, b)),
    }
}

/// Writes concordance lines in `format`: the one writer of `fazhi-query kwic` and `/api/kwic`
/// (which answers `--format json`). Matches are coloured in text when `color`; column names
/// and section types of text and tables are in `lang`, JSON keys and values in ASCII.
pub fn write(
    out: &mut dyn Write,
    lines: &[KwicLine],
    format: Format,
    color: bool,
    lang: Lang,
) -> io::Result<()> {
    match format {
        Format::Text => write_text(out, lines, color, lang),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, lines)?;
            writeln!(out)
        }
        Format::Jsonl => lines.iter().try_for_each(|l| {
            serde_json::to_writer(&mut *out, l)?;
            writeln!(out)
        }),
        Format::Csv => table(lines, lang).write_csv(out),
        Format::Md => table(lines, lang).write_md(out),
        Format::Xlsx => super::write_xlsx(out, &table(lines, lang), lang),
    }
}

/// The concordance for a terminal: left context right-aligned, the match (coloured when
/// asked), right context, then town · year · section type. Control characters in the text are
/// escaped (see [`terminal_line`]) before the columns are measured.
fn write_text(out: &mut dyn Write, lines: &[KwicLine], color: bool, lang: Lang) -> io::Result<()> {
    let shown: Vec<[String; 4]> = lines
        .iter()
        .map(|l| {
            let place = l
                .meta
                .town
                .as_deref()
                .or(l.meta.county.as_deref())
                .unwrap_or("—");
            [&l.left, &l.keyword, &l.right, place].map(|s| terminal_line(s).into_owned())
        })
        .collect();
    let widest = |i: usize| shown.iter().map(|s| s[i].width()).max().unwrap_or(0);
    let (left_width, match_width, right_width) = (widest(0), widest(1), widest(2));
    for (l, [left, keyword, right, place]) in lines.iter().zip(&shown) {
        let marked = if color {
            format!("{HIGHLIGHT_ON}{keyword}{HIGHLIGHT_OFF}")
        } else {
            keyword.clone()
        };
        writeln!(
            out,
            "{}{} {}{} {}{}  {} · {} · {}",
            " ".repeat(left_width - left.width()),
            left,
            marked,
            " ".repeat(match_width - keyword.width()),
            right,
            " ".repeat(right_width - right.width()),
            place,
            l.meta
                .year
                .map_or_else(|| "—".to_string(), |y| y.to_string()),
            super::type_name(&l.section_type, lang),
        )?;
    }
    Ok(())
}

/// The concordance as a table (CSV, Markdown, XLSX), its column names and section types in
/// `lang`.
pub fn table(lines: &[KwicLine], lang: Lang) -> Table {
    let columns = [
        ("left", ColumnKind::Text),
        ("match", ColumnKind::Text),
        ("right", ColumnKind::Text),
        ("town", ColumnKind::Text),
        ("county", ColumnKind::Text),
        ("city", ColumnKind::Text),
        ("province", ColumnKind::Text),
        ("year", ColumnKind::Int),
        ("section_type", ColumnKind::Text),
        ("headings", ColumnKind::Text),
        ("line", ColumnKind::Int),
        ("file", ColumnKind::Text),
        ("citation", ColumnKind::Wrapped),
    ];
    Table {
        sheet: "kwic".into(),
        columns: columns
            .into_iter()
            .map(|(key, kind)| Column::new(lang.column(key), kind))
            .collect(),
        rows: lines
            .iter()
            .map(|l| {
                vec![
                    Cell::text(&l.left),
                    Cell::text(&l.keyword),
                    Cell::text(&l.right),
                    Cell::opt(&l.meta.town),
                    Cell::opt(&l.meta.county),
                    Cell::opt(&l.meta.city),
                    Cell::opt(&l.meta.province),
                    Cell::opt_int(l.meta.year),
                    Cell::text(super::type_name(&l.section_type, lang)),
                    Cell::text(l.headings.join(" / ")),
                    Cell::Int(l.line),
                    Cell::text(&l.meta.file),
                    Cell::text(&l.citation),
                ]
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(town: &str, year: u64, text: &str) -> Hit {
        Hit {
            meta: ReportMeta {
                file: format!("{town}{year}.txt"),
                title: None,
                town: Some(town.into()),
                county: Some("某县".into()),
                city: None,
                province: None,
                level: crate::region::Level::Town,
                year: Some(year),
                issuer: None,
                published: None,
            },
            section_type: "measures".into(),
            headings: vec!["一、工作".into()],
            line: 3,
            nth_on_line: None,
            text: text.into(),
            score: 1.0,
            also_saved_as: Vec::new(),
            copies: None,
            collapsed: Vec::new(),
        }
    }

    #[test]
    fn every_occurrence_with_context() {
        let hits = [hit("甲镇", 2023, "聘请法律顾问2名。\n法律顾问审核合同。")];
        let got = lines(&hits, &["法律顾问"], 3, KwicSort::Town);
        let shown: Vec<(&str, &str, &str)> = got
            .iter()
            .map(|l| (l.left.as_str(), l.keyword.as_str(), l.right.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                ("聘请", "法律顾问", "2名。"),
                ("名。 ", "法律顾问", "审核合")
            ]
        );
    }

    #[test]
    fn matches_are_shown_as_written() {
        let hits = [hit("甲镇", 2023, "ＡＢＣ法治")];
        let got = lines(&hits, &["abc"], 5, KwicSort::Town);
        assert_eq!(got.len(), 1);
        assert_eq!(
            (got[0].keyword.as_str(), got[0].right.as_str()),
            ("ＡＢＣ", "法治")
        );
    }

    #[test]
    fn sort_orders() {
        let hits = [
            hit("乙镇", 2021, "甲普法丙"),
            hit("甲镇", 2023, "乙普法甲"),
            hit("甲镇", 2020, "丙普法乙"),
        ];
        let rows: [(KwicSort, [(&str, u64); 3]); 4] = [
            // Towns by code point: 乙 (4e59) < 甲 (7532).
            (
                KwicSort::Town,
                [("乙镇", 2021), ("甲镇", 2020), ("甲镇", 2023)],
            ),
            (
                KwicSort::Year,
                [("甲镇", 2020), ("乙镇", 2021), ("甲镇", 2023)],
            ),
            // Right contexts 丙 乙 甲 sort by code point: 丙 (4e19) < 乙 (4e59) < 甲 (7532).
            (
                KwicSort::Right,
                [("乙镇", 2021), ("甲镇", 2020), ("甲镇", 2023)],
            ),
            (
                KwicSort::Left,
                [("甲镇", 2020), ("甲镇", 2023), ("乙镇", 2021)],
            ),
        ];
        for (sort, expected) in rows {
            let got: Vec<(String, u64)> = lines(&hits, &["普法"], 1, sort)
                .iter()
                .map(|l| {
                    (
                        l.meta.town.clone().unwrap_or_default(),
                        l.meta.year.unwrap_or(0),
                    )
                })
                .collect();
            let expected: Vec<(String, u64)> =
                expected.iter().map(|(t, y)| (t.to_string(), *y)).collect();
            assert_eq!(got, expected, "--sort {sort:?}");
        }
    }

    #[test]
    fn terminal_lines_align_on_the_match() {
        let hits = [
            hit("甲镇", 2023, "开展普法宣传"),
            hit("乙镇", 2023, "ab普法c"),
        ];
        let got = lines(&hits, &["普法"], 2, KwicSort::Town);
        let mut out = Vec::new();
        write_text(&mut out, &got, false, Lang::Zh).expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        let columns: Vec<usize> = text
            .lines()
            .map(|l| l[..l.find("普法").expect("match")].width())
            .collect();
        assert_eq!(columns, [5, 5], "{text}");
        let towns: Vec<usize> = text
            .lines()
            .map(|l| l[..l.find("镇").expect("town")].width())
            .collect();
        assert_eq!(towns[0], towns[1], "{text}");
    }

    #[test]
    fn any_width_is_taken_without_overflow() {
        let hits = [hit("甲镇", 2023, "聘请法律顾问2名。")];
        for width in [0, 3, MAX_WIDTH, usize::MAX] {
            let got = lines(&hits, &["法律顾问"], width, KwicSort::Town);
            assert_eq!(got.len(), 1, "--width {width}");
            let (left, right) = (got[0].left.as_str(), got[0].right.as_str());
            let expected = match width {
                0 => ("", ""),
                3 => ("聘请", "2名。"),
                _ => ("聘请", "2名。"),
            };
            assert_eq!((left, right), expected, "--width {width}");
        }
        let long = format!(
            "{}法治{}",
            "甲".repeat(2 * MAX_WIDTH),
            "乙".repeat(2 * MAX_WIDTH)
        );
        let hits = [hit("甲镇", 2023, &long)];
        let got = lines(&hits, &["法治"], usize::MAX, KwicSort::Town);
        assert_eq!(
            got[0].left.chars().count(),
            MAX_WIDTH,
            "the context is capped"
        );
        assert_eq!(
            got[0].right.chars().count(),
            MAX_WIDTH,
            "the context is capped"
        );
        assert_eq!(got[0].offset, 2 * MAX_WIDTH);
    }

    #[test]
    fn terminal_lines_escape_control_characters() {
        let mut h = hit("甲\x1b]0;x\x07镇", 2023, "清屏\x1b[2J普法\x07宣传");
        h.meta.file = "a\x1b[2J.txt".into();
        let got = lines(&[h], &["普法"], 6, KwicSort::Town);
        let mut out = Vec::new();
        write_text(&mut out, &got, false, Lang::Zh).expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(!text.contains(['\x1b', '\x07']), "{text:?}");
        assert!(text.contains("清屏\\x1B[2J 普法 \\x07宣传"), "{text:?}");
        assert!(text.contains("甲\\x1B]0;x\\x07镇"), "{text:?}");
        assert_eq!(got[0].left, "清屏\x1b[2J", "the data itself is exact");
    }
}
