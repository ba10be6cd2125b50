//! A group whose compose files could not be read (a bad edit, an unreadable
//! include): status still shows its containers as Docker lists them, and a
//! change to its services is refused. The words for both are written here.

use crate::compose_file::ComposeError;
use crate::exit::{Exit, Failure};
use crate::model::{BackendKind, ServiceStatus};

/// A group whose compose files could not be read, and why.
#[derive(Debug)]
pub struct UnreadFiles {
    pub group: String,
    pub error: ComposeError,
}

impl UnreadFiles {
    /// The kind of group that has files to read.
    pub const BACKEND: BackendKind = BackendKind::Compose;

    /// What `status` says under its table and in `errors[]`.
    pub fn message(&self) -> String {
        format!(
            "group {} is read without its compose file: {}",
            self.group, self.error
        )
    }

    /// What the operator can do about it.
    pub fn hint(&self) -> String {
        let file = self.error.file().display();
        format!("fix {file}; `docker compose -f {file} config` shows what is wrong")
    }

    /// The files' error alone, as a failed operation: what needs the group's
    /// exact services (an upgrade) stops here.
    pub fn failure(&self) -> Failure {
        Failure::new(
            Exit::OperationFailed,
            format!(
                "the services of group {} are not known (nothing was changed): {}",
                self.group, self.error
            ),
        )
        .with_hint(self.hint())
    }

    /// The hint of a TARGET that matched nothing: it may be a service only
    /// the unread files declare.
    pub fn unknown_target_hint(&self) -> String {
        let file = self.error.file().display();
        format!(
            "group {} is read without its compose file {file}, so a service only that file declares is not known; fix the file",
            self.group
        )
    }

    /// Why `target`, which the catalog places in this group, matches no
    /// service: it may be declared in the files that could not be read.
    pub fn unresolved(&self, target: &str) -> Failure {
        Failure::new(
            Exit::OperationFailed,
            format!(
                "{target} cannot be found (nothing was changed): {}",
                self.message()
            ),
        )
        .with_hint(self.hint())
    }

    /// Why a change to `service` (of this group) is not made: without its
    /// files, hmctl knows neither its dependencies nor how to create it.
    pub fn refusal(&self, service: &ServiceStatus) -> Failure {
        let file = self.error.file().display();
        let container = service
            .handle
            .instance()
            .map_or("CONTAINER", |id| id.get(..12).unwrap_or(id));
        Failure::new(
            Exit::OperationFailed,
            format!(
                "cannot change {} (nothing was changed): {}",
                service.name, self.error
            ),
        )
        .with_hint(format!(
            "fix {file} (`docker compose -f {file} config` checks it), or act on the container with docker directly (`docker restart {container}`)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unread() -> UnreadFiles {
        UnreadFiles {
            group: "console".into(),
            error: ComposeError::Invalid {
                path: "/opt/c.yml".into(),
                message: "line 3 column 12: unclosed".into(),
            },
        }
    }

    #[test]
    fn the_file_and_the_group_are_named() {
        let unread = unread();
        assert_eq!(
            unread.message(),
            "group console is read without its compose file: invalid compose file /opt/c.yml: line 3 column 12: unclosed"
        );
        assert_eq!(
            unread.hint(),
            "fix /opt/c.yml; `docker compose -f /opt/c.yml config` shows what is wrong"
        );
    }

    #[test]
    fn a_target_of_the_group_that_matches_nothing_names_the_file() {
        let failure = unread().unresolved("porter-api");
        assert_eq!(failure.exit, Exit::OperationFailed);
        assert_eq!(
            failure.message,
            "porter-api cannot be found (nothing was changed): group console is read without its compose file: invalid compose file /opt/c.yml: line 3 column 12: unclosed"
        );
        assert_eq!(failure.hint, Some(unread().hint()));
    }

    #[test]
    fn a_change_is_refused_as_a_failed_operation_not_a_usage_error() {
        let service = ServiceStatus::new(
            "porter-api",
            "console",
            crate::model::Handle::compose(
                "test",
                "porter-api",
                Some("0123456789abcdef0123".into()),
            ),
            crate::model::Observation::missing("no container"),
        );
        let refusal = unread().refusal(&service);
        assert_eq!(refusal.exit, Exit::OperationFailed);
        assert_eq!(
            refusal.message,
            "cannot change porter-api (nothing was changed): invalid compose file /opt/c.yml: line 3 column 12: unclosed"
        );
        assert_eq!(
            refusal.hint.as_deref(),
            Some(
                "fix /opt/c.yml (`docker compose -f /opt/c.yml config` checks it), or act on the container with docker directly (`docker restart 0123456789ab`)"
            )
        );
    }
}
