//! fazhi-index: build or update the index of a corpus of reports.
//!
//! Exit codes: 0 the index is up to date (files that could not be read are listed as warnings),
//! or the file was explained; 2 an error, or a corpus in which no report could be indexed.
//! With `--check`: 0 the index is sound, 2 it is damaged (each damaged file named) or
//! missing.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use fazhi_search::explain::{Marks, explain};
use fazhi_search::index::check;
use fazhi_search::index::emit::emit_ndjson;
use fazhi_search::index::folder;
use fazhi_search::index::writer::{
    IndexConfig, IndexSummary, MAX_THREADS, progress_bar, rebuild, update,
};

/// Index a folder of rule-of-law reports (法治政府建设年度报告) for fazhi-query.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// Folder of reports (searched recursively).
    #[arg(long, default_value = "corpus")]
    corpus: PathBuf,
    /// Folder of the index (created if missing).
    #[arg(long, default_value = "index")]
    index: PathBuf,
    /// Indexing threads, 1 to 64 [default: the number of CPU cores, at most 64].
    #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=MAX_THREADS as u64))]
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
    /// Name every file read, with its format and encoding.
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

fn main() -> ExitCode {
    // A panic inside the engine (a damaged file) is reported as damage, not as its panic text.
    fazhi_search::index::check::quiet_engine_panics();
    let args = Args::parse();
    if args.parse_worker {
        return match fazhi_search::ingest::worker::serve(std::io::stdin(), std::io::stdout()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(_) => ExitCode::from(2),
        };
    }
    match run(&args) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("fazhi-index: error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn emit(args: &Args) -> anyhow::Result<ExitCode> {
    let mut out: Box<dyn std::io::Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .with_context(|| format!("cannot create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let (sections, skipped) = emit_ndjson(&args.corpus, &mut out)?;
    out.flush().context("cannot write the output")?;
    for s in &skipped {
        eprintln!("fazhi-index: warning: skipped {}: {}", s.file, s.reason);
    }
    if !args.quiet {
        eprintln!("fazhi-index: emitted {sections} sections");
    }
    Ok(if sections == 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// `--check`: every file of the index verified; what is damaged, named.
fn check_index(args: &Args) -> anyhow::Result<ExitCode> {
    let verdict = check::check(&args.index)?;
    if verdict.damage.is_empty() {
        if !args.quiet {
            println!(
                "The index at {} is sound: {} files verified, {} segments consistent with meta.json.",
                args.index.display(),
                verdict.files,
                verdict.segments
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    for d in &verdict.damage {
        eprintln!("fazhi-index: damaged: {}: {}", d.file, d.reason);
    }
    eprintln!(
        "fazhi-index: error: the index at {} is damaged ({} findings above): rebuild the index \
         with fazhi-index --rebuild",
        args.index.display(),
        verdict.damage.len()
    );
    Ok(ExitCode::from(2))
}

fn run(args: &Args) -> anyhow::Result<ExitCode> {
    if let Some(file) = &args.explain {
        let marks = if std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
            Marks::Color
        } else {
            Marks::Plain
        };
        explain(file, marks, &mut std::io::stdout().lock())?;
        return Ok(ExitCode::SUCCESS);
    }
    if args.check {
        return check_index(args);
    }
    fazhi_search::corpus::check(&args.corpus)?;
    if args.emit.is_some() {
        return emit(args);
    }
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS))
    });
    let config = IndexConfig {
        follow_links: args.follow_links,
        ..IndexConfig::new(args.corpus.clone(), args.index.clone(), threads)
    };
    let progress = progress_bar(args.quiet);
    let run = if args.rebuild { rebuild } else { update };
    let summary = run(&config, &progress).with_context(|| {
        format!(
            "indexing {} into {}",
            config.corpus.display(),
            config.index.display()
        )
    })?;
    progress.finish_and_clear();
    if args.verbose {
        for (file, how) in &summary.read {
            eprintln!("fazhi-index: read {file} ({how})");
        }
    }
    print_summary(&summary, &config, args.quiet);
    if summary.totals.reports == 0 {
        eprintln!(
            "fazhi-index: error: no report could be indexed from {}",
            config.corpus.display()
        );
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

fn print_summary(s: &IndexSummary, config: &IndexConfig, quiet: bool) {
    for skipped in &s.skipped {
        eprintln!(
            "fazhi-index: warning: skipped {}: {}",
            skipped.file, skipped.reason
        );
    }
    for (file, share) in &s.chrome_heavy {
        eprintln!(
            "fazhi-index: warning: {file} lost {:.0}% of its text to site chrome; see what was dropped with fazhi-index --explain {}",
            share * 100.0,
            config.corpus.join(file).display()
        );
    }
    if let Some(reason) = &s.rebuilt {
        eprintln!("fazhi-index: rebuilt the index from scratch: {reason}");
    }
    if !s.left_alone.is_empty() {
        eprintln!(
            "fazhi-index: warning: {} holds files fazhi-index did not write, left alone: {}",
            config.index.display(),
            folder::listing(&s.left_alone)
        );
    }
    if s.orphans_removed > 0 && !quiet {
        eprintln!(
            "fazhi-index: removed {} files no commit used (left by a run that was stopped)",
            s.orphans_removed
        );
    }
    if quiet {
        return;
    }
    let t = &s.totals;
    if s.committed {
        println!(
            "Indexed {}: {} added, {} updated, {} removed, {} unchanged.",
            config.index.display(),
            s.added,
            s.updated,
            s.removed,
            s.unchanged
        );
    } else {
        println!(
            "The index at {} is up to date ({} files unchanged).",
            config.index.display(),
            s.unchanged
        );
    }
    let years: Vec<String> = t.years.iter().map(|(y, n)| format!("{y} ({n})")).collect();
    println!(
        "The index holds {} reports, {} sections, {} towns; years: {}.",
        t.reports,
        t.sections,
        t.towns,
        if years.is_empty() {
            "none".to_string()
        } else {
            years.join(", ")
        }
    );
    if !s.skipped.is_empty() {
        println!("{} files skipped (reasons above).", s.skipped.len());
    }
    if !s.chrome_heavy.is_empty() {
        println!(
            "{} files lost more than a fifth of their text to site chrome (warnings above).",
            s.chrome_heavy.len()
        );
    }
    if !t.without_town.is_empty() {
        println!(
            "{} reports have no town (county-level or not found in the gazetteer): {}",
            t.without_town.len(),
            t.without_town.join(", ")
        );
    }
    if !t.without_year.is_empty() {
        println!(
            "{} reports have no year: {}",
            t.without_year.len(),
            t.without_year.join(", ")
        );
    }
}
