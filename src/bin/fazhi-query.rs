//! fazhi-query: search the indexed reports.
//!
//! Exit codes: 0 at least one section matched, 1 nothing matched, 2 an error (a malformed
//! query, a missing or outdated index, an unwritable output file). A closed pipe (`| head`)
//! is not an error.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, ValueEnum};
use fazhi_search::export::{self, Format, PassageOptions, RenderOptions};
use fazhi_search::index::{self, writer};
use fazhi_search::search::{self, Engine, Filters, SearchRequest};
use fazhi_search::{Error, SectionType};

/// Search rule-of-law reports (法治政府建设年度报告) by keyword and phrase, with facets.
///
/// Query language: terms separated by spaces are all required; "a quoted phrase" keeps its
/// spaces; OR between alternatives; -term or NOT term excludes; ( ) group. Every term matches
/// exactly where the text contains it.
#[derive(Parser, Debug)]
#[command(version, about, long_about = None)]
struct Args {
    /// The query, e.g. 法律顾问, "法律 顾问", 普法 OR 宣传, 法律顾问 -培训.
    #[arg(required = true, num_args = 1..)]
    query: Vec<String>,
    /// Folder of the index.
    #[arg(long, default_value = "index")]
    index: PathBuf,
    /// Folder of reports, indexed first when the index does not exist yet.
    #[arg(long, default_value = "corpus")]
    corpus: PathBuf,
    /// Only this town (or towns whose name starts with it); repeatable.
    #[arg(long)]
    town: Vec<String>,
    /// Only this county-level division; repeatable.
    #[arg(long)]
    county: Vec<String>,
    /// Only this city; repeatable.
    #[arg(long)]
    city: Vec<String>,
    /// Only this province (河南 or 河南省); repeatable.
    #[arg(long)]
    province: Vec<String>,
    /// Only this region path, /province/city/county/town (e.g. /河南省/商丘市); repeatable.
    #[arg(long)]
    region: Vec<String>,
    /// Only this year covered, or range: 2023, 2020..2023, 2020..
    #[arg(long)]
    year: Option<String>,
    /// Only this section type: overview, measures, shortcomings, leadership, plans, other; repeatable.
    #[arg(long = "type")]
    section_type: Vec<String>,
    /// Output format: text, json, jsonl, csv or md.
    #[arg(long, default_value = "text")]
    format: String,
    /// Number of hits to show.
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// Show every hit.
    #[arg(long)]
    all: bool,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Characters of context each side of the matching sentence(s).
    #[arg(long, default_value_t = 20)]
    context: usize,
    /// Show whole sections instead of the matching sentences.
    #[arg(long)]
    full: bool,
    /// Highlight matches in text output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

/// Everything the search needs, validated before any file is touched.
struct Config {
    request: SearchRequest,
    render: RenderOptions,
    index: PathBuf,
    corpus: PathBuf,
    output: Option<PathBuf>,
}

impl Config {
    fn from_args(args: Args) -> fazhi_search::Result<Config> {
        let text = args.query.join(" ");
        let query = search::parse(&text)?;
        let format: Format = args.format.parse()?;
        let section_types = args
            .section_type
            .iter()
            .map(|t| t.parse::<SectionType>())
            .collect::<Result<Vec<_>, Error>>()?;
        let years = args.year.as_deref().map(search::parse_years).transpose()?;
        let color = match args.color {
            Color::Always => true,
            Color::Never => false,
            Color::Auto => {
                args.output.is_none()
                    && io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none()
            }
        };
        let terms = query
            .positive_terms()
            .into_iter()
            .map(String::from)
            .collect();
        Ok(Config {
            request: SearchRequest {
                query,
                filters: Filters {
                    towns: args.town,
                    counties: args.county,
                    cities: args.city,
                    provinces: args.province,
                    regions: args.region,
                    years,
                    section_types,
                },
                limit: (!args.all).then_some(args.limit),
            },
            render: RenderOptions {
                format,
                passage: PassageOptions {
                    context: args.context,
                    full: args.full,
                },
                color: color && format == Format::Text,
                query: text,
                terms,
            },
            index: args.index,
            corpus: args.corpus,
            output: args.output,
        })
    }
}

/// `-培训` and `-(普法 OR 宣传)` are exclusions, not options: no option starts with anything but an
/// ASCII letter or a second dash, so such an argument becomes `NOT` and the term, in place.
fn exclusions_as_not(args: impl Iterator<Item = std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let mut out = Vec::new();
    let mut after_separator = false;
    for arg in args {
        let text = arg.to_string_lossy();
        let second = text.chars().nth(1);
        let is_exclusion = !after_separator
            && text.starts_with('-')
            && second.is_some_and(|c| !c.is_ascii_alphanumeric() && c != '-');
        after_separator |= text == "--";
        if is_exclusion {
            out.push("NOT".into());
            out.push(text[1..].to_string().into());
        } else {
            out.push(arg);
        }
    }
    out
}

fn main() -> ExitCode {
    let args = Args::parse_from(exclusions_as_not(std::env::args_os()));
    match run(args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("fazhi-query: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn run(args: Args) -> anyhow::Result<ExitCode> {
    let config = Config::from_args(args)?;
    ensure_index(&config)?;
    let engine = Engine::open(&config.index)?;
    let results = engine.search(&config.request)?;
    let found = if results.total_sections > 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    };
    let written = match &config.output {
        Some(path) => {
            let file =
                File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
            let mut out = BufWriter::new(file);
            export::write(&mut out, &results, &config.render)
                .and_then(|()| out.flush())
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!(
                "fazhi-query: wrote {} of {} matching sections to {}",
                results.hits.len(),
                results.total_sections,
                path.display()
            );
            Ok(())
        }
        None => {
            let mut out = BufWriter::new(io::stdout().lock());
            export::write(&mut out, &results, &config.render).and_then(|()| out.flush())
        }
    };
    match written {
        Ok(()) => Ok(found),
        // `fazhi-query … | head` closes the pipe early: what was asked for was delivered.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(found),
        Err(e) => Err(e).context("cannot write to standard output"),
    }
}

/// On a fresh checkout there is a corpus and no index yet: build it first, saying so.
fn ensure_index(config: &Config) -> anyhow::Result<()> {
    if index::exists(&config.index) || !config.corpus.is_dir() {
        return Ok(());
    }
    eprintln!(
        "fazhi-query: no index at {}; indexing {} first (run fazhi-index to update it later)",
        config.index.display(),
        config.corpus.display()
    );
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let index_config = writer::IndexConfig {
        corpus: config.corpus.clone(),
        index: config.index.clone(),
        threads,
    };
    let progress = writer::progress_bar(false);
    let summary = writer::update(&index_config, &progress)
        .with_context(|| format!("indexing {}", config.corpus.display()))?;
    progress.finish_and_clear();
    for skipped in &summary.skipped {
        eprintln!(
            "fazhi-query: warning: skipped {}: {}",
            skipped.file, skipped.reason
        );
    }
    eprintln!(
        "fazhi-query: indexed {} reports ({} sections)",
        summary.totals.reports, summary.totals.sections
    );
    Ok(())
}
