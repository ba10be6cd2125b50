//! Which Compose generation made a project's containers (their
//! `com.docker.compose.version` label), and the installed Compose CLI of that
//! generation. Consoles run either the Python `docker-compose` 1.x or Compose
//! v2 (the `docker compose` plugin or a standalone `docker-compose` 2.x); the
//! two name containers differently and hash configurations differently, so
//! creating with the other one would rename or duplicate containers and see
//! every service as changed.

use super::compose_settings::ComposeSettings;
use crate::backend::error::BackendError;
use crate::model::BackendKind;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::Command;

const DAEMON: BackendKind = BackendKind::Compose;
/// The label Compose writes on every container it creates.
pub const VERSION_LABEL: &str = "com.docker.compose.version";
/// The Python `docker-compose` 1.x takes a second to answer on an idle host,
/// and many on a busy one; creating a container is rare, so waiting is cheap.
const PROBE_TIMEOUT: Duration = Duration::from_secs(30);

/// A generation of Docker Compose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generation {
    /// The Python `docker-compose` 1.x.
    V1,
    /// Compose v2 and later: `docker compose`, or `docker-compose` 2.x.
    V2,
}

impl Generation {
    /// The generation of a Compose version (`1.29.2`, `2.26.1-4`, `v2.20.0`).
    pub fn of_version(version: &str) -> Option<Generation> {
        let major: u32 = version
            .trim()
            .trim_start_matches('v')
            .split('.')
            .next()?
            .parse()
            .ok()?;
        match major {
            0 => None,
            1 => Some(Generation::V1),
            _ => Some(Generation::V2),
        }
    }

    fn install_hint(self) -> &'static str {
        match self {
            Generation::V1 => {
                "install docker-compose 1.x (Debian 12: apt-get install docker-compose)"
            }
            Generation::V2 => {
                "install Compose v2 (the docker-compose-plugin package, or a docker-compose 2.x binary on PATH)"
            }
        }
    }
}

/// An installed Compose CLI: its argument vector prefix and version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cli {
    pub program: Vec<String>,
    pub version: String,
    pub generation: Generation,
}

/// The candidates, in order of preference: `docker compose`, then every
/// `docker-compose` on `path` (PATH's value).
fn candidates(path: &std::ffi::OsStr) -> Vec<Vec<String>> {
    let mut found = vec![vec!["docker".to_string(), "compose".to_string()]];
    let mut seen: Vec<PathBuf> = Vec::new();
    for dir in std::env::split_paths(path) {
        let binary = dir.join("docker-compose");
        if !is_executable(&binary) {
            continue;
        }
        let identity = binary.canonicalize().unwrap_or_else(|_| binary.clone());
        if !seen.contains(&identity) {
            seen.push(identity);
            found.push(vec![binary.display().to_string()]);
        }
    }
    found
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
}

/// What `PROGRAM version --short` told.
enum Probe {
    Answered(Cli),
    /// It did not answer within [`PROBE_TIMEOUT`]: installed, maybe, but unknown.
    TimedOut,
    /// Not there, failed, or no version hmctl knows.
    Absent,
}

/// `PROGRAM version --short`, bounded.
async fn probe(program: &[String]) -> Probe {
    match tokio::time::timeout(PROBE_TIMEOUT, answer(program)).await {
        Err(_) => Probe::TimedOut,
        Ok(Some(cli)) => Probe::Answered(cli),
        Ok(None) => Probe::Absent,
    }
}

/// `PROGRAM version --short`, if it answers.
async fn answer(program: &[String]) -> Option<Cli> {
    let mut command = Command::new(&program[0]);
    command
        .args(&program[1..])
        .args(["version", "--short"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true);
    let output = command.output().await.ok()?;
    if !output.status.success() {
        return None;
    }
    let version = String::from_utf8_lossy(&output.stdout).trim().to_string();
    Some(Cli {
        program: program.to_vec(),
        generation: Generation::of_version(&version)?,
        version,
    })
}

/// The version of Compose that made `project`'s containers, if it has any
/// (and Docker is reached on a unix socket; otherwise nothing is assumed).
async fn made_by(
    project: &str,
    settings: &ComposeSettings,
) -> Result<Option<String>, BackendError> {
    let endpoint = &settings.docker_host;
    let Some(socket) = endpoint.strip_prefix("unix://") else {
        return Ok(None);
    };
    let labels = [format!("{}={project}", super::docker::label::PROJECT)];
    let listed = tokio::time::timeout(
        settings.daemon_timeout,
        super::docker_list::list(Path::new(socket), &labels),
    )
    .await;
    let refused = |detail: String| BackendError::Refused {
        backend: DAEMON,
        action: format!("learn which Compose made project {project}"),
        detail,
    };
    match listed {
        Err(_) => Err(refused(format!(
            "{socket} did not answer within {}",
            crate::backend::error::humanize(settings.daemon_timeout)
        ))),
        Ok(Err(error)) => Err(refused(format!("{socket}: {error:?}"))),
        Ok(Ok(containers)) => Ok(containers
            .into_iter()
            .find_map(|container| container.labels.get(VERSION_LABEL).cloned())),
    }
}

/// No Compose CLI answered for `project`, `silent` (the `first` of them)
/// did not answer in time: nothing is created, and the operator is told which.
fn unanswered(project: &str, first: &str, silent: &[String]) -> BackendError {
    BackendError::NotOnThisHost {
        backend: DAEMON,
        why: format!(
            "cannot create or recreate a container of project {project}: {} did not answer `version --short` within {} s; nothing was changed",
            silent.join(", "),
            PROBE_TIMEOUT.as_secs()
        ),
        hint: format!(
            "the host may be overloaded: check that `{first} version --short` answers, then run the command again"
        ),
    }
}

/// The Compose CLI for `project`: of the generation that made its containers,
/// else (no containers yet) the first installed, `docker compose` first.
pub async fn cli_for(project: &str, settings: &ComposeSettings) -> Result<Cli, BackendError> {
    let wanted = made_by(project, settings).await?;
    let generation = wanted.as_deref().and_then(Generation::of_version);
    let mut installed = Vec::new();
    let mut silent = Vec::new();
    for program in candidates(&settings.search_path) {
        match probe(&program).await {
            Probe::Answered(cli) => {
                if generation.is_none_or(|generation| generation == cli.generation) {
                    return Ok(cli);
                }
                installed.push(format!("{} {}", cli.program.join(" "), cli.version));
            }
            Probe::TimedOut => silent.push(program.join(" ")),
            Probe::Absent => {}
        }
    }
    if let Some(first) = silent.first() {
        return Err(unanswered(project, first, &silent));
    }
    Err(not_installed(project, wanted, generation, &installed))
}

/// No Compose CLI of the `generation` that made `project`'s containers
/// (Compose `wanted`) is installed, only `installed`; or none at all.
fn not_installed(
    project: &str,
    wanted: Option<String>,
    generation: Option<Generation>,
    installed: &[String],
) -> BackendError {
    let (why, hint) = match (wanted, generation) {
        (Some(version), Some(generation)) => (
            format!(
                "cannot create or recreate a container of project {project}: its containers were made by Compose {version}, which is not installed (found: {}); nothing was changed",
                if installed.is_empty() {
                    "none".to_string()
                } else {
                    installed.join(", ")
                },
            ),
            format!(
                "{}; hmctl uses the Compose that made a project's containers, so it never renames or duplicates one",
                generation.install_hint()
            ),
        ),
        _ => (
            format!(
                "cannot create or recreate a container of project {project}: neither `docker compose` nor `docker-compose` is installed; nothing was changed"
            ),
            "install docker-compose-plugin or docker-compose".to_string(),
        ),
    };
    BackendError::NotOnThisHost {
        backend: DAEMON,
        why,
        hint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_map_to_generations() {
        assert_eq!(Generation::of_version("1.29.2"), Some(Generation::V1));
        assert_eq!(Generation::of_version("2.26.1-4"), Some(Generation::V2));
        assert_eq!(Generation::of_version("v2.20.0\n"), Some(Generation::V2));
        assert_eq!(Generation::of_version("5.0.0"), Some(Generation::V2));
        assert_eq!(Generation::of_version("garbage"), None);
        assert_eq!(Generation::of_version(""), None);
    }

    /// Compose CLIs that do not answer (an overloaded host): the words the
    /// operator reads, without a host that slow.
    #[test]
    fn compose_that_does_not_answer_is_told_word_for_word() {
        let silent = [
            "docker compose".to_string(),
            "/usr/bin/docker-compose".to_string(),
        ];
        let failure = unanswered("console", &silent[0], &silent).into_failure();
        assert_eq!(
            (
                failure.exit,
                failure.message.as_str(),
                failure.hint.as_deref()
            ),
            (
                crate::exit::Exit::BackendUnavailable,
                "cannot create or recreate a container of project console: docker compose, /usr/bin/docker-compose did not answer `version --short` within 30 s; nothing was changed",
                Some(
                    "the host may be overloaded: check that `docker compose version --short` answers, then run the command again"
                ),
            )
        );
    }

    /// The Compose that made a project's containers is not installed (or
    /// none is): the words the operator reads, for each generation.
    #[test]
    fn a_compose_not_installed_says_what_to_install_word_for_word() {
        let read = |error: BackendError| {
            let failure = error.into_failure();
            (
                failure.exit,
                failure.message,
                failure.hint.unwrap_or_default(),
            )
        };
        let why = |made_by: &str, found: &str| {
            format!(
                "cannot create or recreate a container of project console: its containers were made by Compose {made_by}, which is not installed (found: {found}); nothing was changed"
            )
        };
        let keeps = "; hmctl uses the Compose that made a project's containers, so it never renames or duplicates one";
        let found = ["docker compose 2.26.1".to_string()];
        assert_eq!(
            read(not_installed(
                "console",
                Some("1.29.2".into()),
                Some(Generation::V1),
                &found
            )),
            (
                crate::exit::Exit::BackendUnavailable,
                why("1.29.2", "docker compose 2.26.1"),
                format!(
                    "install docker-compose 1.x (Debian 12: apt-get install docker-compose){keeps}"
                ),
            )
        );
        assert_eq!(
            read(not_installed(
                "console",
                Some("2.26.1".into()),
                Some(Generation::V2),
                &[]
            )),
            (
                crate::exit::Exit::BackendUnavailable,
                why("2.26.1", "none"),
                format!(
                    "install Compose v2 (the docker-compose-plugin package, or a docker-compose 2.x binary on PATH){keeps}"
                ),
            )
        );
        assert_eq!(
            read(not_installed("console", None, None, &[])),
            (
                crate::exit::Exit::BackendUnavailable,
                "cannot create or recreate a container of project console: neither `docker compose` nor `docker-compose` is installed; nothing was changed".to_string(),
                "install docker-compose-plugin or docker-compose".to_string(),
            )
        );
    }

    #[test]
    fn every_docker_compose_on_path_is_a_candidate_once() {
        let dir = tempfile::tempdir().unwrap();
        let binary = dir.path().join("docker-compose");
        std::fs::write(&binary, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&binary, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let dirs = [dir.path(), dir.path(), Path::new("/nonexistent")];
        let found = candidates(&std::env::join_paths(dirs).unwrap());
        assert_eq!(found[0], ["docker", "compose"]);
        let ours: Vec<_> = found
            .iter()
            .filter(|program| program[0] == binary.display().to_string())
            .collect();
        assert_eq!(ours.len(), 1, "{found:?}");
    }
}
