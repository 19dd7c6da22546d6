//! Passages: the sentence(s) of a section that contain the matches, with some context, and
//! where in them the matches are (for highlighting).

use crate::normalize::{NormalizedText, normalize};

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

/// Builds the passage of `text` for the query terms `terms` (as the user wrote them).
pub fn passage(text: &str, terms: &[&str], options: PassageOptions) -> Passage {
    if options.full {
        return Passage {
            text: text.to_string(),
            highlights: find(text, terms),
        };
    }
    let matches = find(text, terms);
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let char_at = |byte: usize| chars.partition_point(|(b, _)| *b < byte);
    let mut windows: Vec<(usize, usize)> = Vec::new();
    if matches.is_empty() {
        let end = chars.len().min(OPENING_CHARS);
        windows.push((0, end));
    }
    for &(start, end) in &matches {
        let (mut s, mut e) = (char_at(start), char_at(end));
        let (s_limit, e_limit) = (
            s.saturating_sub(MAX_SENTENCE_REACH),
            (e + MAX_SENTENCE_REACH).min(chars.len()),
        );
        while s > s_limit && !ends_sentence(chars[s - 1].1) {
            s -= 1;
        }
        while e < e_limit && !ends_sentence(chars[e - 1].1) {
            e += 1;
        }
        let s = s.saturating_sub(options.context);
        let e = (e + options.context).min(chars.len());
        match windows.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => windows.push((s, e)),
        }
    }
    let byte = |c: usize| chars.get(c).map_or(text.len(), |(b, _)| *b);
    let mut out = String::new();
    // Where each window's text went: (its bytes in `text`, where they start in `out`).
    let mut placed: Vec<((usize, usize), usize)> = Vec::with_capacity(windows.len());
    for (i, &(s, e)) in windows.iter().enumerate() {
        if s > 0 || i > 0 {
            out.push_str(ELLIPSIS);
        }
        let window = &text[byte(s)..byte(e)];
        let kept = window.trim();
        let from = byte(s) + (kept.as_ptr() as usize - window.as_ptr() as usize);
        placed.push(((from, from + kept.len()), out.len()));
        out.push_str(kept);
        if i + 1 == windows.len() && e < chars.len() {
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
    Passage {
        text: out.replace('\n', " "),
        highlights,
    }
}

/// Byte ranges of `text` where one of `terms` occurs (compared after normalisation), merged and
/// in order.
pub fn find(text: &str, terms: &[&str]) -> Vec<(usize, usize)> {
    let normalized = NormalizedText::new(text);
    let mut ranges = Vec::new();
    for term in terms {
        let needle = normalize(term);
        if needle.is_empty() {
            continue;
        }
        let needle_chars = needle.chars().count();
        let (mut counted_bytes, mut counted_chars) = (0, 0);
        for (byte, _) in normalized.text.match_indices(needle.as_str()) {
            counted_chars += normalized.text[counted_bytes..byte].chars().count();
            counted_bytes = byte;
            ranges.push(normalized.source_range(counted_chars..counted_chars + needle_chars));
        }
    }
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::with_capacity(ranges.len());
    for (s, e) in ranges {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str =
        "一是开展合法性审查。听取法律顾问等人员的意见。今年法律顾问审核合同71件。其他工作。";

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
}
