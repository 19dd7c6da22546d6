//! The options of `fazhi-query`, as clap reads them: one struct per command, the filters made
//! from the facet table, and the ranges of the number options.

use std::io::{self, IsTerminal};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::SectionType;
use crate::error::Error;
use crate::error::{Rebuild, Result};
use crate::export::kwic;
use crate::export::panel::PanelOptions;
use crate::export::report::ShowOptions;
use crate::export::{Format, PassageOptions, RenderOptions, summary};
use crate::index::schema::Values;
use crate::lang::{Lang, both};
use crate::region::Level;
use crate::request::{Asker, KwicRequest, Params, Request, filter_names};
use crate::search::{
    self, Codebook, Dimension, FacetKey, Filters, HitReads, Measure, PanelRequest, Query,
    StatsRequest,
};
use crate::serve::{self, ServeConfig};

/// Search rule-of-law reports (法治政府建设年度报告) by keyword and phrase, with facets;
/// count matches by year and region; list every occurrence in context.
///
/// Query language: terms separated by spaces are all required; "a quoted phrase" keeps its
/// spaces; OR between alternatives; -term or NOT term excludes; ( ) group. Every term matches
/// exactly where the text contains it.
///
/// `fazhi-query 法律顾问` is short for `fazhi-query search 法律顾问`.
#[derive(Parser, Debug)]
#[command(version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// Language of labels, headers, summaries and messages: zh (中文) or en [default:
    /// $FAZHI_LANG, else zh]. JSON keys and values are ASCII in both.
    #[arg(long, global = true, value_name = "zh|en")]
    pub lang: Option<Lang>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Matching sections, best first, with facet counts (the default command).
    Search(SearchArgs),
    /// Counts per group: matching reports, reports, share, matching sections.
    Stats(StatsArgs),
    /// Every occurrence in context, one line each (keyword in context).
    Kwic(KwicArgs),
    /// A search page in the browser, with facets, trends and exports, and its JSON API.
    Serve(ServeArgs),
    /// A whole report as indexed: metadata, table of contents, text; FILE:LINE (a hit's
    /// citation line) starts at that section.
    Show(ShowArgs),
    /// A dataset for quantitative research: a codebook's concepts counted in every report
    /// (or added up into a balanced panel, e.g. every town × every year).
    Panel(PanelArgs),
    /// Copies: a report's sections found nearly verbatim in other reports (FILE), or every
    /// report that contains a passage nearly verbatim (--passage "…").
    Copies(CopiesArgs),
}

pub(super) const SUBCOMMANDS: [&str; 8] = [
    "search", "stats", "kwic", "serve", "show", "panel", "copies", "help",
];

/// `copies`: a report's copied sections, or a passage's reports.
#[derive(Args, Debug)]
pub struct CopiesArgs {
    /// The report (its path relative to the corpus, as a hit cites it).
    pub(super) file: Option<String>,
    /// Instead of a report: the reports that contain this passage nearly verbatim (punctuation,
    /// place names and numbers aside).
    #[arg(long)]
    pub(super) passage: Option<String>,
    #[command(flatten)]
    pub(super) scope: Scope,
}

impl CopiesArgs {
    /// A report's sections are read in order, block after block.
    pub(super) const HIT_READS: HitReads = HitReads::Dense;

    /// The report or the passage, the filters and the format, checked before the index is
    /// opened.
    pub(super) fn request(&self, lang: Lang) -> Result<(CopiesOf, Filters, Format)> {
        let format = self.scope.output.format("copies", &COPIES_FORMATS)?;
        let filters = self.scope.filters.params(lang, Vec::new()).filters()?;
        let of = match (&self.file, &self.passage) {
            // A report's copies are counted over the whole index, as a hit's are, each group of
            // duplicates once (the API refuses `with_copies` here too).
            (Some(_), None) if !filters.is_empty() || filters.with_copies => {
                return Err(Error::Usage(crate::lang::both(
                    "copies.report_filters",
                    &[],
                )));
            }
            (Some(file), None) => CopiesOf::Report(file.clone()),
            (None, Some(passage)) => CopiesOf::Passage(passage.clone()),
            _ => return Err(Error::Usage(crate::lang::both("copies.need_one", &[]))),
        };
        Ok((of, filters, format))
    }
}

/// What `copies` writes.
const COPIES_FORMATS: [Format; 2] = [Format::Text, Format::Json];

/// The commands that write fewer formats than [`Format::EVERY`], and which: their `--format`
/// lists only these in `--help` (the shared option's description lists every format) and
/// refuses the others, naming these.
pub(super) const OWN_FORMATS: [(&str, &[Format]); 2] =
    [("copies", &COPIES_FORMATS), ("show", &SHOW_FORMATS)];

/// What `copies` looks for.
#[derive(Debug, Clone)]
pub enum CopiesOf {
    Report(String),
    Passage(String),
}

// The ranges of the number options (README, "Reliability: the index"): wide enough for any
// use, narrow enough that no value can exhaust memory or overflow arithmetic.
/// `search --limit`: more hits than this are read with `--all`.
const MAX_HITS: usize = 100_000;
/// `search --facets`.
const MAX_FACETS: usize = 100_000;
/// `search --context`, in characters.
const MAX_CONTEXT: usize = 10_000;
/// `kwic --width`, in characters.
const MAX_WIDTH: usize = 1_000;
/// `kwic --limit`.
const MAX_KWIC_LINES: usize = 100_000_000;

/// A number option's parser: a value outside `min..=max` is refused with the range, in both
/// languages (`src/cli/help.rs` says it in the reader's).
pub(super) fn ranged<T>(min: T, max: T) -> impl clap::builder::TypedValueParser<Value = T>
where
    T: std::str::FromStr + PartialOrd + Copy + ToString + Send + Sync + 'static,
{
    move |text: &str| -> Result<T> {
        let (low, high) = (min.to_string(), max.to_string());
        let values = [
            ("value", text),
            ("min", low.as_str()),
            ("max", high.as_str()),
        ];
        match text.trim().parse::<T>() {
            Ok(n) if n >= min && n <= max => Ok(n),
            Ok(_) => Err(Error::Usage(both("clap.range", &values))),
            Err(_) => Err(Error::Usage(both("clap.number", &values))),
        }
    }
}

/// Where the index is.
#[derive(Args, Debug)]
pub struct Source {
    /// Folder of the index [default: ./index, built from --corpus when missing]. A folder named
    /// here must hold an index: it is never built from the corpus.
    #[arg(long)]
    pub(super) index: Option<PathBuf>,
    /// Folder of reports, indexed first when the default index does not exist yet.
    #[arg(long, default_value = "corpus")]
    pub(super) corpus: PathBuf,
}

/// The index used when no --index is given.
const DEFAULT_INDEX: &str = "./index";

impl Source {
    pub(super) fn index(&self) -> PathBuf {
        self.index
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_INDEX))
    }
}

impl Command {
    /// How to rebuild the index this command reads, should it be damaged or outdated.
    pub fn rebuild(&self) -> Rebuild {
        let source = match self {
            Command::Search(SearchArgs { scope, .. })
            | Command::Stats(StatsArgs { scope, .. })
            | Command::Kwic(KwicArgs { scope, .. })
            | Command::Panel(PanelArgs { scope, .. })
            | Command::Copies(CopiesArgs { scope, .. }) => &scope.source,
            Command::Serve(ServeArgs { source, .. }) | Command::Show(ShowArgs { source, .. }) => {
                source
            }
        };
        // clap gives the corpus its default: whether it was given cannot be told.
        Rebuild::new(&source.corpus, &source.index()).corpus_unknown()
    }
}

/// Which sections count: an option per facet of `index_schema/facets.tsv` (`--town`, `--year`,
/// `--type`, `--issuer`…) and `--region`, made from the table (see [`FacetKey`]).
#[derive(Debug, Default)]
pub struct FilterArgs(Vec<(&'static str, Vec<String>)>);

/// The option that counts every copy of a report (`Filters::with_copies`).
const WITH_COPIES: &str = "with-copies";

impl FilterArgs {
    /// The help line of an option, in `lang`.
    pub(super) fn help(option: &str, lang: Lang) -> String {
        let Some(facet) = FacetKey::named(option) else {
            return lang.label("help.filter.region").to_string();
        };
        // The facet's name, unless its heading does not read as a noun (Issued by: level).
        let name = match lang.find(&format!("help.filter.name.{option}")) {
            Some(name) => name.to_string(),
            None if lang == Lang::En => facet.label(lang).to_lowercase(),
            None => facet.label(lang).to_string(),
        };
        let among = |names: &[&str]| {
            let choices = names.join(lang.pick("、", ", "));
            lang.fill(
                "help.filter.among",
                &[("name", &name), ("choices", &choices)],
            )
        };
        match facet.spec().values {
            Values::Prefix => lang.fill("help.filter.prefix", &[("name", &name)]),
            Values::Range => lang.fill("help.filter.range", &[("name", &name)]),
            Values::SectionTypes => {
                among(&SectionType::ALL.map(SectionType::as_str))
                    + lang.pick(
                        "（或其中文名称或其一部分：存在的不足、不足、举措、计划）",
                        " (or its Chinese name or a part of it: 存在的不足, 不足, 举措, 计划)",
                    )
            }
            Values::Levels => {
                among(&Level::ALL.map(Level::as_str))
                    + lang.pick(
                        "（或 乡镇、县级、部门、其他）",
                        " (or 乡镇, 县级, 部门, 其他)",
                    )
            }
        }
    }

    /// The command line's request ([`Params`]): each filter's values, `lang` and `more`.
    fn params(&self, lang: Lang, more: Vec<(&str, String)>) -> Params {
        let FilterArgs(options) = self;
        let filters = options.iter().flat_map(|(option, values)| {
            values
                .iter()
                .map(move |value| (option.to_string(), value.clone()))
        });
        let lang = ("lang".to_string(), lang.code().to_string());
        let more = more
            .into_iter()
            .map(|(name, value)| (name.to_string(), value));
        Params::new(Asker::Cli, filters.chain([lang]).chain(more).collect())
    }
}

impl clap::FromArgMatches for FilterArgs {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let values = |id: &str| -> Vec<String> {
            let values = matches.get_many::<String>(id);
            values.map(|v| v.cloned().collect()).unwrap_or_default()
        };
        let mut options: Vec<_> = filter_names().map(|o| (o, values(o))).collect();
        if matches.get_flag(WITH_COPIES) {
            options.push(("with_copies", vec!["true".into()]));
        }
        Ok(FilterArgs(options))
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = FilterArgs::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for FilterArgs {
    fn augment_args(command: clap::Command) -> clap::Command {
        let with_copies = clap::Arg::new(WITH_COPIES)
            .long(WITH_COPIES)
            .action(clap::ArgAction::SetTrue)
            .help(
                "Count every file: a report saved more than once (the same text, or 90% of it) \
                 is otherwise counted once, as its canonical copy",
            );
        let command = command.arg(with_copies);
        filter_names().fold(command, |command, option| {
            // A range is given once; other filters are repeatable.
            let once = FacetKey::named(option).is_some_and(|f| f.spec().values == Values::Range);
            let action = if once {
                clap::ArgAction::Set
            } else {
                clap::ArgAction::Append
            };
            let arg = clap::Arg::new(option)
                .long(option)
                .help(FilterArgs::help(option, Lang::En));
            command.arg(arg.action(action))
        })
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        FilterArgs::augment_args(command)
    }
}

/// What every command but `serve` reads and writes: the index, the filters, the output.
#[derive(Args, Debug)]
pub struct Scope {
    #[command(flatten)]
    pub(super) source: Source,
    #[command(flatten)]
    pub(super) filters: FilterArgs,
    #[command(flatten)]
    pub(super) output: Output,
}

/// Where the answer goes, and in what format.
#[derive(Args, Debug)]
pub struct Output {
    /// Output format: text, json, jsonl, csv, md or xlsx [default: from the -o file's
    /// extension, else text].
    #[arg(long)]
    pub(super) format: Option<String>,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    pub(super) output: Option<PathBuf>,
    /// Highlight matches in text output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub(super) color: Color,
}

impl Output {
    /// The format asked for, or the one the output file's extension names, or text; one
    /// that `command` does not write is refused with those it does.
    fn format(&self, command: &str, writes: &[Format]) -> Result<Format> {
        match (&self.format, &self.output) {
            (Some(name), _) => Format::named(name, command, writes),
            (None, Some(path)) => Format::of_file(path, command, writes),
            (None, None) => Ok(Format::Text),
        }
    }

    /// The terminal's width when text goes to one (passages and facet lines wrap to it);
    /// None for a pipe or a file, which get one line a passage.
    fn width(&self, format: Format) -> Option<usize> {
        if format != Format::Text || self.output.is_some() || !io::stdout().is_terminal() {
            return None;
        }
        console::Term::stdout()
            .size_checked()
            .map(|(_, columns)| usize::from(columns))
            .filter(|columns| *columns >= 20)
    }

    fn color(&self, format: Format) -> bool {
        format == Format::Text
            && match self.color {
                Color::Always => true,
                Color::Never => false,
                Color::Auto => {
                    self.output.is_none()
                        && io::stdout().is_terminal()
                        && std::env::var_os("NO_COLOR").is_none()
                }
            }
    }
}

#[derive(Args, Debug)]
pub struct SearchArgs {
    /// The query, e.g. 法律顾问, "法律 顾问", 普法 OR 宣传, 法律顾问 -培训; without one, every
    /// section that passes the filters, by report and line. A term like -2023 excludes, as
    /// -培训 does, rather than reading as an option.
    #[arg(num_args = 0.., allow_negative_numbers = true)]
    pub(super) query: Vec<String>,
    #[command(flatten)]
    pub(super) scope: Scope,
    /// Number of hits to show, 0 to 100000 [default: 10; with -o FILE, every hit] (--all for
    /// every hit).
    #[arg(long, value_parser = ranged(0, MAX_HITS))]
    pub(super) limit: Option<usize>,
    /// Show every hit (not with --limit: which of the two would win is not for us to guess).
    #[arg(long, conflicts_with = "limit")]
    pub(super) all: bool,
    /// Values listed per facet (town, county, …), the largest counts first: 0 to 100000, or
    /// `all`. The output also says how many values each facet has.
    #[arg(long, default_value = "100", value_name = "N|all")]
    pub(super) facets: FacetLimit,
    /// Characters of context each side of the matching sentence(s), 0 to 10000.
    #[arg(long, default_value_t = 20, value_parser = ranged(0, MAX_CONTEXT))]
    pub(super) context: usize,
    /// Show whole sections instead of the matching sentences.
    #[arg(long)]
    pub(super) full: bool,
    /// Say under each hit in how many other reports (and towns) its text appears nearly
    /// verbatim: also in N reports (M towns); in JSON, "copies": {"reports", "towns"}.
    #[arg(long)]
    pub(super) copies: bool,
    /// Make hits that are the same passage (nearly verbatim, as --copies tells them) one hit,
    /// listing every section that holds it; --limit then counts these hits.
    #[arg(long)]
    pub(super) collapse: bool,
}

/// `--facets`: a number of values, or `all`.
#[derive(Debug, Clone, Copy)]
pub struct FacetLimit(pub Option<usize>);

impl std::str::FromStr for FacetLimit {
    type Err = Error;

    fn from_str(text: &str) -> Result<FacetLimit, Error> {
        let max = MAX_FACETS.to_string();
        let values = [("value", text), ("max", max.as_str())];
        match text.trim() {
            "all" => Ok(FacetLimit(None)),
            n if n.bytes().all(|b| b.is_ascii_digit()) && !n.is_empty() => n
                .parse::<usize>()
                .ok()
                .filter(|n| *n <= MAX_FACETS)
                .map(|n| FacetLimit(Some(n)))
                .ok_or_else(|| Error::Usage(both("err.facets_range", &values))),
            _ => Err(Error::Usage(both("err.facets", &values))),
        }
    }
}

#[derive(Args, Debug)]
pub struct StatsArgs {
    /// The query to count, e.g. 法律顾问 (or use --compare for several); without one, the
    /// reports that pass the filters.
    #[arg(num_args = 0.., allow_negative_numbers = true)]
    pub(super) query: Vec<String>,
    /// Several queries side by side, e.g. --compare 法律顾问 公职律师.
    #[arg(long, num_args = 1..)]
    pub(super) compare: Vec<String>,
    /// Group by one or two facets (index_schema/facets.tsv): town, province, city, county,
    /// year, section_type, level, issuer; e.g. year,province.
    #[arg(long, default_value = "year")]
    pub(super) by: String,
    /// Also draw the table as a chart: FILE.svg or FILE.png (a line over years, else bars).
    #[arg(long)]
    pub(super) chart: Option<PathBuf>,
    /// Per group, the share of the reports' text (in characters) that also appears in other
    /// reports, as --copies tells copies; with a query, of its matching sections' text.
    /// Not with --chart (refused in [`StatsArgs::request`], saying what to do instead).
    #[arg(long)]
    pub(super) copied: bool,
    #[command(flatten)]
    pub(super) scope: Scope,
}

#[derive(Args, Debug)]
pub struct KwicArgs {
    /// The query; every occurrence of its terms in the matching sections is listed.
    #[arg(required = true, num_args = 1.., allow_negative_numbers = true)]
    pub(super) query: Vec<String>,
    /// Characters of context each side of the match, 0 to 1000.
    #[arg(long, default_value_t = kwic::DEFAULT_WIDTH, value_parser = ranged(0, MAX_WIDTH))]
    pub(super) width: usize,
    /// Order: town, year, right (the text after the match) or left (the text before it, read backwards).
    #[arg(long, default_value = "town")]
    pub(super) sort: String,
    /// Show at most this many lines, 0 to 100000000.
    #[arg(long, value_parser = ranged(0, MAX_KWIC_LINES))]
    pub(super) limit: Option<usize>,
    #[command(flatten)]
    pub(super) scope: Scope,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub(super) source: Source,
    /// Address to listen on; 127.0.0.1 serves this machine only (give 0.0.0.0:8080 to share).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub(super) addr: std::net::SocketAddr,
    /// Seconds one request's work may take before it is stopped with a 503 (1 to 600).
    #[arg(long, value_name = "SECONDS", default_value_t = serve::DEFAULT_DEADLINE_SECS,
          value_parser = ranged(1, serve::MAX_DEADLINE_SECS))]
    pub(super) deadline: u64,
    /// Seconds a client may take to send a request, keep an unused connection open or leave an
    /// answer unread before it is disconnected (1 to 600).
    #[arg(long, value_name = "SECONDS", default_value_t = serve::DEFAULT_IDLE_SECS,
          value_parser = ranged(1, serve::MAX_IDLE_SECS))]
    pub(super) idle_timeout: u64,
    /// Also answer requests for this host name (behind a proxy or a DNS name); repeatable.
    /// Others than the address, localhost, 127.0.0.1 and [::1] are refused (DNS rebinding).
    #[arg(long = "allow-host", value_name = "NAME")]
    pub(super) allow_hosts: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}

/// `show`: one report, read back from the index.
#[derive(Args, Debug)]
pub struct ShowArgs {
    /// The report, as a hit's citation line writes it: FILE, FILE:LINE or FILE:LINE#N (the
    /// file relative to the corpus).
    pub(super) place: String,
    /// Mark the matches of this query in the text (colour on a terminal, ** in md).
    #[arg(long, short)]
    query: Option<String>,
    /// Then the report's text as read, the spans cleaning dropped as site chrome struck through
    /// (kept in the index: the corpus is not read).
    #[arg(long)]
    pub(super) chrome: bool,
    #[command(flatten)]
    pub(super) source: Source,
    #[command(flatten)]
    pub(super) output: Output,
}

/// What `show` writes.
const SHOW_FORMATS: [Format; 3] = [Format::Text, Format::Md, Format::Json];

impl ShowArgs {
    /// A report's sections are read in order, block after block.
    pub(super) const HIT_READS: HitReads = HitReads::Dense;

    /// How to show the report, validated before any file is touched.
    pub(super) fn request(&self, lang: Lang) -> Result<(ShowOptions, Format)> {
        let (query, terms) = match &self.query {
            Some(q) => {
                let (text, query) = parse_query(std::slice::from_ref(q))?;
                (text, crate::request::terms_of(&query))
            }
            None => (String::new(), Vec::new()),
        };
        let format = self.output.format("show", &SHOW_FORMATS)?;
        if self.chrome && format == Format::Json {
            return Err(Error::Usage(crate::lang::both("err.chrome_json", &[])));
        }
        let options = ShowOptions {
            terms,
            query,
            start: None,
            color: self.output.color(format),
            lang,
        };
        Ok((options, crate::export::report::format(format)?))
    }
}

/// `panel`: a codebook's concepts counted per report or per unit.
#[derive(Args, Debug)]
pub struct PanelArgs {
    /// The codebook: a tab-separated file with a header line and a line per concept — name,
    /// query, types (section types to look in; empty for all), description (docs/codebook.md).
    codebook: PathBuf,
    /// Add the reports up into a balanced panel by one or two report facets, e.g. town,year:
    /// every town × every year, with the number of reports in each cell.
    #[arg(long)]
    by: Option<String>,
    /// A row per report (or unit) and concept, instead of a column per concept.
    #[arg(long)]
    long: bool,
    /// Count the occurrences of each concept's terms (as kwic lists them) instead of its
    /// matching sections.
    #[arg(long)]
    occurrences: bool,
    /// Start a CSV with one `#` line: the codebook, the filters and the index's fingerprint
    /// (an XLSX always carries them in its codebook sheet).
    #[arg(long)]
    provenance: bool,
    #[command(flatten)]
    pub(super) scope: Scope,
}

impl PanelArgs {
    /// Every matching section of every concept is counted, block after block.
    pub(super) const HIT_READS: HitReads = HitReads::Dense;

    /// The codebook read and checked, the filters and the output, before the index is opened.
    pub(super) fn request(&self, lang: Lang) -> Result<(PanelRequest, PanelOptions)> {
        let codebook = Codebook::read(&self.codebook)?;
        let output = &self.scope.output;
        // A panel is data: CSV unless a format or a file's name says otherwise.
        let format = match (&output.format, &output.output) {
            (None, None) => Format::Csv,
            _ => output.format("panel", &Format::EVERY)?,
        };
        let request = PanelRequest {
            codebook,
            filters: self.scope.filters.params(lang, Vec::new()).filters()?,
            measure: match self.occurrences {
                true => Measure::Occurrences,
                false => Measure::Sections,
            },
            by: match &self.by {
                Some(by) => Dimension::parse_list(by)?,
                None => Vec::new(),
            },
        };
        let options = PanelOptions {
            format,
            long: self.long,
            provenance: self.provenance,
            lang,
            bom: output.output.is_some() || !io::stdout().is_terminal(),
        };
        Ok((request, options))
    }
}

/// Hits shown on a terminal unless --limit or --all says otherwise.
const DEFAULT_LIMIT: usize = 10;

/// The most hits a search reads for them to count as one page, seldom sharing a block of the
/// document store.
const PAGE_OF_HITS: usize = 100;

/// The query words as one query.
fn parse_query(words: &[String]) -> Result<(String, Query)> {
    let text = words.join(" ");
    let query = search::parse(&text)?;
    Ok((text, query))
}

impl SearchArgs {
    /// The hits shown: a file gets every hit unless a limit is given (a cut export looks
    /// whole).
    fn shown(&self) -> Option<usize> {
        match (self.all, self.limit, &self.scope.output.output) {
            (true, _, _) | (false, None, Some(_)) => None,
            (false, limit, _) => Some(limit.unwrap_or(DEFAULT_LIMIT)),
        }
    }

    /// How the hits fall into the document store's blocks: a page of them, scattered.
    pub(super) fn hit_reads(&self) -> HitReads {
        match self.shown() {
            Some(n) if n <= PAGE_OF_HITS => HitReads::Scattered,
            _ => HitReads::Dense,
        }
    }

    /// The search and how to write its hits, validated before any file is touched.
    pub(super) fn request(&self, lang: Lang) -> Result<(Request, RenderOptions)> {
        let filters = self.scope.filters.params(lang, Vec::new()).filters()?;
        let (text, query) = if !self.query.is_empty() {
            parse_query(&self.query)?
        } else if !filters.is_empty() {
            // Filters alone: every section that passes them, by report and line (all score
            // alike, and ties rank in that order).
            (String::new(), Query::All)
        } else {
            return Err(Error::Usage(crate::lang::both("err.no_query", &[])));
        };
        let format = self.scope.output.format("search", &Format::EVERY)?;
        let passage = PassageOptions {
            context: self.context,
            full: self.full,
        };
        let request = Request::new(text, query, filters, lang)
            .page(0, self.shown())
            .facets(self.facets.0)
            .passage(passage)
            .copies(self.copies)
            .collapse(self.collapse);
        let render = RenderOptions {
            format,
            passage,
            color: self.scope.output.color(format),
            terms: request.terms.clone(),
            query: request.text.clone(),
            filters: summary::filters(&request.search.filters, lang),
            lang,
            width: self.scope.output.width(format),
        };
        Ok((request, render))
    }
}

impl Command {
    /// How the command's hits fall into the document store's blocks, which the engine is
    /// tuned for.
    pub fn hit_reads(&self) -> HitReads {
        match self {
            Command::Search(args) => args.hit_reads(),
            Command::Stats(_) => StatsArgs::HIT_READS,
            Command::Kwic(_) => KwicArgs::HIT_READS,
            Command::Serve(_) => ServeArgs::HIT_READS,
            Command::Show(_) => ShowArgs::HIT_READS,
            Command::Panel(_) => PanelArgs::HIT_READS,
            Command::Copies(_) => CopiesArgs::HIT_READS,
        }
    }
}

impl StatsArgs {
    /// A count reads no hits' text.
    pub(super) const HIT_READS: HitReads = HitReads::Scattered;

    /// What to count and in what format, validated before any file is touched (the chart's
    /// file name too: fail before the work, not after it).
    pub(super) fn request(&self, lang: Lang) -> Result<(StatsRequest, Format)> {
        if self.copied && self.chart.is_some() {
            return Err(Error::Usage(both("err.copied_chart", &[])));
        }
        let mut more: Vec<(&str, String)> = Vec::new();
        if !self.query.is_empty() {
            more.push(("q", self.query.join(" ")));
        }
        more.extend(self.compare.iter().map(|q| ("compare", q.clone())));
        more.push(("by", self.by.clone()));
        let params = self.scope.filters.params(lang, more);
        let request = if self.copied && self.query.is_empty() && self.compare.is_empty() {
            // The copied share of all the text the filters allow: no query needed.
            StatsRequest {
                queries: Vec::new(),
                filters: params.filters()?,
                by: Dimension::parse_list(&self.by)?,
            }
        } else {
            params.stats(usize::MAX)?
        };
        if let Some(chart) = &self.chart {
            crate::export::stats::check_chart_path(chart)?;
        }
        Ok((request, self.scope.output.format("stats", &Format::EVERY)?))
    }
}

impl KwicArgs {
    /// A concordance reads every matching section.
    pub(super) const HIT_READS: HitReads = HitReads::Dense;

    /// The concordance, its format and whether matches are coloured, validated before any
    /// file is touched.
    pub(super) fn request(&self, lang: Lang) -> Result<(KwicRequest, Format, bool)> {
        let (text, query) = parse_query(&self.query)?;
        let format = self.scope.output.format("kwic", &Format::EVERY)?;
        let p = self
            .scope
            .filters
            .params(lang, vec![("sort", self.sort.clone())]);
        let request = KwicRequest {
            request: Request::new(text, query, p.filters()?, lang),
            width: self.width,
            sort: p.kwic_sort()?,
            lines: self.limit,
        };
        Ok((request, format, self.scope.output.color(format)))
    }
}

impl ServeArgs {
    /// The server's pages and exports read hits in every pattern.
    pub(super) const HIT_READS: HitReads = HitReads::Dense;

    pub(super) fn config(&self, lang: Lang) -> ServeConfig {
        ServeConfig {
            addr: self.addr,
            deadline: std::time::Duration::from_secs(self.deadline),
            idle_timeout: std::time::Duration::from_secs(self.idle_timeout),
            allowed_hosts: self.allow_hosts.clone(),
            lang,
        }
    }
}
