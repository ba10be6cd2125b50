//! Which kind of backend runs a unit group on this host. The catalog names the
//! agent's and the gateway's services once, as systemd units; a host whose
//! PID 1 is not systemd runs the same services otherwise — Ubuntu 12.04 /
//! 14.04 as upstart jobs (`/etc/init/NAME.conf`), CentOS / RHEL 6 and SLES 11
//! as init scripts (`/etc/init.d/NAME`, `/etc/rc.d/init.d/NAME`). So the
//! operator's groups stay `agent` and `gateway` everywhere, and the kind is
//! chosen here, from what the host runs:
//!
//! - PID 1 is systemd, or a bus is named (`DBUS_SYSTEM_BUS_ADDRESS`: systemd
//!   asked elsewhere), or PID 1 is no init at all (a container's entry
//!   point): systemd, as the catalog says;
//! - PID 1 is an `init` that is not systemd: upstart when it is upstart and
//!   one of the unit groups' services is an upstart job (then every unit
//!   group: a service without a job is its script, as `service` does, and a
//!   service two groups share is shown once), else the init scripts (sysv).

use super::{Group, service_name_of_unit};
use crate::model::BackendKind;
use std::path::{Path, PathBuf};

/// The init system of a host, as far as hmctl needs to know it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InitSystem {
    Systemd,
    Upstart,
    SysV,
    /// Something else is PID 1 (a container's entry point): its name.
    Other(String),
}

/// Where the signs of an init system, its jobs and its scripts are looked
/// for (tests point them elsewhere).
#[derive(Debug, Clone)]
pub struct Probes {
    /// Exists as a directory exactly when systemd booted the host (sd_booted(3)).
    pub systemd_runtime: PathBuf,
    /// The name of PID 1.
    pub first_process_name: PathBuf,
    /// Upstart's control command; SysV init has none.
    pub upstart_control: PathBuf,
    /// Where upstart's job files are (`NAME.conf`).
    pub upstart_jobs: PathBuf,
}

impl Probes {
    /// This host's.
    pub fn host() -> Probes {
        Probes::under(Path::new("/"))
    }

    /// A host whose root is `root`.
    pub fn under(root: &Path) -> Probes {
        Probes {
            systemd_runtime: root.join("run/systemd/system"),
            first_process_name: root.join("proc/1/comm"),
            upstart_control: root.join("sbin/initctl"),
            upstart_jobs: root.join("etc/init"),
        }
    }

    /// The init system these probes show.
    pub fn detect(&self) -> InitSystem {
        if self.systemd_runtime.is_dir() {
            return InitSystem::Systemd;
        }
        let name = std::fs::read_to_string(&self.first_process_name).unwrap_or_default();
        match name.trim() {
            "systemd" => InitSystem::Systemd,
            "init" if self.upstart_control.exists() => InitSystem::Upstart,
            "init" => InitSystem::SysV,
            "" => InitSystem::Other("unknown".into()),
            other => InitSystem::Other(other.into()),
        }
    }

    /// Whether one of `groups`' services is an upstart job here (any of its
    /// alternative names).
    fn has_upstart_job(&self, groups: &[Group]) -> bool {
        groups
            .iter()
            .filter(|group| group.backend == BackendKind::Systemd)
            .flat_map(|group| &group.units)
            .flat_map(|choice| &choice.alternatives)
            .any(|unit| {
                self.upstart_jobs
                    .join(format!("{}.conf", service_name_of_unit(unit)))
                    .is_file()
            })
    }
}

/// The kind that runs the unit groups of `groups` on the host `probes` show
/// (`bus_named`: a systemd bus was named, so systemd is asked wherever it is).
pub fn unit_kind_on_host(groups: &[Group], probes: &Probes, bus_named: bool) -> BackendKind {
    if bus_named {
        return BackendKind::Systemd;
    }
    match probes.detect() {
        InitSystem::Systemd | InitSystem::Other(_) => BackendKind::Systemd,
        InitSystem::Upstart if probes.has_upstart_job(groups) => BackendKind::Upstart,
        InitSystem::Upstart | InitSystem::SysV => BackendKind::Sysv,
    }
}

/// Gives each unit group of `groups` the kind this host runs it with.
pub fn fit_to_host(groups: &mut [Group]) {
    let bus_named = crate::settings::get().daemons.bus_address.is_some();
    let kind = unit_kind_on_host(groups, &Probes::host(), bus_named);
    for group in groups {
        if group.backend == BackendKind::Systemd {
            group.backend = kind;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    /// A host whose PID 1 is `first_process`, with or without
    /// /run/systemd/system and /sbin/initctl, and these upstart jobs.
    fn host(
        root: &Path,
        first_process: &str,
        systemd_runtime: bool,
        initctl: bool,
        jobs: &[&str],
    ) -> Probes {
        let probes = Probes::under(root);
        std::fs::create_dir_all(root.join("proc/1")).unwrap();
        std::fs::create_dir_all(root.join("sbin")).unwrap();
        std::fs::create_dir_all(&probes.upstart_jobs).unwrap();
        std::fs::write(&probes.first_process_name, format!("{first_process}\n")).unwrap();
        if systemd_runtime {
            std::fs::create_dir_all(&probes.systemd_runtime).unwrap();
        }
        if initctl {
            std::fs::write(&probes.upstart_control, "").unwrap();
        }
        for job in jobs {
            std::fs::write(probes.upstart_jobs.join(format!("{job}.conf")), "").unwrap();
        }
        probes
    }

    #[test]
    fn each_init_system_is_told_apart() {
        let root = tempfile::tempdir().unwrap();
        let cases = [
            ("booted", "systemd", true, false, InitSystem::Systemd),
            ("renamed", "init", true, false, InitSystem::Systemd),
            (
                "no-runtime-dir",
                "systemd",
                false,
                false,
                InitSystem::Systemd,
            ),
            ("centos6", "init", false, true, InitSystem::Upstart),
            ("sles11", "init", false, false, InitSystem::SysV),
            (
                "container",
                "bash",
                false,
                false,
                InitSystem::Other("bash".into()),
            ),
        ];
        for (name, first, runtime, initctl, expected) in cases {
            let probes = host(&root.path().join(name), first, runtime, initctl, &[]);
            assert_eq!(probes.detect(), expected, "{name}");
        }
    }

    #[test]
    fn the_unit_groups_are_run_by_what_the_host_runs() {
        let root = tempfile::tempdir().unwrap();
        let catalog = Catalog::builtin();
        let kind = |name: &str, first: &str, initctl: bool, jobs: &[&str], bus: bool| {
            let probes = host(&root.path().join(name), first, false, initctl, jobs);
            unit_kind_on_host(&catalog.groups, &probes, bus)
        };
        assert_eq!(
            kind("systemd", "systemd", false, &[], false),
            BackendKind::Systemd
        );
        assert_eq!(kind("sles11", "init", false, &[], false), BackendKind::Sysv);
        // CentOS 6: upstart is PID 1, the agent is an init script.
        assert_eq!(kind("centos6", "init", true, &[], false), BackendKind::Sysv);
        // Ubuntu 14.04 with the agent as a job (either exporter name counts).
        assert_eq!(
            kind("trusty", "init", true, &["hyper-exporter-agent"], false),
            BackendKind::Upstart
        );
        // A bus named, or no init at all: systemd, as the catalog says.
        assert_eq!(
            kind("sandbox", "init", false, &[], true),
            BackendKind::Systemd
        );
        assert_eq!(
            kind("container", "sleep", false, &[], false),
            BackendKind::Systemd
        );
    }

    #[test]
    fn a_compose_group_is_never_an_inits() {
        let mut groups = Catalog::builtin().groups;
        fit_to_host(&mut groups);
        let console = groups.iter().find(|group| group.name == "console").unwrap();
        assert_eq!(console.backend, BackendKind::Compose);
    }
}
