//! The benchmark: builds the index of synthetic corpora of several sizes and measures it, side
//! by side with what a researcher would otherwise use (ripgrep over the files, SQLite FTS5 with
//! the trigram tokenizer), with each tool's recall against plain substring search, and the
//! exports of every hit of a common term (passages per second, peak RSS).
//!
//! ```sh
//! apt-get install ripgrep       # rg on the PATH; python3 with its sqlite3 module runs FTS5
//! cargo build --release --bins --examples
//! cargo run --release --example bench -- --sizes 1000,20000,100000
//! cargo run --release --example bench -- --sizes 20000 --exports-only --before OLD/fazhi-query
//! cargo run --release --example bench -- --sizes 20000 --copies-truth
//! cargo run --release --example bench -- --sizes 20000 --queries-only \
//!     --before OLD/fazhi-query --before-index OLD-INDEX
//! ```
//!
//! It prints Markdown tables (the figures in BENCHMARKS.md come from it). Corpora are generated
//! once into `--dir` (default `bench-data/`, git-ignored) and reused; at 100,000 reports the
//! disk holds about 4 GB at the peak.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use fazhi_search::export::{self, Format, PassageOptions, RenderOptions};
use fazhi_search::index::writer::report_key;
use fazhi_search::search::{self, Filters, SearchRequest};
use fazhi_search::{Engine, normalize, synth};

#[derive(Parser)]
struct Args {
    /// Corpus sizes, in reports.
    #[arg(long, value_delimiter = ',', default_value = "1000,20000")]
    sizes: Vec<usize>,
    /// Where corpora and indexes are kept.
    #[arg(long, default_value = "bench-data")]
    dir: PathBuf,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Repetitions of each query in process.
    #[arg(long, default_value_t = 30)]
    reps: usize,
    /// Repetitions of each query as a new process (and of each ripgrep and FTS5 run).
    #[arg(long, default_value_t = 11)]
    process_reps: usize,
    /// Skip ripgrep and SQLite.
    #[arg(long)]
    no_alternatives: bool,
    /// Also measure a corpus of the bundled reports plus one report that is a single line of
    /// this many MB without a heading (a crawl gone wrong): index time and query time for a term
    /// inside it. E.g. `--big-line 20,50`.
    #[arg(long, value_delimiter = ',')]
    big_line: Vec<usize>,
    /// Run only the `--big-line` cases, not the `--sizes` corpora.
    #[arg(long)]
    big_line_only: bool,
    /// Measure only copy detection against the generator's ground truth: a corpus of its own
    /// (the `--sizes` reports and a tenth as many duplicates of whole reports, with its truth),
    /// precision and recall of copied sections and of duplicate reports.
    #[arg(long)]
    copies_truth: bool,
    /// Measure only the exports (building the index if it is missing).
    #[arg(long)]
    exports_only: bool,
    /// Measure only the panel of a 30-concept codebook (building the index if it is missing).
    #[arg(long)]
    panel_only: bool,
    /// Measure only the queries, in process and per process (building the index if it is
    /// missing).
    #[arg(long)]
    queries_only: bool,
    /// Another fazhi-query binary (an older build) whose exports, and per-process queries, are
    /// measured beside this one's, taking turns.
    #[arg(long)]
    before: Option<PathBuf>,
    /// The index `--before` reads (an older build may need an index of its own schema, built
    /// from the same corpus); default: this build's.
    #[arg(long)]
    before_index: Option<PathBuf>,
}

/// One query's measurements.
struct Row {
    query: &'static BenchQuery,
    sections: usize,
    reports: usize,
    p50: Duration,
    p99: Duration,
    count_p50: Duration,
    /// Wall time of each run as a new process.
    process: Vec<Duration>,
    /// The same, of the `--before` binary, in the same rounds.
    before: Vec<Duration>,
}

impl Row {
    fn process_p50(&self) -> Duration {
        percentiles(self.process.clone())[0]
    }
}

/// A benchmark query: the query text and the filters, as fazhi-query takes them.
struct BenchQuery {
    name: &'static str,
    query: &'static str,
    args: &'static [&'static str],
}

const QUERIES: [BenchQuery; 9] = [
    BenchQuery {
        name: "2-character term",
        query: "普法",
        args: &[],
    },
    BenchQuery {
        name: "common term",
        query: "法律顾问",
        args: &[],
    },
    BenchQuery {
        name: "inside a word",
        query: "依法治",
        args: &[],
    },
    BenchQuery {
        name: "long phrase",
        query: "行政机关负责人出庭应诉",
        args: &[],
    },
    BenchQuery {
        name: "very common",
        query: "法治",
        args: &[],
    },
    BenchQuery {
        name: "AND",
        query: "法律顾问 合同",
        args: &[],
    },
    BenchQuery {
        name: "with province",
        query: "法律顾问",
        args: &["--province", "河南"],
    },
    BenchQuery {
        name: "with years",
        query: "普法",
        args: &["--year", "2020..2023"],
    },
    BenchQuery {
        name: "with type",
        query: "行政执法",
        args: &["--type", "shortcomings"],
    },
];

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bins = std::env::current_exe()?
        .parent()
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .context("locating target/release")?;
    let index_bin = bins.join("fazhi-index");
    let query_bin = bins.join("fazhi-query");
    if !index_bin.is_file() || !query_bin.is_file() {
        bail!("build the binaries first: cargo build --release --bins --examples");
    }
    println!("# fazhi-search benchmark\n");
    println!("{}\n", machine());
    if args.copies_truth {
        for &n in &args.sizes {
            bench_copies_truth(&args, n)?;
        }
        return Ok(());
    }
    if !args.big_line_only {
        for &n in &args.sizes {
            bench_size(&args, n, &index_bin, &query_bin)?;
        }
    }
    for &mb in &args.big_line {
        bench_big_line(&args, mb, &index_bin, &query_bin)?;
    }
    Ok(())
}

/// One line of `bytes` bytes of prose without a heading: the bundled reports' sentences, each
/// checked to start no heading and hold none, nor an inline point (一是), in a fixed
/// pseudo-random order.
fn big_line(bytes: usize) -> anyhow::Result<String> {
    use fazhi_search::classify::TypeRules;
    use fazhi_search::clean::Line;
    use fazhi_search::heading::{parse_heading, point_marker_at};
    use fazhi_search::sections::split_inline_headings;
    let mut sentences = Vec::new();
    for entry in std::fs::read_dir("corpus")? {
        let text = std::fs::read_to_string(entry?.path())?;
        for line in fazhi_search::clean::clean(&text).lines {
            for s in line.text.split_inclusive('。') {
                let one = Line {
                    number: 1,
                    text: s.to_string(),
                };
                let no_point = s
                    .char_indices()
                    .all(|(b, _)| point_marker_at(s, b).is_none());
                if s.ends_with('。')
                    && no_point
                    && parse_heading(s).is_none()
                    && split_inline_headings(&[one], TypeRules::embedded()).len() == 1
                {
                    sentences.push(s.to_string());
                }
            }
        }
    }
    if sentences.is_empty() {
        bail!("no sentences in corpus/: run from the repository's root");
    }
    sentences.sort();
    let mut line = String::with_capacity(bytes + 512);
    let mut pick = 7usize;
    while line.len() < bytes {
        pick = (pick * 31 + 17) % sentences.len();
        line.push_str(&sentences[pick]);
    }
    Ok(line)
}

/// The big-line case: the bundled reports plus `big.txt`, a title and one line of `mb` MB.
fn bench_big_line(
    args: &Args,
    mb: usize,
    index_bin: &Path,
    query_bin: &Path,
) -> anyhow::Result<()> {
    let root = args.dir.join(format!("big-line-{mb}mb"));
    let corpus = root.join("corpus");
    let index = root.join("index");
    if !corpus.is_dir() {
        eprintln!(
            "writing a {mb} MB one-line report into {}",
            corpus.display()
        );
        std::fs::create_dir_all(&corpus)?;
        for entry in std::fs::read_dir("corpus")? {
            let path = entry?.path();
            std::fs::copy(&path, corpus.join(path.file_name().context("a file name")?))?;
        }
        let text = format!(
            "某镇2023年法治政府建设年度报告\n{}\n",
            big_line(mb * 1_000_000)?
        );
        std::fs::write(corpus.join("big.txt"), text)?;
    }
    println!(
        "## Large single sections: one {mb} MB line without headings, beside the five bundled reports\n"
    );
    let _ = std::fs::remove_dir_all(&index);
    eprintln!("indexing the {mb} MB line");
    let build = build_index(index_bin, &corpus, &index)?;
    let engine = Engine::open(&index)?;
    let request = search::parse("法治").map(|query| SearchRequest {
        query,
        filters: Filters::default(),
        limit: None,
        facet_limit: Some(search::DEFAULT_FACET_LIMIT),
    })?;
    let results = engine.search(&request)?;
    let big_sections = results
        .hits
        .iter()
        .filter(|h| h.meta.file == "big.txt")
        .count();
    println!("| step | wall | peak RSS |\n|---|---|---|");
    println!(
        "| index build | {:.1} s | {:.0} MiB |",
        build.wall.as_secs_f64(),
        build.max_rss_kb as f64 / 1024.0
    );
    println!("| parts matching 法治 | {} | |", thousands(big_sections));
    let out = root.join("hits.csv");
    let runs: [(&str, Vec<&str>); 5] = [
        ("`法治 --all` (text, passages)", vec!["法治", "--all"]),
        ("`法治 --all --full`", vec!["法治", "--all", "--full"]),
        ("`法治`, top 10, JSON", vec!["法治", "--format", "json"]),
        ("`kwic 法治`", vec!["kwic", "法治"]),
        ("`法治 --all -o hits.csv`", vec!["法治", "--all", "-o"]),
    ];
    for (name, run_args) in runs {
        let mut cmd = Command::new(query_bin);
        cmd.arg("--index").arg(&index).args(["--color", "never"]);
        if run_args.first() == Some(&"kwic") {
            cmd = Command::new(query_bin);
            cmd.arg("kwic")
                .arg("--index")
                .arg(&index)
                .args(["--color", "never"])
                .args(&run_args[1..]);
        } else {
            cmd.args(&run_args);
        }
        if run_args.last() == Some(&"-o") {
            let _ = std::fs::remove_file(&out);
            cmd.arg(&out);
        }
        let run = run_measured(&mut cmd)?;
        if !run.ok {
            bail!("{name} failed");
        }
        println!(
            "| {name} | {:.2} s | {:.0} MiB |",
            run.wall.as_secs_f64(),
            run.max_rss_kb as f64 / 1024.0
        );
    }
    println!();
    Ok(())
}

/// The nine queries at one size: in process (`--reps` each, and counting only) and per process
/// (`--process-reps` rounds over all of them, with `--before`'s binary taking turns with this
/// one when given); prints their tables and returns their measurements.
fn bench_queries(
    args: &Args,
    engine: &Engine,
    index: &Path,
    query_bin: &Path,
) -> anyhow::Result<Vec<Row>> {
    let mut all = Vec::new();
    let mut all_counts = Vec::new();
    let mut rows = Vec::new();
    for q in &QUERIES {
        let req = request(q, Some(10))?;
        let first = engine.search(&req)?;
        let mut samples = Vec::with_capacity(args.reps);
        for _ in 0..args.reps {
            let t = Instant::now();
            let r = engine.search(&req)?;
            samples.push(t.elapsed());
            std::hint::black_box(r);
        }
        all.extend(samples.iter().copied());
        let [p50, _, p99] = percentiles(samples.clone());
        // The floor: finding the matches, nothing else.
        let mut count_samples = Vec::with_capacity(args.reps);
        for _ in 0..args.reps {
            let t = Instant::now();
            let n = engine.count(&req.query, &req.filters)?;
            count_samples.push(t.elapsed());
            std::hint::black_box(n);
        }
        all_counts.extend(count_samples.iter().copied());
        let [count_p50, _, _] = percentiles(count_samples);
        rows.push(Row {
            query: q,
            sections: first.total_sections,
            reports: first.total_reports,
            p50,
            p99,
            count_p50,
            process: Vec::new(),
            before: Vec::new(),
        });
    }
    // One process per query: start, open, search, facets, print. Run in rounds over all the
    // queries, so that the machine's drift falls on every query alike, and with the floor of
    // any process measured in the same rounds: one that does nothing, and this binary's start.
    // With `--before`, the older binary takes turns with this one on every query, which goes
    // first alternating from round to round.
    let before = args
        .before
        .as_deref()
        .map(|bin| (bin, args.before_index.as_deref().unwrap_or(index)));
    let mut idle = Vec::new();
    let mut start_only = Vec::new();
    for round in 0..args.process_reps {
        idle.push(run_measured(&mut Command::new("true"))?.wall);
        start_only.push(run_measured(Command::new(query_bin).arg("--version"))?.wall);
        for row in &mut rows {
            let mut this = || -> anyhow::Result<()> {
                let run = run_measured(&mut query_process(query_bin, index, row.query))?;
                row.process.push(run.wall);
                Ok(())
            };
            match before {
                Some((bin, before_index)) => {
                    let run = || run_measured(&mut query_process(bin, before_index, row.query));
                    if round % 2 == 0 {
                        this()?;
                        row.before.push(run()?.wall);
                    } else {
                        row.before.push(run()?.wall);
                        this()?;
                    }
                }
                None => this()?,
            }
        }
    }
    let [p50, p95, p99] = percentiles(all);
    let proc_all: Vec<Duration> = rows.iter().flat_map(|r| r.process.clone()).collect();
    let [pp50, pp95, pp99] = percentiles(proc_all);
    println!(
        "| query | filters | sections | reports | in-process p50 | p99 | per process p50 | count only p50 |\n|---|---|---|---|---|---|---|---|"
    );
    for row in &rows {
        println!(
            "| {} `{}` | {} | {} | {} | {} | {} | {} | {} |",
            row.query.name,
            row.query.query,
            row.query.args.join(" "),
            thousands(row.sections),
            thousands(row.reports),
            ms(row.p50),
            ms(row.p99),
            ms(row.process_p50()),
            ms(row.count_p50)
        );
    }
    println!(
        "\nAll queries, top 10 with facet counts over all matches: in-process p50 {} / p95 {} / p99 {}; per process (start + open + search + facets + JSON) p50 {} / p95 {} / p99 {}.\n",
        ms(p50),
        ms(p95),
        ms(p99),
        ms(pp50),
        ms(pp95),
        ms(pp99)
    );
    if let Some((bin, _)) = before {
        println!(
            "Per process, this build and `{}` taking turns ({} rounds):\n\n| query | filters | before p50 | this build p50 | this ÷ before |\n|---|---|---|---|---|",
            bin.display(),
            args.process_reps
        );
        for row in &rows {
            let old = percentiles(row.before.clone())[0];
            println!(
                "| {} `{}` | {} | {} | {} | {:.2} |",
                row.query.name,
                row.query.query,
                row.query.args.join(" "),
                ms(old),
                ms(row.process_p50()),
                row.process_p50().as_secs_f64() / old.as_secs_f64()
            );
        }
        println!();
    }
    println!(
        "The floor — counting the matching sections, without ranking, facets or reading a hit: in-process p50 {} over all queries.\n",
        ms(percentiles(all_counts)[0])
    );
    println!(
        "The floor of a process, in the same rounds: one that does nothing (`true`) p50 {}; `fazhi-query --version` (this binary's start, no index) p50 {}.\n",
        ms(percentiles(idle)[0]),
        ms(percentiles(start_only)[0])
    );
    Ok(rows)
}

/// The exports measured: a common term (about 2.6 hits per report) in every format, and the
/// commonest (in every report, many times), whose memory must not grow with its hits.
const EXPORTS: &[(&str, &[&str])] = &[
    ("普法", &["csv", "jsonl", "xlsx"]),
    ("法治", &["csv", "jsonl"]),
];

/// `fazhi-query TERM --all -o export.FORMAT` as a user runs it, for each of [`EXPORTS`]:
/// passages written per second and the process's peak RSS; with `--before`, the older binary
/// beside this one, the two taking turns.
fn bench_exports(args: &Args, root: &Path, index: &Path, query_bin: &Path) -> anyhow::Result<()> {
    let engine = Engine::open(index)?;
    let mut counts = Vec::new();
    for (query, _) in EXPORTS {
        counts.push(engine.count(&search::parse(query)?, &Filters::default())?);
    }
    drop(engine);
    let mut bins = vec![("this build", query_bin.to_path_buf())];
    if let Some(before) = &args.before {
        bins.push(("before", before.clone()));
    }
    let rounds = args.process_reps.max(1);
    println!(
        "Exports of every hit (`fazhi-query TERM --all -o FILE`, one process each, the binaries taking turns, p50 of {rounds}):\n"
    );
    println!(
        "| term | format | binary | passages | wall | passages/s | CPU time | passages per CPU second | peak RSS | of it anonymous |\n|---|---|---|---|---|---|---|---|---|---|"
    );
    for ((query, formats), passages) in EXPORTS.iter().zip(counts) {
        for format in *formats {
            let out = root.join(format!("export.{format}"));
            let mut runs: Vec<Vec<(Run, i64)>> = bins.iter().map(|_| Vec::new()).collect();
            for _ in 0..rounds {
                for ((_, bin), runs) in bins.iter().zip(&mut runs) {
                    let _ = std::fs::remove_file(&out);
                    let run = run_sampled(
                        Command::new(bin)
                            .arg("--index")
                            .arg(index)
                            .args([query, "--all", "-o"])
                            .arg(&out),
                    )?;
                    if !run.0.ok {
                        bail!("{} failed to export {}", bin.display(), out.display());
                    }
                    runs.push(run);
                }
            }
            let _ = std::fs::remove_file(&out);
            for ((name, _), mut runs) in bins.iter().zip(runs) {
                runs.sort_by_key(|r| r.0.wall);
                let run = &runs[runs.len() / 2].0;
                let peak = runs.iter().map(|r| r.0.max_rss_kb).max().unwrap_or(0);
                let anon = runs.iter().map(|r| r.1).max().unwrap_or(0);
                println!(
                    "| `{query}` | {format} | {name} | {} | {:.2} s | {} | {:.2} s | {} | {:.0} MiB | {:.0} MiB |",
                    thousands(passages),
                    run.wall.as_secs_f64(),
                    thousands((passages as f64 / run.wall.as_secs_f64()) as usize),
                    run.cpu.as_secs_f64(),
                    thousands((passages as f64 / run.cpu.as_secs_f64()) as usize),
                    peak as f64 / 1024.0,
                    anon as f64 / 1024.0
                );
            }
        }
    }
    println!();
    Ok(())
}

/// Copy detection at `n` reports against the generator's ground truth
/// ([`synth::measure_copies`], what `tests/integration/copies.rs` asserts at 300 reports): a
/// corpus of its own, the seed's `n` reports and `n / 10` duplicates of whole reports.
fn bench_copies_truth(args: &Args, n: usize) -> anyhow::Result<()> {
    let root = args.dir.join(format!("{n}-copies"));
    let (corpus, truth) = (root.join("corpus"), root.join("truth"));
    let duplicates = n / 10;
    if !truth.join("duplicates.tsv").is_file() {
        eprintln!(
            "generating {n} reports and {duplicates} duplicates into {}",
            corpus.display()
        );
        let _ = std::fs::remove_dir_all(&root);
        let options = synth::Options {
            duplicates,
            truth: Some(truth.clone()),
        };
        synth::generate_with(Path::new("corpus"), &corpus, n, args.seed, &options)?;
    }
    let start = Instant::now();
    let m = synth::measure_copies(&corpus, &truth)?;
    let took = start.elapsed();
    println!(
        "## Copy detection against the ground truth: {} reports and {} duplicates (seed {})\n",
        thousands(n),
        thousands(duplicates),
        args.seed
    );
    println!(
        "| detection | what is counted | true pairs | found | right | precision | recall |\n|---|---|---|---|---|---|---|"
    );
    for (name, what, p) in [
        (
            "copied sections",
            format!(
                "(section, other report), over {} sections of {} reports",
                thousands(m.sections),
                thousands(m.reports)
            ),
            m.copied,
        ),
        (
            "duplicate reports",
            format!("pairs of files, over {} files", thousands(m.files)),
            m.duplicates,
        ),
    ] {
        println!(
            "| {name} | {what} | {} | {} | {} | {:.4} | {:.4} |",
            thousands(p.truth),
            thousands(p.found),
            thousands(p.right),
            p.precision(),
            p.recall()
        );
    }
    println!("\nMeasured in {:.1} s.\n", took.as_secs_f64());
    Ok(())
}

/// The bench's codebook: 30 concepts of the reports' own vocabulary — single terms, synonyms
/// with OR, exclusions, and concepts looked for in one section type.
const PANEL_CONCEPTS: [(&str, &str, &str); 30] = [
    ("法律顾问", "法律顾问 OR 公职律师", ""),
    ("合法性审查", "合法性审查 OR 合法性审核", ""),
    ("行政复议", "行政复议", ""),
    ("出庭应诉", "行政机关负责人出庭应诉 OR 出庭应诉", ""),
    ("普法", "普法 -培训", ""),
    ("依法治", "依法治", ""),
    ("法治", "法治", ""),
    ("合同", "合同", ""),
    ("行政执法", "行政执法", ""),
    ("执法不足", "行政执法", "shortcomings"),
    ("规范性文件", "规范性文件", ""),
    ("重大决策", "重大决策 OR 重大行政决策", ""),
    ("法律援助", "法律援助", ""),
    ("人民调解", "人民调解 OR 调解", ""),
    ("矛盾纠纷", "矛盾纠纷", ""),
    ("宪法", "宪法", ""),
    ("民法典", "民法典", ""),
    ("培训", "培训 OR 学习", ""),
    ("考核", "考核", ""),
    ("监督", "监督 -执法监督", ""),
    ("执法监督", "执法监督", ""),
    ("信访", "信访", ""),
    ("清单", "权责清单 OR 责任清单", ""),
    ("法治宣传", "法治宣传", ""),
    ("示范", "示范", ""),
    ("队伍", "队伍", "shortcomings"),
    ("意识", "意识 OR 认识", "shortcomings"),
    ("计划普法", "普法", "plans"),
    ("党委", "党委 OR 党政主要负责人", "leadership"),
    ("网格", "网格", ""),
];

/// A panel of 30 concepts over every report: in process (p50 of 3) by report and by
/// town × year, with occurrences once; and `fazhi-query panel` as a user runs it, to CSV and
/// XLSX.
fn bench_panel(root: &Path, index: &Path, query_bin: &Path) -> anyhow::Result<()> {
    let mut tsv = String::from("name\tquery\ttypes\tdescription\n");
    for (name, query, types) in PANEL_CONCEPTS {
        tsv.push_str(&format!("{name}\t{query}\t{types}\t\n"));
    }
    let book_path = root.join("codebook.tsv");
    std::fs::write(&book_path, &tsv)?;
    let book = search::Codebook::read(&book_path)?;
    let engine = Engine::open(index)?;
    let request = |measure, by: &[&str]| search::PanelRequest {
        codebook: book.clone(),
        filters: Filters::default(),
        measure,
        by: by
            .iter()
            .filter_map(|n| search::FacetKey::named(n))
            .collect(),
    };
    println!(
        "A panel of {} concepts (`fazhi-query panel codebook.tsv`, one pass over the index per concept):\n",
        PANEL_CONCEPTS.len()
    );
    println!("| panel | rows | wall |\n|---|---|---|");
    for (name, measure, by, reps) in [
        (
            "by report, matching sections, in process (p50 of 3)",
            search::Measure::Sections,
            &[][..],
            3,
        ),
        (
            "by town × year, in process (p50 of 3)",
            search::Measure::Sections,
            &["town", "year"][..],
            3,
        ),
        (
            "by report, occurrences, in process",
            search::Measure::Occurrences,
            &[][..],
            1,
        ),
    ] {
        let req = request(measure, by);
        let mut samples = Vec::new();
        let mut rows = 0;
        for _ in 0..reps {
            let t = Instant::now();
            let panel = export::panel::compute(&engine, &req)?;
            samples.push(t.elapsed());
            rows = if by.is_empty() {
                panel.reports.len()
            } else {
                panel.units.len()
            };
        }
        println!(
            "| {name} | {} | {} |",
            thousands(rows),
            ms(percentiles(samples)[0])
        );
    }
    drop(engine);
    for format in ["csv", "xlsx"] {
        let out = root.join(format!("panel.{format}"));
        let mut runs = Vec::new();
        for _ in 0..3 {
            let run = run_measured(
                Command::new(query_bin)
                    .arg("panel")
                    .arg(&book_path)
                    .arg("--index")
                    .arg(index)
                    .arg("-o")
                    .arg(&out),
            )?;
            if !run.ok {
                bail!("fazhi-query panel failed to write {}", out.display());
            }
            runs.push(run);
        }
        let _ = std::fs::remove_file(&out);
        runs.sort_by_key(|r| r.wall);
        let run = &runs[runs.len() / 2];
        println!(
            "| `fazhi-query panel codebook.tsv -o panel.{format}`, one process (p50 of 3) | — | {} |",
            ms(run.wall)
        );
    }
    println!();
    Ok(())
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines().next().map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<u64>()
                    .unwrap_or(0)
            })
        })
        .unwrap_or(0);
    format!(
        "Machine: {cpu}, {cores} cores, {:.0} GiB memory.",
        mem as f64 / 1024.0 / 1024.0
    )
}

/// Wall time, CPU time and peak memory of a child process.
struct Run {
    wall: Duration,
    cpu: Duration,
    max_rss_kb: i64,
    ok: bool,
}

/// `fazhi-index` over `corpus` into `index`, measured; an error when it fails.
fn build_index(index_bin: &Path, corpus: &Path, index: &Path) -> anyhow::Result<Run> {
    let build = run_measured(
        Command::new(index_bin)
            .arg("--corpus")
            .arg(corpus)
            .arg("--index")
            .arg(index)
            .arg("--quiet"),
    )?;
    if !build.ok {
        bail!("fazhi-index failed on {}", corpus.display());
    }
    Ok(build)
}

fn run_measured(cmd: &mut Command) -> anyhow::Result<Run> {
    let start = Instant::now();
    let child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills in; the pid is our own child's.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let wall = start.elapsed();
    if pid < 0 {
        bail!("wait4 failed: {}", std::io::Error::last_os_error());
    }
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    Ok(Run {
        wall,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        max_rss_kb: usage.ru_maxrss,
        ok: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) <= 1,
    })
}

/// [`run_measured`], also sampling the child's anonymous memory (`RssAnon` of
/// `/proc/PID/status`) every 5 ms; returns its peak in KiB. Its RSS counts besides the pages of
/// the index it has mapped, which grow with the index and which the kernel may take back at any
/// time; the anonymous memory is what the process holds itself.
fn run_sampled(cmd: &mut Command) -> anyhow::Result<(Run, i64)> {
    let start = Instant::now();
    let child = cmd.stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
    let id = child.id() as libc::pid_t;
    let status_file = format!("/proc/{id}/status");
    let mut status = 0;
    // SAFETY: rusage is plain data that wait4 fills in; the pid is our own child's.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut peak_anon = 0;
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_file) {
            let anon = text
                .lines()
                .find_map(|l| l.strip_prefix("RssAnon:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<i64>().ok());
            peak_anon = peak_anon.max(anon.unwrap_or(0));
        }
        let pid = unsafe { libc::wait4(id, &mut status, libc::WNOHANG, &mut usage) };
        if pid < 0 {
            bail!("wait4 failed: {}", std::io::Error::last_os_error());
        }
        if pid == id {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let wall = start.elapsed();
    let tv = |t: libc::timeval| {
        Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64)
    };
    let run = Run {
        wall,
        cpu: tv(usage.ru_utime) + tv(usage.ru_stime),
        max_rss_kb: usage.ru_maxrss,
        ok: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) <= 1,
    };
    Ok((run, peak_anon))
}

/// One query process as a user runs it: top 10 with facet counts, as JSON.
fn query_process(query_bin: &Path, index: &Path, q: &BenchQuery) -> Command {
    let mut cmd = Command::new(query_bin);
    cmd.arg("--index")
        .arg(index)
        .args(["--format", "json", "--limit", "10"])
        .args(q.args)
        .arg("--")
        .arg(q.query);
    cmd
}

fn dir_bytes(dir: &Path) -> u64 {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

fn percentiles(mut samples: Vec<Duration>) -> [Duration; 3] {
    samples.sort();
    let at = |p: f64| samples[((samples.len() as f64 - 1.0) * p).round() as usize];
    [at(0.50), at(0.95), at(0.99)]
}

/// `52493` as `52,493`, as BENCHMARKS.md writes counts.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

fn request(q: &BenchQuery, limit: Option<usize>) -> anyhow::Result<SearchRequest> {
    let mut filters = Filters::default();
    for pair in q.args.chunks(2) {
        // A facet's option, as the command line takes it (index_schema/facets.tsv).
        let facet = pair[0].strip_prefix("--").and_then(search::FacetKey::named);
        match (facet, pair) {
            (Some(facet), [_, v]) => filters.add(facet, v)?,
            _ => bail!("unknown bench filter {pair:?}"),
        }
    }
    Ok(SearchRequest {
        query: search::parse(q.query)?,
        filters,
        limit,
        facet_limit: Some(search::DEFAULT_FACET_LIMIT),
    })
}

fn bench_size(args: &Args, n: usize, index_bin: &Path, query_bin: &Path) -> anyhow::Result<()> {
    let root = args.dir.join(n.to_string());
    let corpus = root.join("corpus");
    let index = root.join("index");
    if !corpus.is_dir() {
        eprintln!("generating {n} reports into {}", corpus.display());
        synth::generate(Path::new("corpus"), &corpus, n, args.seed)?;
    }
    let raw = dir_bytes(&corpus);
    let files: Vec<PathBuf> = {
        let mut f: Vec<PathBuf> = std::fs::read_dir(&corpus)?
            .flatten()
            .map(|e| e.path())
            .collect();
        f.sort();
        f
    };
    println!(
        "## {} reports ({:.0} MB of text)\n",
        thousands(n),
        raw as f64 / 1e6
    );
    if args.exports_only || args.queries_only || args.panel_only {
        if !index.join("meta.json").is_file() {
            eprintln!("indexing {n} reports");
            build_index(index_bin, &corpus, &index)?;
        }
        if args.panel_only {
            return bench_panel(&root, &index, query_bin);
        }
        if args.queries_only {
            return bench_queries(args, &Engine::open(&index)?, &index, query_bin).map(|_| ());
        }
        return bench_exports(args, &root, &index, query_bin);
    }

    // Index build.
    let _ = std::fs::remove_dir_all(&index);
    eprintln!("indexing {n} reports");
    let build = build_index(index_bin, &corpus, &index)?;
    let index_bytes = dir_bytes(&index);
    let mbps = raw as f64 / 1e6 / build.wall.as_secs_f64();

    // Re-index after changing 1% of the files.
    let changed: Vec<(PathBuf, String)> = files
        .iter()
        .step_by(100)
        .filter_map(|p| std::fs::read_to_string(p).ok().map(|t| (p.clone(), t)))
        .collect();
    for (p, t) in &changed {
        std::fs::write(p, format!("{t}\n补充说明：本报告已更新。\n"))?;
    }
    let reindex = build_index(index_bin, &corpus, &index)?;
    for (p, t) in &changed {
        std::fs::write(p, t)?;
    }
    let restore = build_index(index_bin, &corpus, &index)?;

    println!("| build | value |\n|---|---|");
    println!(
        "| index build, wall | {:.1} s ({mbps:.1} MB/s) |",
        build.wall.as_secs_f64()
    );
    println!(
        "| CPU cores busy (CPU time / wall) | {:.2} |",
        build.cpu.as_secs_f64() / build.wall.as_secs_f64()
    );
    println!(
        "| peak RSS of the build | {:.0} MiB |",
        build.max_rss_kb as f64 / 1024.0
    );
    println!(
        "| index size / raw text | {:.0} MB / {:.0} MB = {:.2} |",
        index_bytes as f64 / 1e6,
        raw as f64 / 1e6,
        index_bytes as f64 / raw as f64
    );
    println!(
        "| re-index after changing {} files (1%) | {:.1} s = {:.0}% of a full build |",
        thousands(changed.len()),
        reindex.wall.as_secs_f64(),
        100.0 * reindex.wall.as_secs_f64() / build.wall.as_secs_f64()
    );
    println!(
        "| re-index, nothing changed (fingerprints only) | {:.1} s |\n",
        restore.wall.as_secs_f64().min(reindex.wall.as_secs_f64())
    );

    let engine = Engine::open(&index)?;
    println!("{}\n", space_breakdown(&engine, raw)?);
    let rows = bench_queries(args, &engine, &index, query_bin)?;

    // Export of 10,000 passages.
    let req = request(&QUERIES[4], Some(10_000))?;
    let t = Instant::now();
    let results = engine.search(&req)?;
    let render = RenderOptions {
        format: Format::Csv,
        passage: PassageOptions::default(),
        color: false,
        query: QUERIES[4].query.into(),
        filters: String::new(),
        terms: vec![QUERIES[4].query.into()],
        lang: Default::default(),
        width: None,
    };
    export::write(&mut std::io::sink(), &results, &render)?;
    println!(
        "Export of {} passages of `{}` to CSV, in process (search + read + passages + CSV): {}.\n",
        thousands(results.hits.len()),
        QUERIES[4].query,
        ms(t.elapsed())
    );

    bench_exports(args, &root, &index, query_bin)?;
    bench_panel(&root, &index, query_bin)?;

    // Recall, and the alternatives.
    let texts: Vec<(String, String)> = files
        .iter()
        .filter_map(|p| {
            let name = p.file_name()?.to_string_lossy().into_owned();
            Some((name, normalize(&std::fs::read_to_string(p).ok()?)))
        })
        .collect();
    let single: Vec<&BenchQuery> = QUERIES
        .iter()
        .filter(|q| q.args.is_empty() && !q.query.contains(' '))
        .collect();
    let oracle = |term: &str| -> HashSet<String> {
        let needle = normalize(term);
        texts
            .iter()
            .filter(|(_, t)| t.contains(&needle))
            .map(|(n, _)| n.clone())
            .collect()
    };
    println!(
        "| term | files containing it | fazhi-search recall, per process p50 (taking turns with ripgrep) | ripgrep recall, per process p50 | ripgrep ÷ fazhi-search | fazhi-search straight after ripgrep, p50 and ratio | SQLite FTS5 trigram recall, in-process p50 |\n|---|---|---|---|---|---|---|"
    );
    let rg = (!args.no_alternatives && Command::new("rg").arg("--version").output().is_ok())
        .then_some(());
    let sqlite = if args.no_alternatives {
        None
    } else {
        fts5_build(&root, &corpus).ok()
    };
    let mut ratios = Vec::new();
    let mut cold_ratios = Vec::new();
    for q in &single {
        let want = oracle(q.query);
        let keys: HashSet<u64> = want.iter().map(|f| report_key(f)).collect();
        let req = request(q, Some(0))?;
        let got = engine.report_keys(&req.query, &req.filters)?;
        let mut ours_p50 = rows
            .iter()
            .find(|r| std::ptr::eq(r.query, *q))
            .map(Row::process_p50)
            .context("every single-term query was run per process")?;
        let mut ratio_cell = "—".to_string();
        let mut cold_cell = "—".to_string();
        let mut after_rg = Vec::new();
        let rg_cell = match rg {
            Some(()) => {
                // ripgrep and fazhi-search take turns round by round, so that the machine's
                // drift (half its speed within an hour) falls on both alike. Each measured
                // run follows a run of the same command, as hyperfine's warm-up does; the
                // first fazhi-search run of a round, straight after ripgrep read every file,
                // is kept apart: it finds the CPU caches full of ripgrep's data.
                let mut times = Vec::new();
                let mut ours_times = Vec::new();
                let mut found = HashSet::new();
                for round in 0..args.process_reps {
                    let first = run_measured(&mut query_process(query_bin, &index, q))?.wall;
                    if round > 0 {
                        after_rg.push(first);
                    }
                    ours_times.push(run_measured(&mut query_process(query_bin, &index, q))?.wall);
                    let rg_run = || {
                        Command::new("rg")
                            .args(["-l", "-F", "--no-messages", q.query])
                            .arg(&corpus)
                            .output()
                    };
                    rg_run()?;
                    let t = Instant::now();
                    let out = rg_run()?;
                    times.push(t.elapsed());
                    found = String::from_utf8_lossy(&out.stdout)
                        .lines()
                        .filter_map(|l| {
                            Path::new(l)
                                .file_name()
                                .map(|n| n.to_string_lossy().into_owned())
                        })
                        .collect();
                }
                ours_p50 = percentiles(ours_times)[0];
                let rg_p50 = percentiles(times)[0];
                let ratio = rg_p50.as_secs_f64() / ours_p50.as_secs_f64();
                ratios.push(ratio);
                ratio_cell = format!("{ratio:.1}×");
                if !after_rg.is_empty() {
                    let cold_p50 = percentiles(std::mem::take(&mut after_rg))[0];
                    let cold_ratio = rg_p50.as_secs_f64() / cold_p50.as_secs_f64();
                    cold_ratios.push(cold_ratio);
                    cold_cell = format!("{}, {cold_ratio:.1}×", ms(cold_p50));
                }
                format!(
                    "{}, {}",
                    recall(want.intersection(&found).count(), want.len()),
                    ms(rg_p50)
                )
            }
            None => "ripgrep not installed".into(),
        };
        let fts_cell = match &sqlite {
            Some((db, _)) => match fts5_query(db, q.query, args.process_reps) {
                Ok((found, p50)) => format!(
                    "{}, {}",
                    recall(want.intersection(&found).count(), want.len()),
                    ms(p50)
                ),
                Err(e) => format!("error: {e}"),
            },
            None => "not run".into(),
        };
        let ours = format!(
            "{}{}, {}",
            recall(keys.intersection(&got).count(), want.len()),
            exact_note(got.len(), keys.len()),
            ms(ours_p50)
        );
        println!(
            "| `{}` | {} | {ours} | {rg_cell} | {ratio_cell} | {cold_cell} | {fts_cell} |",
            q.query,
            thousands(want.len())
        );
    }
    if !ratios.is_empty() {
        ratios.sort_by(f64::total_cmp);
        cold_ratios.sort_by(f64::total_cmp);
        println!(
            "\nPer process, on the same files and terms, the two taking turns (each measured run after a warm-up run of its own), fazhi-search is {:.1}× faster than ripgrep at the median term ({:.1}× to {:.1}×); run straight after ripgrep, {:.1}× ({:.1}× to {:.1}×).",
            ratios[ratios.len() / 2],
            ratios[0],
            ratios[ratios.len() - 1],
            cold_ratios.get(cold_ratios.len() / 2).unwrap_or(&f64::NAN),
            cold_ratios.first().unwrap_or(&f64::NAN),
            cold_ratios.last().unwrap_or(&f64::NAN)
        );
    }
    if let Some((db, build_time)) = &sqlite {
        let db_bytes = std::fs::metadata(db).map_or(0, |m| m.len());
        println!(
            "\nSQLite FTS5 trigram build (python3 sqlite3, one row per file): {:.1} s, a database {:.2}× the raw text; fazhi-search build: {:.1} s ({:.1}× the speed of FTS5's), an index {:.2}× the raw text.\n",
            build_time.as_secs_f64(),
            db_bytes as f64 / raw as f64,
            build.wall.as_secs_f64(),
            build_time.as_secs_f64() / build.wall.as_secs_f64(),
            index_bytes as f64 / raw as f64
        );
    }
    let floor = build_floor(&files, &root.join("floor-index"))?;
    let share = |n: u64| 100.0 * n as f64 / raw as f64;
    println!(
        "The least a build of this design does, measured apart on the same files (2 threads each): reading and parsing into sections {:.1} s; then, from sections already parsed and normalised, only the three parts the design cannot do without — the exact-match pairs, the jieba words and the section text to show — {:.1} s, {:.0}% of the raw text (pairs {:.0}%, words {:.0}%, stored text {:.0}%). No report metadata, facet or bookkeeping column is in it.\n",
        floor.parse.as_secs_f64(),
        floor.index.as_secs_f64(),
        share(floor.pairs_bytes + floor.words_bytes + floor.store_bytes),
        share(floor.pairs_bytes),
        share(floor.words_bytes),
        share(floor.store_bytes),
    );
    Ok(())
}

/// What the unavoidable parts of a build cost on their own.
struct BuildFloor {
    /// Reading every file and parsing it into sections.
    parse: Duration,
    /// Indexing only the character pairs (with positions) and jieba words of those sections,
    /// and storing their text.
    index: Duration,
    pairs_bytes: u64,
    words_bytes: u64,
    store_bytes: u64,
}

fn build_floor(files: &[PathBuf], dir: &Path) -> anyhow::Result<BuildFloor> {
    use fazhi_search::index::{self, schema, tokenizer};
    use fazhi_search::ingest::Hints;
    use fazhi_search::report;

    let t = Instant::now();
    let halves: Vec<&[PathBuf]> = files.chunks(files.len().div_ceil(2).max(1)).collect();
    let sections: Vec<(String, String)> = std::thread::scope(|scope| {
        let workers: Vec<_> = halves
            .iter()
            .map(|part| {
                scope.spawn(move || {
                    let mut out = Vec::new();
                    for path in *part {
                        let Ok(text) = std::fs::read_to_string(path) else {
                            continue;
                        };
                        let name = path.to_string_lossy();
                        for section in report::parse(&name, &text, &Hints::default()).sections {
                            let normalized = normalize(&section.text);
                            out.push((section.text, normalized));
                        }
                    }
                    out
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap_or_default())
            .collect()
    });
    let parse = t.elapsed();

    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir)?;
    // The index's own field kinds and settings, for three of its fields only.
    let specs: Vec<schema::FieldSpec> = schema::field_specs()
        .iter()
        .filter(|f| ["text", "text_bigrams", "text_words"].contains(&f.name.as_str()))
        .cloned()
        .collect();
    let schema = schema::build_schema(&specs);
    let field = |name| schema.get_field(name);
    let (text, pairs, words) = (field("text")?, field("text_bigrams")?, field("text_words")?);
    let index = tantivy::Index::builder()
        .schema(schema.clone())
        .settings(index::settings())
        .create_in_dir(dir)?;
    index
        .tokenizers()
        .register(tokenizer::BIGRAMS, tokenizer::ChineseBigramTokenizer);
    index
        .tokenizers()
        .register(tokenizer::WORDS, tokenizer::ChineseWordTokenizer);
    let t = Instant::now();
    let mut writer = index.writer_with_num_threads(2, 512 << 20)?;
    for (as_written, normalized) in &sections {
        writer.add_document(tantivy::doc!(
            text => as_written.as_str(),
            pairs => normalized.as_str(),
            words => normalized.as_str()
        ))?;
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    let elapsed = t.elapsed();
    let usage = index.reader()?.searcher().space_usage()?;
    let mut field_bytes = std::collections::HashMap::new();
    let mut store_bytes = 0;
    for segment in usage.segments() {
        for part in [segment.termdict(), segment.postings(), segment.positions()] {
            for f in part.fields() {
                *field_bytes
                    .entry(f.field_name().to_string())
                    .or_insert(0u64) += f.total().get_bytes();
            }
        }
        store_bytes += segment.store().total().get_bytes();
    }
    std::fs::remove_dir_all(dir)?;
    let bytes = |name: &str| field_bytes.get(name).copied().unwrap_or(0);
    Ok(BuildFloor {
        parse,
        index: elapsed,
        pairs_bytes: bytes("text_bigrams"),
        words_bytes: bytes("text_words"),
        store_bytes,
    })
}

/// Where the index's bytes go, per field, as a share of the raw text.
fn space_breakdown(engine: &Engine, raw: u64) -> anyhow::Result<String> {
    let usage = engine.searcher().space_usage()?;
    let mut per_field: std::collections::BTreeMap<String, u64> = std::collections::BTreeMap::new();
    let mut store = 0u64;
    for segment in usage.segments() {
        for part in [
            segment.termdict(),
            segment.postings(),
            segment.positions(),
            segment.fast_fields(),
            segment.fieldnorms(),
        ] {
            for field in part.fields() {
                *per_field.entry(field.field_name().to_string()).or_default() +=
                    field.total().get_bytes();
            }
        }
        store += segment.store().total().get_bytes();
    }
    let mut parts: Vec<(String, u64)> = per_field.into_iter().collect();
    parts.push(("stored documents (LZ4)".into(), store));
    parts.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
    let share = |n: u64| format!("{:.0}%", 100.0 * n as f64 / raw as f64);
    let cells: Vec<String> = parts
        .iter()
        .filter(|(_, n)| *n * 100 >= raw)
        .map(|(f, n)| format!("{f} {}", share(*n)))
        .collect();
    Ok(format!(
        "Index size by part, as a share of the raw text: {}.",
        cells.join(", ")
    ))
}

fn recall(found: usize, want: usize) -> String {
    if want == 0 {
        return "—".into();
    }
    format!("{:.1}%", 100.0 * found as f64 / want as f64)
}

fn exact_note(got: usize, want: usize) -> String {
    if got == want {
        String::new()
    } else {
        format!(" ({got} found)")
    }
}

const FTS5_BUILD: &str = r#"
import sqlite3, sys, os, time
db, corpus = sys.argv[1], sys.argv[2]
if os.path.exists(db): os.remove(db)
t = time.time()
con = sqlite3.connect(db)
con.execute("CREATE VIRTUAL TABLE docs USING fts5(name UNINDEXED, body, tokenize='trigram')")
for name in sorted(os.listdir(corpus)):
    with open(os.path.join(corpus, name), encoding='utf-8') as f:
        con.execute("INSERT INTO docs VALUES (?, ?)", (name, f.read()))
con.commit()
print(time.time() - t)
"#;

const FTS5_QUERY: &str = r#"
import sqlite3, sys, time
db, term, reps = sys.argv[1], sys.argv[2], int(sys.argv[3])
con = sqlite3.connect(db)
times = []
for _ in range(reps):
    t = time.time()
    # The trigram index answers 3 or more characters; for shorter terms its MATCH and LIKE
    # return no rows (SQLite's documented limit), so a user who wants every file falls back to
    # scanning every row with instr(): same recall as the others, at the cost of a full scan.
    if len(term) >= 3:
        rows = con.execute("SELECT name FROM docs WHERE docs MATCH ?", ('"' + term.replace('"', '""') + '"',)).fetchall()
    else:
        rows = con.execute("SELECT name FROM docs WHERE instr(body, ?) > 0", (term,)).fetchall()
    times.append(time.time() - t)
times.sort()
print(times[len(times) // 2])
for (name,) in rows: print(name)
"#;

fn fts5_build(root: &Path, corpus: &Path) -> anyhow::Result<(PathBuf, Duration)> {
    let db = root.join("fts5.db");
    eprintln!("building the SQLite FTS5 trigram index");
    let out = Command::new("python3")
        .args(["-c", FTS5_BUILD])
        .arg(&db)
        .arg(corpus)
        .output()?;
    if !out.status.success() {
        bail!("{}", String::from_utf8_lossy(&out.stderr));
    }
    let secs: f64 = String::from_utf8_lossy(&out.stdout).trim().parse()?;
    Ok((db, Duration::from_secs_f64(secs)))
}

fn fts5_query(db: &Path, term: &str, reps: usize) -> anyhow::Result<(HashSet<String>, Duration)> {
    let out = Command::new("python3")
        .args(["-c", FTS5_QUERY])
        .arg(db)
        .arg(term)
        .arg(reps.to_string())
        .output()?;
    if !out.status.success() {
        bail!("{}", String::from_utf8_lossy(&out.stderr));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    let p50: f64 = lines.next().unwrap_or("0").parse()?;
    Ok((
        lines.map(String::from).collect(),
        Duration::from_secs_f64(p50),
    ))
}
