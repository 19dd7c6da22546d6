//! Collapsing a search's near-copies (`fazhi-query … --collapse`): hits whose sections are the
//! same passage — the copy-text notion of `--copies` ([`crate::copies`]) — become one hit, at the
//! rank of its best member, listing every matching section that holds it ([`Member`]).
//!
//! Two sections are one passage when they share a `copy_bands` key (a candidate, found in the
//! postings, never by a scan) **and** the Jaccard similarity of their copy-text shingles with the
//! group's first (best-ranked) section is at least [`SAME_PASSAGE`]. The verification is there
//! because a shared key is a probable copy only (a pair at 50% shares one with probability 0.4);
//! 0.8 is the similarity the band curve is tuned to find (0.98 of such pairs share a key), the
//! threshold `copies --passage` keeps a section at, and a town's fill-in of a county template —
//! other names and figures, a sentence of its own — stays above it while two different measures
//! on one subject fall far below. Comparing each member with the first section, not with any
//! member, keeps a group from drifting: a chain of 80% neighbours is not one passage. Sections
//! too short to fingerprint ([`crate::copies::MIN_PASSAGE_CHARS`]) have no key and are never
//! merged.
//!
//! The cost: a collapsed search ranks every match (not the best `limit`), then reads them in
//! rank order until the page is full; for each hit shown it reads its own text, looks its eight
//! band keys up in the postings, and reads the text of each matching section sharing one (its
//! copies among the matches) to verify it. Totals and facets stay counts of sections.

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use tantivy::{DocAddress, Searcher};

use super::collector::Match;
use super::{Engine, Hit, Ranked, Store, nth_on_line};
use crate::copies;
use crate::error::Result;
use crate::index::facets::FacetMaps;

/// The least Jaccard similarity of copy-text shingles at which a hit joins a group, with the
/// group's first hit (see the module's note for why 0.8).
pub const SAME_PASSAGE: f64 = 0.8;

/// A section a collapsed hit stands for: where it is, as a reader cites it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub file: String,
    pub line: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nth_on_line: Option<u64>,
    pub town: Option<String>,
    pub county: Option<String>,
    pub year: Option<u64>,
}

impl Member {
    /// `FILE:LINE` or `FILE:LINE#N`, as a hit's citation line writes it.
    pub fn place(&self) -> String {
        match self.nth_on_line {
            Some(n) => format!("{}:{}#{n}", self.file, self.line),
            None => format!("{}:{}", self.file, self.line),
        }
    }

    /// `FILE:LINE  town · county · year`, a dash for what is not known.
    pub fn describe(&self) -> String {
        let dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "—".into());
        let year = self.year.map_or_else(|| "—".into(), |y| y.to_string());
        format!(
            "{}  {} · {} · {year}",
            self.place(),
            dash(&self.town),
            dash(&self.county)
        )
    }
}

/// What a collapsed search keeps between its windows.
pub(super) struct Collapse {
    /// Every match, by address: the sections a group may take in.
    matched: HashMap<DocAddress, Match>,
    /// The matches already in a group.
    taken: HashSet<DocAddress>,
    /// The collapsed hits still to give (None: all of them).
    left: Option<usize>,
}

impl Collapse {
    /// The collapse of `matches` (every match, in rank order), giving at most `limit` hits.
    pub(super) fn new(matches: &[Match], limit: Option<usize>) -> Collapse {
        Collapse {
            matched: matches.iter().map(|m| (m.address, *m)).collect(),
            taken: HashSet::new(),
            left: limit,
        }
    }
}

impl Ranked {
    /// Whether the search collapses near-copies into one hit ([`Hit::collapsed`]).
    pub fn collapses(&self) -> bool {
        self.collapse.is_some()
    }

    /// The next collapsed hits, at most `window`, in rank order; None once every one is given.
    pub(super) fn read_collapsed<T: Send>(
        &mut self,
        engine: &Engine,
        window: usize,
        make: &(impl Fn(Hit) -> T + Sync),
    ) -> Result<Option<Vec<T>>> {
        let Some(mut state) = self.collapse.take() else {
            return Ok(None);
        };
        let groups = self.next_groups(engine, &mut state, window.max(1));
        self.collapse = Some(state);
        let groups = groups?;
        if groups.is_empty() {
            return Ok(None);
        }
        let leaders: Vec<Match> = groups.iter().map(|(m, _)| *m).collect();
        self.read += leaders.len();
        let hits = engine.read_in_store_order(self, &leaders, &|hit| hit)?;
        let store = Store::own(&self.searcher);
        let mut out = Vec::with_capacity(hits.len());
        for (mut hit, (_, members)) in hits.into_iter().zip(groups) {
            let mut collapsed = vec![Member {
                file: hit.meta.file.clone(),
                line: hit.line,
                nth_on_line: hit.nth_on_line,
                town: hit.meta.town.clone(),
                county: hit.meta.county.clone(),
                year: hit.meta.year,
            }];
            for m in &members {
                collapsed.push(engine.member(&store, &self.maps, m)?);
            }
            hit.collapsed = collapsed;
            out.push(make(hit));
        }
        Ok(Some(out))
    }

    /// The next groups, each its first match and the others in rank order.
    fn next_groups(
        &mut self,
        engine: &Engine,
        state: &mut Collapse,
        window: usize,
    ) -> Result<Vec<(Match, Vec<Match>)>> {
        let store = Store::own(&self.searcher);
        let mut groups = Vec::new();
        while groups.len() < window && state.left != Some(0) {
            let Some(first) = self.matches.next() else {
                break;
            };
            if !state.taken.insert(first.address) {
                continue;
            }
            let members = engine.same_passage(&store, &first, state)?;
            state.taken.extend(members.iter().map(|m| m.address));
            state.left = state.left.map(|n| n - 1);
            groups.push((first, members));
        }
        Ok(groups)
    }
}

impl Engine {
    /// The matches not yet in a group that are the same passage as `first`'s section
    /// ([`SAME_PASSAGE`]), in rank order.
    fn same_passage(&self, store: &Store, first: &Match, state: &Collapse) -> Result<Vec<Match>> {
        let text = self.own_text(store, first.address)?;
        let Some(bands) = copies::passage_bands(&text) else {
            return Ok(Vec::new());
        };
        let shingles = copies::shingle_set(&text);
        let searcher = store.searcher();
        let mut members = Vec::new();
        for address in sharing_bands(searcher, self.handle.fields.copy_bands, &bands)? {
            if state.taken.contains(&address) || address == first.address {
                continue;
            }
            let Some(m) = state.matched.get(&address) else {
                continue;
            };
            let other = copies::shingle_set(&self.own_text(store, address)?);
            if copies::jaccard(&shingles, &other) >= SAME_PASSAGE {
                members.push(*m);
            }
        }
        members.sort_by(|a, b| a.rank(b));
        Ok(members)
    }

    /// A section's own text, as stored (what its fingerprint was taken over).
    fn own_text(&self, store: &Store, address: DocAddress) -> Result<String> {
        Ok(store.doc(address)?.take(self.handle.fields.text))
    }

    /// A matching section as a member of a collapsed hit.
    fn member(&self, store: &Store, maps: &FacetMaps, m: &Match) -> Result<Member> {
        let searcher = store.searcher();
        let meta = self.report_meta(searcher, maps, m.address)?;
        let columns = self.hit_columns(searcher, m.address)?;
        Ok(Member {
            nth_on_line: nth_on_line(searcher, columns, m),
            line: m.line,
            file: meta.file,
            town: meta.town,
            county: meta.county,
            year: meta.year,
        })
    }
}

/// The live sections sharing one of `bands` in the `copy_bands` postings, each once.
fn sharing_bands(
    searcher: &Searcher,
    field: tantivy::schema::Field,
    bands: &[u64; copies::BANDS],
) -> Result<Vec<DocAddress>> {
    let mut out = Vec::new();
    let mut docs = Vec::new();
    for (ordinal, segment) in searcher.segment_readers().iter().enumerate() {
        crate::index::copies::sharing_bands(segment, field, bands, &mut docs)?;
        out.extend(docs.iter().map(|&d| DocAddress::new(ordinal as u32, d)));
    }
    Ok(out)
}

impl Ranked {
    /// Whether matches are left that no hit given stands for: a search cut by its limit.
    pub fn hits_left(&self) -> bool {
        let taken = self.collapse.as_ref().map(|c| &c.taken);
        self.matches
            .as_slice()
            .iter()
            .any(|m| taken.is_none_or(|t| !t.contains(&m.address)))
    }
}
