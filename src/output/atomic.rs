//! Atomic output files: written under a temporary name beside the target and renamed into
//! place only when complete, so a failed or interrupted run never leaves a half-written file
//! under the final name (the previous file, if any, stays intact).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written; call [`AtomicFile::commit`] to put it in place. Dropping it without
/// committing removes the temporary file.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    /// None when the target is not a regular file (`/dev/null`, a FIFO): written in place.
    tmp: Option<PathBuf>,
    file: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Starts writing `target` (through a temporary file in the same directory).
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        // A device or FIFO cannot be replaced by a rename (and must not be): write to it.
        if let Ok(meta) = std::fs::metadata(target)
            && !meta.is_file()
            && !meta.is_dir()
        {
            let f = File::options().write(true).open(target)?;
            return Ok(AtomicFile {
                target: target.to_path_buf(),
                tmp: None,
                file: Some(BufWriter::with_capacity(1 << 20, f)),
            });
        }
        let dir = match target.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = target
            .file_name()
            .ok_or_else(|| {
                io::Error::new(io::ErrorKind::InvalidInput, "output path has no file name")
            })?
            .to_string_lossy()
            .into_owned();
        let mut n = 0u32;
        loop {
            let tmp = dir.join(format!(".{name}.chatsift-{}-{n}.tmp", std::process::id()));
            match File::options().write(true).create_new(true).open(&tmp) {
                Ok(f) => {
                    register(&tmp);
                    return Ok(AtomicFile {
                        target: target.to_path_buf(),
                        tmp: Some(tmp),
                        file: Some(BufWriter::with_capacity(1 << 20, f)),
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && n < 1000 => n += 1,
                Err(e) => return Err(e),
            }
        }
    }

    /// The final path.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Whether the target is replaced by a rename when committed (a regular file), so a run
    /// can drop this one and start again; false for a device or FIFO written in place.
    pub fn replaceable(&self) -> bool {
        self.tmp.is_some()
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(mut self) -> io::Result<()> {
        let Some(w) = self.file.take() else {
            return Err(io::Error::other("output already committed"));
        };
        let f = w.into_inner().map_err(|e| e.into_error())?;
        let Some(tmp) = self.tmp.take() else {
            return Ok(());
        };
        let done = f.sync_all().and_then(|()| {
            drop(f);
            std::fs::rename(&tmp, &self.target)
        });
        if done.is_err() {
            // Never leave the temporary file behind (a directory in the way, a full disk).
            let _ = std::fs::remove_file(&tmp);
        }
        unregister(&tmp);
        done
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(io::Error::other("output already committed")),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.write_all(buf),
            None => Err(io::Error::other("output already committed")),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some()
            && let Some(tmp) = self.tmp.take()
        {
            let _ = std::fs::remove_file(&tmp);
            unregister(&tmp);
        }
    }
}

/// Writes `bytes` to `path` atomically: the one helper every writer of a whole file uses.
pub fn write_file(path: &Path, bytes: &[u8]) -> crate::Result<()> {
    write_with(path, |out| out.write_all(bytes).map_err(Into::into))
}

/// Writes `path` atomically with `f` filling it. Failures say which file: creating or
/// committing it ([`crate::Error::Create`]), or writing into it ([`crate::Error::Write`]).
pub fn write_with(
    path: &Path,
    f: impl FnOnce(&mut dyn Write) -> crate::Result<()>,
) -> crate::Result<()> {
    let create = |source| crate::Error::Create {
        path: path.to_path_buf(),
        source,
    };
    let mut file = AtomicFile::create(path).map_err(create)?;
    f(&mut file).map_err(|e| e.writing(path))?;
    file.commit().map_err(create)
}

/// Writes `path` atomically with `f` filling it, or standard output (buffered) when `path`
/// is None or `-`.
pub fn write_to(
    path: Option<&Path>,
    f: impl FnOnce(&mut dyn Write) -> crate::Result<()>,
) -> crate::Result<()> {
    match path.filter(|p| p.as_os_str() != "-") {
        Some(p) => write_with(p, f),
        None => {
            let stdout = io::stdout();
            let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
            f(&mut out)?;
            out.flush().map_err(|source| crate::Error::Io {
                what: "writing stdout".into(),
                source,
            })
        }
    }
}

/// A scratch file (spilled sort runs): created new in a folder under a hidden temporary name,
/// removed when dropped, and by [`remove_pending`] when a signal ends the run first.
#[derive(Debug)]
pub struct ScratchFile {
    path: PathBuf,
    file: File,
}

impl ScratchFile {
    /// Creates an empty scratch file in `dir`.
    pub fn create(dir: &Path) -> io::Result<ScratchFile> {
        static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let mut tries = 0u32;
        loop {
            let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let path = dir.join(format!(".chatsift-sort-{}-{n}.tmp", std::process::id()));
            match File::options()
                .read(true)
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(file) => {
                    register(&path);
                    return Ok(ScratchFile { path, file });
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && tries < 1000 => tries += 1,
                Err(e) => return Err(e),
            }
        }
    }

    /// The file, for writing and reading back.
    pub fn file(&self) -> &File {
        &self.file
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        unregister(&self.path);
    }
}

static PENDING: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());

fn register(p: &Path) {
    if let Ok(mut v) = PENDING.lock() {
        v.push(p.to_path_buf());
    }
}

fn unregister(p: &Path) {
    if let Ok(mut v) = PENDING.lock() {
        v.retain(|q| q != p);
    }
}

/// Removes every temporary file not yet committed (for a signal handler or a fatal exit).
pub fn remove_pending() {
    if let Ok(v) = PENDING.lock() {
        for p in v.iter() {
            let _ = std::fs::remove_file(p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uncommitted_output_leaves_the_previous_file_intact() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.csv");
        std::fs::write(&target, "old").unwrap();
        {
            let mut f = AtomicFile::create(&target).unwrap();
            f.write_all(b"half-writ").unwrap();
            // dropped without commit: a failed run
        }
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"new").unwrap();
        f.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    #[cfg(unix)]
    fn a_device_target_is_written_in_place_not_replaced() {
        let mut f = AtomicFile::create(Path::new("/dev/null")).unwrap();
        f.write_all(b"discarded").unwrap();
        f.commit().unwrap();
        assert!(!std::fs::metadata("/dev/null").unwrap().is_file());
    }

    #[test]
    fn a_failed_rename_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("taken");
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("inside"), "x").unwrap();
        let mut f = AtomicFile::create(&target).unwrap();
        f.write_all(b"data").unwrap();
        assert!(f.commit().is_err());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("taken")]);
    }

    #[test]
    fn unwritable_directory_is_an_error_not_a_panic() {
        let r = AtomicFile::create(Path::new("/nonexistent-dir-chatsift/out.csv"));
        assert!(r.is_err());
    }
}
