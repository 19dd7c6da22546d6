//! The index's folder as tantivy reads it, but with the document store read from its files
//! (`pread`) rather than mapped into memory.
//!
//! A mapped file's pages count in a process's resident memory once read, and an export of
//! every match reads every block of stored text: at 20,000 reports that was 58 MiB more of
//! peak RSS, growing with the index. Read into buffers, a block costs memory only while it is
//! decompressed; the kernel keeps the file's pages in its cache all the same. Every other file
//! (postings, fast columns, the term dictionaries) stays mapped, as tantivy reads it best.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tantivy::HasLen;
use tantivy::directory::error::{DeleteError, LockError, OpenReadError, OpenWriteError};
use tantivy::directory::{
    Directory, DirectoryLock, FileHandle, Lock, META_LOCK, MmapDirectory, OwnedBytes,
    WatchCallback, WatchHandle, WritePtr,
};

/// The extension of a segment's document store.
const STORE: &str = "store";

/// A [`MmapDirectory`] whose document-store files are read, not mapped.
#[derive(Debug, Clone)]
pub struct StoreReadDirectory {
    root: PathBuf,
    mapped: MmapDirectory,
}

impl StoreReadDirectory {
    pub fn open(root: &Path) -> tantivy::Result<StoreReadDirectory> {
        Ok(StoreReadDirectory {
            root: root.to_path_buf(),
            mapped: MmapDirectory::open(root)?,
        })
    }
}

/// A file read a range at a time.
#[derive(Debug)]
struct ReadFile {
    file: File,
    len: usize,
}

impl HasLen for ReadFile {
    fn len(&self) -> usize {
        self.len
    }
}

impl FileHandle for ReadFile {
    fn read_bytes(&self, range: Range<usize>) -> io::Result<OwnedBytes> {
        if range.end > self.len || range.start > range.end {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!("bytes {range:?} of a file of {}", self.len),
            ));
        }
        let mut bytes = vec![0; range.len()];
        self.file.read_exact_at(&mut bytes, range.start as u64)?;
        Ok(OwnedBytes::new(bytes))
    }
}

impl Directory for StoreReadDirectory {
    fn get_file_handle(&self, path: &Path) -> Result<Arc<dyn FileHandle>, OpenReadError> {
        if path.extension().is_none_or(|e| e != STORE) {
            return self.mapped.get_file_handle(path);
        }
        let full = self.root.join(path);
        let opened = File::open(&full).and_then(|file| {
            let len = file.metadata()?.len() as usize;
            Ok(ReadFile { file, len })
        });
        match opened {
            Ok(file) => Ok(Arc::new(file)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                Err(OpenReadError::FileDoesNotExist(path.to_path_buf()))
            }
            Err(e) => Err(OpenReadError::wrap_io_error(e, path.to_path_buf())),
        }
    }

    fn delete(&self, path: &Path) -> Result<(), DeleteError> {
        self.mapped.delete(path)
    }

    fn exists(&self, path: &Path) -> Result<bool, OpenReadError> {
        self.mapped.exists(path)
    }

    fn open_write(&self, path: &Path) -> Result<WritePtr, OpenWriteError> {
        self.mapped.open_write(path)
    }

    fn atomic_read(&self, path: &Path) -> Result<Vec<u8>, OpenReadError> {
        self.mapped.atomic_read(path)
    }

    fn atomic_write(&self, path: &Path, data: &[u8]) -> io::Result<()> {
        self.mapped.atomic_write(path, data)
    }

    fn sync_directory(&self) -> io::Result<()> {
        self.mapped.sync_directory()
    }

    fn acquire_lock(&self, lock: &Lock) -> Result<DirectoryLock, LockError> {
        reader_lock(self.mapped.acquire_lock(lock), lock)
    }

    fn watch(&self, callback: WatchCallback) -> tantivy::Result<WatchHandle> {
        self.mapped.watch(callback)
    }
}

/// The lock a reader takes on `meta.json` while it opens the segments it lists, as `acquired`,
/// except in a folder the reader may not write (a shared index, read-only to its readers, or on
/// a read-only disk), where the lock's file cannot be opened for writing: there it reads
/// without one. The lock keeps a writer's clean-up from deleting a segment while it is opened;
/// a writer working there meanwhile can make this reader fail with a missing file, never give
/// a wrong answer. Every other lock (the writer's own) is as `acquired`.
fn reader_lock(
    acquired: Result<DirectoryLock, LockError>,
    lock: &Lock,
) -> Result<DirectoryLock, LockError> {
    match acquired {
        Err(LockError::IoError(e))
            if lock.filepath == META_LOCK.filepath
                && matches!(
                    e.kind(),
                    io::ErrorKind::PermissionDenied | io::ErrorKind::ReadOnlyFilesystem
                ) =>
        {
            Ok(DirectoryLock::from(Box::new(())))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::directory::INDEX_WRITER_LOCK;

    #[test]
    fn a_reader_that_may_not_write_the_folder_reads_without_the_meta_lock() {
        let refused = |kind: io::ErrorKind| Err(LockError::IoError(Arc::new(kind.into())));
        // (lock, why it was refused, whether it is taken all the same)
        let rows = [
            (&*META_LOCK, io::ErrorKind::PermissionDenied, true),
            (&*META_LOCK, io::ErrorKind::ReadOnlyFilesystem, true),
            (&*META_LOCK, io::ErrorKind::StorageFull, false),
            (&*INDEX_WRITER_LOCK, io::ErrorKind::PermissionDenied, false),
        ];
        for (lock, kind, taken) in rows {
            let lock_is = reader_lock(refused(kind), lock);
            assert_eq!(lock_is.is_ok(), taken, "{:?} {kind:?}", lock.filepath);
        }
        let busy = reader_lock(Err(LockError::LockBusy), &META_LOCK);
        assert!(matches!(busy, Err(LockError::LockBusy)));
    }

    #[test]
    fn a_store_file_is_read_by_range_and_other_files_are_mapped() {
        let dir = tempfile::TempDir::new().expect("temp dir");
        let bytes: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        std::fs::write(dir.path().join("a.store"), &bytes).expect("write");
        std::fs::write(dir.path().join("a.idx"), &bytes).expect("write");
        let directory = StoreReadDirectory::open(dir.path()).expect("open");
        for name in ["a.store", "a.idx"] {
            let file = directory.open_read(Path::new(name)).expect(name);
            assert_eq!(file.len(), bytes.len(), "{name}");
            let read = file.slice(4_000..4_100).read_bytes().expect(name);
            assert_eq!(read.as_slice(), &bytes[4_000..4_100], "{name}");
            assert!(
                file.slice(0..0).read_bytes().expect(name).is_empty(),
                "{name}"
            );
        }
        let handle = directory
            .get_file_handle(Path::new("a.store"))
            .expect("a.store");
        assert!(
            handle.read_bytes(9_990..10_010).is_err(),
            "a range past the end is an error, not a panic"
        );
        assert!(matches!(
            directory.get_file_handle(Path::new("missing.store")),
            Err(OpenReadError::FileDoesNotExist(_))
        ));
    }
}
