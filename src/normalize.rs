//! The one text normalisation that both the index and every query go through, so that what a
//! reader sees and what a query asks for compare equal: NFKC (full-width ２０２３ and （ fold to
//! 2023 and (), Latin lower-cased, every run of white space folded to one space, a line break
//! read across as a reader reads across it (gone, unless it separates two Latin words: a
//! number wrapped over two lines is one number), and the characters no reader sees dropped —
//! format characters (general category Cf: zero-width space, soft hyphen, word joiner, a
//! byte-order mark inside the text, zero-width joiners, direction marks) and Unicode's other
//! default-ignorable code points (combining grapheme joiner, Hangul fillers, variation
//! selectors, tags) — so that 法律\u{200B}顾问 and 法\u{34F}律顾问 are 法律顾问.
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
        let mut out = NormalizedText {
            text: String::with_capacity(source.len()),
            origins: Vec::with_capacity(source.len() / 3),
        };
        let mut white = WhiteRun::default();
        for (start, c) in source.char_indices() {
            let end = start + c.len_utf8();
            // Most of a report is CJK ideographs and ASCII, which NFKC leaves alone.
            if ('\u{4E00}'..='\u{9FFF}').contains(&c)
                || (c.is_ascii_graphic() && !c.is_ascii_uppercase())
            {
                out.push(&mut white, c, (start, end));
                continue;
            }
            match common(c) {
                Some(Common::Char(n)) => {
                    out.push(&mut white, n, (start, end));
                    continue;
                }
                Some(Common::White) => {
                    white.extend(c, (start, end));
                    continue;
                }
                None => {}
            }
            if is_format(c) {
                continue;
            }
            for n in fold_char(c) {
                if n.is_whitespace() {
                    white.extend(n, (start, end));
                } else if !is_format(n) {
                    out.push(&mut white, n, (start, end));
                }
            }
        }
        out.end_white(&mut white, None);
        out
    }

    /// Appends `c`, after the white space before it.
    fn push(&mut self, white: &mut WhiteRun, c: char, origin: (usize, usize)) {
        self.end_white(white, Some(c));
        self.text.push(c);
        self.origins.push(origin);
    }

    /// Writes the white space run that ends before `next` as one space, or nothing when it
    /// holds a line break that does not separate two Latin words.
    fn end_white(&mut self, white: &mut WhiteRun, next: Option<char>) {
        let Some(origin) = white.origin.take() else {
            return;
        };
        let breaks = std::mem::take(&mut white.breaks);
        let between_words = self
            .text
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphabetic())
            && next.is_some_and(|c| c.is_ascii_alphabetic());
        if !breaks || between_words {
            self.text.push(' ');
            self.origins.push(origin);
        }
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

/// A run of white space not yet written, and whether it holds a line break.
#[derive(Default)]
struct WhiteRun {
    /// The source byte range of the run.
    origin: Option<(usize, usize)>,
    breaks: bool,
}

impl WhiteRun {
    fn extend(&mut self, c: char, (start, end): (usize, usize)) {
        self.breaks |= matches!(
            c,
            '\n' | '\r' | '\u{0B}' | '\u{0C}' | '\u{85}' | '\u{2028}' | '\u{2029}'
        );
        self.origin = Some(match self.origin {
            Some((first, _)) => (first, end),
            None => (start, end),
        });
    }
}

/// The characters no reader sees: Unicode's format characters (general category Cf) and its
/// default-ignorable code points (`Default_Ignorable_Code_Point`: the combining grapheme joiner
/// U+034F, the Hangul fillers, the Khmer inherent vowels, the Mongolian and standard variation
/// selectors, the tags and variation selectors of plane 14, and the code points Unicode keeps
/// ignorable for the future). The unit test checks this table against the regex crate's
/// `[\p{Cf}\p{Default_Ignorable_Code_Point}]`.
const FORMAT_CHARS: [(char, char); 25] = [
    ('\u{AD}', '\u{AD}'),
    ('\u{34F}', '\u{34F}'),
    ('\u{600}', '\u{605}'),
    ('\u{61C}', '\u{61C}'),
    ('\u{6DD}', '\u{6DD}'),
    ('\u{70F}', '\u{70F}'),
    ('\u{890}', '\u{891}'),
    ('\u{8E2}', '\u{8E2}'),
    ('\u{115F}', '\u{1160}'),
    ('\u{17B4}', '\u{17B5}'),
    ('\u{180B}', '\u{180F}'),
    ('\u{200B}', '\u{200F}'),
    ('\u{202A}', '\u{202E}'),
    ('\u{2060}', '\u{206F}'),
    ('\u{3164}', '\u{3164}'),
    ('\u{FE00}', '\u{FE0F}'),
    ('\u{FEFF}', '\u{FEFF}'),
    ('\u{FFA0}', '\u{FFA0}'),
    ('\u{FFF0}', '\u{FFFB}'),
    ('\u{110BD}', '\u{110BD}'),
    ('\u{110CD}', '\u{110CD}'),
    ('\u{13430}', '\u{1343F}'),
    ('\u{1BCA0}', '\u{1BCA3}'),
    ('\u{1D173}', '\u{1D17A}'),
    ('\u{E0000}', '\u{E0FFF}'),
];

/// True for a character no reader sees: a format character (Cf) or a default-ignorable code
/// point.
pub fn is_format(c: char) -> bool {
    c >= '\u{AD}'
        && FORMAT_CHARS
            .binary_search_by(|&(first, last)| {
                if last < c {
                    std::cmp::Ordering::Less
                } else if first > c {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
}

/// What a common character of a report (but a CJK ideograph or lower-case ASCII) normalises to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Common {
    /// One character, never white space nor a format character.
    Char(char),
    /// White space.
    White,
}

/// [`fold_char`] of the punctuation, capitals and white space most common in reports, by a
/// `match`: folding through the NFKC iterator took most of the time of normalising a section
/// for its passage. The unit test checks every row against [`fold_char`].
fn common(c: char) -> Option<Common> {
    Some(match c {
        'A'..='Z' => Common::Char(c.to_ascii_lowercase()),
        '，' => Common::Char(','),
        '：' => Common::Char(':'),
        '；' => Common::Char(';'),
        '（' => Common::Char('('),
        '）' => Common::Char(')'),
        '！' => Common::Char('!'),
        '？' => Common::Char('?'),
        '。' | '、' | '“' | '”' | '‘' | '’' | '《' | '》' | '【' | '】' | '—' | '·' | '〔'
        | '〕' => Common::Char(c),
        ' ' | '\n' | '\r' | '\t' | '\u{3000}' => Common::White,
        _ => return None,
    })
}

/// Whether `terms`, normalised and each of CJK ideographs (U+4E00–U+9FFF) only, match the
/// normalised `text` exactly where they match `text` itself, so that `text` need not be
/// normalised to find them: each of its characters but white space normalises to exactly one
/// character, keeping every ideograph as it is and making none (no format character removed,
/// no compatibility ideograph folded into one); and no run of white space inside it stands
/// where dropping it would join a match. A run whose removal joins two ideographs `a`, `b`
/// (a line break inside a sentence) joins a match only of a term holding `ab`; beside any
/// other character no such term can reach across it, dropped or kept as a space.
pub fn terms_match_in_place(text: &str, terms: &[String]) -> bool {
    if !terms.iter().all(|t| t.chars().all(is_plain_ideograph)) {
        return false;
    }
    let joins = |a: char, b: char| {
        let mut pair = [0; 8];
        let (a_len, b_len) = (a.len_utf8(), b.len_utf8());
        a.encode_utf8(&mut pair);
        b.encode_utf8(&mut pair[a_len..]);
        let pair = std::str::from_utf8(&pair[..a_len + b_len]).unwrap_or_default();
        terms.iter().any(|t| t.contains(pair))
    };
    // The last character that is not white space, and whether white space followed it (at
    // the text's start and end, white space is dropped with nothing to join).
    let (mut before, mut in_white) = (None, false);
    for c in text.chars() {
        let folds_to_one = is_plain_ideograph(c)
            || (c.is_ascii_graphic() && !c.is_ascii_uppercase())
            || match common(c) {
                Some(Common::Char(_)) => true,
                Some(Common::White) => {
                    in_white = true;
                    continue;
                }
                None => false,
            };
        if !folds_to_one || (in_white && before.is_some_and(|a| joins(a, c))) {
            return false;
        }
        (before, in_white) = (Some(c), false);
    }
    true
}

/// Whether `c` is a CJK ideograph of the main block (U+4E00–U+9FFF), which normalisation keeps
/// as it is ([`terms_match_in_place`]).
pub fn is_plain_ideograph(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c)
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

    /// Every character [`common`] folds by hand folds the same through NFKC.
    #[test]
    fn common_characters_fold_as_nfkc_folds_them() {
        let mut checked = 0;
        for c in (0..=0xFFFF_u32).filter_map(char::from_u32) {
            let Some(folded) = common(c) else { continue };
            checked += 1;
            let nfkc: Vec<char> = fold_char(c).collect();
            match folded {
                Common::Char(n) => {
                    assert_eq!(nfkc, [n], "{c:?} folds to {n:?}");
                    assert!(!n.is_whitespace() && !is_format(n), "{c:?}: {n:?} is kept");
                }
                Common::White => {
                    assert!(
                        !is_format(c) && nfkc.len() == 1 && nfkc[0].is_whitespace(),
                        "{c:?} is white space: {nfkc:?}"
                    );
                    let breaks = |x: char| matches!(x, '\n' | '\r');
                    assert_eq!(
                        breaks(c),
                        breaks(nfkc[0]),
                        "{c:?} breaks a line as it folds"
                    );
                }
            }
        }
        assert_eq!(
            checked,
            26 + 7 + 14 + 5,
            "every row of the table was checked"
        );
    }

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
            ("法治  \t建设", "法治 建设"),
            ("法治  \n\t建设", "法治建设"),
            ("年度考\r\n核", "年度考核"),
            ("ICP\n备案 LED\nAPP 95.\n7%", "icp备案 led app 95.7%"),
            ("法律\u{200B}顾问", "法律顾问"),
            (
                "\u{FEFF}法\u{00AD}治\u{2060}政\u{200D}府\u{200E}建\u{200F}设\u{202A}年\u{202C}度\u{2066}报\u{2069}告",
                "法治政府建设年度报告",
            ),
            ("法治 \u{200B} 建设", "法治 建设"),
            // Default-ignorable, not Cf: the combining grapheme joiner, Hangul fillers (the
            // half-width one too), Khmer inherent vowels, Mongolian and standard variation
            // selectors, plane 14's tags and variation selectors, an unassigned ignorable.
            ("法\u{34F}律", "法律"),
            ("法\u{115F}\u{1160}\u{3164}\u{FFA0}律", "法律"),
            ("法\u{17B4}\u{17B5}律", "法律"),
            ("法\u{180B}\u{180F}\u{FE00}\u{FE0F}律", "法律"),
            ("法\u{E0000}\u{E0041}\u{E0100}\u{E01EF}\u{E0FFF}律", "法律"),
            ("法\u{2065}\u{FFF0}律", "法律"),
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
    fn format_table_is_unicode_cf_and_default_ignorable() {
        let cf =
            regex::Regex::new(r"^[\p{Cf}\p{Default_Ignorable_Code_Point}]$").expect("static regex");
        let mut buf = [0u8; 4];
        for c in (0..=0x10FFFF).filter_map(char::from_u32) {
            assert_eq!(
                is_format(c),
                cf.is_match(c.encode_utf8(&mut buf)),
                "U+{:04X}",
                u32::from(c)
            );
        }
    }

    #[test]
    fn invisible_characters_keep_highlights_on_the_source() {
        let source = "法律\u{200B}顾问，\n依法";
        let n = NormalizedText::new(source);
        assert_eq!(n.text, "法律顾问,依法");
        assert_eq!(n.origins.len(), n.text.chars().count());
        let (s, e) = n.source_range(0..4);
        assert_eq!(&source[s..e], "法律\u{200B}顾问");
        let (s, e) = n.source_range(5..7);
        assert_eq!(&source[s..e], "依法");
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
