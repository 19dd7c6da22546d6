//! Rows that wait on disk: a large export's rows are made in the document store's order (each
//! block of the store decompressed once for all its hits) and written out in rank order. In
//! between they wait in an unnamed temporary file beside the export, never in memory: what the
//! export holds while a batch of matches is read is where each row is (tens of bytes a hit).
//!
//! The file is made with `O_TMPFILE` where the system has it, else made and unlinked at once:
//! it has no name while it is used, and nothing is left behind, whatever ends the process. It
//! takes up to the size of one batch's rows on the export's own disk.

use std::fs::File;
use std::io::{self, BufWriter, Seek, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::Error;

/// Bytes the rows being spilled are gathered in before they are written to the file.
const BUFFER: usize = 1 << 20;

/// Where one spilled row is in the file.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    at: u64,
    len: u32,
}

impl Place {
    /// The `len` bytes from `from` of what was spilled here (one of several rows spilled
    /// together); None past its end.
    pub fn part(self, from: u32, len: u32) -> Option<Place> {
        (from.checked_add(len)? <= self.len).then_some(Place {
            at: self.at + u64::from(from),
            len,
        })
    }
}

/// The temporary file rows wait in.
pub struct Spill {
    /// The folder the file is made in: the export's own, which has room for its rows.
    dir: PathBuf,
    file: File,
}

/// Rows being written to a [`Spill`], from any search thread.
pub struct Spilling<'a> {
    out: Mutex<(BufWriter<&'a File>, u64)>,
    /// Set by the first row that could not be written: the batch is lost, and the rows after
    /// it are not made.
    failed: AtomicBool,
    /// Why that row could not be written (a full disk, most often).
    error: Mutex<Option<io::Error>>,
}

impl Spill {
    /// A file for rows beside `output`, the regular file an export is being written to (a
    /// link is followed: `/dev/stdout` redirected to a file is beside that file); None when
    /// the output is not one (a terminal, a pipe, a device) or its folder takes no new file
    /// (the export then holds its rows a window at a time).
    pub fn beside(output: &Path) -> Option<Spill> {
        let output = std::fs::canonicalize(output).ok()?;
        if !std::fs::metadata(&output).is_ok_and(|m| m.is_file()) {
            return None;
        }
        let dir = output.parent()?.to_path_buf();
        let file = tempfile::tempfile_in(&dir).ok()?;
        Some(Spill { dir, file })
    }

    /// Starts spilling rows again, over those spilled before: the file holds one batch at a
    /// time.
    pub fn start(&mut self) -> Result<Spilling<'_>, Error> {
        self.file
            .set_len(0)
            .and_then(|()| (&self.file).rewind())
            .map_err(|source| self.cannot_write(source))?;
        Ok(Spilling::over(&self.file))
    }

    /// The bytes free on the file's disk; None when the system does not say.
    pub fn free(&self) -> Option<u64> {
        let disk = rustix::fs::fstatvfs(&self.file).ok()?;
        Some(disk.f_bavail.saturating_mul(disk.f_frsize))
    }

    /// The bytes the rows spilled last take on the disk.
    pub fn held(&self) -> Option<u64> {
        Some(self.file.metadata().ok()?.len())
    }

    /// The row spilled at `place`, read back.
    pub fn read(&self, place: Place) -> Result<Vec<u8>, Error> {
        let mut row = vec![0; place.len as usize];
        self.file
            .read_exact_at(&mut row, place.at)
            .map_err(|source| Error::Read {
                path: self.dir.clone(),
                source,
            })?;
        Ok(row)
    }

    /// Why rows could not be spilled: the folder they wait in (a full disk, most often).
    pub fn cannot_write(&self, source: io::Error) -> Error {
        Error::Write {
            path: self.dir.clone(),
            source,
        }
    }
}

impl<'a> Spilling<'a> {
    /// Rows written to `file` from its start.
    fn over(file: &'a File) -> Spilling<'a> {
        Spilling {
            out: Mutex::new((BufWriter::with_capacity(BUFFER, file), 0)),
            failed: AtomicBool::new(false),
            error: Mutex::new(None),
        }
    }

    /// Whether a row could not be written: the rows after it need not be made.
    pub fn failed(&self) -> bool {
        self.failed.load(Ordering::Relaxed)
    }

    /// Spills `row`; returns where it is.
    pub fn put(&self, row: &[u8]) -> io::Result<Place> {
        let put = || {
            let len = u32::try_from(row.len())
                .map_err(|_| io::Error::other("a row of 4 GiB or more cannot be spilled"))?;
            // A poisoned lock is a search thread that panicked while writing: its rows are lost.
            let mut out = self
                .out
                .lock()
                .map_err(|_| io::Error::other("a search thread failed while spilling rows"))?;
            let (writer, end) = &mut *out;
            writer.write_all(row)?;
            let place = Place { at: *end, len };
            *end += u64::from(len);
            Ok(place)
        };
        put().map_err(|e: io::Error| {
            let told = io::Error::new(e.kind(), e.to_string());
            if !self.failed.swap(true, Ordering::Relaxed)
                && let Ok(mut first) = self.error.lock()
            {
                *first = Some(e);
            }
            told
        })
    }

    /// Writes what is still buffered: every row put is then in the file. Fails with the first
    /// row that could not be written, if one could not.
    pub fn finish(self) -> io::Result<()> {
        if let Some(e) = self.error.into_inner().ok().flatten() {
            return Err(e);
        }
        let (mut writer, _) = self
            .out
            .into_inner()
            .map_err(|_| io::Error::other("a search thread failed while spilling rows"))?;
        writer.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_spilled_from_two_threads_read_back_as_they_were_put_batch_after_batch() {
        let dir = tempfile::tempdir().unwrap();
        let output = dir.path().join("hits.csv");
        std::fs::write(&output, "").unwrap();
        let mut spill = Spill::beside(&output).expect("a folder that takes files");
        for batch in 0..3 {
            let rows: Vec<Vec<u8>> = (0..2_000)
                .map(|i| format!("{batch},{i},{}\n", "法".repeat(i % 97)).into_bytes())
                .collect();
            let spilling = spill.start().unwrap();
            let (even, odd): (Vec<_>, Vec<_>) = std::thread::scope(|s| {
                let put = |parity: usize| {
                    let (rows, spilling) = (&rows, &spilling);
                    s.spawn(move || {
                        (parity..rows.len())
                            .step_by(2)
                            .map(|i| (i, spilling.put(&rows[i]).unwrap()))
                            .collect::<Vec<_>>()
                    })
                };
                let (a, b) = (put(0), put(1));
                (a.join().unwrap(), b.join().unwrap())
            });
            assert!(!spilling.failed());
            spilling.finish().unwrap();
            for (i, place) in even.into_iter().chain(odd) {
                assert_eq!(
                    spill.read(place).unwrap(),
                    rows[i],
                    "batch {batch}, row {i}"
                );
            }
        }
        // The file has no name: the folder holds the export alone.
        drop(spill);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn a_full_disk_stops_the_rows_and_is_the_reason_given() {
        // /dev/full takes no byte: the row that fills the buffer fails, and every row after.
        let full = File::options().write(true).open("/dev/full").unwrap();
        let spilling = Spilling::over(&full);
        let row = vec![b'x'; 300 << 10];
        let puts: Vec<bool> = (0..6).map(|_| spilling.put(&row).is_ok()).collect();
        assert_eq!(puts, [true, true, true, false, false, false]);
        assert!(spilling.failed());
        let e = spilling.finish().expect_err("rows lost");
        assert_eq!(e.kind(), io::ErrorKind::StorageFull, "{e}");
    }

    #[test]
    fn rows_wait_beside_a_regular_file_only() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("hits.csv");
        std::fs::write(&file, "").unwrap();
        let link = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(&file, link.path().join("stdout")).unwrap();
        let rows: [(&Path, bool); 5] = [
            (&file, true),
            // As /dev/stdout is, when it is redirected to a file.
            (&link.path().join("stdout"), true),
            // Not yet made, a folder, a device: no rows wait beside them.
            (&dir.path().join("missing.csv"), false),
            (dir.path(), false),
            (Path::new("/dev/null"), false),
        ];
        for (output, spills) in rows {
            let spill = Spill::beside(output);
            assert_eq!(spill.is_some(), spills, "{}", output.display());
            if let Some(spill) = spill {
                assert_eq!(spill.dir, std::fs::canonicalize(dir.path()).unwrap());
            }
        }
    }
}
