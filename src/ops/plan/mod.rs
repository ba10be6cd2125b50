//! The plan of a start / stop / restart: which service gets which action,
//! after which others, and how long it must stay up to be done. Built from a
//! snapshot before anything changes, printed by `--dry-run`, executed by
//! `ops::execute` otherwise.

use super::order::Graph;
use super::snapshot::Snapshot;
use crate::backend::GroupDefinition;
use crate::catalog::{Catalog, Group};
use crate::exit::Failure;
use crate::model::{Action, ServiceStatus, State, Step, Verb};
use serde::Serialize;
use std::time::Duration;

/// The whole plan.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub verb: Verb,
    /// Every step, what is needed before what needs it (for a stop, the
    /// reverse); each step waits only for the steps its `after` names.
    pub steps: Vec<Step>,
}

impl Plan {
    /// Whether executing the plan would change anything.
    #[cfg(test)]
    pub fn changes_anything(&self) -> bool {
        self.steps.iter().any(|step| step.action.changes())
    }
}

/// How the operator wants a plan paced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pace {
    /// `--timeout`; for a stop, the grace before the kill.
    pub timeout: Option<Duration>,
    /// `--settle`: every service's settle window, over `hmctl.toml`'s.
    pub settle: Option<Duration>,
    /// Whether steps wait for their service to be up (not `--no-wait`).
    pub wait: bool,
}

impl Default for Pace {
    fn default() -> Self {
        Pace {
            timeout: None,
            settle: None,
            wait: true,
        }
    }
}

impl Pace {
    /// The pace `--timeout SECS`, `--settle SECS` and `--no-wait` ask for.
    pub fn from_arguments(timeout: Option<u64>, settle: Option<f64>, no_wait: bool) -> Pace {
        Pace {
            timeout: timeout.map(Duration::from_secs),
            settle: settle.map(Duration::from_secs_f64),
            wait: !no_wait,
        }
    }
}

/// How long a service that came up must stay up before hmctl calls it done,
/// unless `hmctl.toml` or `--settle` says otherwise: long enough to see a
/// program that dies on its configuration a moment after it starts.
pub const DEFAULT_SETTLE: Duration = Duration::from_secs(2);

/// The default stop grace, as Docker's and Compose's.
pub const DEFAULT_STOP_GRACE: Duration = Duration::from_secs(10);

/// The action a start / stop / restart takes on a service in its current state.
pub fn action_for(verb: Verb, service: &ServiceStatus) -> Action {
    let exists = !matches!(service.state, State::Missing);
    let creatable = service.backend().creates_missing();
    match (verb, service.state) {
        (_, State::Missing) if verb != Verb::Stop && !creatable => Action::Impossible,
        (Verb::Stop, State::Running | State::Starting | State::Restarting) => Action::Stop,
        (Verb::Stop, _) => Action::Skip,
        (_, State::Missing) => Action::Create,
        (Verb::Restart, _) if exists => Action::Restart,
        (Verb::Start, State::Running) if service.ok => Action::Skip,
        (Verb::Start, State::Running | State::Starting) => Action::Wait,
        (Verb::Start | Verb::Reload, State::Restarting) => Action::Restart,
        _ => Action::Start,
    }
}

/// The dependency graph of one group: compose `depends_on`, `[service.X]
/// depends_on`, and — for a service that declares neither — the catalog's
/// first services (middleware). A declaration is trusted: porter-api, which
/// names mysql, rabbitmq and redis, does not also wait for influxdb.
pub fn group_graph(
    catalog: &Catalog,
    group: &Group,
    definition: Option<&GroupDefinition>,
    services: &[&ServiceStatus],
) -> Graph {
    let mut graph = Graph::default();
    let names: Vec<&str> = services
        .iter()
        .map(|service| service.name.as_str())
        .collect();
    for name in &names {
        graph.add_service(name);
    }
    for (service, dependency) in definition
        .into_iter()
        .flat_map(GroupDefinition::dependencies)
    {
        if names.contains(&dependency) && names.contains(&service) {
            graph.add_edge(service, dependency);
        }
    }
    let first: Vec<&str> = group
        .first_services
        .iter()
        .map(String::as_str)
        .filter(|name| names.contains(name))
        .collect();
    for name in &names {
        let configured = catalog
            .settings(name)
            .map(|settings| settings.depends_on.as_slice())
            .unwrap_or_default();
        for dependency in configured {
            if names.contains(&dependency.as_str()) {
                graph.add_edge(name, dependency);
            }
        }
        let declared = definition.is_some_and(|definition| definition.declares_dependencies(name));
        if !first.contains(name) && configured.is_empty() && !declared {
            for middleware in &first {
                graph.add_edge(name, middleware);
            }
        }
    }
    graph
}

/// Builds the plan for `selected` (indices into the snapshot's services).
pub fn build(
    verb: Verb,
    catalog: &Catalog,
    snapshot: &Snapshot,
    selected: &[usize],
    pace: Pace,
) -> Result<Plan, Failure> {
    build_with(verb, catalog, snapshot, selected, pace, &|service| {
        (action_for(verb, service), service.detail.clone())
    })
}

/// Builds a plan whose action (and the words for why) `choose` decides per service.
pub fn build_with(
    verb: Verb,
    catalog: &Catalog,
    snapshot: &Snapshot,
    selected: &[usize],
    pace: Pace,
    choose: &dyn Fn(&ServiceStatus) -> (Action, String),
) -> Result<Plan, Failure> {
    let mut steps = Vec::new();
    for group in &snapshot.groups {
        let members: Vec<&ServiceStatus> = snapshot
            .services
            .iter()
            .filter(|service| service.group == group.name)
            .collect();
        let chosen: Vec<String> = selected
            .iter()
            .map(|index| &snapshot.services[*index])
            .filter(|service| service.group == group.name)
            .map(|service| service.name.clone())
            .collect();
        if chosen.is_empty() {
            continue;
        }
        let definition = snapshot.definitions.get(&group.name);
        let graph = group_graph(catalog, group, definition, &members);
        let mut levels = graph.levels(&chosen).map_err(|cycle| {
            Failure::usage(format!(
                "the services of group {} depend on each other in a cycle: {}",
                group.name,
                cycle.join(" -> ")
            ))
            .with_hint(
                "fix depends_on in the compose file or [service.NAME] depends_on in hmctl.toml",
            )
        })?;
        let prerequisites = graph.prerequisites(&chosen);
        if verb == Verb::Stop {
            levels.reverse();
        }
        for name in levels.into_iter().flatten() {
            let Some(service) = members.iter().find(|service| service.name == name) else {
                continue;
            };
            let (action, now) = choose(service);
            let after = match verb {
                Verb::Stop => chosen
                    .iter()
                    .filter(|other| prerequisites[*other].contains(&name))
                    .cloned()
                    .collect(),
                _ => prerequisites[&name].clone(),
            };
            steps.push(Step {
                group: group.name.clone(),
                action,
                now,
                after,
                settle: (pace.wait && action.brings_up())
                    .then(|| settle_window(catalog, &name, pace)),
                handle: service.handle.clone(),
                stop_grace: stop_grace(verb, catalog, &name, definition, pace),
                compose_files: definition
                    .map(|definition| definition.files().to_vec())
                    .unwrap_or_default(),
                service: name,
            });
        }
    }
    Ok(Plan { verb, steps })
}

/// A service's settle window: `--settle`, else its `settle` in `hmctl.toml`,
/// else the default.
fn settle_window(catalog: &Catalog, name: &str, pace: Pace) -> Duration {
    pace.settle
        .or_else(|| catalog.settings(name).and_then(|settings| settings.settle))
        .unwrap_or(DEFAULT_SETTLE)
}

/// How long a stop of a service may take before it is killed: a stop's
/// `--timeout`, else `stop_timeout` in `hmctl.toml`, else compose's
/// `stop_grace_period`, else the default.
fn stop_grace(
    verb: Verb,
    catalog: &Catalog,
    name: &str,
    definition: Option<&GroupDefinition>,
    pace: Pace,
) -> Duration {
    match (verb, pace.timeout) {
        (Verb::Stop, Some(timeout)) => timeout,
        _ => catalog
            .settings(name)
            .and_then(|settings| settings.stop_timeout)
            .map(Duration::from_secs)
            .or(definition.and_then(|definition| definition.stop_grace(name)))
            .unwrap_or(DEFAULT_STOP_GRACE),
    }
}

#[cfg(test)]
mod tests;
