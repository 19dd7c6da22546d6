//! The interface language. Chinese first: every label, header, summary and message a person
//! reads is Chinese unless English is asked for (`--lang en`, the page's toggle). Machine keys —
//! JSON field names and values, CLI option names — are stable ASCII in both.
//!
//! The words themselves are data: `index_schema/labels.tsv` (key, 中文, English), looked up
//! here by key ([`Lang::label`], [`Lang::fill`]). A key the table lacks reads as the key
//! itself, never a panic; a test checks that every key the code uses is in the table.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::LazyLock;

use crate::error::{Error, Rebuild, Result, Text, schema_rows};

/// The language of what a person reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Lang {
    /// 中文 (the default).
    #[default]
    Zh,
    /// English.
    En,
}

impl Lang {
    pub const ALL: [(&'static str, Lang); 2] = [("zh", Lang::Zh), ("en", Lang::En)];

    /// The ASCII code (`zh`, `en`), as in `--lang` and `?lang=`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    /// Picks the text of this language.
    pub fn pick<'a>(self, zh: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// The label of `key` in this language (`type.shortcomings` → 存在的不足); the key itself
    /// when the table has no such row.
    pub fn label(self, key: &str) -> &str {
        match Labels::embedded().rows.get(key) {
            Some(row) => self.pick(row.zh, row.en),
            None => key,
        }
    }

    /// The label of `key` in this language, when the table has that row (for a caller that
    /// keeps it: clap's value names).
    pub fn find(self, key: &str) -> Option<&'static str> {
        let row = Labels::embedded().rows.get(key)?;
        Some(self.pick(row.zh, row.en))
    }

    /// The label of `key` with each `{name}` replaced by its value, and each `{name|one|other}`
    /// by `one` when the value of `name` is 1, else `other` (English plurals: `{n} {n|report|
    /// reports}` reads `1 report`, `2 reports`).
    pub fn fill(self, key: &str, values: &[(&str, &str)]) -> String {
        let mut text = self.label(key).to_string();
        for (name, value) in values {
            text = text.replace(&format!("{{{name}}}"), value);
            let plural = format!("{{{name}|");
            while let Some(start) = text.find(&plural) {
                let Some(end) = text[start..].find('}').map(|e| start + e) else {
                    break;
                };
                let forms = &text[start + plural.len()..end];
                let (one, other) = forms.split_once('|').unwrap_or((forms, forms));
                let form = if value.trim() == "1" { one } else { other };
                text = format!("{}{form}{}", &text[..start], &text[end + 1..]);
            }
        }
        text
    }

    /// A section type's name (`shortcomings` → 存在的不足); an unknown key as it is.
    pub fn section_type(self, key: &str) -> &str {
        self.named("type.", key)
    }

    /// A level's name (`town` → 乡镇); an unknown key as it is.
    pub fn level(self, key: &str) -> &str {
        self.named("level.", key)
    }

    /// A table column's name: Chinese, or in English the JSON key itself.
    pub fn column(self, key: &str) -> &str {
        self.named("col.", key)
    }

    fn named<'a>(self, prefix: &str, key: &'a str) -> &'a str {
        match Labels::embedded()
            .rows
            .get(format!("{prefix}{key}").as_str())
        {
            Some(row) => self.pick(row.zh, row.en),
            None => key,
        }
    }

    /// The language of the environment's `FAZHI_LANG` (`zh`, `en`), Chinese when it is unset;
    /// an unknown value is an error, not a silent default.
    pub fn from_env() -> Result<Lang> {
        match std::env::var("FAZHI_LANG") {
            Ok(value) if !value.trim().is_empty() => value
                .trim()
                .parse()
                .map_err(|e: Error| e.about("FAZHI_LANG")),
            _ => Ok(Lang::default()),
        }
    }
}

impl FromStr for Lang {
    type Err = Error;

    fn from_str(s: &str) -> Result<Lang, Error> {
        match s {
            "中文" | "zh-CN" | "zh-cn" => Ok(Lang::Zh),
            "English" | "english" => Ok(Lang::En),
            _ => choose(s, &Lang::ALL, "choose.lang"),
        }
    }
}

/// The label `key` in both languages, each with its `{name}`s filled in: a message the
/// library makes before it knows who reads it ([`Text`]).
pub fn both(key: &str, values: &[(&str, &str)]) -> Text {
    each(|lang| lang.fill(key, values))
}

/// The label `key` in each language, each value given in both (a reason inside a reason:
/// `skip.kept` around the reason a file is not read).
pub fn both_texts(key: &str, values: &[(&str, &Text)]) -> Text {
    each(|lang| {
        let values: Vec<(&str, &str)> = values.iter().map(|(n, t)| (*n, t.get(lang))).collect();
        lang.fill(key, &values)
    })
}

/// The message `text` makes in each language.
pub fn each(text: impl Fn(Lang) -> String) -> Text {
    Text {
        zh: text(Lang::Zh),
        en: text(Lang::En),
    }
}

impl Text {
    /// The words in `lang`.
    pub fn get(&self, lang: Lang) -> &str {
        lang.pick(&self.zh, &self.en)
    }
}

impl Error {
    /// The message in `lang`: the label `err.*` of its kind with its facts filled in. A
    /// damaged or outdated index is to be rebuilt with `fazhi-index` over the default folders.
    pub fn message(&self, lang: Lang) -> String {
        self.message_with(lang, &Rebuild::default())
    }

    /// [`Error::message`], a damaged or outdated index to be rebuilt with `rebuild`'s folders.
    pub fn message_with(&self, lang: Lang, rebuild: &Rebuild) -> String {
        let path = |p: &std::path::Path| p.display().to_string();
        match self {
            Error::Read { path: p, source } => lang.fill(
                "err.read",
                &[("path", &path(p)), ("detail", &source.to_string())],
            ),
            Error::Write { path: p, source } => lang.fill(
                "err.write",
                &[("path", &path(p)), ("detail", &source.to_string())],
            ),
            Error::BadInput { path: p, reason } => {
                format!("{}{}{}", path(p), lang.pick("：", ": "), reason.get(lang))
            }
            Error::Unreadable(reason) | Error::Usage(reason) => reason.get(lang).to_string(),
            Error::SchemaData { file, line, reason } => lang.fill(
                "err.schema_data",
                &[
                    ("file", file),
                    ("line", &line.to_string()),
                    ("reason", reason),
                ],
            ),
            Error::NoIndex { path: p } => lang.fill("err.no_index", &[("path", &path(p))]),
            Error::SchemaVersion {
                path: p,
                found,
                expected,
            } => lang.fill(
                "err.schema_version",
                &[
                    ("path", &path(p)),
                    ("found", found.get(lang)),
                    ("expected", &expected.to_string()),
                    ("command", &rebuild.command(false)),
                ],
            ),
            Error::IndexBusy { path: p } => lang.fill("err.busy", &[("path", &path(p))]),
            Error::CorruptIndex { path: p, reason } => {
                let command = rebuild.command(true);
                lang.fill(
                    "err.corrupt",
                    &[
                        ("path", &path(p)),
                        ("command", &command),
                        ("reason", reason),
                    ],
                )
            }
            Error::Damaged {
                path: p,
                file,
                reason,
            } => lang.fill(
                "err.damaged",
                &[
                    ("path", &path(p)),
                    ("file", file),
                    ("command", &rebuild.command(true)),
                    ("reason", reason),
                ],
            ),
            Error::IndexFolder { path: p, reason } => lang.fill(
                "err.index_folder",
                &[("path", &path(p)), ("reason", reason.get(lang))],
            ),
            Error::Query {
                message,
                query,
                caret,
            } => format!(
                "{}\n  {query}\n  {caret}",
                lang.fill("err.query", &[("message", message.get(lang))])
            ),
            Error::Serve { addr, source } => lang.fill(
                "err.serve",
                &[("addr", &addr.to_string()), ("detail", &source.to_string())],
            ),
            Error::Chart(detail) => lang.fill("err.chart", &[("detail", detail)]),
            Error::Engine(e) => {
                lang.fill("err.engine", &[("detail", &crate::error::engine_detail(e))])
            }
        }
    }
}

impl Error {
    /// The error of the parameter `name`, as the API says it: its message begins with the name,
    /// unless it already does (`type: unknown section type "x"…`; `--year "abc": …`, which the
    /// server writes `year="abc": …`).
    pub fn about(self, name: &str) -> Error {
        let named = [format!("{name}="), format!("--{name} ")];
        Error::Usage(each(|lang| {
            let message = self.message(lang);
            match named.iter().any(|n| message.starts_with(n.as_str())) {
                true => message,
                false => format!("{name}: {message}"),
            }
        }))
    }

    /// The message in both languages, for an error that becomes the reason of another.
    pub fn text(&self) -> Text {
        each(|lang| self.message(lang))
    }
}

/// The English message ([`Error::message`]).
impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

/// One row of `labels.tsv`.
#[derive(Debug)]
struct Label {
    zh: &'static str,
    en: &'static str,
    /// More names `--type`/`--level` accept.
    aliases: Vec<&'static str>,
}

/// The rows of `index_schema/labels.tsv`, by key, and the keys in file order.
#[derive(Debug)]
struct Labels {
    rows: HashMap<&'static str, Label>,
    order: Vec<&'static str>,
}

const LABELS_TSV: &str = include_str!("../index_schema/labels.tsv");

impl Labels {
    fn parse(data: &'static str) -> Result<Labels> {
        let mut labels = Labels {
            rows: HashMap::new(),
            order: Vec::new(),
        };
        for row in schema_rows("labels.tsv", data) {
            let bad = |reason: &str| row.bad(reason);
            let row = row.text;
            let fields: Vec<&'static str> = row.split('\t').collect();
            let (key, zh, en) = match fields[..] {
                [key, zh, en] | [key, zh, en, _] => (key, zh, en),
                _ => return Err(bad("expected key<TAB>中文<TAB>English[<TAB>name|name…]")),
            };
            if zh.trim().is_empty() || en.trim().is_empty() {
                return Err(bad("a label needs both its Chinese and its English"));
            }
            let aliases = fields
                .get(3)
                .map(|a| {
                    a.split('|')
                        .map(str::trim)
                        .filter(|a| !a.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            if labels.rows.insert(key, Label { zh, en, aliases }).is_some() {
                return Err(bad("the key is already in the table"));
            }
            labels.order.push(key);
        }
        Ok(labels)
    }

    fn embedded() -> &'static Labels {
        static LABELS: LazyLock<Labels> = LazyLock::new(|| {
            Labels::parse(LABELS_TSV)
                .expect("index_schema/labels.tsv is valid: checked by its unit test")
        });
        &LABELS
    }
}

/// Which of `keys` (the rows `{prefix}{key}` of the table: `type.shortcomings`, …) the user
/// means by `text`: a key, a name in either language or a listed alias; else the one key whose
/// Chinese name or alias contains `text` (不足, 举措), or whose key or English name starts with
/// it (short). None, or several, is a usage error (in both languages) that lists the choices.
/// `kind` (`type`, `level`) names the error's labels.
pub fn resolve<'k>(text: &str, prefix: &str, keys: &[&'k str], kind: &str) -> Result<&'k str> {
    let labels = Labels::embedded();
    let wanted = text.trim();
    let lower = wanted.to_lowercase();
    let row = |key: &str| labels.rows.get(format!("{prefix}{key}").as_str());
    let exact = keys.iter().find(|key| {
        **key == lower
            || row(key).is_some_and(|r| {
                r.zh == wanted || r.en.to_lowercase() == lower || r.aliases.contains(&wanted)
            })
    });
    if let Some(key) = exact {
        return Ok(key);
    }
    let partial: Vec<&'k str> = keys
        .iter()
        .copied()
        .filter(|key| {
            !wanted.is_empty()
                && (key.starts_with(&lower)
                    || row(key).is_some_and(|r| {
                        r.en.to_lowercase().starts_with(&lower)
                            || (!wanted.is_ascii()
                                && (r.zh.contains(wanted)
                                    || r.aliases.iter().any(|a| a.contains(wanted))))
                    }))
        })
        .collect();
    // In Chinese the names a reader types, with their keys; in English the keys, which are
    // the English a reader types.
    let named = |keys: &[&str], lang: Lang| -> String {
        let names: Vec<String> = keys
            .iter()
            .map(|key| match lang {
                Lang::Zh => format!("{}（{key}）", lang.named(prefix, key)),
                Lang::En => (*key).to_string(),
            })
            .collect();
        names.join(lang.pick("、", ", "))
    };
    match partial[..] {
        [key] => Ok(key),
        [] => Err(Error::Usage(each(|lang| {
            lang.fill(
                &format!("error.unknown_{kind}"),
                &[("value", wanted), ("choices", &named(keys, lang))],
            )
        }))),
        _ => Err(Error::Usage(each(|lang| {
            lang.fill(
                &format!("error.ambiguous_{kind}"),
                &[("value", wanted), ("choices", &named(&partial, lang))],
            )
        }))),
    }
}

/// The value named `name` among `choices`, or a usage error in both languages that lists them:
/// the label `key` with `{value}` and `{choices}` filled in (`choose.format`: 未知的格式“xml”；
/// 可选：text、json…).
pub fn choose<T: Copy>(name: &str, choices: &[(&'static str, T)], key: &str) -> Result<T> {
    match choices.iter().find(|(n, _)| *n == name) {
        Some((_, value)) => Ok(*value),
        None => {
            let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
            Err(Error::Usage(each(|lang| {
                let choices = names.join(lang.pick("、", ", "));
                lang.fill(key, &[("value", name), ("choices", &choices)])
            })))
        }
    }
}

/// The rows of the label table whose key starts with `prefix`, in file order, as (the rest of
/// the key, 中文, English): `rows("type.")` gives `("overview", "总体情况", "Overview")`, ….
/// The page gets its section types, levels and summary from here.
pub fn rows(prefix: &str) -> Vec<(&'static str, &'static str, &'static str)> {
    let labels = Labels::embedded();
    labels
        .order
        .iter()
        .filter_map(|key| {
            let rest = key.strip_prefix(prefix)?;
            let row = &labels.rows[key];
            Some((rest, row.zh, row.en))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn languages_parse_by_code_and_name() {
        for (text, lang) in [
            ("zh", Lang::Zh),
            ("中文", Lang::Zh),
            ("en", Lang::En),
            ("English", Lang::En),
        ] {
            assert_eq!(text.parse::<Lang>().unwrap(), lang, "{text}");
        }
        assert!("fr".parse::<Lang>().is_err());
        assert_eq!(Lang::default(), Lang::Zh);
    }

    #[test]
    fn every_label_has_both_languages() {
        let labels = Labels::parse(LABELS_TSV).expect("index_schema/labels.tsv");
        // A placeholder in one language is in the other.
        let names = |text: &str| -> Vec<String> {
            let mut names: Vec<String> = text
                .split('{')
                .skip(1)
                .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string()))
                // A plural (`{n|report|reports}`) names `n`.
                .map(|n| n.split('|').next().unwrap_or_default().to_string())
                .collect();
            names.sort();
            names.dedup();
            names
        };
        for key in &labels.order {
            let row = &labels.rows[key];
            assert!(
                !row.zh.trim().is_empty() && !row.en.trim().is_empty(),
                "{key}"
            );
            assert!(key.is_ascii() && !key.contains(' '), "key {key:?} is ASCII");
            assert_eq!(names(row.zh), names(row.en), "placeholders of {key}");
        }
    }

    #[test]
    fn bad_label_rows_name_the_line() {
        for (data, reason) in [
            ("a\t甲", "expected key"),
            ("a\t甲\t \n", "both its Chinese and its English"),
            ("a\t甲\tA\na\t乙\tB", "already in the table"),
        ] {
            let err = Labels::parse(data).expect_err(data).to_string();
            assert!(err.contains(reason) && err.contains("labels.tsv"), "{err}");
        }
    }

    /// Every literal key the code passes to `label`/`fill` (and the `error.*_{kind}` keys of
    /// [`resolve`]) is in the table: a missing key would show as itself.
    #[test]
    fn every_key_the_code_uses_is_in_the_table() {
        fn sources(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
            for entry in std::fs::read_dir(dir).expect("src").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    sources(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).expect("source");
                    // The code, not its tests (which ask for missing keys on purpose).
                    let code = text.split("#[cfg(test)]").next().unwrap_or_default();
                    // Keys hold no space, so a call rustfmt split over lines reads as one.
                    let code: String = code.split_whitespace().collect();
                    out.push((path.display().to_string(), code));
                }
            }
        }
        let mut files = Vec::new();
        sources(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let labels = Labels::embedded();
        let mut used = 0;
        for (path, text) in &files {
            for call in [".label(\"", ".fill(\"", ".fill(&format!(\"", "both(\""] {
                for piece in text.split(call).skip(1) {
                    let key = &piece[..piece.find('"').expect("a closing quote")];
                    let keys: Vec<String> = if key.contains("{kind}") {
                        ["type", "level"]
                            .iter()
                            .map(|kind| key.replace("{kind}", kind))
                            .collect()
                    } else {
                        vec![key.to_string()]
                    };
                    for key in keys {
                        used += 1;
                        assert!(
                            labels.rows.contains_key(key.as_str()),
                            "{path} uses the key {key:?}, which labels.tsv lacks"
                        );
                    }
                }
            }
            // Keys passed through a helper (`bad("err.corpus_missing")`, `error(…, "query.…")`).
            for prefix in ["\"err.", "\"query.", "\"param.", "\"choose.", "\"skip."] {
                for piece in text.split(prefix).skip(1) {
                    let key = format!(
                        "{}{}",
                        &prefix[1..],
                        &piece[..piece.find('"').expect("a closing quote")]
                    );
                    if key.ends_with('.') || key.contains('{') {
                        continue;
                    }
                    {
                        used += 1;
                        assert!(
                            labels.rows.contains_key(key.as_str()),
                            "{path} uses the key {key:?}, which labels.tsv lacks"
                        );
                    }
                }
            }
        }
        assert!(used > 0, "found only {used} keys: the scan is broken");
        for t in crate::SectionType::ALL {
            assert!(
                labels.rows.contains_key(format!("type.{t}").as_str()),
                "{t}"
            );
        }
        for facet in crate::export::TEXT_FACETS {
            assert!(crate::search::FacetKey::named(facet).is_some(), "{facet}");
        }
        for (key, _) in crate::export::TABLE_COLUMNS {
            let key = format!("col.{key}");
            assert!(labels.rows.contains_key(key.as_str()), "{key}");
        }
        for l in crate::region::Level::ALL {
            let key = format!("level.{}", l.as_str());
            assert!(labels.rows.contains_key(key.as_str()), "{key}");
        }
    }

    #[test]
    fn english_plurals_follow_the_count() {
        /// (label, values, English, Chinese)
        type Row<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str, &'a str);
        let rows: [Row; 6] = [
            (
                "msg.indexed",
                &[("reports", "1"), ("sections", "1")],
                "indexed 1 report (1 section)",
                "已索引 1 份报告（1 个章节）",
            ),
            (
                "msg.indexed",
                &[("reports", "2"), ("sections", "0")],
                "indexed 2 reports (0 sections)",
                "已索引 2 份报告（0 个章节）",
            ),
            (
                "idx.skipped_count",
                &[("n", "1")],
                "1 file skipped (reason above).",
                "跳过了 1 个文件（原因见上）。",
            ),
            (
                "idx.skipped_count",
                &[("n", "3")],
                "3 files skipped (reasons above).",
                "跳过了 3 个文件（原因见上）。",
            ),
            (
                "msg.panel_none",
                &[("reports", "1")],
                "no concept of the codebook occurs in the 1 report",
                "代码本中的概念在 1 份报告中均未出现",
            ),
            (
                "msg.wrote",
                &[("written", "1"), ("all", "1"), ("file", "a.csv")],
                "wrote 1 of 1 matching section to a.csv",
                "已将 1 个匹配章节中的 1 个写入 a.csv",
            ),
        ];
        for (key, values, en, zh) in rows {
            assert_eq!(Lang::En.fill(key, values), en, "{key} {values:?}");
            assert_eq!(Lang::Zh.fill(key, values), zh, "{key} {values:?}");
        }
        // No label is left with a plural unfilled.
        for key in &Labels::embedded().order {
            let en = Lang::En.label(key);
            for piece in en.split('{').skip(1) {
                let inner = piece.split('}').next().unwrap_or_default();
                if let Some((name, forms)) = inner.split_once('|') {
                    assert!(
                        !name.is_empty() && forms.contains('|'),
                        "{key}: {{{inner}}}"
                    );
                }
            }
        }
    }

    #[test]
    fn labels_in_both_languages() {
        let rows = [
            ("type.overview", "总体情况", "Overview"),
            ("type.measures", "主要举措和成效", "Measures and results"),
            ("type.shortcomings", "存在的不足", "Shortcomings"),
            ("type.leadership", "第一责任人职责", "Leadership duties"),
            ("type.plans", "下一年度工作打算", "Next year's plans"),
            ("type.other", "其他", "Other"),
            ("level.town", "乡镇", "Town"),
            ("level.county", "县级", "County"),
            ("level.department", "部门", "Department"),
            ("level.other", "其他", "Other"),
            ("col.section_type", "章节类型", "section_type"),
            ("col.n", "报告数 n", "n"),
        ];
        for (key, zh, en) in rows {
            assert_eq!(Lang::Zh.label(key), zh, "{key}");
            assert_eq!(Lang::En.label(key), en, "{key}");
        }
        assert_eq!(Lang::Zh.label("no.such.key"), "no.such.key");
        assert_eq!(Lang::Zh.section_type("shortcomings"), "存在的不足");
        assert_eq!(Lang::En.level("county"), "County");
        assert_eq!(Lang::Zh.column("town"), "乡镇街道");
        assert_eq!(Lang::Zh.section_type("unknown"), "unknown");
    }

    #[test]
    fn errors_in_both_languages_with_their_facts_filled_in() {
        let io = || std::io::Error::new(std::io::ErrorKind::PermissionDenied, "denied");
        let rows: Vec<(Error, &str, &str)> = vec![
            (
                Error::Damaged {
                    path: "idx".into(),
                    file: "meta.json".into(),
                    reason: "checksum mismatch".into(),
                },
                "idx 处的索引已损坏（文件 meta.json），请用 fazhi-index --rebuild 重建索引：checksum mismatch",
                "the index at idx is damaged (file meta.json): rebuild the index with fazhi-index --rebuild: checksum mismatch",
            ),
            (
                Error::NoIndex { path: "idx".into() },
                "idx 处没有索引：请用 `fazhi-index --corpus DIR --index idx` 建立",
                "no index at idx: build it with `fazhi-index --corpus DIR --index idx`",
            ),
            (
                Error::Read {
                    path: "a.txt".into(),
                    source: io(),
                },
                "无法读取 a.txt：denied",
                "cannot read a.txt: denied",
            ),
            (
                Error::SchemaVersion {
                    path: "idx".into(),
                    found: both("err.schema_writer", &[("writer", "x"), ("version", "3")]),
                    expected: 11,
                },
                "idx 处的索引是由 x 建立的第 3 版索引，而本程序读取第 11 版索引：请用 fazhi-index 重建索引",
                "the index at idx was built by x (schema version 3); this program reads schema version 11: rebuild the index with fazhi-index",
            ),
            (
                Error::BadInput {
                    path: "corpus".into(),
                    reason: both("err.corpus_empty", &[]),
                },
                "corpus：文件夹里没有文件；请把报告放进去",
                "corpus: the folder holds no files; put the reports in it",
            ),
            (
                Error::Query {
                    message: Text::plain("x"),
                    query: "\"法".into(),
                    caret: "^".into(),
                },
                "检索式有误：x\n  \"法\n  ^",
                "malformed query: x\n  \"法\n  ^",
            ),
            (Error::Usage(Text::plain("same")), "same", "same"),
        ];
        for (error, zh, en) in rows {
            assert_eq!(error.message(Lang::Zh), zh);
            assert_eq!(error.message(Lang::En), en);
            assert_eq!(error.to_string(), en, "Display is the English");
            assert_eq!(
                error.text(),
                Text {
                    zh: zh.into(),
                    en: en.into()
                }
            );
        }
    }

    const TYPES: [&str; 6] = [
        "overview",
        "measures",
        "shortcomings",
        "leadership",
        "plans",
        "other",
    ];

    #[test]
    fn types_and_levels_by_key_name_alias_or_part() {
        let rows = [
            ("shortcomings", Some("shortcomings")),
            ("存在的不足", Some("shortcomings")),
            ("不足", Some("shortcomings")),
            ("问题", Some("shortcomings")),
            ("Shortcomings", Some("shortcomings")),
            ("short", Some("shortcomings")),
            ("举措", Some("measures")),
            ("成效", Some("measures")),
            ("计划", Some("plans")),
            ("下一年度工作打算", Some("plans")),
            ("第一责任人", Some("leadership")),
            ("总体", Some("overview")),
            ("其他", Some("other")),
            ("o", None),
            ("火星", None),
            ("", None),
        ];
        for (text, expected) in rows {
            let got = resolve(text, "type.", &TYPES, "type").ok();
            assert_eq!(got, expected, "--type {text:?}");
        }
        let levels = ["town", "county", "department", "other"];
        for (text, expected) in [
            ("town", Some("town")),
            ("乡镇", Some("town")),
            ("县级", Some("county")),
            ("部门", Some("department")),
            ("dep", Some("department")),
            ("其他", Some("other")),
            ("火星", None),
        ] {
            let got = resolve(text, "level.", &levels, "level").ok();
            assert_eq!(got, expected, "--level {text:?}");
        }
    }

    #[test]
    fn an_unknown_or_ambiguous_type_lists_the_choices_in_the_language() {
        let rows: [(Lang, &str, [&str; 2]); 4] = [
            (
                Lang::Zh,
                "火星",
                ["未知的章节类型“火星”", "存在的不足（shortcomings）"],
            ),
            (
                Lang::En,
                "mars",
                [
                    "unknown section type \"mars\"",
                    "valid types: overview, measures",
                ],
            ),
            (
                Lang::Zh,
                "o",
                ["不明确", "总体情况（overview）、其他（other）"],
            ),
            (Lang::En, "o", ["ambiguous", "overview, other"]),
        ];
        for (lang, text, parts) in rows {
            let err = resolve(text, "type.", &TYPES, "type")
                .expect_err(text)
                .message(lang);
            for part in parts {
                assert!(err.contains(part), "{lang:?} {text}: {err}");
            }
        }
    }
}
