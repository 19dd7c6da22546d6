//! The one text normalisation that both the index and every query go through, so that what a
//! reader sees and what a query asks for compare equal: NFKC (full-width ２０２３ and （ fold to
//! 2023 and (), Latin lower-cased, and every run of white space folded to one space.
//!
//! Normalisation is applied one source character at a time so that each normalised character
//! can be mapped back to the byte range it came from, for passages and highlighting.

use unicode_normalization::UnicodeNormalization;

/// A character no normalised text contains (it becomes U+FFFD): the index pairs a text's last
/// character with it, so every character of a text starts an indexed pair.
pub const END_MARK: char = '\u{FFFF}';

/// Normalises `text` for matching. `normalize(a).contains(&normalize(b))` is the definition of
/// "a contains b" throughout fazhi-search.
pub fn normalize(text: &str) -> String {
    NormalizedText::new(text).text
}

/// Normalised text with, for each of its characters, the byte range of the source character it
/// came from.
#[derive(Debug, Clone)]
pub struct NormalizedText {
    pub text: String,
    /// `origins[i]` is the source byte range of the i-th normalised character.
    pub origins: Vec<(usize, usize)>,
}

impl NormalizedText {
    pub fn new(source: &str) -> Self {
        let mut text = String::with_capacity(source.len());
        let mut origins = Vec::with_capacity(source.len() / 3);
        let mut last_was_space = false;
        for (start, c) in source.char_indices() {
            let end = start + c.len_utf8();
            if c.is_whitespace() {
                if !last_was_space {
                    text.push(' ');
                    origins.push((start, end));
                    last_was_space = true;
                } else if let Some(last) = origins.last_mut() {
                    last.1 = end;
                }
                continue;
            }
            // Most of a report is CJK ideographs and ASCII, which NFKC leaves alone.
            if ('\u{4E00}'..='\u{9FFF}').contains(&c) || (c.is_ascii() && !c.is_ascii_uppercase()) {
                text.push(c);
                origins.push((start, end));
                last_was_space = false;
                continue;
            }
            for n in fold_char(c) {
                if n.is_whitespace() {
                    if last_was_space {
                        continue;
                    }
                    text.push(' ');
                    last_was_space = true;
                } else {
                    text.push(n);
                    last_was_space = false;
                }
                origins.push((start, end));
            }
        }
        NormalizedText { text, origins }
    }

    /// The source byte range of the normalised characters `chars` (a char-index range).
    pub fn source_range(&self, chars: std::ops::Range<usize>) -> (usize, usize) {
        let start = self.origins.get(chars.start).map_or(usize::MAX, |o| o.0);
        let end = chars
            .end
            .checked_sub(1)
            .and_then(|last| self.origins.get(last))
            .map_or(0, |o| o.1);
        (start, end)
    }
}

/// NFKC and lower-case of one character; the end mark becomes U+FFFD.
fn fold_char(c: char) -> impl Iterator<Item = char> {
    let c = if c == END_MARK {
        char::REPLACEMENT_CHARACTER
    } else {
        c
    };
    std::iter::once(c).nfkc().flat_map(char::to_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_end_mark_never_survives() {
        assert_eq!(normalize("法\u{FFFF}"), "法\u{FFFD}");
        assert!(!normalize("\u{FFFF}\u{FFFF}").contains(END_MARK));
    }

    #[test]
    fn folds_like_a_reader_reads() {
        let cases = [
            ("２０２３年", "2023年"),
            ("（一）强化", "(一)强化"),
            ("ICP备", "icp备"),
            ("法治  \n\t建设", "法治 建设"),
            ("　全角空格", " 全角空格"),
            ("依法治镇", "依法治镇"),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize(input), expected, "normalising {input:?}");
        }
    }

    #[test]
    fn fast_path_agrees_with_nfkc() {
        let sample = "依法治镇ABCabc123（一）２０２３年，。“”ⅠⅡ①㈠ＩＣＰ";
        let slow: String = sample.chars().flat_map(fold_char).collect();
        assert_eq!(normalize(sample), slow);
    }

    #[test]
    fn maps_back_to_source() {
        let source = "（一）法治";
        let n = NormalizedText::new(source);
        assert_eq!(n.text, "(一)法治");
        let (s, e) = n.source_range(3..5);
        assert_eq!(&source[s..e], "法治");
        let (s, e) = n.source_range(0..1);
        assert_eq!(&source[s..e], "（");
    }
}
