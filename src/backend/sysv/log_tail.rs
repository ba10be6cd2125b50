//! The daemon's own words for a service whose init system keeps none: the
//! last lines of the log files the catalog names for it (`[service.NAME]
//! logs`, else its group's layout), read when a step fails or `diagnose`
//! looks — an init script's daemon writes only there.

use crate::catalog::{Catalog, Group, LogSource, log_sources, service_name_of_unit};
use crate::model::BackendKind;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// How much of a log file's end is read for its last lines.
const TAIL_BYTES: u64 = 16 * 1024;

/// The last `count` lines of the log files of the service `name` (a script
/// or job name) of a group of `kind`, by `catalog`, the one hmctl runs with.
pub fn last_lines(catalog: &Catalog, kind: BackendKind, name: &str, count: usize) -> Vec<String> {
    let Some((group, service)) = owner(catalog, kind, name) else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    for file in log_sources(catalog, group, &service)
        .iter()
        .filter_map(current_file)
    {
        lines.extend(tail(&file, count));
    }
    let skip = lines.len().saturating_sub(count);
    lines.split_off(skip)
}

/// The group of `kind` that has `name` among its units, and the service's name.
fn owner<'a>(catalog: &'a Catalog, kind: BackendKind, name: &str) -> Option<(&'a Group, String)> {
    catalog
        .groups
        .iter()
        .filter(|group| group.backend == kind)
        .find_map(|group| {
            group.units.iter().find_map(|choice| {
                choice
                    .alternatives
                    .iter()
                    .any(|unit| service_name_of_unit(unit) == name)
                    .then(|| (group, service_name_of_unit(choice.primary()).to_string()))
            })
        })
}

/// The file a source is written to now.
fn current_file(source: &LogSource) -> Option<PathBuf> {
    match source {
        LogSource::File(path) => Some(path.clone()),
        LogSource::NewestDated { dir, prefix } => std::fs::read_dir(dir)
            .ok()?
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|file| {
                file.strip_prefix(prefix.as_str())
                    .and_then(|rest| rest.strip_suffix(".log"))
                    .is_some_and(|date| {
                        date.len() == 8 && date.bytes().all(|byte| byte.is_ascii_digit())
                    })
            })
            .max()
            .map(|file| dir.join(file)),
        LogSource::Pattern { .. } => None,
    }
}

/// The last `count` lines of `file`, read from its last [`TAIL_BYTES`].
fn tail(file: &Path, count: usize) -> Vec<String> {
    let Ok(mut opened) = std::fs::File::open(file) else {
        return Vec::new();
    };
    let length = opened
        .metadata()
        .map(|metadata| metadata.len())
        .unwrap_or(0);
    let start = length.saturating_sub(TAIL_BYTES);
    if opened.seek(SeekFrom::Start(start)).is_err() {
        return Vec::new();
    }
    let mut bytes = Vec::new();
    if opened.take(TAIL_BYTES).read_to_end(&mut bytes).is_err() {
        return Vec::new();
    }
    let text = String::from_utf8_lossy(&bytes);
    let lines: Vec<String> = text
        .lines()
        .skip(usize::from(start > 0))
        .filter(|line| !line.trim().is_empty())
        .map(str::to_string)
        .collect();
    let skip = lines.len().saturating_sub(count);
    lines[skip..].to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_dated_file_and_its_last_lines() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("watchman_20261204.log"), "old\n").unwrap();
        std::fs::write(
            dir.path().join("watchman_20261205.log"),
            "one\ntwo\n\nthree\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("watchman_x.log"), "not dated\n").unwrap();
        let source = LogSource::NewestDated {
            dir: dir.path().to_path_buf(),
            prefix: "watchman_".into(),
        };
        let file = current_file(&source).unwrap();
        assert!(file.ends_with("watchman_20261205.log"));
        assert_eq!(tail(&file, 2), ["two", "three"]);
    }

    /// The log files are those of the catalog handed in (the one hmctl
    /// loaded once), not of a second reading of the configuration file.
    #[test]
    fn a_failed_service_s_last_lines_come_from_the_catalog_it_is_handed() {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("watchman.log");
        std::fs::write(&log, "one\ntwo\nthree\n").unwrap();
        let text = format!(
            "[[group]]\nname = \"odd\"\nbackend = \"sysv\"\nunits = [\"watchman\"]\n\n\
             [service.watchman]\nlogs = [{:?}]\n",
            log.display().to_string()
        );
        let catalog = crate::catalog::parse_config(&text, &dir.path().join("hmctl.toml")).unwrap();
        assert_eq!(
            last_lines(&catalog, BackendKind::Sysv, "watchman", 2),
            ["two", "three"]
        );
        assert!(last_lines(&catalog, BackendKind::Upstart, "watchman", 2).is_empty());
    }
}
