//! The query language.
//!
//! | syntax            | meaning                                                  |
//! |-------------------|----------------------------------------------------------|
//! | `法律顾问 合同`   | both terms (whitespace = AND; `AND` may be written)       |
//! | `"法治 建设"`     | a phrase, spaces included                                |
//! | `普法 OR 宣传`    | either                                                   |
//! | `-培训`, `NOT 培训` | excludes                                               |
//! | `(a OR b) c`      | grouping with ASCII parentheses                          |
//!
//! Every term matches as an exact substring of the normalised section text. Full-width
//! （） and “” are ordinary text, so `村（居）法律顾问` is one term.

use crate::error::{Error, Result, Text};
use crate::lang::{Lang, both};

/// A parsed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// Every section (a query of exclusions only, or filters without a query).
    All,
    /// A term or quoted phrase: matches sections whose text contains it.
    Text(String),
    And(Vec<Query>),
    Or(Vec<Query>),
    Not(Box<Query>),
}

impl Query {
    /// The terms that a matching section contains (those not under a NOT), for highlighting.
    pub fn positive_terms(&self) -> Vec<&str> {
        let mut out = Vec::new();
        self.collect_positive(&mut out);
        out
    }

    fn collect_positive<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Query::Text(t) => out.push(t),
            Query::And(qs) | Query::Or(qs) => qs.iter().for_each(|q| q.collect_positive(out)),
            Query::All | Query::Not(_) => {}
        }
    }
}

/// The longest query accepted, in characters.
pub const MAX_QUERY_CHARS: usize = 10_000;
/// How deeply parentheses and NOTs may nest.
const MAX_DEPTH: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Word(String),
    Phrase(String),
    Open,
    Close,
    Or,
    And,
    Not,
}

/// Parses a query, or says what is wrong and where.
pub fn parse(input: &str) -> Result<Query> {
    if input.chars().count() > MAX_QUERY_CHARS {
        return Err(Error::Usage(both(
            "query.too_long",
            &[
                ("n", &input.chars().count().to_string()),
                ("max", &MAX_QUERY_CHARS.to_string()),
            ],
        )));
    }
    let tokens = lex(input)?;
    if tokens.is_empty() {
        return Err(error(input, 0, "query.empty"));
    }
    let mut parser = Parser {
        input,
        tokens,
        pos: 0,
        depth: 0,
    };
    let query = parser.or()?;
    if let Some((at, tok)) = parser.tokens.get(parser.pos) {
        let what = if *tok == Tok::Close {
            "query.close_nothing"
        } else {
            "query.unexpected"
        };
        return Err(error(input, *at, what));
    }
    Ok(query)
}

fn lex(input: &str) -> Result<Vec<(usize, Tok)>> {
    let chars: Vec<char> = input.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() || c.is_control() {
            i += 1;
        } else if c == '(' {
            tokens.push((i, Tok::Open));
            i += 1;
        } else if c == ')' {
            tokens.push((i, Tok::Close));
            i += 1;
        } else if c == '"' {
            let start = i;
            let end = (i + 1..chars.len()).find(|&j| chars[j] == '"');
            let Some(end) = end else {
                return Err(error(input, start, "query.unclosed_quote"));
            };
            let phrase: String = chars[start + 1..end].iter().collect();
            if phrase.trim().is_empty() {
                return Err(error(input, start, "query.empty_phrase"));
            }
            tokens.push((start, Tok::Phrase(phrase)));
            i = end + 1;
        } else if c == '-' && i + 1 < chars.len() && !chars[i + 1].is_whitespace() {
            tokens.push((i, Tok::Not));
            i += 1;
        } else {
            let start = i;
            while i < chars.len()
                && !chars[i].is_whitespace()
                && !chars[i].is_control()
                && !matches!(chars[i], '(' | ')' | '"')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let tok = match word.as_str() {
                "OR" => Tok::Or,
                "AND" => Tok::And,
                "NOT" => Tok::Not,
                _ => Tok::Word(word),
            };
            tokens.push((start, tok));
        }
    }
    Ok(tokens)
}

struct Parser<'a> {
    input: &'a str,
    tokens: Vec<(usize, Tok)>,
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|(_, t)| t)
    }

    fn at(&self) -> usize {
        self.tokens
            .get(self.pos)
            .map_or_else(|| self.input.chars().count(), |(at, _)| *at)
    }

    fn or(&mut self) -> Result<Query> {
        let mut alternatives = vec![self.and()?];
        while self.peek() == Some(&Tok::Or) {
            self.pos += 1;
            alternatives.push(self.and()?);
        }
        Ok(if alternatives.len() == 1 {
            alternatives.remove(0)
        } else {
            Query::Or(alternatives)
        })
    }

    fn and(&mut self) -> Result<Query> {
        let mut parts = Vec::new();
        loop {
            match self.peek() {
                None | Some(Tok::Close) | Some(Tok::Or) => break,
                Some(Tok::And) if !parts.is_empty() => self.pos += 1,
                _ => parts.push(self.unary()?),
            }
        }
        match parts.len() {
            0 if self.peek() == Some(&Tok::Or) => Err(error(self.input, self.at(), "query.or_and")),
            0 => Err(error(self.input, self.at(), "query.expected_term")),
            1 => Ok(parts.remove(0)),
            _ => Ok(Query::And(parts)),
        }
    }

    fn unary(&mut self) -> Result<Query> {
        if self.peek() == Some(&Tok::Not) {
            let at = self.at();
            self.pos += 1;
            if matches!(
                self.peek(),
                None | Some(Tok::Close) | Some(Tok::Or) | Some(Tok::And)
            ) {
                return Err(error(self.input, at, "query.not_needs_term"));
            }
            self.descend(at)?;
            let inner = self.unary()?;
            self.depth -= 1;
            return Ok(Query::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn descend(&mut self, at: usize) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(error(self.input, at, "query.too_deep"));
        }
        Ok(())
    }

    fn primary(&mut self) -> Result<Query> {
        let at = self.at();
        let Some((_, tok)) = self.tokens.get(self.pos).cloned() else {
            return Err(error(self.input, at, "query.expected_term"));
        };
        self.pos += 1;
        match tok {
            // `a or b`, `a | b`, `a 或 b` mean OR to whoever writes them, and as words they
            // would silently match almost nothing: said, with how to write either meaning.
            Tok::Word(w) if OPERATOR_WORDS.contains(&w.to_lowercase().as_str()) => {
                Err(error(self.input, at, "query.operator_word"))
            }
            Tok::Word(w) | Tok::Phrase(w) => Ok(Query::Text(w)),
            Tok::Open => {
                self.descend(at)?;
                if self.peek() == Some(&Tok::Close) {
                    return Err(error(self.input, at, "query.empty_parens"));
                }
                let inner = self.or()?;
                if self.peek() != Some(&Tok::Close) {
                    return Err(error(self.input, at, "query.unclosed_paren"));
                }
                self.pos += 1;
                self.depth -= 1;
                Ok(inner)
            }
            Tok::Close => Err(error(self.input, at, "query.close_nothing")),
            Tok::Or | Tok::And => Err(error(self.input, at, "query.or_and")),
            Tok::Not => Err(error(self.input, at, "query.not_needs_term")),
        }
    }
}

/// Words that read as operators but are not the query language's (which are `OR`, `AND`, `NOT`
/// and `-`): searched for, they must be quoted.
const OPERATOR_WORDS: [&str; 8] = ["or", "and", "not", "|", "||", "&&", "或", "或者"];

/// A query error pointing at character `at` of `input`; `what` is the label (`query.*`) that
/// says what is wrong there.
fn error(input: &str, at: usize, what: &str) -> Error {
    let width: usize = input.chars().take(at).map(display_width).sum();
    let shown: String = input.chars().filter(|c| !c.is_control()).collect();
    let at = (at + 1).to_string();
    let message = |lang: Lang| {
        lang.fill(
            "err.query_at",
            &[("message", lang.label(what)), ("at", &at)],
        )
    };
    Error::Query {
        message: Text {
            zh: message(Lang::Zh),
            en: message(Lang::En),
        },
        query: shown,
        caret: format!("{}^", " ".repeat(width)),
    }
}

/// Terminal columns a character takes: two for CJK and full-width forms.
pub fn display_width(c: char) -> usize {
    match c as u32 {
        0x1100..=0x115F
        | 0x2E80..=0xA4CF
        | 0xAC00..=0xD7A3
        | 0xF900..=0xFAFF
        | 0xFE30..=0xFE4F
        | 0xFF00..=0xFF60
        | 0xFFE0..=0xFFE6
        | 0x20000..=0x3FFFD => 2,
        _ if c.is_control() => 0,
        _ => 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Query::*;

    fn t(s: &str) -> Query {
        Text(s.to_string())
    }

    #[test]
    fn query_syntax() {
        let rows: Vec<(&str, Query)> = vec![
            ("法律顾问", t("法律顾问")),
            ("法律顾问 合同", And(vec![t("法律顾问"), t("合同")])),
            ("法律顾问 AND 合同", And(vec![t("法律顾问"), t("合同")])),
            ("\"法治 建设\"", t("法治 建设")),
            ("普法 OR 宣传", Or(vec![t("普法"), t("宣传")])),
            (
                "普法 宣传 OR 培训",
                Or(vec![And(vec![t("普法"), t("宣传")]), t("培训")]),
            ),
            ("-培训", Not(Box::new(t("培训")))),
            (
                "普法 NOT 培训",
                And(vec![t("普法"), Not(Box::new(t("培训")))]),
            ),
            (
                "(普法 OR 宣传) 村",
                And(vec![Or(vec![t("普法"), t("宣传")]), t("村")]),
            ),
            ("村（居）法律顾问", t("村（居）法律顾问")),
            ("2021-2025", t("2021-2025")),
            ("“关键少数”", t("“关键少数”")),
            // Lowercase or is an error (malformed_queries_say_where); quoted, a word.
            ("\"or\"", t("or")),
            ("普法 -", And(vec![t("普法"), t("-")])),
            ("　全角空格　分开", And(vec![t("全角空格"), t("分开")])),
        ];
        for (input, expected) in rows {
            assert_eq!(parse(input).ok(), Some(expected), "parsing {input:?}");
        }
    }

    #[test]
    fn malformed_queries_say_where() {
        let rows = [
            ("\"法律顾问", "never closed", 0),
            ("(普法 OR 宣传", "never closed", 0),
            ("普法)", "closes nothing", 2),
            ("普法 OR", "expected a term", 5),
            ("OR 普法", "OR and AND need", 0),
            ("()", "empty parentheses", 0),
            ("\"\"", "empty phrase", 0),
            ("", "empty", 0),
            ("NOT", "needs a term", 0),
            // An operator written as a word would be searched for: said, at the word.
            ("法律顾问 or 公职律师", "write OR in capitals", 5),
            ("法律顾问 | 公职律师", "write OR in capitals", 5),
            ("法律顾问 或 公职律师", "write OR in capitals", 5),
            ("a and b", "write OR in capitals", 2),
        ];
        // In Chinese too, every message a label of its own (never the key).
        let chinese = [
            ("\"法律顾问", "引号没有闭合（第 1 个字符处）"),
            ("普法)", "这个“)”没有对应的“(”（第 3 个字符处）"),
            ("", "检索式为空"),
        ];
        for (input, zh) in chinese {
            let err = parse(input).expect_err(input);
            assert!(err.message(Lang::Zh).contains(zh), "{input:?}: {err:?}");
            assert!(err.message(Lang::Zh).starts_with("检索式有误："), "{err:?}");
        }
        for (input, message, caret_chars) in rows {
            match parse(input) {
                Err(Error::Query {
                    message: m, caret, ..
                }) => {
                    assert!(
                        m.en.contains(message) && !m.zh.contains("query."),
                        "{input:?}: message {m:?} should say {message:?}"
                    );
                    let caret_col = caret.chars().count() - 1;
                    let expected_col: usize =
                        input.chars().take(caret_chars).map(display_width).sum();
                    assert_eq!(caret_col, expected_col, "{input:?}: caret position");
                }
                other => panic!("{input:?} should be malformed, got {other:?}"),
            }
        }
    }

    #[test]
    fn an_operator_word_in_quotes_is_searched_for() {
        assert_eq!(
            parse("法律顾问 \"或\"").expect("quoted"),
            And(vec![Text("法律顾问".into()), Text("或".into())])
        );
        assert_eq!(
            parse("法律顾问或").expect("part of a word"),
            Text("法律顾问或".into())
        );
    }

    #[test]
    fn positive_terms_skip_exclusions() {
        let q = parse("(普法 OR 宣传) -培训 \"法律 顾问\"").expect("valid");
        assert_eq!(q.positive_terms(), ["普法", "宣传", "法律 顾问"]);
    }

    #[test]
    fn limits() {
        assert!(parse(&"法".repeat(MAX_QUERY_CHARS + 1)).is_err());
        assert!(parse(&"(".repeat(100)).is_err());
        assert!(
            parse(&"-".repeat(200)).is_err(),
            "199 nested NOTs are too deep"
        );
    }
}
