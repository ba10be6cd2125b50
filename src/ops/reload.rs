//! `hmctl reload [TARGET...]` — run "only after updating the base image" (the
//! O&M guide): recreate exactly the containers whose image tag now names
//! another image than the one they run, or whose compose configuration hash
//! changed, in dependency order, each waited for until healthy.

use super::execute::Progress;
use super::interrupt::Interrupt;
use super::lifecycle::{Report, carry_out, lock_unless_dry_run};
use super::plan::{self, Action, Verb};
use super::snapshot::{self, BACKEND_DEADLINE, Snapshot};
use crate::backend::compose_cli;
use crate::backend::docker::{DockerClient, label};
use crate::backend::{Handle, ServiceStatus};
use crate::catalog::{BackendKind, Catalog, resolve};
use crate::exit::{Exit, Failure};
use std::collections::HashMap;
use std::time::Duration;

const LOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// Why a container is out of date, or that it is current.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Outdated(String),
    Current(String),
}

/// What `reload` needs to know.
#[derive(Debug, Clone)]
pub struct Request {
    pub targets: Vec<String>,
    pub timeout: Option<Duration>,
    pub wait: bool,
    pub dry_run: bool,
}

fn short_id(id: &str) -> &str {
    let id = id.strip_prefix("sha256:").unwrap_or(id);
    &id[..id.len().min(12)]
}

/// Compares one service's container with its image tag and compose hash.
async fn verdict(
    docker: &DockerClient,
    service: &ServiceStatus,
    hashes: &HashMap<String, String>,
) -> Result<Verdict, Failure> {
    let Handle::Container { id: Some(id), .. } = &service.handle else {
        return Ok(Verdict::Current(
            "no container (use `hmctl start` to create it)".into(),
        ));
    };
    let inspect = docker
        .inspect(id, LOOK_TIMEOUT)
        .await
        .map_err(|error| error.into_failure())?;
    let config = inspect.config.unwrap_or_default();
    let tag = config.image.unwrap_or_default();
    let running = inspect.image.unwrap_or_default();
    if let Some(now) = docker
        .image_id(&tag, LOOK_TIMEOUT)
        .await
        .map_err(|error| error.into_failure())?
        && now != running
    {
        return Ok(Verdict::Outdated(format!(
            "{tag} is now {} (the container runs {})",
            short_id(&now),
            short_id(&running)
        )));
    }
    let label_hash = config
        .labels
        .unwrap_or_default()
        .get(label::CONFIG_HASH)
        .cloned();
    if let (Some(wanted), Some(has)) = (hashes.get(&service.name), label_hash)
        && *wanted != has
    {
        return Ok(Verdict::Outdated(
            "its compose configuration changed".into(),
        ));
    }
    Ok(Verdict::Current(format!(
        "current ({tag} {})",
        short_id(&running)
    )))
}

/// The verdict of every selected compose service.
async fn verdicts(
    snapshot: &Snapshot,
    selected: &[usize],
    docker: &DockerClient,
) -> Result<HashMap<String, Verdict>, Failure> {
    let mut hashes: HashMap<String, HashMap<String, String>> = HashMap::new();
    for (group, project) in &snapshot.projects {
        let name = snapshot
            .groups
            .iter()
            .find(|candidate| &candidate.name == group)
            .and_then(|group| group.project.clone());
        if let Some(name) = name {
            // Without the hashes, images alone decide.
            let found = compose_cli::config_hashes(&name, &project.files, Duration::from_secs(60))
                .await
                .unwrap_or_default();
            hashes.insert(group.clone(), found);
        }
    }
    let mut verdicts = HashMap::new();
    for index in selected {
        let service = &snapshot.services[*index];
        if service.backend != BackendKind::Compose {
            continue;
        }
        let empty = HashMap::new();
        let group_hashes = hashes.get(&service.group).unwrap_or(&empty);
        verdicts.insert(
            format!("{}/{}", service.group, service.name),
            verdict(docker, service, group_hashes).await?,
        );
    }
    Ok(verdicts)
}

/// Runs `reload`.
pub async fn run(
    catalog: &Catalog,
    request: &Request,
    progress: &dyn Progress,
    interrupt: &Interrupt,
) -> Result<Report, Failure> {
    let _lock = lock_unless_dry_run(request.dry_run)?;
    let (snapshot, clients) = snapshot::take(catalog, None, BACKEND_DEADLINE).await?;
    let selected = resolve(&request.targets, &snapshot.services, catalog)?;
    snapshot.refuse_if_unavailable(&selected)?;
    let docker = clients.docker.clone().and_then(Result::ok).ok_or_else(|| {
        Failure::usage("no compose group is present on this host: nothing to reload")
    })?;
    let verdicts = verdicts(&snapshot, &selected, &docker).await?;
    let choose = |service: &ServiceStatus| match verdicts
        .get(&format!("{}/{}", service.group, service.name))
    {
        Some(Verdict::Outdated(why)) => (Action::Recreate, why.clone()),
        Some(Verdict::Current(why)) => (Action::Skip, why.clone()),
        None => (Action::Skip, "not a container".to_string()),
    };
    let plan = plan::build_with(
        Verb::Reload,
        catalog,
        &snapshot,
        &selected,
        request.timeout,
        &choose,
    )?;
    if request.dry_run {
        return Ok(Report {
            plan,
            results: None,
            interrupted: false,
            exit: Exit::Success,
        });
    }
    let lifecycle = super::lifecycle::Request {
        verb: Verb::Reload,
        targets: request.targets.clone(),
        timeout: request.timeout,
        wait: request.wait,
        dry_run: false,
    };
    Ok(carry_out(plan, clients, &lifecycle, interrupt, progress).await)
}
