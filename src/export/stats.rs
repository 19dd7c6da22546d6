//! Statistics tables as a researcher takes them away: an aligned text table, CSV, JSON,
//! Markdown, XLSX, and a chart — a line over years (one line per group or query), bars
//! otherwise. Every share stands beside its n (the reports in the group); a share from too few
//! reports is marked, and 0 of 0 is no share at all, never 0%.

use std::io::{self, Write};
use std::path::Path;

use serde::Serialize;

use super::chart::{Chart, ChartKind, Series};
use super::table::{Cell, Column, ColumnKind, Table};
use super::{Format, write_xlsx};
use crate::error::{Error, Result};
use crate::index::schema::{Shape, Values};
use crate::lang::{Lang, both};
use crate::search::copied::{CopiedRow, CopiedTable};
use crate::search::{Dimension, Filters, StatsRow, StatsTable};

/// How a share is shown: marked for a reader (text, Markdown) or as a number beside a
/// `small_n` column (CSV, XLSX).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareCells {
    /// `62.5%`, `40.0% *` when the group has fewer than [`SMALL_N`](crate::search::stats::SMALL_N) reports, `—` for 0 of 0.
    Marked,
    /// The fraction, empty for 0 of 0, and a `small_n` column of true/false.
    Numbers,
}

/// The mark after a share from fewer than [`SMALL_N`](crate::search::stats::SMALL_N) reports, explained by [`FOOTNOTE`].
pub const SMALL_MARK: &str = "*";
/// The line under a text or Markdown table that has a marked share.
pub fn footnote(lang: Lang) -> &'static str {
    lang.label("stats.footnote")
}

/// The table's rows as cells: the query column only when several queries are compared; `n`
/// (the reports in the group) beside each share. Column names, section types and levels in
/// `lang` (English keeps the JSON keys).
pub fn table(stats: &StatsTable, with_totals: bool, shares: ShareCells, lang: Lang) -> Table {
    let compare = stats.queries.len() > 1;
    let mut columns = Vec::new();
    let column = |key: &str, kind| Column::new(lang.column(key), kind);
    if compare {
        columns.push(column("query", ColumnKind::Text));
    }
    for dim in &stats.by {
        let kind = match dim.spec().shape {
            Shape::Number => ColumnKind::Int,
            _ => ColumnKind::Text,
        };
        columns.push(column(dim.name(), kind));
    }
    columns.push(column("matching_reports", ColumnKind::Int));
    columns.push(column("n", ColumnKind::Int));
    columns.push(column("share", ColumnKind::Percent));
    if shares == ShareCells::Numbers {
        columns.push(column("small_n", ColumnKind::Text));
    }
    columns.push(column("matching_sections", ColumnKind::Int));
    // A total's group reads 全部 / All.
    let cells = |r: &StatsRow, total: bool| -> Vec<Cell> {
        let mut row = Vec::with_capacity(columns.len());
        if compare {
            row.push(Cell::text(&r.query));
        }
        for (value, dim) in r.group.iter().zip(&stats.by) {
            row.push(match (dim, value.parse::<u64>()) {
                _ if total => Cell::text(lang.label("stats.all")),
                (_, _) if value.is_empty() => Cell::Empty,
                (d, Ok(number)) if d.spec().shape == Shape::Number => Cell::Int(number),
                (d, _) if d.spec().values == Values::SectionTypes => {
                    Cell::text(super::type_name(value, lang))
                }
                (d, _) if d.spec().values == Values::Levels => {
                    Cell::text(super::level_name(value, lang))
                }
                _ => Cell::text(value),
            });
        }
        row.push(Cell::Int(r.matching_reports as u64));
        row.push(Cell::Int(r.reports as u64));
        match shares {
            ShareCells::Marked => row.push(Cell::Text(marked_share(r))),
            ShareCells::Numbers => {
                row.push(r.share.map_or(Cell::Empty, Cell::Float));
                row.push(Cell::text(r.small_n.to_string()));
            }
        }
        row.push(Cell::Int(r.matching_sections as u64));
        row
    };
    let mut rows: Vec<Vec<Cell>> = stats.rows.iter().map(|r| cells(r, false)).collect();
    if with_totals {
        rows.extend(stats.totals.iter().map(|r| cells(r, true)));
    }
    Table {
        sheet: "stats".into(),
        columns,
        rows,
    }
}

/// `62.5%  `, `40.0% *` (too few reports), `—` (no report: 0 of 0 is no share). The unmarked
/// share is padded as wide as the mark so that the percent signs line up.
fn marked_share(row: &StatsRow) -> String {
    marked(row.share, row.small_n)
}

/// A share as [`marked_share`] shows it.
fn marked(share: Option<f64>, small_n: bool) -> String {
    match share {
        None => "—".to_string(),
        Some(share) if small_n => format!("{:.1}% {SMALL_MARK}", share * 100.0),
        Some(share) => format!("{:.1}%  ", share * 100.0),
    }
}

/// Whether a text or Markdown table of `stats` has a marked share, and so needs [`footnote`].
fn has_marks(stats: &StatsTable) -> bool {
    stats
        .rows
        .iter()
        .chain(&stats.totals)
        .any(|r| r.small_n && r.share.is_some())
}

/// Writes the table in `format` (text, Markdown, CSV and XLSX end with the totals; text and
/// Markdown with the footnote when a share is marked).
pub fn write(
    out: &mut dyn Write,
    stats: &StatsTable,
    format: Format,
    lang: Lang,
) -> io::Result<()> {
    let rows = stats.rows.iter().map(|row| JsonlRow::new(row, &stats.by));
    let table = |shares| table(stats, true, shares, lang);
    write_as(out, format, lang, has_marks(stats), table, stats, rows)
}

/// A stats-like table in `format`: text and Markdown with their shares marked (and the small-n
/// footnote when `marks`), CSV and XLSX with numbers (and the totals: their group reads 全部 /
/// All), JSON as `whole`, JSON Lines a row of `rows` each.
fn write_as<R: Serialize>(
    out: &mut dyn Write,
    format: Format,
    lang: Lang,
    marks: bool,
    table: impl Fn(ShareCells) -> Table,
    whole: &impl Serialize,
    rows: impl Iterator<Item = R>,
) -> io::Result<()> {
    let footnote = |out: &mut dyn Write| -> io::Result<()> {
        if marks {
            writeln!(out)?;
            writeln!(out, "{}", footnote(lang))?;
        }
        Ok(())
    };
    match format {
        Format::Text => {
            table(ShareCells::Marked).write_text(out)?;
            footnote(out)
        }
        Format::Md => {
            table(ShareCells::Marked).write_md(out)?;
            footnote(out)
        }
        Format::Csv => table(ShareCells::Numbers).write_csv(out),
        Format::Xlsx => write_xlsx(out, &table(ShareCells::Numbers), lang),
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, whole)?;
            writeln!(out)
        }
        Format::Jsonl => {
            for row in rows {
                serde_json::to_writer(&mut *out, &row)?;
                writeln!(out)?;
            }
            Ok(())
        }
    }
}

/// The table of `stats --copied` as cells: the query column when one is given, the group, `n`
/// (its reports), the characters of its sections, those that also appear in other reports, and
/// their share — marked as a stats share is, or a number beside a `small_n` column.
pub fn copied_table(
    copied: &CopiedTable,
    with_totals: bool,
    shares: ShareCells,
    lang: Lang,
) -> Table {
    let queried = copied.queries.iter().any(|q| !q.is_empty());
    let column = |key: &str, kind| Column::new(lang.column(key), kind);
    let mut columns = Vec::new();
    if queried {
        columns.push(column("query", ColumnKind::Text));
    }
    for dim in &copied.by {
        let kind = match dim.spec().shape {
            Shape::Number => ColumnKind::Int,
            _ => ColumnKind::Text,
        };
        columns.push(column(dim.name(), kind));
    }
    columns.push(column("n", ColumnKind::Int));
    columns.push(column("chars", ColumnKind::Int));
    columns.push(column("copied_chars", ColumnKind::Int));
    columns.push(column("copied_share", ColumnKind::Percent));
    if shares == ShareCells::Numbers {
        columns.push(column("small_n", ColumnKind::Text));
    }
    let cells = |r: &CopiedRow, total: bool| -> Vec<Cell> {
        let mut row = Vec::with_capacity(columns.len());
        if queried {
            row.push(Cell::text(&r.query));
        }
        for (value, dim) in r.group.iter().zip(&copied.by) {
            row.push(group_cell(value, *dim, total, lang));
        }
        row.push(Cell::Int(r.reports as u64));
        row.push(Cell::Int(r.chars as u64));
        row.push(Cell::Int(r.copied_chars as u64));
        match shares {
            ShareCells::Marked => row.push(Cell::Text(marked(r.share, r.small_n))),
            ShareCells::Numbers => {
                row.push(r.share.map_or(Cell::Empty, Cell::Float));
                row.push(Cell::text(r.small_n.to_string()));
            }
        }
        row
    };
    let mut rows: Vec<Vec<Cell>> = copied.rows.iter().map(|r| cells(r, false)).collect();
    if with_totals {
        rows.extend(copied.totals.iter().map(|r| cells(r, true)));
    }
    Table {
        sheet: "copied".into(),
        columns,
        rows,
    }
}

/// A group's value in a cell, as a stats table shows it (a total's reads 全部 / All).
fn group_cell(value: &str, dim: Dimension, total: bool, lang: Lang) -> Cell {
    match (dim, value.parse::<u64>()) {
        _ if total => Cell::text(lang.label("stats.all")),
        (_, _) if value.is_empty() => Cell::Empty,
        (d, Ok(number)) if d.spec().shape == Shape::Number => Cell::Int(number),
        (d, _) if d.spec().values == Values::SectionTypes => {
            Cell::text(super::type_name(value, lang))
        }
        (d, _) if d.spec().values == Values::Levels => Cell::text(super::level_name(value, lang)),
        _ => Cell::text(value),
    }
}

/// Writes the table of `stats --copied` in `format`, as [`write`] writes a stats table.
pub fn write_copied(
    out: &mut dyn Write,
    copied: &CopiedTable,
    format: Format,
    lang: Lang,
) -> io::Result<()> {
    let marks = copied
        .rows
        .iter()
        .chain(&copied.totals)
        .any(|r| r.small_n && r.share.is_some());
    let rows = copied
        .rows
        .iter()
        .map(|row| CopiedJsonlRow::new(row, &copied.by));
    let table = |shares| copied_table(copied, true, shares, lang);
    write_as(out, format, lang, marks, table, copied, rows)
}

/// A JSON Lines row of `stats --copied`, its groups named as a stats row's are.
#[derive(Serialize)]
struct CopiedJsonlRow<'a> {
    query: &'a str,
    #[serde(flatten)]
    group: std::collections::BTreeMap<&'static str, Option<&'a str>>,
    reports: usize,
    chars: usize,
    copied_chars: usize,
    share: Option<f64>,
    small_n: bool,
}

impl<'a> CopiedJsonlRow<'a> {
    fn new(row: &'a CopiedRow, by: &[Dimension]) -> CopiedJsonlRow<'a> {
        CopiedJsonlRow {
            query: &row.query,
            group: by
                .iter()
                .zip(&row.group)
                .map(|(d, v)| (d.name(), Some(v.as_str()).filter(|v| !v.is_empty())))
                .collect(),
            reports: row.reports,
            chars: row.chars,
            copied_chars: row.copied_chars,
            share: row.share,
            small_n: row.small_n,
        }
    }
}

/// A JSON Lines row names its groups: {"query":…,"year":"2023","province":"河南省",…}; a
/// missing value is null.
#[derive(Serialize)]
struct JsonlRow<'a> {
    query: &'a str,
    #[serde(flatten)]
    group: std::collections::BTreeMap<&'static str, Option<&'a str>>,
    matching_reports: usize,
    reports: usize,
    share: Option<f64>,
    small_n: bool,
    matching_sections: usize,
}

impl<'a> JsonlRow<'a> {
    fn new(row: &'a StatsRow, by: &[Dimension]) -> JsonlRow<'a> {
        JsonlRow {
            query: &row.query,
            group: by
                .iter()
                .zip(&row.group)
                .map(|(d, v)| (d.name(), Some(v.as_str()).filter(|v| !v.is_empty())))
                .collect(),
            matching_reports: row.matching_reports,
            reports: row.reports,
            share: row.share,
            small_n: row.small_n,
            matching_sections: row.matching_sections,
        }
    }
}

/// Checks, before any work, that a chart can be written to `path`: its extension names a
/// chart format.
pub fn check_chart_path(path: &Path) -> Result<()> {
    let extension = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("svg" | "png") => Ok(()),
        _ => Err(Error::Usage(both(
            "err.chart_file",
            &[("file", &path.display().to_string())],
        ))),
    }
}

/// The most bars a bar chart shows (the groups with most matching reports).
pub const MAX_BARS: usize = 30;

/// The chart of a table: the share of reports that match, in percent — a line per group (and
/// query) over years when the first dimension is the year, bars per group otherwise. Each
/// point carries its n; the title names the queries and the `filters` the table was made with,
/// so a chart passed on alone still says what it counts.
pub fn chart(stats: &StatsTable, filters: &Filters) -> Chart {
    let quoted: Vec<String> = stats.queries.iter().map(|q| format!("“{q}”")).collect();
    let by: Vec<&str> = stats.by.iter().map(|d| d.label(Lang::Zh)).collect();
    let compare = stats.queries.len() > 1;
    let over_years = stats
        .by
        .first()
        .is_some_and(|d| d.spec().shape == Shape::Number);
    let mut series: Vec<Series> = Vec::new();
    let mut add = |name: String, x: String, row: &StatsRow| {
        // 0 of 0 is no share: the group has no point rather than a point at 0%.
        let Some(share) = row.share else { return };
        let point = (x, share * 100.0);
        match series.iter_mut().find(|s| s.name == name) {
            Some(s) => {
                s.points.push(point);
                s.counts.push(row.reports);
            }
            None => series.push(Series {
                name,
                points: vec![point],
                counts: vec![row.reports],
            }),
        }
    };
    let mut bars_left: Vec<usize> = vec![MAX_BARS; stats.queries.len()];
    let mut truncated = false;
    for row in &stats.rows {
        let q = stats
            .queries
            .iter()
            .position(|q| *q == row.query)
            .unwrap_or(0);
        let shown = |v: &String| {
            if v.is_empty() {
                "—".to_string()
            } else {
                v.clone()
            }
        };
        if over_years {
            if row.group[0].is_empty() {
                continue; // a report without a year has no place on a time axis
            }
            let mut name: Vec<String> = Vec::new();
            if compare || stats.by.len() == 1 {
                name.push(quoted[q].clone());
            }
            name.extend(row.group.iter().skip(1).map(shown));
            add(name.join(" "), row.group[0].clone(), row);
        } else {
            if bars_left[q] == 0 {
                truncated = true;
                continue;
            }
            bars_left[q] -= 1;
            let x: Vec<String> = row.group.iter().map(shown).collect();
            add(quoted[q].clone(), x.join(" · "), row);
        }
    }
    let mut title = format!(
        "{} · {} · 提及率（按{}）",
        quoted.join(" / "),
        filter_label(filters),
        by.join("、")
    );
    if truncated {
        title.push_str(&format!("，前{MAX_BARS}组"));
    }
    Chart {
        kind: if over_years {
            ChartKind::Line
        } else {
            ChartKind::Bar
        },
        title,
        x_label: by.first().copied().unwrap_or_default().to_string(),
        y_label: "提及的报告占比 (%)".to_string(),
        y_max: Some(100.0),
        series,
    }
}

/// The filters as a chart title names them, in Chinese: `河南省，2020–2023，存在的不足`, or
/// 全部报告 when there are none (a title without filters would pass a filtered chart off as the
/// whole corpus).
pub fn filter_label(filters: &Filters) -> String {
    // The chart is Chinese: 存在的不足, not shortcomings.
    let described = super::summary::filters(filters, Lang::Zh);
    if described.is_empty() {
        "全部报告".to_string()
    } else {
        // describe() writes year ranges as 2020..2023 (the option's syntax); a title uses a dash.
        described.replace("..", "–")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dim(name: &str) -> Dimension {
        Dimension::named(name).expect("a facet of index_schema/facets.tsv")
    }

    fn row(query: &str, group: &[&str], matching: usize, reports: usize) -> StatsRow {
        StatsRow {
            query: query.into(),
            group: group.iter().map(|s| s.to_string()).collect(),
            matching_reports: matching,
            reports,
            share: (reports > 0).then(|| matching as f64 / reports as f64),
            small_n: reports < 5,
            matching_sections: matching * 2,
        }
    }

    fn stats(by: Vec<Dimension>, queries: &[&str], rows: Vec<StatsRow>) -> StatsTable {
        StatsTable {
            by,
            queries: queries.iter().map(|q| q.to_string()).collect(),
            totals: vec![],
            rows,
        }
    }

    #[test]
    fn a_line_per_group_over_years() {
        let s = stats(
            vec![dim("year"), dim("province")],
            &["法律顾问"],
            vec![
                row("法律顾问", &["2021", "河南省"], 1, 4),
                row("法律顾问", &["2021", "浙江省"], 2, 4),
                row("法律顾问", &["2022", "河南省"], 3, 4),
                row("法律顾问", &["", "河南省"], 1, 1),
            ],
        );
        let c = chart(&s, &Filters::default());
        assert_eq!(c.kind, ChartKind::Line);
        let lines: Vec<(&str, Vec<(&str, f64)>)> = c
            .series
            .iter()
            .map(|s| {
                (
                    s.name.as_str(),
                    s.points.iter().map(|(x, y)| (x.as_str(), *y)).collect(),
                )
            })
            .collect();
        assert_eq!(
            lines,
            [
                ("河南省", vec![("2021", 25.0), ("2022", 75.0)]),
                ("浙江省", vec![("2021", 50.0)]),
            ]
        );
    }

    #[test]
    fn compared_queries_are_bars_side_by_side() {
        let s = stats(
            vec![dim("province")],
            &["法律顾问", "公职律师"],
            vec![
                row("法律顾问", &["河南省"], 1, 2),
                row("公职律师", &["河南省"], 2, 2),
            ],
        );
        let c = chart(&s, &Filters::default());
        assert_eq!(c.kind, ChartKind::Bar);
        let names: Vec<&str> = c.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["“法律顾问”", "“公职律师”"]);
        assert!(c.title.contains("“法律顾问” / “公职律师”"), "{}", c.title);
    }

    #[test]
    fn bars_stop_at_the_limit_and_say_so() {
        let rows = (0..MAX_BARS + 5)
            .map(|i| row("普法", &[&format!("{i}镇")], 1, 2))
            .collect();
        let c = chart(
            &stats(vec![dim("town")], &["普法"], rows),
            &Filters::default(),
        );
        assert_eq!(c.series[0].points.len(), MAX_BARS);
        assert!(c.title.contains("前30组"), "{}", c.title);
    }

    #[test]
    fn table_columns_follow_the_request() {
        let s = stats(
            vec![dim("year")],
            &["a", "b"],
            vec![row("a", &["2023"], 1, 2)],
        );
        let zh = table(&s, false, ShareCells::Numbers, Lang::Zh);
        let names: Vec<&str> = zh.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "检索式",
                "年份",
                "提及报告数",
                "报告数 n",
                "占比",
                "样本过少",
                "匹配章节数"
            ]
        );
        let t = table(&s, false, ShareCells::Numbers, Lang::En);
        let names: Vec<&str> = t.columns.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "query",
                "year",
                "matching_reports",
                "n",
                "share",
                "small_n",
                "matching_sections"
            ]
        );
        assert_eq!(t.rows[0][1], Cell::Int(2023), "the year is a number");
    }

    /// Three groups: 0 of 0, 2 of 3 (too few reports), 5 of 8.
    fn three_sizes() -> StatsTable {
        stats(
            vec![dim("province")],
            &["法律顾问"],
            vec![
                row("法律顾问", &["河南省"], 5, 8),
                row("法律顾问", &["湖北省"], 2, 3),
                row("法律顾问", &["浙江省"], 0, 0),
            ],
        )
    }

    fn written(stats: &StatsTable, format: Format) -> String {
        let mut out = Vec::new();
        write(&mut out, stats, format, Lang::En).expect("write");
        String::from_utf8(out).expect("utf-8")
    }

    #[test]
    fn shares_show_their_n_and_mark_small_and_empty_groups() {
        let s = three_sizes();
        // Per format: the line of each group (n ≥ 5, n < 5, n = 0) and whether a footnote says
        // what the mark means.
        let cases: [(Format, [&str; 3], bool); 3] = [
            (
                Format::Text,
                [
                    "河南省                   5  8  62.5%                   10",
                    "湖北省                   2  3  66.7% *                  4",
                    "浙江省                   0  0        —                  0",
                ],
                true,
            ),
            (
                Format::Md,
                [
                    "| 河南省 | 5 | 8 | 62.5% | 10 |",
                    "| 湖北省 | 2 | 3 | 66.7% * | 4 |",
                    "| 浙江省 | 0 | 0 | — | 0 |",
                ],
                true,
            ),
            (
                Format::Csv,
                [
                    "河南省,5,8,0.6250,false,10",
                    "湖北省,2,3,0.6667,true,4",
                    "浙江省,0,0,,true,0",
                ],
                false,
            ),
        ];
        // Every table ends with its totals, the CSV too.
        let mut with_total = three_sizes();
        with_total.totals = vec![row("法律顾问", &["all"], 7, 11)];
        let csv = written(&with_total, Format::Csv);
        let last = csv.lines().last().unwrap_or_default();
        assert_eq!(
            last, "All,7,11,0.6364,false,14",
            "the total row of the CSV: {csv}"
        );
        for (format, lines, footnote) in cases {
            let text = written(&s, format);
            for line in lines {
                assert!(
                    text.lines().any(|l| l == line),
                    "{format:?}: no line {line:?} in\n{text}"
                );
            }
            assert_eq!(
                text.contains(super::footnote(Lang::En)),
                footnote,
                "{format:?}:\n{text}"
            );
        }
        let header = written(&s, Format::Text);
        assert!(
            header.starts_with("province  matching_reports  n"),
            "{header}"
        );
    }

    #[test]
    fn json_has_null_for_no_share_and_flags_small_groups() {
        let s = three_sizes();
        let json: serde_json::Value =
            serde_json::from_str(&written(&s, Format::Json)).expect("json");
        let rows: Vec<(serde_json::Value, serde_json::Value, serde_json::Value)> = json["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| {
                (
                    r["reports"].clone(),
                    r["share"].clone(),
                    r["small_n"].clone(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                (8.into(), 0.625.into(), false.into()),
                (3.into(), (2.0 / 3.0).into(), true.into()),
                (0.into(), serde_json::Value::Null, true.into()),
            ]
        );
        let jsonl = written(&s, Format::Jsonl);
        let last: serde_json::Value =
            serde_json::from_str(jsonl.lines().last().expect("a row")).expect("json");
        assert_eq!(
            (&last["share"], &last["small_n"]),
            (&serde_json::Value::Null, &true.into())
        );
    }

    #[test]
    fn a_chart_carries_n_names_its_filters_and_skips_empty_groups() {
        let filters = Filters::default()
            .with("province", "河南省")
            .and_then(|f| f.with("year", "2020..2023"))
            .and_then(|f| f.with("type", "shortcomings"))
            .expect("valid filters");
        let c = chart(&three_sizes(), &filters);
        assert_eq!(
            c.title,
            "“法律顾问” · 河南省，2020–2023，存在的不足 · 提及率（按省份）"
        );
        let points: Vec<(&str, usize)> = c.series[0]
            .points
            .iter()
            .zip(&c.series[0].counts)
            .map(|((x, _), n)| (x.as_str(), *n))
            .collect();
        assert_eq!(
            points,
            [("河南省", 8), ("湖北省", 3)],
            "0 of 0 has no point"
        );
        let unfiltered = chart(&three_sizes(), &Filters::default());
        assert!(
            unfiltered.title.contains("全部报告"),
            "{}",
            unfiltered.title
        );
    }
}
