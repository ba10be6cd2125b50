//! Upstart jobs (Ubuntu 12.04 / 14.04, CentOS / RHEL 6): on a host whose
//! PID 1 is upstart, a service with a job file `/etc/init/NAME.conf` is
//! driven through `initctl status|start|stop|restart NAME` ([`initctl`]);
//! one without is its init script, as upstart's own `service` wrapper does
//! (a job file wins over a script of the same name). The backend itself is
//! the init-script backend's type with jobs first ([`Upstart`]).

mod initctl;
mod job_status;

pub use initctl::{INITCTL, act, observe};
use std::path::{Path, PathBuf};

/// Upstart's jobs, and the init scripts of services without one.
pub type Upstart = super::sysv::InitBackend<true>;

/// Where upstart's job files are.
const JOB_DIRECTORY: &str = "/etc/init";

/// The job file of `name`, if the host has one.
pub fn job_file(name: &str) -> Option<PathBuf> {
    if name.is_empty() || name.contains('/') || name.starts_with('.') {
        return None;
    }
    let path = Path::new(JOB_DIRECTORY).join(format!("{name}.conf"));
    path.is_file().then_some(path)
}
