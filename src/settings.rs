//! Everything hmctl takes from outside its arguments' verbs, resolved once:
//! the configuration file to read and where hmctl keeps its files and finds
//! its daemons. The environment is read here and nowhere else.
//!
//! `app` resolves the settings from the command line and the environment once,
//! at the start of a run, and passes them down: to the commands, `ops` and
//! the backends at their construction (each keeping the fields it needs).
//! There is no global: a unit test builds its own ([`Settings::for_test`]) and
//! varies any field; a shell asking for completions resolves its own.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How long hmctl waits for a daemon's answer unless told otherwise: long
/// enough for a busy dockerd, short enough that a hung one costs an operator
/// seconds, not minutes.
pub const DEFAULT_DAEMON_TIMEOUT: Duration = Duration::from_secs(5);

/// The shortest and longest `--daemon-timeout`, in seconds.
pub const DAEMON_TIMEOUT_RANGE: (f64, f64) = (0.1, 600.0);

/// What the command line says that the settings need.
#[derive(Debug, Clone, Default)]
pub struct Arguments {
    /// `--config FILE` (clap already falls back to `HMCTL_CONFIG`).
    pub config: Option<PathBuf>,
    /// `--daemon-timeout SECS` (clap already falls back to `HMCTL_DAEMON_TIMEOUT`).
    pub daemon_timeout: Option<Duration>,
}

/// The resolved settings of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The configuration file named by `--config` or `HMCTL_CONFIG`; `None`:
    /// the default `/etc/hmctl/hmctl.toml` when it exists.
    pub config: Option<PathBuf>,
    /// The host-wide lock: `HMCTL_LOCK_FILE`, else `/run/hmctl/hmctl.lock`
    /// (`/var/run/hmctl/…` on a host without `/run`; a directory only root
    /// can write, so no local user can plant a link or hold the lock in
    /// hmctl's place).
    pub lock_file: PathBuf,
    /// hmctl's own state (the upgrade journal): `HMCTL_STATE_DIR`, else `/var/lib/hmctl`.
    pub state_dir: PathBuf,
    /// Caches that may vanish (inspect answers, parsed compose projects):
    /// `HMCTL_CACHE_DIR`, else `/run/hmctl` (`/var/run/hmctl` without `/run`).
    pub cache_dir: PathBuf,
    pub daemons: Daemons,
    /// How long hmctl waits for each answer of a daemon: `--daemon-timeout`,
    /// `HMCTL_DAEMON_TIMEOUT`, else [`DEFAULT_DAEMON_TIMEOUT`].
    pub daemon_timeout: Duration,
    /// The compose profiles in force: `COMPOSE_PROFILES`, comma-separated.
    pub compose_profiles: Vec<String>,
    /// Where programs are looked for (`PATH`): the Compose CLIs.
    pub search_path: OsString,
    /// Colour is off: `NO_COLOR` set and not empty, or `TERM=dumb`.
    pub no_color: bool,
    /// A test's pause point (`HMCTL_TEST_PAUSE_AT`), only in builds with the
    /// `test-hooks` feature.
    pub pause_at: Option<String>,
    /// A test's planned failures (`HMCTL_TEST_FAIL_AT`), only in builds with
    /// the `test-hooks` feature.
    pub fail_at: Option<String>,
    /// Who runs hmctl and from where, as the environment tells it (history).
    pub caller: Caller,
    /// The journal's native socket hmctl's history is also sent to:
    /// `HMCTL_JOURNAL_SOCKET`, else `/run/systemd/journal/socket`.
    pub journal_socket: PathBuf,
}

/// What the environment says about the operator behind a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Caller {
    /// `SUDO_USER`: the login user behind `sudo`.
    pub sudo_user: Option<String>,
    /// `SSH_CONNECTION` (`client port server port`).
    pub ssh_connection: Option<String>,
    /// `HMCTL_CALLER=ansible`: run by the Ansible collection's modules.
    pub ansible: bool,
}

/// Where hmctl finds the daemons it asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Daemons {
    /// The Docker endpoint: `DOCKER_HOST`, else the default socket.
    pub docker_host: String,
    /// systemd's bus: `DBUS_SYSTEM_BUS_ADDRESS`; `None`, the system bus.
    pub bus_address: Option<String>,
    /// systemd's private socket, asked first as root when no bus is named:
    /// `HMCTL_SYSTEMD_PRIVATE_SOCKET`, else `/run/systemd/private`.
    pub private_socket: PathBuf,
}

/// A non-empty environment variable, as a path.
fn path_from(value: Option<OsString>, default: &str) -> PathBuf {
    value
        .filter(|value| !value.is_empty())
        .map_or_else(|| PathBuf::from(default), PathBuf::from)
}

/// hmctl's runtime directory: `/run/hmctl`, or `/var/run/hmctl` on a host
/// without `/run` (CentOS / RHEL 6, SLES 11 have only `/var/run`).
fn runtime_dir(run_exists: bool) -> &'static str {
    if run_exists {
        "/run/hmctl"
    } else {
        "/var/run/hmctl"
    }
}

/// A non-empty environment variable, as text.
fn text_from(value: Option<OsString>) -> Option<String> {
    value
        .map(|value| value.to_string_lossy().into_owned())
        .filter(|value| !value.is_empty())
}

impl Settings {
    /// Resolves the settings from the command line's `arguments` and the
    /// `environment` (`std::env::var_os`, or a test's table).
    pub fn resolve(arguments: Arguments, environment: impl Fn(&str) -> Option<OsString>) -> Self {
        let Arguments {
            config,
            daemon_timeout,
        } = arguments;
        // The environment's value when the command line gave none (a value
        // clap did not check is used only when it is in range).
        let daemon_timeout = daemon_timeout
            .or_else(|| {
                let text = text_from(environment("HMCTL_DAEMON_TIMEOUT"))?;
                let seconds: f64 = text.trim().parse().ok()?;
                let (least, most) = DAEMON_TIMEOUT_RANGE;
                (least..=most)
                    .contains(&seconds)
                    .then(|| Duration::from_secs_f64(seconds))
            })
            .unwrap_or(DEFAULT_DAEMON_TIMEOUT);
        let config = config.or_else(|| {
            environment("HMCTL_CONFIG")
                .filter(|value| !value.is_empty())
                .map(PathBuf::from)
        });
        let runtime = runtime_dir(Path::new("/run").is_dir());
        Settings {
            config,
            lock_file: path_from(
                environment("HMCTL_LOCK_FILE"),
                &format!("{runtime}/hmctl.lock"),
            ),
            state_dir: path_from(environment("HMCTL_STATE_DIR"), "/var/lib/hmctl"),
            cache_dir: path_from(environment("HMCTL_CACHE_DIR"), runtime),
            daemon_timeout,
            daemons: Daemons {
                docker_host: text_from(environment("DOCKER_HOST"))
                    .unwrap_or_else(|| "unix:///var/run/docker.sock".to_string()),
                bus_address: text_from(environment("DBUS_SYSTEM_BUS_ADDRESS")),
                private_socket: path_from(
                    environment("HMCTL_SYSTEMD_PRIVATE_SOCKET"),
                    "/run/systemd/private",
                ),
            },
            compose_profiles: text_from(environment("COMPOSE_PROFILES"))
                .unwrap_or_default()
                .split(',')
                .map(str::trim)
                .filter(|profile| !profile.is_empty())
                .map(String::from)
                .collect(),
            search_path: environment("PATH").unwrap_or_default(),
            no_color: environment("NO_COLOR").is_some_and(|value| !value.is_empty())
                || environment("TERM").is_some_and(|term| term == "dumb"),
            pause_at: if cfg!(feature = "test-hooks") {
                text_from(environment("HMCTL_TEST_PAUSE_AT"))
            } else {
                None
            },
            fail_at: if cfg!(feature = "test-hooks") {
                text_from(environment("HMCTL_TEST_FAIL_AT"))
            } else {
                None
            },
            caller: Caller {
                sudo_user: text_from(environment("SUDO_USER")),
                ssh_connection: text_from(environment("SSH_CONNECTION")),
                ansible: text_from(environment("HMCTL_CALLER"))
                    .is_some_and(|caller| caller == "ansible"),
            },
            journal_socket: path_from(
                environment("HMCTL_JOURNAL_SOCKET"),
                "/run/systemd/journal/socket",
            ),
        }
    }

    /// Resolved from this process's environment, with no arguments (a shell
    /// asking for completions).
    pub fn from_environment() -> Self {
        Settings::resolve(Arguments::default(), |name| std::env::var_os(name))
    }

    /// A test's settings, read from no environment: hmctl's files (lock,
    /// state, caches, the journal's socket) under `dir`, every other field its
    /// default. A test varies any field it needs.
    pub fn for_test(dir: &Path) -> Self {
        Settings {
            lock_file: dir.join("hmctl.lock"),
            state_dir: dir.join("state"),
            cache_dir: dir.join("cache"),
            journal_socket: dir.join("journal.socket"),
            ..Settings::resolve(Arguments::default(), |_| None)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolved(pairs: &[(&str, &str)]) -> Settings {
        Settings::resolve(Arguments::default(), |name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| OsString::from(value))
        })
    }

    #[test]
    fn a_host_without_run_keeps_the_lock_and_caches_in_var_run() {
        assert_eq!(runtime_dir(true), "/run/hmctl");
        assert_eq!(runtime_dir(false), "/var/run/hmctl");
    }

    #[test]
    fn defaults_hold_without_the_environment() {
        let settings = resolved(&[]);
        assert_eq!(settings.lock_file, PathBuf::from("/run/hmctl/hmctl.lock"));
        assert_eq!(settings.state_dir, PathBuf::from("/var/lib/hmctl"));
        assert_eq!(settings.cache_dir, PathBuf::from("/run/hmctl"));
        assert_eq!(settings.daemons.docker_host, "unix:///var/run/docker.sock");
        assert_eq!(settings.daemons.bus_address, None);
        assert_eq!(
            settings.daemons.private_socket,
            PathBuf::from("/run/systemd/private")
        );
        assert!(settings.compose_profiles.is_empty());
        assert_eq!(settings.daemon_timeout, Duration::from_secs(5));
        assert!(!settings.no_color);
        assert_eq!(settings.config, None);
        assert_eq!(settings.pause_at, None);
        assert_eq!(settings.fail_at, None);
        assert_eq!(settings.caller, Caller::default());
        assert_eq!(
            settings.journal_socket,
            PathBuf::from("/run/systemd/journal/socket")
        );
    }

    #[test]
    fn the_caller_comes_from_sudo_ssh_and_the_collection() {
        let settings = resolved(&[
            ("SUDO_USER", "alice"),
            ("SSH_CONNECTION", "10.0.0.5 51234 10.0.0.9 22"),
            ("HMCTL_CALLER", "ansible"),
            ("HMCTL_JOURNAL_SOCKET", "/tmp/journal.sock"),
        ]);
        assert_eq!(settings.caller.sudo_user.as_deref(), Some("alice"));
        assert_eq!(
            settings.caller.ssh_connection.as_deref(),
            Some("10.0.0.5 51234 10.0.0.9 22")
        );
        assert!(settings.caller.ansible);
        assert_eq!(settings.journal_socket, PathBuf::from("/tmp/journal.sock"));
    }

    #[test]
    fn the_environment_overrides_and_empty_means_unset() {
        let settings = resolved(&[
            ("HMCTL_LOCK_FILE", "/tmp/l"),
            ("HMCTL_STATE_DIR", ""),
            ("COMPOSE_PROFILES", "a, b,,"),
            ("NO_COLOR", "1"),
            ("HMCTL_CONFIG", "/etc/other.toml"),
            ("HMCTL_DAEMON_TIMEOUT", "30"),
            (
                "HMCTL_SYSTEMD_PRIVATE_SOCKET",
                "/run/sandbox/systemd/private",
            ),
        ]);
        assert_eq!(settings.lock_file, PathBuf::from("/tmp/l"));
        assert_eq!(settings.state_dir, PathBuf::from("/var/lib/hmctl"));
        assert_eq!(settings.compose_profiles, ["a", "b"]);
        assert!(settings.no_color);
        assert_eq!(settings.config, Some(PathBuf::from("/etc/other.toml")));
        assert_eq!(settings.daemon_timeout, Duration::from_secs(30));
        assert_eq!(
            settings.daemons.private_socket,
            PathBuf::from("/run/sandbox/systemd/private")
        );
    }

    #[test]
    fn the_command_line_wins_over_the_environment() {
        let settings = Settings::resolve(
            Arguments {
                config: Some(PathBuf::from("/a.toml")),
                daemon_timeout: Some(Duration::from_millis(2500)),
            },
            |name| match name {
                "HMCTL_CONFIG" => Some(OsString::from("/b.toml")),
                "HMCTL_DAEMON_TIMEOUT" => Some(OsString::from("30")),
                _ => None,
            },
        );
        assert_eq!(settings.config, Some(PathBuf::from("/a.toml")));
        assert_eq!(settings.daemon_timeout, Duration::from_millis(2500));
    }

    #[test]
    fn a_test_s_settings_keep_hmctl_s_files_in_its_directory() {
        let dir = Path::new("/tmp/a-test");
        let settings = Settings::for_test(dir);
        assert_eq!(settings.lock_file, dir.join("hmctl.lock"));
        assert_eq!(settings.state_dir, dir.join("state"));
        assert_eq!(settings.cache_dir, dir.join("cache"));
        assert_eq!(settings.journal_socket, dir.join("journal.socket"));
        assert_eq!(settings.daemon_timeout, DEFAULT_DAEMON_TIMEOUT);
        assert_eq!(settings.config, None);
    }

    #[test]
    fn a_daemon_timeout_out_of_range_in_the_environment_is_the_default() {
        for text in ["0", "-1", "601", "soon"] {
            let settings = resolved(&[("HMCTL_DAEMON_TIMEOUT", text)]);
            assert_eq!(settings.daemon_timeout, DEFAULT_DAEMON_TIMEOUT, "{text}");
        }
    }
}
