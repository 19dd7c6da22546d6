//! clap's words in the reader's language: `--help` with the descriptions of the commands and
//! options from the label table (`help.*`) in Chinese, the doc comments of [`super::args`] in
//! English; and the errors a user meets before a command runs (an unknown option, a missing or
//! invalid value, a missing argument) said by us, from clap's facts, in the reader's language.
//! What stays English: the value names in `<…>`, clap's `[default: …]` and `[possible values:
//! …]` notes, and the rarer errors clap words itself.

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command, CommandFactory};

use super::args::{Cli, FilterArgs};
use crate::lang::Lang;
use crate::request::filter_names;

/// The command line's definition, its help in `lang`.
pub(super) fn command(lang: Lang) -> Command {
    let command = Cli::command();
    match lang {
        Lang::En => command,
        Lang::Zh => {
            let mut command = in_chinese(command, None);
            // clap adds its `help` command when it builds the definition.
            command.build();
            let about = Lang::Zh.label("help.cmd.help").to_string();
            command.mut_subcommand("help", |c| c.about(about))
        }
    }
}

/// `command` (the subcommand `name` of fazhi-query, or fazhi-query itself) and its
/// subcommands with Chinese descriptions, headings and help flags.
fn in_chinese(command: Command, name: Option<&str>) -> Command {
    let zh = Lang::Zh;
    let about = match name {
        Some(name) => format!("help.cmd.{name}"),
        None => "help.about".to_string(),
    };
    let template = format!(
        "{{about-with-newline}}\n{}{{usage}}\n\n{{all-args}}{{after-help}}",
        zh.label("help.heading.usage")
    );
    let ids: Vec<String> = command
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .collect();
    let mut command = command
        .about(zh.label(&about).to_string())
        .long_about(None)
        .help_template(template)
        .subcommand_help_heading(zh.label("help.heading.commands"));
    for id in ids {
        let help = option_help(name, &id);
        let heading = |arg: Arg| {
            let key = match arg.is_positional() {
                true => "help.heading.arguments",
                false => "help.heading.options",
            };
            arg.help_heading(zh.label(key))
        };
        command = command.mut_arg(&id, |arg| match help {
            Some(help) => heading(arg.help(help)),
            None => heading(arg),
        });
    }
    // After the others: a heading is placed where its first option is.
    command = command.disable_help_flag(true).arg(
        Arg::new("help")
            .short('h')
            .long("help")
            .action(ArgAction::Help)
            .help(zh.label("help.help"))
            .help_heading(zh.label("help.heading.options")),
    );
    if name.is_none() {
        command = command.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help(zh.label("help.version"))
                .help_heading(zh.label("help.heading.options")),
        );
    }
    let names: Vec<String> = command
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    for sub in names {
        command = command.mut_subcommand(&sub, |c| in_chinese(c, Some(&sub)));
    }
    command
}

/// The Chinese description of the option `id` of the command `name`: `help.NAME.ID`, else
/// `help.ID`, else a filter's; None when the table has none (it keeps its English).
fn option_help(name: Option<&str>, id: &str) -> Option<String> {
    let zh = Lang::Zh;
    let keys = [
        name.map(|n| format!("help.{n}.{id}")),
        Some(format!("help.{id}")),
    ];
    for key in keys.into_iter().flatten() {
        let label = zh.label(&key);
        if label != key {
            return Some(label.to_string());
        }
    }
    filter_names()
        .any(|f| f == id)
        .then(|| FilterArgs::help(id, zh))
}

/// clap's error in `lang`: what is wrong, a hint when clap has one, and the usage. Help and
/// version are not errors (clap prints them).
pub(super) fn error_text(error: &clap::Error, lang: Lang) -> Option<String> {
    let text = |kind: ContextKind| match error.get(kind) {
        Some(ContextValue::String(s)) => Some(s.clone()),
        Some(ContextValue::Strings(s)) => Some(s.join(lang.pick("、", ", "))),
        Some(ContextValue::StyledStr(s)) => Some(s.to_string()),
        Some(ContextValue::StyledStrs(s)) => Some(
            s.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(lang.pick("、", ", ")),
        ),
        Some(ContextValue::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let arg = text(ContextKind::InvalidArg).unwrap_or_default();
    let message = match error.kind() {
        ErrorKind::UnknownArgument => lang.fill("clap.unknown", &[("arg", &arg)]),
        ErrorKind::InvalidValue | ErrorKind::ValueValidation => {
            let value = text(ContextKind::InvalidValue).unwrap_or_default();
            if value.is_empty() && error.kind() == ErrorKind::InvalidValue {
                lang.fill("clap.no_value", &[("arg", &arg)])
            } else {
                let detail = match (text(ContextKind::ValidValue), source_text(error, lang)) {
                    (Some(choices), _) => lang.fill("clap.choices", &[("choices", &choices)]),
                    (None, Some(detail)) => detail,
                    (None, None) => String::new(),
                };
                lang.fill(
                    "clap.invalid",
                    &[("arg", &arg), ("value", &value), ("detail", &detail)],
                )
            }
        }
        ErrorKind::MissingRequiredArgument => lang.fill("clap.missing", &[("args", &arg)]),
        ErrorKind::ArgumentConflict => {
            let other = text(ContextKind::PriorArg).unwrap_or_default();
            lang.fill("clap.conflict", &[("arg", &arg), ("other", &other)])
        }
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => return None,
        // Rarer errors: clap's own words, after our "error:".
        _ => {
            let rendered = error.render().to_string();
            let first = rendered.lines().next().unwrap_or_default();
            first.trim_start_matches("error: ").to_string()
        }
    };
    let mut lines = vec![lang.fill("msg.error", &[("message", &message)])];
    if let Some(suggested) = text(ContextKind::SuggestedArg) {
        lines.push(format!(
            "  {}",
            lang.fill("clap.similar", &[("suggested", &suggested)])
        ));
    }
    if let Some(usage) = text(ContextKind::Usage) {
        let usage = usage.trim_start_matches("Usage: ").to_string();
        lines.push(lang.fill("clap.usage", &[("usage", &usage)]));
    }
    lines.push(lang.label("help.more").to_string());
    Some(lines.join("\n"))
}

/// What a value parser said of a value: our own error in `lang`, else its words.
fn source_text(error: &clap::Error, lang: Lang) -> Option<String> {
    let source = std::error::Error::source(error)?;
    Some(match source.downcast_ref::<crate::Error>() {
        Some(e) => e.message(lang),
        None => source.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every option and argument of every command has a Chinese description in `--help`.
    #[test]
    fn every_option_is_described_in_chinese() {
        let chinese = |text: &str| text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
        let mut root = command(Lang::Zh);
        root.build();
        let commands = std::iter::once(&root).chain(root.get_subcommands());
        for command in commands {
            let name = command.get_name();
            let about = command.get_about().map(ToString::to_string);
            assert!(about.as_deref().is_some_and(chinese), "{name}: {about:?}");
            if name == "help" {
                continue;
            }
            for arg in command.get_arguments() {
                let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
                assert!(chinese(&help), "{name} {}: {help:?}", arg.get_id());
            }
        }
        // English keeps the doc comments.
        let en = command(Lang::En);
        let search = en.find_subcommand("search").expect("search");
        let about = search
            .get_about()
            .map(ToString::to_string)
            .unwrap_or_default();
        assert!(about.starts_with("Matching sections"), "{about}");
    }

    /// The errors a user meets before a command runs, in each language.
    #[test]
    fn clap_errors_in_the_readers_language() {
        // (the command line after the program name, Chinese says, English says)
        let rows: [(&[&str], &str, &str); 8] = [
            (
                &["search", "法治", "--all", "--limit", "5"],
                "--all 不能与 --limit <LIMIT> 同时使用",
                "the argument '--all' cannot be used with --limit <LIMIT>",
            ),
            (
                &["search", "法治", "--bogus"],
                "错误：未知的选项“--bogus”",
                "error: unexpected argument '--bogus' found",
            ),
            (
                &["search", "法治", "--limit"],
                "--limit <LIMIT> 需要一个值，但没有给出",
                "a value is required for '--limit <LIMIT>' but none was supplied",
            ),
            (
                &["search", "法治", "--limit", "abc"],
                "--limit <LIMIT> 的值“abc”无效：“abc”不是整数：请写 0 到 100000 之间的整数",
                "invalid value 'abc' for '--limit <LIMIT>': \"abc\" is not a whole number",
            ),
            (
                &["kwic", "法治", "--width", "5000"],
                "“5000”不在 0 到 1000 之间",
                "5000 is not in 0..=1000",
            ),
            (
                &["search", "法治", "--color", "pink"],
                "可选：auto、always、never",
                "possible values: auto, always, never",
            ),
            (
                &["kwic"],
                "缺少必需的参数：<QUERY>...",
                "the following required arguments were not provided: <QUERY>...",
            ),
            (
                &["search", "法治", "--facets", "many"],
                "“many”：请写取值的个数（0 到 100000）或 all",
                "\"many\": write a number of values (0..=100000), or all",
            ),
        ];
        for (args, zh, en) in rows {
            for (lang, says, more) in [
                (Lang::Zh, zh, "更多信息请用 --help"),
                (Lang::En, en, "--help"),
            ] {
                let argv = std::iter::once("fazhi-query").chain(args.iter().copied());
                let error = command(lang)
                    .try_get_matches_from(argv)
                    .expect_err("refused");
                let text = error_text(&error, lang).expect("an error, not help");
                assert!(
                    text.contains(says) && text.contains(more),
                    "{args:?} {lang:?}: {text}"
                );
            }
        }
        let help = command(Lang::Zh).try_get_matches_from(["fazhi-query", "--help"]);
        assert_eq!(error_text(&help.expect_err("help"), Lang::Zh), None);
    }
}
