//! Charts of statistics tables: SVG (plotters) and PNG (the same SVG rasterised by resvg).
//!
//! A [`Chart`] is a kind (line or bar), a title, two axis titles and named series of
//! `(x label, value)` points. The x axis is categorical: the union of the drawn series' x labels in
//! order of first appearance. The value axis starts at 0 (or below, for negative values) and
//! ends a little above the largest value. Every series is listed in a legend to the right.
//!
//! Layout choices, so that large tables stay legible:
//! - Many x labels: the plot widens (up to [`MAX_PLOT_WIDTH`] pixels) and only every n-th
//!   category is labelled so that labels never overlap. A bar chart with more than
//!   [`MAX_COLUMNS`] categories (e.g. 30 towns) is drawn horizontally instead, one row per
//!   category, so every label is readable.
//! - Many series: only the [`MAX_SERIES`] series with the largest totals are drawn (in the
//!   caller's order); the legend's last line says how many were left out
//!   ("及其他 N 组未显示").
//! - Shares of groups of reports carry their n: written beside each point (once per category
//!   when every point there has the same n), and a point or bar from fewer than 5 reports drawn
//!   hollow, the legend saying what both mean.
//! - [`Chart::to_svg_fitted`] lays the chart out for a given width (legend under the plot, the
//!   title on several lines), so a page shows it unscaled and its text keeps its size.
//!
//! Text uses a font-family list of common CJK fonts ending in `sans-serif`. For PNG the system
//! fonts (plus the file named by `FAZHI_FONT`, if set) are loaded, `sans-serif` is pointed at an
//! installed CJK family, and after layout every character of the chart's text must have been
//! drawn with a real glyph; otherwise the error names the characters and the fonts to install.

use std::collections::{BTreeSet, HashMap};
use std::ops::Range;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use resvg::tiny_skia;
use resvg::usvg::{self, fontdb};

use crate::Result;
use crate::error::Error;
use crate::lang::both;
use crate::search::stats::SMALL_N;

/// At most this many series are drawn; the rest are counted in the legend.
pub const MAX_SERIES: usize = 12;
/// A bar chart with more categories than this is drawn with horizontal bars.
pub const MAX_COLUMNS: usize = 12;
/// The widest plot area (pixels) of a line or column chart; beyond it labels are thinned.
pub const MAX_PLOT_WIDTH: f64 = 1400.0;
/// The widths [`Chart::to_svg_fitted`] lays a chart out for.
pub const FIT_WIDTHS: std::ops::RangeInclusive<u32> = 280..=2400;
/// Scale of the PNG that [`Chart::write_file`] writes (2 = sharp on screens and in print).
pub const FILE_PNG_SCALE: f32 = 2.0;
/// The environment variable naming an extra font file for PNG output.
pub const FONT_ENV: &str = "FAZHI_FONT";

/// The font-family list in the SVG: works in browsers and, via `sans-serif`, with resvg.
const FONT_FAMILIES: &str = "Noto Sans CJK SC, Source Han Sans SC, WenQuanYi Micro Hei, Microsoft YaHei, PingFang SC, sans-serif";
/// Installed CJK families that `sans-serif` is pointed at for PNG output, best first.
const CJK_FAMILIES: [&str; 10] = [
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Noto Sans SC",
    "Microsoft YaHei",
    "PingFang SC",
    "Droid Sans Fallback",
    "Noto Serif CJK SC",
    "AR PL UMing CN",
];
const FONT_HELP: &str = "install one (Debian: apt-get install fonts-wqy-microhei or fonts-noto-cjk) \
                         or set FAZHI_FONT=/path/to/font.ttf";

/// Series colours (Tableau 10 and two more), one per drawn series.
const PALETTE: [RGBColor; MAX_SERIES] = [
    RGBColor(0x4e, 0x79, 0xa7),
    RGBColor(0xf2, 0x8e, 0x2b),
    RGBColor(0xe1, 0x57, 0x59),
    RGBColor(0x76, 0xb7, 0xb2),
    RGBColor(0x59, 0xa1, 0x4f),
    RGBColor(0xed, 0xc9, 0x48),
    RGBColor(0xb0, 0x7a, 0xa1),
    RGBColor(0xff, 0x9d, 0xa7),
    RGBColor(0x9c, 0x75, 0x5f),
    RGBColor(0x79, 0x70, 0x6e),
    RGBColor(0x2f, 0x4b, 0x7c),
    RGBColor(0x8c, 0xd1, 0x7d),
];
const TEXT_COLOR: RGBColor = RGBColor(0x22, 0x22, 0x22);
const MUTED_COLOR: RGBColor = RGBColor(0x66, 0x66, 0x66);
const AXIS_COLOR: RGBColor = RGBColor(0x44, 0x44, 0x44);
const GRID_COLOR: RGBColor = RGBColor(0xe3, 0xe3, 0xe3);

/// Text sizes in pixels.
const TITLE_PX: f64 = 20.0;
const AXIS_TITLE_PX: f64 = 14.0;
const TICK_PX: f64 = 13.0;
const LEGEND_PX: f64 = 14.0;
/// The n written beside each point: the smallest text, still ≥ 11 px where the page shows the
/// chart at its own size.
const COUNT_PX: f64 = 12.0;
/// Above this many drawn points the n labels would cover each other and are left out (the
/// legend says to read n in the table).
const MAX_COUNT_LABELS: usize = 60;

/// Fixed parts of the layout, in pixels.
const MARGIN: u32 = 16;
const TITLE_HEIGHT: u32 = 52;
/// A title too wide for the chart takes up to this many lines, each this much higher.
const MAX_TITLE_LINES: usize = 3;
const TITLE_LINE: u32 = 26;
const LEGEND_ROW: u32 = 24;
const LEGEND_MAX_TEXT: f64 = 220.0;
const CATEGORY_MAX_TEXT: f64 = 180.0;
const PLOT_HEIGHT: u32 = 380;
const MIN_PLOT_WIDTH: f64 = 560.0;
const BAR_PLOT_WIDTH: f64 = 640.0;
const MAX_CHART_WIDTH: f64 = 2400.0;
const AXIS_TITLE_SPACE: u32 = 26;
const TICK_LABEL_GAP: u32 = 12;

/// What kind of chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    Line,
    Bar,
}

/// One named series of (x label, value) points, e.g. name "河南省", points
/// [("2021", 40.0), ("2022", 62.5)].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    pub name: String,
    pub points: Vec<(String, f64)>,
    /// When the values are shares of groups of reports: n, the reports behind each point, in
    /// the order of `points`. Each n is written beside its point, and a point from fewer than
    /// [`SMALL_N`] reports is drawn hollow. Empty for other values.
    pub counts: Vec<usize>,
}

/// A chart to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Chart {
    pub kind: ChartKind,
    /// e.g. "“法律顾问” 提及率（按年份）"
    pub title: String,
    /// e.g. "年份"
    pub x_label: String,
    /// e.g. "提及的报告占比 (%)"
    pub y_label: String,
    /// The top of the value axis when no value exceeds it (100 for percentages); None fits
    /// the axis to the data.
    pub y_max: Option<f64>,
    pub series: Vec<Series>,
}

impl Chart {
    /// The chart as an SVG document, as wide as its labels need.
    pub fn to_svg(&self) -> Result<String> {
        self.svg(None)
    }

    /// The chart as an SVG document exactly `width` pixels wide (clamped to [`FIT_WIDTHS`]):
    /// the legend goes under the plot and a long title onto several lines, so that a page
    /// showing it at that width shows every text at its own size (≥ 12 px), also on a phone.
    pub fn to_svg_fitted(&self, width: u32) -> Result<String> {
        self.svg(Some(width.clamp(*FIT_WIDTHS.start(), *FIT_WIDTHS.end())))
    }

    fn svg(&self, fit: Option<u32>) -> Result<String> {
        let plan = Plan::of(self)?;
        let layout = Layout::of(self, &plan, fit);
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, (layout.width, layout.height))
                .into_drawing_area();
            draw(&root, self, &plan, &layout).map_err(drawing_error)?;
            root.present().map_err(drawing_error)?;
        }
        Ok(svg)
    }

    /// The chart as a PNG image (the SVG rasterised), at the SVG's size times `scale`
    /// (1.0 or 2.0; anything from 0.1 to 8 is accepted).
    pub fn to_png(&self, scale: f32) -> Result<Vec<u8>> {
        check_scale(scale)?;
        let svg = self.to_svg()?;
        svg_to_png(&svg, chart_fonts()?, scale)
    }

    /// Writes the chart to `path`, as SVG or PNG (at [`FILE_PNG_SCALE`]) by its extension
    /// (.svg/.png, case-insensitive); any other extension is `Error::Usage` naming the choices.
    pub fn write_file(&self, path: &Path) -> Result<()> {
        let bytes = match ImageFormat::of_path(path)? {
            ImageFormat::Svg => self.to_svg()?.into_bytes(),
            ImageFormat::Png => self.to_png(FILE_PNG_SCALE)?,
        };
        super::output::Output::write_all(path, &bytes)
    }
}

/// The file formats [`Chart::write_file`] writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ImageFormat {
    Svg,
    Png,
}

impl ImageFormat {
    const ALL: [(&'static str, ImageFormat); 2] =
        [("svg", ImageFormat::Svg), ("png", ImageFormat::Png)];

    fn of_path(path: &Path) -> Result<ImageFormat> {
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        ImageFormat::ALL
            .iter()
            .find(|(name, _)| Some(*name) == extension.as_deref())
            .map(|(_, format)| *format)
            .ok_or_else(|| {
                Error::Usage(both(
                    "err.chart_format",
                    &[("file", &path.display().to_string())],
                ))
            })
    }
}

// ---------------------------------------------------------------------------------------------
// What is drawn: categories, kept series, value range.

/// One series as drawn: its colour and its points as (category index, value, n).
struct PlannedSeries<'a> {
    name: &'a str,
    color: RGBColor,
    points: Vec<(usize, f64, Option<usize>)>,
    /// Per point: whether its n is written beside it (see [`label_counts`]).
    labelled: Vec<bool>,
}

/// A point from fewer than [`SMALL_N`] reports: drawn hollow.
fn is_small(n: Option<usize>) -> bool {
    n.is_some_and(|n| n < SMALL_N)
}

/// The chart reduced to what is drawn.
struct Plan<'a> {
    categories: Vec<&'a str>,
    series: Vec<PlannedSeries<'a>>,
    /// Series left out because there were more than [`MAX_SERIES`].
    hidden: usize,
    values: Range<f64>,
}

impl<'a> Plan<'a> {
    fn of(chart: &'a Chart) -> Result<Plan<'a>> {
        if chart.series.iter().all(|s| s.points.is_empty()) {
            return Err(Error::Usage(both("err.chart_empty", &[])));
        }
        let kept = largest_series(&chart.series);
        let hidden = chart.series.len() - kept.len();
        let mut categories: Vec<&str> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        let mut series = Vec::with_capacity(kept.len());
        for (color, source) in PALETTE.iter().zip(kept) {
            let mut points = Vec::with_capacity(source.points.len());
            for (i, (label, value)) in source.points.iter().enumerate() {
                let next = categories.len();
                let at = *index.entry(label.as_str()).or_insert(next);
                if at == next {
                    categories.push(label);
                }
                if value.is_finite() {
                    points.push((at, *value, source.counts.get(i).copied()));
                }
            }
            series.push(PlannedSeries {
                name: &source.name,
                color: *color,
                points,
                labelled: Vec::new(),
            });
        }
        label_counts(&mut series);
        let mut values = value_range(series.iter().flat_map(|s| s.points.iter().map(|p| p.1)));
        if let Some(max) = chart.y_max {
            let within = series.iter().flat_map(|s| &s.points).all(|p| p.1 <= max);
            if within && values.end > max {
                values.end = max;
            }
        }
        Ok(Plan {
            categories,
            series,
            hidden,
            values,
        })
    }

    fn hidden_note(&self) -> Option<String> {
        (self.hidden > 0).then(|| format!("及其他 {} 组未显示", self.hidden))
    }

    fn points(&self) -> impl Iterator<Item = &(usize, f64, Option<usize>)> {
        self.series.iter().flat_map(|s| &s.points)
    }

    /// Whether points get their n written beside them: when there are counts and few enough
    /// labels to stay apart.
    fn labels_counts(&self) -> bool {
        let labels = self.series.iter().flat_map(|s| &s.labelled).filter(|l| **l);
        labels.count() > 0 && labels_fit(self)
    }

    /// The legend's lines under the series: how to read n and the hollow marks, and what was
    /// left out. The flag says whether the line gets a hollow mark.
    fn notes(&self) -> Vec<(String, bool)> {
        let mut notes = Vec::new();
        if self.points().any(|p| p.2.is_some()) {
            let n = if self.labels_counts() {
                "n = 组内报告数"
            } else {
                "n（组内报告数）见表格"
            };
            notes.push((n.to_string(), false));
        }
        if self.points().any(|p| is_small(p.2)) {
            notes.push((format!("n < {SMALL_N}，比例仅供参考"), true));
        }
        notes.extend(self.hidden_note().map(|n| (n, false)));
        notes
    }
}

/// Marks the points whose n is written: every point with an n, except that where all the
/// points of a category rest on the same n (compared queries counted over the same reports)
/// only the highest says it, once.
fn label_counts(series: &mut [PlannedSeries]) {
    let mut by_category: HashMap<usize, Vec<(usize, usize)>> = HashMap::new();
    for (s, one) in series.iter_mut().enumerate() {
        one.labelled = one.points.iter().map(|p| p.2.is_some()).collect();
        for (k, p) in one.points.iter().enumerate() {
            by_category.entry(p.0).or_default().push((s, k));
        }
    }
    for points in by_category.values() {
        let n = |&(s, k): &(usize, usize)| series[s].points[k].2;
        let first = n(&points[0]);
        if points.len() < 2 || first.is_none() || !points.iter().all(|p| n(p) == first) {
            continue;
        }
        let value = |&(s, k): &(usize, usize)| series[s].points[k].1;
        let highest = points
            .iter()
            .copied()
            .reduce(|a, b| if value(&b) > value(&a) { b } else { a });
        for &(s, k) in points {
            series[s].labelled[k] = Some((s, k)) == highest;
        }
    }
}

/// Whether the n labels are few enough to be written without covering each other.
fn labels_fit(plan: &Plan) -> bool {
    let labels = plan.series.iter().flat_map(|s| &s.labelled);
    labels.filter(|l| **l).count() <= MAX_COUNT_LABELS
}

/// The [`MAX_SERIES`] series with the largest totals, in the caller's order.
fn largest_series(all: &[Series]) -> Vec<&Series> {
    if all.len() <= MAX_SERIES {
        return all.iter().collect();
    }
    let total =
        |s: &Series| -> f64 { s.points.iter().map(|p| p.1).filter(|v| v.is_finite()).sum() };
    let mut order: Vec<usize> = (0..all.len()).collect();
    order.sort_by(|&a, &b| total(&all[b]).total_cmp(&total(&all[a])).then(a.cmp(&b)));
    order.truncate(MAX_SERIES);
    order.sort_unstable();
    order.into_iter().map(|i| &all[i]).collect()
}

/// The value axis: from 0 (or a round number below the smallest negative value) to a round
/// number a little above the largest value; 0..1 when every value is 0.
fn value_range(values: impl Iterator<Item = f64>) -> Range<f64> {
    let (low, high) = values.fold((0.0_f64, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let top = if high > 0.0 { round_up(high) } else { 0.0 };
    let bottom = if low < 0.0 { -round_up(-low) } else { 0.0 };
    if top == bottom {
        bottom..bottom + 1.0
    } else {
        bottom..top
    }
}

/// A round number 5–25% above `value` (> 0).
fn round_up(value: f64) -> f64 {
    let target = value * 1.08;
    if !target.is_finite() {
        return value;
    }
    let raw_step = target / 8.0;
    let magnitude = 10_f64.powf(raw_step.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw_step)
        .unwrap_or(10.0 * magnitude);
    let top = (target / step).ceil() * step;
    if top.is_finite() && top > 0.0 {
        top
    } else {
        value
    }
}

/// A value as an axis label: at most two decimals, no trailing zeros.
fn format_value(value: f64) -> String {
    let text = format!("{value:.2}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".to_string()
    } else {
        text.to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// Sizes: estimated text widths decide the label areas, the plot size and label thinning.

/// Whether the categories run along the x axis (line, columns) or down the y axis (bars).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Orientation {
    Columns,
    Rows,
}

/// Pixel sizes of the chart's parts.
#[derive(Debug, Clone, Copy)]
struct Layout {
    orientation: Orientation,
    width: u32,
    height: u32,
    title_lines: usize,
    /// The legend beside the plot (its width), or under it (its height; the width is then 0).
    legend_width: u32,
    legend_below: u32,
    /// The label area beside the plot (left) and below it.
    left_area: u32,
    bottom_area: u32,
    /// Label every `label_step`-th category.
    label_step: usize,
}

impl Layout {
    /// The layout at the width the labels need, or at the `fit` width, legend under the plot.
    fn of(chart: &Chart, plan: &Plan, fit: Option<u32>) -> Layout {
        let rows = chart.kind == ChartKind::Bar && plan.categories.len() > MAX_COLUMNS;
        let legend_rows = plan.series.len() + plan.notes().len();
        let (legend_width, legend_below) = match fit {
            None => (legend_width(plan), 0),
            Some(_) => (0, legend_rows as u32 * LEGEND_ROW + 8),
        };
        // Beside the plot, the legend sets a least height; under it, it has its own.
        let legend_height = match fit {
            None => (legend_rows + 1) as f64 * f64::from(LEGEND_ROW),
            Some(_) => 0.0,
        };
        let value_labels_width = [plan.values.start, plan.values.end]
            .iter()
            .map(|v| text_width(&format_value(*v), TICK_PX))
            .fold(0.0, f64::max);
        let category_width = plan
            .categories
            .iter()
            .map(|c| text_width(&shorten(c, CATEGORY_MAX_TEXT, TICK_PX), TICK_PX))
            .fold(0.0, f64::max);
        let tick_area = |width: f64| width.ceil() as u32 + TICK_LABEL_GAP + AXIS_TITLE_SPACE;
        let bottom_area = TICK_PX as u32 + TICK_LABEL_GAP + AXIS_TITLE_SPACE + 4;
        // The plot's width when the chart's width is given: what the labels and margins leave.
        let fitted = |left_area: u32| {
            fit.map(|width| (f64::from(width) - f64::from(left_area + 3 * MARGIN)).max(80.0))
        };
        let (orientation, left_area, plot_width, plot_height, label_step) = if rows {
            let row = (plan.series.len() as f64 * 12.0 + 10.0).clamp(22.0, 96.0);
            let plot_height = (plan.categories.len() as f64 * row).max(legend_height);
            let left_area = tick_area(category_width);
            (
                Orientation::Rows,
                left_area,
                fitted(left_area).unwrap_or(BAR_PLOT_WIDTH),
                plot_height,
                1,
            )
        } else {
            let left_area = tick_area(value_labels_width);
            let (plot_width, step) = match fitted(left_area) {
                None => column_width(chart.kind, plan, category_width),
                Some(width) => (width, label_step(plan, width, category_width)),
            };
            let plot_height = match fit {
                None => f64::from(PLOT_HEIGHT)
                    .max(plot_width * 0.45)
                    .max(legend_height),
                Some(_) => (plot_width * 0.75).clamp(200.0, f64::from(PLOT_HEIGHT)),
            };
            (
                Orientation::Columns,
                left_area,
                plot_width,
                plot_height,
                step,
            )
        };
        let body_width = f64::from(left_area + legend_width + 3 * MARGIN) + plot_width;
        let title_width = text_width(&chart.title, TITLE_PX) + f64::from(2 * MARGIN);
        let width = match fit {
            Some(width) => f64::from(width),
            None => body_width
                .max(title_width)
                .min(MAX_CHART_WIDTH)
                .max(body_width),
        };
        let title_lines = title_lines(&chart.title, width - f64::from(2 * MARGIN)).len();
        Layout {
            orientation,
            width: width.ceil() as u32,
            height: title_height(title_lines)
                + plot_height.ceil() as u32
                + bottom_area
                + MARGIN
                + legend_below,
            title_lines,
            legend_width,
            legend_below,
            left_area,
            bottom_area,
            label_step,
        }
    }
}

fn title_height(lines: usize) -> u32 {
    TITLE_HEIGHT + lines.saturating_sub(1) as u32 * TITLE_LINE
}

/// The title in lines at most `max_width` wide: its " · "-separated parts (query, filters,
/// what is counted) packed greedily, at most [`MAX_TITLE_LINES`], a line still too wide cut
/// with "…".
fn title_lines(title: &str, max_width: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for part in title.split(" · ") {
        match lines.last_mut() {
            Some(line) if text_width(&format!("{line} · {part}"), TITLE_PX) <= max_width => {
                line.push_str(" · ");
                line.push_str(part);
            }
            _ => lines.push(part.to_string()),
        }
    }
    if lines.len() > MAX_TITLE_LINES {
        let rest = lines.split_off(MAX_TITLE_LINES - 1).join(" · ");
        lines.push(rest);
    }
    lines
        .iter()
        .map(|line| shorten(line, max_width, TITLE_PX))
        .collect()
}

/// How many categories apart the labels of a plot `plot_width` wide are, so none overlap.
fn label_step(plan: &Plan, plot_width: f64, label_width: f64) -> usize {
    let room = plot_width / plan.categories.len().max(1) as f64;
    ((label_width + 14.0) / room).ceil().max(1.0) as usize
}

/// The plot width of a line or column chart and how many categories apart labels are.
fn column_width(kind: ChartKind, plan: &Plan, label_width: f64) -> (f64, usize) {
    let count = plan.categories.len().max(1);
    let slot = match kind {
        ChartKind::Line => 48.0,
        ChartKind::Bar => (plan.series.len() as f64 * 14.0 + 16.0).max(40.0),
    };
    let plot_width =
        (count as f64 * slot.max(label_width + 14.0)).clamp(MIN_PLOT_WIDTH, MAX_PLOT_WIDTH);
    (plot_width, label_step(plan, plot_width, label_width))
}

fn legend_width(plan: &Plan) -> u32 {
    let names = plan
        .series
        .iter()
        .map(|s| shorten(s.name, LEGEND_MAX_TEXT, LEGEND_PX))
        .chain(plan.notes().into_iter().map(|(note, _)| note));
    // Notes and names start 30 px in (after a mark), so both count the same.
    let text = names.map(|n| text_width(&n, LEGEND_PX)).fold(0.0, f64::max);
    text.ceil() as u32 + 40 + MARGIN
}

/// Estimated width of `text` at `px` pixels: CJK and other wide characters 1 em, ASCII 0.6 em.
fn text_width(text: &str, px: f64) -> f64 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.6 } else { 1.0 })
        .sum::<f64>()
        * px
}

/// `text`, cut and ended with "…" if it is wider than `max_width` at `px` pixels.
fn shorten(text: &str, max_width: f64, px: f64) -> String {
    if text_width(text, px) <= max_width {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if text_width(&out, px) + text_width(&c.to_string(), px) + px > max_width {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

// ---------------------------------------------------------------------------------------------
// Drawing with plotters.

/// A categorical axis: category `i` is centred on `i`, in a slot from `i - 0.5` to `i + 0.5`;
/// every `step`-th category gets a label. `top_down` puts the first category at the top of a
/// vertical axis.
struct CategoryAxis {
    count: usize,
    step: usize,
    top_down: bool,
}

impl Ranged for CategoryAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let count = self.count.max(1) as f64;
        let position = if self.top_down {
            count - 1.0 - value
        } else {
            *value
        };
        let fraction = (position + 0.5) / count;
        limit.0 + (fraction * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<H: KeyPointHint>(&self, hint: H) -> Vec<f64> {
        let wanted = hint.max_num_points();
        if wanted == 0 {
            return Vec::new();
        }
        let step = self.step.max(self.count.div_ceil(wanted)).max(1);
        (0..self.count).step_by(step).map(|i| i as f64).collect()
    }

    fn range(&self) -> Range<f64> {
        -0.5..self.count as f64 - 0.5
    }
}

/// A plotters font from the CJK-capable family list, `px` pixels high in the SVG
/// (plotters writes `font-size` as its size divided by 1.24).
fn font(px: f64) -> FontDesc<'static> {
    (FONT_FAMILIES, px * 1.24).into_font()
}

fn text_style(px: f64, color: RGBColor) -> TextStyle<'static> {
    font(px).color(&color)
}

/// The label of the category at `value`, if `value` is one.
fn category_label(categories: &[&str], value: f64) -> String {
    let index = value.round();
    if (value - index).abs() > 1e-6 || index < 0.0 {
        return String::new();
    }
    categories
        .get(index as usize)
        .map(|c| shorten(c, CATEGORY_MAX_TEXT, TICK_PX))
        .unwrap_or_default()
}

type Area<'b> = DrawingArea<SVGBackend<'b>, Shift>;
type DrawResult = std::result::Result<(), DrawingAreaErrorKind<std::io::Error>>;

fn drawing_error(error: impl std::fmt::Display) -> Error {
    Error::Chart(format!("plotting failed: {error}"))
}

fn draw(root: &Area, chart: &Chart, plan: &Plan, layout: &Layout) -> DrawResult {
    root.fill(&WHITE)?;
    let (title_area, body) = root.split_vertically(title_height(layout.title_lines));
    draw_title(&title_area, &chart.title, layout.width)?;
    let (plot_area, legend_area) = if layout.legend_below > 0 {
        let height = body.dim_in_pixel().1;
        body.split_vertically(height.saturating_sub(layout.legend_below))
    } else {
        body.split_horizontally(layout.width - layout.legend_width)
    };
    match layout.orientation {
        Orientation::Columns => draw_columns(&plot_area, chart, plan, layout)?,
        Orientation::Rows => draw_rows(&plot_area, chart, plan, layout)?,
    }
    draw_legend(&legend_area, chart.kind, plan)
}

fn draw_title(area: &Area, title: &str, width: u32) -> DrawResult {
    let max_width = f64::from(width.saturating_sub(2 * MARGIN));
    let style = text_style(TITLE_PX, TEXT_COLOR).pos(Pos::new(HPos::Center, VPos::Center));
    let center = (width / 2) as i32;
    for (i, line) in title_lines(title, max_width).iter().enumerate() {
        let y = (TITLE_HEIGHT / 2 + i as u32 * TITLE_LINE) as i32;
        area.draw_text(line, &style, (center, y))?;
    }
    Ok(())
}

/// A line chart or a column chart: categories along the x axis.
fn draw_columns(area: &Area, chart: &Chart, plan: &Plan, layout: &Layout) -> DrawResult {
    let categories = CategoryAxis {
        count: plan.categories.len(),
        step: layout.label_step,
        top_down: false,
    };
    let mut context = ChartBuilder::on(area)
        .margin(MARGIN)
        .margin_top(4)
        .y_label_area_size(layout.left_area)
        .x_label_area_size(layout.bottom_area)
        .build_cartesian_2d(categories, plan.values.clone())?;
    let category_text = |v: &f64| category_label(&plan.categories, *v);
    let value_text = |v: &f64| format_value(*v);
    context
        .configure_mesh()
        .disable_x_mesh()
        .y_max_light_lines(0)
        .x_labels(plan.categories.len().max(1))
        .y_labels(8)
        .x_label_formatter(&category_text)
        .y_label_formatter(&value_text)
        .x_desc(chart.x_label.as_str())
        .y_desc(chart.y_label.as_str())
        .label_style(text_style(TICK_PX, TEXT_COLOR))
        .axis_desc_style(text_style(AXIS_TITLE_PX, TEXT_COLOR))
        .axis_style(AXIS_COLOR)
        .bold_line_style(GRID_COLOR)
        .draw()?;
    match chart.kind {
        ChartKind::Line => draw_lines(&mut context, plan),
        ChartKind::Bar => draw_column_bars(&mut context, plan),
    }
}

type ColumnContext<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<CategoryAxis, RangedCoordf64>>;
type RowContext<'a, 'b> =
    ChartContext<'a, SVGBackend<'b>, Cartesian2d<RangedCoordf64, CategoryAxis>>;

fn draw_lines(context: &mut ColumnContext, plan: &Plan) -> DrawResult {
    // Smaller markers when many points would crowd them together.
    let radius = if plan.categories.len() > 24 { 2 } else { 4 };
    for series in &plan.series {
        let points = || series.points.iter().map(|&(i, v, _)| (i as f64, v));
        context.draw_series(LineSeries::new(points(), series.color.stroke_width(2)))?;
        for &(i, v, n) in &series.points {
            let at = (i as f64, v);
            if is_small(n) {
                // Hollow: white inside, the series' colour round it.
                context.draw_series([Circle::new(at, radius, WHITE.filled())])?;
                context.draw_series([Circle::new(at, radius, series.color.stroke_width(2))])?;
            } else {
                context.draw_series([Circle::new(at, radius, series.color.filled())])?;
            }
        }
    }
    if plan.labels_counts() {
        let style = text_style(COUNT_PX, MUTED_COLOR).pos(Pos::new(HPos::Center, VPos::Bottom));
        let labels = plan
            .series
            .iter()
            .flat_map(|s| s.points.iter().zip(&s.labelled));
        let labels = labels.filter_map(|(&(i, v, n), &labelled)| {
            n.filter(|_| labelled).map(|n| {
                EmptyElement::at((i as f64, v))
                    + Text::new(format!("n={n}"), (0, -7), style.clone())
            })
        });
        context.draw_series(labels)?;
    }
    Ok(())
}

/// The span of series `index`'s bar within a category slot centred on `category`.
fn bar_span(category: usize, index: usize, count: usize) -> (f64, f64) {
    let group = 0.8;
    let width = group / count.max(1) as f64;
    let start = category as f64 - group / 2.0 + index as f64 * width;
    (start + width * 0.06, start + width * 0.94)
}

fn draw_column_bars(context: &mut ColumnContext, plan: &Plan) -> DrawResult {
    let count = plan.series.len();
    let labels = plan.labels_counts();
    let style = text_style(COUNT_PX, MUTED_COLOR).pos(Pos::new(HPos::Center, VPos::Bottom));
    for (index, series) in plan.series.iter().enumerate() {
        for (&(category, value, n), &labelled) in series.points.iter().zip(&series.labelled) {
            let (x0, x1) = bar_span(category, index, count);
            context.draw_series([Rectangle::new(
                [(x0, 0.0), (x1, value)],
                bar_style(series.color, n),
            )])?;
            if let (true, Some(n)) = (labels && labelled, n) {
                let top = EmptyElement::at(((x0 + x1) / 2.0, value.max(0.0)));
                context.draw_series([top + Text::new(format!("n={n}"), (0, -3), style.clone())])?;
            }
        }
    }
    Ok(())
}

/// A bar filled with its series' colour, or hollow (outlined) when its n is small.
fn bar_style(color: RGBColor, n: Option<usize>) -> ShapeStyle {
    if is_small(n) {
        color.stroke_width(2)
    } else {
        color.filled()
    }
}

/// A bar chart with many categories: one row per category, bars growing to the right.
fn draw_rows(area: &Area, chart: &Chart, plan: &Plan, layout: &Layout) -> DrawResult {
    let categories = CategoryAxis {
        count: plan.categories.len(),
        step: 1,
        top_down: true,
    };
    let mut context = ChartBuilder::on(area)
        .margin(MARGIN)
        .margin_top(4)
        .y_label_area_size(layout.left_area)
        .x_label_area_size(layout.bottom_area)
        .build_cartesian_2d(plan.values.clone(), categories)?;
    let category_text = |v: &f64| category_label(&plan.categories, *v);
    let value_text = |v: &f64| format_value(*v);
    context
        .configure_mesh()
        .disable_y_mesh()
        .x_max_light_lines(0)
        .y_labels(plan.categories.len().max(1))
        .x_labels(8)
        .y_label_formatter(&category_text)
        .x_label_formatter(&value_text)
        .y_desc(chart.x_label.as_str())
        .x_desc(chart.y_label.as_str())
        .label_style(text_style(TICK_PX, TEXT_COLOR))
        .axis_desc_style(text_style(AXIS_TITLE_PX, TEXT_COLOR))
        .axis_style(AXIS_COLOR)
        .bold_line_style(GRID_COLOR)
        .draw()?;
    draw_row_bars(&mut context, plan)
}

fn draw_row_bars(context: &mut RowContext, plan: &Plan) -> DrawResult {
    let count = plan.series.len();
    let labels = plan.labels_counts();
    let style = text_style(COUNT_PX, MUTED_COLOR).pos(Pos::new(HPos::Left, VPos::Center));
    for (index, series) in plan.series.iter().enumerate() {
        for (&(category, value, n), &labelled) in series.points.iter().zip(&series.labelled) {
            // Rows run top-down, so the first series' bar is the top one of its group.
            let (y0, y1) = bar_span(category, count - 1 - index, count);
            context.draw_series([Rectangle::new(
                [(0.0, y0), (value, y1)],
                bar_style(series.color, n),
            )])?;
            if let (true, Some(n)) = (labels && labelled, n) {
                let end = EmptyElement::at((value.max(0.0), (y0 + y1) / 2.0));
                context.draw_series([end + Text::new(format!("n={n}"), (4, 0), style.clone())])?;
            }
        }
    }
    Ok(())
}

fn draw_legend(area: &Area, kind: ChartKind, plan: &Plan) -> DrawResult {
    let row = LEGEND_ROW as i32;
    let x = 8;
    let label_style = text_style(LEGEND_PX, TEXT_COLOR).pos(Pos::new(HPos::Left, VPos::Center));
    for (n, series) in plan.series.iter().enumerate() {
        let y = 14 + n as i32 * row;
        draw_legend_mark(area, kind, series.color, (x, y))?;
        let name = shorten(series.name, LEGEND_MAX_TEXT, LEGEND_PX);
        area.draw_text(&name, &label_style, (x + 30, y))?;
    }
    let style = text_style(LEGEND_PX, MUTED_COLOR).pos(Pos::new(HPos::Left, VPos::Center));
    for (k, (note, hollow)) in plan.notes().into_iter().enumerate() {
        let y = 14 + (plan.series.len() + k) as i32 * row;
        if hollow {
            draw_hollow_mark(area, kind, (x, y))?;
        }
        area.draw_text(&note, &style, (x + 30, y))?;
    }
    Ok(())
}

/// The legend's key to a point or bar from too few reports.
fn draw_hollow_mark(area: &Area, kind: ChartKind, (x, y): (i32, i32)) -> DrawResult {
    match kind {
        ChartKind::Line => area.draw(&Circle::new((x + 11, y), 4, MUTED_COLOR.stroke_width(2))),
        ChartKind::Bar => area.draw(&Rectangle::new(
            [(x + 4, y - 7), (x + 18, y + 7)],
            MUTED_COLOR.stroke_width(2),
        )),
    }
}

fn draw_legend_mark(
    area: &Area,
    kind: ChartKind,
    color: RGBColor,
    (x, y): (i32, i32),
) -> DrawResult {
    match kind {
        ChartKind::Line => {
            area.draw(&PathElement::new(
                vec![(x, y), (x + 22, y)],
                color.stroke_width(2),
            ))?;
            area.draw(&Circle::new((x + 11, y), 4, color.filled()))
        }
        ChartKind::Bar => area.draw(&Rectangle::new(
            [(x + 4, y - 7), (x + 18, y + 7)],
            color.filled(),
        )),
    }
}

// ---------------------------------------------------------------------------------------------
// PNG: fonts, the glyph check, rasterising.

fn check_scale(scale: f32) -> Result<()> {
    if scale.is_finite() && (0.1..=8.0).contains(&scale) {
        Ok(())
    } else {
        Err(Error::Usage(
            format!("PNG scale must be between 0.1 and 8 (1 or 2 are usual), not {scale}").into(),
        ))
    }
}

/// The system fonts, loaded once per process.
fn system_fonts() -> Arc<fontdb::Database> {
    static SYSTEM: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    SYSTEM
        .get_or_init(|| {
            let mut fonts = fontdb::Database::new();
            fonts.load_system_fonts();
            Arc::new(fonts)
        })
        .clone()
}

/// The system fonts plus the `FAZHI_FONT` file, with `sans-serif` pointed at a CJK family.
fn chart_fonts() -> Result<Arc<fontdb::Database>> {
    let mut fonts = system_fonts();
    let db = Arc::make_mut(&mut fonts);
    let extra = match std::env::var_os(FONT_ENV) {
        Some(path) if !path.is_empty() => Some(load_font_file(db, Path::new(&path))?),
        _ => None,
    };
    point_generic_families(db, extra);
    Ok(fonts)
}

/// Loads the font file at `path` (from `FAZHI_FONT`) and returns its family name.
fn load_font_file(fonts: &mut fontdb::Database, path: &Path) -> Result<String> {
    let before: BTreeSet<fontdb::ID> = fonts.faces().map(|f| f.id).collect();
    fonts.load_font_file(path).map_err(|e| {
        Error::Chart(format!(
            "{FONT_ENV}={}: cannot read the font ({e}): point it at a .ttf, .ttc or .otf file or unset it",
            path.display()
        ))
    })?;
    fonts
        .faces()
        .find(|f| !before.contains(&f.id))
        .and_then(|f| f.families.first())
        .map(|(family, _)| family.clone())
        .ok_or_else(|| {
            Error::Chart(format!(
                "{FONT_ENV}={}: no font in that file could be read: point it at a .ttf, .ttc or \
                 .otf file or unset it",
                path.display()
            ))
        })
}

/// Points `sans-serif` and `serif` (usvg's last resort) at `preferred`, else at the first
/// installed CJK family, else at any installed family, so that text always gets a first font
/// and usvg's per-character fallback can find CJK glyphs in any other face.
fn point_generic_families(fonts: &mut fontdb::Database, preferred: Option<String>) {
    let installed = |family: &str| {
        fonts
            .faces()
            .any(|f| f.families.iter().any(|(name, _)| name == family))
    };
    let family = preferred
        .or_else(|| {
            CJK_FAMILIES
                .iter()
                .find(|f| installed(f))
                .map(|f| f.to_string())
        })
        .or_else(|| {
            fonts
                .faces()
                .find_map(|f| f.families.first().map(|(name, _)| name.clone()))
        });
    if let Some(family) = family {
        fonts.set_sans_serif_family(family.clone());
        fonts.set_serif_family(family);
    }
}

fn svg_to_png(svg: &str, fonts: Arc<fontdb::Database>, scale: f32) -> Result<Vec<u8>> {
    let tree = parse_svg(svg, fonts)?;
    check_glyphs(svg, &tree)?;
    rasterise(&tree, scale)
}

fn parse_svg(svg: &str, fonts: Arc<fontdb::Database>) -> Result<usvg::Tree> {
    let options = usvg::Options {
        fontdb: fonts,
        ..usvg::Options::default()
    };
    usvg::Tree::from_str(svg, &options)
        .map_err(|e| Error::Chart(format!("the chart's SVG cannot be read back: {e}")))
}

/// Fails, naming them, if some characters of the chart's text were drawn by no font.
fn check_glyphs(svg: &str, tree: &usvg::Tree) -> Result<()> {
    let missing = undrawn_chars(svg, tree)?;
    if missing.is_empty() {
        return Ok(());
    }
    let mut listed: String = missing.iter().take(20).collect();
    if missing.len() > 20 {
        listed.push('…');
    }
    Err(Error::Chart(format!(
        "no installed font has the characters {listed} used in the chart: {FONT_HELP}"
    )))
}

/// The visible characters of the SVG's text that usvg laid out with no real glyph (no font
/// at all, or a face's missing-glyph box), in order of first appearance (the title first).
fn undrawn_chars(svg: &str, tree: &usvg::Tree) -> Result<Vec<char>> {
    let mut drawn = BTreeSet::new();
    collect_drawn_chars(tree.root(), &mut drawn);
    let mut seen = BTreeSet::new();
    Ok(svg_text_chars(svg)?
        .into_iter()
        .filter(|c| !drawn.contains(c) && seen.insert(*c))
        .collect())
}

/// The visible characters of the SVG's `<text>` elements, in document order.
fn svg_text_chars(svg: &str) -> Result<Vec<char>> {
    let document = usvg::roxmltree::Document::parse(svg)
        .map_err(|e| Error::Chart(format!("the chart's SVG cannot be read back: {e}")))?;
    Ok(document
        .descendants()
        .filter(|n| n.tag_name().name() == "text")
        .flat_map(|n| n.descendants().filter_map(|d| d.text()))
        .flat_map(str::chars)
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .collect())
}

fn collect_drawn_chars(group: &usvg::Group, drawn: &mut BTreeSet<char>) {
    for node in group.children() {
        match node {
            usvg::Node::Group(inner) => collect_drawn_chars(inner, drawn),
            usvg::Node::Text(text) => {
                let glyphs = text.layouted().iter().flat_map(|s| &s.positioned_glyphs);
                for glyph in glyphs.filter(|g| g.id.0 != 0) {
                    drawn.extend(glyph.text.chars());
                }
            }
            _ => {}
        }
    }
}

fn rasterise(tree: &usvg::Tree, scale: f32) -> Result<Vec<u8>> {
    let size = tree.size().to_int_size();
    let scaled = size
        .scale_by(scale)
        .ok_or_else(|| Error::Chart(format!("cannot scale a {size:?} chart by {scale}")))?;
    let mut pixmap = tiny_skia::Pixmap::new(scaled.width(), scaled.height()).ok_or_else(|| {
        Error::Chart(format!(
            "cannot allocate a {}×{} image",
            scaled.width(),
            scaled.height()
        ))
    })?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(
        tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap
        .encode_png()
        .map_err(|e| Error::Chart(format!("cannot encode the PNG: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const INSTALL_HINT: &str = "the PNG tests need a CJK font: apt-get install fonts-wqy-microhei \
                                (CI installs it)";

    fn series(name: &str, points: &[(&str, f64)]) -> Series {
        Series {
            name: name.to_string(),
            points: points.iter().map(|(x, v)| (x.to_string(), *v)).collect(),
            counts: Vec::new(),
        }
    }

    fn chart(kind: ChartKind, title: &str, series: Vec<Series>) -> Chart {
        Chart {
            kind,
            title: title.to_string(),
            x_label: "年份".to_string(),
            y_max: None,
            y_label: "提及的报告占比 (%)".to_string(),
            series,
        }
    }

    fn provinces(kind: ChartKind) -> Chart {
        chart(
            kind,
            "“法律顾问” 提及率（按年份）",
            vec![
                series("河南省", &[("2021", 40.0), ("2022", 62.5), ("2023", 55.0)]),
                series("浙江省", &[("2021", 35.0), ("2022", 48.0), ("2023", 71.25)]),
                series("全国", &[("2022", 50.0), ("2023", 60.0)]),
            ],
        )
    }

    /// [`provinces`] as shares of groups of reports: 河南省's 2022 point rests on 3 reports.
    fn provinces_with_n(kind: ChartKind) -> Chart {
        let mut chart = provinces(kind);
        for (series, counts) in chart
            .series
            .iter_mut()
            .zip([[8, 3, 12], [9, 10, 11], [20, 21, 0]])
        {
            series.counts = counts[..series.points.len()].to_vec();
        }
        chart
    }

    /// The SVG's circles and rectangles as (tag, fill, stroke).
    fn svg_shapes(svg: &str) -> Vec<(String, String, String)> {
        let document = usvg::roxmltree::Document::parse(svg).expect("the SVG is XML");
        document
            .descendants()
            .filter(|n| matches!(n.tag_name().name(), "circle" | "rect"))
            .map(|n| {
                let attribute = |name| n.attribute(name).unwrap_or_default().to_ascii_lowercase();
                (
                    n.tag_name().name().to_string(),
                    attribute("fill"),
                    attribute("stroke"),
                )
            })
            .collect()
    }

    #[test]
    fn points_from_few_reports_are_hollow_and_every_point_shows_its_n() {
        let henan = "#4e79a7"; // the first series' colour
        for (kind, tag) in [(ChartKind::Line, "circle"), (ChartKind::Bar, "rect")] {
            let svg = provinces_with_n(kind).to_svg().expect("svg");
            let shapes = svg_shapes(&svg);
            let hollow = |color: &str| {
                shapes
                    .iter()
                    .filter(|(t, fill, stroke)| t == tag && fill == "none" && stroke == color)
                    .count()
            };
            let filled = |color: &str| {
                shapes
                    .iter()
                    .filter(|(t, fill, _)| t == tag && fill == color)
                    .count()
            };
            assert_eq!(hollow(henan), 1, "{kind:?}: one hollow 河南省 point (n=3)");
            assert_eq!(
                filled(henan),
                3,
                "{kind:?}: two filled points and the legend's mark"
            );
            assert_eq!(
                hollow("#f28e2b"),
                0,
                "{kind:?}: 浙江省 has n ≥ 5 everywhere"
            );
            let texts = svg_texts(&svg);
            for n in ["n=8", "n=3", "n=12", "n=21"] {
                assert!(texts.iter().any(|t| t == n), "{kind:?}: {n} is written");
            }
            assert!(
                texts.iter().any(|t| t.starts_with("n < 5")),
                "{kind:?}: the legend explains the hollow mark"
            );
        }
        let plain = provinces(ChartKind::Line).to_svg().expect("svg");
        assert!(
            !svg_texts(&plain).iter().any(|t| t.starts_with("n")),
            "no n without counts"
        );
    }

    #[test]
    fn an_n_shared_by_every_point_of_a_category_is_written_once() {
        let mut chart = provinces(ChartKind::Line);
        chart.series.truncate(2);
        for series in &mut chart.series {
            series.counts = vec![50, 60, 70];
        }
        chart.series[1].counts[2] = 71; // 2023: two different n, both written
        let texts = svg_texts(&chart.to_svg().expect("svg"));
        let count = |n: &str| texts.iter().filter(|t| *t == n).count();
        let counts: Vec<usize> = ["n=50", "n=60", "n=70", "n=71"].map(count).to_vec();
        assert_eq!(counts, [1, 1, 1, 1], "{texts:?}");
    }

    fn towns() -> Chart {
        let names = [
            "上桥镇",
            "城关镇",
            "新集乡",
            "王店镇",
            "李庄乡",
            "河口镇",
            "东湖街道",
            "西关街道",
            "南阳镇",
            "北郊乡",
            "石桥镇",
            "高庙乡",
            "柳林镇",
            "马集镇",
            "白沙镇",
            "黄河街道",
            "金水街道",
            "青山镇",
            "长岭乡",
            "杨湖镇",
            "大营镇",
            "小河乡",
            "双庙镇",
            "三里桥镇",
            "五星乡",
            "六合镇",
            "七里河街道",
            "八里湾镇",
            "九龙乡",
            "十里铺镇",
        ];
        let points: Vec<(String, f64)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.to_string(), ((i * 37) % 29) as f64 + 1.0))
            .collect();
        Chart {
            kind: ChartKind::Bar,
            title: "各乡镇报告数".to_string(),
            x_label: "乡镇".to_string(),
            y_max: None,
            y_label: "报告数".to_string(),
            series: vec![Series {
                name: "报告数".to_string(),
                points,
                counts: Vec::new(),
            }],
        }
    }

    /// 15 provinces over 45 years: thinned year labels, 12 drawn series, a legend note.
    fn many_series_over_many_years() -> Chart {
        let names = [
            "北京市",
            "天津市",
            "河北省",
            "山西省",
            "内蒙古自治区",
            "辽宁省",
            "吉林省",
            "黑龙江省",
            "上海市",
            "江苏省",
            "浙江省",
            "安徽省",
            "福建省",
            "江西省",
            "山东省",
        ];
        let all = names
            .iter()
            .enumerate()
            .map(|(i, name)| Series {
                name: name.to_string(),
                points: (1980..2025)
                    .map(|y| (y.to_string(), ((y - 1980 + i as i32 * 7) % 40) as f64 * 2.5))
                    .collect(),
                counts: Vec::new(),
            })
            .collect();
        chart(ChartKind::Line, "各省 “法律顾问” 提及率（按年份）", all)
    }

    /// 12 towns (the most drawn as columns) in two years.
    fn twelve_towns_two_years() -> Chart {
        let towns = towns();
        let first: Vec<(String, f64)> = towns.series[0].points[..12].to_vec();
        let second = first.iter().map(|(t, v)| (t.clone(), v * 0.7)).collect();
        Chart {
            series: vec![
                Series {
                    name: "2022".to_string(),
                    points: first,
                    counts: Vec::new(),
                },
                Series {
                    name: "2023".to_string(),
                    points: second,
                    counts: Vec::new(),
                },
            ],
            ..towns
        }
    }

    fn svg_texts(svg: &str) -> Vec<String> {
        let document = usvg::roxmltree::Document::parse(svg).expect("the SVG is XML");
        document
            .descendants()
            .filter(|n| n.tag_name().name() == "text")
            .map(|n| n.text().unwrap_or_default().trim().to_string())
            .collect()
    }

    fn parses_with_usvg(svg: &str) -> usvg::Tree {
        usvg::Tree::from_str(svg, &usvg::Options::default()).expect("usvg reads the SVG")
    }

    fn png_of(chart: &Chart, scale: f32) -> tiny_skia::Pixmap {
        let bytes = chart
            .to_png(scale)
            .unwrap_or_else(|e| panic!("PNG rendering failed: {e}\n{INSTALL_HINT}"));
        tiny_skia::Pixmap::decode_png(&bytes).expect("a decodable PNG")
    }

    /// The title band's pixels as (r, g, b).
    fn title_band(pixmap: &tiny_skia::Pixmap, scale: f32) -> Vec<(u8, u8, u8)> {
        let rows = (TITLE_HEIGHT as f32 * scale) as usize;
        let width = pixmap.width() as usize;
        pixmap.pixels()[..rows * width]
            .iter()
            .map(|p| (p.red(), p.green(), p.blue()))
            .collect()
    }

    fn is_dark((r, g, b): (u8, u8, u8)) -> bool {
        u32::from(r) + u32::from(g) + u32::from(b) < 3 * 128
    }

    #[test]
    fn svg_has_the_title_and_every_series_name_and_parses() {
        for kind in [ChartKind::Line, ChartKind::Bar] {
            let chart = provinces(kind);
            let svg = chart.to_svg().unwrap();
            let texts = svg_texts(&svg);
            assert!(
                texts.contains(&chart.title),
                "{kind:?}: title missing in {texts:?}"
            );
            for s in &chart.series {
                assert!(texts.contains(&s.name), "{kind:?}: {} missing", s.name);
            }
            for label in ["2021", "2022", "2023", "年份", "提及的报告占比 (%)"] {
                assert!(
                    texts.iter().any(|t| t == label),
                    "{kind:?}: {label} missing"
                );
            }
            assert!(svg.contains("WenQuanYi Micro Hei"), "CJK font-family list");
            let tree = parses_with_usvg(&svg);
            assert!(tree.size().width() > 600.0 && tree.size().height() > 400.0);
        }
    }

    #[test]
    fn markup_characters_in_text_are_escaped() {
        let title = r#"a < b & "c" 'd' > e"#;
        let mut chart = provinces(ChartKind::Line);
        chart.title = title.to_string();
        chart.series[0].name = "<河南&省>".to_string();
        let svg = chart.to_svg().unwrap();
        assert!(svg.contains("a &lt; b &amp; &quot;c&quot; &apos;d&apos; &gt; e"));
        let texts = svg_texts(&svg);
        assert!(texts.iter().any(|t| t == title), "{texts:?}");
        assert!(texts.iter().any(|t| t == "<河南&省>"), "{texts:?}");
        parses_with_usvg(&svg);
    }

    #[test]
    fn nothing_to_chart_is_a_usage_error() {
        let cases = [
            ("no series", vec![]),
            ("series without points", vec![series("河南省", &[])]),
        ];
        for (what, all) in cases {
            let chart = chart(ChartKind::Line, "空", all);
            for result in [chart.to_svg().map(|_| ()), chart.to_png(1.0).map(|_| ())] {
                match result {
                    Err(Error::Usage(m)) => {
                        assert!(m.en.starts_with("nothing to chart"), "{what}: {m}")
                    }
                    other => panic!("{what}: {other:?}"),
                }
            }
        }
    }

    #[test]
    fn value_axis_starts_at_zero_and_ends_a_little_above_the_largest_value() {
        let cases: [(&[f64], Range<f64>); 7] = [
            (&[], 0.0..1.0),
            (&[0.0, 0.0], 0.0..1.0),
            (&[62.5, 40.0], 0.0..70.0),
            (&[100.0], 0.0..120.0),
            (&[3.0], 0.0..3.5),
            (&[0.25], 0.0..0.3),
            (&[-3.0, 5.0], -3.5..6.0),
        ];
        for (values, expected) in cases {
            let range = value_range(values.iter().copied());
            let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
            assert!(
                close(range.start, expected.start) && close(range.end, expected.end),
                "{values:?}: {range:?}, expected {expected:?}"
            );
        }
    }

    #[test]
    fn values_are_formatted_without_trailing_zeros() {
        let cases = [
            (0.0, "0"),
            (20.0, "20"),
            (2.5, "2.5"),
            (0.126, "0.13"),
            (-0.001, "0"),
        ];
        for (value, expected) in cases {
            assert_eq!(format_value(value), expected);
        }
    }

    #[test]
    fn more_than_twelve_series_keep_the_largest_and_say_how_many_are_left_out() {
        let all: Vec<Series> = (0..15)
            .map(|i| series(&format!("第{i}组"), &[("2022", i as f64), ("2023", 1.0)]))
            .collect();
        let svg = chart(ChartKind::Line, "多组", all).to_svg().unwrap();
        let texts = svg_texts(&svg);
        for i in 3..15 {
            assert!(
                texts.contains(&format!("第{i}组")),
                "第{i}组 should be drawn"
            );
        }
        for i in 0..3 {
            assert!(
                !texts.contains(&format!("第{i}组")),
                "第{i}组 should be left out"
            );
        }
        assert!(
            texts.contains(&"及其他 3 组未显示".to_string()),
            "{texts:?}"
        );
    }

    #[test]
    fn many_bar_categories_become_rows_with_every_label() {
        let chart = towns();
        let plan = Plan::of(&chart).unwrap();
        let layout = Layout::of(&chart, &plan, None);
        assert_eq!(layout.orientation, Orientation::Rows);
        let texts = svg_texts(&chart.to_svg().unwrap());
        for (town, _) in &chart.series[0].points {
            assert!(texts.contains(town), "{town} missing");
        }
    }

    #[test]
    fn many_line_categories_are_thinned_within_the_widest_plot() {
        let years: Vec<(String, f64)> = (1980..2025).map(|y| (y.to_string(), 1.0)).collect();
        let mut chart = provinces(ChartKind::Line);
        chart.series = vec![Series {
            name: "全国".to_string(),
            points: years,
            counts: Vec::new(),
        }];
        let plan = Plan::of(&chart).unwrap();
        let layout = Layout::of(&chart, &plan, None);
        assert_eq!(layout.orientation, Orientation::Columns);
        assert!(layout.label_step > 1, "{layout:?}");
        let texts = svg_texts(&chart.to_svg().unwrap());
        assert!(texts.contains(&"1980".to_string()));
        assert!(
            !texts.contains(&"1981".to_string()),
            "labels should be thinned"
        );
    }

    #[test]
    fn category_axis_labels_every_step_th_category() {
        let cases = [
            (5, 1, 10, vec![0.0, 1.0, 2.0, 3.0, 4.0]),
            (7, 3, 10, vec![0.0, 3.0, 6.0]),
            (6, 1, 3, vec![0.0, 2.0, 4.0]),
            (4, 1, 0, vec![]),
        ];
        for (count, step, hint, expected) in cases {
            let axis = CategoryAxis {
                count,
                step,
                top_down: false,
            };
            assert_eq!(axis.key_points(hint), expected, "{count} {step} {hint}");
        }
    }

    #[test]
    fn odd_values_and_labels_do_not_panic() {
        let cases = vec![
            series("非数", &[("2021", f64::NAN), ("2022", f64::INFINITY)]),
            series("巨大", &[("2021", f64::MAX), ("2022", 1e300)]),
            series("负数", &[("2021", -5.0), ("2021", 3.0)]),
            series("", &[("", 0.0)]),
        ];
        for kind in [ChartKind::Line, ChartKind::Bar] {
            for s in &cases {
                let chart = chart(kind, "", vec![s.clone()]);
                let svg = chart.to_svg().unwrap_or_else(|e| panic!("{}: {e}", s.name));
                parses_with_usvg(&svg);
            }
        }
    }

    #[test]
    fn png_is_the_svg_size_times_scale() {
        let chart = provinces(ChartKind::Bar);
        let tree = parses_with_usvg(&chart.to_svg().unwrap());
        let size = tree.size().to_int_size();
        for scale in [1.0, 2.0] {
            let pixmap = png_of(&chart, scale);
            let expected = (
                (size.width() as f32 * scale).round() as u32,
                (size.height() as f32 * scale).round() as u32,
            );
            assert_eq!((pixmap.width(), pixmap.height()), expected, "scale {scale}");
        }
    }

    #[test]
    fn png_draws_the_chinese_title() {
        let scale = 1.0;
        let first = provinces(ChartKind::Line);
        let mut second = first.clone();
        second.title = "“公共法律” 覆盖率（按地区）".to_string();
        let first_band = title_band(&png_of(&first, scale), scale);
        let second_band = title_band(&png_of(&second, scale), scale);
        let dark = first_band.iter().filter(|p| is_dark(**p)).count();
        assert!(
            dark > 400,
            "only {dark} dark pixels in the title band\n{INSTALL_HINT}"
        );
        let differing = first_band
            .iter()
            .zip(&second_band)
            .filter(|(a, b)| a != b)
            .count();
        assert!(
            differing > 400,
            "different Chinese titles differ in only {differing} pixels (missing glyphs?)\n{INSTALL_HINT}"
        );
    }

    #[test]
    fn png_rejects_unusable_scales() {
        let chart = provinces(ChartKind::Line);
        for scale in [0.0, -1.0, f32::NAN, f32::INFINITY, 100.0] {
            assert!(
                matches!(chart.to_png(scale), Err(Error::Usage(_))),
                "{scale}"
            );
        }
    }

    #[test]
    fn write_file_picks_the_format_by_extension() {
        let dir = tempfile::tempdir().unwrap();
        let chart = provinces(ChartKind::Line);
        let cases: [(&str, &[u8]); 3] = [
            ("chart.svg", b"<svg"),
            ("chart.png", b"\x89PNG"),
            ("CHART.PNG", b"\x89PNG"),
        ];
        for (name, magic) in cases {
            let path = dir.path().join(name);
            chart
                .write_file(&path)
                .unwrap_or_else(|e| panic!("{name}: {e}\n{INSTALL_HINT}"));
            let bytes = std::fs::read(&path).unwrap();
            assert!(bytes.starts_with(magic), "{name}");
        }
        for name in ["chart.pdf", "chart"] {
            let path = dir.path().join(name);
            match chart.write_file(&path) {
                Err(Error::Usage(m)) => {
                    assert!(m.en.contains(".svg") && m.zh.contains(".png"), "{m}")
                }
                other => panic!("{name}: {other:?}"),
            }
            assert!(!path.exists(), "{name} should not be written");
        }
    }

    #[test]
    fn glyph_check_names_the_characters_no_font_has() {
        let svg = provinces(ChartKind::Line).to_svg().unwrap();
        let mut no_fonts = fontdb::Database::new();
        point_generic_families(&mut no_fonts, None);
        let mut dejavu_only = fontdb::Database::new();
        dejavu_only.load_fonts_dir("/usr/share/fonts/truetype/dejavu");
        point_generic_families(&mut dejavu_only, None);
        // (fonts, whether digits are drawn): DejaVu has Latin but no Chinese glyphs.
        let has_dejavu = !dejavu_only.is_empty();
        let cases = [
            ("no fonts", no_fonts, false),
            ("DejaVu only", dejavu_only, has_dejavu),
        ];
        for (what, fonts, draws_digits) in cases {
            let tree = parse_svg(&svg, Arc::new(fonts)).unwrap();
            let missing = undrawn_chars(&svg, &tree).unwrap();
            assert!(
                missing.contains(&'河') && missing.contains(&'法'),
                "{what}: {missing:?}"
            );
            assert_eq!(!missing.contains(&'2'), draws_digits, "{what}: {missing:?}");
            match check_glyphs(&svg, &tree) {
                Err(Error::Chart(m)) => {
                    assert!(m.contains("法律顾问"), "{what}: {m}");
                    assert!(
                        m.contains("fonts-wqy-microhei") && m.contains("FAZHI_FONT="),
                        "{m}"
                    );
                }
                other => panic!("{what}: {other:?}"),
            }
        }
        let tree = parse_svg(&svg, chart_fonts().unwrap()).unwrap();
        let missing = undrawn_chars(&svg, &tree).unwrap();
        assert!(
            missing.is_empty(),
            "system fonts lack {missing:?}\n{INSTALL_HINT}"
        );
    }

    #[test]
    fn a_font_file_that_is_not_a_font_is_reported() {
        let cases = [Path::new("/nonexistent/font.ttf"), Path::new("Cargo.toml")];
        for path in cases {
            let mut fonts = fontdb::Database::new();
            match load_font_file(&mut fonts, path) {
                Err(Error::Chart(m)) => assert!(m.contains("FAZHI_FONT="), "{m}"),
                other => panic!("{}: {other:?}", path.display()),
            }
        }
    }

    #[test]
    fn extension_names_the_format() {
        let cases = [
            ("a.svg", Some(ImageFormat::Svg)),
            ("a.SVG", Some(ImageFormat::Svg)),
            ("a.png", Some(ImageFormat::Png)),
            ("dir.png/a.Png", Some(ImageFormat::Png)),
            ("a.jpg", None),
            ("png", None),
        ];
        for (path, expected) in cases {
            assert_eq!(
                ImageFormat::of_path(Path::new(path)).ok(),
                expected,
                "{path}"
            );
        }
    }

    /// Renders example charts to /tmp for a person to look at:
    /// `cargo test --lib export::chart::tests::render_examples -- --ignored`.
    #[test]
    #[ignore]
    fn render_examples() {
        let examples = [
            ("/tmp/chart-line.png", provinces(ChartKind::Line)),
            ("/tmp/chart-line-n.png", provinces_with_n(ChartKind::Line)),
            ("/tmp/chart-bar-n.png", provinces_with_n(ChartKind::Bar)),
            ("/tmp/chart-bar.png", provinces(ChartKind::Bar)),
            ("/tmp/chart-towns.png", towns()),
            ("/tmp/chart-many.png", many_series_over_many_years()),
            ("/tmp/chart-twelve.png", twelve_towns_two_years()),
        ];
        for (path, chart) in examples {
            chart.write_file(Path::new(path)).unwrap();
            chart
                .write_file(&Path::new(path).with_extension("svg"))
                .unwrap();
        }
    }
}
