//! Ingest: find the report files under a corpus folder and turn each into text.
//!
//! Formats plug in at [`extract`]: each supported file extension maps to a reader that turns
//! the file's bytes into text plus any [`Hints`] the format carries (a page title, a date).
//! Anything that cannot be read is a [`Skipped`] entry naming the file and the reason, never a
//! panic and never the end of the run.

mod docx;
mod html;
pub use html::labelled_value;
pub mod pdf;
pub mod poisoned;
pub mod text;
pub mod worker;

use std::io::Read;
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use crate::error::{Error, Result};

/// A file found under the corpus root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusFile {
    pub path: PathBuf,
    /// Path relative to the corpus root with `/` separators, its exact bytes written by
    /// [`escape_name`]: the report's identity in the index and its name in every message.
    pub rel: String,
}

/// A file that was not indexed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub file: String,
    pub reason: String,
}

/// What a file says about its report beside its text (an HTML page's <title>, its publication
/// date): the report parser prefers them to what it finds in the text.
#[derive(Debug, Clone, Default)]
pub struct Hints {
    pub title: Option<String>,
    pub issuer: Option<String>,
    /// YYYY-MM-DD ([`crate::date::iso_date`]).
    pub published: Option<String>,
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

fn format_of(path: &Path) -> Result<FileFormat> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    if let Some((_, format)) = FORMATS.iter().find(|(e, _)| *e == ext) {
        return Ok(*format);
    }
    if let Some((_, advice)) = LEGACY.iter().find(|(e, _)| *e == ext) {
        return Err(Error::Unreadable(
            format!(".{ext} cannot be read: {advice}").into(),
        ));
    }
    let known: Vec<String> = FORMATS.iter().map(|(e, _)| format!(".{e}")).collect();
    Err(Error::Unreadable(
        if ext.is_empty() {
            format!(
                "no file extension; reports are read from {}",
                known.join(", ")
            )
        } else {
            format!(
                "unsupported format .{ext}; reports are read from {}",
                known.join(", ")
            )
        }
        .into(),
    ))
}

/// Lists the candidate files under `root`, sorted by path, with the entries that could not be
/// listed or are of an unsupported format. Hidden files and folders (.git) are passed over.
/// Symbolic links are followed only to files inside `root` (see [`discover_following`]).
pub fn discover(root: &Path) -> (Vec<CorpusFile>, Vec<Skipped>) {
    discover_following(root, false)
}

/// [`discover`]; with `follow_links`, every symbolic link is followed, and a loop is named and
/// not walked.
pub fn discover_following(root: &Path, follow_links: bool) -> (Vec<CorpusFile>, Vec<Skipped>) {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let real_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    let walker = WalkDir::new(root)
        .follow_links(follow_links)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().as_encoded_bytes().starts_with(b"."));
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
        let path = entry.path();
        if entry.file_type().is_symlink() {
            match link_inside(&real_root, path) {
                Ok(true) => {}
                Ok(false) => continue,
                Err(e) => {
                    skipped.push(Skipped {
                        file: relative(root, path),
                        reason: e.to_string(),
                    });
                    continue;
                }
            }
        } else if entry.file_type().is_dir() {
            continue;
        } else if !entry.file_type().is_file() {
            // A FIFO, socket or device: never opened (reading it could block the run).
            skipped.push(Skipped {
                file: relative(root, path),
                reason: format!(
                    "not a regular file ({}); only files are read",
                    kind_of(&entry.file_type())
                ),
            });
            continue;
        }
        let rel = relative(root, path);
        match format_of(path) {
            Ok(_) => files.push(CorpusFile {
                path: path.to_path_buf(),
                rel,
            }),
            Err(e) => skipped.push(Skipped {
                file: rel,
                reason: e.to_string(),
            }),
        }
    }
    (files, skipped)
}

/// Whether a symbolic link (not followed by the walk) is a file to read: one to a file inside the
/// corpus. A link to a folder inside it is not walked twice; the error says why a link is not read.
fn link_inside(real_root: &Path, link: &Path) -> Result<bool> {
    let target = std::fs::canonicalize(link).map_err(|e| {
        let to = std::fs::read_link(link)
            .map(|t| escape_name(t.as_os_str().as_encoded_bytes()))
            .unwrap_or_default();
        Error::Unreadable(format!("a symbolic link to {to} that cannot be followed ({e})").into())
    })?;
    let shown = escape_name(target.as_os_str().as_encoded_bytes());
    if !target.starts_with(real_root) {
        return Err(Error::Unreadable(
            format!("a symbolic link to {shown}, outside the corpus (use --follow-links)").into(),
        ));
    }
    if target.is_dir() {
        let parent = link.parent().and_then(|p| std::fs::canonicalize(p).ok());
        return Err(Error::Unreadable(
            if parent.is_some_and(|p| p.starts_with(&target)) {
                "symbolic link loop; not followed".to_string()
            } else {
                format!(
                    "a symbolic link to the folder {shown} inside the corpus, read there; not followed"
                )
            }
.into()));
    }
    Ok(target.is_file())
}
/// Turns a file's bytes into text, by its format. The error is the reason to show the user.
pub fn extract(file: &CorpusFile, bytes: &[u8]) -> Result<Extracted> {
    extract_format(format_of(&file.path)?, bytes)
}

/// The format a file is read as, by its extension; the error says why it is not read.
pub fn format_of_file(file: &CorpusFile) -> Result<FileFormat> {
    format_of(&file.path)
}

/// Whether a format's reader is a third-party parser of a complex format, read in a worker
/// process (see [`worker`]) rather than in the run's own.
pub fn is_risky(format: FileFormat) -> bool {
    format != FileFormat::Text
}

/// Turns bytes into text as `format`. The error is the reason to show the user.
pub fn extract_format(format: FileFormat, bytes: &[u8]) -> Result<Extracted> {
    let mut extracted = match format {
        FileFormat::Text => text::extract(bytes)?,
        FileFormat::Html => html::extract(bytes)?,
        FileFormat::Docx => docx::extract(bytes)?,
        FileFormat::Pdf => pdf::extract(bytes)?,
    };
    extracted.format = Some(format);
    if extracted.text.trim().is_empty() {
        return Err(Error::Unreadable(
            "no text: the file is empty or holds only white space".into(),
        ));
    }
    Ok(extracted)
}

/// The largest file read (a report is rarely over a few MB; a 100 MB one is read, within the
/// run's memory, but a bigger one is named and skipped).
pub const MAX_FILE_BYTES: u64 = 128 * 1024 * 1024;

/// `O_NONBLOCK` on Linux (x86, x86-64, ARM, AArch64, RISC-V): a FIFO swapped in for a report
/// opens at once instead of waiting for a writer. Its value differs on a few other systems
/// (MIPS, SPARC, Alpha), where the type check below still refuses the FIFO before any read.
#[cfg(target_os = "linux")]
const O_NONBLOCK: i32 = 0o4000;

/// Reads a corpus file, with its size and modification time: a regular file of at most
/// [`MAX_FILE_BYTES`]. What was opened is checked, not what was listed: a file swapped for a
/// FIFO or a device between the walk and the read is refused, never waited on.
pub fn read_file(path: &Path) -> Result<(Vec<u8>, u64, i128)> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(O_NONBLOCK);
    }
    let cannot_read = |e: std::io::Error| Error::Unreadable(format!("cannot read: {e}").into());
    let file = options.open(path).map_err(cannot_read)?;
    let meta = file.metadata().map_err(cannot_read)?;
    if !meta.is_file() {
        return Err(Error::Unreadable(
            format!(
                "not a regular file ({}); only files are read",
                kind_of(&meta.file_type())
            )
            .into(),
        ));
    }
    let size = meta.len();
    if size > MAX_FILE_BYTES {
        return Err(too_large(size));
    }
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos() as i128);
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    Ok((bytes, size, mtime))
}

fn too_large(size: u64) -> Error {
    Error::Unreadable(
        format!(
            "too large: {} MB; files up to {} MB are read",
            size / (1024 * 1024),
            MAX_FILE_BYTES / (1024 * 1024)
        )
        .into(),
    )
}

fn kind_of(t: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if t.is_dir() { "a folder" } else { "not a file" }
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| escape_name(c.as_os_str().as_encoded_bytes()))
        .collect::<Vec<_>>()
        .join("/")
}

/// A file name as it is keyed and shown: its UTF-8 as is, each byte that is not UTF-8 (a GBK
/// name from a Windows archive) as `\xD6`, control characters (which could retitle or clear a
/// terminal) as `\x1B` or `\u{85}`, and a backslash as `\\`. Two different names never give
/// the same string, so reports are keyed by their exact bytes, and every message shows them
/// this one way.
pub fn escape_name(bytes: &[u8]) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(bytes.len());
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '\\' => out.push_str("\\\\"),
                c if c.is_control() => escape_control(&mut out, c),
                c => out.push(c),
            }
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02X}");
        }
    }
    out
}

/// Writes a control character the one way fazhi-search shows it, in names and in text on a
/// terminal: C0 and DEL as `\x1B`, C1 as `\u{85}`.
pub fn escape_control(out: &mut String, c: char) {
    use std::fmt::Write;
    let code = u32::from(c);
    let _ = if code < 0x80 {
        write!(out, "\\x{code:02X}")
    } else {
        write!(out, "\\u{{{code:X}}}")
    };
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

    #[test]
    fn names_are_escaped_losslessly() {
        let rows: [(&[u8], &str); 6] = [
            ("法治报告.txt".as_bytes(), "法治报告.txt"),
            (b"\xD6\xD0\xCE\xC4.txt", "\\xD6\\xD0\\xCE\\xC4.txt"),
            (b"a\\xD6.txt", "a\\\\xD6.txt"),
            (b"\x1B]0;owned\x07.txt", "\\x1B]0;owned\\x07.txt"),
            ("a\u{85}b".as_bytes(), "a\\u{85}b"),
            (b"tab\there", "tab\\x09here"),
        ];
        for (bytes, shown) in rows {
            assert_eq!(escape_name(bytes), shown, "{bytes:?}");
        }
        assert_ne!(
            escape_name(b"\xD6.txt"),
            escape_name(b"\\xD6.txt"),
            "a byte and the text of its escape stay distinct"
        );
    }

    #[test]
    fn only_regular_files_are_read_and_never_waited_on() {
        let dir = tempfile::tempdir().expect("temp dir");
        let fifo = dir.path().join("swapped.txt");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .expect("mkfifo runs");
        assert!(made.success());
        let rows = [
            (fifo.as_path(), "a FIFO"),
            (Path::new("/dev/zero"), "a device"),
            (dir.path(), "a folder"),
        ];
        for (path, kind) in rows {
            let err = read_file(path).expect_err("not a file").to_string();
            assert!(
                err.contains("not a regular file") && err.contains(kind),
                "{path:?}: {err}"
            );
        }
        // Found by the walk, a FIFO is named and skipped without being opened.
        let (files, skipped) = discover(dir.path());
        assert!(files.is_empty(), "{files:?}");
        assert!(
            skipped
                .iter()
                .any(|s| s.file == "swapped.txt" && s.reason.contains("a FIFO")),
            "{skipped:?}"
        );
        let file = dir.path().join("ok.txt");
        std::fs::write(&file, "法治").expect("write");
        let (bytes, size, _) = read_file(&file).expect("a file");
        assert_eq!((bytes.as_slice(), size), ("法治".as_bytes(), 6));
    }
}
