//! The index's folder: which folders fazhi-index may write into, and which files in them it may
//! delete. It never deletes a file it did not write.
//!
//! A folder is ours when it holds our marker ([`MARKER_FILE`], written before anything else when
//! an index is created) or, for an index made before the marker existed, when its `meta.json`
//! carries our stamp. File names alone never make a folder ours: a corpus can hold a file
//! called `meta.json`. fazhi-index writes only into a new or empty folder or one of ours, and
//! never into the corpus or a folder that holds the corpus. In our folder it deletes only files
//! named as tantivy and we name ours ([`is_ours_to_delete`]), and says what else it left alone.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use tantivy::Directory;
use tantivy::directory::error::LockError;
use tantivy::directory::{DirectoryLock, INDEX_WRITER_LOCK, Lock, META_LOCK, MmapDirectory};

use super::check::SEAL_FILE;
use super::facets::CACHE_FILE;
use super::schema::Stamp;
use crate::error::{Error, Result, Text};
use crate::ingest::poisoned;
use crate::lang::both;

/// The marker of a folder fazhi-index made.
pub const MARKER_FILE: &str = "fazhi-index.txt";
const MARKER_TEXT: &str = "This folder is a fazhi-search index, written by fazhi-index.\n\
fazhi-index deletes only the files it wrote here; fazhi-index --rebuild starts it over.\n";

/// The extensions tantivy gives a segment's files (`<uuid>.<ext>`; deletions are
/// `<uuid>.<opstamp>.del`).
const SEGMENT_EXTENSIONS: [&str; 7] = [
    "idx",
    "pos",
    "term",
    "store",
    "fast",
    "fieldnorm",
    "store.temp",
];

/// What the index folder is, once it may be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    /// Missing or empty: an index is created in it.
    New,
    /// An index fazhi-index made.
    Ours,
}

/// Whether fazhi-index may write an index at `index` for `corpus`: refuses an index inside the
/// corpus, a corpus inside the index, and a folder with files that is not ours.
pub fn claim(corpus: &Path, index: &Path) -> Result<Folder> {
    let refuse = |key: &str| Error::IndexFolder {
        path: index.to_path_buf(),
        reason: both(key, &[("corpus", &corpus.display().to_string())]),
    };
    let (c, i) = (resolved(corpus), resolved(index));
    if i.starts_with(&c) {
        return Err(refuse("err.index_in_corpus"));
    }
    if c.starts_with(&i) {
        return Err(refuse("err.corpus_in_index"));
    }
    folder(index)
}

/// What `index` is, or an error when it holds files and is not ours.
pub fn folder(index: &Path) -> Result<Folder> {
    let refuse = |reason: Text| Error::IndexFolder {
        path: index.to_path_buf(),
        reason,
    };
    if !index.exists() {
        return Ok(Folder::New);
    }
    if !index.is_dir() {
        return Err(refuse(both("err.index_not_folder", &[])));
    }
    if is_ours(index) {
        return Ok(Folder::Ours);
    }
    let names = names(index)?;
    if names.is_empty() {
        return Ok(Folder::New);
    }
    Err(refuse(both(
        "err.index_foreign",
        &[("files", &listing(&names))],
    )))
}

/// True when `index` is a folder fazhi-index made.
pub fn is_ours(index: &Path) -> bool {
    if index.join(MARKER_FILE).is_file() {
        return true;
    }
    // An index made before the marker: our stamp in meta.json's payload.
    let Ok(text) = std::fs::read(index.join("meta.json")) else {
        return false;
    };
    serde_json::from_slice::<serde_json::Value>(&text)
        .ok()
        .and_then(|meta| meta.get("payload")?.as_str().map(String::from))
        .and_then(|payload| serde_json::from_str::<Stamp>(&payload).ok())
        .is_some_and(|stamp| stamp.writer.starts_with("fazhi-search "))
}

/// True when `index` is ours and no run committed to it: `meta.json` as tantivy creates it,
/// without our stamp (the first run was stopped before its commit).
pub fn never_committed(index: &Path) -> bool {
    let payload = std::fs::read(index.join("meta.json"))
        .ok()
        .and_then(|text| serde_json::from_slice::<serde_json::Value>(&text).ok())
        .map(|meta| meta.get("payload").cloned().unwrap_or_default());
    index.join(MARKER_FILE).is_file() && payload.is_some_and(|p| p.is_null())
}

/// Marks `index` (which must exist) as ours.
pub fn mark(index: &Path) -> Result<()> {
    let path = index.join(MARKER_FILE);
    if path.is_file() {
        return Ok(());
    }
    std::fs::write(&path, MARKER_TEXT).map_err(|source| Error::Write { path, source })
}

/// Deletes the index in our folder `index` (every file [`is_ours_to_delete`] but the marker and
/// the lock files), leaving anything else alone; returns the names left alone. Holds the
/// writer's lock meanwhile: an index another run is writing is busy, not deleted.
pub fn clear(index: &Path) -> Result<Vec<String>> {
    let _writer = lock(index, &INDEX_WRITER_LOCK)?;
    let kept = [MARKER_FILE, ".tantivy-writer.lock", ".tantivy-meta.lock"];
    let mut left = Vec::new();
    for name in names(index)? {
        let path = index.join(&name);
        if kept.contains(&name.as_str()) {
            continue;
        }
        if is_ours_to_delete(&name) && path.is_file() {
            remove(&path)?;
        } else {
            left.push(name);
        }
    }
    Ok(left)
}

/// Takes one of tantivy's locks on the folder `index`.
fn lock(index: &Path, which: &Lock) -> Result<DirectoryLock> {
    let directory = MmapDirectory::open(index).map_err(|e| Error::Read {
        path: index.to_path_buf(),
        source: std::io::Error::other(e.to_string()),
    })?;
    directory.acquire_lock(which).map_err(|e| match e {
        LockError::LockBusy => Error::IndexBusy {
            path: index.to_path_buf(),
        },
        LockError::IoError(io) => Error::Write {
            path: index.join(&which.filepath),
            source: std::io::Error::new(io.kind(), io.to_string()),
        },
    })
}

/// Deletes segment files that no commit references (`referenced`: the files of the committed
/// segments), left by killed runs; returns how many. Only while holding the writer's lock, so
/// that no other run is writing segments; takes tantivy's meta lock, as its own garbage
/// collection does, so that no reader is opening segments meanwhile.
pub fn remove_orphans(index: &Path, referenced: &HashSet<String>) -> Result<usize> {
    let _readers = lock(index, &META_LOCK)?;
    let mut removed = 0;
    for name in names(index)? {
        let orphan = (is_segment_file(&name) || is_temp_file(&name)) && !referenced.contains(&name);
        let path = index.join(&name);
        if orphan && path.is_file() {
            remove(&path)?;
            removed += 1;
        }
    }
    Ok(removed)
}

/// The files tantivy and fazhi-index write in an index folder.
pub fn is_ours_to_delete(name: &str) -> bool {
    let fixed = [
        "meta.json",
        ".managed.json",
        ".tantivy-meta.lock",
        ".tantivy-writer.lock",
        CACHE_FILE,
        SEAL_FILE,
        MARKER_FILE,
        poisoned::FILE_NAME,
    ];
    fixed.contains(&name)
        || fixed.iter().any(|f| name.strip_suffix(".tmp") == Some(f))
        || name.strip_suffix(".new") == Some(poisoned::FILE_NAME)
        || is_segment_file(name)
        || is_temp_file(name)
}

/// `<32 hex digits>.<extension>` or `<32 hex digits>.<opstamp>.del`.
fn is_segment_file(name: &str) -> bool {
    let Some((stem, ext)) = name.split_once('.') else {
        return false;
    };
    let uuid = stem.len() == 32 && stem.bytes().all(|b| b.is_ascii_hexdigit());
    let deletes = ext
        .strip_suffix(".del")
        .is_some_and(|opstamp| !opstamp.is_empty() && opstamp.bytes().all(|b| b.is_ascii_digit()));
    uuid && (SEGMENT_EXTENSIONS.contains(&ext) || deletes)
}

/// tantivy writes `meta.json` and `.managed.json` through a temporary file `.tmpXXXXXX` that a
/// kill can leave behind.
fn is_temp_file(name: &str) -> bool {
    name.strip_prefix(".tmp")
        .is_some_and(|rest| rest.len() == 6 && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn remove(path: &Path) -> Result<()> {
    std::fs::remove_file(path).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

/// The names in `folder`, sorted.
fn names(folder: &Path) -> Result<Vec<String>> {
    let entries = std::fs::read_dir(folder).map_err(|source| Error::Read {
        path: folder.to_path_buf(),
        source,
    })?;
    let mut names: Vec<String> = entries
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    Ok(names)
}

/// A few names, and how many more.
pub fn listing(names: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut text = names
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        text.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    text
}

/// `path` made absolute with links resolved, as far as it exists (the rest appended), so that
/// two spellings of one folder compare equal.
fn resolved(path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = absolute.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(real) = existing.canonicalize() {
            return rest.iter().rev().fold(real, |p, part| p.join(part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_os_string());
                existing = parent;
            }
            _ => return absolute,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_tantivy_and_fazhi_index_write_are_ours_to_delete() {
        let uuid = "0123456789abcdef0123456789abcdef";
        // (name, ours to delete)
        let rows: &[(&str, bool)] = &[
            ("meta.json", true),
            (".managed.json", true),
            (".tantivy-writer.lock", true),
            (".tantivy-meta.lock", true),
            ("facet-ordinals.bin", true),
            ("facet-ordinals.bin.tmp", true),
            ("fazhi-seal.json", true),
            ("fazhi-index.txt", true),
            ("poisoned.tsv", true),
            ("poisoned.tsv.new", true),
            ("poisoned.txt", false),
            (".tmpAb12Cd", true),
            (&format!("{uuid}.idx"), true),
            (&format!("{uuid}.store.temp"), true),
            (&format!("{uuid}.fieldnorm"), true),
            (&format!("{uuid}.17.del"), true),
            (&format!("{uuid}.txt"), false),
            (&format!("{uuid}.del"), false),
            ("0123456789abcdef.idx", false),
            ("report.lock", false),
            ("000_963d346edc5b3a7d.txt", false),
            ("notes.json", false),
            (".tmp", false),
            ("meta.json.bak", false),
        ];
        for &(name, ours) in rows {
            assert_eq!(is_ours_to_delete(name), ours, "{name}");
        }
    }

    #[test]
    fn nesting_is_seen_through_other_spellings_of_a_path() {
        let dir = tempfile::tempdir().expect("temp dir");
        let corpus = dir.path().join("corpus");
        std::fs::create_dir_all(corpus.join("sub")).expect("mkdir");
        // (index, refused)
        let rows = [
            (corpus.clone(), true),
            (corpus.join("index"), true),
            (corpus.join("sub/../index"), true),
            (corpus.join("sub"), true),
            (dir.path().to_path_buf(), true),
            (dir.path().join("index"), false),
        ];
        for (index, refused) in rows {
            assert_eq!(
                claim(&corpus, &index).is_err(),
                refused,
                "{}",
                index.display()
            );
        }
    }
}
