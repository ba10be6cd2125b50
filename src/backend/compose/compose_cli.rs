//! The Compose CLI, for what only it can do: create a service's container from
//! the YAML (`up -d --no-deps SERVICE`). Called with an argument vector, never
//! through a shell; with the Compose generation that made the project's
//! containers (see `compose_generation`).

use super::compose_generation;
use super::compose_settings::ComposeSettings;
use crate::backend::error::BackendError;
use crate::catalog::validate_name;
use crate::model::BackendKind;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::process::Command;

const DAEMON: BackendKind = BackendKind::Compose;

/// The argument vector for `up -d --no-deps [--force-recreate] SERVICE` of a project.
pub fn up_arguments(project: &str, files: &[PathBuf], service: &str, force: bool) -> Vec<String> {
    let mut arguments = vec!["-p".to_string(), project.to_string()];
    for file in files {
        arguments.push("-f".to_string());
        arguments.push(file.display().to_string());
    }
    arguments.extend(["up", "-d", "--no-deps"].map(String::from));
    if force {
        arguments.push("--force-recreate".to_string());
    }
    arguments.push(service.to_string());
    arguments
}

/// Compose's configuration hash of each service (`config --hash=*`), which
/// Compose writes as a label on the containers it creates.
pub async fn config_hashes(
    project: &str,
    files: &[PathBuf],
    timeout: Duration,
    settings: &ComposeSettings,
) -> Result<std::collections::HashMap<String, String>, BackendError> {
    let refused = |detail: String| BackendError::Refused {
        backend: DAEMON,
        action: "compute the compose configuration hashes".into(),
        detail,
    };
    validate_name(project).map_err(|why| refused(format!("project name {project:?} {why}")))?;
    let program = compose_generation::cli_for(project, settings)
        .await?
        .program;
    let mut command = Command::new(&program[0]);
    command.args(&program[1..]).args(["-p", project]);
    for file in files {
        command.arg("-f").arg(file);
    }
    command
        .args(["config", "--hash=*"])
        .current_dir(
            files
                .first()
                .and_then(|file| file.parent())
                .unwrap_or(Path::new("/")),
        )
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let output = match tokio::time::timeout(timeout, command.output()).await {
        Err(_) => {
            return Err(refused(format!(
                "{} did not finish within {} s",
                program.join(" "),
                timeout.as_secs()
            )));
        }
        Ok(Err(error)) => {
            return Err(refused(format!(
                "cannot run {}: {error}",
                program.join(" ")
            )));
        }
        Ok(Ok(output)) => output,
    };
    if !output.status.success() {
        return Err(refused(
            String::from_utf8_lossy(&output.stderr).trim().to_string(),
        ));
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            Some((words.next()?.to_string(), words.next()?.to_string()))
        })
        .collect())
}

/// The turn of one compose project: two `docker-compose up` of one project
/// at once race inside Compose (1.x lists the project's containers and
/// inspects each; one the other run is replacing is gone: "No such
/// container", seen in a reload that recreated two services), so hmctl runs
/// them one at a time per project; other projects go on side by side.
fn project_turn(project: &str) -> std::sync::Arc<tokio::sync::Mutex<()>> {
    type Turns = std::collections::HashMap<String, std::sync::Arc<tokio::sync::Mutex<()>>>;
    static TURNS: std::sync::OnceLock<std::sync::Mutex<Turns>> = std::sync::OnceLock::new();
    let mut turns = TURNS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    turns.entry(project.to_string()).or_default().clone()
}

/// Creates and starts the container of `service` from `files`; with `force`,
/// recreates it even when it exists (new image, new configuration). One at a
/// time per project ([`project_turn`]).
pub async fn up(
    project: &str,
    files: &[PathBuf],
    service: &str,
    force: bool,
    timeout: Duration,
    settings: &ComposeSettings,
) -> Result<(), BackendError> {
    let refused = |detail: String| BackendError::Refused {
        backend: DAEMON,
        action: format!("create the container of {service}"),
        detail,
    };
    validate_name(service).map_err(|why| refused(format!("service name {service:?} {why}")))?;
    validate_name(project).map_err(|why| refused(format!("project name {project:?} {why}")))?;
    if files.is_empty() {
        return Err(refused("no compose file declares it".into()));
    }
    let program = compose_generation::cli_for(project, settings)
        .await?
        .program;
    let directory = files[0].parent().unwrap_or(Path::new("/"));
    let turn = project_turn(project);
    let _turn = turn.lock().await;
    let mut command = Command::new(&program[0]);
    command
        .args(&program[1..])
        .args(up_arguments(project, files, service, force))
        .current_dir(directory)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    match tokio::time::timeout(timeout, command.output()).await {
        Err(_) => Err(refused(format!(
            "{} did not finish within {} s",
            program.join(" "),
            timeout.as_secs()
        ))),
        Ok(Err(error)) => Err(refused(format!(
            "cannot run {}: {error}",
            program.join(" ")
        ))),
        Ok(Ok(output)) if output.status.success() => Ok(()),
        Ok(Ok(output)) => {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let last: Vec<&str> = stderr
                .lines()
                .filter(|line| !line.trim().is_empty())
                .collect();
            let tail = last[last.len().saturating_sub(3)..].join("; ");
            Err(refused(format!("{} failed: {tail}", program.join(" "))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::Settings;

    #[tokio::test]
    async fn one_up_at_a_time_per_project_and_projects_side_by_side() {
        let first = project_turn("turn-a");
        let held = first.lock().await;
        assert!(
            project_turn("turn-a").try_lock().is_err(),
            "the same project waits"
        );
        assert!(project_turn("turn-b").try_lock().is_ok(), "another goes on");
        drop(held);
        assert!(project_turn("turn-a").try_lock().is_ok());
    }

    #[test]
    fn the_argument_vector_names_exactly_that_service() {
        assert_eq!(
            up_arguments(
                "production",
                &["/opt/a.yml".into(), "/opt/b.yml".into()],
                "porter-api",
                false
            ),
            [
                "-p",
                "production",
                "-f",
                "/opt/a.yml",
                "-f",
                "/opt/b.yml",
                "up",
                "-d",
                "--no-deps",
                "porter-api"
            ]
        );
    }

    #[tokio::test]
    async fn a_hostile_service_name_never_reaches_the_cli() {
        let error = up(
            "p",
            &["/nonexistent.yml".into()],
            "porter-api;reboot",
            false,
            Duration::from_secs(1),
            &ComposeSettings::from(&Settings::for_test(Path::new("/nonexistent"))),
        )
        .await
        .unwrap_err();
        assert!(error.to_string().contains("only letters"), "{error}");
    }
}
