//! Global ordinals for a string fast field: each segment numbers its values in its own sorted
//! dictionary, so counts kept by segment ordinal cannot be added across segments until they
//! are mapped to one numbering for the whole index (Lucene's `OrdinalMap`).
//!
//! The map is built once per opened index by merging the segments' sorted dictionaries, so a
//! query counts facets in plain arrays by ordinal, adds segments by mapping ordinals, and turns
//! only the values it shows into text. Global ordinals keep the dictionaries' byte order, which
//! for UTF-8 is the order of the strings: comparing ordinals compares labels.

use tantivy::columnar::StrColumn;
use tantivy::{Searcher, SegmentOrdinal};

/// One string fast field's values over the whole index, in sorted order.
#[derive(Debug, Default)]
pub(crate) struct OrdinalMap {
    /// The values, one after another; value `g` is `text[starts[g]..starts[g + 1]]`.
    text: String,
    starts: Vec<usize>,
    /// Per segment: its ordinal → the global ordinal.
    segments: Vec<Vec<u32>>,
}

impl OrdinalMap {
    /// Merges the dictionaries of `field` in every segment of `searcher`.
    pub(crate) fn build(searcher: &Searcher, field: &str) -> tantivy::Result<OrdinalMap> {
        let columns: Vec<Option<StrColumn>> = searcher
            .segment_readers()
            .iter()
            .map(|reader| reader.fast_fields().str(field))
            .collect::<tantivy::Result<_>>()?;
        let mut streams = Vec::with_capacity(columns.len());
        for column in &columns {
            streams.push(match column {
                Some(c) => {
                    let mut stream = c.dictionary().stream()?;
                    let live = stream.advance();
                    Some(stream).filter(|_| live)
                }
                None => None,
            });
        }
        let mut map = OrdinalMap {
            text: String::new(),
            starts: vec![0],
            segments: columns
                .iter()
                .map(|c| Vec::with_capacity(c.as_ref().map_or(0, |c| c.num_terms())))
                .collect(),
        };
        let mut same = Vec::with_capacity(streams.len());
        loop {
            // The stream with the smallest value not yet numbered, and every stream holding it.
            let mut least: Option<&[u8]> = None;
            for key in streams.iter().flatten().map(|s| s.key()) {
                if least.is_none_or(|l| key < l) {
                    least = Some(key);
                }
            }
            let Some(least) = least else { break };
            same.clear();
            same.extend(
                streams
                    .iter()
                    .enumerate()
                    .filter(|(_, s)| s.as_ref().is_some_and(|s| s.key() == least))
                    .map(|(i, _)| i),
            );
            match std::str::from_utf8(least) {
                Ok(text) => map.text.push_str(text),
                Err(_) => map.text.push_str(&String::from_utf8_lossy(least)),
            }
            map.starts.push(map.text.len());
            let global = map.len() as u32 - 1;
            for &i in &same {
                map.segments[i].push(global);
                if streams[i].as_mut().is_some_and(|s| !s.advance()) {
                    streams[i] = None;
                }
            }
        }
        Ok(map)
    }

    /// The number of distinct values in the index.
    pub(crate) fn len(&self) -> usize {
        self.starts.len() - 1
    }

    /// The global ordinal of a segment's ordinal.
    pub(crate) fn global(&self, segment: SegmentOrdinal, ord: u64) -> Option<u32> {
        self.segments
            .get(segment as usize)
            .and_then(|ords| ords.get(ord as usize))
            .copied()
    }

    /// The value of a global ordinal.
    pub(crate) fn label(&self, global: u32) -> &str {
        let g = global as usize;
        match (self.starts.get(g), self.starts.get(g + 1)) {
            (Some(&from), Some(&to)) => &self.text[from..to],
            _ => "",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::schema::{FAST, STRING, Schema};
    use tantivy::{Index, IndexWriter, doc};

    /// Three segments with overlapping, disjoint and empty dictionaries.
    #[test]
    fn segments_share_one_sorted_numbering() {
        let mut builder = Schema::builder();
        let town = builder.add_text_field("town", STRING | FAST);
        let other = builder.add_u64_field("n", FAST);
        let index = Index::create_in_ram(builder.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        let segments: [&[&str]; 3] = [
            &["保安镇", "城关镇", "安乐乡"],
            &["城关镇", "东风街道"],
            &[],
        ];
        for values in segments {
            for v in values {
                writer.add_document(doc!(town => *v)).unwrap();
            }
            writer.add_document(doc!(other => 1u64)).unwrap();
            writer.commit().unwrap();
        }
        let searcher = index.reader().unwrap().searcher();
        let map = OrdinalMap::build(&searcher, "town").unwrap();
        let mut all: Vec<&str> = segments.iter().flat_map(|s| s.iter().copied()).collect();
        all.sort();
        all.dedup();
        let labels: Vec<&str> = (0..map.len() as u32).map(|g| map.label(g)).collect();
        assert_eq!(labels, all, "one numbering, in string order");
        for (ordinal, reader) in searcher.segment_readers().iter().enumerate() {
            let Some(column) = reader.fast_fields().str("town").unwrap() else {
                continue;
            };
            for local in 0..column.num_terms() as u64 {
                let mut text = String::new();
                column.ord_to_str(local, &mut text).unwrap();
                let global = map.global(ordinal as u32, local).unwrap();
                assert_eq!(map.label(global), text, "segment {ordinal} ordinal {local}");
            }
        }
        assert_eq!(map.global(9, 0), None, "an unknown segment maps nowhere");
    }
}
