//! A container's output (what `docker logs` shows): the last lines, then,
//! when following, new output as it comes, with no timeout cutting it.

use super::docker::{DAEMON, DockerClient};
use crate::backend::error::{BackendError, root_message};
use std::time::Duration;

impl DockerClient {
    /// A container's output (stdout and stderr), the last `tail` lines, then
    /// new output as it comes when `follow`.
    pub async fn output(
        &self,
        id: &str,
        tail: usize,
        follow: bool,
    ) -> Result<impl futures_util::Stream<Item = Result<Vec<u8>, BackendError>> + use<>, BackendError>
    {
        let docker = self.api(self.daemon_timeout).await?;
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
}
