//! The Docker Engine API client (bollard): the containers of one compose
//! project and the start / stop / restart calls, each bounded in time.

use super::error::{BackendError, connection_error, root_message};
use super::inspect_cache::{Cache, Remembered};
use bollard::Docker;
use bollard::models::{ContainerInspectResponse, ContainerSummary};
use bollard::query_parameters::{
    InspectContainerOptions, ListContainersOptionsBuilder, RestartContainerOptionsBuilder,
    StartContainerOptions, StopContainerOptionsBuilder,
};
use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

const DAEMON: &str = "Docker";

/// Compose's labels on the containers it creates.
pub mod label {
    pub const PROJECT: &str = "com.docker.compose.project";
    pub const SERVICE: &str = "com.docker.compose.service";
    pub const ONEOFF: &str = "com.docker.compose.oneoff";
    pub const CONFIG_FILES: &str = "com.docker.compose.project.config_files";
    pub const WORKING_DIR: &str = "com.docker.compose.project.working_dir";
    pub const CONFIG_HASH: &str = "com.docker.compose.config-hash";
    pub const NUMBER: &str = "com.docker.compose.container-number";
}

/// Where hmctl talks to Docker: `DOCKER_HOST`, else the default socket.
pub fn endpoint() -> String {
    std::env::var("DOCKER_HOST")
        .ok()
        .filter(|host| !host.is_empty())
        .unwrap_or_else(|| "unix:///var/run/docker.sock".to_string())
}

/// The endpoint as an operator knows it (`/var/run/docker.sock`).
fn endpoint_for_humans(endpoint: &str) -> String {
    endpoint
        .strip_prefix("unix://")
        .unwrap_or(endpoint)
        .to_string()
}

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

impl Container {
    pub fn label(&self, key: &str) -> Option<&str> {
        self.inspect
            .config
            .as_ref()
            .and_then(|config| config.labels.as_ref())
            .and_then(|labels| labels.get(key))
            .map(String::as_str)
    }
}

/// A connected Docker client.
#[derive(Clone)]
pub struct DockerClient {
    docker: Docker,
    endpoint: String,
}

impl DockerClient {
    /// Connects and negotiates the API version, within `timeout`.
    pub async fn connect(timeout: Duration) -> Result<DockerClient, BackendError> {
        let endpoint = endpoint();
        let human = endpoint_for_humans(&endpoint);
        let docker = Docker::connect_with_host(&endpoint).map_err(|error| match error {
            bollard::errors::Error::SocketNotFoundError(_) => BackendError::Unreachable {
                daemon: DAEMON,
                endpoint: human.clone(),
                detail: "no such socket".into(),
            },
            other => BackendError::Unreachable {
                daemon: DAEMON,
                endpoint: human.clone(),
                detail: root_message(&other),
            },
        })?;
        let client = DockerClient {
            docker: docker.clone(),
            endpoint: human,
        };
        // On a unix socket, learn the API version from /_ping (fast); else
        // let bollard ask /version.
        if let Some(socket) = endpoint.strip_prefix("unix://") {
            let pinged = match tokio::time::timeout(timeout, super::docker_ping::ping(socket)).await
            {
                Err(_) => {
                    return Err(BackendError::Timeout {
                        daemon: DAEMON,
                        endpoint: client.endpoint.clone(),
                        after: timeout,
                    });
                }
                Ok(Err(error)) => return Err(connection_error(DAEMON, &client.endpoint, &error)),
                Ok(Ok(version)) => version,
            };
            if let Some((major, minor)) = pinged {
                let ours = bollard::API_DEFAULT_VERSION;
                let version = if (major, minor) < (ours.major_version, ours.minor_version) {
                    bollard::ClientVersion {
                        major_version: major,
                        minor_version: minor,
                    }
                } else {
                    *ours
                };
                let docker = Docker::connect_with_unix(&endpoint, 120, &version)
                    .map_err(|error| connection_error(DAEMON, &client.endpoint, &error))?;
                return Ok(DockerClient { docker, ..client });
            }
        }
        let docker = client
            .bounded(
                timeout,
                "negotiate the API version",
                docker.negotiate_version(),
            )
            .await?;
        Ok(DockerClient { docker, ..client })
    }

    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// Runs one call under `timeout`, translating failures.
    async fn bounded<T>(
        &self,
        timeout: Duration,
        action: &str,
        call: impl Future<Output = Result<T, bollard::errors::Error>>,
    ) -> Result<T, BackendError> {
        match tokio::time::timeout(timeout, call).await {
            Err(_) => Err(BackendError::Timeout {
                daemon: DAEMON,
                endpoint: self.endpoint.clone(),
                after: timeout,
            }),
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(self.translate(action, error)),
        }
    }

    fn translate(&self, action: &str, error: bollard::errors::Error) -> BackendError {
        if let bollard::errors::Error::DockerResponseServerError {
            status_code,
            message,
        } = &error
        {
            return BackendError::Refused {
                daemon: DAEMON,
                action: action.to_string(),
                detail: format!("{} (HTTP {status_code})", message.trim()),
            };
        }
        if let bollard::errors::Error::RequestTimeoutError = error {
            return BackendError::Timeout {
                daemon: DAEMON,
                endpoint: self.endpoint.clone(),
                after: self.docker.timeout(),
            };
        }
        connection_error(DAEMON, &self.endpoint, &error)
    }

    /// Every container of a compose project, one-off containers left out,
    /// each inspected (concurrently), within `timeout` in all.
    pub async fn project_containers(
        &self,
        project: &str,
        timeout: Duration,
    ) -> Result<Vec<Container>, BackendError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let summaries = self
            .list(vec![format!("{}={project}", label::PROJECT)], timeout)
            .await?;
        // Inspect only what the cache cannot vouch for (see inspect_cache).
        let now = jiff::Timestamp::now();
        let mut cache = Cache::load(&self.endpoint, project);
        let remembered: Vec<Option<Remembered>> = summaries
            .iter()
            .map(|summary| {
                let id = summary.id.as_deref().unwrap_or_default();
                cache
                    .entries
                    .get(id)
                    .filter(|entry| entry.agrees_with(summary, now))
                    .cloned()
            })
            .collect();
        let remaining = deadline.saturating_duration_since(tokio::time::Instant::now());
        let inspections = futures_util::future::join_all(summaries.iter().zip(&remembered).map(
            |(summary, known)| {
                let id = summary.id.clone().unwrap_or_default();
                async move {
                    match known {
                        Some(entry) => Ok(entry.to_inspect(&id)),
                        None => self.inspect(&id, remaining).await,
                    }
                }
            },
        ))
        .await;
        let mut fresh = std::collections::HashMap::with_capacity(summaries.len());
        let mut inspected_any = false;
        let mut containers = Vec::with_capacity(summaries.len());
        for ((summary, inspection), known) in summaries.into_iter().zip(inspections).zip(remembered)
        {
            let id = summary.id.clone().unwrap_or_default();
            match (&known, &inspection) {
                (Some(entry), _) => {
                    fresh.insert(id, entry.clone());
                }
                (None, Ok(inspect)) => {
                    inspected_any = true;
                    fresh.insert(id, Remembered::of(inspect, now));
                }
                (None, Err(_)) => {}
            }
            let inspect = match inspection {
                Ok(inspect) => inspect,
                // Removed between the list and the inspect: it is gone.
                Err(BackendError::Refused { detail, .. }) if detail.contains("HTTP 404") => {
                    continue;
                }
                Err(error) => return Err(error),
            };
            let labels = summary.labels.unwrap_or_default();
            let working_dir = labels.get(label::WORKING_DIR).map(PathBuf::from);
            let config_files = labels
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
                .unwrap_or_default();
            containers.push(Container {
                id: summary.id.unwrap_or_default(),
                service: labels.get(label::SERVICE).cloned().unwrap_or_default(),
                status_text: summary.status.unwrap_or_default(),
                config_files,
                inspect,
            });
        }
        if inspected_any || fresh.len() != cache.entries.len() {
            cache.entries = fresh;
            cache.save();
        }
        Ok(containers)
    }

    /// The containers carrying every one of `labels` (`key=value`), one-off
    /// containers (`docker compose run`) left out.
    async fn list(
        &self,
        labels: Vec<String>,
        timeout: Duration,
    ) -> Result<Vec<ContainerSummary>, BackendError> {
        let filters: HashMap<&str, Vec<String>> = HashMap::from([("label", labels)]);
        let options = ListContainersOptionsBuilder::new()
            .all(true)
            .filters(&filters)
            .build();
        let summaries = self
            .bounded(
                timeout,
                "list containers",
                self.docker.list_containers(Some(options)),
            )
            .await?;
        Ok(summaries
            .into_iter()
            .filter(|summary| {
                let oneoff = summary
                    .labels
                    .as_ref()
                    .and_then(|labels| labels.get(label::ONEOFF));
                !matches!(oneoff.map(String::as_str), Some("True" | "true"))
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
            .max_by_key(|summary| summary.created.unwrap_or(0));
        match newest.and_then(|summary| summary.id) {
            Some(id) => self.inspect(&id, timeout).await.map(Some),
            None => Ok(None),
        }
    }

    /// A container's output (stdout and stderr), the last `tail` lines, then
    /// new output as it comes when `follow`.
    pub fn output(
        &self,
        id: &str,
        tail: usize,
        follow: bool,
    ) -> impl futures_util::Stream<Item = Result<Vec<u8>, BackendError>> + use<> {
        let options = bollard::query_parameters::LogsOptionsBuilder::new()
            .stdout(true)
            .stderr(true)
            .follow(follow)
            .tail(&tail.to_string())
            .build();
        let endpoint = self.endpoint.clone();
        use futures_util::StreamExt;
        // Following has no end: the client-wide timeout must not cut it.
        let docker = if follow {
            self.docker
                .clone()
                .with_timeout(Duration::from_secs(u64::from(u32::MAX)))
        } else {
            self.docker.clone()
        };
        docker.logs(id, Some(options)).map(move |item| {
            item.map(|output| output.into_bytes().to_vec())
                .map_err(|error| BackendError::Unreachable {
                    daemon: DAEMON,
                    endpoint: endpoint.clone(),
                    detail: root_message(&error),
                })
        })
    }

    /// The id of the image a tag names now (`None` when the tag is not here).
    pub async fn image_id(
        &self,
        tag: &str,
        timeout: Duration,
    ) -> Result<Option<String>, BackendError> {
        match self
            .bounded(
                timeout,
                &format!("inspect image {tag}"),
                self.docker.inspect_image(tag),
            )
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
        self.bounded(
            timeout,
            &format!("inspect container {}", short(id)),
            self.docker
                .inspect_container(id, None::<InspectContainerOptions>),
        )
        .await
    }

    /// Starts a container; returns once Docker accepted it.
    pub async fn start(&self, id: &str, timeout: Duration) -> Result<(), BackendError> {
        self.bounded(
            timeout,
            &format!("start container {}", short(id)),
            self.docker
                .start_container(id, None::<StartContainerOptions>),
        )
        .await
    }

    /// Stops a container, killing it after `grace`; the call itself may take
    /// `grace` plus a margin.
    pub async fn stop(&self, id: &str, grace: Duration) -> Result<(), BackendError> {
        let options = StopContainerOptionsBuilder::new().t(seconds(grace)).build();
        self.bounded(
            grace + CALL_MARGIN,
            &format!("stop container {}", short(id)),
            self.with_call_timeout(grace)
                .stop_container(id, Some(options)),
        )
        .await
    }

    /// Restarts a container (stop within `grace`, then start).
    pub async fn restart(&self, id: &str, grace: Duration) -> Result<(), BackendError> {
        let options = RestartContainerOptionsBuilder::new()
            .t(seconds(grace))
            .build();
        self.bounded(
            grace + CALL_MARGIN,
            &format!("restart container {}", short(id)),
            self.with_call_timeout(grace)
                .restart_container(id, Some(options)),
        )
        .await
    }

    /// A client whose own timeout leaves room for a stop of `grace`.
    fn with_call_timeout(&self, grace: Duration) -> Docker {
        self.docker
            .clone()
            .with_timeout(grace + CALL_MARGIN + Duration::from_secs(1))
    }
}

/// How much longer than the stop grace a stop or restart call may take.
pub const CALL_MARGIN: Duration = Duration::from_secs(30);

fn seconds(duration: Duration) -> i32 {
    i32::try_from(duration.as_secs()).unwrap_or(i32::MAX)
}

/// The short form of a container id, as `docker ps` shows it.
pub fn short(id: &str) -> &str {
    &id[..id.len().min(12)]
}
