//! Ingest: find the report files under a corpus folder and turn each into text.
//!
//! Formats plug in at [`extract`]: each supported file extension maps to a reader that turns
//! the file's bytes into text plus any [`Hints`] the format carries (a page title, a date).
//! Anything that cannot be read is a [`Skipped`] entry naming the file and the reason, never a
//! panic and never the end of the run.

mod text;

use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::report::Hints;

/// A file found under the corpus root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusFile {
    pub path: PathBuf,
    /// Path relative to the corpus root with `/` separators: the report's identity in the index.
    pub rel: String,
}

/// A file that was not indexed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub file: String,
    pub reason: String,
}

/// The text of a file, ready for the report parser.
#[derive(Debug, Clone, Default)]
pub struct Extracted {
    pub text: String,
    pub hints: Hints,
}

/// The formats this version reads, by file extension.
pub const SUPPORTED_EXTENSIONS: [&str; 1] = ["txt"];

/// Lists the candidate files under `root`, sorted by path, with the entries that could not be
/// listed or are of an unsupported format. Hidden files and folders (.git) are passed over.
pub fn discover(root: &Path) -> (Vec<CorpusFile>, Vec<Skipped>) {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let walker = WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let file = err
                    .path()
                    .map_or_else(|| root.display().to_string(), |p| relative(root, p));
                let reason = if err.loop_ancestor().is_some() {
                    "symbolic link loop; not followed".to_string()
                } else {
                    err.io_error()
                        .map_or_else(|| err.to_string(), |e| e.to_string())
                };
                skipped.push(Skipped { file, reason });
                continue;
            }
        };
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path();
        let rel = relative(root, path);
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if SUPPORTED_EXTENSIONS.contains(&ext.as_str()) {
            files.push(CorpusFile {
                path: path.to_path_buf(),
                rel,
            });
        } else {
            let reason = if ext.is_empty() {
                "no file extension; reports are read from .txt files".to_string()
            } else {
                format!(
                    "unsupported format .{ext}; this version reads {}",
                    SUPPORTED_EXTENSIONS.map(|e| format!(".{e}")).join(", ")
                )
            };
            skipped.push(Skipped { file: rel, reason });
        }
    }
    (files, skipped)
}

/// Turns a file's bytes into text, by its format. The error is the reason to show the user.
pub fn extract(file: &CorpusFile, bytes: &[u8]) -> Result<Extracted, String> {
    let ext = file
        .path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let extracted = match ext.as_str() {
        "txt" => text::extract(bytes)?,
        other => return Err(format!("unsupported format .{other}")),
    };
    if extracted.text.trim().is_empty() {
        return Err("no text: the file is empty or holds only white space".into());
    }
    Ok(extracted)
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discovers_supported_files_and_names_the_rest() {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("sub/.hidden")).expect("mkdir");
        std::fs::write(dir.path().join("b.txt"), "x").expect("write");
        std::fs::write(dir.path().join("sub/a.TXT"), "x").expect("write");
        std::fs::write(dir.path().join("sub/.hidden/c.txt"), "x").expect("write");
        std::fs::write(dir.path().join("report.doc"), "x").expect("write");
        let (files, skipped) = discover(dir.path());
        let rels: Vec<&str> = files.iter().map(|f| f.rel.as_str()).collect();
        assert_eq!(rels, ["b.txt", "sub/a.TXT"]);
        assert_eq!(skipped.len(), 1);
        assert_eq!(skipped[0].file, "report.doc");
        assert!(
            skipped[0].reason.contains("unsupported format .doc"),
            "{:?}",
            skipped[0]
        );
    }
}
