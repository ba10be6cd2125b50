//! Following one log file: read from an offset, hand out complete lines, and
//! notice rotation (the path renamed away to a new file, or the file truncated).

use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

/// Reads a file from an offset, handing out complete lines.
pub struct Tracker {
    pub path: PathBuf,
    pub file: std::fs::File,
    inode: u64,
    pub offset: u64,
    partial: Vec<u8>,
}

impl Tracker {
    pub fn open(path: PathBuf, at_end: bool) -> std::io::Result<Tracker> {
        let mut file = std::fs::File::open(&path)?;
        let metadata = file.metadata()?;
        let offset = if at_end { metadata.len() } else { 0 };
        file.seek(SeekFrom::Start(offset))?;
        Ok(Tracker {
            path,
            file,
            inode: metadata.ino(),
            offset,
            partial: Vec::new(),
        })
    }

    /// New complete lines since the last read.
    fn read_new(&mut self) -> Vec<Vec<u8>> {
        let mut bytes = Vec::new();
        if self.file.read_to_end(&mut bytes).is_err() {
            return Vec::new();
        }
        self.offset += bytes.len() as u64;
        self.partial.extend_from_slice(&bytes);
        let mut lines = Vec::new();
        while let Some(end) = self.partial.iter().position(|byte| *byte == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=end).collect();
            lines.push(line[..line.len() - 1].to_vec());
        }
        lines
    }

    /// Whether the path now names another file (renamed away) or the file shrank (truncated).
    pub fn poll_rotation(&mut self) -> Vec<Vec<u8>> {
        let Ok(metadata) = std::fs::metadata(&self.path) else {
            return Vec::new();
        };
        if metadata.ino() != self.inode {
            // Finish the old file, then read the new one from its start.
            let mut lines = self.read_new();
            if let Ok(fresh) = Tracker::open(self.path.clone(), false) {
                *self = fresh;
                lines.extend(self.read_new());
            }
            lines
        } else if metadata.len() < self.offset {
            let _ = self.file.seek(SeekFrom::Start(0));
            self.offset = 0;
            self.partial.clear();
            self.read_new()
        } else {
            self.read_new()
        }
    }
}
