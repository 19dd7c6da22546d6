//! Copies: fingerprints of passages and of whole reports, and finding near-copies with them.
//!
//! Two questions, two fingerprints:
//!
//! - **Is this passage copied?** Towns fill in a county's template: the same paragraph recurs
//!   with the town's name, the numbers and a comma or two changed. A passage's fingerprint is
//!   taken over its *copy text* ([`passage_chars`]): the search's own normalisation
//!   ([`crate::normalize`]), then every place name of the gazetteer masked as one mark, and only
//!   letters kept (digits, punctuation and spaces dropped). Two passages are copies when their
//!   copy texts share most of their shingles (runs of [`SHINGLE`] characters).
//! - **Is this report a copy of another?** The same report saved twice, as `.txt` and `.html`,
//!   or re-crawled with another header. A report's fingerprint is taken over its normalised
//!   letters and digits ([`report_chars`]: numbers and places kept — a town's 2022 report that
//!   repeats its 2021 report with new figures is not the same report), and two reports are
//!   duplicates when their texts are identical or share at least [`DUPLICATE_SHARE`] of their
//!   shingles (Jaccard similarity).
//!
//! Why MinHash with LSH bands (Broder 1997; Leskovec, Rajaraman & Ullman, *Mining of Massive
//! Datasets*, ch. 3) and not winnowing (Schleimer, Wilkerson & Aiken 2003): winnowing finds
//! every shared run of a document, which is what plagiarism detection needs, but it stores
//! about 2/(w+1) of all shingles per passage and a copy count must then merge long posting
//! lists. Here the unit is already cut out (a section) and the question is whether two units
//! are nearly the same, which is exactly what MinHash estimates; LSH turns it into a handful of
//! exact keys per section ([`BANDS`]), indexed like any term, so that a hit's copies are found
//! by looking up those keys — the postings of its copies, never a scan of all sections.
//!
//! The band curve: a pair with Jaccard similarity `s` shares at least one of [`BANDS`] bands of
//! [`ROWS`] hashes with probability `1 − (1 − s^ROWS)^BANDS`: 0.999 at s = 0.9, 0.98 at 0.8, 0.89
//! at 0.7, 0.40 at 0.5 and 0.06 at 0.3. Copies of a template (s ≥ 0.8 on copy text) are found;
//! passages that only share phrases are not.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use crate::normalize::normalize;
use crate::region::place_names;

/// Characters per shingle. Five Chinese characters are most often a word and a half: common
/// runs (推进法治, 依法行政) are shorter, so shared shingles mean shared phrasing.
pub const SHINGLE: usize = 5;
/// MinHash values per passage.
pub const HASHES: usize = BANDS * ROWS;
/// Bands per passage: the keys indexed for it.
pub const BANDS: usize = 8;
/// MinHash values per band.
pub const ROWS: usize = 4;
/// The fewest characters of copy text a passage needs to be fingerprinted: a heading or a line
/// such as 加强学习培训工作 recurs everywhere without being copied from anywhere.
pub const MIN_PASSAGE_CHARS: usize = 30;
/// The share of shingles two reports have in common from which they are the same report.
pub const DUPLICATE_SHARE: f64 = 0.9;
/// One-permutation MinHash bins per report, 16 bits each (b-bit MinHash: two different values agree by chance
/// once in 65,536).
pub const REPORT_HASHES: usize = 64;
/// MinHash values per band of a report's sketch.
const REPORT_ROWS: usize = 4;

/// What a place name is masked as in copy text.
const PLACE_MARK: char = '〇';

/// Every town, county and city name of the gazetteer (and its aliases), normalised, with the
/// characters they end with. Looked up from each character a name can end with, rather than by an
/// automaton of all of them: building one for 45,000 names took a third of a second, paid by
/// every query process that counts copies.
struct Places {
    names: HashSet<String>,
    ends: HashSet<char>,
    /// `ends` for the CJK ideographs, a bit each: most characters of a report are looked up.
    cjk_ends: Vec<u64>,
    longest: usize,
}

/// The CJK ideographs the bitmap of [`Places`] covers.
const CJK: std::ops::RangeInclusive<u32> = 0x4E00..=0x9FFF;

impl Places {
    fn ends_with(&self, c: char) -> bool {
        let code = c as u32;
        if CJK.contains(&code) {
            let i = (code - CJK.start()) as usize;
            return self.cjk_ends[i / 64] >> (i % 64) & 1 == 1;
        }
        self.ends.contains(&c)
    }
}

static PLACES: LazyLock<Places> = LazyLock::new(|| {
    let names: HashSet<String> = place_names()
        .filter(|n| n.chars().count() >= 2)
        .map(normalize)
        .collect();
    let ends: HashSet<char> = names.iter().filter_map(|n| n.chars().next_back()).collect();
    let mut cjk_ends = vec![0u64; (CJK.end() - CJK.start()) as usize / 64 + 1];
    for &c in &ends {
        if CJK.contains(&(c as u32)) {
            let i = (c as u32 - CJK.start()) as usize;
            cjk_ends[i / 64] |= 1 << (i % 64);
        }
    }
    Places {
        ends,
        cjk_ends,
        longest: names.iter().map(|n| n.chars().count()).max().unwrap_or(0),
        names,
    }
});

/// The place names in normalised `text`, as byte ranges in order: at each character a name can
/// end with, the longest name ending there that does not reach into the one before.
fn place_spans(text: &str) -> Vec<(usize, usize)> {
    let places = &*PLACES;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut spans = Vec::new();
    let mut free_from = 0;
    for (i, &(at, c)) in chars.iter().enumerate() {
        if !places.ends_with(c) {
            continue;
        }
        let end = at + c.len_utf8();
        let most = places.longest.min(i + 1 - free_from);
        for len in (2..=most).rev() {
            let start = chars[i + 1 - len].0;
            if places.names.contains(&text[start..end]) {
                spans.push((start, end));
                free_from = i + 1;
                break;
            }
        }
    }
    spans
}

/// A letter of copy text: most are CJK ideographs, told without Unicode's tables.
fn is_letter(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || c.is_alphabetic()
}

/// A passage's copy text: normalised, place names masked, letters only.
pub fn passage_chars(text: &str) -> Vec<char> {
    let normalized = normalize(text);
    let mut out = Vec::with_capacity(normalized.len() / 3);
    let mut at = 0;
    for (start, end) in place_spans(&normalized) {
        out.extend(normalized[at..start].chars().filter(|&c| is_letter(c)));
        out.push(PLACE_MARK);
        at = end;
    }
    out.extend(normalized[at..].chars().filter(|&c| is_letter(c)));
    out
}

/// A report's text for telling duplicates: normalised letters and digits.
pub fn report_chars(text: &str) -> Vec<char> {
    normalize(text)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// SplitMix64's finaliser: a stable 64-bit mix (std's hashers may change between releases, and
/// these values are stored in the index).
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The hash of each shingle of `chars` (one for text shorter than a shingle; none for none).
fn shingles(chars: &[char]) -> impl Iterator<Item = u64> + '_ {
    let windows = chars.len().saturating_sub(SHINGLE) + 1;
    let windows = if chars.is_empty() { 0 } else { windows };
    (0..windows).map(move |i| {
        chars[i..(i + SHINGLE).min(chars.len())]
            .iter()
            .fold(0x9E37_79B9_7F4A_7C15u64, |h, &c| {
                mix(h ^ u64::from(c as u32))
            })
    })
}

/// The multipliers and offsets of the MinHash functions, `(a · x + b) >> 32` with `a` odd:
/// one hash of a shingle, many cheap permutations of it.
static FUNCTIONS: LazyLock<Vec<(u64, u64)>> = LazyLock::new(|| {
    (0..HASHES as u64)
        .map(|i| (mix(2 * i + 1) | 1, mix(2 * i + 2)))
        .collect()
});

/// The `n` MinHash values of a set of shingle hashes (u32::MAX each for an empty set).
fn minhash(hashes: impl Iterator<Item = u64>, n: usize) -> Vec<u32> {
    let functions = &FUNCTIONS[..n];
    let mut mins = vec![u32::MAX; n];
    for h in hashes {
        for (m, (a, b)) in mins.iter_mut().zip(functions) {
            let v = (h.wrapping_mul(*a).wrapping_add(*b) >> 32) as u32;
            if v < *m {
                *m = v;
            }
        }
    }
    mins
}

/// The band keys of a passage: [`BANDS`] numbers, each standing for [`ROWS`] MinHash values
/// and its band's number, so that two passages share a key only in the same band. None for a
/// passage shorter than [`MIN_PASSAGE_CHARS`] of copy text.
pub fn passage_bands(text: &str) -> Option<[u64; BANDS]> {
    let chars = passage_chars(text);
    if chars.len() < MIN_PASSAGE_CHARS {
        return None;
    }
    let mins = minhash(shingles(&chars), HASHES);
    let mut keys = [0u64; BANDS];
    for (band, key) in keys.iter_mut().enumerate() {
        *key = mins[band * ROWS..(band + 1) * ROWS]
            .iter()
            .fold(mix(band as u64 + 1), |h, &m| mix(h ^ u64::from(m)));
    }
    Some(keys)
}

/// The share of a passage's shingles that a text holds, on copy text, from which the text
/// contains the passage nearly verbatim (`fazhi-query copies --passage`).
pub const CONTAINED_SHARE: f64 = 0.8;

/// The shingles of a text's copy text, as a set.
pub fn shingle_set(text: &str) -> HashSet<u64> {
    shingles(&passage_chars(text)).collect()
}

/// The share of `passage`'s shingles that `text` holds (0 for an empty passage).
pub fn contained_share(passage: &HashSet<u64>, text: &HashSet<u64>) -> f64 {
    if passage.is_empty() {
        return 0.0;
    }
    passage.iter().filter(|s| text.contains(s)).count() as f64 / passage.len() as f64
}

/// The Jaccard similarity of two shingle sets: shared over either's (0 for two empty sets).
pub fn jaccard(a: &HashSet<u64>, b: &HashSet<u64>) -> f64 {
    let shared = a.iter().filter(|s| b.contains(s)).count();
    let either = a.len() + b.len() - shared;
    if either == 0 {
        return 0.0;
    }
    shared as f64 / either as f64
}

/// The runs of a passage that a search can look for exactly whatever the copy changed: its
/// normalised text cut at every place name, digit, punctuation mark and space, longest first,
/// runs of at least [`MIN_RUN_CHARS`] only.
pub fn exact_runs(passage: &str) -> Vec<String> {
    let normalized = normalize(passage);
    let mut cut = String::with_capacity(normalized.len());
    let mut at = 0;
    for (start, end) in place_spans(&normalized) {
        cut.push_str(&normalized[at..start]);
        cut.push(' ');
        at = end;
    }
    cut.push_str(&normalized[at..]);
    let mut runs: Vec<String> = cut
        .split(|c: char| !c.is_alphabetic())
        .filter(|r| r.chars().count() >= MIN_RUN_CHARS)
        .map(String::from)
        .collect();
    runs.sort_by_key(|r| std::cmp::Reverse(r.chars().count()));
    runs.dedup();
    runs
}

/// The shortest run [`exact_runs`] keeps: a shingle, the least a copy can be told by.
pub const MIN_RUN_CHARS: usize = SHINGLE;

/// The length of the pieces [`search_pieces`] cuts runs into.
const PIECE_CHARS: usize = 8;

/// The pieces of a passage a search for its copies looks for, any of them: its runs
/// ([`exact_runs`], longest first) cut into pieces of [`PIECE_CHARS`] (a shorter rest kept when
/// it is a run's whole or at least [`MIN_RUN_CHARS`]), at most `most`. An edit of one character
/// breaks one piece, not the passage's longest run and with it the search.
pub fn search_pieces(passage: &str, most: usize) -> Vec<String> {
    let mut pieces = Vec::new();
    for run in exact_runs(passage) {
        let chars: Vec<char> = run.chars().collect();
        for piece in chars.chunks(PIECE_CHARS) {
            if piece.len() >= MIN_RUN_CHARS {
                pieces.push(piece.iter().collect::<String>());
            }
        }
    }
    pieces.dedup();
    pieces.truncate(most);
    pieces
}

/// A report's fingerprint: a hash of its whole text and [`REPORT_HASHES`] 16-bit MinHash
/// values of its shingles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ReportSketch {
    pub exact: u64,
    pub mins: [u16; REPORT_HASHES],
}

/// MinHash values per word of a packed sketch ([`ReportSketch::to_words`]).
const PER_WORD: usize = 3;
/// How many u64s a [`ReportSketch`] packs into ([`ReportSketch::to_words`]).
pub const SKETCH_WORDS: usize = 1 + REPORT_HASHES.div_ceil(PER_WORD);

impl ReportSketch {
    /// The sketch of a report's text (its sections' text, in order).
    pub fn of<'a>(texts: impl IntoIterator<Item = &'a str>) -> ReportSketch {
        let mut chars = Vec::new();
        for t in texts {
            chars.extend(report_chars(t));
        }
        let exact = chars.iter().fold(0x6A09_E667_F3BC_C908u64, |h, &c| {
            mix(h ^ u64::from(c as u32))
        }) >> 8;
        // One-permutation MinHash (Li, Owen & Zhang 2012): each shingle's one hash goes to one of
        // the bins by its top bits and keeps the least of the rest there — a report is long
        // enough to fill every bin, and one hash a shingle instead of 64 is most of the cost.
        let mut mins = [u16::MAX; REPORT_HASHES];
        for h in shingles(&chars) {
            let bin = (h >> 58) as usize % REPORT_HASHES;
            // u16::MAX marks a bin no shingle fell in.
            let value = ((h >> 16) as u16).min(u16::MAX - 1);
            if value < mins[bin] {
                mins[bin] = value;
            }
        }
        ReportSketch { exact, mins }
    }

    /// The sketch as u64s, for a number column: each word's top byte is its place (a column of
    /// several values per document need not keep their order), then the 56-bit exact hash or
    /// three values.
    pub fn to_words(&self) -> [u64; SKETCH_WORDS] {
        let mut words = [0u64; SKETCH_WORDS];
        words[0] = self.exact & 0x00FF_FFFF_FFFF_FFFF;
        for (k, chunk) in self.mins.chunks(PER_WORD).enumerate() {
            words[k + 1] = chunk
                .iter()
                .fold((k as u64 + 1) << 8, |acc, &m| (acc << 16) | u64::from(m))
                << (16 * (PER_WORD - chunk.len()));
        }
        words
    }

    /// The sketch [`ReportSketch::to_words`] wrote, its words in any order; None for words that
    /// are not a whole sketch.
    pub fn from_words(words: &[u64]) -> Option<ReportSketch> {
        if words.len() != SKETCH_WORDS {
            return None;
        }
        let mut sorted = words.to_vec();
        sorted.sort_unstable();
        if sorted
            .iter()
            .enumerate()
            .any(|(k, w)| (w >> 56) as usize != k)
        {
            return None;
        }
        let mut mins = [0u16; REPORT_HASHES];
        for (chunk, w) in mins.chunks_mut(PER_WORD).zip(&sorted[1..]) {
            for (i, m) in chunk.iter_mut().enumerate() {
                *m = (w >> (16 * (PER_WORD - 1 - i))) as u16;
            }
        }
        Some(ReportSketch {
            exact: sorted[0],
            mins,
        })
    }

    /// The estimated share of shingles two reports have in common (1 for identical text).
    pub fn similarity(&self, other: &ReportSketch) -> f64 {
        if self.exact == other.exact {
            return 1.0;
        }
        // Over the bins a shingle of either fell in: a short report leaves bins empty, and two
        // empty bins say nothing about the texts.
        let (mut same, mut filled) = (0, 0);
        for (a, b) in self.mins.iter().zip(&other.mins) {
            if *a == u16::MAX && *b == u16::MAX {
                continue;
            }
            filled += 1;
            same += usize::from(a == b);
        }
        if filled == 0 {
            return 0.0;
        }
        same as f64 / filled as f64
    }

    /// True when the two are the same report ([`DUPLICATE_SHARE`]).
    pub fn duplicates(&self, other: &ReportSketch) -> bool {
        self.similarity(other) >= DUPLICATE_SHARE
    }
}

/// What a report says it is: its year, town, county and province, as far as they are known
/// (the names hashed). Two reports that both know one of these and differ in it are two
/// reports, however alike their text: a town's report of another year that reuses last year's
/// words, or another town's copy of the county's template, is never folded into it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Identity([Option<u64>; 4]);

impl Identity {
    /// The identity of a report of `year` in the places `[town, county, province]`.
    pub fn new(year: Option<u64>, places: [Option<&str>; 3]) -> Identity {
        let name = |n: Option<&str>| {
            n.map(|n| {
                n.bytes()
                    .fold(0x5EED, |acc: u64, b| mix(acc ^ u64::from(b)))
            })
        };
        Identity([year, name(places[0]), name(places[1]), name(places[2])])
    }

    /// True when a field is known to both and differs.
    fn conflicts(&self, other: &Identity) -> bool {
        self.0
            .iter()
            .zip(&other.0)
            .any(|(a, b)| matches!((a, b), (Some(a), Some(b)) if a != b))
    }

    /// What either knows.
    fn merge(&mut self, other: &Identity) {
        for (a, b) in self.0.iter_mut().zip(&other.0) {
            *a = a.or(*b);
        }
    }
}

/// The groups of duplicate reports among `sketches` (two or more each), as their places in the
/// list, each group in list order and the groups in the order of their first member. Candidates
/// share an exact hash or a band of [`REPORT_ROWS`] values; a candidate joins a group when it
/// is a duplicate ([`ReportSketch::duplicates`]) of a member and nothing the group's reports
/// know of their year and place conflicts with what it knows (`identities`, one a sketch:
/// see [`Identity`]).
pub fn duplicate_groups(sketches: &[ReportSketch], identities: &[Identity]) -> Vec<Vec<usize>> {
    debug_assert_eq!(sketches.len(), identities.len());
    let mut parent: Vec<usize> = (0..sketches.len()).collect();
    // What each group (by its root) knows of its year and place.
    let mut known: Vec<Identity> = identities.to_vec();
    fn root(parent: &mut [usize], mut i: usize) -> usize {
        while parent[i] != i {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        i
    }
    let mut buckets: HashMap<(usize, u64), Vec<usize>> = HashMap::new();
    for (i, s) in sketches.iter().enumerate() {
        buckets.entry((usize::MAX, s.exact)).or_default().push(i);
        for (band, rows) in s.mins.chunks_exact(REPORT_ROWS).enumerate() {
            let key = rows.iter().fold(0u64, |acc, &m| (acc << 16) | u64::from(m));
            buckets.entry((band, key)).or_default().push(i);
        }
    }
    for members in buckets.values() {
        let Some((&first, rest)) = members.split_first() else {
            continue;
        };
        for &other in rest {
            let (a, b) = (root(&mut parent, first), root(&mut parent, other));
            if a != b
                && sketches[first].duplicates(&sketches[other])
                && !known[a].conflicts(&known[b])
            {
                let (root, child) = (a.min(b), a.max(b));
                parent[child] = root;
                let child = known[child];
                known[root].merge(&child);
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = Vec::new();
    let mut group_of: HashMap<usize, usize> = HashMap::new();
    for i in 0..sketches.len() {
        let r = root(&mut parent, i);
        let g = *group_of.entry(r).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[g].push(i);
    }
    groups.retain(|g| g.len() > 1);
    groups
}

/// Passages' band keys, for finding a passage's near-copies among them: what the index's band
/// postings do, in memory.
#[derive(Debug, Default)]
pub struct PassageTable {
    keys: HashMap<u64, Vec<usize>>,
}

impl PassageTable {
    /// Adds passage number `id` with its band keys.
    pub fn add(&mut self, id: usize, bands: &[u64; BANDS]) {
        for &k in bands {
            self.keys.entry(k).or_default().push(id);
        }
    }

    /// The passages that share a band key with `bands`, each once, in order.
    pub fn near(&self, bands: &[u64; BANDS]) -> Vec<usize> {
        let mut out: Vec<usize> = bands
            .iter()
            .filter_map(|k| self.keys.get(k))
            .flatten()
            .copied()
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::region::Gazetteer;

    #[test]
    fn copy_text_masks_places_and_drops_numbers_and_punctuation() {
        // (two passages, the same copy text?)
        let rows = [
            (
                "保安镇召开会议12次，开展普法活动23场次。",
                "城关镇召开会议7次,开展普法活动5场次.",
                true,
            ),
            (
                "保安镇召开会议12次，开展普法活动23场次。",
                "保安镇召开会议12次，开展法律援助23场次。",
                false,
            ),
            ("２０２３年，依法行政", "2021年 依法行政", true),
        ];
        for (a, b, same) in rows {
            assert_eq!(passage_chars(a) == passage_chars(b), same, "{a} / {b}");
        }
        // (text, its copy text)
        let rows = [
            ("保安镇召开会议", "〇召开会议"),
            ("利通区上桥镇召开会议", "〇〇召开会议"),
            ("镇政府召开会议", "镇政府召开会议"),
            ("大冶市保安镇", "〇〇"),
        ];
        for (text, copy) in rows {
            let masked: String = passage_chars(text).into_iter().collect();
            assert_eq!(masked, copy, "{text}");
        }
    }

    #[test]
    fn a_template_filled_in_by_another_town_shares_its_bands_and_another_passage_does_not() {
        let template = "{town}坚持把法治政府建设摆在全局工作的重要位置，成立了以镇长为组长的法治政府建设领导小组，\
                        全年召开专题会议{n}次，研究解决法治建设重大问题{m}个，将法治建设纳入年度绩效考核。";
        let a = template
            .replace("{town}", "保安镇")
            .replace("{n}", "4")
            .replace("{m}", "12");
        let b = template
            .replace("{town}", "城关镇")
            .replace("{n}", "6")
            .replace("{m}", "3")
            .replace('，', ",");
        let other = "严格落实行政执法三项制度，全面推行行政执法公示、执法全过程记录和重大执法决定法制审核，\
                     规范执法行为，执法案卷评查合格率明显提升，群众满意度不断提高。";
        let (a, b, other) = (
            passage_bands(&a).expect("long enough"),
            passage_bands(&b).expect("long enough"),
            passage_bands(other).expect("long enough"),
        );
        assert_eq!(a, b, "the same copy text, the same keys");
        assert!(a.iter().all(|k| !other.contains(k)), "no key shared");
        assert_eq!(passage_bands("加强学习培训工作。"), None, "too short");
    }

    #[test]
    fn the_names_masked_are_the_gazetteers() {
        let g = Gazetteer::embedded();
        let from_gazetteer: HashSet<&str> = g
            .places()
            .iter()
            .flat_map(|p| [p.town.as_str(), p.county.as_str(), p.city.as_str()])
            .chain(g.aliases().iter().map(|a| a.name.as_str()))
            .filter(|n| !n.is_empty())
            .collect();
        let read: HashSet<&str> = place_names().filter(|n| !n.is_empty()).collect();
        assert_eq!(read, from_gazetteer);
    }

    #[test]
    fn jaccard_is_shared_shingles_over_either() {
        let set = |v: &[u64]| -> HashSet<u64> { v.iter().copied().collect() };
        // (a, b, similarity)
        let rows: [(&[u64], &[u64], f64); 5] = [
            (&[1, 2, 3, 4], &[1, 2, 3, 4], 1.0),
            (&[1, 2, 3, 4], &[1, 2, 3, 5], 0.6),
            (&[1, 2], &[3, 4], 0.0),
            (&[1, 2, 3, 4], &[1, 2], 0.5),
            (&[], &[], 0.0),
        ];
        for (a, b, expected) in rows {
            assert_eq!(jaccard(&set(a), &set(b)), expected, "{a:?} / {b:?}");
            assert_eq!(jaccard(&set(b), &set(a)), expected, "symmetric");
        }
    }

    #[test]
    fn a_passage_is_cut_into_runs_a_copy_keeps() {
        // (passage, its runs, longest first)
        let rows: [(&str, &[&str]); 4] = [
            (
                "保安镇召开专题会议12次，研究解决法治建设重大问题。",
                &["研究解决法治建设重大问题", "召开专题会议"],
            ),
            ("依法行政工作，法治", &["依法行政工作"]),
            ("依法行政，法治", &[]),
            ("12345", &[]),
        ];
        for (passage, runs) in rows {
            assert_eq!(exact_runs(passage), runs, "{passage}");
        }
        // (passage, the pieces searched for, at most 3)
        let rows: [(&str, &[&str]); 3] = [
            (
                "保安镇召开专题会议12次，研究解决法治建设重大问题。",
                &["研究解决法治建设", "召开专题会议"],
            ),
            (
                "全面推进依法行政加快建设法治政府的各项工作，法治",
                &["全面推进依法行政", "加快建设法治政府", "的各项工作"],
            ),
            ("依法行政，法治", &[]),
        ];
        for (passage, pieces) in rows {
            assert_eq!(search_pieces(passage, 3), pieces, "{passage}");
        }
        let a = shingle_set("保安镇召开专题会议12次，研究解决法治建设重大问题。");
        let b = shingle_set("去年，城关镇召开专题会议3次;研究解决法治建设重大问题。此外");
        assert_eq!(contained_share(&a, &b), 1.0);
        assert!(contained_share(&a, &shingle_set("研究解决法治建设重大问题")) < CONTAINED_SHARE);
    }

    #[test]
    fn reports_that_differ_in_year_or_place_are_never_one_report() {
        let text: String = (0..200)
            .map(|i| format!("第{i}项工作依法推进，成效明显。"))
            .collect();
        let same = ReportSketch::of([text.as_str()]);
        let id = |year, town| Identity::new(year, [town, Some("睢县"), Some("河南省")]);
        let (y23, y24) = (Some(2023), Some(2024));
        // (what the copies of one text know of themselves, the groups)
        let rows: [(Vec<Identity>, Vec<Vec<usize>>); 6] = [
            (
                vec![id(y23, Some("后台乡")), id(y23, Some("后台乡"))],
                vec![vec![0, 1]],
            ),
            (
                vec![id(y23, Some("后台乡")), id(y24, Some("后台乡"))],
                vec![],
            ),
            (
                vec![id(y23, Some("后台乡")), id(y23, Some("城关镇"))],
                vec![],
            ),
            (
                vec![id(y23, Some("后台乡")), id(None, None)],
                vec![vec![0, 1]],
            ),
            (
                vec![Identity::default(), Identity::default()],
                vec![vec![0, 1]],
            ),
            // One that knows neither joins the first; the third conflicts with what the group
            // knows, though not with the one it was compared with.
            (
                vec![
                    id(y23, Some("后台乡")),
                    id(None, None),
                    id(y23, Some("城关镇")),
                ],
                vec![vec![0, 1]],
            ),
        ];
        for (identities, groups) in rows {
            let sketches = vec![same; identities.len()];
            assert_eq!(
                duplicate_groups(&sketches, &identities),
                groups,
                "{identities:?}"
            );
        }
    }

    #[test]
    fn a_sketch_survives_its_words_and_tells_duplicates() {
        let text: String = (0..200)
            .map(|i| format!("第{i}项工作依法推进，成效明显。"))
            .collect();
        let a = ReportSketch::of([text.as_str()]);
        assert_eq!(ReportSketch::from_words(&a.to_words()), Some(a));
        let mut shuffled = a.to_words();
        shuffled.reverse();
        assert_eq!(ReportSketch::from_words(&shuffled), Some(a), "any order");
        assert_eq!(ReportSketch::from_words(&a.to_words()[1..]), None);
        let header = format!("来源：政府网站\n{text}");
        let b = ReportSketch::of(["来源：政府网站", text.as_str()]);
        assert_eq!(
            ReportSketch::of([header.as_str()]),
            b,
            "line breaks read across"
        );
        assert!(a.duplicates(&b), "a short header: {}", a.similarity(&b));
        let half: String = text.chars().take(text.chars().count() / 2).collect();
        let c = ReportSketch::of([half.as_str()]);
        assert!(!a.duplicates(&c), "half the text: {}", a.similarity(&c));
        let groups = duplicate_groups(&[a, c, b, a], &[Identity::default(); 4]);
        assert_eq!(groups, vec![vec![0, 2, 3]]);
        // Short reports fill few bins; they are told apart by the bins they fill.
        let short = |n: &str| {
            ReportSketch::of([format!(
                "2023年某镇法治政府建设年度报告\n一、总体情况\n法律顾问{n}号。"
            )
            .as_str()])
        };
        let (one, two) = (short("一"), short("二"));
        assert!(!one.duplicates(&two), "{}", one.similarity(&two));
        assert!(one.duplicates(&short("一")));
    }
}
