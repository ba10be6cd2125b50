//! A container's restart policy, read and set through the Docker API
//! (`container update`): what maintenance mode holds at `no` so that a
//! dockerd restart or a reboot does not bring a stopped container back.

use super::docker::{DockerClient, short};
use crate::backend::BackendError;
use crate::model::{AutoStart, BackendKind, RestartPolicyName};
use bollard::models::{ContainerUpdateBody, RestartPolicy, RestartPolicyNameEnum};
use std::time::Duration;

impl DockerClient {
    /// The restart policy of container `id`.
    pub async fn restart_policy(
        &self,
        id: &str,
        timeout: Duration,
    ) -> Result<AutoStart, BackendError> {
        let inspect = self.inspect(id, timeout).await?;
        let policy = inspect
            .host_config
            .and_then(|host| host.restart_policy)
            .unwrap_or_default();
        let text = policy.name.map(|name| name.to_string()).unwrap_or_default();
        let name = RestartPolicyName::parse(&text).ok_or_else(|| BackendError::Refused {
            backend: BackendKind::Compose,
            action: format!("read the restart policy of container {}", short(id)),
            detail: format!("unknown policy {text:?}"),
        })?;
        Ok(AutoStart::RestartPolicy {
            name,
            maximum_retry_count: policy.maximum_retry_count.unwrap_or(0),
        })
    }

    /// Sets the restart policy of container `id` (a unit-file state is not
    /// a container's and is refused).
    pub async fn set_restart_policy(
        &self,
        id: &str,
        wanted: &AutoStart,
        timeout: Duration,
    ) -> Result<(), BackendError> {
        let action = format!("update the restart policy of container {}", short(id));
        let AutoStart::RestartPolicy {
            name,
            maximum_retry_count,
        } = wanted
        else {
            return Err(BackendError::Refused {
                backend: BackendKind::Compose,
                action,
                detail: format!("{} is not a container's", wanted.describe()),
            });
        };
        let name = name
            .as_str()
            .parse::<RestartPolicyNameEnum>()
            .unwrap_or(RestartPolicyNameEnum::EMPTY);
        let body = ContainerUpdateBody {
            restart_policy: Some(RestartPolicy {
                name: Some(name),
                maximum_retry_count: Some(*maximum_retry_count),
            }),
            ..ContainerUpdateBody::default()
        };
        self.request(timeout, &action, |docker| docker.update_container(id, body))
            .await
    }
}
