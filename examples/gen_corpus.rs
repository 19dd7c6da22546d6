//! Makes a synthetic corpus of realistic reports from the bundled ones, for benchmarks:
//!
//! ```sh
//! cargo run --release --example gen_corpus -- --reports 20000 --seed 1 --out bench-data/20k
//! ```
//!
//! Real towns from the gazetteer, years 2018–2025, sections recombined and renumbered, numbers
//! varied; the same seed always gives the same files.

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
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bytes = synth::generate(&args.from, &args.out, args.reports, args.seed)
        .with_context(|| format!("generating {} reports", args.reports))?;
    println!(
        "wrote {} reports ({:.1} MB) to {}",
        args.reports,
        bytes as f64 / 1e6,
        args.out.display()
    );
    Ok(())
}
