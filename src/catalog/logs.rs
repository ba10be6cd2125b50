//! Where a service's own log files are: `[service.NAME] logs` when set, else the
//! group's layout (the troubleshooting guide's log map).

use super::{Catalog, Group, LogLayout, module_of};
use std::fmt;
use std::path::{Path, PathBuf};

/// One place a service writes its log to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogSource {
    /// A file, with its rotated siblings (`.1`, `.gz`, `-20250511.gz`).
    File(PathBuf),
    /// Every file of a directory whose name matches a `*` pattern.
    Pattern { dir: PathBuf, pattern: String },
    /// The newest `<prefix>YYYYMMDD.log` of a directory (and the older ones).
    NewestDated { dir: PathBuf, prefix: String },
}

impl fmt::Display for LogSource {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogSource::File(path) => write!(formatter, "{}", path.display()),
            LogSource::Pattern { dir, pattern } => {
                write!(formatter, "{}", dir.join(pattern).display())
            }
            LogSource::NewestDated { dir, prefix } => {
                write!(
                    formatter,
                    "{}",
                    dir.join(format!("{prefix}YYYYMMDD.log")).display()
                )
            }
        }
    }
}

/// A path string from the catalog as a source: a `*` in the file name makes a pattern.
fn source_of(path: &Path) -> LogSource {
    let name = path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    match (name.contains('*'), path.parent()) {
        (true, Some(dir)) => LogSource::Pattern {
            dir: dir.to_path_buf(),
            pattern: name,
        },
        _ => LogSource::File(path.to_path_buf()),
    }
}

/// The log sources of `service` in `group`; empty when the group has no log_dir
/// and the service no explicit `logs`.
pub fn log_sources(catalog: &Catalog, group: &Group, service: &str) -> Vec<LogSource> {
    if let Some(logs) = catalog
        .settings(service)
        .and_then(|settings| settings.logs.as_ref())
    {
        return logs.iter().map(|path| source_of(Path::new(path))).collect();
    }
    let Some(log_dir) = &group.log_dir else {
        return Vec::new();
    };
    match &group.log_layout {
        LogLayout::ModuleDirectories => vec![LogSource::File(
            log_dir
                .join(module_of(service))
                .join(format!("{service}.log")),
        )],
        LogLayout::DatedPerUnit => vec![LogSource::NewestDated {
            dir: log_dir.clone(),
            prefix: format!("{service}_"),
        }],
        LogLayout::Files(files) => files
            .iter()
            .map(|file| source_of(&log_dir.join(file)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin_group(name: &str) -> (Catalog, Group) {
        let catalog = Catalog::builtin();
        let group = catalog.group(name).unwrap().clone();
        (catalog, group)
    }

    /// The first log source of a service of a built-in group, as shown.
    fn first_log(group: &str, service: &str) -> String {
        let (catalog, group) = builtin_group(group);
        log_sources(&catalog, &group, service)[0].to_string()
    }

    #[test]
    fn console_services_log_under_their_module() {
        let (catalog, console) = builtin_group("console");
        assert_eq!(
            log_sources(&catalog, &console, "porter-api"),
            vec![LogSource::File(
                "/opt/installer/production/logs/porter/porter-api.log".into()
            )]
        );
        assert_eq!(
            first_log("console", "atomy-unicloud"),
            "/opt/installer/production/logs/atomy/atomy-unicloud.log"
        );
    }

    #[test]
    fn gateway_units_log_to_dated_files() {
        assert_eq!(
            first_log("gateway", "s3block"),
            "/var/log/sgateway/s3block_YYYYMMDD.log"
        );
    }

    #[test]
    fn the_guide_names_the_agent_and_sync_proxy_logs() {
        assert_eq!(
            first_log("agent", "egisplus-agent"),
            "/var/log/egisplus-agent/linux_agent.log"
        );
        assert_eq!(
            first_log("agent", "hyper_exporter"),
            "/var/log/hyper_exporter/hyperexporter.log"
        );
        let (catalog, proxy) = builtin_group("sync-proxy");
        let sources = log_sources(&catalog, &proxy, "hamal");
        assert_eq!(sources[0].to_string(), "/var/log/hamal/hamal-period.log");
        assert_eq!(
            sources[2],
            LogSource::Pattern {
                dir: "/var/log/hamal".into(),
                pattern: "vm-*.log".into()
            }
        );
    }
}
