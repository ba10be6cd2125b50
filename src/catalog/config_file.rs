//! `/etc/hmctl/hmctl.toml` (or `--config`, or `HMCTL_CONFIG`): adds groups and
//! overrides built-in ones by name. A malformed file is never ignored: bad TOML,
//! an unknown key or a wrong type is exit 2 naming the file, line and key.

use super::group_entry::{GroupEntry, apply, new_group};
use super::log_zone::{ZONE_HINT, zone_named};
use super::name::validate_name;
use super::{Catalog, is_clean_absolute};
use crate::exit::Failure;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

/// The file read when neither `--config` nor `HMCTL_CONFIG` names one.
pub fn default_config_path() -> &'static Path {
    Path::new("/etc/hmctl/hmctl.toml")
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    #[serde(default)]
    group: Vec<GroupEntry>,
    #[serde(default)]
    service: BTreeMap<String, ServiceEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ServiceEntry {
    logs: Option<Vec<String>>,
    stop_timeout: Option<u64>,
    depends_on: Option<Vec<String>>,
    /// Seconds (a fraction allowed); 0 turns the settle window off.
    settle: Option<f64>,
    /// The zone its log times are in when they carry no offset.
    log_timezone: Option<String>,
}

/// The longest settle window a file or `--settle` may ask for, in seconds.
pub const MAX_SETTLE_SECONDS: f64 = 600.0;

/// Loads the catalog: the built-in one, plus the configuration file, each
/// unit group run by what this host runs ([`super::fit_to_host`]).
///
/// `explicit` is `--config` / `HMCTL_CONFIG`; such a file must exist. Without it,
/// the default file is read when present. `bus_named`: the settings name a
/// system bus (only systemd answers there).
pub fn load(explicit: Option<&Path>, bus_named: bool) -> anyhow::Result<Catalog> {
    let mut catalog = read(explicit)?;
    super::fit_to_host(&mut catalog.groups, bus_named);
    Ok(catalog)
}

fn read(explicit: Option<&Path>) -> anyhow::Result<Catalog> {
    let path = match explicit {
        Some(path) => path.to_path_buf(),
        None if default_config_path().exists() => default_config_path().to_path_buf(),
        None => return Ok(Catalog::builtin()),
    };
    let text = std::fs::read_to_string(&path).map_err(|error| {
        Failure::usage(format!("cannot read config file {}: {error}", path.display())).with_hint(
            "check the path given with --config or HMCTL_CONFIG (the default is /etc/hmctl/hmctl.toml)",
        )
    })?;
    parse(&text, &path)
}

/// Parses configuration text (read from `path`) on top of the built-in catalog.
pub fn parse(text: &str, path: &Path) -> anyhow::Result<Catalog> {
    let file: ConfigFile = toml::from_str(text).map_err(|error| {
        Failure::usage(format!(
            "invalid config file {}: {}",
            path.display(),
            error.to_string().trim_end()
        ))
        .with_hint("fix the line shown; the keys are described in hmctl(1), section FILES")
    })?;
    let mut catalog = Catalog::builtin();
    catalog.source = Some(path.to_path_buf());
    for entry in file.group {
        apply_group(&mut catalog, entry, path)?;
    }
    for (name, entry) in file.service {
        apply_service(&mut catalog, name, entry, path)?;
    }
    Ok(catalog)
}

/// A usage error naming the configuration file at `path`.
fn invalid(path: &Path, message: &str) -> Failure {
    Failure::usage(format!("invalid config file {}: {message}", path.display()))
}

/// One `[[group]]` entry: a new group appended, or a built-in one of the same
/// name overridden in place.
fn apply_group(catalog: &mut Catalog, mut entry: GroupEntry, path: &Path) -> Result<(), Failure> {
    validate_name(&entry.name)
        .map_err(|why| invalid(path, &format!("group name {:?}: {why}", entry.name)))?;
    let log_timezone = entry
        .log_timezone
        .take()
        .map(|zone| {
            zone_named(&format!("group {:?} log_timezone", entry.name), &zone)
                .map_err(|why| invalid(path, &why).with_hint(ZONE_HINT))
        })
        .transpose()?;
    let position = catalog
        .groups
        .iter()
        .position(|group| group.name == entry.name);
    let base = match position {
        Some(index) => catalog.groups[index].clone(),
        None => new_group(&entry)
            .map_err(|why| invalid(path, &format!("group {:?}: {why}", entry.name)))?,
    };
    let mut group = apply(base, entry).map_err(|why| invalid(path, &why))?;
    if log_timezone.is_some() {
        group.log_timezone = log_timezone;
    }
    match position {
        Some(index) => catalog.groups[index] = group,
        None => catalog.groups.push(group),
    }
    Ok(())
}

/// One `[service.NAME]` table, checked, over what the catalog says of NAME.
fn apply_service(
    catalog: &mut Catalog,
    name: String,
    entry: ServiceEntry,
    path: &Path,
) -> Result<(), Failure> {
    // Taken apart field by field: a key added to the entry is not
    // silently ignored here.
    let ServiceEntry {
        logs,
        stop_timeout,
        depends_on,
        settle,
        log_timezone,
    } = entry;
    validate_name(&name).map_err(|why| invalid(path, &format!("[service.{name}]: {why}")))?;
    for log in logs.iter().flatten() {
        if !is_clean_absolute(Path::new(log)) {
            return Err(invalid(
                path,
                &format!("[service.{name}] logs: {log:?} must be an absolute path without `..`"),
            ));
        }
    }
    for dependency in depends_on.iter().flatten() {
        validate_name(dependency).map_err(|why| {
            invalid(
                path,
                &format!("[service.{name}] depends_on {dependency:?}: {why}"),
            )
        })?;
    }
    let settle = settle
        .map(|seconds| settle_window(&name, seconds).map_err(|why| invalid(path, &why)))
        .transpose()?;
    let log_timezone = log_timezone
        .map(|zone| {
            zone_named(&format!("[service.{name}] log_timezone"), &zone)
                .map_err(|why| invalid(path, &why).with_hint(ZONE_HINT))
        })
        .transpose()?;
    let settings = catalog.services.entry(name).or_default();
    if log_timezone.is_some() {
        settings.log_timezone = log_timezone;
    }
    if settle.is_some() {
        settings.settle = settle;
    }
    if logs.is_some() {
        settings.logs = logs;
    }
    if stop_timeout.is_some() {
        settings.stop_timeout = stop_timeout;
    }
    if let Some(depends_on) = depends_on {
        settings.depends_on = depends_on;
    }
    Ok(())
}

/// A service's `settle` seconds as a window, refused outside 0 to
/// [`MAX_SETTLE_SECONDS`].
fn settle_window(name: &str, seconds: f64) -> Result<std::time::Duration, String> {
    if (0.0..=MAX_SETTLE_SECONDS).contains(&seconds) {
        Ok(std::time::Duration::from_secs_f64(seconds))
    } else {
        Err(format!(
            "[service.{name}] settle = {seconds}: must be 0 to {MAX_SETTLE_SECONDS} seconds"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exit::{Exit, exit_of};

    fn parse_text(text: &str) -> anyhow::Result<Catalog> {
        parse(text, Path::new("/etc/hmctl/hmctl.toml"))
    }

    fn error_text(text: &str) -> String {
        let error = parse_text(text).unwrap_err();
        assert_eq!(exit_of(&error), Exit::Usage);
        format!("{error:#}")
    }

    #[test]
    fn the_contract_example_parses() {
        let catalog = parse_text(
            r#"
[[group]]
name = "console"
backend = "compose"
project = "production"
files = ["/opt/installer/production/docker-compose-hyperbdr.yml",
         "/opt/installer/production/docker-compose-hypermotion.yml"]
log_dir = "/opt/installer/production/logs"
config_dir = "/opt/installer/production/config"
program_dir = "/opt/installer"
ports = [10443]
upgrade_dir = "/opt/installer/production/venvs"
present_if = ["/opt/installer/production"]

[[group]]
name = "gateway"
backend = "systemd"
units = ["s3block.service", "watchman.service", "hyper_exporter.service"]
log_dir = "/var/log/sgateway"
program_dir = "/var/lib/sgateway"
upgrade_dir = "/var/lib/sgateway"
present_if = ["/var/lib/sgateway"]

[service.porter-api]
logs = ["/opt/installer/production/logs/porter/porter-api.log"]
stop_timeout = 30
"#,
        )
        .unwrap();
        assert_eq!(catalog.groups.len(), 4);
        assert_eq!(
            catalog.settings("porter-api").unwrap().stop_timeout,
            Some(30)
        );
    }

    #[test]
    fn a_settle_window_is_seconds_whole_or_not_and_bounded() {
        let catalog = parse_text(
            "[service.porter-api]\nsettle = 3\n[service.s3block]\nsettle = 0.5\n[service.mysql]\nsettle = 0\n",
        )
        .unwrap();
        let settle = |name: &str| catalog.settings(name).unwrap().settle;
        assert_eq!(
            settle("porter-api"),
            Some(std::time::Duration::from_secs(3))
        );
        assert_eq!(
            settle("s3block"),
            Some(std::time::Duration::from_millis(500))
        );
        assert_eq!(settle("mysql"), Some(std::time::Duration::ZERO));
        for bad in ["-1", "601", "\"2s\""] {
            let message = error_text(&format!("[service.porter-api]\nsettle = {bad}\n"));
            assert!(message.contains("settle"), "{bad}: {message}");
        }
    }

    #[test]
    fn log_timezone_is_a_known_zone_per_group_or_service() {
        let catalog = parse_text(
            "[[group]]\nname = \"console\"\nlog_timezone = \"UTC\"\n[service.porter-api]\nlog_timezone = \"Asia/Shanghai\"\n",
        )
        .unwrap();
        let console = catalog.group("console").unwrap();
        let zone = |service: &str| {
            catalog
                .log_timezone(console, service)
                .and_then(|zone| zone.iana_name())
        };
        assert_eq!(zone("porter-api"), Some("Asia/Shanghai"));
        assert_eq!(zone("mysql"), Some("UTC"));
        let gateway = catalog.group("gateway").unwrap();
        assert_eq!(catalog.log_timezone(gateway, "s3block"), None);
        for (text, key) in [
            (
                "[[group]]\nname = \"console\"\nlog_timezone = \"Asia/Shangai\"\n",
                "group \"console\" log_timezone",
            ),
            (
                "[service.s3block]\nlog_timezone = \"Asia/Shangai\"\n",
                "[service.s3block] log_timezone",
            ),
        ] {
            assert_eq!(
                error_text(text),
                format!(
                    "invalid config file /etc/hmctl/hmctl.toml: {key} = \"Asia/Shangai\": unknown time zone"
                )
            );
            let error = parse_text(text).unwrap_err();
            let failure = error.downcast_ref::<Failure>().unwrap();
            assert_eq!(failure.hint.as_deref(), Some(ZONE_HINT));
        }
    }

    #[test]
    fn a_group_overrides_only_the_fields_it_sets() {
        let catalog = parse_text("[[group]]\nname = \"console\"\nproject = \"other\"\n").unwrap();
        let console = catalog.group("console").unwrap();
        assert_eq!(console.project.as_deref(), Some("other"));
        assert_eq!(console.ports, vec![10443]);
        assert_eq!(console.files.len(), 2);
    }

    #[test]
    fn new_groups_are_added_with_alternative_units() {
        let catalog = parse_text(
            "[[group]]\nname = \"edge\"\nbackend = \"systemd\"\nunits = [\"a\", [\"b.service\", \"c\"]]\n",
        )
        .unwrap();
        let edge = catalog.group("edge").unwrap();
        assert_eq!(edge.units[0].alternatives, vec!["a.service"]);
        assert_eq!(edge.units[1].alternatives, vec!["b.service", "c.service"]);
        assert!(edge.is_present());
    }

    #[test]
    fn a_misspelt_key_names_the_file_line_and_key() {
        let message = error_text("[[group]]\nname = \"console\"\nprojet = \"x\"\n");
        assert!(message.contains("/etc/hmctl/hmctl.toml"), "{message}");
        assert!(message.contains("line 3"), "{message}");
        assert!(message.contains("projet"), "{message}");
    }

    #[test]
    fn a_wrong_type_names_the_line() {
        let message = error_text("[[group]]\nname = \"console\"\nports = \"10443\"\n");
        assert!(message.contains("line 3"), "{message}");
    }

    #[test]
    fn broken_toml_is_refused() {
        let message = error_text("[[group]\nname = \n");
        assert!(message.contains("line 1"), "{message}");
    }

    #[test]
    fn relative_and_escaping_paths_are_refused() {
        assert!(
            error_text("[[group]]\nname = \"console\"\nlog_dir = \"logs\"\n").contains("absolute")
        );
        assert!(
            error_text("[[group]]\nname = \"console\"\nlog_dir = \"/a/../b\"\n")
                .contains("absolute")
        );
        assert!(error_text("[service.x]\nlogs = [\"../etc/shadow\"]\n").contains("absolute"));
    }

    #[test]
    fn a_new_group_needs_its_backend_and_its_services() {
        assert!(error_text("[[group]]\nname = \"x\"\n").contains("backend"));
        assert!(
            error_text("[[group]]\nname = \"x\"\nbackend = \"compose\"\nproject = \"p\"\n")
                .contains("files")
        );
        assert!(error_text("[[group]]\nname = \"x\"\nbackend = \"systemd\"\n").contains("units"));
    }

    #[test]
    fn hostile_names_are_refused() {
        assert!(
            error_text("[[group]]\nname = \"a;rm -rf /\"\nbackend = \"systemd\"\nunits=[\"a\"]\n")
                .contains("contains")
        );
        assert!(
            error_text("[[group]]\nname = \"x\"\nbackend = \"systemd\"\nunits=[\"$(reboot)\"]\n")
                .contains("contains")
        );
    }

    #[test]
    fn a_missing_explicit_file_is_a_usage_error() {
        let error = load(Some(Path::new("/nonexistent/hmctl.toml")), false).unwrap_err();
        assert_eq!(exit_of(&error), Exit::Usage);
        assert!(format!("{error:#}").contains("/nonexistent/hmctl.toml"));
    }
}
