//! One look at every present group: Docker and systemd asked concurrently,
//! each under its own deadline, so a hung daemon never hides the other's
//! services, and a group whose files cannot be read never hides another's.
//! `status` renders it; the lifecycle verbs plan from it.

use crate::backend::{BackendError, Backends, UnreadFiles};
use crate::catalog::{Catalog, Group};
use crate::compose_file::ComposeProject;
use crate::exit::Failure;
use crate::model::{BackendKind, ServiceStatus, State};
use crate::settings::Settings;
use std::collections::BTreeMap;
use tokio::time::Instant;

/// Every present group's services, as the daemons see them now.
pub struct Snapshot {
    pub services: Vec<ServiceStatus>,
    /// The daemons that could not be asked (one entry per daemon).
    pub errors: Vec<BackendError>,
    /// The compose files in use, by group name.
    pub projects: BTreeMap<String, ComposeProject>,
    /// The groups whose compose files could not be read.
    pub unread: Vec<UnreadFiles>,
    /// The groups present on this host.
    pub groups: Vec<Group>,
}

impl Snapshot {
    /// Refuses a change when a daemon the `selected` services need could not
    /// be asked, or the files of their group could not be read: nothing is
    /// changed half-way. Where each service answers for itself (an init
    /// script), only a selected service that did not answer is refused: one
    /// hung script does not hold back the others.
    pub fn refuse_if_unavailable(&self, selected: &[usize]) -> Result<(), Failure> {
        for index in selected {
            let service = &self.services[*index];
            let kind = service.backend();
            let unanswered = !kind.answers_per_service() || service.state == State::Unknown;
            if let Some(error) = self.error_for(kind).filter(|_| unanswered) {
                let mut failure = error.clone().into_failure();
                failure.message = format!("{}; nothing was changed", failure.message);
                return Err(failure);
            }
            if let Some(unread) = self.unread_of(&service.group) {
                return Err(unread.refusal(service));
            }
        }
        Ok(())
    }

    /// Resolves TARGETs against the snapshot's services. A TARGET that
    /// matches nothing while a group's files could not be read is that
    /// group's failure when the catalog places it there (the group itself, a
    /// service the guides name for it), else a hint that it may be declared
    /// in those files.
    pub fn resolve(&self, targets: &[String], catalog: &Catalog) -> Result<Vec<usize>, Failure> {
        crate::catalog::resolve(targets, &self.services, catalog).map_err(|failure| {
            let Some(first) = self.unread.first() else {
                return failure;
            };
            let unresolved = targets.iter().find(|target| {
                crate::catalog::resolve(std::slice::from_ref(*target), &self.services, catalog)
                    .is_err()
            });
            let claimed = unresolved.and_then(|target| {
                self.unread
                    .iter()
                    .find(|unread| {
                        unread.group == *target
                            || catalog.group(&unread.group).is_some_and(|group| {
                                group.known_services.iter().any(|name| name == target)
                            })
                    })
                    .map(|unread| unread.unresolved(target))
            });
            claimed.unwrap_or_else(|| failure.with_hint(first.unknown_target_hint()))
        })
    }

    /// Why the files of `group` could not be read, if they could not.
    pub fn unread_of(&self, group: &str) -> Option<&UnreadFiles> {
        self.unread.iter().find(|unread| unread.group == group)
    }

    pub fn error_for(&self, backend: BackendKind) -> Option<&BackendError> {
        self.errors.iter().find(|error| error.backend() == backend)
    }
}

/// Takes a snapshot of every present group, each kind of backend asked
/// concurrently under one deadline, so a hung daemon costs at most the
/// settings' `daemon_timeout` (connect, list, inspect) and never hides
/// another's services. `backends` says how each kind is reached (it connects
/// none itself); returns them with those it connected, for acting on what it
/// saw.
pub async fn take(
    catalog: &Catalog,
    settings: &Settings,
    backends: &Backends,
) -> Result<(Snapshot, Backends), Failure> {
    let given = backends;
    let groups: Vec<Group> = catalog.present_groups().into_iter().cloned().collect();
    let deadline = Instant::now() + settings.daemon_timeout;
    let looks = BackendKind::ALL.iter().copied().filter_map(|kind| {
        let of_kind: Vec<Group> = groups
            .iter()
            .filter(|group| group.backend == kind)
            .cloned()
            .collect();
        (!of_kind.is_empty()).then_some(async move {
            let mut backends = given.clone();
            let backend = backends.get_or_connect(kind).await;
            let report = backend.observe_groups(&of_kind, deadline).await;
            (backends, report)
        })
    });
    let mut services = Vec::new();
    let mut errors = Vec::new();
    let mut projects = BTreeMap::new();
    let mut unread = Vec::new();
    let mut backends = given.clone();
    for (connected, report) in futures_util::future::join_all(looks).await {
        let report = report?;
        services.extend(report.rows);
        errors.extend(report.error);
        projects.extend(report.projects);
        unread.extend(report.unread);
        backends.extend(connected);
    }
    // Keep catalog order: groups as listed, services as each group lists them.
    let order: Vec<&str> = groups.iter().map(|group| group.name.as_str()).collect();
    services.sort_by_key(|service| order.iter().position(|name| *name == service.group));
    Ok((
        Snapshot {
            services,
            errors,
            projects,
            unread,
            groups,
        },
        backends,
    ))
}
