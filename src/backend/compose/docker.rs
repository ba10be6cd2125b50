//! The Docker Engine API client (bollard): connecting to the daemon, learning
//! its API version, bounding every call in time and translating its errors,
//! and the start / stop / restart calls. Listing and inspecting containers
//! are in `docker_containers`, a container's output in `docker_output`.

use super::compose_settings::ComposeSettings;
use crate::backend::error::{BackendError, connection_error, root_message};
use crate::model::BackendKind;
use bollard::Docker;
use bollard::query_parameters::{
    RestartContainerOptionsBuilder, StartContainerOptions, StopContainerOptionsBuilder,
};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OnceCell;

pub(super) const DAEMON: BackendKind = BackendKind::Compose;

/// Compose's labels on the containers it creates.
pub mod label {
    pub const PROJECT: &str = "com.docker.compose.project";
    pub const SERVICE: &str = "com.docker.compose.service";
    pub const ONEOFF: &str = "com.docker.compose.oneoff";
    pub const CONFIG_FILES: &str = "com.docker.compose.project.config_files";
    pub const WORKING_DIR: &str = "com.docker.compose.project.working_dir";
    pub const CONFIG_HASH: &str = "com.docker.compose.config-hash";
}

/// The endpoint as an operator knows it (`/var/run/docker.sock`).
fn endpoint_for_humans(endpoint: &str) -> String {
    endpoint
        .strip_prefix("unix://")
        .unwrap_or(endpoint)
        .to_string()
}

/// A connected Docker client.
#[derive(Clone)]
pub struct DockerClient {
    /// bollard before the API version is known.
    unversioned: Docker,
    /// bollard speaking the daemon's API version, learnt by the first call
    /// that needs it: a `status` answered from the list alone never waits.
    versioned: Arc<OnceCell<Docker>>,
    pub(super) endpoint: String,
    /// The unix socket, when `endpoint` is one: lists are read from it directly.
    pub(super) socket: Option<PathBuf>,
    /// How long an answer may take when no call names its own timeout.
    pub(super) daemon_timeout: Duration,
    /// Where the inspect answers are remembered.
    pub(super) cache_dir: PathBuf,
}

impl DockerClient {
    /// A client for the settings' Docker endpoint (`DOCKER_HOST`, else the
    /// default socket). On a unix socket nothing is asked yet; elsewhere the
    /// API version is negotiated within their daemon timeout.
    pub async fn connect(settings: &ComposeSettings) -> Result<DockerClient, BackendError> {
        let endpoint = &settings.docker_host;
        let timeout = settings.daemon_timeout;
        let human = endpoint_for_humans(endpoint);
        let unversioned = Docker::connect_with_host(endpoint).map_err(|error| match error {
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
            daemon_timeout: timeout,
            cache_dir: settings.cache_dir.clone(),
        };
        if client.socket.is_none() {
            client.api(timeout).await?;
        }
        Ok(client)
    }

    /// bollard at the daemon's API version, learnt once within `timeout`: on
    /// a unix socket from the `Api-Version` of `/_ping` (fast), else by
    /// bollard asking `/version`.
    pub(super) async fn api(&self, timeout: Duration) -> Result<&Docker, BackendError> {
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
    pub(super) fn timed_out(&self, after: Duration) -> BackendError {
        BackendError::Timeout {
            backend: DAEMON,
            endpoint: self.endpoint.clone(),
            after,
        }
    }

    /// Makes one API call (`action` names it in errors), learning the API
    /// version first when it is not known yet; each may take `timeout`.
    pub(super) async fn request<'client, T, Answer>(
        &'client self,
        timeout: Duration,
        action: &str,
        call: impl FnOnce(&'client Docker) -> Answer,
    ) -> Result<T, BackendError>
    where
        Answer: Future<Output = Result<T, bollard::errors::Error>>,
    {
        let docker = self.api(timeout).await?;
        self.bounded(timeout, action, call(docker)).await
    }

    /// Runs one call under `timeout`, translating failures.
    pub(super) async fn bounded<T>(
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
    /// Starts a container; returns once Docker accepted it.
    pub async fn start(&self, id: &str, timeout: Duration) -> Result<(), BackendError> {
        self.request(
            timeout,
            &format!("start container {}", short(id)),
            |docker| docker.start_container(id, None::<StartContainerOptions>),
        )
        .await
    }

    /// Stops a container, killing it after `grace`; the call itself may take
    /// `grace` plus a margin.
    pub async fn stop(&self, id: &str, grace: Duration) -> Result<(), BackendError> {
        let options = StopContainerOptionsBuilder::new().t(seconds(grace)).build();
        self.stopping(id, grace, "stop", |docker| async move {
            docker.stop_container(id, Some(options)).await
        })
        .await
    }

    /// Restarts a container (stop within `grace`, then start).
    pub async fn restart(&self, id: &str, grace: Duration) -> Result<(), BackendError> {
        let options = RestartContainerOptionsBuilder::new()
            .t(seconds(grace))
            .build();
        self.stopping(id, grace, "restart", |docker| async move {
            docker.restart_container(id, Some(options)).await
        })
        .await
    }

    /// Makes a call that stops a container (`verb`: a stop, a restart), which
    /// Docker may take `grace` to do: the call is given that plus a margin.
    async fn stopping<Call, Answer>(
        &self,
        id: &str,
        grace: Duration,
        verb: &str,
        call: Call,
    ) -> Result<(), BackendError>
    where
        Call: FnOnce(Docker) -> Answer,
        Answer: Future<Output = Result<(), bollard::errors::Error>>,
    {
        let docker = self.with_call_timeout(grace).await?;
        self.bounded(
            grace + CALL_MARGIN,
            &format!("{verb} container {}", short(id)),
            call(docker),
        )
        .await
    }

    /// A client whose own timeout leaves room for a stop of `grace`.
    async fn with_call_timeout(&self, grace: Duration) -> Result<Docker, BackendError> {
        Ok(self
            .api(self.daemon_timeout)
            .await?
            .clone()
            .with_timeout(grace + CALL_MARGIN + Duration::from_secs(1)))
    }
}

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
