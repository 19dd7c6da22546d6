//! Ingest: find the report files under a corpus folder and turn each into text.
//!
//! Formats plug in at [`extract`]: each supported file extension maps to a reader that turns
//! the file's bytes into text plus any [`Hints`] the format carries (a page title, a date).
//! Anything that cannot be read is a [`Skipped`] entry naming the file and the reason, never a
//! panic and never the end of the run.

mod docx;
mod html;
pub mod pdf;
pub mod text;

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
    /// The character encoding the text was decoded from, for formats that have one.
    pub encoding: Option<&'static str>,
    /// The format it was read as.
    pub format: Option<FileFormat>,
}

impl Extracted {
    /// "text, GBK", "PDF": how the file was read, for --verbose.
    pub fn describe(&self) -> String {
        let format = self.format.map_or("unknown", FileFormat::name);
        match self.encoding {
            Some(encoding) => format!("{format}, {encoding}"),
            None => format.to_string(),
        }
    }
}

/// A format fazhi-search reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Text,
    Html,
    Docx,
    Pdf,
}

impl FileFormat {
    pub fn name(self) -> &'static str {
        match self {
            FileFormat::Text => "text",
            FileFormat::Html => "HTML",
            FileFormat::Docx => "Word .docx",
            FileFormat::Pdf => "PDF",
        }
    }
}

/// The formats this version reads, by file extension.
pub const FORMATS: [(&str, FileFormat); 8] = [
    ("txt", FileFormat::Text),
    ("text", FileFormat::Text),
    ("html", FileFormat::Html),
    ("htm", FileFormat::Html),
    ("shtml", FileFormat::Html),
    ("xhtml", FileFormat::Html),
    ("docx", FileFormat::Docx),
    ("pdf", FileFormat::Pdf),
];

/// Binary office formats that cannot be read, and what to do about them.
const LEGACY: [(&str, &str); 6] = [
    (
        "doc",
        "an old binary Word document: open it in Word or WPS and save it as .docx",
    ),
    ("wps", "a WPS document: open it in WPS and save it as .docx"),
    ("wpt", "a WPS template: open it in WPS and save it as .docx"),
    (
        "dot",
        "an old Word template: open it in Word or WPS and save it as .docx",
    ),
    (
        "rtf",
        "rich text: open it in Word or WPS and save it as .docx",
    ),
    ("ofd", "an OFD document: export it to PDF or .docx"),
];

fn format_of(path: &Path) -> Result<FileFormat, String> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if let Some((_, format)) = FORMATS.iter().find(|(e, _)| *e == ext) {
        return Ok(*format);
    }
    if let Some((_, advice)) = LEGACY.iter().find(|(e, _)| *e == ext) {
        return Err(format!(".{ext} cannot be read: {advice}"));
    }
    let known: Vec<String> = FORMATS.iter().map(|(e, _)| format!(".{e}")).collect();
    Err(if ext.is_empty() {
        format!(
            "no file extension; reports are read from {}",
            known.join(", ")
        )
    } else {
        format!(
            "unsupported format .{ext}; reports are read from {}",
            known.join(", ")
        )
    })
}

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
        match format_of(path) {
            Ok(_) => files.push(CorpusFile {
                path: path.to_path_buf(),
                rel,
            }),
            Err(reason) => skipped.push(Skipped { file: rel, reason }),
        }
    }
    (files, skipped)
}

/// Turns a file's bytes into text, by its format. The error is the reason to show the user.
pub fn extract(file: &CorpusFile, bytes: &[u8]) -> Result<Extracted, String> {
    let format = format_of(&file.path)?;
    let mut extracted = match format {
        FileFormat::Text => text::extract(bytes)?,
        FileFormat::Html => html::extract(bytes)?,
        FileFormat::Docx => docx::extract(bytes)?,
        FileFormat::Pdf => pdf::extract(bytes)?,
    };
    extracted.format = Some(format);
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
            skipped[0].reason.contains("save it as .docx"),
            "{:?}",
            skipped[0]
        );
    }
}
