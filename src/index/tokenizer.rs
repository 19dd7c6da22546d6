//! The two analysers of section text.
//!
//! * [`ChineseBigramTokenizer`] gives every overlapping pair of characters, the pair starting at
//!   character i at position i, so that a phrase of a term's pairs matches exactly where the text
//!   contains the term: the exact-match guarantee rests on it, not on word segmentation. Pairs are
//!   far rarer than single characters, so the postings to intersect are short (Lucene's CJK
//!   approach). The last character is paired with [`END_MARK`], so that every character starts
//!   a pair: a one-character term matches where any pair starting with it does.
//! * [`ChineseWordTokenizer`] gives jieba's words (search mode, with the domain dictionary of
//!   `index_schema/dictionary.txt`), for BM25 ranking.
//!
//! Both expect text that went through [`crate::normalize`].

use std::sync::LazyLock;

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use tantivy_jieba::jieba_rs::{Jieba, TokenizeMode};

use crate::error::{Error, Result};
pub use crate::normalize::END_MARK;

pub const BIGRAMS: &str = "fazhi_bigrams";
pub const WORDS: &str = "fazhi_words";

/// Every overlapping pair of characters, at the position of its first character.
#[derive(Clone, Default)]
pub struct ChineseBigramTokenizer;

pub struct BigramTokenStream<'a> {
    text: &'a str,
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    token: Token,
    position: usize,
}

/// The last character of a text and the end mark, as one token.
fn end_pair(last: &str) -> String {
    let mut pair = String::with_capacity(last.len() + END_MARK.len_utf8());
    pair.push_str(last);
    pair.push(END_MARK);
    pair
}

impl Tokenizer for ChineseBigramTokenizer {
    type TokenStream<'a> = BigramTokenStream<'a>;

    fn token_stream<'a>(&mut self, text: &'a str) -> BigramTokenStream<'a> {
        BigramTokenStream {
            text,
            chars: text.char_indices().peekable(),
            token: Token::default(),
            position: 0,
        }
    }
}

impl TokenStream for BigramTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let Some((start, _)) = self.chars.next() else {
            return false;
        };
        self.token.offset_from = start;
        self.token.position = self.position;
        self.token.position_length = 1;
        self.token.text.clear();
        match self.chars.peek() {
            Some(&(second, c)) => {
                let end = second + c.len_utf8();
                self.token.offset_to = end;
                self.token.text.push_str(&self.text[start..end]);
            }
            None => {
                self.token.offset_to = self.text.len();
                self.token.text = end_pair(&self.text[start..]);
            }
        }
        self.position += 1;
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// The pairs of `term` needed to match it exactly, with their offsets: every other pair and the
/// last, which together cover every character ("依法治镇" → 依法@0, 治镇@2).
pub fn covering_bigrams(term: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = term.chars().collect();
    if chars.len() < 2 {
        return Vec::new();
    }
    let last = chars.len() - 2;
    let mut starts: Vec<usize> = (0..=last).step_by(2).collect();
    if starts.last() != Some(&last) {
        starts.push(last);
    }
    starts
        .into_iter()
        .map(|i| (i, chars[i..i + 2].iter().collect()))
        .collect()
}

/// jieba's words, from one dictionary shared by every clone (tantivy clones a tokenizer each
/// time it hands one out; jieba's dictionary is megabytes) and loaded on first use, so that
/// opening an index to search it does not pay for it.
#[derive(Clone, Default)]
pub struct ChineseWordTokenizer;

const DICTIONARY: &str = include_str!("../../index_schema/dictionary.txt");

/// A word of the domain dictionary: the word, its frequency and part of speech when given.
pub type DictionaryWord = (String, Option<usize>, Option<String>);

/// Parses the domain dictionary: `word [frequency] [tag]` per line.
pub fn parse_dictionary(data: &str) -> Result<Vec<DictionaryWord>> {
    let mut words = Vec::new();
    for (i, row) in data.lines().enumerate() {
        let row = row.trim();
        if row.is_empty() || row.starts_with('#') {
            continue;
        }
        let mut cols = row.split_whitespace();
        let word = cols.next().unwrap_or_default().to_string();
        let freq = match cols.next() {
            Some(f) => Some(f.parse::<usize>().map_err(|_| Error::SchemaData {
                file: "dictionary.txt",
                line: i + 1,
                reason: format!("frequency {f:?} is not a whole number"),
            })?),
            None => None,
        };
        words.push((word, freq, cols.next().map(String::from)));
    }
    Ok(words)
}

static JIEBA: LazyLock<Jieba> = LazyLock::new(|| {
    let mut jieba = Jieba::new();
    let words = parse_dictionary(DICTIONARY)
        .expect("index_schema/dictionary.txt is valid: checked by its unit test");
    for (word, freq, tag) in words {
        jieba.add_word(&crate::normalize(&word), freq, tag.as_deref());
    }
    jieba
});

impl ChineseWordTokenizer {
    /// The words of `text` that carry meaning (no spaces, no punctuation).
    pub fn words(&self, text: &str) -> Vec<String> {
        JIEBA
            .tokenize(text, TokenizeMode::Search, true)
            .into_iter()
            .filter(|t| is_word(t.word))
            .map(|t| t.word.to_string())
            .collect()
    }
}

fn is_word(word: &str) -> bool {
    word.chars().any(char::is_alphanumeric)
}

pub struct WordTokenStream {
    tokens: std::vec::IntoIter<Token>,
    token: Token,
}

impl Tokenizer for ChineseWordTokenizer {
    type TokenStream<'a> = WordTokenStream;

    fn token_stream(&mut self, text: &str) -> WordTokenStream {
        let tokens: Vec<Token> = JIEBA
            .tokenize(text, TokenizeMode::Search, true)
            .into_iter()
            .filter(|t| is_word(t.word))
            .enumerate()
            .map(|(position, t)| {
                let offset_from = t.word.as_ptr() as usize - text.as_ptr() as usize;
                Token {
                    offset_from,
                    offset_to: offset_from + t.word.len(),
                    position,
                    text: t.word.to_string(),
                    position_length: 1,
                }
            })
            .collect();
        WordTokenStream {
            tokens: tokens.into_iter(),
            token: Token::default(),
        }
    }
}

impl TokenStream for WordTokenStream {
    fn advance(&mut self) -> bool {
        match self.tokens.next() {
            Some(t) => {
                self.token = t;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_bigrams_with_sequential_positions() {
        let mut tokenizer = ChineseBigramTokenizer;
        let mut stream = tokenizer.token_stream("依法 治a");
        let mut got = Vec::new();
        while let Some(t) = stream.next() {
            got.push((t.text.clone(), t.position));
        }
        let end = |c: &str| format!("{c}{END_MARK}");
        assert_eq!(
            got,
            [
                ("依法".to_string(), 0),
                ("法 ".to_string(), 1),
                (" 治".to_string(), 2),
                ("治a".to_string(), 3),
                (end("a"), 4)
            ]
        );
        let mut one = tokenizer.token_stream("法");
        assert_eq!(
            one.next().map(|t| t.text.clone()),
            Some(end("法")),
            "one character pairs with the end"
        );
        assert!(one.next().is_none());
        assert!(
            tokenizer.token_stream("").next().is_none(),
            "no text, no pairs"
        );
    }

    #[test]
    fn covering_bigrams_cover_every_character() {
        let rows: [(&str, &[(usize, &str)]); 5] = [
            ("法", &[]),
            ("法治", &[(0, "法治")]),
            ("依法治", &[(0, "依法"), (1, "法治")]),
            ("依法治镇", &[(0, "依法"), (2, "治镇")]),
            ("法律顾问团", &[(0, "法律"), (2, "顾问"), (3, "问团")]),
        ];
        for (term, expected) in rows {
            let got = covering_bigrams(term);
            let got: Vec<(usize, &str)> = got.iter().map(|(i, s)| (*i, s.as_str())).collect();
            assert_eq!(got, expected, "pairs of {term}");
        }
    }

    #[test]
    fn dictionary_parses_and_domain_words_are_words() {
        let words = parse_dictionary(DICTIONARY).expect("index_schema/dictionary.txt");
        assert!(words.len() > 40);
        let w = ChineseWordTokenizer.words("推进法律明白人培养和一岗双责落实");
        for expected in ["法律明白人", "一岗双责"] {
            assert!(
                w.iter().any(|x| x == expected),
                "{expected} missing from {w:?}"
            );
        }
    }

    #[test]
    fn bad_dictionary_line_is_named() {
        let err = parse_dictionary("法治 many")
            .expect_err("must fail")
            .to_string();
        assert!(err.contains("dictionary.txt, line 1"), "{err}");
    }
}
