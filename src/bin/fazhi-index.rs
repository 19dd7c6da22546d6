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
use fazhi_search::{Error, Lang};

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
    let lang = match args.lang.map_or_else(Lang::from_env, Ok) {
        Ok(lang) => lang,
        Err(err) => {
            eprintln!("fazhi-index: {}", error_text(&err.into(), Lang::default()));
            return ExitCode::from(2);
        }
    };
    match run(&args, lang) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("fazhi-index: {}", error_text(&err, lang));
            ExitCode::from(2)
        }
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

fn emit(args: &Args, lang: Lang) -> anyhow::Result<ExitCode> {
    let written = || {
        args.output
            .clone()
            .unwrap_or_else(|| "standard output".into())
    };
    let mut out: Box<dyn std::io::Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|source| Error::Write {
                path: path.clone(),
                source,
            })?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let (sections, skipped) = emit_ndjson(&args.corpus, &mut out)?;
    out.flush().map_err(|source| Error::Write {
        path: written(),
        source,
    })?;
    for s in &skipped {
        let warning = lang.fill("msg.skipped", &[("file", &s.file), ("reason", &s.reason)]);
        eprintln!("fazhi-index: {warning}");
    }
    if !args.quiet {
        let emitted = lang.fill("idx.emitted", &[("sections", &sections.to_string())]);
        eprintln!("fazhi-index: {emitted}");
    }
    Ok(if sections == 0 {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

/// `--check`: every file of the index verified; what is damaged, named.
fn check_index(args: &Args, lang: Lang) -> anyhow::Result<ExitCode> {
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
            println!("{sound}");
        }
        return Ok(ExitCode::SUCCESS);
    }
    for d in &verdict.damage {
        let damaged = lang.fill(
            "idx.damaged_file",
            &[("file", &d.file), ("reason", &d.reason)],
        );
        eprintln!("fazhi-index: {damaged}");
    }
    let n = verdict.damage.len().to_string();
    let message = lang.fill("idx.damaged", &[("index", &index), ("n", &n)]);
    eprintln!(
        "fazhi-index: {}",
        lang.fill("msg.error", &[("message", &message)])
    );
    Ok(ExitCode::from(2))
}

fn run(args: &Args, lang: Lang) -> anyhow::Result<ExitCode> {
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
        return check_index(args, lang);
    }
    fazhi_search::corpus::check(&args.corpus)?;
    if args.emit.is_some() {
        return emit(args, lang);
    }
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, |n| n.get().min(MAX_THREADS))
    });
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
            eprintln!(
                "fazhi-index: {}",
                lang.fill("idx.read", &[("file", file), ("how", how)])
            );
        }
    }
    print_summary(&summary, &config, args.quiet, lang);
    if summary.totals.reports == 0 {
        let message = lang.fill("idx.none", &[("corpus", &corpus)]);
        eprintln!(
            "fazhi-index: {}",
            lang.fill("msg.error", &[("message", &message)])
        );
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

fn print_summary(s: &IndexSummary, config: &IndexConfig, quiet: bool, lang: Lang) {
    let index = config.index.display().to_string();
    let count = |n: usize| n.to_string();
    for skipped in &s.skipped {
        let warning = lang.fill(
            "msg.skipped",
            &[("file", &skipped.file), ("reason", &skipped.reason)],
        );
        eprintln!("fazhi-index: {warning}");
    }
    for (file, share) in &s.chrome_heavy {
        let share = format!("{:.0}", share * 100.0);
        let path = config.corpus.join(file).display().to_string();
        let warning = lang.fill(
            "idx.chrome",
            &[("file", file), ("share", &share), ("path", &path)],
        );
        eprintln!("fazhi-index: {warning}");
    }
    if let Some(reason) = &s.rebuilt {
        let rebuilt = lang.fill("idx.rebuilt", &[("reason", reason.get(lang))]);
        eprintln!("fazhi-index: {rebuilt}");
    }
    if !s.left_alone.is_empty() {
        let files = folder::listing(&s.left_alone);
        let warning = lang.fill("idx.left_alone", &[("index", &index), ("files", &files)]);
        eprintln!("fazhi-index: {warning}");
    }
    if s.orphans_removed > 0 && !quiet {
        let removed = lang.fill("idx.orphans", &[("n", &count(s.orphans_removed))]);
        eprintln!("fazhi-index: {removed}");
    }
    if quiet {
        return;
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
        println!("{}", lang.fill("idx.indexed", &values));
    } else {
        let unchanged = count(s.unchanged);
        let values = [("index", index.as_str()), ("unchanged", &unchanged)];
        println!("{}", lang.fill("idx.up_to_date", &values));
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
    println!("{}", lang.fill("idx.holds", &holds));
    for line in s.duplicate_lines(lang) {
        println!("{line}");
    }
    if !s.skipped.is_empty() {
        let n = count(s.skipped.len());
        println!("{}", lang.fill("idx.skipped_count", &[("n", &n)]));
    }
    if !s.chrome_heavy.is_empty() {
        let n = count(s.chrome_heavy.len());
        println!("{}", lang.fill("idx.chrome_count", &[("n", &n)]));
    }
    let list = |files: &[String]| files.join(lang.pick("、", ", "));
    if !t.without_town.is_empty() {
        let (n, files) = (count(t.without_town.len()), list(&t.without_town));
        println!(
            "{}",
            lang.fill("idx.no_town", &[("n", &n), ("files", &files)])
        );
    }
    if !t.without_year.is_empty() {
        let (n, files) = (count(t.without_year.len()), list(&t.without_year));
        println!(
            "{}",
            lang.fill("idx.no_year", &[("n", &n), ("files", &files)])
        );
    }
}
