//! Which files on disk are a service's logs: its current file(s) and their
//! rotated, possibly gzipped, siblings (`.1`, `.2.gz`, `-20250511.gz`,
//! `_20250514.log`, named in `rotation`). A file that leads outside its
//! group's log roots (a symlink pointing elsewhere) is never read.

use super::rotation::source_files;
use crate::catalog::{Catalog, Group, LogSource, log_sources};
use std::path::{Path, PathBuf};

/// One log file to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogFile {
    pub path: PathBuf,
    /// The service it belongs to (or the file name, for files no service claims).
    pub service: String,
    pub group: String,
    /// Not the file being written now.
    pub rotated: bool,
    /// The zone its writer writes times in; `None` until `zones::attach`
    /// asked (only commands that compare times do).
    pub zone: Option<jiff::tz::TimeZone>,
}

impl LogFile {
    /// The zone its times without an offset are read in (UTC when not asked).
    pub fn zone(&self) -> jiff::tz::TimeZone {
        self.zone.clone().unwrap_or(jiff::tz::TimeZone::UTC)
    }

    pub fn is_gzip(&self) -> bool {
        self.path
            .extension()
            .is_some_and(|extension| extension == "gz")
    }
}
/// The directories a group's logs may be read from: its `log_dir` and the
/// directories of its services' explicit log files.
pub fn allowed_roots(catalog: &Catalog, group: &Group, services: &[&str]) -> Vec<PathBuf> {
    let mut roots: Vec<PathBuf> = group.log_dir.iter().cloned().collect();
    for service in services {
        for source in log_sources(catalog, group, service) {
            let dir = match &source {
                LogSource::File(path) => path.parent().map(Path::to_path_buf),
                LogSource::Pattern { dir, .. } | LogSource::NewestDated { dir, .. } => {
                    Some(dir.clone())
                }
            };
            if let Some(dir) = dir
                && !roots.contains(&dir)
            {
                roots.push(dir);
            }
        }
    }
    roots
}

/// Whether `path`, with every symlink resolved, lies under one of `roots`.
pub fn inside_roots(path: &Path, roots: &[PathBuf]) -> bool {
    let Ok(real) = path.canonicalize() else {
        return false;
    };
    roots
        .iter()
        .filter_map(|root| root.canonicalize().ok())
        .any(|root| real.starts_with(root))
}

/// A service's log files, current ones last, each checked against the roots.
/// Returns the files and the paths refused for leading outside.
pub fn service_files(
    catalog: &Catalog,
    group: &Group,
    service: &str,
    with_rotated: bool,
) -> (Vec<LogFile>, Vec<PathBuf>) {
    let roots = allowed_roots(catalog, group, &[service]);
    let mut files = Vec::new();
    let mut refused = Vec::new();
    for source in log_sources(catalog, group, service) {
        let (found, outside) = files_of_source(&source, group, service, &roots, with_rotated);
        files.extend(found);
        refused.extend(outside);
    }
    (files, refused)
}

/// The files of one log source of `service` (rotated ones first, when
/// `with_rotated`), and the paths refused for leading outside `roots`.
pub fn files_of_source(
    source: &LogSource,
    group: &Group,
    service: &str,
    roots: &[PathBuf],
    with_rotated: bool,
) -> (Vec<LogFile>, Vec<PathBuf>) {
    let (current, rotated) = source_files(source);
    let rotated = if with_rotated { rotated } else { Vec::new() };
    let mut files = Vec::new();
    let mut refused = Vec::new();
    for (path, is_rotated) in rotated
        .into_iter()
        .map(|path| (path, true))
        .chain(current.into_iter().map(|path| (path, false)))
    {
        if inside_roots(&path, roots) {
            files.push(LogFile {
                path,
                service: service.to_string(),
                group: group.name.clone(),
                rotated: is_rotated,
                zone: None,
            });
        } else {
            refused.push(path);
        }
    }
    (files, refused)
}

/// Every regular file under a group's `log_dir` (symlinks are not followed),
/// named after the service that claims it, else after the file.
pub fn all_files(group: &Group, claims: &[LogFile]) -> Vec<LogFile> {
    let Some(root) = &group.log_dir else {
        return Vec::new();
    };
    let mut files = Vec::new();
    let mut pending = vec![root.clone()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut entries: Vec<_> = entries.flatten().collect();
        entries.sort_by_key(std::fs::DirEntry::file_name);
        for entry in entries {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let path = entry.path();
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() {
                let claim = claims.iter().find(|claim| claim.path == path);
                files.push(LogFile {
                    service: claim.map_or_else(
                        || {
                            path.file_name()
                                .map(|name| name.to_string_lossy().into_owned())
                                .unwrap_or_default()
                        },
                        |claim| claim.service.clone(),
                    ),
                    group: group.name.clone(),
                    rotated: claim.is_some_and(|claim| claim.rotated),
                    zone: None,
                    path,
                });
            }
        }
    }
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(dir: &Path, name: &str) {
        std::fs::write(dir.join(name), name).unwrap();
    }

    #[test]
    fn a_symlink_out_of_the_roots_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        touch(outside.path(), "secret");
        std::os::unix::fs::symlink(outside.path().join("secret"), dir.path().join("evil.log"))
            .unwrap();
        touch(dir.path(), "fine.log");
        let roots = vec![dir.path().to_path_buf()];
        assert!(inside_roots(&dir.path().join("fine.log"), &roots));
        assert!(!inside_roots(&dir.path().join("evil.log"), &roots));
    }
}
