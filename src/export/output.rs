//! The file an answer is written to (`-o FILE`, `--chart FILE`, `--emit ndjson --output FILE`).
//!
//! A regular file is written beside itself, under a hidden temporary name
//! (`.hits.csv.XXXXXX.part`), and takes its own name only once it is whole. An export that
//! fails midway (a full disk, a damaged index) leaves the file that was there before, or none;
//! never a partial file that reads as complete. An export stopped by a signal (Ctrl-C) leaves
//! the `.part` file, whose name says what it is.
//!
//! Written directly, as before:
//! - a device, a pipe or a socket named as the output (`-o /dev/stdout`);
//! - a file in a folder that takes no new file, but whose file may be written.
//!
//! A link is followed: the file it points to is replaced, the link kept. A replaced file keeps
//! its permissions; a new one has the permissions `File::create` gives it.

use std::fs::{File, Permissions};
use std::io::{self, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

use crate::error::Error;

/// A file being written, put in its place by [`Output::commit`]; dropped uncommitted, it
/// leaves the place as it was.
pub struct Output {
    /// The path as the user named it, for messages.
    named: PathBuf,
    /// Where the file lands: `named`, its links followed.
    target: PathBuf,
    file: Written,
}

enum Written {
    /// Beside the target, taking its name when whole.
    Staged(NamedTempFile),
    /// The target itself.
    Direct(File),
}

impl Output {
    /// Starts writing `path`.
    pub fn create(path: &Path) -> Result<Output, Error> {
        let cannot = |source| Error::Write {
            path: path.to_path_buf(),
            source,
        };
        let target = resolve(path).map_err(cannot)?;
        let existing = std::fs::metadata(&target).ok();
        let direct = || {
            File::create(&target)
                .map(Written::Direct)
                .map_err(|source| Error::Write {
                    path: path.to_path_buf(),
                    source,
                })
        };
        let file = match (&existing, target.parent(), target.file_name()) {
            (Some(meta), ..) if !meta.is_file() => direct()?,
            (_, Some(dir), Some(name)) => {
                let prefix = format!(".{}.", name.to_string_lossy());
                let staged = tempfile::Builder::new()
                    .prefix(&prefix)
                    .suffix(".part")
                    .permissions(Permissions::from_mode(0o666))
                    .tempfile_in(dir);
                match staged {
                    Ok(staged) => {
                        // A replaced file keeps its permissions (the umask applies to new ones).
                        if let Some(meta) = &existing {
                            staged
                                .as_file()
                                .set_permissions(meta.permissions())
                                .map_err(cannot)?;
                        }
                        Written::Staged(staged)
                    }
                    // A folder that takes no new file: its file, if it may be written, is.
                    Err(_) => direct()?,
                }
            }
            _ => direct()?,
        };
        Ok(Output {
            named: path.to_path_buf(),
            target,
            file,
        })
    }

    /// The file the bytes go to now: the temporary one while an export is staged.
    pub fn writing_to(&self) -> &Path {
        match &self.file {
            Written::Staged(staged) => staged.path(),
            Written::Direct(_) => &self.target,
        }
    }

    /// The path as it was named.
    pub fn named(&self) -> &Path {
        &self.named
    }

    /// The file, to write to.
    pub fn file(&self) -> &File {
        match &self.file {
            Written::Staged(staged) => staged.as_file(),
            Written::Direct(file) => file,
        }
    }

    /// Puts the whole file in its place. Call once everything is written and flushed.
    pub fn commit(self) -> Result<(), Error> {
        match self.file {
            Written::Staged(staged) => {
                staged.persist(&self.target).map_err(|e| Error::Write {
                    path: self.named,
                    source: e.error,
                })?;
                Ok(())
            }
            Written::Direct(_) => Ok(()),
        }
    }

    /// Writes `bytes` as the whole file.
    pub fn write_all(path: &Path, bytes: &[u8]) -> Result<(), Error> {
        let output = Output::create(path)?;
        output
            .file()
            .write_all(bytes)
            .map_err(|source| Error::Write {
                path: path.to_path_buf(),
                source,
            })?;
        output.commit()
    }
}

/// Where `path` lands: its links followed; a file not made yet, in its folder as it resolves.
fn resolve(path: &Path) -> io::Result<PathBuf> {
    match std::fs::canonicalize(path) {
        Ok(target) => Ok(target),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            let Some(name) = path.file_name() else {
                return Err(e);
            };
            let dir = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            // A link to a file not made yet is followed by File::create: written directly.
            if std::fs::symlink_metadata(path).is_ok() {
                return Ok(path.to_path_buf());
            }
            Ok(std::fs::canonicalize(dir)?.join(name))
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_file_takes_its_name_only_when_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hits.csv");
        std::fs::write(&path, "the export before").unwrap();
        std::fs::set_permissions(&path, Permissions::from_mode(0o640)).unwrap();

        // Failed midway: dropped uncommitted, the file before is as it was, nothing beside it.
        let output = Output::create(&path).unwrap();
        assert_ne!(output.writing_to(), path);
        output.file().write_all(b"half an exp").unwrap();
        drop(output);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "the export before");
        assert_eq!(names(dir.path()), ["hits.csv"]);

        // Whole: the new file, with the old one's permissions.
        let output = Output::create(&path).unwrap();
        output.file().write_all(b"the whole export").unwrap();
        output.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "the whole export");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o640);
        assert_eq!(names(dir.path()), ["hits.csv"]);
    }

    #[test]
    fn a_new_file_a_link_and_a_device_land_where_they_point() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.csv");
        std::fs::write(&real, "old").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let rows: [(&Path, &Path, bool); 3] = [
            // A file not made yet, in a folder named relative or not.
            (
                &dir.path().join("new.csv"),
                &dir.path().join("new.csv"),
                true,
            ),
            // The link's file is replaced; the link stays a link.
            (&link, &real, true),
            // A device is written directly.
            (Path::new("/dev/null"), Path::new("/dev/null"), false),
        ];
        for (named, lands, staged) in rows {
            let output = Output::create(named).unwrap();
            assert_eq!(output.writing_to() != lands, staged, "{}", named.display());
            output.file().write_all(b"new").unwrap();
            output.commit().unwrap();
            if lands != Path::new("/dev/null") {
                assert_eq!(std::fs::read_to_string(lands).unwrap(), "new");
            }
        }
        assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    }

    #[test]
    fn a_file_in_a_missing_folder_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/such/hits.csv");
        let Err(e) = Output::create(&path) else {
            panic!("a missing folder made a file");
        };
        assert!(e.to_string().contains("hits.csv"), "{e}");
    }
}
