//! What a group's own files declare of its services, as `ops` plans with it
//! (who waits for whom, how long a stop may take), without `ops` knowing
//! which kind's files they were: the generic seam names no compose type.

use crate::compose_file::ComposeProject;
use std::path::PathBuf;
use std::time::Duration;

/// A group's definition as its backend read it (today only a compose
/// project: unit groups declare their order in the catalog). Opaque to
/// `ops`; its backend reads its own kind back out of it.
#[derive(Debug, Clone)]
pub struct GroupDefinition {
    project: ComposeProject,
}

impl From<ComposeProject> for GroupDefinition {
    fn from(project: ComposeProject) -> GroupDefinition {
        GroupDefinition { project }
    }
}

impl GroupDefinition {
    /// Each `(service, dependency)` the definition declares (compose
    /// `depends_on`).
    pub fn dependencies(&self) -> impl Iterator<Item = (&str, &str)> {
        self.project.services.iter().flat_map(|service| {
            service
                .depends_on
                .iter()
                .map(|dependency| (service.name.as_str(), dependency.as_str()))
        })
    }

    /// Whether `service` names its own dependencies (then the group's
    /// middleware is not also waited for).
    pub fn declares_dependencies(&self, service: &str) -> bool {
        self.project
            .service(service)
            .is_some_and(|service| !service.depends_on.is_empty())
    }

    /// The files it was read from (what a compose step names).
    pub fn files(&self) -> &[PathBuf] {
        &self.project.files
    }

    /// How long a stop of `service` may take, when the definition says
    /// (compose `stop_grace_period`).
    pub fn stop_grace(&self, service: &str) -> Option<Duration> {
        self.project
            .service(service)
            .and_then(|service| service.stop_grace_period)
    }

    /// The compose project it is, for the compose backend.
    pub(in crate::backend) fn compose_project(&self) -> &ComposeProject {
        &self.project
    }

    /// The compose project it is, for a test to change.
    #[cfg(test)]
    pub(crate) fn compose_project_mut(&mut self) -> &mut ComposeProject {
        &mut self.project
    }
}
