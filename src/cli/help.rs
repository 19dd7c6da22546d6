//! clap's words in the reader's language, for fazhi-query and fazhi-index alike: `--help` with
//! the descriptions of the commands and options from the label table (`help.*`,
//! `help.fazhi-index.*`) in Chinese, the doc comments of [`super::args`] and
//! [`super::indexer`] in English; and the errors a user meets before a command runs (an
//! unknown option, a missing or invalid value, a missing argument) said by us, from clap's
//! facts, in the reader's language. In Chinese, clap's own words are ours too: the headings
//! (用法：, 命令：, 参数：, 选项：), the value names in `<…>` (`value.*`), `[默认：…]` and
//! `[可选：…]` notes. What stays English: the rarer errors clap words itself.

use std::process::ExitCode;

use clap::builder::Str;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Arg, ArgAction, Command, CommandFactory};

use super::args::{Cli, FilterArgs};
use super::indexer::IndexArgs;
use crate::index::schema::FacetKey;
use crate::lang::Lang;
use crate::request::filter_names;

/// Whose command line: fazhi-query's (descriptions `help.*`) or fazhi-index's
/// (`help.fazhi-index.*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Program {
    Query,
    Index,
}

impl Program {
    fn name(self) -> &'static str {
        match self {
            Program::Query => "fazhi-query",
            Program::Index => "fazhi-index",
        }
    }
}

/// The command line's definition, its help in `lang`.
pub(super) fn command(program: Program, lang: Lang) -> Command {
    let command = match program {
        Program::Query => Cli::command(),
        Program::Index => IndexArgs::command(),
    }
    .bin_name(program.name());
    match lang {
        Lang::En => with_own_formats(command, program, lang),
        Lang::Zh => {
            let command = in_chinese(command, program, None);
            let mut command = with_own_formats(command, program, lang);
            // clap adds its `help` command, and names each command's program, when it builds
            // the definition.
            command.build();
            if command.find_subcommand("help").is_some() {
                let about = Lang::Zh.label("help.cmd.help").to_string();
                command = command.mut_subcommand("help", |c| c.about(about));
            }
            with_chinese_usage(command)
        }
    }
}

/// `command` with the `--format` of each command that writes only some formats described in
/// `lang` as taking only those ([`super::args::OWN_FORMATS`]): `copies` text or json.
fn with_own_formats(mut command: Command, program: Program, lang: Lang) -> Command {
    if program != Program::Query {
        return command;
    }
    for (name, formats) in super::args::OWN_FORMATS {
        let names: Vec<&str> = formats.iter().map(|f| f.name()).collect();
        let list = match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!(
                "{}{}{last}",
                rest.join(lang.pick("、", ", ")),
                lang.pick(" 或 ", " or ")
            ),
            _ => names.concat(),
        };
        let help = lang.fill("help.format_of", &[("formats", &list)]);
        command = command.mut_subcommand(name, |c| c.mut_arg("format", |a| a.help(help)));
    }
    command
}

/// What the command line said instead of running: help or a version on standard output
/// (exit 0), else the error in `lang` on standard error (exit 2).
pub(super) fn refused(error: &clap::Error, program: Program, lang: Lang) -> ExitCode {
    match error_text(error, lang) {
        Some(text) => {
            eprintln!("{}: {text}", program.name());
            ExitCode::from(2)
        }
        None => {
            // A closed pipe (`--help | head`) is a reader who has seen enough.
            let _ = error.print();
            ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(0))
        }
    }
}

/// `command` (the subcommand `name` of fazhi-query, or the program itself) and its subcommands
/// with Chinese descriptions, headings, value names, notes and help flags.
fn in_chinese(command: Command, program: Program, name: Option<&str>) -> Command {
    let zh = Lang::Zh;
    let about = match (program, name) {
        (Program::Index, _) => "help.fazhi-index.about".to_string(),
        (Program::Query, Some(name)) => format!("help.cmd.{name}"),
        (Program::Query, None) => "help.about".to_string(),
    };
    let ids: Vec<String> = command
        .get_arguments()
        .map(|a| a.get_id().to_string())
        .collect();
    let mut command = command
        .about(zh.label(&about).to_string())
        .long_about(None)
        .subcommand_value_name(zh.label("value.COMMAND"))
        .subcommand_help_heading(zh.label("help.heading.commands"));
    for id in ids {
        let help = option_help(program, name, &id);
        command = command.mut_arg(&id, |arg| arg_in_chinese(arg, help));
    }
    command = command.disable_help_flag(true).arg(
        Arg::new("help")
            .short('h')
            .long("help")
            .action(ArgAction::Help)
            .help(zh.label("help.help")),
    );
    if name.is_none() {
        command = command.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(ArgAction::Version)
                .help(zh.label("help.version")),
        );
    }
    let template = template(&command);
    command = command.help_template(template);
    let names: Vec<String> = command
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    for sub in names {
        command = command.mut_subcommand(&sub, |c| in_chinese(c, program, Some(&sub)));
    }
    command
}

/// The help page's layout with Chinese headings (clap writes its own with an ASCII colon),
/// each section only when the command has something to put under it.
fn template(command: &Command) -> String {
    let zh = Lang::Zh;
    let header = command.get_styles().get_header();
    let heading = |key: &str| format!("{header}{}：{header:#}", zh.label(key));
    let mut template = format!(
        "{{about-with-newline}}\n{}{{usage}}",
        zh.label("help.heading.usage")
    );
    let shown = |arg: &&Arg| !arg.is_hide_set();
    let sections = [
        (
            command.get_subcommands().any(|c| !c.is_hide_set()),
            "help.heading.commands",
            "{subcommands}",
        ),
        (
            command.get_positionals().any(|a| shown(&a)),
            "help.heading.arguments",
            "{positionals}",
        ),
        (
            command
                .get_arguments()
                .filter(shown)
                .any(|a| !a.is_positional()),
            "help.heading.options",
            "{options}",
        ),
    ];
    for (_, key, tag) in sections.into_iter().filter(|(any, _, _)| *any) {
        template.push_str(&format!("\n\n{}\n{tag}", heading(key)));
    }
    template.push_str("{after-help}");
    template
}

/// An option or argument in Chinese: its description (`help`, when the table has one), its
/// value names, and clap's `[default: …]` and `[possible values: …]` as 默认 and 可选.
fn arg_in_chinese(arg: Arg, help: Option<String>) -> Arg {
    let zh = Lang::Zh;
    let takes_value = arg.get_action().takes_values();
    // An option without a value name shows its id (the filters': `--town <town>`).
    let names: Vec<Str> = match arg.get_value_names() {
        Some(names) => names
            .iter()
            .map(|n| value_name(n).map_or_else(|| n.clone(), Str::from))
            .collect(),
        None if takes_value => value_name(arg.get_id().as_str())
            .map(Str::from)
            .into_iter()
            .collect(),
        None => Vec::new(),
    };
    let mut described =
        help.unwrap_or_else(|| arg.get_help().map(ToString::to_string).unwrap_or_default());
    let defaults: Vec<String> = arg
        .get_default_values()
        .iter()
        .map(|v| v.to_string_lossy().into_owned())
        .collect();
    // A description that says its default itself (`[默认：./index，…]`) keeps its words.
    let says_default = zh
        .label("help.note.default")
        .split('{')
        .next()
        .unwrap_or_default();
    if takes_value
        && !arg.is_hide_default_value_set()
        && !defaults.is_empty()
        && !described.contains(says_default)
    {
        let defaults = defaults.join(" ");
        let note = zh.fill("help.note.default", &[("values", &defaults)]);
        described = format!("{described} {note}");
    }
    let choices: Vec<String> = arg
        .get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name().to_string())
        .collect();
    if takes_value && !arg.is_hide_possible_values_set() && !choices.is_empty() {
        let choices = choices.join("、");
        let note = zh.fill("help.note.choices", &[("values", &choices)]);
        described = format!("{described} {note}");
    }
    let arg = arg
        .help(described)
        .hide_default_value(true)
        .hide_possible_values(true);
    match names.is_empty() {
        true => arg,
        false => arg.value_names(names),
    }
}

/// A value's name in Chinese: `LIMIT` → 条数 (`value.LIMIT`), a filter's → its facet's name
/// (`town` → 乡镇街道); None when it stays as it is, being literal (`zh|en`).
fn value_name(name: &str) -> Option<&'static str> {
    let zh = Lang::Zh;
    zh.find(&format!("value.{name}"))
        .or_else(|| FacetKey::named(name).map(|facet| facet.label(zh)))
}

/// Each command's usage line with Chinese words: `[OPTIONS]` → `[选项]` (clap writes it
/// itself, in every usage line of help and errors alike).
fn with_chinese_usage(mut command: Command) -> Command {
    let usage = command.render_usage().to_string();
    let usage = usage
        .trim_start_matches("Usage: ")
        .replace("[OPTIONS]", Lang::Zh.label("value.OPTIONS"));
    command = command.override_usage(usage);
    let names: Vec<String> = command
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .collect();
    for sub in names {
        command = command.mut_subcommand(&sub, with_chinese_usage);
    }
    command
}

/// The Chinese description of the option `id` of the command `name` of `program`. For
/// fazhi-query: `help.NAME.ID`, else `help.ID`, else a filter's; for fazhi-index:
/// `help.fazhi-index.ID`. None when the table has none (it keeps its English).
fn option_help(program: Program, name: Option<&str>, id: &str) -> Option<String> {
    let zh = Lang::Zh;
    let keys = match program {
        Program::Query => [
            name.map(|n| format!("help.{n}.{id}")),
            Some(format!("help.{id}")),
        ],
        Program::Index => [Some(format!("help.fazhi-index.{id}")), None],
    };
    for key in keys.into_iter().flatten() {
        let label = zh.label(&key);
        if label != key {
            return Some(label.to_string());
        }
    }
    (program == Program::Query && filter_names().any(|f| f == id)).then(|| FilterArgs::help(id, zh))
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
        for program in [Program::Query, Program::Index] {
            let mut root = command(program, Lang::Zh);
            root.build();
            let commands = std::iter::once(&root).chain(root.get_subcommands());
            for command in commands {
                let name = command.get_name();
                let about = command.get_about().map(ToString::to_string);
                assert!(about.as_deref().is_some_and(chinese), "{name}: {about:?}");
                if name == "help" {
                    continue;
                }
                for arg in command.get_arguments().filter(|a| !a.is_hide_set()) {
                    let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
                    assert!(chinese(&help), "{name} {}: {help:?}", arg.get_id());
                }
            }
        }
        // English keeps the doc comments.
        let index = command(Program::Index, Lang::En);
        let about = index.get_about().map(ToString::to_string);
        assert_eq!(
            about.as_deref(),
            Some("Index a folder of rule-of-law reports (法治政府建设年度报告) for fazhi-query")
        );
        let en = command(Program::Query, Lang::En);
        let search = en.find_subcommand("search").expect("search");
        let about = search
            .get_about()
            .map(ToString::to_string)
            .unwrap_or_default();
        assert!(about.starts_with("Matching sections"), "{about}");
    }

    /// Each command's `--help` lists, for `--format`, the formats it writes and no other, in
    /// either language; and the search's `--copies` shows its example in the reader's language.
    #[test]
    fn help_lists_the_formats_a_command_writes() {
        let page = |lang: Lang, name: &str| {
            let help =
                command(Program::Query, lang).try_get_matches_from(["fazhi-query", name, "--help"]);
            help.expect_err("help").render().to_string()
        };
        let format_line = |page: &str| -> String {
            let line = page.lines().find(|l| l.contains("--format"));
            line.expect("a --format line").to_string()
        };
        // (command, language, its --format line ends with)
        let rows = [
            (
                "copies",
                Lang::Zh,
                "输出格式：text 或 json [默认：取 -o 文件的扩展名，否则 text]",
            ),
            (
                "copies",
                Lang::En,
                "Output format: text or json [default: from the -o file's extension, else text]",
            ),
            ("show", Lang::Zh, "输出格式：text、md 或 json [默认："),
            (
                "show",
                Lang::En,
                "Output format: text, md or json [default:",
            ),
            (
                "search",
                Lang::Zh,
                "输出格式：text、json、jsonl、csv、md 或 xlsx",
            ),
            (
                "stats",
                Lang::En,
                "Output format: text, json, jsonl, csv, md or xlsx",
            ),
        ];
        for (name, lang, says) in rows {
            let line = format_line(&page(lang, name));
            assert!(line.contains(says), "{name} {lang:?}: {line}");
        }
        // What a command lists is what it writes: every other format is left out.
        for (name, formats) in super::super::args::OWN_FORMATS {
            for lang in [Lang::Zh, Lang::En] {
                let line = format_line(&page(lang, name));
                for format in crate::export::Format::EVERY {
                    let words: Vec<&str> =
                        line.split(|c: char| !c.is_ascii_alphanumeric()).collect();
                    assert_eq!(
                        words.contains(&format.name()),
                        formats.contains(&format),
                        "{name} {lang:?} {}: {line}",
                        format.name()
                    );
                }
            }
        }
        let search = page(Lang::En, "search");
        let copies = search
            .lines()
            .find(|l| l.contains("--copies"))
            .expect("--copies");
        assert!(
            copies.contains("also in N reports (M towns)") && !copies.contains("也见于"),
            "{copies}"
        );
        let search = page(Lang::Zh, "search");
        let copies = search
            .lines()
            .find(|l| l.contains("--copies"))
            .expect("--copies");
        assert!(copies.contains("也见于 N 份报告（M 个乡镇）"), "{copies}");
    }

    /// `--help` of every command of both programs: in Chinese, clap's own words are Chinese
    /// too (headings with a full-width colon, value names, 默认 and 可选 notes, lists with 、);
    /// in English, clap's.
    #[test]
    fn help_pages_speak_one_language() {
        let pages = [
            (Program::Index, vec!["fazhi-index", "--help"]),
            (Program::Query, vec!["fazhi-query", "--help"]),
            (Program::Query, vec!["fazhi-query", "search", "--help"]),
            (Program::Query, vec!["fazhi-query", "stats", "--help"]),
            (Program::Query, vec!["fazhi-query", "kwic", "--help"]),
            (Program::Query, vec!["fazhi-query", "serve", "--help"]),
            (Program::Query, vec!["fazhi-query", "show", "--help"]),
            (Program::Query, vec!["fazhi-query", "panel", "--help"]),
            (Program::Query, vec!["fazhi-query", "copies", "--help"]),
        ];
        // English words of clap's that a Chinese page must not show.
        let english = [
            "Usage:",
            "Options:",
            "Arguments:",
            "Commands:",
            "[default:",
            "[possible values:",
            "[OPTIONS]",
            "<COMMAND>",
            "Print help",
        ];
        let chinese = |c: char| ('\u{4e00}'..='\u{9fff}').contains(&c);
        for (program, argv) in pages {
            let page = |lang: Lang| {
                let help = command(program, lang).try_get_matches_from(&argv);
                help.expect_err("help").render().to_string()
            };
            let zh = page(Lang::Zh);
            for word in english {
                assert!(!zh.contains(word), "{argv:?} shows {word:?}:\n{zh}");
            }
            for line in zh.lines() {
                // A heading is a line that does not start with a space.
                assert!(
                    !line.ends_with(':') || line.starts_with(' '),
                    "{argv:?}: heading {line:?}"
                );
            }
            // Every value name is Chinese, or literally what is typed (`zh|en`).
            for name in zh.split('<').skip(1).filter_map(|s| s.split('>').next()) {
                assert!(
                    name.chars().any(chinese) || name == "zh|en",
                    "{argv:?}: <{name}>"
                );
            }
            assert!(
                zh.contains("用法：") && zh.contains("选项："),
                "{argv:?}:\n{zh}"
            );
            let en = page(Lang::En);
            assert!(
                en.contains("Usage: ") && en.contains("Options:") && !en.contains("选项"),
                "{argv:?}:\n{en}"
            );
        }
        // clap's notes and lists, as each language writes them.
        let search = |lang: Lang| {
            let help = command(Program::Query, lang).try_get_matches_from([
                "fazhi-query",
                "search",
                "--help",
            ]);
            help.expect_err("help").render().to_string()
        };
        let rows = [
            (Lang::Zh, "[默认：corpus]"),
            (Lang::Zh, "[默认：auto] [可选：auto、always、never]"),
            (Lang::Zh, "--limit <数目>"),
            (Lang::Zh, "--town <乡镇街道>"),
            (Lang::Zh, "用法：fazhi-query search [选项] [检索式]..."),
            (Lang::En, "[default: corpus]"),
            (
                Lang::En,
                "[default: auto] [possible values: auto, always, never]",
            ),
            (Lang::En, "--limit <LIMIT>"),
            (Lang::En, "Only this level: town, county, department, other"),
            (Lang::En, "Usage: fazhi-query search [OPTIONS] [QUERY]..."),
        ];
        for (lang, says) in rows {
            let page = search(lang);
            assert!(
                page.contains(says),
                "{lang:?} does not say {says:?}:\n{page}"
            );
        }
        // A description that names its default keeps it, and gets no second note.
        let page = search(Lang::Zh);
        let index = page
            .lines()
            .find(|l| l.contains("--index"))
            .unwrap_or_default();
        assert_eq!(index.matches("[默认：").count(), 1, "{index}");
    }

    /// The errors a user meets before a command runs, in each language.
    #[test]
    fn clap_errors_in_the_readers_language() {
        // (the command line after the program name, Chinese says, English says)
        let rows: [(&[&str], &str, &str); 8] = [
            (
                &["search", "法治", "--all", "--limit", "5"],
                "--all 不能与 --limit <数目> 同时使用",
                "the argument '--all' cannot be used with --limit <LIMIT>",
            ),
            (
                &["search", "法治", "--bogus"],
                "错误：未知的选项“--bogus”",
                "error: unexpected argument '--bogus' found",
            ),
            (
                &["search", "法治", "--limit"],
                "--limit <数目> 需要一个值，但没有给出",
                "a value is required for '--limit <LIMIT>' but none was supplied",
            ),
            (
                &["search", "法治", "--limit", "abc"],
                "--limit <数目> 的值“abc”无效：“abc”不是整数：请写 0 到 100000 之间的整数",
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
                "缺少必需的参数：<检索式>...",
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
                let error = command(Program::Query, lang)
                    .try_get_matches_from(argv)
                    .expect_err("refused");
                let text = error_text(&error, lang).expect("an error, not help");
                assert!(
                    text.contains(says) && text.contains(more),
                    "{args:?} {lang:?}: {text}"
                );
            }
        }
        // fazhi-index's, the same way.
        let rows: [(&[&str], &str, &str); 3] = [
            (
                &["--threads", "100"],
                "--threads <线程数> 的值“100”无效：“100”不在 1 到 64 之间",
                "invalid value '100' for '--threads <THREADS>': 100 is not in 1..=64",
            ),
            (
                &["--emit", "csv"],
                "--emit <格式> 的值“csv”无效：可选：ndjson",
                "possible values: ndjson",
            ),
            (
                &["--check", "--emit", "ndjson"],
                "--check 不能与 --emit <格式> 同时使用",
                "the argument '--check' cannot be used with --emit <EMIT>",
            ),
        ];
        for (args, zh, en) in rows {
            for (lang, says) in [(Lang::Zh, zh), (Lang::En, en)] {
                let argv = std::iter::once("fazhi-index").chain(args.iter().copied());
                let error = command(Program::Index, lang)
                    .try_get_matches_from(argv)
                    .expect_err("refused");
                let text = error_text(&error, lang).expect("an error, not help");
                assert!(text.contains(says), "{args:?} {lang:?}: {text}");
            }
        }
        let help =
            command(Program::Query, Lang::Zh).try_get_matches_from(["fazhi-query", "--help"]);
        assert_eq!(error_text(&help.expect_err("help"), Lang::Zh), None);
    }
}
