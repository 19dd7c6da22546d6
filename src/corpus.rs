//! The corpus folder as a user names it (`--corpus DIR`), checked before anything is created:
//! a missing folder, a file or a folder with no file in it is one clear error, and no index
//! folder is left behind for it.

use std::path::Path;

use crate::error::{Error, Result};
use crate::lang::both;

/// The corpus is a folder with at least one file somewhere inside it; else an error saying
/// which of the three it is instead.
pub fn check(corpus: &Path) -> Result<()> {
    let bad = |key: &str| Error::BadInput {
        path: corpus.to_path_buf(),
        reason: both(key, &[]),
    };
    let metadata = match std::fs::metadata(corpus) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(bad("err.corpus_missing"));
        }
        Err(source) => {
            return Err(Error::Read {
                path: corpus.to_path_buf(),
                source,
            });
        }
    };
    if !metadata.is_dir() {
        return Err(bad("err.corpus_file"));
    }
    let any_file = walkdir::WalkDir::new(corpus)
        .follow_links(true)
        .into_iter()
        .filter_map(|entry| entry.ok())
        .any(|entry| entry.file_type().is_file());
    if !any_file {
        return Err(bad("err.corpus_empty"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_corpus_is_a_folder_with_a_file() {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let root = dir.path();
        std::fs::create_dir_all(root.join("empty/sub")).expect("mkdir");
        std::fs::create_dir_all(root.join("full/sub")).expect("mkdir");
        std::fs::write(root.join("full/sub/a.txt"), "报告").expect("write");
        std::fs::write(root.join("file.txt"), "报告").expect("write");
        let rows = [
            ("missing", Some("no such folder")),
            ("file.txt", Some("is a file, not a folder")),
            ("empty", Some("holds no files")),
            ("full", None),
        ];
        for (name, expected) in rows {
            let result = check(&root.join(name)).err().map(|e| e.to_string());
            match (result, expected) {
                (None, None) => {}
                (Some(message), Some(fragment)) => {
                    assert!(message.contains(fragment), "{name}: {message}")
                }
                (got, _) => panic!("{name}: {got:?}, expected {expected:?}"),
            }
        }
    }
}
