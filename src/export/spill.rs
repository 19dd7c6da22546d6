//! Rows that wait on disk: a large export's rows are made in the document store's order (each
//! block of the store decompressed once for all its hits) and written out in rank order. In
//! between they wait in an unnamed temporary file, never in memory: what the export holds is
//! where each row is, 16 bytes a hit.
//!
//! The file is made with `O_TMPFILE` where the system has it, else made and unlinked at once:
//! it has no name while it is used, and nothing is left behind, whatever ends the process.

use std::fs::File;
use std::io::{self, BufWriter, Seek, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Bytes the rows being spilled are gathered in before they are written to the file.
const BUFFER: usize = 1 << 20;

/// Where one spilled row is in the file.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    at: u64,
    len: u32,
}

/// The temporary file rows wait in, made when the first row is spilled.
pub struct Spill {
    /// The folder the file is made in: the export's own (it has room for the rows), or the
    /// system's temporary folder for standard output.
    dir: PathBuf,
    file: Option<File>,
}

/// Rows being written to a [`Spill`], from any search thread.
pub struct Spilling<'a> {
    out: Mutex<(BufWriter<&'a File>, u64)>,
}

impl Spill {
    /// Rows spilled beside `output` (a file being written), or in the temporary folder.
    pub fn beside(output: Option<&Path>) -> Spill {
        let dir = match output.map(|file| file.parent().unwrap_or(Path::new(""))) {
            Some(dir) if dir.as_os_str().is_empty() => PathBuf::from("."),
            Some(dir) => dir.to_path_buf(),
            None => std::env::temp_dir(),
        };
        Spill { dir, file: None }
    }

    /// The folder the file is made in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Starts spilling rows again, over those spilled before: the file holds one batch at a
    /// time.
    pub fn start(&mut self) -> io::Result<Spilling<'_>> {
        let file = match self.file.take() {
            Some(file) => file,
            None => tempfile::tempfile_in(&self.dir).map_err(|e| {
                io::Error::new(
                    e.kind(),
                    format!("no temporary file in {}: {e}", self.dir.display()),
                )
            })?,
        };
        file.set_len(0)?;
        let file = self.file.insert(file);
        (&*file).rewind()?;
        Ok(Spilling {
            out: Mutex::new((BufWriter::with_capacity(BUFFER, &*file), 0)),
        })
    }

    /// The row spilled at `place`, read back.
    pub fn read(&self, place: Place) -> io::Result<Vec<u8>> {
        let Some(file) = &self.file else {
            return Err(io::Error::other(
                "a spilled row was read before any was spilled",
            ));
        };
        let mut row = vec![0; place.len as usize];
        file.read_exact_at(&mut row, place.at)?;
        Ok(row)
    }
}

impl Spilling<'_> {
    /// Spills `row`; returns where it is.
    pub fn put(&self, row: &[u8]) -> io::Result<Place> {
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
    }

    /// Writes what is still buffered: every row put is then in the file.
    pub fn finish(self) -> io::Result<()> {
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
        let mut spill = Spill::beside(Some(&dir.path().join("hits.csv")));
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
            spilling.finish().unwrap();
            for (i, place) in even.into_iter().chain(odd) {
                assert_eq!(
                    spill.read(place).unwrap(),
                    rows[i],
                    "batch {batch}, row {i}"
                );
            }
        }
        // The file has no name: the folder it was made in is as it was.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn a_folder_with_no_room_for_the_rows_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("gone");
        let mut spill = Spill::beside(Some(&gone.join("hits.csv")));
        let Err(e) = spill.start() else {
            panic!("rows spilled into a folder that does not exist");
        };
        assert!(e.to_string().contains(&gone.display().to_string()), "{e}");
        assert!(!gone.exists());
    }

    #[test]
    fn rows_wait_beside_the_export_or_in_the_temporary_folder() {
        assert_eq!(Spill::beside(None).dir(), std::env::temp_dir());
        let rows = [
            ("hits.csv", "."),
            ("out/hits.csv", "out"),
            ("/a/b.jsonl", "/a"),
        ];
        for (output, dir) in rows {
            assert_eq!(Spill::beside(Some(Path::new(output))).dir(), Path::new(dir));
        }
    }
}
