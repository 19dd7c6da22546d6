//! Passages: the sentence(s) of a section that contain the matches, with some context, and
//! where in them the matches are (for highlighting).

use crate::normalize::{NormalizedText, normalize, terms_match_in_place};

/// How much of a section to show.
#[derive(Debug, Clone, Copy)]
pub struct PassageOptions {
    /// Characters of context each side of the matching sentence(s).
    pub context: usize,
    /// Show the whole section.
    pub full: bool,
}

impl Default for PassageOptions {
    fn default() -> Self {
        PassageOptions {
            context: 20,
            full: false,
        }
    }
}

/// The text to show for a hit, and the byte ranges of the matches in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    pub text: String,
    pub highlights: Vec<(usize, usize)>,
}

/// Whether a character ends a sentence. A `match`, not a search of a string of them: the walk
/// to a sentence's ends asks it for up to 300 characters per match, and a string search per
/// character was half the time of writing a page of ten hits.
fn ends_sentence(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '；' | '!' | '?' | ';' | '\n')
}
/// Where no term matches (a query of exclusions), the opening shown, in characters.
const OPENING_CHARS: usize = 120;
/// The most characters a "sentence" reaches from a match before it is cut: some texts have
/// no sentence ends for pages.
const MAX_SENTENCE_REACH: usize = 150;
const ELLIPSIS: &str = "…";
/// The most matches a passage shows and marks: the sentences of the first this many, then "…".
/// With [`MAX_SENTENCE_REACH`] and the context this bounds a passage, and the work to build it,
/// whatever the size of the section.
pub const MAX_PASSAGE_MATCHES: usize = 100;
/// The most characters `--full` shows of one section, then "…". Sections are split at
/// [`crate::sections::MAX_SECTION_CHARS`] when indexed, so this cuts only an index built before.
pub const MAX_FULL_CHARS: usize = 50_000;
/// The text searched for matches at a time: a section is read in pieces of this many bytes
/// until enough matches are found, so the first matches of a huge section cost what they cost
/// in a small one.
const FIND_CHUNK_BYTES: usize = 64 * 1024;

/// Builds the passage of `text` for the query terms `terms` (as the user wrote them).
///
/// The work is bounded per hit: matches are looked for from the start of the text only until
/// [`MAX_PASSAGE_MATCHES`] are found, each match reaches at most [`MAX_SENTENCE_REACH`] plus the
/// context characters each side, and character positions are counted once, from one match to
/// the next.
pub fn passage(text: &str, terms: &[&str], options: PassageOptions) -> Passage {
    if options.full {
        let shown = match text.char_indices().nth(MAX_FULL_CHARS) {
            Some((cut, _)) => &text[..cut],
            None => text,
        };
        let mut highlights = find_first(shown, terms, MAX_PASSAGE_MATCHES);
        let mut out = shown.to_string();
        if shown.len() < text.len() {
            out.push_str(ELLIPSIS);
        }
        highlights.truncate(MAX_PASSAGE_MATCHES);
        return Passage {
            text: out,
            highlights,
        };
    }
    let mut matches = find_first(text, terms, MAX_PASSAGE_MATCHES);
    matches.truncate(MAX_PASSAGE_MATCHES);
    // Byte ranges of `text` to show, in order, merged where they touch.
    let mut windows: Vec<(usize, usize)> = Vec::new();
    if matches.is_empty() {
        windows.push((0, chars_forward(text, 0, OPENING_CHARS)));
    }
    for &(start, end) in &matches {
        let s = sentence_start(text, start);
        let e = sentence_end(text, start, end);
        let s = chars_back(text, s, options.context);
        let e = chars_forward(text, e, options.context);
        match windows.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => windows.push((s, e)),
        }
    }
    let mut out = String::new();
    // Where each window's text went: (its bytes in `text`, where they start in `out`).
    let mut placed: Vec<((usize, usize), usize)> = Vec::with_capacity(windows.len());
    for (i, &(s, e)) in windows.iter().enumerate() {
        if s > 0 || i > 0 {
            out.push_str(ELLIPSIS);
        }
        let window = &text[s..e];
        let kept = window.trim();
        let from = s + (kept.as_ptr() as usize - window.as_ptr() as usize);
        placed.push(((from, from + kept.len()), out.len()));
        out.push_str(kept);
        if i + 1 == windows.len() && e < text.len() {
            out.push_str(ELLIPSIS);
        }
    }
    // The matches already found, moved to where their window put them (a line break became a
    // space of the same length, so offsets hold).
    let mut highlights = Vec::with_capacity(matches.len());
    let mut windows = placed.iter().peekable();
    for &(start, end) in &matches {
        // Both are in text order: skip the windows that end before this match.
        while windows.next_if(|((_, to), _)| *to <= start).is_some() {}
        if let Some(&&((from, to), at)) = windows.peek()
            && end > from
        {
            highlights.push((at + start.max(from) - from, at + end.min(to) - from));
        }
    }
    if out.contains('\n') {
        out = out.replace('\n', " ");
    }
    Passage {
        text: out,
        highlights,
    }
}

/// The byte where the sentence holding the byte `at` starts: after the sentence end before it,
/// or [`MAX_SENTENCE_REACH`] characters back.
fn sentence_start(text: &str, at: usize) -> usize {
    let mut s = at;
    for (b, c) in text[..at].char_indices().rev().take(MAX_SENTENCE_REACH) {
        if ends_sentence(c) {
            break;
        }
        s = b;
    }
    s
}

/// The byte where the sentence holding the match `start..end` ends: after its sentence end
/// (the match's own last character may be one), or [`MAX_SENTENCE_REACH`] characters on.
fn sentence_end(text: &str, start: usize, end: usize) -> usize {
    if text[start..end]
        .chars()
        .next_back()
        .is_some_and(ends_sentence)
    {
        return end;
    }
    let mut e = end;
    for c in text[end..].chars().take(MAX_SENTENCE_REACH) {
        e += c.len_utf8();
        if ends_sentence(c) {
            break;
        }
    }
    e
}

/// The byte `n` characters before the byte `at` (or 0).
fn chars_back(text: &str, at: usize, n: usize) -> usize {
    text[..at]
        .char_indices()
        .rev()
        .take(n)
        .last()
        .map_or(at, |(b, _)| b)
}

/// The byte `n` characters after the byte `at` (or the end).
fn chars_forward(text: &str, at: usize, n: usize) -> usize {
    text[at..]
        .char_indices()
        .nth(n)
        .map_or(text.len(), |(b, _)| at + b)
}

/// Byte ranges of `text` where one of `terms` occurs (compared after normalisation), in order:
/// each occurrence of a term once (as `str::matches` counts them), those that overlap merged.
/// Occurrences side by side stay two (`村村通` holds `村` twice): concordance lines and
/// occurrence counts are made from these.
pub fn find(text: &str, terms: &[&str]) -> Vec<(usize, usize)> {
    find_first(text, terms, usize::MAX)
}

/// The first matches of `terms` in `text` as [`find`] gives them, read from the start in pieces
/// of [`FIND_CHUNK_BYTES`] until `limit` matches are found (a few more may come with the last
/// piece read), so that the text after them is never normalised.
///
/// A piece is searched with a margin after it, so a match that starts in one piece and ends in
/// the next is found; the margin is four times the longest normalised term plus 256 bytes, so a
/// match only escapes when its source is that much longer than the term (a run of hundreds of
/// spaces inside it), which a search over normalised text would not show as one match either.
pub fn find_first(text: &str, terms: &[&str], limit: usize) -> Vec<(usize, usize)> {
    let needles: Vec<String> = terms
        .iter()
        .map(|t| normalize(t))
        .filter(|n| !n.is_empty())
        .collect();
    if needles.is_empty() {
        return Vec::new();
    }
    let margin = 4 * needles.iter().map(String::len).max().unwrap_or(0) + 256;
    let mut ranges = Vec::new();
    let mut from = 0;
    while from < text.len() && ranges.len() < limit {
        let to = floor_char_boundary(text, from.saturating_add(FIND_CHUNK_BYTES));
        let reach = floor_char_boundary(text, to.saturating_add(margin));
        let piece = &text[from..if to == text.len() { to } else { reach }];
        let mut found = Vec::new();
        if terms_match_in_place(piece, &needles) {
            // Most sections: a term of ideographs matches where it matches the text itself,
            // which is then searched without being normalised (the same ranges).
            for needle in &needles {
                for (s, _) in piece.match_indices(needle.as_str()) {
                    if from + s < to {
                        found.push((from + s, from + s + needle.len()));
                    }
                }
            }
            found.sort_unstable();
            ranges.extend(found);
            from = to;
            continue;
        }
        let normalized = NormalizedText::new(piece);
        for needle in &needles {
            let needle_chars = needle.chars().count();
            let (mut counted_bytes, mut counted_chars) = (0, 0);
            for (byte, _) in normalized.text.match_indices(needle.as_str()) {
                counted_chars += normalized.text[counted_bytes..byte].chars().count();
                counted_bytes = byte;
                let (s, e) = normalized.source_range(counted_chars..counted_chars + needle_chars);
                if from + s < to {
                    found.push((from + s, from + e));
                }
            }
        }
        found.sort_unstable();
        ranges.extend(found);
        from = to;
    }
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (s, e) in ranges {
        match merged.last_mut() {
            Some(last) if s < last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

/// The largest char boundary of `text` at or before `at` (the end when `at` is past it).
fn floor_char_boundary(text: &str, at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    (0..=at)
        .rev()
        .find(|&b| text.is_char_boundary(b))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str =
        "一是开展合法性审查。听取法律顾问等人员的意见。今年法律顾问审核合同71件。其他工作。";

    /// A term of ideographs is looked for in the text itself when normalising changes none of
    /// its characters' number and drops no white space inside a match: the same ranges as in
    /// the normalised text, which is still used where a line break joins two characters of a
    /// term, or a compatibility ideograph or a format character is in the text.
    #[test]
    fn matches_without_normalising_are_the_matches_in_the_normalised_text() {
        // (text, terms, searched without normalising?)
        let rows: [(&str, &[&str], bool); 17] = [
            (TEXT, &["法律顾问"], true),
            // A line break between two ideographs that no term holds side by side joins no
            // match; between two that one does, it may.
            ("（一）开展普法\n普法，普法", &["普法"], true),
            ("（一）开展普法\n法治，普\n法", &["普法"], false),
            (
                "开展普法。\n法律顾问\n（二）普法\r\n法治",
                &["普法", "法律顾问"],
                true,
            ),
            ("开展法律\n顾问工作", &["法律顾问"], false),
            ("普\n法\n治", &["普法治"], false),
            ("普法 法治 \u{3000}法律顾问", &["普法", "法律顾问"], true),
            ("普法\n普法", &["法普", "普法"], false),
            (TEXT, &["法律顾问", "合同", "审"], true),
            ("普法普法普，ABC（普法）！普", &["普法"], true),
            ("普法普法", &["普法普"], true),
            ("\n\u{3000} 普法，普法 \r\n", &["普法"], true),
            ("\n普\n法，普法\n", &["普法"], false),
            ("开展普\n法活动，普法", &["普法"], false),
            ("金额\u{F90A}额", &["金额"], false),
            ("普\u{200B}法，普法", &["普法"], false),
            ("ＡＢＣ普法 abc", &["abc", "普法"], false),
        ];
        for (text, terms, plain) in rows {
            let needles: Vec<String> = terms.iter().map(|t| normalize(t)).collect();
            let merged = in_normalised_text(text, terms);
            let fast = terms_match_in_place(text, &needles);
            assert_eq!(fast, plain, "{text:?} {terms:?}");
            assert_eq!(find(text, terms), merged, "{text:?} {terms:?}");
            assert!(!merged.is_empty(), "{text:?} {terms:?}");
        }
    }

    /// The matches of `terms` in `text` found the slow way, in the whole normalised text and
    /// mapped back to the source: what [`find`] must give however it finds them.
    fn in_normalised_text(text: &str, terms: &[&str]) -> Vec<(usize, usize)> {
        let normalized = NormalizedText::new(text);
        let mut want = Vec::new();
        for needle in terms.iter().map(|t| normalize(t)).filter(|n| !n.is_empty()) {
            let n = needle.chars().count();
            for (byte, _) in normalized.text.match_indices(needle.as_str()) {
                let at = normalized.text[..byte].chars().count();
                want.push(normalized.source_range(at..at + n));
            }
        }
        want.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (s, e) in want {
            match merged.last_mut() {
                Some(last) if s < last.1 => last.1 = last.1.max(e),
                _ => merged.push((s, e)),
            }
        }
        merged
    }

    /// Pieces of text: most keep the search in place (ideographs, punctuation, digits, small
    /// Latin letters, white space of every kind), a few force normalising (a capital, a
    /// format character, a compatibility ideograph, full-width letters).
    fn piece() -> impl proptest::strategy::Strategy<Value = &'static str> {
        use proptest::prelude::*;
        let in_place = [
            "普", "法", "治", "金", "。", "，", "（", "１", "a", "\n", "\r\n", " ", "\u{3000}",
            "\t",
        ];
        let normalising = ["A", "\u{200B}", "\u{F90A}", "ＡＢ"];
        prop_oneof![
            12 => proptest::sample::select(in_place.to_vec()),
            1 => proptest::sample::select(normalising.to_vec()),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(2000))]
        /// [`find`], which searches the text itself where it may, gives the matches of the
        /// normalised text: for terms of ideographs that a line break may join (`普\n法`), and
        /// for a Latin term, which is always looked for in the normalised text.
        #[test]
        fn found_in_place_or_not_the_matches_are_those_of_the_normalised_text(
            text in proptest::collection::vec(piece(), 0..24),
            terms in proptest::collection::vec(
                proptest::sample::select(vec!["普法", "法治", "普", "法普法", "治普", "金金", "a"]),
                1..3,
            ),
        ) {
            let text: String = text.concat();
            proptest::prop_assert_eq!(find(&text, &terms), in_normalised_text(&text, &terms));
        }
    }

    /// Each occurrence of a term once: side by side they stay two (a concordance lists both,
    /// a count counts both); overlapping ones (of two terms) are one range.
    #[test]
    fn occurrences_side_by_side_stay_apart_and_overlapping_ones_merge() {
        type Ranges = &'static [(usize, usize)];
        let rows: [(&str, &[&str], Ranges); 4] = [
            ("村村通", &["村"], &[(0, 3), (3, 6)]),
            ("普法普法。", &["普法"], &[(0, 6), (6, 12)]),
            ("法律顾问", &["法律", "律顾"], &[(0, 9)]),
            ("金金金", &["金金"], &[(0, 6)]),
        ];
        for (text, terms, want) in rows {
            assert_eq!(find(text, terms), want, "{text} {terms:?}");
        }
    }

    #[test]
    fn sentence_ends() {
        for c in "。！？；!?;\n".chars() {
            assert!(ends_sentence(c), "{c:?} ends a sentence");
        }
        for c in "，、：,.:法a 1（）“”…".chars() {
            assert!(!ends_sentence(c), "{c:?} does not end a sentence");
        }
    }

    #[test]
    fn sentences_with_the_match() {
        let p = passage(
            TEXT,
            &["法律顾问"],
            PassageOptions {
                context: 0,
                full: false,
            },
        );
        assert_eq!(
            p.text,
            "…听取法律顾问等人员的意见。今年法律顾问审核合同71件。…"
        );
        let marked: Vec<&str> = p.highlights.iter().map(|&(s, e)| &p.text[s..e]).collect();
        assert_eq!(marked, ["法律顾问", "法律顾问"]);
    }

    #[test]
    fn context_and_full() {
        let p = passage(
            TEXT,
            &["71件"],
            PassageOptions {
                context: 3,
                full: false,
            },
        );
        assert_eq!(p.text, "…意见。今年法律顾问审核合同71件。其他工…");
        let p = passage(
            TEXT,
            &["71件"],
            PassageOptions {
                context: 0,
                full: true,
            },
        );
        assert_eq!(p.text, TEXT);
    }

    #[test]
    fn highlights_survive_normalisation() {
        let text = "全角２０２３年和（一）";
        let marked: Vec<&str> = find(text, &["2023", "(一)"])
            .iter()
            .map(|&(s, e)| &text[s..e])
            .collect();
        assert_eq!(marked, ["２０２３", "（一）"]);
    }

    #[test]
    fn a_sentence_without_end_is_cut() {
        let text = format!("{}法律顾问{}", "甲".repeat(1000), "乙".repeat(1000));
        let p = passage(
            &text,
            &["法律顾问"],
            PassageOptions {
                context: 0,
                full: false,
            },
        );
        assert_eq!(
            p.text.chars().count(),
            2 * MAX_SENTENCE_REACH + 4 + 2,
            "{}",
            p.text
        );
        assert_eq!(p.highlights.len(), 1);
    }

    #[test]
    fn highlights_mark_the_matches_in_the_passage() {
        let rows: [(&str, &[&str]); 5] = [
            (TEXT, &["法律顾问", "合同"]),
            ("第一行法治\n第二行法治。\n\n  法治建设", &["法治"]),
            ("全角２０２３年。其他。（一）法治", &["2023", "(一)"]),
            (&"甲乙。法治丙丁。".repeat(50), &["法治", "丙"]),
            ("  开头有空格的法治", &["法治"]),
        ];
        for (text, terms) in rows {
            for context in [0, 3, 20] {
                let options = PassageOptions {
                    context,
                    full: false,
                };
                let p = passage(text, terms, options);
                assert_eq!(
                    p.highlights,
                    find(&p.text, terms),
                    "{text:?} {terms:?} context {context}: {}",
                    p.text
                );
            }
        }
    }

    #[test]
    fn many_matches_in_a_long_text() {
        let text = "法治。".repeat(100_000);
        assert_eq!(find(&text, &["法治"]).len(), 100_000);
    }

    #[test]
    fn no_match_shows_the_opening() {
        let p = passage(TEXT, &[], PassageOptions::default());
        assert!(p.text.starts_with("一是开展合法性审查。"));
        assert!(p.highlights.is_empty());
    }

    #[test]
    fn a_huge_section_gives_a_bounded_passage() {
        let text = format!(
            "{}{}",
            "甲乙丙丁。".repeat(2_000),
            "法治建设。".repeat(200_000)
        );
        for full in [false, true] {
            let p = passage(&text, &["法治"], PassageOptions { context: 20, full });
            assert_eq!(p.highlights.len(), MAX_PASSAGE_MATCHES, "full {full}");
            let bound = if full {
                MAX_FULL_CHARS + 1
            } else {
                MAX_PASSAGE_MATCHES * (2 * MAX_SENTENCE_REACH + 2 * 20 + 4) + 2
            };
            assert!(p.text.chars().count() <= bound, "full {full}");
            let marked: Vec<&str> = p.highlights.iter().map(|&(s, e)| &p.text[s..e]).collect();
            assert!(marked.iter().all(|m| *m == "法治"), "full {full}");
        }
        let p = passage(&text, &["法治"], PassageOptions::default());
        assert!(p.text.starts_with("…甲乙丙丁。"), "{}", &p.text[..60]);
        assert!(p.text.contains("甲乙丙丁。法治建设。"), "{}", &p.text[..60]);
        assert!(p.text.ends_with('…'));
    }

    #[test]
    fn the_first_matches_are_those_of_a_whole_search() {
        // Matches on both sides of each piece's end, and one written with a space inside.
        let unit = format!(
            "{}法治。法\u{3000}治。",
            "甲".repeat(FIND_CHUNK_BYTES / 3 - 3)
        );
        let text = unit.repeat(4);
        let all = find(&text, &["法治", "法 治"]);
        assert_eq!(all.len(), 8, "法治 and 法 治 (written 法　治) in each unit");
        for limit in [1, 2, 3, 5, 100] {
            let first = find_first(&text, &["法治", "法 治"], limit);
            assert!(first.len() >= limit.min(all.len()), "limit {limit}");
            assert_eq!(first[..], all[..first.len()], "limit {limit}");
        }
        let text = format!("{}法治", "甲".repeat(FIND_CHUNK_BYTES / 3 - 1));
        assert_eq!(
            find(&text, &["法治"]),
            [(text.len() - 6, text.len())],
            "a match across the end of the first piece"
        );
    }
}
