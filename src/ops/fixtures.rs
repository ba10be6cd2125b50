//! Recorded snapshots for the planner's and the verdict's unit tests: a
//! service in a given state, a compose service with its `depends_on`, a
//! console project; built the same way for every test that plans.

use super::snapshot::Snapshot;
use crate::catalog::Group;
use crate::compose_file::{ComposeProject, ComposeService};
use crate::model::{BackendKind, Handle, HandleKind, Health, Observation, ServiceStatus, State};
use std::collections::BTreeMap;
use std::time::Duration;

pub fn service(
    name: &str,
    group: &str,
    backend: BackendKind,
    state: State,
    health: Health,
) -> ServiceStatus {
    let handle = match HandleKind::by_name(backend) {
        Some(kind) => Handle::new(kind, name),
        None => Handle::compose("test", name, Some(name.into())),
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

/// A compose service (stop grace 3 s) that needs `depends_on`.
pub fn compose_service(name: &str, depends_on: &[&str]) -> ComposeService {
    ComposeService {
        name: name.into(),
        depends_on: depends_on.iter().map(ToString::to_string).collect(),
        has_healthcheck: false,
        profiles: vec![],
        stop_grace_period: Some(Duration::from_secs(3)),
    }
}

/// A snapshot of `services`, the console's compose file declaring `declared`.
pub fn snapshot(
    services: Vec<ServiceStatus>,
    declared: Vec<ComposeService>,
    groups: Vec<Group>,
) -> Snapshot {
    let project = ComposeProject {
        files: vec!["/opt/installer/production/docker-compose-hyperbdr.yml".into()],
        services: declared,
    };
    Snapshot {
        services,
        errors: vec![],
        definitions: BTreeMap::from([("console".to_string(), project.into())]),
        unread: vec![],
        groups,
    }
}
