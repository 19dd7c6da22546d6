//! The command line before clap reads it: `-培训` is an exclusion, not an option; a command may
//! be left out (`fazhi-query 法律顾问` searches) or come after options; a mistyped command is
//! an error, not a search for its name.

use std::ffi::OsString;

use super::args::{Cli, SUBCOMMANDS};
use crate::lang::Lang;
use crate::search;

/// `-培训` and `-(普法 OR 宣传)` are exclusions, not options: no option starts with anything but an
/// ASCII letter or a second dash, so such an argument becomes `NOT` and the term, in place.
pub(super) fn exclusions_as_not(args: impl Iterator<Item = OsString>) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut after_separator = false;
    for arg in args {
        let text = arg.to_string_lossy();
        let second = text.chars().nth(1);
        let is_exclusion = !after_separator
            && text.starts_with('-')
            && second.is_some_and(|c| !c.is_ascii_alphanumeric() && c != '-');
        after_separator |= text == "--";
        if is_exclusion {
            out.push("NOT".into());
            out.push(text[1..].to_string().into());
        } else {
            out.push(arg);
        }
    }
    out
}

/// `fazhi-query 法律顾问` means `fazhi-query search 法律顾问`: arguments that name no command
/// (and ask for no help or version) get `search` put before them. A command named after options
/// (`fazhi-query --index i stats 法律顾问`) is moved before them, so that it runs as that command
/// rather than as a search for the word "stats".
pub(super) fn default_command(mut args: Vec<OsString>) -> Vec<OsString> {
    const TOP: [&str; 4] = ["-h", "--help", "-V", "--version"];
    let word = first_word(&args);
    // `help [COMMAND]` wherever the options stand, as `COMMAND --help` (clap's own help
    // command takes no option: `help copies --lang en` was refused).
    if let Some(at) = word.filter(|&at| args[at] == "help") {
        // `help help` is the help, as clap's own help command has it.
        while args.get(at).is_some_and(|a| a == "help") {
            args.remove(at);
        }
        let named = args
            .get(at)
            .is_some_and(|a| SUBCOMMANDS.contains(&a.to_string_lossy().as_ref()));
        args.insert(1.min(args.len()), "--help".into());
        if named {
            let command = args.remove(at + 1);
            args.insert(1, command);
        }
        return args;
    }
    let first = args.get(1).map(|a| a.to_string_lossy().into_owned());
    let names_command = first
        .as_deref()
        .is_some_and(|a| SUBCOMMANDS.contains(&a) || TOP.contains(&a));
    // Help or the version asked for among the options before any word (`--lang en --version`).
    let asks_top = args[1.min(args.len())..word.unwrap_or(args.len())]
        .iter()
        .any(|a| TOP.contains(&a.to_string_lossy().as_ref()));
    if names_command || asks_top {
        return args;
    }
    if let Some(at) = command_after_options(&args) {
        let command = args.remove(at);
        args.insert(1, command);
        return args;
    }
    args.insert(1.min(args.len()), "search".into());
    args
}

/// Where the first word that is not an option or an option's value is, when it names a command.
fn command_after_options(args: &[OsString]) -> Option<usize> {
    let at = first_word(args)?;
    let word = args[at].to_string_lossy();
    let command = SUBCOMMANDS.contains(&word.as_ref()) && word != "help";
    command.then_some(at)
}

/// Where the first word that is not an option or an option's value is (none after `--`).
fn first_word(args: &[OsString]) -> Option<usize> {
    use clap::CommandFactory;
    let cli = Cli::command();
    // Options are read as the commands declare them (and the global ones, `--lang`, as the
    // program does): one that takes a value skips the next word.
    let takes_value = |option: &str| {
        let commands = std::iter::once(&cli).chain(cli.get_subcommands());
        commands.into_iter().any(|command| {
            command.get_arguments().any(|arg| {
                let named = match option.strip_prefix("--") {
                    Some(long) => arg.get_long() == Some(long),
                    None => {
                        option.strip_prefix('-').and_then(|s| s.chars().next()) == arg.get_short()
                            && option.chars().count() == 2
                    }
                };
                named && arg.get_action().takes_values()
            })
        })
    };
    let mut at = 1;
    while at < args.len() {
        let word = args[at].to_string_lossy();
        if word == "--" {
            return None;
        }
        if !word.starts_with('-') || word.len() == 1 {
            return Some(at);
        }
        at += if !word.contains('=') && takes_value(&word) {
            2
        } else {
            1
        };
    }
    None
}

/// `fazhi-query sats`: an ASCII word a letter or two from a command is a typo, not a search
/// (a Chinese word is always a search).
pub(super) fn mistyped_command(args: &[OsString], lang: Lang) -> Option<String> {
    let first = args.get(first_word(args)?)?.to_str()?;
    if SUBCOMMANDS.contains(&first) {
        return None;
    }
    let name = search::did_you_mean(first, &SUBCOMMANDS)?;
    Some(lang.fill("err.mistyped_command", &[("word", first), ("name", name)]))
}

/// The language of the command line before it is parsed (`--lang en`, `--lang=en`), else
/// FAZHI_LANG's, else Chinese: for the messages of a command line that does not parse.
pub(super) fn lang_of_args(args: &[OsString]) -> Lang {
    let words: Vec<&str> = args.iter().filter_map(|a| a.to_str()).collect();
    let given = words.iter().enumerate().find_map(|(i, word)| match *word {
        "--lang" => words.get(i + 1).copied(),
        _ => word.strip_prefix("--lang="),
    });
    match given {
        Some(code) => code.parse().unwrap_or_default(),
        None => Lang::from_env().unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(words: &[&str]) -> Vec<OsString> {
        std::iter::once("fazhi-query")
            .chain(words.iter().copied())
            .map(OsString::from)
            .collect()
    }

    #[test]
    fn the_command_line_as_clap_reads_it() {
        // (as written, as clap reads it)
        let rows: [(&[&str], &[&str]); 15] = [
            (&["法律顾问"], &["search", "法律顾问"]),
            (
                &["法律顾问", "-培训"],
                &["search", "法律顾问", "NOT", "培训"],
            ),
            (
                &["-(普法", "OR", "宣传)"],
                &["search", "NOT", "(普法", "OR", "宣传)"],
            ),
            (&["--", "-培训"], &["search", "--", "-培训"]),
            (
                &["--index", "i", "stats", "法治"],
                &["stats", "--index", "i", "法治"],
            ),
            // An option's value is not a command.
            (
                &["--index", "stats", "法治"],
                &["search", "--index", "stats", "法治"],
            ),
            (&["--help"], &["--help"]),
            (
                &["--lang", "en", "--version"],
                &["--lang", "en", "--version"],
            ),
            (&["--lang", "zh", "-h"], &["--lang", "zh", "-h"]),
            (
                &["help", "copies", "--lang", "en"],
                &["copies", "--help", "--lang", "en"],
            ),
            (
                &["--lang", "en", "help", "stats"],
                &["stats", "--help", "--lang", "en"],
            ),
            (&["help"], &["--help"]),
            (&["help", "help"], &["--help"]),
            (&["help", "help", "stats"], &["stats", "--help"]),
            (&["--lang", "en", "help"], &["--help", "--lang", "en"]),
        ];
        for (written, read) in rows {
            let got = default_command(exclusions_as_not(argv(written).into_iter()));
            assert_eq!(got, argv(read), "{written:?}");
        }
    }

    #[test]
    fn a_mistyped_command_is_not_a_search() {
        let message = mistyped_command(&argv(&["sats", "法治"]), Lang::En).unwrap_or_default();
        assert!(message.contains("did you mean stats?"), "{message}");
        let message = mistyped_command(&argv(&["sats", "法治"]), Lang::Zh).unwrap_or_default();
        assert!(message.contains("是否想用 stats"), "{message}");
        // After options too (`--index i sats`), whatever value they take (`--lang en`).
        for words in [
            &["--index", "i", "sats"][..],
            &["--lang", "en", "sats", "法治"],
        ] {
            let message = mistyped_command(&argv(words), Lang::En).unwrap_or_default();
            assert!(
                message.contains("did you mean stats?"),
                "{words:?}: {message}"
            );
        }
        for words in [
            &["stats", "法治"][..],
            &["法治"],
            &["quantum"],
            &["--index", "stats"],
        ] {
            assert_eq!(mistyped_command(&argv(words), Lang::Zh), None, "{words:?}");
        }
    }
}
