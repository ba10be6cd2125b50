//! `hmctl list`: every service hmctl knows, with its group, backend, log files
//! and whether it is present on this host. It reads the compose files and asks
//! systemd whether units exist, but never needs Docker.

use super::snapshot::BACKEND_DEADLINE;
use crate::backend::State;
use crate::backend::systemd::SystemdClient;
use crate::backend::systemd_state::observe_unit;
use crate::catalog::{BackendKind, Catalog, Group, log_sources, service_name_of_unit};
use crate::compose::read_project;
use crate::exit::Failure;
use serde::Serialize;
use std::time::Duration;

/// One known service.
#[derive(Debug, Clone, Serialize)]
pub struct ListedService {
    pub name: String,
    pub group: String,
    pub backend: BackendKind,
    /// `null` when systemd could not be asked.
    pub present: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    pub logs: Vec<String>,
}

/// One group of the catalog.
#[derive(Debug, Clone, Serialize)]
pub struct ListedGroup {
    pub name: String,
    pub backend: BackendKind,
    pub present: bool,
    pub rule: String,
}

#[derive(Debug, Serialize)]
pub struct Listing {
    pub schema: u32,
    pub groups: Vec<ListedGroup>,
    pub services: Vec<ListedService>,
}

fn listed(
    catalog: &Catalog,
    group: &Group,
    name: &str,
    present: Option<bool>,
    unit: Option<String>,
) -> ListedService {
    ListedService {
        name: name.to_string(),
        group: group.name.clone(),
        backend: group.backend,
        present,
        unit,
        logs: log_sources(catalog, group, name)
            .iter()
            .map(ToString::to_string)
            .collect(),
    }
}

fn compose_services(catalog: &Catalog, group: &Group) -> Result<Vec<ListedService>, Failure> {
    let mut services = Vec::new();
    let mut declared: Vec<String> = Vec::new();
    if group.is_present() {
        let files: Vec<_> = group
            .files
            .iter()
            .filter(|file| file.exists())
            .cloned()
            .collect();
        let project = read_project(&files).map_err(|error| Failure::usage(error.to_string()))?;
        for service in &project.services {
            declared.push(service.name.clone());
            services.push(listed(catalog, group, &service.name, Some(true), None));
        }
    }
    for name in &group.known_services {
        if !declared.contains(name) {
            services.push(listed(catalog, group, name, Some(false), None));
        }
    }
    Ok(services)
}

async fn unit_services(
    catalog: &Catalog,
    group: &Group,
    client: Option<&SystemdClient>,
    timeout: Duration,
) -> Vec<ListedService> {
    let mut services = Vec::new();
    for choice in &group.units {
        let mut found = None;
        let mut asked = client.is_some();
        if let Some(client) = client {
            for unit in &choice.alternatives {
                match client.unit(unit, timeout).await {
                    Ok(properties) if observe_unit(&properties).state != State::Missing => {
                        found = Some(unit.clone());
                        break;
                    }
                    Ok(_) => {}
                    Err(_) => asked = false,
                }
            }
        }
        let unit = found
            .clone()
            .unwrap_or_else(|| choice.primary().to_string());
        let present = if asked { Some(found.is_some()) } else { None };
        let shown = choice.alternatives.join(" | ");
        services.push(listed(
            catalog,
            group,
            service_name_of_unit(&unit),
            present,
            Some(shown),
        ));
    }
    services
}

/// Lists the catalog.
pub async fn list(catalog: &Catalog) -> Result<Listing, Failure> {
    let needs_systemd = catalog
        .present_groups()
        .iter()
        .any(|group| group.backend == BackendKind::Systemd);
    let client = if needs_systemd {
        SystemdClient::connect(BACKEND_DEADLINE).await.ok()
    } else {
        None
    };
    let mut services = Vec::new();
    let mut groups = Vec::new();
    for group in &catalog.groups {
        let present = group.is_present();
        groups.push(ListedGroup {
            name: group.name.clone(),
            backend: group.backend,
            present,
            rule: group.presence_rule(),
        });
        match group.backend {
            BackendKind::Compose => services.extend(compose_services(catalog, group)?),
            BackendKind::Systemd if present => {
                services
                    .extend(unit_services(catalog, group, client.as_ref(), BACKEND_DEADLINE).await);
            }
            BackendKind::Systemd => services.extend(
                unit_services(catalog, group, None, BACKEND_DEADLINE)
                    .await
                    .into_iter()
                    .map(|mut service| {
                        service.present = Some(false);
                        service
                    }),
            ),
        }
    }
    Ok(Listing {
        schema: 1,
        groups,
        services,
    })
}
