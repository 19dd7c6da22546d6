//! The two analysers of section text.
//!
//! * [`ChineseBigramTokenizer`] gives every overlapping pair of characters, the pair starting at
//!   character i at position i, so that a phrase of a term's pairs matches exactly where the text
//!   contains the term: the exact-match guarantee rests on it, not on word segmentation. Pairs are
//!   far rarer than single characters, so the postings to intersect are short (Lucene's CJK
//!   approach). The last character is paired with [`END_MARK`], so that every character starts
//!   a pair: a one-character term matches where any pair starting with it does. After a pair of
//!   `index_schema/common_pairs.txt` (法治, 依法, …) it also gives the three characters the pair
//!   starts, at the same position (Lucene's common grams), so that a term need not be matched
//!   on the positions of a pair that is in most sections ([`covering_grams`]).
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
    /// The three characters (a byte range) to give next, at the position of the common pair
    /// just given.
    gram: Option<(usize, usize)>,
}

const COMMON_PAIRS: &str = include_str!("../../index_schema/common_pairs.txt");

/// A pair of characters as one number, for a sorted list.
fn pair_key(first: char, second: char) -> u64 {
    (u64::from(first) << 32) | u64::from(second)
}

/// Parses the common pairs: one pair of characters per line, `#` comments; sorted keys.
fn parse_common_pairs(data: &str) -> Result<Vec<u64>> {
    let mut keys = Vec::new();
    for (i, row) in data.lines().enumerate() {
        let row = row.trim();
        if row.is_empty() || row.starts_with('#') {
            continue;
        }
        let chars: Vec<char> = crate::normalize(row).chars().collect();
        let [first, second] = chars[..] else {
            return Err(Error::SchemaData {
                file: "common_pairs.txt",
                line: i + 1,
                reason: format!("{row:?} is not two characters"),
            });
        };
        keys.push(pair_key(first, second));
    }
    keys.sort_unstable();
    keys.dedup();
    Ok(keys)
}

static COMMON: LazyLock<Vec<u64>> = LazyLock::new(|| {
    parse_common_pairs(COMMON_PAIRS)
        .expect("index_schema/common_pairs.txt is valid: checked by its unit test")
});

/// True for a pair of `index_schema/common_pairs.txt`, after which three characters are indexed.
fn is_common_pair(first: char, second: char) -> bool {
    COMMON.binary_search(&pair_key(first, second)).is_ok()
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
            gram: None,
        }
    }
}

impl TokenStream for BigramTokenStream<'_> {
    fn advance(&mut self) -> bool {
        if let Some((start, end)) = self.gram.take() {
            self.token.offset_from = start;
            self.token.offset_to = end;
            self.token.position = self.position - 1;
            self.token.text.clear();
            self.token.text.push_str(&self.text[start..end]);
            return true;
        }
        let Some((start, first)) = self.chars.next() else {
            return false;
        };
        self.token.offset_from = start;
        self.token.position = self.position;
        self.token.position_length = 1;
        self.token.text.clear();
        match self.chars.peek() {
            Some(&(at, second)) => {
                let end = at + second.len_utf8();
                self.token.offset_to = end;
                self.token.text.push_str(&self.text[start..end]);
                if is_common_pair(first, second)
                    && let Some(third) = self.text[end..].chars().next()
                {
                    self.gram = Some((start, end + third.len_utf8()));
                }
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

/// The grams of `term` a phrase needs to match it exactly, with their offsets, chosen from the
/// start: the three characters after a common pair, else the pair; then, if one character is
/// left, the gram that ends on it ("依法治镇" → 依法治@0, 法治镇@1; "法律顾问团" → 法律顾@0,
/// 问团@3). Every gram chosen is indexed wherever the term occurs: pairs everywhere, and three
/// characters after every common pair that has a character after it.
pub fn covering_grams(term: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = term.chars().collect();
    let n = chars.len();
    if n < 2 {
        return Vec::new();
    }
    let gram_at = |i: usize| {
        if i + 3 <= n && is_common_pair(chars[i], chars[i + 1]) {
            3
        } else {
            2
        }
    };
    let mut grams = Vec::new();
    let mut i = 0;
    while i + 2 <= n {
        let len = gram_at(i);
        grams.push((i, len));
        i += len;
    }
    if i < n {
        // One character left, so at least three in all (the first gram took two or three).
        let len = gram_at(n - 3);
        grams.push((n - len, len));
    }
    grams
        .into_iter()
        .map(|(i, len)| (i, chars[i..i + len].iter().collect()))
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
    fn common_pairs_parse_and_bad_lines_are_named() {
        let keys = parse_common_pairs(COMMON_PAIRS).expect("index_schema/common_pairs.txt");
        assert_eq!(keys.len(), 32);
        assert!(is_common_pair('依', '法') && is_common_pair('法', '治'));
        assert!(!is_common_pair('法', '依') && !is_common_pair('顾', '问'));
        let err = parse_common_pairs("法治\n依法治").expect_err("three characters");
        assert!(
            err.to_string().contains("common_pairs.txt, line 2"),
            "{err}"
        );
    }

    /// The common pairs decide what is indexed: changing them must come with a new schema
    /// version, or an old index would be searched for grams it does not have.
    #[test]
    fn the_common_pairs_belong_to_this_schema_version() {
        assert_eq!(
            (
                crate::index::schema::SCHEMA_VERSION,
                crc32fast::hash(COMMON_PAIRS.as_bytes())
            ),
            (12, 2_482_839_455),
            "index_schema/common_pairs.txt changed: bump SCHEMA_VERSION, then set both here"
        );
    }

    /// The pair tokenizer's tokens of `text`: the token, its position and the text it spans.
    fn grams(text: &str) -> Vec<(String, usize, &str)> {
        let mut tokenizer = ChineseBigramTokenizer;
        let mut stream = tokenizer.token_stream(text);
        let mut got = Vec::new();
        while let Some(t) = stream.next() {
            got.push((
                t.text.clone(),
                t.position,
                &text[t.offset_from..t.offset_to],
            ));
        }
        got
    }

    #[test]
    fn three_characters_after_a_common_pair() {
        let got = grams("依法治a法治");
        let end = format!("治{END_MARK}");
        let want = [
            ("依法", 0, "依法"),
            ("依法治", 0, "依法治"),
            ("法治", 1, "法治"),
            ("法治a", 1, "法治a"),
            ("治a", 2, "治a"),
            ("a法", 3, "a法"),
            ("法治", 4, "法治"),
            (end.as_str(), 5, "治"),
        ];
        let got: Vec<(&str, usize, &str)> =
            got.iter().map(|(t, p, o)| (t.as_str(), *p, *o)).collect();
        assert_eq!(
            got, want,
            "no gram after the last common pair: nothing follows it"
        );
    }

    #[test]
    fn overlapping_bigrams_with_sequential_positions() {
        let end = |c: &str| format!("{c}{END_MARK}");
        let positions = |text| -> Vec<(String, usize)> {
            grams(text).into_iter().map(|(t, p, _)| (t, p)).collect()
        };
        assert_eq!(
            positions("依法 治a"),
            [
                ("依法".to_string(), 0),
                ("依法 ".to_string(), 0),
                ("法 ".to_string(), 1),
                (" 治".to_string(), 2),
                ("治a".to_string(), 3),
                (end("a"), 4)
            ]
        );
        assert_eq!(
            positions("法"),
            [(end("法"), 0)],
            "one character pairs with the end"
        );
        assert!(grams("").is_empty(), "no text, no pairs");
    }

    #[test]
    fn covering_grams_cover_every_character() {
        // 依法, 法治, 法律, 行政 are common pairs; 治镇, 顾问, 问团, 机关, 关负 are not.
        let rows: [(&str, &[(usize, &str)]); 9] = [
            ("法", &[]),
            ("法治", &[(0, "法治")]),
            ("依法治", &[(0, "依法治")]),
            ("依法治镇", &[(0, "依法治"), (1, "法治镇")]),
            ("法律顾问团", &[(0, "法律顾"), (3, "问团")]),
            ("镇法律", &[(0, "镇法"), (1, "法律")]),
            ("顾问团", &[(0, "顾问"), (1, "问团")]),
            ("机关负", &[(0, "机关"), (1, "关负")]),
            ("行政机关负责人", &[(0, "行政机"), (3, "关负"), (5, "责人")]),
        ];
        for (term, expected) in rows {
            let got = covering_grams(term);
            let got: Vec<(usize, &str)> = got.iter().map(|(i, s)| (*i, s.as_str())).collect();
            assert_eq!(got, expected, "grams of {term}");
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
