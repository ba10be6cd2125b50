//! `hmctl list`: every service hmctl knows, with its group, backend, log files
//! and whether it is present on this host. It reads the compose files and asks
//! systemd whether units exist, but never needs Docker. The Windows agent's
//! services are named beside them, as living on the Windows host.

use super::status::ErrorEntry;
use crate::backend::Backends;
use crate::catalog::{Catalog, Group, log_sources, windows_agent};
use crate::exit::Failure;
use crate::model::BackendKind;
use serde::Serialize;

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

/// A service of another host (the Windows agent's): its name and where its
/// logs are there; hmctl has no state of it and controls nothing.
#[derive(Debug, Clone, Serialize)]
pub struct ElsewhereService {
    pub name: String,
    pub group: String,
    /// Which host: `windows`.
    pub host: String,
    pub logs: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Listing {
    pub schema: u32,
    pub groups: Vec<ListedGroup>,
    pub services: Vec<ListedService>,
    pub elsewhere: Vec<ElsewhereService>,
    /// The groups whose files could not be read (their services are then
    /// the guides' names, present or not unknown).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ErrorEntry>,
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

/// Lists the catalog, reaching the daemons as `backends` says.
pub async fn list(catalog: &Catalog, backends: &Backends) -> Result<Listing, Failure> {
    // Only a kind whose presence needs its daemon is connected, and only
    // when one of its groups is present.
    let mut backends = backends.clone();
    for group in catalog.present_groups() {
        if group.backend.lists_with_daemon() {
            backends.get_or_connect(group.backend).await;
        }
    }
    let mut services = Vec::new();
    let mut groups = Vec::new();
    let mut errors = Vec::new();
    for group in &catalog.groups {
        let present = group.is_present();
        groups.push(ListedGroup {
            name: group.name.clone(),
            backend: group.backend,
            present,
            rule: group.presence_rule(),
        });
        let declared = backends.declared(group, present).await?;
        errors.extend(declared.unread.as_ref().map(ErrorEntry::unread));
        for declared in declared.services {
            services.push(listed(
                catalog,
                group,
                &declared.name,
                declared.present,
                declared.unit,
            ));
        }
    }
    Ok(Listing {
        schema: 1,
        groups,
        services,
        elsewhere: on_the_windows_host(),
        errors,
    })
}

/// The Windows agent's services, with their logs on the Windows host.
fn on_the_windows_host() -> Vec<ElsewhereService> {
    windows_agent::services()
        .into_iter()
        .map(|name| ElsewhereService {
            name: name.to_string(),
            group: windows_agent::GROUP.to_string(),
            host: "windows".to_string(),
            logs: windows_agent::log_paths(name),
        })
        .collect()
}
