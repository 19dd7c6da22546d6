//! What the integrity check costs a query: opening an index compares its seal with the files
//! (`check::ensure_sound`); a full verification (`check::verify`, what `fazhi-index --check`
//! and a changed index cost) reads every byte. Prints the median of each over some rounds.
//!
//! ```sh
//! cargo run --release --example seal_cost -- index 200
//! ```

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use fazhi_search::index::check;

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let index = PathBuf::from(args.next().unwrap_or_else(|| "index".into()));
    let rounds: usize = args
        .next()
        .map(|n| n.parse())
        .transpose()
        .context("ROUNDS is a number")?
        .unwrap_or(200)
        .max(1);
    let mut sealed = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = Instant::now();
        check::ensure_sound(&index)?;
        sealed.push(start.elapsed());
    }
    let full_rounds = rounds.min(20);
    let mut full = Vec::with_capacity(full_rounds);
    let mut files = 0;
    for _ in 0..full_rounds {
        let start = Instant::now();
        files = check::verify(&index)?.files;
        full.push(start.elapsed());
    }
    let bytes: u64 = std::fs::read_dir(&index)?
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!(
        "{}: {} files, {:.1} MB; seal check {:.1} µs (median of {rounds}); full verification \
         {:.2} ms ({files} files, median of {full_rounds})",
        index.display(),
        std::fs::read_dir(&index)?.count(),
        bytes as f64 / 1e6,
        median(sealed).as_secs_f64() * 1e6,
        median(full).as_secs_f64() * 1e3,
    );
    Ok(())
}
