//! fazhi-query: search the indexed reports (`search`, the default), count matches by group
//! (`stats`), list every occurrence in context (`kwic`), serve the search page (`serve`),
//! read one report (`show`), code every report by a codebook (`panel`).
//!
//! Exit codes: 0 something matched, 1 nothing matched, 2 an error (a malformed
//! query, a missing or outdated index, an unwritable output file). A closed pipe (`| head`)
//! is not an error. The commands live in the library ([`fazhi_search::cli`]): this parses and
//! dispatches.

use std::process::ExitCode;

use fazhi_search::cli::{self, Command};

fn main() -> ExitCode {
    let parsed = match cli::parse(std::env::args_os()) {
        Ok(parsed) => parsed,
        Err(code) => return code,
    };
    let (lang, rebuild) = (parsed.lang, parsed.command.rebuild());
    let outcome = match parsed.command {
        Command::Search(args) => cli::search(args, lang),
        Command::Stats(args) => cli::stats(args, lang),
        Command::Kwic(args) => cli::kwic(args, lang),
        Command::Serve(args) => cli::serve(args, lang),
        Command::Show(args) => cli::show(args, lang),
        Command::Panel(args) => cli::panel(args, lang),
        Command::Copies(args) => cli::copies(args, lang),
    };
    cli::exit(outcome, lang, &rebuild)
}
