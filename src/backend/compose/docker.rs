//! The Docker Engine API client (bollard): the containers of one compose
//! project and the start / stop / restart calls, each bounded in time.

use super::docker_list::{ListError, Listed};
use super::inspect_cache::{Cache, Remembered};
use crate::backend::error::{BackendError, connection_error, root_message};
use crate::model::BackendKind;
use bollard::Docker;
use bollard::models::ContainerInspectResponse;
use bollard::query_parameters::{
    InspectContainerOptions, ListContainersOptionsBuilder, RestartContainerOptionsBuilder,
    StartContainerOptions, StopContainerOptionsBuilder,
};
use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

const DAEMON: BackendKind = BackendKind::Compose;

/// Compose's labels on the containers it creates.
pub mod label {
    pub const PROJECT: &str = "com.docker.compose.project";
    pub const SERVICE: &str = "com.docker.compose.service";
    pub const ONEOFF: &str = "com.docker.compose.oneoff";
    pub const CONFIG_FILES: &str = "com.docker.compose.project.config_files";
    pub const WORKING_DIR: &str = "com.docker.compose.project.working_dir";
    pub const CONFIG_HASH: &str = "com.docker.compose.config-hash";
}

/// Where hmctl talks to Docker: `DOCKER_HOST`, else the default socket.
pub fn endpoint() -> String {
    crate::settings::get().docker_host.clone()
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

/// A connected Docker client.
#[derive(Clone)]
pub struct DockerClient {
    /// bollard before the API version is known.
    unversioned: Docker,
    /// bollard speaking the daemon's API version, learnt by the first call
    /// that needs it: a `status` answered from the list alone never waits.
    versioned: Arc<OnceCell<Docker>>,
    endpoint: String,
    /// The unix socket, when `endpoint` is one: lists are read from it directly.
    socket: Option<PathBuf>,
}

impl DockerClient {
    /// A client for `DOCKER_HOST` (else the default socket). On a unix socket
    /// nothing is asked yet; elsewhere the API version is negotiated within
    /// `timeout`.
    pub async fn connect(timeout: Duration) -> Result<DockerClient, BackendError> {
        let endpoint = endpoint();
        let human = endpoint_for_humans(&endpoint);
        let unversioned = Docker::connect_with_host(&endpoint).map_err(|error| match error {
            bollard::errors::Error::SocketNotFoundError(_) => BackendError::Unreachable {
                backend: DAEMON,
                endpoint: human.clone(),
                detail: "no such socket".into(),
            },
            other => BackendError::Unreachable {
                backend: DAEMON,
                endpoint: human.clone(),
                detail: root_message(&other),
            },
        })?;
        let client = DockerClient {
            unversioned,
            versioned: Arc::new(OnceCell::new()),
            endpoint: human,
            socket: endpoint.strip_prefix("unix://").map(PathBuf::from),
        };
        if client.socket.is_none() {
            client.api(timeout).await?;
        }
        Ok(client)
    }

    /// bollard at the daemon's API version, learnt once within `timeout`: on
    /// a unix socket from the `Api-Version` of `/_ping` (fast), else by
    /// bollard asking `/version`.
    async fn api(&self, timeout: Duration) -> Result<&Docker, BackendError> {
        self.versioned
            .get_or_try_init(|| async {
                if let Some(socket) = &self.socket {
                    let pinged =
                        match tokio::time::timeout(timeout, super::docker_ping::ping(socket)).await
                        {
                            Err(_) => {
                                return Err(self.timed_out(timeout));
                            }
                            Ok(Err(error)) => {
                                return Err(connection_error(DAEMON, &self.endpoint, &error));
                            }
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
                        return Docker::connect_with_unix(&socket.to_string_lossy(), 120, &version)
                            .map_err(|error| connection_error(DAEMON, &self.endpoint, &error));
                    }
                }
                self.bounded(
                    timeout,
                    "negotiate the API version",
                    self.unversioned.clone().negotiate_version(),
                )
                .await
            })
            .await
    }

    /// This daemon did not answer within `after`.
    fn timed_out(&self, after: Duration) -> BackendError {
        BackendError::Timeout {
            backend: DAEMON,
            endpoint: self.endpoint.clone(),
            after,
        }
    }

    /// Runs one call under `timeout`, translating failures.
    async fn bounded<T>(
        &self,
        timeout: Duration,
        action: &str,
        call: impl Future<Output = Result<T, bollard::errors::Error>>,
    ) -> Result<T, BackendError> {
        match tokio::time::timeout(timeout, call).await {
            Err(_) => Err(self.timed_out(timeout)),
            Ok(Ok(value)) => Ok(value),
            Ok(Err(error)) => Err(self.translate(action, error)),
        }
    }

    #[allow(clippy::needless_pass_by_value)] // the error of a `map_err`, which ends here
    fn translate(&self, action: &str, error: bollard::errors::Error) -> BackendError {
        if let bollard::errors::Error::DockerResponseServerError {
            status_code,
            message,
        } = &error
        {
            return BackendError::Refused {
                backend: DAEMON,
                action: action.to_string(),
                detail: format!("{} (HTTP {status_code})", message.trim()),
            };
        }
        if let bollard::errors::Error::RequestTimeoutError = error {
            return self.timed_out(self.unversioned.timeout());
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
        let listed = self
            .list(vec![format!("{}={project}", label::PROJECT)], timeout)
            .await?;
        // Inspect only what the cache cannot vouch for (see inspect_cache).
        let now = jiff::Timestamp::now();
        let mut cache = Cache::load(&self.endpoint, project);
        let cached_count = cache.entries.len();
        let remembered: Vec<Option<Remembered>> = listed
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
                        fresh.insert(container.id.clone(), Remembered::of(&inspect, now));
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
    async fn list(
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
                let docker = self.api(timeout).await?;
                self.bounded(
                    timeout,
                    "list containers",
                    docker.list_containers(Some(options)),
                )
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

    /// A container's output (stdout and stderr), the last `tail` lines, then
    /// new output as it comes when `follow`.
    pub async fn output(
        &self,
        id: &str,
        tail: usize,
        follow: bool,
    ) -> Result<impl futures_util::Stream<Item = Result<Vec<u8>, BackendError>> + use<>, BackendError>
    {
        let docker = self.api(VERSION_TIMEOUT).await?;
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
            docker
                .clone()
                .with_timeout(Duration::from_secs(u64::from(u32::MAX)))
        } else {
            docker.clone()
        };
        Ok(docker.logs(id, Some(options)).map(move |item| {
            item.map(|output| output.into_bytes().to_vec())
                .map_err(|error| BackendError::Unreachable {
                    backend: DAEMON,
                    endpoint: endpoint.clone(),
                    detail: root_message(&error),
                })
        }))
    }

    /// The id of the image a tag names now (`None` when the tag is not here).
    pub async fn image_id(
        &self,
        tag: &str,
        timeout: Duration,
    ) -> Result<Option<String>, BackendError> {
        let docker = self.api(timeout).await?;
        match self
            .bounded(
                timeout,
                &format!("inspect image {tag}"),
                docker.inspect_image(tag),
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
        let docker = self.api(timeout).await?;
        self.bounded(
            timeout,
            &format!("inspect container {}", short(id)),
            docker.inspect_container(id, None::<InspectContainerOptions>),
        )
        .await
    }

    /// Starts a container; returns once Docker accepted it.
    pub async fn start(&self, id: &str, timeout: Duration) -> Result<(), BackendError> {
        let docker = self.api(timeout).await?;
        self.bounded(
            timeout,
            &format!("start container {}", short(id)),
            docker.start_container(id, None::<StartContainerOptions>),
        )
        .await
    }

    /// Stops a container, killing it after `grace`; the call itself may take
    /// `grace` plus a margin.
    pub async fn stop(&self, id: &str, grace: Duration) -> Result<(), BackendError> {
        let options = StopContainerOptionsBuilder::new().t(seconds(grace)).build();
        let docker = self.with_call_timeout(grace).await?;
        self.bounded(
            grace + CALL_MARGIN,
            &format!("stop container {}", short(id)),
            docker.stop_container(id, Some(options)),
        )
        .await
    }

    /// Restarts a container (stop within `grace`, then start).
    pub async fn restart(&self, id: &str, grace: Duration) -> Result<(), BackendError> {
        let options = RestartContainerOptionsBuilder::new()
            .t(seconds(grace))
            .build();
        let docker = self.with_call_timeout(grace).await?;
        self.bounded(
            grace + CALL_MARGIN,
            &format!("restart container {}", short(id)),
            docker.restart_container(id, Some(options)),
        )
        .await
    }

    /// A client whose own timeout leaves room for a stop of `grace`.
    async fn with_call_timeout(&self, grace: Duration) -> Result<Docker, BackendError> {
        Ok(self
            .api(VERSION_TIMEOUT)
            .await?
            .clone()
            .with_timeout(grace + CALL_MARGIN + Duration::from_secs(1)))
    }
}

/// How long learning the API version may take when a call has no timeout of its own.
const VERSION_TIMEOUT: Duration = Duration::from_secs(5);

/// How much longer than the stop grace a stop or restart call may take.
pub const CALL_MARGIN: Duration = Duration::from_secs(30);

fn seconds(duration: Duration) -> i32 {
    i32::try_from(duration.as_secs()).unwrap_or(i32::MAX)
}

/// The short form of a container or image id, as `docker ps` and
/// `docker images` show it (without the `sha256:` of an image id).
pub fn short(id: &str) -> &str {
    let id = id.strip_prefix("sha256:").unwrap_or(id);
    &id[..id.len().min(12)]
}
