//! The containers of a compose project as Docker knows them: listed by their
//! compose labels (one-off containers left out), inspected (or taken from
//! the inspect cache while it still agrees), and the image a tag names.

use super::docker::{DAEMON, DockerClient, label, short};
use super::docker_list::{ListError, Listed};
use super::inspect_cache::{Cache, RememberedInspect};
use crate::backend::error::{BackendError, connection_error};
use bollard::models::ContainerInspectResponse;
use bollard::query_parameters::{InspectContainerOptions, ListContainersOptionsBuilder};
use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

/// One container of a compose project.
#[derive(Debug, Clone)]
pub struct Container {
    pub id: String,
    pub service: String,
    /// The list endpoint's words (`Up 3 hours (healthy)`).
    pub status_text: String,
    /// The compose files it was created from (absolute).
    pub config_files: Vec<PathBuf>,
    pub inspect: ContainerInspectResponse,
}

/// The compose files a container was created from, as its labels name them
/// (relative ones from the project's working directory).
fn config_files_of(labels: &HashMap<String, String>) -> Vec<PathBuf> {
    let working_dir = labels.get(label::WORKING_DIR).map(PathBuf::from);
    labels
        .get(label::CONFIG_FILES)
        .map(|files| {
            files
                .split(',')
                .filter(|file| !file.is_empty())
                .map(|file| match &working_dir {
                    Some(dir) if !file.starts_with('/') => dir.join(file),
                    _ => PathBuf::from(file),
                })
                .collect()
        })
        .unwrap_or_default()
}

impl DockerClient {
    /// Every container of a compose project, one-off containers left out,
    /// each inspected (concurrently), within `timeout` in all.
    pub async fn project_containers(
        &self,
        project: &str,
        timeout: Duration,
    ) -> Result<Vec<Container>, BackendError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let listed = self
            .list(vec![format!("{}={project}", label::PROJECT)], timeout)
            .await?;
        // Inspect only what the cache cannot vouch for (see inspect_cache).
        let now = jiff::Timestamp::now();
        let mut cache = Cache::load(&self.cache_dir, &self.endpoint, project);
        let cached_count = cache.entries.len();
        let remembered: Vec<Option<RememberedInspect>> = listed
            .iter()
            .map(|container| {
                cache
                    .entries
                    .remove(&container.id)
                    .filter(|entry| entry.agrees_with(container, now))
            })
            .collect();
        let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
        let inspections = futures_util::future::join_all(
            listed
                .iter()
                .zip(&remembered)
                .filter(|(_, known)| known.is_none())
                .map(|(container, _)| self.inspect(&container.id, remaining)),
        )
        .await;
        let mut inspections = inspections.into_iter();
        let mut fresh = HashMap::with_capacity(listed.len());
        let mut inspected_any = false;
        let mut containers = Vec::with_capacity(listed.len());
        for (container, known) in listed.into_iter().zip(remembered) {
            let inspect = match known {
                Some(entry) => {
                    let inspect = entry.to_inspect(&container.id);
                    fresh.insert(container.id.clone(), entry);
                    inspect
                }
                None => match inspections.next() {
                    Some(Ok(inspect)) => {
                        inspected_any = true;
                        fresh.insert(container.id.clone(), RememberedInspect::of(&inspect, now));
                        inspect
                    }
                    // Removed between the list and the inspect: it is gone.
                    Some(Err(BackendError::Refused { detail, .. }))
                        if detail.contains("HTTP 404") =>
                    {
                        continue;
                    }
                    Some(Err(error)) => return Err(error),
                    None => continue,
                },
            };
            let Listed {
                id,
                mut labels,
                status,
                ..
            } = container;
            let config_files = config_files_of(&labels);
            containers.push(Container {
                id,
                service: labels.remove(label::SERVICE).unwrap_or_default(),
                status_text: status,
                config_files,
                inspect,
            });
        }
        if inspected_any || fresh.len() != cached_count {
            cache.entries = fresh;
            cache.save();
        }
        Ok(containers)
    }

    /// The containers carrying every one of `labels` (`key=value`), one-off
    /// containers (`docker compose run`) left out.
    pub(super) async fn list(
        &self,
        labels: Vec<String>,
        timeout: Duration,
    ) -> Result<Vec<Listed>, BackendError> {
        let listed: Vec<Listed> = match &self.socket {
            Some(socket) => {
                match tokio::time::timeout(timeout, super::docker_list::list(socket, &labels)).await
                {
                    Err(_) => {
                        return Err(self.timed_out(timeout));
                    }
                    Ok(Ok(listed)) => listed,
                    Ok(Err(ListError::Io(error))) => {
                        return Err(connection_error(DAEMON, &self.endpoint, &error));
                    }
                    Ok(Err(ListError::Refused { status, message })) => {
                        return Err(BackendError::Refused {
                            backend: DAEMON,
                            action: "list containers".into(),
                            detail: format!("{} (HTTP {status})", message.trim()),
                        });
                    }
                    Ok(Err(ListError::Garbled(why))) => {
                        return Err(BackendError::Unreachable {
                            backend: DAEMON,
                            endpoint: self.endpoint.clone(),
                            detail: format!("its list of containers was {why}"),
                        });
                    }
                }
            }
            None => {
                let filters: HashMap<&str, Vec<String>> = HashMap::from([("label", labels)]);
                let options = ListContainersOptionsBuilder::new()
                    .all(true)
                    .filters(&filters)
                    .build();
                self.request(timeout, "list containers", |docker| {
                    docker.list_containers(Some(options))
                })
                .await?
                .into_iter()
                .map(Listed::from)
                .collect()
            }
        };
        Ok(listed
            .into_iter()
            .filter(|container| {
                !matches!(
                    container.labels.get(label::ONEOFF).map(String::as_str),
                    Some("True" | "true")
                )
            })
            .collect())
    }

    /// The newest non-one-off container of a project's service, inspected.
    pub async fn service_container(
        &self,
        project: &str,
        service: &str,
        timeout: Duration,
    ) -> Result<Option<ContainerInspectResponse>, BackendError> {
        let newest = self
            .list(
                vec![
                    format!("{}={project}", label::PROJECT),
                    format!("{}={service}", label::SERVICE),
                ],
                timeout,
            )
            .await?
            .into_iter()
            .max_by_key(|container| container.created);
        match newest {
            Some(container) => self.inspect(&container.id, timeout).await.map(Some),
            None => Ok(None),
        }
    }
    /// The id of the image a tag names now (`None` when the tag is not here).
    pub async fn image_id(
        &self,
        tag: &str,
        timeout: Duration,
    ) -> Result<Option<String>, BackendError> {
        match self
            .request(timeout, &format!("inspect image {tag}"), |docker| {
                docker.inspect_image(tag)
            })
            .await
        {
            Ok(image) => Ok(image.id),
            Err(BackendError::Refused { detail, .. }) if detail.contains("HTTP 404") => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// Inspects one container.
    pub async fn inspect(
        &self,
        id: &str,
        timeout: Duration,
    ) -> Result<ContainerInspectResponse, BackendError> {
        self.request(
            timeout,
            &format!("inspect container {}", short(id)),
            |docker| docker.inspect_container(id, None::<InspectContainerOptions>),
        )
        .await
    }
}
