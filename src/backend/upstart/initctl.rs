//! `initctl`, run as the operator would: `initctl status|start|stop|restart
//! NAME`, an argument vector, bounded like an init script; its answers read
//! by [`super::job_status`].

use super::job_status::{self, InitctlError};
use crate::backend::BackendError;
use crate::backend::sysv::{action_word, main_process, script};
use crate::model::{Action, BackendKind, Observation, Step};
use std::path::Path;
use std::time::Duration;

/// Upstart's control command.
pub const INITCTL: &str = "/sbin/initctl";

/// How much longer than the stop grace a job's start, stop or restart may take.
const ACTION_MARGIN: Duration = Duration::from_secs(30);

async fn initctl(args: &[&str], timeout: Duration) -> Result<script::Answer, BackendError> {
    script::run(BackendKind::Upstart, Path::new(INITCTL), args, timeout).await
}

/// What upstart says of job `name` now.
pub async fn observe(name: &str, timeout: Duration) -> Result<Observation, BackendError> {
    let answer = initctl(&["status", name], timeout).await?;
    match job_status::parse_error(&answer.words) {
        Some(InitctlError::UnknownJob) => {
            return Ok(Observation::missing(format!(
                "upstart has no job {name} (initctl: Unknown job)"
            )));
        }
        Some(InitctlError::Other(message)) => {
            return Err(BackendError::Unreachable {
                backend: BackendKind::Upstart,
                endpoint: INITCTL.into(),
                detail: message,
            });
        }
        Some(InitctlError::AlreadyRunning | InitctlError::UnknownInstance) | None => {}
    }
    let jobs = job_status::parse_status(&answer.words);
    // A job of several instances: the one running, else the first.
    let Some(job) = jobs
        .iter()
        .find(|job| job.pid.is_some())
        .or_else(|| jobs.first())
    else {
        return Err(BackendError::Refused {
            backend: BackendKind::Upstart,
            action: format!("status {name}"),
            detail: format!("initctl said nothing hmctl reads: {:?}", answer.line()),
        });
    };
    let mut observation = job_status::observe(job);
    observation.since = observation
        .pid
        .and_then(|pid| main_process::started(pid, Path::new("/proc")));
    Ok(observation)
}

/// Carries out `step` through `initctl`: a start of a running job and a stop
/// of a stopped one are done already; a restart of a stopped job starts it.
pub async fn act(step: &Step, job_timeout: Duration) -> Result<Option<String>, BackendError> {
    let Some(word) = action_word(step.action) else {
        return Ok(None);
    };
    let name = step.handle.name.as_str();
    let timeout = job_timeout.max(step.stop_grace + ACTION_MARGIN);
    let answer = initctl(&[word, name], timeout).await?;
    if answer.code == Some(0) {
        return Ok(None);
    }
    let answer = match (step.action, job_status::parse_error(&answer.words)) {
        (Action::Stop, Some(InitctlError::UnknownInstance))
        | (Action::Start | Action::Create | Action::Recreate, Some(InitctlError::AlreadyRunning)) =>
        {
            return Ok(None);
        }
        (Action::Restart, Some(InitctlError::UnknownInstance)) => {
            initctl(&["start", name], timeout).await?
        }
        _ => answer,
    };
    match answer.code {
        Some(0) => Ok(None),
        code => Err(BackendError::Refused {
            backend: BackendKind::Upstart,
            action: format!("{word} {name}"),
            detail: format!(
                "`initctl {word} {name}` {}: {}",
                code.map_or_else(
                    || "was ended by a signal".to_string(),
                    |code| format!("exited {code}")
                ),
                answer.line()
            ),
        }),
    }
}
