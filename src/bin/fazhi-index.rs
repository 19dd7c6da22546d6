//! fazhi-index: build or update the index of a corpus of reports; or verify it (`--check`),
//! show what indexing makes of one file (`--explain`), write every section as JSON lines
//! (`--emit`).
//!
//! Exit codes: 0 the index is up to date (files that could not be read are listed as warnings),
//! or the file was explained; 2 an error, or a corpus in which no report could be indexed.
//! With `--check`: 0 the index is sound, 2 it is damaged (each damaged file named) or
//! missing. The command lives in the library ([`fazhi_search::cli::indexer`]): this parses and
//! runs it.

use std::process::ExitCode;

use fazhi_search::cli::indexer;

fn main() -> ExitCode {
    match indexer::parse(std::env::args_os()) {
        Ok(args) => indexer::run(args),
        Err(code) => code,
    }
}
