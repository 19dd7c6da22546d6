//! The file an answer is written to (`-o FILE`, `--chart FILE`, `--emit ndjson --output FILE`).
//!
//! A regular file is written beside itself, under a hidden temporary name
//! (`.hits.csv.XXXXXX.part`), and takes its own name only once it is whole. An export that
//! fails midway (a full disk, a damaged index) leaves the file that was there before, or none;
//! never a partial file that reads as complete. An export stopped by a signal (Ctrl-C) leaves
//! the `.part` file, whose name says what it is.
//!
//! Written directly, as before:
//! - standard output named (`-o /dev/stdout`, `/dev/fd/1`, `/proc/self/fd/1`), whatever it
//!   points to: a file standard output appends to is appended to, not replaced;
//! - a device, a pipe or a socket;
//! - a file in a folder that takes no new file (its permissions), but whose file may be written;
//! - another user's file that may be written (replacing it would take it from its owner and
//!   group; a sticky folder would refuse the rename), and a file mounted on its own;
//! - a path that names a folder (`new/`, `a.csv/.`), which the system then refuses.
//!
//! Any other reason no temporary file can be made (a full disk, no inode left) is the error:
//! writing in place would cost the file that is there. A file that may not be written is not
//! replaced either. Links are followed, dangling or not: the file a link points to is replaced
//! or made, the link kept. A replaced file keeps its mode (not set-user-ID or set-group-ID
//! bits) and its owner and group; it is a new file, so a hard link to the old one keeps the old
//! contents. New files have the permissions `File::create` gives them.

use std::ffi::OsStr;
use std::fs::{File, Metadata, Permissions};
use std::io::{self, Write};
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use rustix::fs::{Gid, Uid};
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
        let direct = |target: &Path| File::create(target).map(Written::Direct).map_err(cannot);
        let Landing { target, special } = resolve(path).map_err(cannot)?;
        let existing = std::fs::metadata(&target).ok();
        let file = match (&existing, target.parent(), target.file_name()) {
            // Standard output named (`-o /dev/stdout >> log.txt`): written where it stands,
            // not opened again (which would truncate a file being appended to, or write over
            // what the shell writes after it).
            _ if special => match standard_stream(&target) {
                Some(stream) => Written::Direct(File::from(stream.map_err(cannot)?)),
                None => direct(&target)?,
            },
            (Some(meta), ..) if !meta.is_file() => direct(&target)?,
            (_, Some(dir), Some(name)) => {
                // A file that may not be written is not replaced either.
                if existing.is_some() {
                    File::options().write(true).open(&target).map_err(cannot)?;
                }
                // A file mounted on its own (a container's bind mount) cannot be renamed over.
                let mounted = existing.as_ref().is_some_and(|meta| {
                    std::fs::metadata(dir).is_ok_and(|folder| folder.dev() != meta.dev())
                });
                match stage(dir, name, existing.as_ref()) {
                    _ if mounted => direct(&target)?,
                    Ok(Some(staged)) => Written::Staged(staged),
                    Ok(None) => direct(&target)?,
                    // A folder that takes no new file: its file is written in place, if it
                    // may be. Any other reason (no inode left, a full disk) is the error:
                    // writing in place would cost the file that is there.
                    Err(e) if e.kind() == io::ErrorKind::PermissionDenied => direct(&target)?,
                    Err(e) => return Err(cannot(e)),
                }
            }
            _ => direct(&target)?,
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

    /// Whether the output is written in place (a device, a pipe, `/dev/stdout`), not staged.
    pub fn is_direct(&self) -> bool {
        matches!(self.file, Written::Direct(_))
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

/// The bytes of a file's own name its temporary name keeps: with its dots and random part it
/// stays well inside a folder's 255-byte limit, whatever the name.
const STAGED_NAME_BYTES: usize = 100;

/// A temporary file beside `name` in `dir`, with the permissions of the file it replaces
/// (`existing`): its mode without the set-user-ID and set-group-ID bits, and its owner and
/// group. None when they cannot be given (another user's file, writable to us): replacing it
/// would take it from its owner and group, so it is written in place.
fn stage(
    dir: &Path,
    name: &OsStr,
    existing: Option<&Metadata>,
) -> io::Result<Option<NamedTempFile>> {
    let name = name.to_string_lossy();
    let mut cut = name.len().min(STAGED_NAME_BYTES);
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    let staged = tempfile::Builder::new()
        .prefix(&format!(".{}.", &name[..cut]))
        .suffix(".part")
        .permissions(Permissions::from_mode(0o666))
        .tempfile_in(dir)?;
    if let Some(meta) = existing {
        let (uid, gid) = (Uid::from_raw(meta.uid()), Gid::from_raw(meta.gid()));
        // Only root may give a file away; its owner may give it any group of theirs.
        if rustix::fs::fchown(staged.as_file(), Some(uid), Some(gid)).is_err() {
            let _ = rustix::fs::fchown(staged.as_file(), None, Some(gid));
        }
        let made = staged.as_file().metadata()?;
        if (made.uid(), made.gid()) != (meta.uid(), meta.gid()) {
            return Ok(None);
        }
        let mode = meta.permissions().mode() & 0o1777;
        staged
            .as_file()
            .set_permissions(Permissions::from_mode(mode))?;
    }
    Ok(Some(staged))
}

/// Where an output lands.
struct Landing {
    /// The file, its links followed, in a folder as it resolves (it may not exist yet).
    target: PathBuf,
    /// Whether it is one of the system's own (`/dev/stdout`, `/proc/self/fd/1`): written
    /// directly, whatever it points to (a file being appended to, a pipe).
    special: bool,
}

/// Where `path` lands: its links followed one by one, dangling or not (a link to a file not
/// made yet makes that file, and stays a link).
fn resolve(path: &Path) -> io::Result<Landing> {
    // Standard output and its kin; any other device is no regular file, written directly
    // all the same, and any regular file under /dev (`/dev/shm`) is staged as elsewhere.
    let special = |p: &Path| {
        [
            "/dev/stdout",
            "/dev/stderr",
            "/dev/stdin",
            "/dev/fd",
            "/proc",
        ]
        .iter()
        .any(|s| p.starts_with(s))
    };
    let mut at = path.to_path_buf();
    // As the system does: at most 40 links followed.
    for _ in 0..=40 {
        // `new/`, `a.csv/.`: a folder named, which the system refuses as a file (the path's
        // last component drops them, and would be made as one).
        let bytes = at.as_os_str().as_bytes();
        if bytes.ends_with(b"/") || bytes.ends_with(b"/.") {
            return Ok(Landing {
                target: at,
                special: true,
            });
        }
        let Some(name) = at.file_name() else {
            // `dir/..`, `/`: not a file; the system says so when it is opened.
            return Ok(Landing {
                special: special(&at),
                target: at,
            });
        };
        let dir = match at.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let here = std::fs::canonicalize(dir)?.join(name);
        if special(&here) {
            return Ok(Landing {
                target: here,
                special: true,
            });
        }
        match std::fs::symlink_metadata(&here) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let to = std::fs::read_link(&here)?;
                at = match to.is_absolute() {
                    true => to,
                    false => here.parent().unwrap_or(Path::new("/")).join(to),
                };
            }
            Ok(_) => {
                return Ok(Landing {
                    target: here,
                    special: false,
                });
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Ok(Landing {
                    target: here,
                    special: false,
                });
            }
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::from_raw_os_error(
        rustix::io::Errno::LOOP.raw_os_error(),
    ))
}

/// Standard output or standard error when `path` names it (`/dev/stdout`, `/dev/fd/1`,
/// `/proc/self/fd/2`, as links resolve them), shared with the process's own.
fn standard_stream(path: &Path) -> Option<io::Result<OwnedFd>> {
    let path = path.to_str()?;
    let own = format!("/proc/{}/fd/", std::process::id());
    let fd = match path {
        "/dev/stdout" => "1",
        "/dev/stderr" => "2",
        _ => path
            .strip_prefix("/proc/self/fd/")
            .or_else(|| path.strip_prefix(own.as_str()))?,
    };
    match fd {
        "1" => Some(io::stdout().as_fd().try_clone_to_owned()),
        "2" => Some(io::stderr().as_fd().try_clone_to_owned()),
        _ => None,
    }
}

/// Where the file an output names lands, its links followed: for checking that an export
/// does not write into the index it reads.
pub fn landing(path: &Path) -> Option<PathBuf> {
    resolve(path).ok().map(|landing| landing.target)
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
    fn a_dangling_link_makes_its_file_and_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        // A chain of two links to a file not made yet, relative to their folder.
        std::os::unix::fs::symlink("second.csv", dir.path().join("first.csv")).unwrap();
        std::os::unix::fs::symlink("made.csv", dir.path().join("second.csv")).unwrap();
        let output = Output::create(&dir.path().join("first.csv")).unwrap();
        output.file().write_all(b"rows").unwrap();
        output.commit().unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("made.csv")).unwrap(),
            "rows"
        );
        for link in ["first.csv", "second.csv"] {
            let meta = std::fs::symlink_metadata(dir.path().join(link)).unwrap();
            assert!(meta.is_symlink(), "{link}");
        }
        // A loop is the system's error, not a hang.
        std::os::unix::fs::symlink("loop.csv", dir.path().join("loop.csv")).unwrap();
        assert!(Output::create(&dir.path().join("loop.csv")).is_err());
    }

    #[test]
    fn the_system_s_own_files_are_written_where_they_stand() {
        // (named, special, a standard stream)
        let rows: [(&str, bool, bool); 5] = [
            ("/dev/stdout", true, true),
            ("/dev/fd/1", true, true),
            ("/proc/self/fd/2", true, true),
            // Another device is no regular file: written directly all the same.
            ("/dev/null", false, false),
            ("/devices.csv", false, false),
        ];
        for (named, special, stream) in rows {
            let landing = resolve(Path::new(named)).unwrap();
            assert_eq!(landing.special, special, "{named}");
            assert_eq!(
                standard_stream(&landing.target).is_some(),
                stream,
                "{named}: {}",
                landing.target.display()
            );
        }
    }

    #[test]
    fn a_long_name_is_staged_and_a_replaced_file_loses_its_set_id_bits() {
        let dir = tempfile::tempdir().unwrap();
        // 82 Chinese characters and .csv: 250 bytes, the temporary name must stay short.
        let path = dir.path().join(format!("{}.csv", "法".repeat(82)));
        std::fs::write(&path, "before").unwrap();
        std::fs::set_permissions(&path, Permissions::from_mode(0o4755)).unwrap();
        let output = Output::create(&path).unwrap();
        assert!(!output.is_direct());
        output.file().write_all(b"after").unwrap();
        output.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "after");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o7777, 0o755);
    }

    #[test]
    fn a_file_in_a_missing_folder_or_a_folder_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.csv"), "kept").unwrap();
        for named in ["no/such/hits.csv", "new/", "a.csv/."] {
            let path = PathBuf::from(format!("{}/{named}", dir.path().display()));
            let Err(e) = Output::create(&path) else {
                panic!("{named} made a file");
            };
            assert!(e.to_string().contains(named), "{e}");
        }
        assert_eq!(names(dir.path()), ["a.csv"]);
        assert_eq!(
            std::fs::read_to_string(dir.path().join("a.csv")).unwrap(),
            "kept"
        );
    }
}
