//! `fazhi-index`'s command, for its `main` to parse and run: build or update the index of a
//! corpus of reports; or instead verify the index (`--check`), show what indexing makes of one
//! file (`--explain`), or write every section as JSON lines (`--emit`).
//!
//! Exit codes: 0 the index is up to date (files that could not be read are listed as warnings),
//! or the file was explained; 2 an error, or a corpus in which no report could be indexed.
//! With `--check`: 0 the index is sound, 2 it is damaged (each damaged file named) or missing.

use std::ffi::OsString;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

use super::error_text;
use super::help::{self, Program};
use crate::error::{Error, Rebuild, is_closed_pipe};
use crate::explain::{Marks, explain};
use crate::export::output::Output;
use crate::index::check;
use crate::index::emit::emit_ndjson;
use crate::index::folder;
use crate::index::writer::{IndexConfig, IndexSummary, MAX_THREADS, progress_bar, rebuild, update};
use crate::lang::Lang;

/// Index a folder of rule-of-law reports (法治政府建设年度报告) for fazhi-query.
#[derive(Parser, Debug)]
#[command(name = "fazhi-index", version)]
pub struct IndexArgs {
    /// Folder of reports (searched recursively).
    #[arg(long, default_value = "corpus")]
    corpus: PathBuf,
    /// Folder of the index (created if missing).
    #[arg(long, default_value = "index")]
    index: PathBuf,
    /// Indexing threads, 1 to 64 [default: the number of CPU cores, at most 64].
    #[arg(long, value_parser = super::args::ranged(1, MAX_THREADS))]
    threads: Option<usize>,
    /// Start the index over: delete the files fazhi-index wrote in --index (without reading
    /// them, so a damaged index can always be replaced) and index the corpus from scratch.
    #[arg(long, conflicts_with_all = ["check", "emit"])]
    rebuild: bool,
    /// Instead of indexing, verify the index: every file's checksum, meta.json against the
    /// segments, the facet file, the schema version. Names what is damaged; exit 0 when sound,
    /// 2 when not.
    #[arg(long, conflicts_with = "emit")]
    check: bool,
    /// Print only warnings and errors.
    #[arg(long, short)]
    quiet: bool,
    /// Name every file read, with its format and encoding, and every report without a town or
    /// a year (else the first few and how many more).
    #[arg(long, short)]
    verbose: bool,
    /// Instead of indexing, write every section as JSON lines (for Quickwit or OpenSearch;
    /// see docs/scale-out.md).
    #[arg(long, value_enum)]
    emit: Option<Emit>,
    /// With --emit: the file to write [default: standard output].
    #[arg(long, short)]
    output: Option<PathBuf>,
    /// Follow symbolic links that lead out of the corpus folder (loops are still not walked).
    #[arg(long)]
    follow_links: bool,
    /// Language of what it prints: zh (中文) or en [default: $FAZHI_LANG, else zh].
    #[arg(long, value_name = "zh|en")]
    lang: Option<Lang>,
    /// Internal: read files sent on standard input and answer their text on standard output
    /// (how fazhi-index parses PDF, HTML and .docx files in a process of their own).
    #[arg(long, hide = true)]
    parse_worker: bool,
    /// Instead of indexing, show what indexing makes of FILE: how it was read, its text with
    /// the spans cleaning drops marked with their rule, its metadata and their sources, and
    /// its sections.
    #[arg(long, value_name = "FILE", conflicts_with = "emit")]
    explain: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Emit {
    Ndjson,
}

/// The command line, read: help and a version are printed (in the reader's language, as the
/// errors of a command line that does not parse: `--lang`, else FAZHI_LANG's, else Chinese),
/// and the exit code returned.
pub fn parse(argv: impl Iterator<Item = OsString>) -> Result<IndexArgs, ExitCode> {
    // A panic inside the engine (a damaged file) is reported as damage, not as its panic text.
    check::quiet_engine_panics();
    let argv: Vec<OsString> = argv.collect();
    let lang = super::argv::lang_of_args(&argv);
    let matches = help::command(Program::Index, lang).try_get_matches_from(argv);
    let parsed = matches.and_then(|m| <IndexArgs as clap::FromArgMatches>::from_arg_matches(&m));
    parsed.map_err(|error| help::refused(&error, Program::Index, lang))
}

/// Runs what the options ask for; its error said on standard error in the reader's language.
pub fn run(args: IndexArgs) -> ExitCode {
    if args.parse_worker {
        return match crate::ingest::worker::serve(std::io::stdin(), std::io::stdout()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::from(2),
        };
    }
    let rebuild_command = Rebuild::new(&args.corpus, &args.index);
    let lang = match args.lang.map_or_else(Lang::from_env, Ok) {
        Ok(lang) => lang,
        Err(err) => {
            say(&error_text(&err.into(), Lang::default(), &rebuild_command));
            return ExitCode::from(2);
        }
    };
    index(&args, lang).unwrap_or_else(|err| {
        say(&error_text(&err, lang, &rebuild_command));
        ExitCode::from(2)
    })
}

fn say(message: &str) {
    eprintln!("fazhi-index: {message}");
}

fn index(args: &IndexArgs, lang: Lang) -> anyhow::Result<ExitCode> {
    if let Some(file) = &args.explain {
        let marks = if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
            Marks::Color
        } else {
            Marks::Plain
        };
        explain(file, marks, lang, &mut std::io::stdout().lock())?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.check {
        return check_index(args, lang);
    }
    crate::corpus::check(&args.corpus)?;
    if args.emit.is_some() {
        return emit(args, lang);
    }
    let threads = args.threads.unwrap_or_else(super::default_threads);
    let config = IndexConfig {
        follow_links: args.follow_links,
        lang,
        ..IndexConfig::new(args.corpus.clone(), args.index.clone(), threads)
    };
    let progress = progress_bar(args.quiet, lang);
    let run = if args.rebuild { rebuild } else { update };
    let (corpus, index) = (config.corpus.display(), config.index.display());
    let (corpus, index) = (corpus.to_string(), index.to_string());
    let summary = run(&config, &progress)
        .with_context(|| lang.fill("idx.into", &[("corpus", &corpus), ("index", &index)]))?;
    progress.finish_and_clear();
    if args.verbose {
        for (file, how) in &summary.read {
            say(&lang.fill("idx.read", &[("file", file), ("how", how)]));
        }
    }
    let mut out = std::io::stdout().lock();
    printed(print_summary(&summary, &config, args, lang, &mut out), lang)?;
    if summary.totals.reports == 0 {
        let message = lang.fill("idx.none", &[("corpus", &corpus)]);
        say(&lang.fill("msg.error", &[("message", &message)]));
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

/// `--emit ndjson`: every section as a JSON line, to `--output` or standard output.
fn emit(args: &IndexArgs, lang: Lang) -> anyhow::Result<ExitCode> {
    let written = || {
        args.output
            .clone()
            .unwrap_or_else(|| lang.label("msg.stdout").into())
    };
    // A file takes its name once every section is in it (a failed run leaves the one before).
    if let Some(path) = &args.output {
        super::not_in_index(path, &args.index, lang)?;
    }
    let output = args.output.as_deref().map(Output::create).transpose()?;
    if output.is_none()
        && let Some(key) = super::stdout_state()
    {
        anyhow::bail!(lang.label(key).to_string());
    }
    let mut out: Box<dyn Write + '_> = match &output {
        Some(output) => Box::new(std::io::BufWriter::new(output.file())),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let emitted = emit_ndjson(&args.corpus, &mut out).and_then(|done| {
        out.flush().map_err(|source| Error::Write {
            path: written(),
            source,
        })?;
        Ok(done)
    });
    let (sections, skipped) = match emitted {
        Ok(done) => done,
        // `--emit ndjson | head`: the reader has what it wanted.
        Err(Error::Write { source, .. })
            if output.as_ref().is_none_or(Output::is_direct) && is_closed_pipe(&source) =>
        {
            return Ok(ExitCode::SUCCESS);
        }
        Err(Error::Write { source, .. }) => {
            let path = written();
            return Err(Error::Write { path, source }.into());
        }
        Err(e) => return Err(e.into()),
    };
    drop(out);
    if let Some(output) = output {
        output.commit()?;
    }
    for s in &skipped {
        say(&s.message(lang));
    }
    if !args.quiet {
        say(&lang.fill("idx.emitted", &[("sections", &sections.to_string())]));
    }
    Ok(if sections == 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// `--check`: every file of the index verified; what is damaged, named.
fn check_index(args: &IndexArgs, lang: Lang) -> anyhow::Result<ExitCode> {
    let verdict = check::check(&args.index)?;
    let index = args.index.display().to_string();
    if verdict.damage.is_empty() {
        if !args.quiet {
            let sound = lang.fill(
                "idx.sound",
                &[
                    ("index", &index),
                    ("files", &verdict.files.to_string()),
                    ("segments", &verdict.segments.to_string()),
                ],
            );
            printed(writeln!(std::io::stdout(), "{sound}"), lang)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    for d in &verdict.damage {
        say(&lang.fill(
            "idx.damaged_file",
            &[("file", &d.file), ("reason", &d.reason)],
        ));
    }
    let n = verdict.damage.len().to_string();
    let command = Rebuild::new(&args.corpus, &args.index).command(true);
    let message = lang.fill(
        "idx.damaged",
        &[("index", &index), ("n", &n), ("command", &command)],
    );
    say(&lang.fill("msg.error", &[("message", &message)]));
    Ok(ExitCode::from(2))
}

/// A write to standard output: a closed pipe (`| head`) is a reader who has seen enough, not
/// an error.
fn printed(result: std::io::Result<()>, lang: Lang) -> Result<(), Error> {
    match result {
        Err(e) if is_closed_pipe(&e) => Ok(()),
        other => other.map_err(|source| Error::Write {
            path: lang.label("msg.stdout").into(),
            source,
        }),
    }
}

/// The run's warnings on standard error, its summary on `out`.
fn print_summary(
    s: &IndexSummary,
    config: &IndexConfig,
    args: &IndexArgs,
    lang: Lang,
    out: &mut dyn Write,
) -> std::io::Result<()> {
    let index = config.index.display().to_string();
    let count = |n: usize| n.to_string();
    for skipped in &s.skipped {
        say(&skipped.message(lang));
    }
    for (file, share) in &s.chrome_heavy {
        let share = format!("{:.0}", share * 100.0);
        let path = config.corpus.join(file).display().to_string();
        say(&lang.fill(
            "idx.chrome",
            &[("file", file), ("share", &share), ("path", &path)],
        ));
    }
    if let Some(reason) = &s.rebuilt {
        say(&lang.fill("idx.rebuilt", &[("reason", reason.get(lang))]));
    }
    if !s.left_alone.is_empty() {
        let files = folder::listing(&s.left_alone);
        say(&lang.fill("idx.left_alone", &[("index", &index), ("files", &files)]));
    }
    if s.orphans_removed > 0 && !args.quiet {
        say(&lang.fill("idx.orphans", &[("n", &count(s.orphans_removed))]));
    }
    if args.quiet {
        return Ok(());
    }
    let t = &s.totals;
    if s.committed {
        let values = [
            ("index", index.clone()),
            ("added", count(s.added)),
            ("updated", count(s.updated)),
            ("removed", count(s.removed)),
            ("unchanged", count(s.unchanged)),
        ];
        let values: Vec<(&str, &str)> = values.iter().map(|(k, v)| (*k, v.as_str())).collect();
        writeln!(out, "{}", lang.fill("idx.indexed", &values))?;
    } else {
        let unchanged = count(s.unchanged);
        let values = [("index", index.as_str()), ("unchanged", &unchanged)];
        writeln!(out, "{}", lang.fill("idx.up_to_date", &values))?;
    }
    let years: Vec<String> = t
        .years
        .iter()
        .map(|(y, n)| lang.fill("idx.year", &[("year", &y.to_string()), ("n", &count(*n))]))
        .collect();
    let years = if years.is_empty() {
        lang.label("idx.years_none").to_string()
    } else {
        years.join(lang.pick("，", ", "))
    };
    let (reports, sections, towns) = (count(t.reports), count(t.sections), count(t.towns));
    let holds = [
        ("reports", reports.as_str()),
        ("sections", &sections),
        ("towns", &towns),
        ("years", &years),
    ];
    writeln!(out, "{}", lang.fill("idx.holds", &holds))?;
    for line in s.duplicate_lines(lang) {
        writeln!(out, "{line}")?;
    }
    let counted = [
        ("idx.skipped_count", s.skipped.len()),
        ("idx.chrome_count", s.chrome_heavy.len()),
    ];
    for (key, n) in counted {
        if n > 0 {
            writeln!(out, "{}", lang.fill(key, &[("n", &count(n))]))?;
        }
    }
    for (key, files) in [
        ("idx.no_town", &t.without_town),
        ("idx.no_year", &t.without_year),
    ] {
        if !files.is_empty() {
            let (n, files) = (count(files.len()), listing(files, args.verbose, lang));
            writeln!(out, "{}", lang.fill(key, &[("n", &n), ("files", &files)]))?;
        }
    }
    Ok(())
}

/// How many files a summary line names before it says how many more (`--verbose` names all).
const LISTED: usize = 5;

/// Files named in a summary line: all of them with `--verbose`, else the first few and how to
/// see the rest, so that 500 reports without a town still make one short line.
fn listing(files: &[String], verbose: bool, lang: Lang) -> String {
    let separator = lang.pick("、", ", ");
    if verbose || files.len() <= LISTED {
        return files.join(separator);
    }
    let more = (files.len() - LISTED).to_string();
    let first = files[..LISTED].join(separator);
    lang.fill("idx.more_files", &[("files", &first), ("more", &more)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_list_of_files_is_cut_with_how_to_see_it_all() {
        let files = |n: usize| (1..=n).map(|i| format!("{i}.txt")).collect::<Vec<_>>();
        // (files, --verbose, language, the line)
        let rows = [
            (files(2), false, Lang::Zh, "1.txt、2.txt"),
            (
                files(5),
                false,
                Lang::En,
                "1.txt, 2.txt, 3.txt, 4.txt, 5.txt",
            ),
            (
                files(571),
                false,
                Lang::Zh,
                "1.txt、2.txt、3.txt、4.txt、5.txt 等（另有 566 份，加 --verbose 全部列出）",
            ),
            (
                files(7),
                false,
                Lang::En,
                "1.txt, 2.txt, 3.txt, 4.txt, 5.txt and 2 more (--verbose lists them all)",
            ),
            (
                files(7),
                true,
                Lang::En,
                "1.txt, 2.txt, 3.txt, 4.txt, 5.txt, 6.txt, 7.txt",
            ),
        ];
        for (files, verbose, lang, expected) in rows {
            assert_eq!(
                listing(&files, verbose, lang),
                expected,
                "{} files",
                files.len()
            );
        }
    }
}
