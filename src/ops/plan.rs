//! The plan of a start / stop / restart: which service gets which action, in
//! which wave. Built from a snapshot before anything changes, printed by
//! `--dry-run`, executed wave by wave otherwise.

use super::order::Graph;
use super::snapshot::Snapshot;
use crate::catalog::{Catalog, Group};
use crate::compose::ComposeProject;
use crate::exit::Failure;
use crate::model::{Action, ServiceStatus, State, Step, Verb};
use serde::Serialize;
use std::time::Duration;

/// The whole plan.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub verb: Verb,
    /// Services in one wave are handled concurrently; a wave starts when the
    /// one before it is done.
    pub waves: Vec<Vec<Step>>,
}

impl Plan {
    pub fn steps(&self) -> impl Iterator<Item = &Step> {
        self.waves.iter().flatten()
    }

    /// Whether executing the plan would change anything.
    #[cfg(test)]
    pub fn changes_anything(&self) -> bool {
        self.steps().any(|step| step.action.changes())
    }
}

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

/// The dependency graph of one group: compose `depends_on` (and implicit
/// edges), the catalog's first services (middleware), `[service.X] depends_on`.
fn group_graph(
    catalog: &Catalog,
    group: &Group,
    project: Option<&ComposeProject>,
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
    if let Some(project) = project {
        for service in &project.services {
            for dependency in &service.depends_on {
                if names.contains(&dependency.as_str()) && names.contains(&service.name.as_str()) {
                    graph.add_edge(&service.name, dependency);
                }
            }
        }
    }
    let first: Vec<&str> = group
        .first_services
        .iter()
        .map(String::as_str)
        .filter(|name| names.contains(name))
        .collect();
    for name in &names {
        if !first.contains(name) {
            for middleware in &first {
                graph.add_edge(name, middleware);
            }
        }
        if let Some(settings) = catalog.settings(name) {
            for dependency in &settings.depends_on {
                if names.contains(&dependency.as_str()) {
                    graph.add_edge(name, dependency);
                }
            }
        }
    }
    graph
}

/// Builds the plan for `selected` (indices into the snapshot's services).
/// `timeout` is the operator's `--timeout`, which for a stop is the grace.
pub fn build(
    verb: Verb,
    catalog: &Catalog,
    snapshot: &Snapshot,
    selected: &[usize],
    timeout: Option<Duration>,
) -> Result<Plan, Failure> {
    build_with(verb, catalog, snapshot, selected, timeout, &|service| {
        (action_for(verb, service), service.detail.clone())
    })
}

/// Builds a plan whose action (and the words for why) `choose` decides per service.
pub fn build_with(
    verb: Verb,
    catalog: &Catalog,
    snapshot: &Snapshot,
    selected: &[usize],
    timeout: Option<Duration>,
    choose: &dyn Fn(&ServiceStatus) -> (Action, String),
) -> Result<Plan, Failure> {
    let mut waves: Vec<Vec<Step>> = Vec::new();
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
        let project = snapshot.projects.get(&group.name);
        let graph = group_graph(catalog, group, project, &members);
        let group_waves = graph.waves(&chosen).map_err(|cycle| {
            Failure::usage(format!(
                "the services of group {} depend on each other in a cycle: {}",
                group.name,
                cycle.join(" -> ")
            ))
            .with_hint(
                "fix depends_on in the compose file or [service.NAME] depends_on in hmctl.toml",
            )
        })?;
        for (level, names) in group_waves.into_iter().enumerate() {
            if waves.len() <= level {
                waves.push(Vec::new());
            }
            for name in names {
                let Some(service) = members.iter().find(|service| service.name == name) else {
                    continue;
                };
                let compose_service = project.and_then(|project| project.service(&name));
                let stop_grace = match verb {
                    Verb::Stop if timeout.is_some() => timeout.unwrap_or(DEFAULT_STOP_GRACE),
                    _ => catalog
                        .settings(&name)
                        .and_then(|settings| settings.stop_timeout)
                        .map(Duration::from_secs)
                        .or(compose_service.and_then(|service| service.stop_grace_period))
                        .unwrap_or(DEFAULT_STOP_GRACE),
                };
                let (action, now) = choose(service);
                waves[level].push(Step {
                    service: name.clone(),
                    group: group.name.clone(),
                    backend: service.backend(),
                    action,
                    now,
                    handle: service.handle.clone(),
                    stop_grace,
                    compose_files: project
                        .map(|project| project.files.clone())
                        .unwrap_or_default(),
                });
            }
        }
    }
    if verb == Verb::Stop {
        waves.reverse();
    }
    waves.retain(|wave| !wave.is_empty());
    Ok(Plan { verb, waves })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compose::ComposeService;
    use crate::model::{BackendKind, Handle, Health, Observation};
    use std::collections::BTreeMap;

    fn service(
        name: &str,
        group: &str,
        backend: BackendKind,
        state: State,
        health: Health,
    ) -> ServiceStatus {
        let handle = match backend {
            BackendKind::Compose => Handle::Container {
                project: "test".into(),
                service: name.into(),
                id: Some(name.into()),
            },
            BackendKind::Systemd => Handle::Unit { name: name.into() },
        };
        ServiceStatus::new(
            name,
            group,
            handle,
            Observation {
                state,
                health,
                ..Observation::missing(format!("{} now", state.as_str()))
            },
        )
    }

    fn compose_service(name: &str, depends_on: &[&str]) -> ComposeService {
        ComposeService {
            name: name.into(),
            depends_on: depends_on.iter().map(ToString::to_string).collect(),
            has_healthcheck: false,
            profiles: vec![],
            stop_grace_period: Some(Duration::from_secs(3)),
        }
    }

    /// A console (mysql, porter-api needing it, porter-migration needing
    /// porter-api, owl-api on its own) and a gateway (s3block, watchman).
    fn snapshot() -> (Catalog, Snapshot) {
        let catalog = Catalog::builtin();
        let mut console = catalog.group("console").unwrap().clone();
        console.first_services = vec!["mysql".into()];
        let gateway = catalog.group("gateway").unwrap().clone();
        let compose = BackendKind::Compose;
        let services = vec![
            service("mysql", "console", compose, State::Running, Health::Healthy),
            service(
                "porter-api",
                "console",
                compose,
                State::Exited,
                Health::None,
            ),
            service(
                "porter-migration",
                "console",
                compose,
                State::Missing,
                Health::None,
            ),
            service(
                "owl-api",
                "console",
                compose,
                State::Running,
                Health::Starting,
            ),
            service(
                "s3block",
                "gateway",
                BackendKind::Systemd,
                State::Running,
                Health::None,
            ),
            service(
                "watchman",
                "gateway",
                BackendKind::Systemd,
                State::Failed,
                Health::None,
            ),
            service(
                "hyper_exporter",
                "gateway",
                BackendKind::Systemd,
                State::Missing,
                Health::None,
            ),
        ];
        let project = ComposeProject {
            files: vec!["/opt/installer/production/docker-compose-hyperbdr.yml".into()],
            services: vec![
                compose_service("mysql", &[]),
                compose_service("porter-api", &[]),
                compose_service("porter-migration", &["porter-api"]),
                compose_service("owl-api", &[]),
            ],
        };
        let snapshot = Snapshot {
            services,
            errors: vec![],
            projects: BTreeMap::from([("console".to_string(), project)]),
            groups: vec![console, gateway],
        };
        (catalog, snapshot)
    }

    fn summary(plan: &Plan) -> Vec<Vec<String>> {
        plan.waves
            .iter()
            .map(|wave| {
                wave.iter()
                    .map(|step| format!("{}:{}", step.service, step.action.as_str()))
                    .collect()
            })
            .collect()
    }

    #[test]
    fn start_everything_brings_dependencies_up_first() {
        let (catalog, snapshot) = snapshot();
        let all: Vec<usize> = (0..snapshot.services.len()).collect();
        let plan = build(Verb::Start, &catalog, &snapshot, &all, None).unwrap();
        assert_eq!(
            summary(&plan),
            vec![
                vec!["mysql:skip", "s3block:skip", "hyper_exporter:cannot"],
                vec!["porter-api:start", "owl-api:wait", "watchman:start"],
                vec!["porter-migration:create"],
            ]
        );
        assert!(plan.changes_anything());
    }

    #[test]
    fn stop_goes_in_reverse() {
        let (catalog, snapshot) = snapshot();
        let all: Vec<usize> = (0..snapshot.services.len()).collect();
        let plan = build(
            Verb::Stop,
            &catalog,
            &snapshot,
            &all,
            Some(Duration::from_secs(1)),
        )
        .unwrap();
        assert_eq!(
            summary(&plan),
            vec![
                vec!["porter-migration:skip"],
                vec!["porter-api:skip", "owl-api:stop", "watchman:skip"],
                vec!["mysql:stop", "s3block:stop", "hyper_exporter:skip"],
            ]
        );
        assert!(
            plan.steps()
                .all(|step| step.stop_grace == Duration::from_secs(1))
        );
    }

    #[test]
    fn restart_of_one_service_touches_only_it() {
        let (catalog, snapshot) = snapshot();
        let plan = build(Verb::Restart, &catalog, &snapshot, &[1], None).unwrap();
        assert_eq!(summary(&plan), vec![vec!["porter-api:restart"]]);
        assert_eq!(
            plan.waves[0][0].stop_grace,
            Duration::from_secs(3),
            "compose stop_grace_period"
        );
    }

    #[test]
    fn config_dependencies_order_units() {
        let (catalog, snapshot) = snapshot();
        let plan = build(Verb::Restart, &catalog, &snapshot, &[4, 5], None).unwrap();
        assert_eq!(
            summary(&plan),
            vec![vec!["s3block:restart"], vec!["watchman:restart"]]
        );
    }

    #[test]
    fn a_dependency_cycle_is_a_usage_error_naming_it() {
        let (catalog, mut snapshot) = snapshot();
        let project = snapshot.projects.get_mut("console").unwrap();
        project.services[1].depends_on = vec!["porter-migration".into()];
        let failure = build(Verb::Start, &catalog, &snapshot, &[1, 2], None).unwrap_err();
        assert_eq!(failure.exit, crate::exit::Exit::Usage);
        assert!(
            failure.message.contains("porter-api") && failure.message.contains("porter-migration"),
            "{}",
            failure.message
        );
    }
}
