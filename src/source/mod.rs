//! Sources: files, directories (recursed in name order), `.zip` archives (entries streamed,
//! never extracted to disk), and stdin (`-`); and their decoding to UTF-8 ([`decode`]).
//!
//! A zip entry up to [`ZIP_INFLATE_WHOLE`] is inflated at once (its checksum is checked before
//! anything of it is read). A bigger entry is streamed: a helper thread inflates it a chunk at
//! a time into a bounded channel, and the pipeline reads it window by window like a file on
//! disk, so memory holds a few chunks and the current window whatever the entry's size. An
//! entry that sniffing skips (binary, no chat format) is dropped after its first window: the
//! thread stops at its next chunk and the rest is never inflated.
//!
//! Walking only lists inputs; bytes are read later, a window at a time, by the pipeline, so
//! a directory of 100,000 files or a 10 GB export does not have to fit in memory at once.

pub mod decode;

use crate::model::FileId;
use std::borrow::Cow;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};

/// Largest archive entry chatsift will inflate, in bytes (a zip bomb guard): 4 GiB.
pub const MAX_ZIP_ENTRY: u64 = 4 << 30;

/// Zip entries up to this size (1 MiB) are inflated whole when opened; bigger ones stream.
pub const ZIP_INFLATE_WHOLE: u64 = 1 << 20;

/// Bytes a streaming entry's thread inflates per chunk.
const STREAM_CHUNK: usize = 1 << 20;
/// Chunks that may wait in a streaming entry's channel.
const STREAM_AHEAD: usize = 2;

/// Where an input's bytes live.
#[derive(Clone, Debug)]
pub enum Origin {
    /// A file on disk.
    Disk(PathBuf),
    /// An entry of a zip archive on disk.
    Zip {
        /// The archive.
        archive: PathBuf,
        /// The entry's index in the archive.
        index: usize,
    },
    /// Bytes already in memory (stdin).
    Memory(Arc<[u8]>),
}

/// One input file.
#[derive(Clone, Debug)]
pub struct SourceFile {
    /// Its index in the file table.
    pub id: FileId,
    /// The display path: as given, joined with directory entries, `archive.zip!/entry` for
    /// zip entries, `-` for stdin.
    pub path: String,
    /// Where the bytes are.
    pub origin: Origin,
    /// Size in bytes (uncompressed size for zip entries).
    pub size: u64,
}

/// Something the walk could not read (reported; the rest goes on).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalkProblem {
    /// The display path.
    pub path: String,
    /// What went wrong.
    pub what: String,
}

/// Fatal source errors: an input named on the command line that cannot be read at all.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A path given on the command line does not exist or cannot be opened.
    #[error("cannot read input {path}")]
    Unreadable {
        /// The path as given.
        path: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// A zip archive named on the command line is not a readable archive.
    #[error("cannot read zip archive {path}: {what}")]
    BadArchive {
        /// The path as given.
        path: String,
        /// What the zip reader said.
        what: String,
    },
}

/// The inputs found under the given paths.
#[derive(Debug, Default)]
pub struct Walk {
    /// Files to read, ordered by display path, each path once.
    pub files: Vec<SourceFile>,
    /// Entries that could not be listed or read.
    pub problems: Vec<WalkProblem>,
}

/// Lists every input under `paths` (files, directories recursively, zip entries; `-` for
/// stdin, read at once). Inputs are sorted by display path so the same files given in any
/// order give the same run. Symbolic links to directories are not followed (no loops).
pub fn walk(paths: &[String]) -> Result<Walk, SourceError> {
    let mut w = Walk::default();
    let mut stdin_done = false;
    for p in paths {
        if p == "-" {
            if !stdin_done {
                let mut buf = Vec::new();
                io::stdin()
                    .lock()
                    .read_to_end(&mut buf)
                    .map_err(|e| SourceError::Unreadable {
                        path: "-".into(),
                        source: e,
                    })?;
                w.files.push(SourceFile {
                    id: 0,
                    path: "-".into(),
                    size: buf.len() as u64,
                    origin: Origin::Memory(buf.into()),
                });
                stdin_done = true;
            }
            continue;
        }
        let path = Path::new(p);
        let meta = std::fs::metadata(path).map_err(|e| SourceError::Unreadable {
            path: p.clone(),
            source: e,
        })?;
        if meta.is_dir() {
            walk_dir(path, &display(path), &mut w);
        } else if is_zip(p) {
            walk_zip(path, p, &mut w, true)?;
        } else {
            // Fail now, not later, if a named file cannot be opened.
            File::open(path).map_err(|e| SourceError::Unreadable {
                path: p.clone(),
                source: e,
            })?;
            w.files.push(SourceFile {
                id: 0,
                path: display(path),
                origin: Origin::Disk(path.to_path_buf()),
                size: meta.len(),
            });
        }
    }
    w.files.sort_by(|a, b| a.path.cmp(&b.path));
    w.files.dedup_by(|a, b| a.path == b.path);
    for (i, f) in w.files.iter_mut().enumerate() {
        f.id = i as FileId;
    }
    w.problems.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(w)
}

/// A display path relative to the input it was found under: for a file found in a folder
/// named on the command line, the path below that folder (`sub/1.md`); for a file or
/// archive named itself, its file name (`x.zip!/chats/1.md`). The same tree mounted at
/// another place gives the same keys, so every machine agrees on a shard.
pub fn relative_to_roots<'p>(roots: &[String], path: &'p str) -> Cow<'p, str> {
    let mut best: Option<&str> = None;
    for r in roots {
        let r = r.trim_end_matches(['/', '\\']);
        let under = path.len() > r.len()
            && path.starts_with(r)
            && matches!(path.as_bytes()[r.len()], b'/' | b'\\' | b'!');
        if (under || path == r) && best.is_none_or(|b| r.len() > b.len()) {
            best = Some(r);
        }
    }
    let Some(root) = best else {
        return Cow::Borrowed(path);
    };
    let rest = &path[root.len()..];
    if rest.is_empty() || rest.starts_with('!') {
        // The root is the file (or archive) itself: its name, and the entry inside.
        let name = root.rsplit(['/', '\\']).next().unwrap_or(root);
        return Cow::Owned(format!("{name}{rest}"));
    }
    Cow::Borrowed(&rest[1..])
}

/// Which of `n` shards (0-based) a file belongs to: FNV-1a 64 of its path relative to the
/// input root ([`relative_to_roots`], UTF-8), modulo `n`. Stable across machines, runs and
/// versions.
pub fn shard_of(relative: &str, n: u32) -> u32 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in relative.as_bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    (h % u64::from(n.max(1))) as u32
}

fn display(p: &Path) -> String {
    let s = p.to_string_lossy();
    if cfg!(windows) {
        s.replace('\\', "/")
    } else {
        s.into_owned()
    }
}

fn is_zip(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() >= 4 && b[b.len() - 4..].eq_ignore_ascii_case(b".zip")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_keys_are_relative_to_the_input_root() {
        let roots = [
            "/mnt/a/leak/".to_string(),
            "one.md".to_string(),
            "d/x.zip".to_string(),
        ];
        assert_eq!(
            relative_to_roots(&roots, "/mnt/a/leak/sub/1.md"),
            "sub/1.md"
        );
        assert_eq!(relative_to_roots(&roots, "one.md"), "one.md");
        assert_eq!(
            relative_to_roots(&roots, "d/x.zip!/chats/1.md"),
            "x.zip!/chats/1.md"
        );
        assert_eq!(
            relative_to_roots(&roots, "elsewhere/2.md"),
            "elsewhere/2.md"
        );
        // The same tree under another mount point shards the same.
        let moved = ["/srv/leak".to_string()];
        assert_eq!(relative_to_roots(&moved, "/srv/leak/sub/1.md"), "sub/1.md");
        assert_eq!(shard_of("sub/1.md", 1), 0);
        let n = 3;
        let spread: std::collections::BTreeSet<u32> = (0..60)
            .map(|i| shard_of(&format!("chats/{i}.md"), n))
            .collect();
        assert_eq!(spread.len(), 3, "60 names reach every one of 3 shards");
    }

    #[test]
    fn zip_detection_is_safe_on_non_ascii_names() {
        assert!(is_zip("导出.ZIP"));
        assert!(!is_zip("产品介绍.md"));
        assert!(!is_zip("绍"));
    }
}

fn walk_dir(dir: &Path, shown: &str, w: &mut Walk) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            w.problems.push(WalkProblem {
                path: shown.to_string(),
                what: format!("cannot list directory: {e}"),
            });
            return;
        }
    };
    let mut names: Vec<_> = entries
        .filter_map(|e| match e {
            Ok(e) => Some(e),
            Err(err) => {
                w.problems.push(WalkProblem {
                    path: shown.to_string(),
                    what: format!("cannot list an entry: {err}"),
                });
                None
            }
        })
        .collect();
    names.sort_by_key(|e| e.file_name());
    for e in names {
        let path = e.path();
        let name = display(&path);
        let ft = match e.file_type() {
            Ok(t) => t,
            Err(err) => {
                w.problems.push(WalkProblem {
                    path: name,
                    what: format!("cannot stat: {err}"),
                });
                continue;
            }
        };
        if ft.is_dir() {
            walk_dir(&path, &name, w);
            continue;
        }
        let meta = if ft.is_symlink() {
            match std::fs::metadata(&path) {
                Ok(m) if m.is_dir() => {
                    w.problems.push(WalkProblem {
                        path: name,
                        what: "symbolic link to a directory not followed".into(),
                    });
                    continue;
                }
                Ok(m) => m,
                Err(err) => {
                    w.problems.push(WalkProblem {
                        path: name,
                        what: format!("broken or looping symbolic link: {err}"),
                    });
                    continue;
                }
            }
        } else {
            match e.metadata() {
                Ok(m) => m,
                Err(err) => {
                    w.problems.push(WalkProblem {
                        path: name,
                        what: format!("cannot stat: {err}"),
                    });
                    continue;
                }
            }
        };
        if !meta.is_file() {
            continue; // sockets, fifos, devices
        }
        if is_zip(&name) {
            if let Err(err) = walk_zip(&path, &name, w, false) {
                w.problems.push(WalkProblem {
                    path: name,
                    what: err.to_string(),
                });
            }
            continue;
        }
        w.files.push(SourceFile {
            id: 0,
            path: name,
            origin: Origin::Disk(path),
            size: meta.len(),
        });
    }
}

fn walk_zip(path: &Path, shown: &str, w: &mut Walk, named: bool) -> Result<(), SourceError> {
    let file = File::open(path).map_err(|e| SourceError::Unreadable {
        path: shown.to_string(),
        source: e,
    })?;
    let mut archive = match zip::ZipArchive::new(io::BufReader::new(file)) {
        Ok(a) => a,
        Err(e) if named => {
            return Err(SourceError::BadArchive {
                path: shown.to_string(),
                what: e.to_string(),
            });
        }
        Err(e) => {
            w.problems.push(WalkProblem {
                path: shown.to_string(),
                what: format!("not a readable zip archive: {e}"),
            });
            return Ok(());
        }
    };
    for index in 0..archive.len() {
        let entry = match archive.by_index_raw(index) {
            Ok(e) => e,
            Err(e) => {
                w.problems.push(WalkProblem {
                    path: format!("{shown}!/#{index}"),
                    what: format!("unreadable zip entry: {e}"),
                });
                continue;
            }
        };
        if entry.is_dir() {
            continue;
        }
        // The name is only ever displayed: nothing is extracted, so `../` cannot escape.
        let entry_name = match entry.name() {
            Ok(n) => n.into_owned(),
            Err(_) => String::from_utf8_lossy(entry.name_raw()).into_owned(),
        };
        let name = format!("{shown}!/{entry_name}");
        if entry.size() > MAX_ZIP_ENTRY {
            w.problems.push(WalkProblem {
                path: name,
                what: format!(
                    "zip entry declares {} bytes, over the {} byte limit: not read",
                    entry.size(),
                    MAX_ZIP_ENTRY
                ),
            });
            continue;
        }
        if is_zip(&entry_name) {
            w.problems.push(WalkProblem {
                path: name,
                what: "nested zip archive not read (extract it first)".into(),
            });
            continue;
        }
        w.files.push(SourceFile {
            id: 0,
            path: name,
            size: entry.size(),
            origin: Origin::Zip {
                archive: path.to_path_buf(),
                index,
            },
        });
    }
    Ok(())
}

/// An opened input: a file handle read in windows, or bytes in memory.
#[derive(Debug)]
pub enum Opened {
    /// A file on disk, read a window at a time.
    File(File),
    /// Bytes in memory (stdin, small zip entries).
    Memory(Arc<[u8]>),
    /// A big zip entry, inflated as it is read.
    Stream(ZipStream),
}

/// A zip entry inflated on a helper thread as it is read. Reads move forward; a read before
/// what is buffered restarts the inflation from the entry's start (the pipeline reads the
/// head, then, for formats with a survey, the whole entry once more).
pub struct ZipStream {
    archive: PathBuf,
    index: usize,
    len: u64,
    state: Mutex<StreamState>,
}

#[derive(Default)]
struct StreamState {
    rx: Option<Receiver<io::Result<Vec<u8>>>>,
    /// Inflated bytes not yet passed, starting at entry offset `buf_pos`.
    buf: Vec<u8>,
    buf_pos: u64,
    /// The inflation ended (end of entry, or an error kept in `failed`).
    done: bool,
    failed: Option<(io::ErrorKind, String)>,
}

impl std::fmt::Debug for ZipStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ZipStream")
            .field("archive", &self.archive)
            .field("index", &self.index)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

fn invalid(e: zip::result::ZipError) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e)
}

/// The helper thread's body: inflate entry `index` of `archive` chunk by chunk into `tx`,
/// stopping when the reader is gone, at the end, or at the first error (sent on).
fn inflate_into(archive: &Path, index: usize, tx: &SyncSender<io::Result<Vec<u8>>>) {
    let run = || -> io::Result<()> {
        let file = File::open(archive)?;
        let mut a = zip::ZipArchive::new(io::BufReader::new(file)).map_err(invalid)?;
        let mut entry = a.by_index(index).map_err(invalid)?;
        let mut total = 0u64;
        loop {
            let mut chunk = Vec::with_capacity(STREAM_CHUNK);
            let n = (&mut entry)
                .take(STREAM_CHUNK as u64)
                .read_to_end(&mut chunk)?;
            if n == 0 {
                return Ok(());
            }
            total += n as u64;
            if total > MAX_ZIP_ENTRY {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    format!("zip entry inflates past the {MAX_ZIP_ENTRY} byte limit (zip bomb?)"),
                ));
            }
            if tx.send(Ok(chunk)).is_err() {
                return Ok(()); // the reader is gone: stop inflating
            }
        }
    };
    if let Err(e) = run() {
        let _ = tx.send(Err(e));
    }
}

impl ZipStream {
    fn new(archive: PathBuf, index: usize, len: u64) -> Self {
        ZipStream {
            archive,
            index,
            len,
            state: Mutex::new(StreamState::default()),
        }
    }

    fn start(&self, st: &mut StreamState) -> io::Result<()> {
        let (tx, rx) = sync_channel(STREAM_AHEAD);
        let (archive, index) = (self.archive.clone(), self.index);
        std::thread::Builder::new()
            .name("chatsift-unzip".into())
            .spawn(move || inflate_into(&archive, index, &tx))?;
        *st = StreamState {
            rx: Some(rx),
            ..StreamState::default()
        };
        Ok(())
    }

    /// Replaces `out` with up to `len` bytes at `pos` (fewer only at the end of the entry).
    fn read_into(&self, pos: u64, len: usize, out: &mut Vec<u8>) -> io::Result<()> {
        out.clear();
        let mut st = self
            .state
            .lock()
            .map_err(|_| io::Error::other("zip stream poisoned"))?;
        if st.rx.is_none() || pos < st.buf_pos {
            self.start(&mut st)?;
        }
        let want_end = pos.saturating_add(len as u64);
        while !st.done && st.buf_pos + (st.buf.len() as u64) < want_end {
            let next = st.rx.as_ref().map(|rx| rx.recv());
            match next {
                Some(Ok(Ok(chunk))) => {
                    let end = st.buf_pos + st.buf.len() as u64;
                    if end <= pos {
                        // Everything buffered lies before the read: let it go.
                        st.buf_pos = end;
                        st.buf.clear();
                    }
                    st.buf.extend_from_slice(&chunk);
                }
                Some(Ok(Err(e))) => {
                    st.done = true;
                    st.failed = Some((e.kind(), e.to_string()));
                }
                Some(Err(_)) | None => st.done = true,
            }
        }
        if let Some((kind, what)) = &st.failed {
            return Err(io::Error::new(*kind, what.clone()));
        }
        if pos > st.buf_pos {
            let skip = ((pos - st.buf_pos) as usize).min(st.buf.len());
            st.buf.drain(..skip);
            st.buf_pos += skip as u64;
        }
        if pos >= st.buf_pos {
            let from = ((pos - st.buf_pos) as usize).min(st.buf.len());
            let to = from.saturating_add(len).min(st.buf.len());
            out.extend_from_slice(&st.buf[from..to]);
        }
        Ok(())
    }
}

/// Keeps the last opened archive, so reading many entries of one zip parses its directory once.
#[derive(Default)]
pub struct Opener {
    zip: Option<(PathBuf, zip::ZipArchive<io::BufReader<File>>)>,
}

impl std::fmt::Debug for Opener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opener").finish_non_exhaustive()
    }
}

impl Opener {
    /// Opens an input for reading. Zip entries up to [`ZIP_INFLATE_WHOLE`] are inflated into
    /// memory; bigger ones stream ([`ZipStream`]). Neither inflates past [`MAX_ZIP_ENTRY`],
    /// whatever the entry declares.
    pub fn open(&mut self, f: &SourceFile) -> io::Result<Opened> {
        match &f.origin {
            Origin::Disk(p) => File::open(p).map(Opened::File),
            Origin::Memory(b) => Ok(Opened::Memory(b.clone())),
            Origin::Zip { archive, index } => {
                if self.zip.as_ref().is_none_or(|(p, _)| p != archive) {
                    let file = File::open(archive)?;
                    let a = zip::ZipArchive::new(io::BufReader::new(file)).map_err(invalid)?;
                    self.zip = Some((archive.clone(), a));
                }
                let Some((_, a)) = self.zip.as_mut() else {
                    return Err(io::Error::other("zip archive not open"));
                };
                if f.size > ZIP_INFLATE_WHOLE {
                    return Ok(Opened::Stream(ZipStream::new(
                        archive.clone(),
                        *index,
                        f.size,
                    )));
                }
                let entry = a.by_index(*index).map_err(invalid)?;
                let mut buf = Vec::with_capacity(f.size.min(1 << 26) as usize);
                entry.take(MAX_ZIP_ENTRY + 1).read_to_end(&mut buf)?;
                if buf.len() as u64 > MAX_ZIP_ENTRY {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidData,
                        format!(
                            "zip entry inflates past the {MAX_ZIP_ENTRY} byte limit (zip bomb?)"
                        ),
                    ));
                }
                Ok(Opened::Memory(buf.into()))
            }
        }
    }
}

impl Opened {
    /// Reads up to `len` bytes at `pos` (fewer only at the end of the input).
    pub fn read_at(&self, pos: u64, len: usize) -> io::Result<Vec<u8>> {
        match self {
            Opened::Stream(z) => {
                let mut buf = Vec::new();
                z.read_into(pos, len, &mut buf)?;
                Ok(buf)
            }
            Opened::Memory(b) => {
                let start = (pos as usize).min(b.len());
                let end = start.saturating_add(len).min(b.len());
                Ok(b[start..end].to_vec())
            }
            Opened::File(file) => {
                let mut buf = vec![0u8; len];
                let mut got = 0;
                while got < len {
                    let n = read_at(file, &mut buf[got..], pos + got as u64)?;
                    if n == 0 {
                        break;
                    }
                    got += n;
                }
                buf.truncate(got);
                Ok(buf)
            }
        }
    }

    /// Replaces `buf`'s contents with up to `len` bytes at `pos` (fewer only at the end).
    /// A reused buffer is filled without zeroing it first.
    pub fn read_into(&self, pos: u64, len: usize, buf: &mut Vec<u8>) -> io::Result<()> {
        buf.clear();
        match self {
            Opened::Stream(z) => z.read_into(pos, len, buf),
            Opened::Memory(b) => {
                let start = (pos as usize).min(b.len());
                let end = start.saturating_add(len).min(b.len());
                buf.extend_from_slice(&b[start..end]);
                Ok(())
            }
            Opened::File(file) => {
                use std::io::{Seek, SeekFrom};
                let mut f = file;
                f.seek(SeekFrom::Start(pos))?;
                buf.reserve(len);
                f.take(len as u64).read_to_end(buf)?;
                Ok(())
            }
        }
    }

    /// The input's length in bytes.
    pub fn len(&self) -> io::Result<u64> {
        match self {
            Opened::Memory(b) => Ok(b.len() as u64),
            Opened::File(f) => Ok(f.metadata()?.len()),
            Opened::Stream(z) => Ok(z.len),
        }
    }

    /// True when the input has no bytes.
    pub fn is_empty(&self) -> io::Result<bool> {
        Ok(self.len()? == 0)
    }
}

#[cfg(unix)]
fn read_at(f: &File, buf: &mut [u8], pos: u64) -> io::Result<usize> {
    std::os::unix::fs::FileExt::read_at(f, buf, pos)
}

#[cfg(windows)]
fn read_at(f: &File, buf: &mut [u8], pos: u64) -> io::Result<usize> {
    std::os::windows::fs::FileExt::seek_read(f, buf, pos)
}
