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
use super::{HIGHLIGHT_OFF, HIGHLIGHT_ON, citation};
use crate::error::{Error, Result};
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
        crate::error::choose(s, &KwicSort::ALL, "cannot sort by")
    }
}

/// Context each side of the match, in characters, when not asked.
pub const DEFAULT_WIDTH: usize = 20;

/// Every occurrence of `terms` in `hits`, with `width` characters of context each side,
/// in the order `sort` asks.
pub fn lines(hits: &[Hit], terms: &[&str], width: usize, sort: KwicSort) -> Vec<KwicLine> {
    let mut out = Vec::new();
    for hit in hits {
        let chars: Vec<(usize, char)> = hit.text.char_indices().collect();
        let char_at = |byte: usize| chars.partition_point(|(b, _)| *b < byte);
        let byte_at = |c: usize| chars.get(c).map_or(hit.text.len(), |(b, _)| *b);
        let cite = citation(hit);
        for (start, end) in find(&hit.text, terms) {
            let (s, e) = (char_at(start), char_at(end));
            let context = |from: usize, to: usize| one_line(&hit.text[byte_at(from)..byte_at(to)]);
            out.push(KwicLine {
                meta: hit.meta.clone(),
                section_type: hit.section_type.clone(),
                headings: hit.headings.clone(),
                line: hit.line,
                left: context(s.saturating_sub(width), s),
                keyword: one_line(&hit.text[start..end]),
                right: context(e, (e + width).min(chars.len())),
                citation: cite.clone(),
                offset: s,
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

/// The concordance for a terminal: left context right-aligned, the match (coloured when
/// asked), right context, then town · year · section type.
pub fn write_text(out: &mut dyn Write, lines: &[KwicLine], color: bool) -> io::Result<()> {
    let left_width = lines.iter().map(|l| l.left.width()).max().unwrap_or(0);
    let match_width = lines.iter().map(|l| l.keyword.width()).max().unwrap_or(0);
    let right_width = lines.iter().map(|l| l.right.width()).max().unwrap_or(0);
    for l in lines {
        let keyword = if color {
            format!("{HIGHLIGHT_ON}{}{HIGHLIGHT_OFF}", l.keyword)
        } else {
            l.keyword.clone()
        };
        writeln!(
            out,
            "{}{} {}{} {}{}  {} · {} · {}",
            " ".repeat(left_width - l.left.width()),
            l.left,
            keyword,
            " ".repeat(match_width - l.keyword.width()),
            l.right,
            " ".repeat(right_width - l.right.width()),
            l.meta
                .town
                .as_deref()
                .or(l.meta.county.as_deref())
                .unwrap_or("—"),
            l.meta
                .year
                .map_or_else(|| "—".to_string(), |y| y.to_string()),
            l.section_type,
        )?;
    }
    Ok(())
}

/// The concordance as a table (CSV, Markdown, XLSX).
pub fn table(lines: &[KwicLine]) -> Table {
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
            .map(|(name, kind)| Column::new(name, kind))
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
                    Cell::text(&l.section_type),
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
                year: Some(year),
                issuer: None,
                published: None,
            },
            section_type: "measures".into(),
            headings: vec!["一、工作".into()],
            line: 3,
            text: text.into(),
            score: 1.0,
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
        write_text(&mut out, &got, false).expect("write");
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
}
