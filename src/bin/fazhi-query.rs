//! fazhi-query: search the indexed reports (`search`, the default), count matches by group
//! (`stats`), list every occurrence in context (`kwic`).
//!
//! Exit codes: 0 something matched, 1 nothing matched, 2 an error (a malformed
//! query, a missing or outdated index, an unwritable output file). A closed pipe (`| head`)
//! is not an error.

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand, ValueEnum};
use fazhi_search::export::kwic::{self, KwicSort};
use fazhi_search::export::summary;
use fazhi_search::export::{self, Format, PassageOptions, RenderOptions};
use fazhi_search::index::schema::Values;
use fazhi_search::index::{self, writer};
use fazhi_search::region::Level;
use fazhi_search::search::{
    self, Dimension, Engine, FacetKey, Filters, HitReads, SearchRequest, StatsRequest,
};
use fazhi_search::serve::{self, ServeConfig};
use fazhi_search::{Error, Lang, Query, SectionType};

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
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Language of labels, headers, summaries and messages: zh (中文) or en [default:
    /// $FAZHI_LANG, else zh]. JSON keys and values are ASCII in both.
    #[arg(long, global = true, value_name = "zh|en")]
    lang: Option<Lang>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Matching sections, best first, with facet counts (the default command).
    Search(SearchArgs),
    /// Counts per group: matching reports, reports, share, matching sections.
    Stats(StatsArgs),
    /// Every occurrence in context, one line each (keyword in context).
    Kwic(KwicArgs),
    /// A search page in the browser, with facets, trends and exports, and its JSON API.
    Serve(ServeArgs),
}

const SUBCOMMANDS: [&str; 5] = ["search", "stats", "kwic", "serve", "help"];

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

/// A number option's parser: a value outside `min..=max` is refused with the range.
fn ranged(min: usize, max: usize) -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::new().range(min as u64..=max as u64)
}

/// Where the index is.
#[derive(Args, Debug)]
struct Source {
    /// Folder of the index [default: ./index, built from --corpus when missing]. A folder named
    /// here must hold an index: it is never built from the corpus.
    #[arg(long)]
    index: Option<PathBuf>,
    /// Folder of reports, indexed first when the default index does not exist yet.
    #[arg(long, default_value = "corpus")]
    corpus: PathBuf,
}

/// The index used when no --index is given.
const DEFAULT_INDEX: &str = "./index";

impl Source {
    fn index(&self) -> PathBuf {
        self.index
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_INDEX))
    }
}

/// Which sections count: an option per facet of `index_schema/facets.tsv` (`--town`, `--year`,
/// `--type`, `--issuer`…) and `--region`, made from the table (see [`FacetKey`]).
#[derive(Debug, Default)]
struct FilterArgs(Vec<(&'static str, Vec<String>)>);

impl FilterArgs {
    /// The options: each facet's, and `region`.
    fn options() -> impl Iterator<Item = &'static str> {
        FacetKey::all().map(FacetKey::option).chain(["region"])
    }

    /// The help line of an option.
    fn help(option: &str) -> String {
        let Some(facet) = FacetKey::named(option) else {
            return "Only this region path, /province/city/county/town (e.g. /河南省/商丘市); \
                    repeatable"
                .into();
        };
        let name = facet.label(Lang::En).to_lowercase();
        let among = |names: &[&str]| format!("Only this {name}: {}; repeatable", names.join(", "));
        match facet.spec().values {
            Values::Prefix => {
                format!("Only this {name} (or one whose name starts with it); repeatable")
            }
            Values::Range => format!("Only this {name}, or range: 2023, 2020..2023, 2020.."),
            Values::SectionTypes => {
                among(&SectionType::ALL.map(SectionType::as_str))
                    + " (or its Chinese name or a part of it: 存在的不足, 不足, 举措, 计划)"
            }
            Values::Levels => {
                among(&Level::ALL.map(Level::as_str)) + " (or 乡镇, 县级, 部门, 其他)"
            }
        }
    }

    /// The filters; section types and levels by key or by name in either language.
    fn into_filters(self) -> fazhi_search::Result<Filters> {
        let mut filters = Filters::default();
        for (option, values) in self.0 {
            match FacetKey::named(option) {
                Some(facet) => values.iter().try_for_each(|v| filters.add(facet, v))?,
                None => filters.regions = values,
            }
        }
        Ok(filters)
    }
}

impl clap::FromArgMatches for FilterArgs {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let values = |id: &str| -> Vec<String> {
            let values = matches.get_many::<String>(id);
            values.map(|v| v.cloned().collect()).unwrap_or_default()
        };
        Ok(FilterArgs(
            FilterArgs::options().map(|o| (o, values(o))).collect(),
        ))
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        *self = FilterArgs::from_arg_matches(matches)?;
        Ok(())
    }
}

impl Args for FilterArgs {
    fn augment_args(command: clap::Command) -> clap::Command {
        FilterArgs::options().fold(command, |command, option| {
            // A range is given once; other filters are repeatable.
            let once = FacetKey::named(option).is_some_and(|f| f.spec().values == Values::Range);
            let action = if once {
                clap::ArgAction::Set
            } else {
                clap::ArgAction::Append
            };
            let arg = clap::Arg::new(option)
                .long(option)
                .help(FilterArgs::help(option));
            command.arg(arg.action(action))
        })
    }

    fn augment_args_for_update(command: clap::Command) -> clap::Command {
        FilterArgs::augment_args(command)
    }
}

/// Where the answer goes, and in what format.
#[derive(Args, Debug)]
struct Output {
    /// Output format: text, json, jsonl, csv, md or xlsx [default: from the -o file's
    /// extension, else text].
    #[arg(long)]
    format: Option<String>,
    /// Write to this file instead of standard output.
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Highlight matches in text output.
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    color: Color,
}

impl Output {
    /// The format asked for, or the one the output file's extension names, or text.
    fn format(&self) -> fazhi_search::Result<Format> {
        match (&self.format, &self.output) {
            (Some(name), _) => name.parse(),
            (None, Some(path)) => Format::of_file(path),
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
struct SearchArgs {
    /// The query, e.g. 法律顾问, "法律 顾问", 普法 OR 宣传, 法律顾问 -培训; without one, every
    /// section that passes the filters, by report and line.
    #[arg(num_args = 0..)]
    query: Vec<String>,
    #[command(flatten)]
    source: Source,
    #[command(flatten)]
    filters: FilterArgs,
    #[command(flatten)]
    output: Output,
    /// Number of hits to show, 0 to 100000 [default: 10; with -o FILE, every hit] (--all for
    /// every hit).
    #[arg(long, value_parser = ranged(0, MAX_HITS))]
    limit: Option<usize>,
    /// Show every hit.
    #[arg(long)]
    all: bool,
    /// Values listed per facet (town, county, …), the largest counts first: 0 to 100000, or
    /// `all`. The output also says how many values each facet has.
    #[arg(long, default_value = "100", value_name = "N|all")]
    facets: FacetLimit,
    /// Characters of context each side of the matching sentence(s), 0 to 10000.
    #[arg(long, default_value_t = 20, value_parser = ranged(0, MAX_CONTEXT))]
    context: usize,
    /// Show whole sections instead of the matching sentences.
    #[arg(long)]
    full: bool,
}

/// `--facets`: a number of values, or `all`.
#[derive(Debug, Clone, Copy)]
struct FacetLimit(Option<usize>);

impl std::str::FromStr for FacetLimit {
    type Err = String;

    fn from_str(text: &str) -> Result<FacetLimit, String> {
        let out_of_range = || format!("{text} is not in 0..={MAX_FACETS}, nor all");
        match text.trim() {
            "all" => Ok(FacetLimit(None)),
            n if n.bytes().all(|b| b.is_ascii_digit()) && !n.is_empty() => n
                .parse::<usize>()
                .ok()
                .filter(|n| *n <= MAX_FACETS)
                .map(|n| FacetLimit(Some(n)))
                .ok_or_else(out_of_range),
            _ => Err(format!(
                "{text:?}: write a number of values (0..={MAX_FACETS}), or all"
            )),
        }
    }
}

#[derive(Args, Debug)]
struct StatsArgs {
    /// The query to count, e.g. 法律顾问 (or use --compare for several); without one, the
    /// reports that pass the filters.
    #[arg(num_args = 0..)]
    query: Vec<String>,
    /// Several queries side by side, e.g. --compare 法律顾问 公职律师.
    #[arg(long, num_args = 1..)]
    compare: Vec<String>,
    /// Group by one or two facets (index_schema/facets.tsv): town, province, city, county,
    /// year, section_type, level, issuer; e.g. year,province.
    #[arg(long, default_value = "year")]
    by: String,
    /// Also draw the table as a chart: FILE.svg or FILE.png (a line over years, else bars).
    #[arg(long)]
    chart: Option<PathBuf>,
    #[command(flatten)]
    source: Source,
    #[command(flatten)]
    filters: FilterArgs,
    #[command(flatten)]
    output: Output,
}

#[derive(Args, Debug)]
struct KwicArgs {
    /// The query; every occurrence of its terms in the matching sections is listed.
    #[arg(required = true, num_args = 1..)]
    query: Vec<String>,
    /// Characters of context each side of the match, 0 to 1000.
    #[arg(long, default_value_t = kwic::DEFAULT_WIDTH, value_parser = ranged(0, MAX_WIDTH))]
    width: usize,
    /// Order: town, year, right (the text after the match) or left (the text before it, read backwards).
    #[arg(long, default_value = "town")]
    sort: String,
    /// Show at most this many lines, 0 to 100000000.
    #[arg(long, value_parser = ranged(0, MAX_KWIC_LINES))]
    limit: Option<usize>,
    #[command(flatten)]
    source: Source,
    #[command(flatten)]
    filters: FilterArgs,
    #[command(flatten)]
    output: Output,
}

#[derive(Args, Debug)]
struct ServeArgs {
    #[command(flatten)]
    source: Source,
    /// Address to listen on; 127.0.0.1 serves this machine only (give 0.0.0.0:8080 to share).
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: std::net::SocketAddr,
    /// Seconds one request's work may take before it is stopped with a 503 (1 to 600).
    #[arg(long, value_name = "SECONDS", default_value_t = serve::DEFAULT_DEADLINE_SECS,
          value_parser = clap::value_parser!(u64).range(1..=serve::MAX_DEADLINE_SECS))]
    deadline: u64,
    /// Seconds a client may take to send a request, keep an unused connection open or leave an
    /// answer unread before it is disconnected (1 to 600).
    #[arg(long, value_name = "SECONDS", default_value_t = serve::DEFAULT_IDLE_SECS,
          value_parser = clap::value_parser!(u64).range(1..=serve::MAX_IDLE_SECS))]
    idle_timeout: u64,
    /// Also answer requests for this host name (behind a proxy or a DNS name); repeatable.
    /// Others than the address, localhost, 127.0.0.1 and [::1] are refused (DNS rebinding).
    #[arg(long = "allow-host", value_name = "NAME")]
    allow_hosts: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Color {
    Auto,
    Always,
    Never,
}

/// What to do, validated before any file is touched.
enum Job {
    Search {
        request: SearchRequest,
        render: RenderOptions,
    },
    Stats {
        request: StatsRequest,
        format: Format,
        chart: Option<PathBuf>,
    },
    Kwic {
        /// The query as written.
        text: String,
        request: SearchRequest,
        terms: Vec<String>,
        width: usize,
        sort: KwicSort,
        limit: Option<usize>,
        format: Format,
        color: bool,
    },
    Serve(ServeConfig),
}

/// Hits shown on a terminal unless --limit or --all says otherwise.
const DEFAULT_LIMIT: usize = 10;

/// The most hits a search reads for them to count as one page, seldom sharing a block of the
/// document store.
const PAGE_OF_HITS: usize = 100;

impl Job {
    /// How the job's hits fall into the document store's blocks.
    fn hit_reads(&self) -> HitReads {
        match self {
            Job::Search { request, .. } if request.limit.is_some_and(|n| n <= PAGE_OF_HITS) => {
                HitReads::Scattered
            }
            Job::Stats { .. } => HitReads::Scattered,
            Job::Search { .. } | Job::Kwic { .. } | Job::Serve(_) => HitReads::Dense,
        }
    }
}

/// Everything the command needs, validated before any file is touched.
struct Config {
    job: Job,
    index: PathBuf,
    /// Whether --index named the index (never built from the corpus then).
    explicit_index: bool,
    corpus: PathBuf,
    output: Option<PathBuf>,
    /// Whether the output is binary (refused on a terminal).
    binary: bool,
    /// The language of what a person reads.
    lang: Lang,
}

fn parse_query(words: &[String]) -> fazhi_search::Result<(String, Query)> {
    let text = words.join(" ");
    let query = search::parse(&text)?;
    Ok((text, query))
}

fn terms_of(query: &Query) -> Vec<String> {
    query
        .positive_terms()
        .into_iter()
        .map(String::from)
        .collect()
}

impl Config {
    fn from_cli(cli: Cli) -> fazhi_search::Result<Config> {
        let lang = match cli.lang {
            Some(lang) => lang,
            None => Lang::from_env()?,
        };
        let (job, source, output) = match cli.command {
            Command::Search(args) => {
                let filters = args.filters.into_filters()?;
                let (text, query) = if !args.query.is_empty() {
                    parse_query(&args.query)?
                } else if !filters.is_empty() {
                    // Filters alone: every section that passes them, by report and line (all
                    // score alike, and ties rank in that order).
                    (String::new(), Query::All)
                } else {
                    return Err(Error::Usage(fazhi_search::lang::both("err.no_query", &[])));
                };
                let format = args.output.format()?;
                let render = RenderOptions {
                    format,
                    passage: PassageOptions {
                        context: args.context,
                        full: args.full,
                    },
                    color: args.output.color(format),
                    terms: terms_of(&query),
                    query: text,
                    filters: summary::filters(&filters, lang),
                    lang,
                    width: args.output.width(format),
                };
                // A file gets every hit unless a limit is given: a cut export looks whole.
                let limit = match (args.all, args.limit, &args.output.output) {
                    (true, _, _) | (false, None, Some(_)) => None,
                    (false, limit, _) => Some(limit.unwrap_or(DEFAULT_LIMIT)),
                };
                let request = SearchRequest {
                    query,
                    filters,
                    limit,
                    facet_limit: args.facets.0,
                };
                (Job::Search { request, render }, args.source, args.output)
            }
            Command::Stats(args) => {
                let filters = args.filters.into_filters()?;
                let mut queries = Vec::new();
                if !args.query.is_empty() {
                    queries.push(parse_query(&args.query)?);
                }
                for q in &args.compare {
                    queries.push(parse_query(std::slice::from_ref(q))?);
                }
                if queries.is_empty() && !filters.is_empty() {
                    // Filters alone: the reports that pass them, counted by group.
                    queries.push((String::new(), Query::All));
                }
                if queries.is_empty() {
                    return Err(Error::Usage(fazhi_search::lang::both(
                        "err.stats_no_query",
                        &[],
                    )));
                }
                if let Some(chart) = &args.chart {
                    // Fail before the work, not after it.
                    export::stats::check_chart_path(chart)?;
                }
                let request = StatsRequest {
                    queries,
                    filters,
                    by: Dimension::parse_list(&args.by)?,
                };
                let format = args.output.format()?;
                let job = Job::Stats {
                    request,
                    format,
                    chart: args.chart,
                };
                (job, args.source, args.output)
            }
            Command::Kwic(args) => {
                let (text, query) = parse_query(&args.query)?;
                let format = args.output.format()?;
                let job = Job::Kwic {
                    text,
                    terms: terms_of(&query),
                    request: SearchRequest {
                        query,
                        filters: args.filters.into_filters()?,
                        limit: None,
                        facet_limit: Some(0),
                    },
                    width: args.width,
                    sort: args.sort.parse()?,
                    limit: args.limit,
                    format,
                    color: args.output.color(format),
                };
                (job, args.source, args.output)
            }
            Command::Serve(args) => {
                return Ok(Config {
                    job: Job::Serve(ServeConfig {
                        addr: args.addr,
                        deadline: std::time::Duration::from_secs(args.deadline),
                        idle_timeout: std::time::Duration::from_secs(args.idle_timeout),
                        allowed_hosts: args.allow_hosts,
                        lang,
                    }),
                    index: args.source.index(),
                    explicit_index: args.source.index.is_some(),
                    corpus: args.source.corpus,
                    output: None,
                    binary: false,
                    lang,
                });
            }
        };
        let format = match &job {
            Job::Search { render, .. } => render.format,
            Job::Stats { format, .. } | Job::Kwic { format, .. } => *format,
            Job::Serve(_) => Format::Text,
        };
        Ok(Config {
            job,
            index: source.index(),
            explicit_index: source.index.is_some(),
            corpus: source.corpus,
            output: output.output,
            binary: format.is_binary(),
            lang,
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

/// `fazhi-query 法律顾问` means `fazhi-query search 法律顾问`: arguments that name no command
/// (and ask for no help or version) get `search` put before them. A command named after options
/// (`fazhi-query --index i stats 法律顾问`) is moved before them, so that it runs as that command
/// rather than as a search for the word "stats".
fn default_command(mut args: Vec<std::ffi::OsString>) -> Vec<std::ffi::OsString> {
    let first = args.get(1).map(|a| a.to_string_lossy().into_owned());
    let names_command = first.as_deref().is_some_and(|a| {
        SUBCOMMANDS.contains(&a) || ["-h", "--help", "-V", "--version"].contains(&a)
    });
    if names_command {
        return args;
    }
    if let Some(at) = command_after_options(&args) {
        let command = args.remove(at);
        args.insert(1, command);
        return args;
    }
    args.insert(1.min(args.len()), "search".into());
    args
}

/// Where the first word that is not an option or an option's value is, when it names a command.
fn command_after_options(args: &[std::ffi::OsString]) -> Option<usize> {
    use clap::CommandFactory;
    let cli = Cli::command();
    // Options are read as the commands declare them: one that takes a value skips the next word.
    let takes_value = |option: &str| {
        cli.get_subcommands().any(|command| {
            command.get_arguments().any(|arg| {
                let named = match option.strip_prefix("--") {
                    Some(long) => arg.get_long() == Some(long),
                    None => {
                        option.strip_prefix('-').and_then(|s| s.chars().next()) == arg.get_short()
                            && option.chars().count() == 2
                    }
                };
                named && arg.get_action().takes_values()
            })
        })
    };
    let mut at = 1;
    while at < args.len() {
        let word = args[at].to_string_lossy();
        if word == "--" {
            return None;
        }
        if !word.starts_with('-') || word.len() == 1 {
            let command = SUBCOMMANDS.contains(&word.as_ref()) && word != "help";
            return command.then_some(at);
        }
        at += if !word.contains('=') && takes_value(&word) {
            2
        } else {
            1
        };
    }
    None
}

/// `fazhi-query sats`: an ASCII word a letter or two from a command is a typo, not a search
/// (a Chinese word is always a search).
fn mistyped_command(args: &[std::ffi::OsString], lang: Lang) -> Option<String> {
    let first = args.get(1)?.to_str()?;
    if SUBCOMMANDS.contains(&first) {
        return None;
    }
    let name = search::did_you_mean(first, &SUBCOMMANDS)?;
    Some(lang.fill("err.mistyped_command", &[("word", first), ("name", name)]))
}

/// The language of the command line before it is parsed (`--lang en`, `--lang=en`), else
/// FAZHI_LANG's, else Chinese: for the messages of a command line that does not parse.
fn lang_of_args(args: &[std::ffi::OsString]) -> Lang {
    let words: Vec<&str> = args.iter().filter_map(|a| a.to_str()).collect();
    let given = words.iter().enumerate().find_map(|(i, word)| match *word {
        "--lang" => words.get(i + 1).copied(),
        _ => word.strip_prefix("--lang="),
    });
    match given {
        Some(code) => code.parse().unwrap_or_default(),
        None => Lang::from_env().unwrap_or_default(),
    }
}

/// An error as its reader reads it: what the program was doing, then the library's message
/// in `lang` (which names its own cause).
fn error_text(err: &anyhow::Error, lang: Lang) -> String {
    let mut parts = Vec::new();
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<Error>() {
            parts.push(e.message(lang));
            break;
        }
        parts.push(cause.to_string());
    }
    lang.fill(
        "msg.error",
        &[("message", &parts.join(lang.pick("：", ": ")))],
    )
}

fn main() -> ExitCode {
    // A panic inside the engine (a damaged file) is reported as damage, not as its panic text.
    fazhi_search::index::check::quiet_engine_panics();
    let args = exclusions_as_not(std::env::args_os());
    let lang = lang_of_args(&args);
    if let Some(message) = mistyped_command(&args, lang) {
        let message = lang.fill("msg.error", &[("message", &message)]);
        eprintln!("fazhi-query: {message}");
        return ExitCode::from(2);
    }
    let cli = Cli::parse_from(default_command(args));
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("fazhi-query: {}", error_text(&err, lang));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let config = Config::from_cli(cli)?;
    if config.binary && config.output.is_none() && io::stdout().is_terminal() {
        anyhow::bail!(config.lang.label("err.xlsx_terminal").to_string());
    }
    ensure_index(&config)?;
    // Never dropped: the process ends when the answer is written, and the kernel reclaims the
    // index's maps at exit faster than unmapping them one by one while the search threads are
    // alive (0.7 ms of a 10 ms query at 20,000 reports).
    let engine = ManuallyDrop::new(Engine::open_for(&config.index, config.job.hit_reads())?);
    let lang = config.lang;
    let found = |any: bool| {
        if any {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        }
    };
    match &config.job {
        Job::Search { request, render } => {
            // Hits are read, written and dropped a window at a time: an export of every match
            // holds one window of them.
            let ranked = engine.rank(request)?;
            let (written, all) = (ranked.len(), ranked.total_sections);
            let ranked_total = all;
            let mut records =
                export::RecordStream::new(&*engine, ranked, &render.terms, render.passage);
            deliver(&config, |out| {
                export::write_stream(out, &mut records, render).map(|_| ())
            })?;
            if let Some(path) = &config.output {
                let cut_short = written < all;
                let (written, all) = (written.to_string(), all.to_string());
                let cut = match request.limit {
                    Some(limit) if cut_short => {
                        let limit = limit.to_string();
                        lang.fill("msg.cut", &[("limit", &limit), ("all", &all)])
                    }
                    _ => String::new(),
                };
                let file = path.display().to_string();
                let wrote = lang.fill(
                    "msg.wrote",
                    &[("written", &written), ("all", &all), ("file", &file)],
                );
                eprintln!("fazhi-query: {wrote}{cut}");
            }
            Ok(found(ranked_total > 0))
        }
        Job::Stats {
            request,
            format,
            chart,
        } => {
            let table = engine.stats(request)?;
            deliver(&config, |out| {
                export::stats::write(out, &table, *format, lang)
            })?;
            if let Some(path) = chart {
                export::stats::chart(&table, &request.filters).write_file(path)?;
                let file = path.display().to_string();
                eprintln!("fazhi-query: {}", lang.fill("msg.drew", &[("file", &file)]));
            }
            Ok(found(table.totals.iter().any(|t| t.matching_reports > 0)))
        }
        Job::Kwic {
            text,
            request,
            terms,
            width,
            sort,
            limit,
            format,
            color,
        } => {
            let results = engine.search_sections(request)?;
            let terms: Vec<&str> = terms.iter().map(String::as_str).collect();
            let mut lines = kwic::lines(&results.hits, &terms, *width, *sort);
            let all = lines.len();
            if let Some(limit) = limit {
                lines.truncate(*limit);
            }
            deliver(&config, |out| match format {
                Format::Text => kwic::write_text(out, &lines, *color, lang),
                Format::Json => {
                    serde_json::to_writer_pretty(&mut *out, &lines)?;
                    writeln!(out)
                }
                Format::Jsonl => lines.iter().try_for_each(|l| {
                    serde_json::to_writer(&mut *out, l)?;
                    writeln!(out)
                }),
                Format::Csv => kwic::table(&lines, lang).write_csv(out),
                Format::Md => kwic::table(&lines, lang).write_md(out),
                Format::Xlsx => export::write_xlsx(out, &kwic::table(&lines, lang)),
            })?;
            if lines.len() < all {
                let (shown, all) = (lines.len().to_string(), all.to_string());
                let message = lang.fill("msg.kwic_shown", &[("shown", &shown), ("all", &all)]);
                eprintln!("fazhi-query: {message}");
            }
            if all == 0 {
                let filters = summary::filters(&request.filters, lang);
                let message = if filters.is_empty() {
                    lang.fill("msg.kwic_none", &[("query", text)])
                } else {
                    lang.fill(
                        "msg.kwic_none.filtered",
                        &[("query", text), ("filters", &filters)],
                    )
                };
                eprintln!("fazhi-query: {message}");
            }
            Ok(found(all > 0))
        }
        Job::Serve(serve_config) => {
            serve::run(ManuallyDrop::into_inner(engine), serve_config.clone())?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Writes to the output file or standard output; a closed pipe (`| head`) is not an error:
/// what was asked for was delivered.
fn deliver(
    config: &Config,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> anyhow::Result<()> {
    match &config.output {
        Some(path) => {
            let file = File::create(path).map_err(|source| Error::Write {
                path: path.clone(),
                source,
            })?;
            let mut out = BufWriter::new(file);
            write(&mut out)
                .and_then(|_| out.flush())
                .map_err(|e| not_written(e, path))
        }
        None => {
            let mut out = BufWriter::new(io::stdout().lock());
            match write(&mut out).and_then(|_| out.flush()) {
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                Err(e) => Err(not_written(e, Path::new("standard output"))),
                Ok(()) => Ok(()),
            }
        }
    }
}

/// An error of writing the answer: the index's own error when reading it failed midway (an
/// export reads hits as it writes), else the output's, saying where.
fn not_written(e: io::Error, path: &Path) -> anyhow::Error {
    match e.downcast::<fazhi_search::Error>() {
        Ok(read) => read.into(),
        Err(source) => Error::Write {
            path: path.to_path_buf(),
            source,
        }
        .into(),
    }
}

/// On a fresh checkout there is a corpus and no index yet: build it first, saying so.
fn ensure_index(config: &Config) -> anyhow::Result<()> {
    // A mistyped --index is an error (the engine names it), never a new index.
    if config.explicit_index || index::exists(&config.index) || !config.corpus.is_dir() {
        return Ok(());
    }
    let lang = config.lang;
    let (index_path, corpus) = (config.index.display(), config.corpus.display());
    let (index_path, corpus) = (index_path.to_string(), corpus.to_string());
    let note = lang.fill(
        "msg.auto_index",
        &[("index", &index_path), ("corpus", &corpus)],
    );
    eprintln!("fazhi-query: {note}");
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let index_config = writer::IndexConfig {
        lang,
        ..writer::IndexConfig::new(config.corpus.clone(), config.index.clone(), threads)
    };
    let progress = writer::progress_bar(false, lang);
    let summary = writer::update(&index_config, &progress)
        .with_context(|| lang.fill("msg.indexing", &[("corpus", &corpus)]))?;
    progress.finish_and_clear();
    for skipped in &summary.skipped {
        let (file, reason) = (skipped.file.to_string(), skipped.reason.to_string());
        let warning = lang.fill("msg.skipped", &[("file", &file), ("reason", &reason)]);
        eprintln!("fazhi-query: {warning}");
    }
    let reports = summary.totals.reports.to_string();
    let sections = summary.totals.sections.to_string();
    let done = lang.fill(
        "msg.indexed",
        &[("reports", &reports), ("sections", &sections)],
    );
    eprintln!("fazhi-query: {done}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_hits_keeps_no_decompressed_block() {
        // (the command line after the program name, how its hits fall into blocks)
        let rows: [(&[&str], HitReads); 9] = [
            (&["法律顾问"], HitReads::Scattered),
            (
                &["search", "--limit", "100", "法律顾问"],
                HitReads::Scattered,
            ),
            (&["search", "--limit", "101", "法律顾问"], HitReads::Dense),
            (&["search", "--all", "法律顾问"], HitReads::Dense),
            (&["stats", "--by", "year", "法律顾问"], HitReads::Scattered),
            (&["kwic", "法律顾问"], HitReads::Dense),
            (&["serve"], HitReads::Dense),
            // A command after options is that command, not a search for its name.
            (
                &["--index", "i", "stats", "--by", "year", "法律顾问"],
                HitReads::Scattered,
            ),
            (&["--color", "never", "kwic", "法律顾问"], HitReads::Dense),
        ];
        for (args, expected) in rows {
            let argv = std::iter::once("fazhi-query")
                .chain(args.iter().copied())
                .map(std::ffi::OsString::from);
            let cli = Cli::try_parse_from(default_command(exclusions_as_not(argv)))
                .unwrap_or_else(|e| panic!("{args:?}: {e}"));
            let config = Config::from_cli(cli).unwrap_or_else(|e| panic!("{args:?}: {e}"));
            assert_eq!(config.job.hit_reads(), expected, "{args:?}");
        }
    }
}
