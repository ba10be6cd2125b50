//! The backend of a host whose PID 1 is SysV init or upstart, as one type:
//! each service is its init script, or — on upstart, when it has a job file
//! — its upstart job. `InitBackend<false>` is the sysv kind,
//! `InitBackend<true>` the upstart kind; everything else they do is the same
//! (no connection, no records of the past, log files for output).

use super::{
    act_script, declared_of, details_of, installed_of, no_auto_start, no_output, observe_choices,
    observe_script, script,
};
use crate::backend::upstart;
use crate::backend::{
    BackendError, BackendModule, DeclaredGroup, GroupsReport, Installed, OutputLine, OutputSource,
    ServiceBackend,
};
use crate::catalog::{Catalog, Group};
use crate::exit::Failure;
use crate::model::{AutoStart, BackendKind, Details, Handle, HandleKind, Observation, Step};
use crate::settings::{Daemons, Settings};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// Init scripts, and with `UPSTART` upstart's jobs first. Needs no
/// connection: each question runs the script or `initctl`, bounded by the
/// settings' daemon timeout.
pub struct InitBackend<const UPSTART: bool> {
    daemon_timeout: Duration,
    /// The catalog hmctl runs with: where a failed service's log files are
    /// named.
    catalog: Arc<Catalog>,
}

impl<const UPSTART: bool> InitBackend<UPSTART> {
    const KIND: BackendKind = if UPSTART {
        BackendKind::Upstart
    } else {
        BackendKind::Sysv
    };
    /// How its handles name their kind.
    const HANDLE: HandleKind = if UPSTART {
        HandleKind::Upstart
    } else {
        HandleKind::Sysv
    };

    /// Whether `name` is an upstart job here (a job file wins over a script).
    fn is_job(name: &str) -> bool {
        UPSTART && upstart::job_file(name).is_some()
    }

    /// Whether `name` is a job or a script here.
    fn exists(name: &str) -> bool {
        Self::is_job(name) || script::find(name).is_some()
    }

    async fn observe_named(name: &str, timeout: Duration) -> Result<Observation, BackendError> {
        if Self::is_job(name) {
            upstart::observe(name, timeout).await
        } else {
            observe_script(Self::KIND, name, timeout).await
        }
    }
}

impl<const UPSTART: bool> BackendModule for InitBackend<UPSTART> {
    async fn connect(settings: &Settings, catalog: &Arc<Catalog>) -> Self {
        InitBackend {
            daemon_timeout: settings.daemon_timeout,
            catalog: catalog.clone(),
        }
    }

    async fn for_output(settings: &Settings, catalog: &Arc<Catalog>) -> Self {
        Self::connect(settings, catalog).await
    }

    fn output_name(source: &OutputSource<'_>) -> String {
        format!("the log files of {}", source.name)
    }

    fn installed(group: &Group, seen_units: &mut Vec<String>) -> Result<Vec<Installed>, Failure> {
        Ok(installed_of(Self::KIND, group, seen_units, Self::exists))
    }

    async fn declared(group: &Group, _connected: Option<&Self>) -> Result<DeclaredGroup, Failure> {
        Ok(declared_of(group, Self::exists))
    }

    fn endpoint(_daemons: &Daemons) -> String {
        if UPSTART {
            upstart::INITCTL.to_string()
        } else {
            script::SCRIPT_DIRECTORIES.join(", ")
        }
    }

    fn hint(error: &BackendError) -> Option<String> {
        match error {
            BackendError::Timeout { .. } if UPSTART => Some(
                "upstart or the script did not answer: `initctl list` shows whether upstart answers at all; on a busy host, wait longer with --daemon-timeout SECS"
                    .into(),
            ),
            BackendError::Timeout { .. } => Some(
                "the script did not finish: run it by hand to see where it waits; on a busy host, wait longer with --daemon-timeout SECS"
                    .into(),
            ),
            BackendError::Unreachable { .. } if UPSTART => {
                Some("is upstart this host's init? `initctl version`".into())
            }
            BackendError::PermissionDenied { .. } => Some("run as root (sudo hmctl ...)".into()),
            _ => None,
        }
    }

    fn connection_error(&self) -> Option<&BackendError> {
        None
    }
}

impl<const UPSTART: bool> ServiceBackend for InitBackend<UPSTART> {
    async fn observe_groups(
        &self,
        groups: &[Group],
        deadline: Instant,
    ) -> Result<GroupsReport, Failure> {
        Ok(observe_choices(
            Self::HANDLE,
            groups,
            deadline,
            Self::exists,
            |name, timeout| async move { Self::observe_named(&name, timeout).await },
        )
        .await)
    }

    async fn observe(&self, handle: &Handle) -> Result<Observation, BackendError> {
        Self::observe_named(&handle.name, self.daemon_timeout).await
    }

    async fn act(
        &self,
        step: &Step,
        _wait_for_job: bool,
        job_timeout: Duration,
    ) -> Result<Option<String>, BackendError> {
        if Self::is_job(&step.handle.name) {
            upstart::act(step, job_timeout).await
        } else {
            act_script(Self::KIND, step, job_timeout).await
        }
    }

    async fn auto_start(&self, handle: &Handle) -> Result<AutoStart, BackendError> {
        Err(no_auto_start(Self::KIND, &handle.name))
    }

    async fn set_auto_start(
        &self,
        handle: &Handle,
        _wanted: &AutoStart,
    ) -> Result<(), BackendError> {
        Err(no_auto_start(Self::KIND, &handle.name))
    }

    async fn output(
        &self,
        source: &OutputSource<'_>,
        _lines: usize,
        _follow: Option<mpsc::UnboundedSender<OutputLine>>,
    ) -> Result<Vec<Vec<u8>>, Failure> {
        Err(no_output(source))
    }

    async fn details(&self, handle: &Handle, timeout: Duration) -> Result<Details, BackendError> {
        let observation = Self::observe_named(&handle.name, timeout).await?;
        Ok(details_of(
            Self::KIND,
            &handle.name,
            &observation,
            &self.catalog,
        ))
    }
}
