//! Which names in a directory are one log source's files, and how old each
//! is: the rotation suffixes of the guides (`.1`, `.2.gz`, `-20250511.gz`,
//! `_20250514.log`), `*` patterns, and the newest of dated files.

use crate::catalog::LogSource;
use std::path::{Path, PathBuf};

/// The rotation suffix of `name` relative to `base` (`.1`, `.2.gz`, `-20250511.gz`,
/// `.2025-05-11`), or `None` when `name` is not a rotation of `base`.
pub fn rotation_suffix<'a>(name: &'a str, base: &str) -> Option<&'a str> {
    let rest = name.strip_prefix(base)?;
    let without_gz = rest.strip_suffix(".gz").unwrap_or(rest);
    let valid = without_gz.is_empty()
        || (without_gz.starts_with(['.', '-', '_'])
            && without_gz[1..].chars().all(|character| {
                character.is_ascii_digit() || matches!(character, '-' | '.' | '_')
            })
            && without_gz[1..].starts_with(|character: char| character.is_ascii_digit()));
    valid.then_some(rest)
}

/// Whether `name` matches a pattern whose only wildcard is `*`.
pub fn glob_matches(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    if parts.len() == 1 {
        return pattern == name;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !name.starts_with(first) || !name.ends_with(last) || name.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &name[first.len()..name.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(index) => rest = &rest[index + part.len()..],
            None => return false,
        }
    }
    true
}

fn directory_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter(|entry| {
                    entry
                        .file_type()
                        .is_ok_and(|kind| kind.is_file() || kind.is_symlink())
                })
                .map(|entry| entry.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Sort key of a rotated file: older first. `.2` is older than `.1`; dated names sort by date.
fn age_key(suffix: &str) -> (i64, String) {
    let digits: String = suffix.chars().filter(char::is_ascii_digit).collect();
    match digits.parse::<i64>() {
        Ok(number) if digits.len() <= 3 => (-number, String::new()),
        _ => (0, digits),
    }
}

/// The files of one source: (current, rotated oldest first).
pub fn source_files(source: &LogSource) -> (Vec<PathBuf>, Vec<PathBuf>) {
    match source {
        LogSource::File(path) => {
            let Some(dir) = path.parent() else {
                return (Vec::new(), Vec::new());
            };
            let base = path
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut rotated: Vec<(String, PathBuf)> = directory_names(dir)
                .into_iter()
                .filter_map(|name| {
                    let suffix = rotation_suffix(&name, &base)?;
                    (!suffix.is_empty()).then(|| (suffix.to_string(), dir.join(&name)))
                })
                .collect();
            rotated.sort_by_key(|(suffix, _)| age_key(suffix));
            let current = if path.exists() {
                vec![path.clone()]
            } else {
                Vec::new()
            };
            (current, rotated.into_iter().map(|(_, path)| path).collect())
        }
        LogSource::Pattern { dir, pattern } => {
            let mut current = Vec::new();
            let mut rotated = Vec::new();
            for name in directory_names(dir) {
                if glob_matches(pattern, &name) {
                    current.push(dir.join(&name));
                } else if name
                    .char_indices()
                    .rev()
                    .map(|(index, _)| &name[..index])
                    .any(|base| {
                        glob_matches(pattern, base)
                            && rotation_suffix(&name, base).is_some_and(|suffix| !suffix.is_empty())
                    })
                {
                    rotated.push(dir.join(&name));
                }
            }
            (current, rotated)
        }
        LogSource::NewestDated { dir, prefix } => {
            let mut dated: Vec<(String, PathBuf)> = directory_names(dir)
                .into_iter()
                .filter_map(|name| {
                    let rest = name.strip_prefix(prefix.as_str())?;
                    let date: String = rest.chars().take_while(char::is_ascii_digit).collect();
                    let tail = &rest[date.len()..];
                    (date.len() == 8
                        && (tail == ".log"
                            || tail == ".log.gz"
                            || rotation_suffix(tail, ".log").is_some()))
                    .then(|| (format!("{date}{tail}"), dir.join(&name)))
                })
                .collect();
            dated.sort();
            let current = dated.pop().map(|(_, path)| vec![path]).unwrap_or_default();
            (current, dated.into_iter().map(|(_, path)| path).collect())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_suffixes_of_the_guides() {
        assert_eq!(
            rotation_suffix("porter-api.log.1", "porter-api.log"),
            Some(".1")
        );
        assert_eq!(
            rotation_suffix("porter-api.log.2.gz", "porter-api.log"),
            Some(".2.gz")
        );
        assert_eq!(
            rotation_suffix("linux_agent.log-20250511.gz", "linux_agent.log"),
            Some("-20250511.gz")
        );
        assert_eq!(
            rotation_suffix("x.log.2025-05-11", "x.log"),
            Some(".2025-05-11")
        );
        assert_eq!(
            rotation_suffix("porter-api.log", "porter-api.log"),
            Some("")
        );
        assert_eq!(
            rotation_suffix("porter-api.log.bak", "porter-api.log"),
            None
        );
        assert_eq!(rotation_suffix("porter-api.logger", "porter-api.log"), None);
    }

    #[test]
    fn globs_with_stars() {
        assert!(glob_matches("vm-*.log", "vm-kylin_v10_Agent-1234.log"));
        assert!(!glob_matches("vm-*.log", "hamal-period.log"));
        assert!(glob_matches("*", "anything"));
        assert!(glob_matches("a*b*c", "aXbYc"));
        assert!(!glob_matches("a*b*c", "ac"));
    }

    /// A fresh directory holding the files `names` (each holds its name).
    fn directory_with(names: &[&str]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for name in names {
            std::fs::write(dir.path().join(name), name).unwrap();
        }
        dir
    }

    #[test]
    fn a_file_and_its_rotations_oldest_first() {
        let dir = directory_with(&[
            "porter-api.log",
            "porter-api.log.1",
            "porter-api.log.3.gz",
            "porter-api.log.2",
            "porter-api.log.bak",
            "other.log",
        ]);
        let (current, rotated) = source_files(&LogSource::File(dir.path().join("porter-api.log")));
        assert_eq!(current, vec![dir.path().join("porter-api.log")]);
        let names: Vec<String> = rotated
            .iter()
            .map(|path| path.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            vec![
                "porter-api.log.3.gz",
                "porter-api.log.2",
                "porter-api.log.1"
            ]
        );
    }

    #[test]
    fn the_newest_dated_file_is_current() {
        let dir = directory_with(&[
            "s3block_20250514.log",
            "s3block_20250515.log",
            "s3block_20250513.log.gz",
            "watchman_20250516.log",
        ]);
        let (current, rotated) = source_files(&LogSource::NewestDated {
            dir: dir.path().to_path_buf(),
            prefix: "s3block_".into(),
        });
        assert_eq!(current, vec![dir.path().join("s3block_20250515.log")]);
        assert_eq!(
            rotated,
            vec![
                dir.path().join("s3block_20250513.log.gz"),
                dir.path().join("s3block_20250514.log")
            ]
        );
    }

    #[test]
    fn patterns_take_their_rotations_too() {
        let dir = directory_with(&["vm-a.log", "vm-b.log", "vm-a.log.1", "hamal-period.log"]);
        let (current, rotated) = source_files(&LogSource::Pattern {
            dir: dir.path().to_path_buf(),
            pattern: "vm-*.log".into(),
        });
        assert_eq!(current.len(), 2);
        assert_eq!(rotated, vec![dir.path().join("vm-a.log.1")]);
    }
}
