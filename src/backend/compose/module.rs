//! The Compose kind before Docker is asked anything: how it connects, the
//! services a group's files declare, the hint for Docker's errors — its
//! [`BackendModule`].

use super::Compose;
use super::compose_settings::ComposeSettings;
use super::docker::DockerClient;
use crate::backend::{
    BackendError, BackendModule, Declared, DeclaredGroup, Installed, OutputSource, UnreadFiles,
};
use crate::catalog::{Catalog, Group};
use crate::compose_file::read_project;
use crate::exit::Failure;
use crate::model::BackendKind;
use crate::settings::{Daemons, Settings};
use std::sync::Arc;

impl BackendModule for Compose {
    async fn connect(settings: &Settings, _catalog: &Arc<Catalog>) -> Compose {
        let settings = ComposeSettings::from(settings);
        Compose {
            client: DockerClient::connect(&settings).await,
            settings,
        }
    }

    /// A container's output comes through Docker.
    async fn for_output(settings: &Settings, catalog: &Arc<Catalog>) -> Compose {
        Compose::connect(settings, catalog).await
    }

    fn output_name(_source: &OutputSource<'_>) -> String {
        "its container's output".to_string()
    }

    /// The services a compose group's files declare (without its files,
    /// the services the guides name for it).
    fn installed(group: &Group, _seen_units: &mut Vec<String>) -> Result<Vec<Installed>, Failure> {
        let files = group.existing_files();
        let names: Vec<String> = if files.is_empty() {
            group.known_services.clone()
        } else {
            read_project(&files)
                .map_err(|error| {
                    UnreadFiles {
                        group: group.name.clone(),
                        error,
                    }
                    .failure()
                })?
                .services
                .into_iter()
                .map(|service| service.name)
                .collect()
        };
        Ok(names
            .into_iter()
            .map(|name| Installed {
                name,
                group: group.name.clone(),
                backend: BackendKind::Compose,
                aliases: Vec::new(),
            })
            .collect())
    }

    /// `hmctl list` of a compose group: the declared services are present,
    /// the guides' names the files do not declare are not. When the files
    /// cannot be read, the guides' names, present or not unknown.
    async fn declared(
        group: &Group,
        _connected: Option<&Compose>,
    ) -> Result<DeclaredGroup, Failure> {
        let mut services = Vec::new();
        let mut unread = None;
        if group.is_present() {
            match read_project(&group.existing_files()) {
                Ok(project) => {
                    for service in project.services {
                        services.push(Declared {
                            name: service.name,
                            present: Some(true),
                            unit: None,
                        });
                    }
                }
                Err(error) => {
                    unread = Some(UnreadFiles {
                        group: group.name.clone(),
                        error,
                    });
                }
            }
        }
        let known_present = if unread.is_some() { None } else { Some(false) };
        for name in &group.known_services {
            if !services.iter().any(|service| &service.name == name) {
                services.push(Declared {
                    name: name.clone(),
                    present: known_present,
                    unit: None,
                });
            }
        }
        Ok(DeclaredGroup { services, unread })
    }

    /// Where hmctl talks to Docker: `DOCKER_HOST`, else the default socket.
    fn endpoint(daemons: &Daemons) -> String {
        daemons.docker_host.clone()
    }

    fn hint(error: &BackendError) -> Option<String> {
        match error {
            BackendError::Unreachable { .. } => Some(
                "is dockerd running? `systemctl status docker`; DOCKER_HOST selects another daemon"
                    .into(),
            ),
            BackendError::PermissionDenied { .. } => {
                Some("run as root or join the docker group".into())
            }
            BackendError::Timeout { .. } => {
                Some(
                "dockerd is hung or overloaded: check `journalctl -u docker`; on a busy host, wait longer with --daemon-timeout SECS"
                    .into(),
            )
            }
            BackendError::NotOnThisHost { .. }
            | BackendError::Refused { .. }
            | BackendError::Blocked { .. }
            | BackendError::Unreadable { .. } => None,
        }
    }

    fn connection_error(&self) -> Option<&BackendError> {
        self.client.as_ref().err()
    }
}
