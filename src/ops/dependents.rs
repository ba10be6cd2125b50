//! Who needs what a command takes down or brings up: the running services
//! outside a selection that need a service being stopped (ok-to-stop: a stop
//! that would leave them without it is refused unless the operator says how
//! on), and the stopped services that need a service being started (named
//! after a start, so none is left down unnoticed). Read from the planner's own
//! dependency graph, so the verdict and the plan's order always agree.

use super::plan::group_graph;
use super::snapshot::{self, Snapshot};
use crate::backend::Backends;
use crate::catalog::Catalog;
use crate::exit::Failure;
use crate::model::{ServiceStatus, State};
use crate::settings::Settings;
use serde::Serialize;

/// A service outside the selection that needs one the command acts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Dependent {
    pub service: String,
    pub group: String,
    /// What it needs among the services acted on (or among the dependents
    /// found before it): `porter-api needs mysql`.
    pub needs: Vec<String>,
}

impl Dependent {
    /// `porter-api needs mysql`, `owl-api needs mysql, redis`.
    pub fn sentence(&self) -> String {
        format!("{} needs {}", self.service, self.needs.join(", "))
    }
}

/// What a stop would break: the selected services that are up now, and the
/// running services outside the selection that need them (directly, or
/// through another such service), in the order found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub stopping: Vec<String>,
    pub dependents: Vec<Dependent>,
}

impl Verdict {
    pub fn is_safe(&self) -> bool {
        self.dependents.is_empty()
    }
}

/// What a stop does about running services that need what it stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DependentsPolicy {
    /// Refuse the stop, naming them (the default).
    #[default]
    Refuse,
    /// Stop them too, dependents first (`--with-dependents`).
    StopToo,
    /// Stop only what was asked (`--force`).
    Ignore,
}

impl DependentsPolicy {
    /// The policy `--with-dependents` and `--force` ask for
    /// (`--with-dependents` wins).
    pub fn from_arguments(with_dependents: bool, force: bool) -> DependentsPolicy {
        match (with_dependents, force) {
            (true, _) => DependentsPolicy::StopToo,
            (false, true) => DependentsPolicy::Ignore,
            (false, false) => DependentsPolicy::Refuse,
        }
    }
}

/// Whether the snapshot says the service is up now (a crash-looping
/// container counts: Docker brings it back at once).
fn is_up(service: &ServiceStatus) -> bool {
    matches!(
        service.state,
        State::Running | State::Starting | State::Restarting
    )
}

/// The services outside `selected` that `candidate` admits and that need one
/// of `seed` — or, in turn, one of those found — group by group.
fn closure(
    catalog: &Catalog,
    snapshot: &Snapshot,
    selected: &[usize],
    seed: &dyn Fn(&ServiceStatus) -> bool,
    candidate: &dyn Fn(&ServiceStatus) -> bool,
) -> Vec<Dependent> {
    let mut found = Vec::new();
    for group in &snapshot.groups {
        let members: Vec<(usize, &ServiceStatus)> = snapshot
            .services
            .iter()
            .enumerate()
            .filter(|(_, service)| service.group == group.name)
            .collect();
        let mut reached: Vec<&str> = members
            .iter()
            .filter(|(index, service)| selected.contains(index) && seed(service))
            .map(|(_, service)| service.name.as_str())
            .collect();
        if reached.is_empty() {
            continue;
        }
        let everyone: Vec<&ServiceStatus> = members.iter().map(|(_, service)| *service).collect();
        let graph = group_graph(
            catalog,
            group,
            snapshot.definitions.get(&group.name),
            &everyone,
        );
        loop {
            let before = reached.len();
            for (index, service) in &members {
                if selected.contains(index)
                    || reached.contains(&service.name.as_str())
                    || !candidate(service)
                {
                    continue;
                }
                let needs: Vec<String> = graph
                    .needs(&service.name)
                    .iter()
                    .filter(|dependency| reached.contains(&dependency.as_str()))
                    .cloned()
                    .collect();
                if !needs.is_empty() {
                    reached.push(&service.name);
                    found.push(Dependent {
                        service: service.name.clone(),
                        group: group.name.clone(),
                        needs,
                    });
                }
            }
            if reached.len() == before {
                break;
            }
        }
    }
    found
}

/// Whether stopping `selected` would leave a running service without
/// something it needs.
pub fn verdict(catalog: &Catalog, snapshot: &Snapshot, selected: &[usize]) -> Verdict {
    Verdict {
        stopping: selected
            .iter()
            .map(|index| &snapshot.services[*index])
            .filter(|service| is_up(service))
            .map(|service| service.name.clone())
            .collect(),
        dependents: closure(catalog, snapshot, selected, &is_up, &is_up),
    }
}

/// The stopped services outside `selected` that need one of them (or one of
/// each other): a start brings up the dependencies, these stay down.
pub fn left_down(catalog: &Catalog, snapshot: &Snapshot, selected: &[usize]) -> Vec<Dependent> {
    let stopped = |service: &ServiceStatus| {
        matches!(
            service.state,
            State::Stopped | State::Exited | State::Failed
        )
    };
    closure(catalog, snapshot, selected, &|_| true, &stopped)
}

/// The selection with the dependents of the verdict added.
pub fn with_dependents(snapshot: &Snapshot, selected: &[usize], verdict: &Verdict) -> Vec<usize> {
    let mut all = selected.to_vec();
    all.extend(
        snapshot
            .services
            .iter()
            .enumerate()
            .filter(|(_, service)| {
                verdict.dependents.iter().any(|dependent| {
                    dependent.service == service.name && dependent.group == service.group
                })
            })
            .map(|(index, _)| index),
    );
    all
}

/// The services, as one phrase: `porter-api needs mysql; owl-api needs mysql`.
pub fn sentences(dependents: &[Dependent]) -> String {
    dependents
        .iter()
        .map(Dependent::sentence)
        .collect::<Vec<_>>()
        .join("; ")
}

/// `hmctl stop --with-dependents mysql` and `--force`: the two ways on from a
/// refused stop, with the start that brings everything back in order.
pub fn ways_on(targets: &[String], verdict: &Verdict) -> String {
    let targets = targets.join(" ");
    let again: Vec<&str> = verdict
        .stopping
        .iter()
        .map(String::as_str)
        .chain(
            verdict
                .dependents
                .iter()
                .map(|dependent| dependent.service.as_str()),
        )
        .collect();
    format!(
        "stop them too, dependents first, with `hmctl stop --with-dependents {targets}` \
         (`hmctl start {}` brings them back in order), or only what was asked with \
         `hmctl stop --force {targets}`",
        again.join(" ")
    )
}

/// The refusal of a stop that would break the verdict's dependents (exit 2).
pub fn refusal(targets: &[String], verdict: &Verdict) -> Failure {
    let pronoun = if verdict.stopping.len() == 1 {
        "it"
    } else {
        "them"
    };
    Failure::usage(format!(
        "not stopping {}: running services need {pronoun} ({}); nothing was changed",
        verdict.stopping.join(", "),
        sentences(&verdict.dependents)
    ))
    .with_hint(ways_on(targets, verdict))
}

/// `hmctl ok-to-stop TARGET...`: the verdict a stop of them would get, from
/// one look at the host; changes nothing and takes no lock.
pub async fn check(
    catalog: &Catalog,
    settings: &Settings,
    targets: &[String],
    backends: &Backends,
) -> Result<Verdict, Failure> {
    let (snapshot, _backends) = snapshot::take(catalog, settings, backends).await?;
    let selected = snapshot.resolve(targets, catalog)?;
    snapshot.refuse_if_unavailable(&selected)?;
    Ok(verdict(catalog, &snapshot, &selected))
}

#[cfg(test)]
mod tests;
