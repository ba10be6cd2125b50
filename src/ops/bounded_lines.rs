//! A bounded file of JSON lines in hmctl's state directory, shared by the
//! history and the metrics timer's transitions: root's alone (the directory
//! 0700, the file 0600), opened `O_APPEND|O_NOFOLLOW` through `private_file`
//! and written one whole line per record with a single write (no fsync: an
//! incident must not wait on a log of it). Past its size the file becomes
//! `NAME.1` (the one before is dropped), so it stays bounded. Reading skips a
//! line that does not parse — the torn last line of a run killed mid-write —
//! and counts it.

use crate::private_file::Directory;
use serde::de::DeserializeOwned;
use std::ffi::OsStr;
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

/// One such file: its name and its rotated name in the state directory.
#[derive(Debug, Clone, Copy)]
pub struct LineFile {
    pub name: &'static str,
    pub rotated: &'static str,
}

/// What the files hold.
#[derive(Debug)]
pub struct Reading<T> {
    /// Oldest first.
    pub records: Vec<T>,
    /// Lines that did not parse (a torn last line).
    pub skipped: usize,
}

impl<T> Default for Reading<T> {
    fn default() -> Self {
        Reading {
            records: Vec::new(),
            skipped: 0,
        }
    }
}

impl LineFile {
    /// Where the current file is.
    pub fn path_in(self, state_dir: &Path) -> PathBuf {
        state_dir.join(self.name)
    }

    /// Appends `line` (one whole line, newline included) to the file in
    /// `state_dir`, rotating the file first once it reached `rotate_at` bytes.
    pub fn append(self, state_dir: &Path, line: &str, rotate_at: u64) -> io::Result<()> {
        let directory = Directory::private(state_dir, 0o700)?;
        let mut file = directory.open_own(OsStr::new(self.name), 0o600, true)?;
        let mut length = file.metadata()?.len();
        if length >= rotate_at {
            directory.rename(OsStr::new(self.name), OsStr::new(self.rotated))?;
            file = directory.open_own(OsStr::new(self.name), 0o600, true)?;
            length = 0;
        }
        let mut line = line.to_string();
        // A writer killed mid-write left a torn line: end it, so this record
        // starts a line of its own.
        if length > 0 && !ends_with_newline(&self.path_in(state_dir), length) {
            line.insert(0, '\n');
        }
        file.write_all(line.as_bytes())
    }

    /// Reads the rotated file, then the current one. A missing file is an
    /// empty one; a file that cannot be read is an error naming it.
    pub fn read<T: DeserializeOwned>(
        self,
        state_dir: &Path,
    ) -> Result<Reading<T>, (PathBuf, io::Error)> {
        let mut reading = Reading::default();
        for name in [self.rotated, self.name] {
            let path = state_dir.join(name);
            match read_without_following(&path, None) {
                Ok(text) => parse_into(&text, &mut reading),
                Err(error) if error.kind() == io::ErrorKind::NotFound => {}
                Err(error) => return Err((path, error)),
            }
        }
        Ok(reading)
    }

    /// Reads the last `bytes` of the current file only (its first, partial
    /// line dropped): what is recent, at a cost that does not grow with it.
    pub fn read_tail<T: DeserializeOwned>(
        self,
        state_dir: &Path,
        bytes: u64,
    ) -> io::Result<Reading<T>> {
        let mut reading = Reading::default();
        match read_without_following(&self.path_in(state_dir), Some(bytes)) {
            Ok(text) => parse_into(&text, &mut reading),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {}
            Err(error) => return Err(error),
        }
        Ok(reading)
    }
}

/// `value` as one line of JSON, newline included.
pub fn json_line<T: serde::Serialize>(value: &T) -> String {
    let mut line = serde_json::to_string(value).unwrap_or_default();
    line.push('\n');
    line
}

fn parse_into<T: DeserializeOwned>(text: &[u8], reading: &mut Reading<T>) {
    for line in text.split(|byte| *byte == b'\n') {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<T>(line) {
            Ok(record) => reading.records.push(record),
            Err(_) => reading.skipped += 1,
        }
    }
}

/// Whether the file's byte at `length - 1` is a newline.
fn ends_with_newline(path: &Path, length: u64) -> bool {
    use std::os::unix::fs::FileExt;
    let mut last = [0u8];
    open_without_following(path)
        .and_then(|file| file.read_exact_at(&mut last, length - 1))
        .map_or(true, |()| last[0] == b'\n')
}

/// Opens `path` to read, refusing a symbolic link in its place.
pub fn open_without_following(path: &Path) -> io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    let nofollow = i32::try_from(rustix::fs::OFlags::NOFOLLOW.bits()).unwrap_or(0);
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(nofollow)
        .open(path)
}

/// A whole file of hmctl's own, never read through a link.
pub fn read_whole_without_following(path: &Path) -> io::Result<Vec<u8>> {
    read_without_following(path, None)
}

/// The file's bytes, or only its last `tail` bytes from the first whole line.
fn read_without_following(path: &Path, tail: Option<u64>) -> io::Result<Vec<u8>> {
    let mut file = open_without_following(path)?;
    let mut bytes = Vec::new();
    let length = file.metadata()?.len();
    match tail {
        Some(tail) if length > tail => {
            // One byte before, so a tail that starts a line keeps it.
            file.seek(io::SeekFrom::Start(length - tail - 1))?;
            file.read_to_end(&mut bytes)?;
            let first_end = bytes.iter().position(|byte| *byte == b'\n');
            bytes.drain(..first_end.map_or(bytes.len(), |end| end + 1));
        }
        _ => {
            file.read_to_end(&mut bytes)?;
        }
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: LineFile = LineFile {
        name: "test.jsonl",
        rotated: "test.jsonl.1",
    };

    #[test]
    fn the_tail_is_the_last_whole_lines_only() {
        let directory = tempfile::tempdir().unwrap();
        for number in 0..100 {
            FILE.append(directory.path(), &format!("{number}\n"), 1 << 20)
                .unwrap();
        }
        let tail: Reading<u32> = FILE.read_tail(directory.path(), 10).unwrap();
        // "96\n97\n98\n99\n" is 12 bytes: the last 10 start inside "96".
        assert_eq!(tail.records, [97, 98, 99]);
        assert_eq!(tail.skipped, 0);
        // The last 9 bytes are exactly "97\n98\n99\n": 97 is whole, and kept.
        let exact: Reading<u32> = FILE.read_tail(directory.path(), 9).unwrap();
        assert_eq!(exact.records, [97, 98, 99]);
        let whole: Reading<u32> = FILE.read_tail(directory.path(), 1 << 20).unwrap();
        assert_eq!(whole.records.len(), 100);
        let missing: Reading<u32> = FILE.read_tail(&directory.path().join("no"), 10).unwrap();
        assert!(missing.records.is_empty());
    }
}
