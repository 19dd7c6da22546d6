//! The on-disk index: its schema (from `index_schema/fields.tsv`), its analysers, opening it with
//! a version check and an integrity check ([`check`]), its folder ([`folder`]), and the writer
//! that brings it up to date with a corpus.

pub(crate) mod backlog;
pub mod check;
pub mod copies;
pub mod emit;
pub mod facets;
pub mod folder;
pub mod schema;
mod store_file;
pub mod tokenizer;
pub mod writer;

use std::path::{Path, PathBuf};

use tantivy::store::Compressor;
use tantivy::{Index, IndexSettings};

use crate::error::{Error, Result, engine_detail};
use crate::lang::both;
use schema::{Fields, SCHEMA_VERSION, Stamp};
use tokenizer::{BIGRAMS, ChineseBigramTokenizer, ChineseWordTokenizer, WORDS};

/// Stored text is compressed in blocks this large: larger blocks compress Chinese text better,
/// at the price of decompressing more to read one hit.
const DOCSTORE_BLOCK_BYTES: usize = 64 * 1024;

/// How the index stores documents: LZ4. Chinese text compresses less with it than with zstd
/// (the stored text of 20,000 reports: 57.5 MB against 38.9 MB, the whole index 1.59× the raw
/// text against 1.44×), but a block decompresses several times faster, and every hit shown or
/// exported decompresses one; tantivy also made a fresh zstd context for each block.
pub fn settings() -> IndexSettings {
    IndexSettings {
        docstore_compression: Compressor::Lz4,
        docstore_blocksize: DOCSTORE_BLOCK_BYTES,
        ..IndexSettings::default()
    }
}

/// An opened index whose version matches this program.
pub struct IndexHandle {
    pub index: Index,
    pub fields: Fields,
    /// The index's folder.
    pub path: PathBuf,
    /// The files verified sound when the index was opened (see [`check`]).
    pub verified: check::Known,
    /// The groups of duplicate reports its commit records ([`copies`]).
    pub duplicates: std::sync::Arc<copies::Duplicates>,
}

/// True when `path` holds an index (of any version).
pub fn exists(path: &Path) -> bool {
    path.join("meta.json").is_file()
}

fn register_tokenizers(index: &Index) {
    index.tokenizers().register(BIGRAMS, ChineseBigramTokenizer);
    index.tokenizers().register(WORDS, ChineseWordTokenizer);
}

impl IndexHandle {
    /// Opens the index at `path`, refusing one written by another schema version and one that
    /// is damaged ([`check::ensure_sound`]).
    pub fn open(path: &Path) -> Result<IndexHandle> {
        if !exists(path) {
            return Err(Error::NoIndex {
                path: path.to_path_buf(),
            });
        }
        let damaged = |reason: String| Error::Damaged {
            path: path.to_path_buf(),
            file: "meta.json".into(),
            reason,
        };
        let (index, metas) = check::guard(path, || {
            // The document store is read, not mapped (`store_file`): an export reads all of it.
            let index = store_file::StoreReadDirectory::open(path)
                .and_then(Index::open)
                .map_err(|e| damaged(engine_detail(&e)))?;
            let metas = index.load_metas().map_err(|e| damaged(engine_detail(&e)))?;
            Ok((index, metas))
        })?;
        let stamp = Stamp::of(&metas);
        let duplicates = match stamp {
            Some(s) if s.schema_version == SCHEMA_VERSION => {
                copies::Duplicates::from_groups(s.duplicates)
            }
            Some(s) => {
                return Err(Error::SchemaVersion {
                    path: path.to_path_buf(),
                    found: both(
                        "err.schema_writer",
                        &[
                            ("writer", &s.writer),
                            ("version", &s.schema_version.to_string()),
                        ],
                    ),
                    expected: SCHEMA_VERSION,
                });
            }
            None => {
                return Err(Error::SchemaVersion {
                    path: path.to_path_buf(),
                    found: both("err.schema_foreign", &[]),
                    expected: SCHEMA_VERSION,
                });
            }
        };
        let fields =
            Fields::from_schema(&index.schema()).map_err(|reason| Error::CorruptIndex {
                path: path.to_path_buf(),
                reason,
            })?;
        let verified = check::ensure_sound(path)?;
        register_tokenizers(&index);
        Ok(IndexHandle {
            index,
            fields,
            path: path.to_path_buf(),
            verified,
            duplicates: std::sync::Arc::new(duplicates),
        })
    }

    /// Creates an empty index at `path`, which must hold no index, marking the folder as ours
    /// before anything else is written in it.
    pub fn create(path: &Path) -> Result<IndexHandle> {
        std::fs::create_dir_all(path).map_err(|source| Error::Write {
            path: path.to_path_buf(),
            source,
        })?;
        folder::mark(path)?;
        let schema = schema::build_schema(schema::field_specs());
        let fields = Fields::from_schema(&schema).map_err(|reason| Error::CorruptIndex {
            path: path.to_path_buf(),
            reason,
        })?;
        let index = Index::builder()
            .schema(schema)
            .settings(settings())
            .create_in_dir(path)
            .map_err(|e| match e {
                tantivy::TantivyError::IoError(source) => Error::Write {
                    path: path.to_path_buf(),
                    source: std::io::Error::new(source.kind(), source.to_string()),
                },
                other => Error::Engine(other),
            })?;
        register_tokenizers(&index);
        Ok(IndexHandle {
            index,
            fields,
            path: path.to_path_buf(),
            verified: check::Known::new(),
            duplicates: Default::default(),
        })
    }
}
