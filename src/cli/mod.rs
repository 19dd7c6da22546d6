//! `fazhi-query`'s commands, for its `main` to parse and dispatch: [`parse`] reads the
//! command line (argv rewritten first: [`argv`]), and each command is a function that reads its
//! options into a request ([`crate::request`]), checks them before any file is touched, opens
//! the index (building it first on a fresh checkout) tuned for how the command reads hits,
//! writes the answer with the renderers of [`crate::export`] and returns the exit code: 0
//! something matched, 1 nothing matched, 2 an error. A closed pipe (`| head`) is not an error.
//!
//! A new command is a variant of [`Command`] with its options' struct, a function here, and
//! an arm of `main`'s match calling it.

mod args;
mod argv;
mod help;
pub mod indexer;

use std::ffi::OsString;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::mem::ManuallyDrop;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

pub use args::{
    Cli, Command, CopiesArgs, KwicArgs, PanelArgs, SearchArgs, ServeArgs, ShowArgs, StatsArgs,
};

use crate::error::Rebuild;
use crate::export::output::Output;
use crate::export::{self, Format, summary};
use crate::index::{self, writer};
use crate::lang::Lang;
use crate::search::{Engine, HitReads, IndexedReport};
use args::{Scope, Source};

/// The command line, read: help and a version are printed by clap (help in the reader's
/// language); a malformed option or a mistyped command (`fazhi-query sats`) is said here, in
/// the reader's language, and the exit code returned.
pub fn parse(argv: impl Iterator<Item = OsString>) -> Result<Cli, ExitCode> {
    // A panic inside the engine (a damaged file) is reported as damage, not as its panic text.
    index::check::quiet_engine_panics();
    let argv = argv::exclusions_as_not(argv);
    let lang = argv::lang_of_args(&argv);
    if let Some(message) = argv::mistyped_command(&argv, lang) {
        say(&lang.fill("msg.error", &[("message", &message)]));
        return Err(ExitCode::from(2));
    }
    let argv = argv::default_command(argv);
    let parse = |lang| {
        help::command(help::Program::Query, lang)
            .try_get_matches_from(argv.clone())
            .and_then(|m| <Cli as clap::FromArgMatches>::from_arg_matches(&m))
    };
    // The definition with clap's English parses a command line to the same values as the
    // Chinese one, without first translating every option's help (a millisecond of each
    // process); help, the version or an error is then made again in the reader's language.
    parse(Lang::En)
        .or_else(|_| parse(lang))
        .map_err(|error| help::refused(&error, help::Program::Query, lang))
}

/// A command's exit code; its error said on standard error in the reader's language (`--lang`,
/// else FAZHI_LANG's, else Chinese), exit code 2. A damaged or outdated index is to be rebuilt
/// with `rebuild`.
pub fn exit(outcome: anyhow::Result<ExitCode>, lang: Option<Lang>, rebuild: &Rebuild) -> ExitCode {
    outcome.unwrap_or_else(|err| {
        let lang = language(lang).unwrap_or_default();
        say(&error_text(&err, lang, rebuild));
        ExitCode::from(2)
    })
}

/// An error as its reader reads it: what the program was doing, then the library's message
/// in `lang` (which names its own cause).
fn error_text(err: &anyhow::Error, lang: Lang, rebuild: &Rebuild) -> String {
    let mut parts = Vec::new();
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<crate::Error>() {
            parts.push(e.message_with(lang, rebuild));
            break;
        }
        parts.push(cause.to_string());
    }
    lang.fill(
        "msg.error",
        &[("message", &parts.join(lang.pick("：", ": ")))],
    )
}

/// `--lang`, else `$FAZHI_LANG`, else Chinese.
fn language(lang: Option<Lang>) -> crate::Result<Lang> {
    lang.map_or_else(Lang::from_env, Ok)
}

fn found(any: bool) -> ExitCode {
    if any {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

fn say(message: &str) {
    eprintln!("fazhi-query: {message}");
}

/// `search`: matching sections, best first, with facet counts. Hits are read, written and
/// dropped a window at a time: an export of every match holds one window of them.
pub fn search(args: SearchArgs, lang: Option<Lang>) -> anyhow::Result<ExitCode> {
    let lang = language(lang)?;
    let (request, render) = args.request(lang)?;
    let session = Session::new(&args.scope, render.format.is_binary(), lang)?;
    let limit_given = args.limit.is_some();
    let mut engine = session.engine(args.hit_reads())?;
    engine.count_copies(request.copies);
    engine.collapse_copies(request.collapse);
    let ranked = engine.rank(&request.search)?;
    let (mut written, all) = (ranked.len(), ranked.total_sections);
    let ranked_total = all;
    let mut records = export::RecordStream::new(&*engine, ranked, &render.terms, render.passage);
    // Rows wait beside the file being written (standard output's, when it is redirected to
    // one: `> hits.csv`).
    let sink = session.sink()?;
    records = records.spill(sink.writing_to());
    sink.deliver(
        |out| {
            written = export::write_stream(out, &mut records, &render)?;
            Ok(())
        },
        lang,
    )?;
    // Collapsed hits stand for more sections than they are: the cut is told by what was left.
    let cut_short = match request.collapse {
        true => records.ranked().hits_left(),
        false => written < all,
    };
    if let Some(path) = &session.output {
        let cut = match request.limit {
            // A collapsed export's passages are not counted until all are read: no number.
            Some(limit) if cut_short && request.collapse => {
                lang.fill("msg.cut_collapsed", &[("limit", &limit.to_string())])
            }
            Some(limit) if cut_short => {
                let (limit, all) = (limit.to_string(), all.to_string());
                lang.fill("msg.cut", &[("limit", &limit), ("all", &all)])
            }
            _ => String::new(),
        };
        let (file, written, all) = (
            path.display().to_string(),
            written.to_string(),
            all.to_string(),
        );
        let key = match request.collapse {
            true => "msg.wrote_collapsed",
            false => "msg.wrote",
        };
        let wrote = lang.fill(
            key,
            &[("written", &written), ("all", &all), ("file", &file)],
        );
        // Nothing written: in what, when filters narrowed the search.
        let filters = summary::filters(&request.search.filters, lang);
        let within = match ranked_total == 0 && !filters.is_empty() {
            true => lang.fill("msg.wrote_within", &[("filters", &filters)]),
            false => String::new(),
        };
        say(&format!("{wrote}{within}{cut}"));
    } else if cut_short && matches!(render.format, Format::Csv | Format::Jsonl | Format::Md) {
        // Rows on standard output carry no count of their own: a page of them must not pass
        // for all (text and JSON say their totals themselves).
        let limit = request.limit.unwrap_or_default().to_string();
        let why = match limit_given {
            true => format!("--limit {limit}"),
            false => lang.fill("msg.limit_default", &[("limit", &limit)]),
        };
        let key = match request.collapse {
            true => "msg.printed_collapsed",
            false => "msg.printed",
        };
        let (written, all) = (written.to_string(), all.to_string());
        say(&lang.fill(key, &[("written", &written), ("all", &all), ("why", &why)]));
    }
    Ok(found(ranked_total > 0))
}

/// `stats`: counts per group, as a table and, asked for, a chart.
pub fn stats(args: StatsArgs, lang: Option<Lang>) -> anyhow::Result<ExitCode> {
    let lang = language(lang)?;
    let (request, format) = args.request(lang)?;
    let session = Session::new(&args.scope, format.is_binary(), lang)?;
    if let Some(chart) = &args.chart {
        not_in_index(chart, &session.index, lang)?;
        let landing = export::output::landing;
        let same = match &session.output {
            Some(output) => landing(chart).is_some_and(|chart| Some(chart) == landing(output)),
            // `--chart c.svg > c.svg`: standard output is that file.
            None => is_stdout(chart),
        };
        if same {
            let file = chart.display().to_string();
            anyhow::bail!(lang.fill("err.chart_is_output", &[("file", &file)]));
        }
    }
    let engine = session.engine(StatsArgs::HIT_READS)?;
    if args.copied {
        let copied = engine.copied(&request)?;
        session.deliver(|out| export::stats::write_copied(out, &copied, format, lang))?;
        return Ok(found(copied.totals.iter().any(|t| t.copied_chars > 0)));
    }
    let table = engine.stats(&request)?;
    session.deliver(|out| export::stats::write(out, &table, format, lang))?;
    if let Some(path) = &args.chart {
        export::stats::chart(&table, &request.filters).write_file(path)?;
        let file = path.display().to_string();
        say(&lang.fill("msg.drew", &[("file", &file)]));
    }
    Ok(found(table.totals.iter().any(|t| t.matching_reports > 0)))
}

/// `kwic`: every occurrence in context, one line each. The sections are read a window at a
/// time and their text dropped as each is read: a concordance holds its lines compactly, and a
/// CSV or JSON Lines file's rows wait on disk beside it.
pub fn kwic(args: KwicArgs, lang: Option<Lang>) -> anyhow::Result<ExitCode> {
    let lang = language(lang)?;
    let (kwic, format, color) = args.request(lang)?;
    let session = Session::new(&args.scope, format.is_binary(), lang)?;
    let engine = session.engine(KwicArgs::HIT_READS)?;
    let request = &kwic.request;
    let ranked = kwic.rank(&engine)?;
    // The sections are read once the output is open: CSV and JSON Lines rows wait beside the
    // file being written (standard output's when redirected to one, as for `search`), not in
    // memory.
    let sink = session.sink()?;
    let output = sink.writing_to().to_path_buf();
    let (mut shown, mut all) = (0, 0);
    sink.deliver(
        |out| {
            let concordance = kwic
                .concordance(&engine, ranked, format, Some(&output))
                .map_err(io::Error::other)?;
            (shown, all) = (concordance.len(), concordance.all());
            concordance.write(out, color)
        },
        lang,
    )?;
    if shown < all {
        let (shown, all) = (shown.to_string(), all.to_string());
        say(&lang.fill("msg.kwic_shown", &[("shown", &shown), ("all", &all)]));
    }
    if all == 0 {
        let (text, filters) = (&request.text, &request.search.filters);
        let filters = summary::filters(filters, lang);
        say(&if filters.is_empty() {
            lang.fill("msg.kwic_none", &[("query", text)])
        } else {
            lang.fill(
                "msg.kwic_none.filtered",
                &[("query", text), ("filters", &filters)],
            )
        });
    }
    Ok(found(all > 0))
}

/// `serve`: the search page and its JSON API, until stopped.
pub fn serve(args: ServeArgs, lang: Option<Lang>) -> anyhow::Result<ExitCode> {
    let lang = language(lang)?;
    let session = Session::of(&args.source, None, lang);
    let engine = session.engine(ServeArgs::HIT_READS)?;
    crate::serve::run(ManuallyDrop::into_inner(engine), args.config(lang))?;
    Ok(ExitCode::SUCCESS)
}

/// `show`: one report as indexed, from its metadata to its last section, `FILE:LINE` starting
/// at the section holding that line; `--chrome` then the file as read, dropped chrome marked.
pub fn show(args: ShowArgs, lang: Option<Lang>) -> anyhow::Result<ExitCode> {
    let lang = language(lang)?;
    let (options, format) = args.request(lang)?;
    let session = Session::of(&args.source, args.output.output.clone(), lang);
    let engine = session.engine(ShowArgs::HIT_READS)?;
    let (report, start) = export::report::open(&engine, &args.place)?;
    let options = export::report::ShowOptions { start, ..options };
    let as_read = args.chrome.then(|| session.as_read(&report, options.color));
    session.deliver(|out| {
        export::report::write(out, &report, &options, format)?;
        as_read
            .as_deref()
            .map_or(Ok(()), |text| out.write_all(text))
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `copies`: a report's sections found in other reports, or the reports holding a passage.
pub fn copies(args: CopiesArgs, lang: Option<Lang>) -> anyhow::Result<ExitCode> {
    let lang = language(lang)?;
    let (of, filters, format) = args.request(lang)?;
    let session = Session::new(&args.scope, false, lang)?;
    let engine = session.engine(CopiesArgs::HIT_READS)?;
    match of {
        args::CopiesOf::Report(file) => {
            // FILE:LINE: that section's copies only, each with where it is.
            let copies = export::copies::report_copies::<crate::Error>(&engine, &file, || Ok(()))?;
            session.deliver(|out| export::copies::write_report(out, &copies, format, lang))?;
            Ok(found(!copies.sections.is_empty()))
        }
        args::CopiesOf::Passage(passage) => {
            let matches = engine.passage_copies(&passage, &filters)?;
            session.deliver(|out| export::copies::write_passage(out, &matches, format, lang))?;
            Ok(found(!matches.is_empty()))
        }
    }
}

/// `panel`: a codebook's concepts counted in every report, or added up into a balanced panel.
pub fn panel(args: PanelArgs, lang: Option<Lang>) -> anyhow::Result<ExitCode> {
    let lang = language(lang)?;
    let (request, options) = args.request(lang)?;
    let session = Session::new(&args.scope, options.format.is_binary(), lang)?;
    let engine = session.engine(PanelArgs::HIT_READS)?;
    let panel = export::panel::compute(&engine, &request)?;
    session.deliver(|out| export::panel::write(out, &panel, options))?;
    if panel.left_out > 0 {
        let names: Vec<&str> = panel.by.iter().map(|f| f.label(lang)).collect();
        let (n, facet) = (panel.left_out.to_string(), names.join("/"));
        say(&lang.fill("msg.panel_left_out", &[("n", &n), ("facet", &facet)]));
    }
    if let Some(path) = &session.output {
        let rows = export::panel::row_count(&panel, options.long).to_string();
        let reports = panel.reports.len().to_string();
        let concepts = panel.codebook.concepts.len().to_string();
        let file = path.display().to_string();
        say(&lang.fill(
            "msg.panel_wrote",
            &[
                ("rows", &rows),
                ("reports", &reports),
                ("concepts", &concepts),
                ("file", &file),
            ],
        ));
    }
    if panel.reports.is_empty() {
        // No report to count in: not a finding about the concepts.
        let filters = crate::export::summary::filters(&request.filters, lang);
        say(&lang.fill("msg.panel_no_reports", &[("filters", &filters)]));
    } else if !panel.any_match() {
        let reports = panel.reports.len().to_string();
        say(&lang.fill("msg.panel_none", &[("reports", &reports)]));
    }
    Ok(found(panel.any_match()))
}

/// Whether the file `path` would be written inside the folder `dir` (both as they resolve
/// now, links followed: a link to the index's `meta.json` is inside it; a folder that does not
/// exist yet holds nothing).
pub(crate) fn inside(path: &Path, dir: &Path) -> bool {
    match (export::output::landing(path), dir.canonicalize()) {
        (Some(file), Ok(dir)) => file.starts_with(dir),
        _ => false,
    }
}

/// An error if `path`, an output file, would be written inside the index `index` reads.
pub(crate) fn not_in_index(path: &Path, index: &Path, lang: Lang) -> anyhow::Result<()> {
    if inside(path, index) {
        let (file, index) = (path.display().to_string(), index.display().to_string());
        anyhow::bail!(lang.fill("err.output_in_index", &[("file", &file), ("index", &index)]));
    }
    Ok(())
}

/// Where a command reads the index and writes its answer.
struct Session {
    index: PathBuf,
    /// Whether --index named the index (never built from the corpus then).
    explicit_index: bool,
    corpus: PathBuf,
    output: Option<PathBuf>,
    /// The language of what a person reads.
    lang: Lang,
}

impl Session {
    /// The session of a command with these options; a binary answer is refused on a terminal.
    fn new(scope: &Scope, binary: bool, lang: Lang) -> anyhow::Result<Session> {
        let output = scope.output.output.clone();
        if binary && output.is_none() && io::stdout().is_terminal() {
            anyhow::bail!(lang.label("err.xlsx_terminal").to_string());
        }
        let session = Session::of(&scope.source, output, lang);
        if let Some(path) = &session.output {
            not_in_index(path, &session.index, lang)?;
        }
        Ok(session)
    }

    /// The session of the index `source` names, writing to `output` (else standard output).
    fn of(source: &Source, output: Option<PathBuf>, lang: Lang) -> Session {
        Session {
            index: source.index(),
            explicit_index: source.index.is_some(),
            corpus: source.corpus.clone(),
            output,
            lang,
        }
    }

    /// The engine over the index (built first on a fresh checkout), tuned for how the command
    /// reads hits. Never dropped: the process ends when the answer is written, and the kernel
    /// reclaims the index's maps at exit faster than unmapping them one by one while the
    /// search threads are alive (0.7 ms of a 10 ms query at 20,000 reports).
    fn engine(&self, reads: HitReads) -> anyhow::Result<ManuallyDrop<Engine>> {
        self.ensure_index()?;
        Ok(ManuallyDrop::new(Engine::open_for(&self.index, reads)?))
    }

    /// Writes to the output file or standard output; a closed pipe (`| head`) is not an
    /// error: what was asked for was delivered.
    fn deliver(&self, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> anyhow::Result<()> {
        self.sink()?.deliver(write, self.lang)
    }

    /// Where the answer goes: the output file, written beside itself and put in its place
    /// when whole ([`Output`]), or standard output, which must be open for writing (the
    /// standard library drops what is written to a closed one without a word).
    fn sink(&self) -> anyhow::Result<Sink> {
        match &self.output {
            Some(path) => Ok(Sink::File(Output::create(path)?)),
            None => match stdout_state() {
                Some(key) => anyhow::bail!(self.lang.label(key).to_string()),
                None => Ok(Sink::Stdout),
            },
        }
    }

    /// `show --chrome`: the report's text as read, dropped chrome marked, under a line that
    /// names its file; read from the index (which keeps it for a report that dropped
    /// something), never from the corpus.
    fn as_read(&self, report: &IndexedReport, color: bool) -> Vec<u8> {
        let marks = match color {
            true => crate::explain::Marks::Color,
            false => crate::explain::Marks::Plain,
        };
        // The file named as before, where the indexer read it.
        let file = self.corpus.join(&report.meta.file).display().to_string();
        let mut out = format!("\n{}\n", self.lang.fill("show.as_read", &[("file", &file)]));
        let Some(text) = &report.as_read else {
            out.push_str(self.lang.label("show.nothing_dropped"));
            out.push('\n');
            return out.into_bytes();
        };
        let spans: Vec<(usize, std::ops::Range<usize>, &str)> = report
            .dropped
            .iter()
            .map(|d| (d.line as usize, d.bytes.clone(), d.rule.as_str()))
            .collect();
        let mut marked = Vec::new();
        // Writing to memory cannot fail.
        let _ = crate::explain::write_as_read(text, &spans, marks, &mut marked);
        out.push_str(&String::from_utf8_lossy(&marked));
        out.into_bytes()
    }

    /// On a fresh checkout there is a corpus and no index yet: build it first, saying so.
    fn ensure_index(&self) -> anyhow::Result<()> {
        // A mistyped --index is an error (the engine names it), never a new index.
        if self.explicit_index || index::exists(&self.index) || !self.corpus.is_dir() {
            return Ok(());
        }
        let lang = self.lang;
        let (index_path, corpus) = (self.index.display(), self.corpus.display());
        let (index_path, corpus) = (index_path.to_string(), corpus.to_string());
        say(&lang.fill(
            "msg.auto_index",
            &[("index", &index_path), ("corpus", &corpus)],
        ));
        let config = writer::IndexConfig {
            lang,
            ..writer::IndexConfig::new(self.corpus.clone(), self.index.clone(), default_threads())
        };
        let progress = writer::progress_bar(false, lang);
        let summary = writer::update(&config, &progress)
            .with_context(|| lang.fill("msg.indexing", &[("corpus", &corpus)]))?;
        progress.finish_and_clear();
        for skipped in &summary.skipped {
            say(&skipped.message(lang));
        }
        let reports = summary.totals.reports.to_string();
        let sections = summary.totals.sections.to_string();
        say(&lang.fill(
            "msg.indexed",
            &[("reports", &reports), ("sections", &sections)],
        ));
        Ok(())
    }
}

/// Where a command's answer is written.
enum Sink {
    File(Output),
    Stdout,
}

impl Sink {
    /// The file the answer's bytes go to now (standard output's, when redirected to a file):
    /// an export's rows may wait beside it ([`export::RecordStream::spill`]).
    fn writing_to(&self) -> &Path {
        match self {
            Sink::File(output) => output.writing_to(),
            Sink::Stdout => Path::new("/dev/stdout"),
        }
    }

    /// Writes the answer with `write`; the output file takes its name once all is written.
    fn deliver(
        self,
        write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
        lang: Lang,
    ) -> anyhow::Result<()> {
        match self {
            Sink::File(output) => {
                let mut out = BufWriter::new(output.file());
                match write(&mut out).and_then(|_| out.flush()) {
                    // `-o /dev/stdout | head`, as for standard output itself.
                    Err(e) if output.is_direct() && crate::error::is_closed_pipe(&e) => {
                        return Ok(());
                    }
                    Err(e) => return Err(not_written(e, output.named())),
                    Ok(()) => {}
                }
                drop(out);
                Ok(output.commit()?)
            }
            Sink::Stdout => {
                let mut out = BufWriter::new(io::stdout().lock());
                match write(&mut out).and_then(|_| out.flush()) {
                    Err(e) if crate::error::is_closed_pipe(&e) => Ok(()),
                    Err(e) => Err(not_written(e, Path::new(lang.label("msg.stdout")))),
                    Ok(()) => Ok(()),
                }
            }
        }
    }
}

/// Whether the file `path` is the one standard output writes to.
fn is_stdout(path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(path), rustix::fs::fstat(io::stdout())) {
        (Ok(file), Ok(out)) => (file.dev(), file.ino()) == (out.st_dev, out.st_ino),
        _ => false,
    }
}

/// Why standard output cannot take the answer (the key of the message), or None when it can:
/// the standard library drops what is written to a closed or read-only standard output (its
/// EBADF) and says nothing. A process started with it closed (`>&-`) has it opened on
/// `/dev/null` by the runtime before `main`, which cannot be told from a caller's own
/// `/dev/null` (Python's `subprocess.DEVNULL`): that is taken as asked for.
pub(crate) fn stdout_state() -> Option<&'static str> {
    use rustix::fs::{OFlags, fcntl_getfl};
    match fcntl_getfl(io::stdout()) {
        Err(_) => Some("err.stdout_closed"),
        Ok(flags) if flags & OFlags::RWMODE == OFlags::RDONLY => Some("err.stdout_read_only"),
        Ok(_) => None,
    }
}

/// Indexing threads when none are asked for: one a CPU core, at most [`writer::MAX_THREADS`].
fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(writer::MAX_THREADS))
}

/// An error of writing the answer: the index's own error when reading it failed midway (an
/// export reads hits as it writes), else the output's, saying where.
fn not_written(e: io::Error, path: &Path) -> anyhow::Error {
    match e.downcast::<crate::Error>() {
        Ok(read) => read.into(),
        Err(source) => crate::Error::Write {
            path: path.to_path_buf(),
            source,
        }
        .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_of_hits_keeps_no_decompressed_block() {
        // (the command line after the program name, how its hits fall into blocks)
        let rows: [(&[&str], HitReads); 11] = [
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
            // A global option's value is not the command (`--lang en stats` counts).
            (
                &["--lang", "en", "stats", "--by", "year", "法律顾问"],
                HitReads::Scattered,
            ),
            (&["--lang", "zh", "show", "a.txt"], HitReads::Dense),
        ];
        for (args, expected) in rows {
            let argv = std::iter::once("fazhi-query")
                .chain(args.iter().copied())
                .map(OsString::from);
            let argv = argv::default_command(argv::exclusions_as_not(argv));
            let cli = <Cli as clap::Parser>::try_parse_from(argv)
                .unwrap_or_else(|e| panic!("{args:?}: {e}"));
            assert_eq!(cli.command.hit_reads(), expected, "{args:?}");
        }
    }
}
