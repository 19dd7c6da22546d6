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
    // The server keeps its freed memory for the next request, as the allocator decides.
    if !matches!(parsed.command, Command::Serve(_)) {
        give_back_freed_memory();
    }
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

/// Makes the allocator give memory back to the system once 1 MiB is free at the top of a heap,
/// and allocate blocks of 128 KiB or more on their own. By default glibc raises both limits
/// after a large block is freed (up to 32 and 64 MiB), so an export that frees a chunk of
/// matches (21 MiB) keeps what each search thread's heap freed after it: an export of 1.2
/// million passages held 67 MiB of its own instead of 36. Called before any thread starts
/// (mallopt is not safe against threads allocating).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn give_back_freed_memory() {
    // SAFETY: mallopt only sets an allocator parameter, and no other thread exists yet.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, 1 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn give_back_freed_memory() {}
