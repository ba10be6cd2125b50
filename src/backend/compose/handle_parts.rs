//! What Docker needs of a handle (its compose project, its container) read
//! out of the handle's typed kind: a handle of another kind reaching Docker
//! is refused by name, never taken for a step done.

use crate::backend::BackendError;
use crate::model::{BackendKind, Handle, HandleKind};

/// The project and the container (when one exists) of a compose service's
/// handle; a handle of another kind is refused, naming the service and its
/// kind.
pub(super) fn compose_parts(handle: &Handle) -> Result<(&str, Option<&str>), BackendError> {
    match handle.reach() {
        HandleKind::Compose { project, container } => Ok((project, container.as_deref())),
        other => Err(BackendError::Refused {
            backend: BackendKind::Compose,
            action: format!("reach {}", handle.name),
            detail: format!("it is a {} service", other.backend().as_str()),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::super::Compose;
    use crate::backend::{BackendModule, ServiceBackend};
    use crate::model::{Handle, HandleKind, Step};
    use crate::settings::Settings;
    use std::time::Duration;

    #[tokio::test]
    async fn a_unit_s_step_reaching_docker_is_refused_by_name_not_done() {
        let dir = tempfile::tempdir().unwrap();
        let catalog = std::sync::Arc::new(crate::catalog::Catalog::builtin());
        let compose = Compose::connect(&Settings::for_test(dir.path()), &catalog).await;
        let unit = Step::example(Handle::new(HandleKind::Systemd, "api.service"));
        let error = compose
            .act(&unit, false, Duration::from_secs(1))
            .await
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "Docker refused to reach api.service: it is a systemd service"
        );
        let error = compose.observe(&unit.handle).await.unwrap_err();
        assert_eq!(
            error.to_string(),
            "Docker refused to reach api.service: it is a systemd service"
        );
    }

    #[test]
    fn a_compose_handle_gives_its_project_and_container() {
        let handle = Handle::compose("hyperbdr", "api", Some("0123abcd".into()));
        assert_eq!(
            super::compose_parts(&handle).unwrap(),
            ("hyperbdr", Some("0123abcd"))
        );
        assert_eq!(handle.instance(), Some("0123abcd"));
        let unit = Handle::new(HandleKind::Sysv, "api");
        assert_eq!(unit.instance(), None);
    }
}
