//! A codebook: the concepts a researcher codes the reports for, one a line of a TSV file —
//! a name, a query in the query language (synonyms with OR, exclusions with -), the section
//! types to look in (none: every section) and a short description. `fazhi-query panel` counts
//! each concept in each report ([`super::panel`]).
//!
//! ```text
//! # comments and blank lines are skipped; ⇥ is a tab
//! name⇥query⇥types⇥description
//! 法律顾问⇥法律顾问 OR 公职律师⇥⇥legal advisers and public-sector lawyers
//! 执法不足⇥行政执法⇥shortcomings⇥law enforcement among the shortcomings
//! ```
//!
//! The first line that is not a comment names the columns: `name` and `query` are required,
//! `types` and `description` optional, in any order; each by its key or its Chinese name (概念,
//! 检索式, 章节类型, 说明). Every mistake is refused with the line it is on: an unknown column,
//! a malformed query, an unknown section type, a name given twice.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::query::{Query, parse};
use crate::classify::SectionType;
use crate::error::{Error, Result, Text};
use crate::lang::{Lang, both, each};

/// One concept: what is counted, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Concept {
    /// The concept's name: its column in the panel.
    pub name: String,
    /// The query as written.
    pub query: String,
    #[serde(skip)]
    pub parsed: Query,
    /// The section types it is looked for in; empty for every section.
    pub types: Vec<SectionType>,
    pub description: String,
    /// The line of the codebook it is on.
    #[serde(skip)]
    pub line: usize,
}

impl Concept {
    /// The terms whose occurrences are counted (those not under a NOT).
    pub fn terms(&self) -> Vec<&str> {
        self.parsed.positive_terms()
    }
}

/// The concepts of a codebook file, in its order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Codebook {
    pub concepts: Vec<Concept>,
    /// The file it was read from.
    pub path: PathBuf,
}

/// A codebook's columns, by key; (key, required).
pub const COLUMNS: [(&str, bool); 4] = [
    ("name", true),
    ("query", true),
    ("types", false),
    ("description", false),
];

/// The names a header may give a column besides its key: the Chinese and English labels.
fn column_names(key: &str) -> [&'static str; 2] {
    let label = match key {
        "name" => "concept",
        "query" => "query",
        "types" => "section_type",
        _ => "description",
    };
    [Lang::Zh.column(label), Lang::En.column(label)]
}

/// The panel's own columns, which a concept may not be named after.
const RESERVED: [&str; 13] = [
    "file",
    "title",
    "town",
    "county",
    "city",
    "province",
    "level",
    "year",
    "issuer",
    "published",
    "reports",
    "concept",
    "value",
];

impl Codebook {
    /// The concepts' names, in the codebook's order.
    pub fn names(&self) -> Vec<&str> {
        self.concepts.iter().map(|c| c.name.as_str()).collect()
    }

    /// Reads and checks the codebook at `path`; a section type may be named in either
    /// language, a refusal says what is wrong in both.
    pub fn read(path: &Path) -> Result<Codebook> {
        let bytes = std::fs::read(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let text = String::from_utf8(bytes).map_err(|e| Error::BadInput {
            path: path.to_path_buf(),
            reason: both(
                "codebook.not_utf8",
                &[("byte", &e.utf8_error().valid_up_to().to_string())],
            ),
        })?;
        Codebook::parse(&text, path)
    }

    /// Parses a codebook's text; `path` names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Codebook> {
        let bad = |line: usize, reason: Text| Error::BadInput {
            path: path.to_path_buf(),
            reason: each(|lang| {
                let line = line.to_string();
                lang.fill(
                    "codebook.line",
                    &[("line", &line), ("reason", reason.get(lang))],
                )
            }),
        };
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        let mut header: Option<Vec<&str>> = None;
        let mut concepts: Vec<Concept> = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let raw = raw.trim_end_matches('\r');
            if raw.trim().is_empty() || raw.trim_start().starts_with('#') {
                continue;
            }
            let cells: Vec<&str> = raw.split('\t').map(str::trim).collect();
            let Some(columns) = &header else {
                header = Some(parse_header(&cells).map_err(|reason| bad(line, reason))?);
                continue;
            };
            if cells.len() > columns.len() {
                let (n, of) = (cells.len().to_string(), columns.len().to_string());
                let names = columns.join(", ");
                let values = [("cells", &*n), ("columns", &*of), ("names", &*names)];
                return Err(bad(line, both("codebook.cells", &values)));
            }
            let cell = |key: &str| -> &str {
                columns
                    .iter()
                    .position(|c| *c == key)
                    .and_then(|at| cells.get(at))
                    .copied()
                    .unwrap_or("")
            };
            let concept = concept(cell("name"), cell("query"), cell("types"), &concepts)
                .map_err(|reason| bad(line, reason))?;
            concepts.push(Concept {
                description: cell("description").to_string(),
                line,
                ..concept
            });
        }
        if concepts.is_empty() {
            return Err(Error::BadInput {
                path: path.to_path_buf(),
                reason: both("codebook.none", &[]),
            });
        }
        Ok(Codebook {
            concepts,
            path: path.to_path_buf(),
        })
    }
}

/// The keys of a header line's columns, or why it is not one.
fn parse_header<'a>(cells: &[&str]) -> std::result::Result<Vec<&'a str>, Text> {
    let mut keys: Vec<&'a str> = Vec::new();
    for cell in cells {
        let lower = cell.to_lowercase();
        let key = COLUMNS
            .iter()
            .map(|(key, _)| *key)
            .find(|key| {
                *key == lower || column_names(key).iter().any(|n| n.to_lowercase() == lower)
            })
            .ok_or_else(|| {
                let known: Vec<&str> = COLUMNS.iter().map(|(k, _)| *k).collect();
                let known = known.join(", ");
                each(|lang| {
                    let tabs = match cell.contains([',', ';']) {
                        true => lang.pick("", " ").to_string() + lang.label("codebook.tabs"),
                        false => String::new(),
                    };
                    let values = [("cell", *cell), ("tabs", &*tabs), ("known", &*known)];
                    lang.fill("codebook.unknown_column", &values)
                })
            })?;
        if keys.contains(&key) {
            return Err(both("codebook.twice", &[("key", key)]));
        }
        keys.push(key);
    }
    if let Some((missing, _)) = COLUMNS
        .iter()
        .find(|(key, required)| *required && !keys.contains(key))
    {
        return Err(both("codebook.missing", &[("missing", missing)]));
    }
    Ok(keys)
}

/// A concept from its cells, checked against those before it.
fn concept(
    name: &str,
    query: &str,
    types: &str,
    before: &[Concept],
) -> std::result::Result<Concept, Text> {
    if name.is_empty() {
        return Err(both("codebook.no_name", &[]));
    }
    if let Some(first) = before.iter().find(|c| c.name == name) {
        let line = first.line.to_string();
        return Err(both(
            "codebook.named_before",
            &[("name", name), ("line", &line)],
        ));
    }
    let reserved = RESERVED
        .iter()
        .any(|key| *key == name || Lang::Zh.column(key) == name || Lang::En.column(key) == name);
    if reserved {
        return Err(both("codebook.reserved", &[("name", name)]));
    }
    if query.is_empty() {
        return Err(both("codebook.no_query", &[("name", name)]));
    }
    let parsed = parse(query).map_err(|e| e.text())?;
    if parsed == Query::All {
        return Err(both("codebook.all", &[("name", name)]));
    }
    // `-培训` alone would count every section without the word as mentioning the concept.
    if parsed.positive_terms().is_empty() {
        return Err(both("codebook.only_exclusions", &[("name", name)]));
    }
    let mut kinds: Vec<SectionType> = Vec::new();
    for part in types
        .split([',', '，', '、', ';', '；', ' '])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let kind = SectionType::parse_named(part).map_err(|e| e.text())?;
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    Ok(Concept {
        name: name.to_string(),
        query: query.to_string(),
        parsed,
        types: kinds,
        description: String::new(),
        line: 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "name\tquery\ttypes\tdescription\n";

    fn parsed(text: &str) -> Result<Codebook> {
        Codebook::parse(text, Path::new("codebook.tsv"))
    }

    #[test]
    fn concepts_are_read_with_their_types_and_lines() {
        let text = format!(
            "\u{FEFF}# a comment\n{HEADER}法律顾问\t法律顾问 OR 公职律师\t\t顾问\n\n\
             执法不足\t行政执法 -培训\t存在的不足, plans\t\n"
        );
        let book = parsed(&text).expect("a codebook");
        let rows: Vec<(&str, &str, Vec<SectionType>, &str, usize)> = book
            .concepts
            .iter()
            .map(|c| {
                (
                    c.name.as_str(),
                    c.query.as_str(),
                    c.types.clone(),
                    c.description.as_str(),
                    c.line,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("法律顾问", "法律顾问 OR 公职律师", vec![], "顾问", 3),
                (
                    "执法不足",
                    "行政执法 -培训",
                    vec![SectionType::Shortcomings, SectionType::Plans],
                    "",
                    5
                ),
            ]
        );
        assert_eq!(book.concepts[1].terms(), ["行政执法"]);
    }

    #[test]
    fn a_chinese_header_in_any_order_and_without_optional_columns() {
        let book = parsed("检索式\t概念\n合法性审查\t合法性\n").expect("a codebook");
        assert_eq!(book.concepts[0].name, "合法性");
        assert_eq!(book.concepts[0].query, "合法性审查");
        assert!(book.concepts[0].types.is_empty());
    }

    #[test]
    fn every_mistake_names_its_line() {
        // (codebook, what the message says)
        let rows = [
            ("name\tquery\tweight\n", "line 1: unknown column \"weight\""),
            (
                "name,query\n",
                "(columns are separated by tabs, not commas)",
            ),
            (
                "name\tdescription\n",
                "line 1: the header has no query column",
            ),
            (
                "name\tquery\tname\n",
                "line 1: the column name is named twice",
            ),
            ("name\tquery\na\t(法律 OR\n", "line 2: malformed query"),
            (
                "name\tquery\ttypes\n\na\t法律\tnowhere\n",
                "line 3: unknown section type",
            ),
            (
                "name\tquery\na\t法律\na\t顾问\n",
                "line 3: the concept \"a\" is already named on line 2",
            ),
            ("name\tquery\n\t法律\n", "line 2: the concept has no name"),
            (
                "name\tquery\na\t\n",
                "line 2: the concept \"a\" has no query",
            ),
            ("name\tquery\na\tb\tc\n", "line 2: 3 cells"),
            (
                "name\tquery\n排除\t-培训 NOT 宣传\n",
                "line 2: the query of \"排除\" only excludes",
            ),
            (
                "name\tquery\n年份\t法律\n",
                "line 2: \"年份\" is a column of the panel",
            ),
            (
                "name\tquery\nyear\t法律\n",
                "line 2: \"year\" is a column of the panel",
            ),
            ("# only a comment\n", "no concept"),
            ("name\tquery\n", "no concept"),
        ];
        for (text, expected) in rows {
            let message = parsed(text).expect_err(text).to_string();
            assert!(
                message.starts_with("codebook.tsv: ") && message.contains(expected),
                "{text:?}: {message}"
            );
        }
    }

    #[test]
    fn a_file_not_in_utf8_is_refused() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("gbk.tsv");
        std::fs::write(&path, b"name\tquery\n\xb7\xa8\t\xb7\xa8\n").expect("write");
        let message = Codebook::read(&path).expect_err("GBK").to_string();
        assert!(message.contains("not UTF-8"), "{message}");
    }
}
