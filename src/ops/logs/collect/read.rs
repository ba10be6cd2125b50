//! Reading what goes into a support bundle: the newest part of each log
//! (plain or gzip-rotated), whether a file is text, the files of a config
//! directory and the names they get inside the bundle.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// The last `cap` bytes of a file (from a line start), and its full size.
pub fn newest_part(path: &Path, cap: u64) -> std::io::Result<(Vec<u8>, u64, bool)> {
    let mut file = std::fs::File::open(path)?;
    if path.extension().is_some_and(|extension| extension == "gz") {
        return newest_part_of_gzip(file, cap);
    }
    let size = file.metadata()?.len();
    let truncated = size > cap;
    if truncated {
        file.seek(SeekFrom::Start(size - cap))?;
    }
    let mut bytes = Vec::new();
    file.take(cap).read_to_end(&mut bytes)?;
    Ok((from_line_start(bytes, truncated), size, truncated))
}

fn newest_part_of_gzip(file: std::fs::File, cap: u64) -> std::io::Result<(Vec<u8>, u64, bool)> {
    let mut decoder = flate2::read::MultiGzDecoder::new(file);
    let limit = usize::try_from(cap).unwrap_or(usize::MAX);
    let mut kept: Vec<u8> = Vec::new();
    let mut total = 0u64;
    let mut chunk = vec![0; 256 * 1024];
    loop {
        let read = decoder.read(&mut chunk)?;
        if read == 0 {
            break;
        }
        total += read as u64;
        kept.extend_from_slice(&chunk[..read]);
        if kept.len() > limit.saturating_mul(2) {
            kept.drain(..kept.len() - limit);
        }
    }
    let truncated = kept.len() > limit || total > kept.len() as u64;
    if kept.len() > limit {
        kept.drain(..kept.len() - limit);
    }
    Ok((from_line_start(kept, truncated), total, truncated))
}

fn from_line_start(mut bytes: Vec<u8>, truncated: bool) -> Vec<u8> {
    if truncated && let Some(newline) = bytes.iter().position(|byte| *byte == b'\n') {
        bytes.drain(..=newline);
    }
    bytes
}

/// When a file was last written.
pub fn modified_time(path: &Path) -> Option<jiff::Timestamp> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    jiff::Timestamp::try_from(modified).ok()
}

/// Whether the start of `bytes` holds no NUL byte.
pub fn looks_like_text(bytes: &[u8]) -> bool {
    !bytes[..bytes.len().min(8192)].contains(&0)
}

/// `file`'s name below `root`, or its absolute path without the leading `/`.
pub fn relative_name(file: &Path, root: Option<&Path>) -> String {
    match root.and_then(|root| file.strip_prefix(root).ok()) {
        Some(relative) => relative.display().to_string(),
        None => file
            .display()
            .to_string()
            .trim_start_matches('/')
            .to_string(),
    }
}

/// Every regular file below `root` (links are not followed), sorted.
pub fn walk_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => pending.push(entry.path()),
                Ok(kind) if kind.is_file() => files.push(entry.path()),
                _ => {}
            }
        }
    }
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_part_starts_at_a_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        let text: String = (1..=1000)
            .map(|number| format!("line {number}\n"))
            .collect();
        std::fs::write(&path, &text).unwrap();
        let (bytes, size, truncated) = newest_part(&path, 100).unwrap();
        assert!(truncated);
        assert_eq!(size, text.len() as u64);
        let kept = String::from_utf8(bytes).unwrap();
        assert!(
            kept.starts_with("line ") && kept.ends_with("line 1000\n"),
            "{kept}"
        );
        assert!(kept.len() <= 100);
        let gz = dir.path().join("a.log.1.gz");
        crate::log_files::gzip_fixture::write_gzip(&gz, &text);
        let (bytes, size, truncated) = newest_part(&gz, 100).unwrap();
        assert!(truncated && size == text.len() as u64);
        assert!(String::from_utf8(bytes).unwrap().ends_with("line 1000\n"));
        let (bytes, _, truncated) = newest_part(&path, 1 << 20).unwrap();
        assert!(!truncated && bytes.len() == text.len());
    }
}
