//! Makes a synthetic corpus of realistic reports from the bundled ones, for benchmarks:
//!
//! ```sh
//! cargo run --release --example gen_corpus -- --reports 20000 --seed 1 --out bench-data/20k
//! ```
//!
//! Real towns from the gazetteer, years 2018–2025, sections recombined and renumbered, numbers
//! varied; the same seed always gives the same files.
//!
//! `--truth DIR` writes down what was copied from where (`copies.tsv`, `duplicates.tsv`: see
//! `fazhi_search::synth::generate_with`); `--duplicates N` adds N copies of whole reports (the
//! same file renamed, saved as HTML in a site's chrome, re-crawled with a header), leaving the
//! seed's reports as they are.

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use fazhi_search::synth;

#[derive(Parser)]
struct Args {
    /// How many reports to make.
    #[arg(long, default_value_t = 1000)]
    reports: usize,
    /// The random seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The folder to write them to (created).
    #[arg(long)]
    out: PathBuf,
    /// The reports to draw sections from.
    #[arg(long, default_value = "corpus")]
    from: PathBuf,
    /// Copies of whole reports to add besides the reports.
    #[arg(long, default_value_t = 0)]
    duplicates: usize,
    /// The folder to write the ground truth to (not inside --out: it would be indexed).
    #[arg(long)]
    truth: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let options = synth::Options {
        duplicates: args.duplicates,
        truth: args.truth.clone(),
    };
    let bytes = synth::generate_with(&args.from, &args.out, args.reports, args.seed, &options)
        .with_context(|| format!("generating {} reports", args.reports))?;
    println!(
        "wrote {} reports and {} duplicates ({:.1} MB) to {}",
        args.reports,
        args.duplicates,
        bytes as f64 / 1e6,
        args.out.display()
    );
    Ok(())
}
