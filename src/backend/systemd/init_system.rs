//! Which init system runs this host, so that where systemd cannot be asked
//! because it is not there hmctl says so and names the host's own command,
//! instead of blaming an unreachable bus. A host whose PID 1 is SysV init or
//! upstart (CentOS / RHEL 6, SLES 11, Ubuntu 12.04 / 14.04) has its unit
//! groups run by the sysv and upstart kinds instead (`catalog::host_init`),
//! so what this explains there is a systemd group no longer reached; what
//! it still explains on its own is a PID 1 that is no init (a container).
//!
//! Only a failure is ever explained, and only on the default system bus: when
//! `DBUS_SYSTEM_BUS_ADDRESS` names a bus (the test sandbox's systemd runs in a
//! container on a host whose PID 1 is not systemd), this host's init is beside
//! the point and the error stays what it was.

use crate::backend::error::BackendError;
pub use crate::catalog::{InitProbes as Probes, InitSystem};
use crate::model::BackendKind;
use std::fmt;

/// The agent's service: on the hosts the guides list without systemd, the
/// Linux agent is the one HyperBDR service (consoles and gateways run Ubuntu
/// 20.04), so the hint names it.
const AGENT_SERVICE: &str = "egisplus-agent";

impl fmt::Display for InitSystem {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InitSystem::Systemd => formatter.write_str("systemd"),
            InitSystem::Upstart => formatter.write_str("upstart"),
            InitSystem::SysV => formatter.write_str("SysV init"),
            InitSystem::Other(name) => write!(formatter, "`{name}` (PID 1), not an init system"),
        }
    }
}

impl InitSystem {
    /// What the operator can run on such a host instead.
    pub fn hint(&self) -> String {
        match self {
            InitSystem::Systemd => {
                "is systemd running with its D-Bus system bus? `systemctl status dbus`".into()
            }
            InitSystem::Upstart => format!(
                "use upstart's own commands: `initctl status {AGENT_SERVICE}` for a job in /etc/init \
                 (`initctl list` shows them), `service {AGENT_SERVICE} status` for a script in /etc/init.d"
            ),
            InitSystem::SysV => format!(
                "use the host's init scripts: `service {AGENT_SERVICE} status` (start, stop and restart alike)"
            ),
            InitSystem::Other(_) => "in a container, run hmctl on the host, or point \
                 DBUS_SYSTEM_BUS_ADDRESS at a systemd's system bus"
                .into(),
        }
    }
}

/// Whether a bus answered that nobody there is systemd (SysV and upstart hosts
/// run a D-Bus system bus too).
pub fn no_systemd_on_the_bus(error: &zbus::Error) -> bool {
    match error {
        zbus::Error::MethodError(name, _, _) => {
            let name = name.as_str();
            name.ends_with(".ServiceUnknown") || name.ends_with(".NameHasNoOwner")
        }
        _ => false,
    }
}

/// `translated` (the error as hmctl reports it anyway), explained by this
/// host's init system when systemd is not it (`bus_named`: not when the bus
/// was named by `DBUS_SYSTEM_BUS_ADDRESS`).
pub fn explain(error: &zbus::Error, bus_named: bool, translated: BackendError) -> BackendError {
    // No bus at all, or a bus without systemd.
    let nobody_answers =
        matches!(translated, BackendError::Unreachable { .. }) || no_systemd_on_the_bus(error);
    explain_with(nobody_answers, bus_named, &Probes::host(), translated)
}

/// [`explain`] with its inputs spelled out.
pub fn explain_with(
    nobody_answers: bool,
    bus_named: bool,
    probes: &Probes,
    translated: BackendError,
) -> BackendError {
    if !nobody_answers || bus_named {
        return translated;
    }
    match probes.detect() {
        InitSystem::Systemd => translated,
        init => BackendError::NotOnThisHost {
            backend: BackendKind::Systemd,
            why: format!(
                "systemd is not this host's init: it runs {init}; hmctl controls units through systemd"
            ),
            hint: init.hint(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    /// A host whose PID 1 is `first_process`, with or without /run/systemd/system
    /// and /sbin/initctl.
    fn host(root: &Path, first_process: &str, systemd_runtime: bool, initctl: bool) -> Probes {
        let probes = Probes::under(root);
        std::fs::create_dir_all(root.join("proc/1")).unwrap();
        std::fs::create_dir_all(root.join("sbin")).unwrap();
        std::fs::write(&probes.first_process_name, format!("{first_process}\n")).unwrap();
        if systemd_runtime {
            std::fs::create_dir_all(&probes.systemd_runtime).unwrap();
        }
        if initctl {
            std::fs::write(&probes.upstart_control, "").unwrap();
        }
        probes
    }

    fn unreachable() -> BackendError {
        BackendError::Unreachable {
            backend: BackendKind::Systemd,
            endpoint: "/run/dbus/system_bus_socket".into(),
            detail: "no such socket".into(),
        }
    }

    #[test]
    fn a_host_without_systemd_is_named_with_its_own_command() {
        let root = tempfile::tempdir().unwrap();
        let sysv = host(&root.path().join("sysv"), "init", false, false);
        let error = explain_with(true, false, &sysv, unreachable());
        assert_eq!(
            error.to_string(),
            "systemd is not this host's init: it runs SysV init; hmctl controls units through systemd"
        );
        assert!(
            error
                .hint()
                .unwrap()
                .contains("`service egisplus-agent status`")
        );
        assert!(error.is_unavailable());

        let upstart = host(&root.path().join("upstart"), "init", false, true);
        let error = explain_with(true, false, &upstart, unreachable());
        assert!(error.to_string().contains("it runs upstart"), "{error}");
        assert!(
            error
                .hint()
                .unwrap()
                .contains("`initctl status egisplus-agent`")
        );
    }

    #[test]
    fn a_named_bus_or_a_systemd_host_keeps_the_error_it_had() {
        let root = tempfile::tempdir().unwrap();
        let sysv = host(&root.path().join("sysv"), "init", false, false);
        let systemd = host(&root.path().join("systemd"), "systemd", true, false);
        let expected = unreachable().to_string();
        // The sandbox: DBUS_SYSTEM_BUS_ADDRESS names a bus, this host's PID 1 is not systemd.
        assert_eq!(
            explain_with(true, true, &sysv, unreachable()).to_string(),
            expected
        );
        assert_eq!(
            explain_with(true, false, &systemd, unreachable()).to_string(),
            expected
        );
        // systemd answered and refused: not a question of the init system.
        assert_eq!(
            explain_with(false, false, &sysv, unreachable()).to_string(),
            expected
        );
    }

    #[test]
    fn a_bus_without_systemd_counts_and_a_refusal_does_not() {
        let reply = || {
            zbus::message::Message::method_call("/", "Ping")
                .unwrap()
                .build(&())
                .unwrap()
        };
        let unknown = zbus::Error::MethodError(
            zbus::names::OwnedErrorName::try_from("org.freedesktop.DBus.Error.ServiceUnknown")
                .unwrap(),
            Some("The name org.freedesktop.systemd1 was not provided by any .service files".into()),
            reply(),
        );
        assert!(no_systemd_on_the_bus(&unknown));
        let refused = zbus::Error::MethodError(
            zbus::names::OwnedErrorName::try_from("org.freedesktop.systemd1.NoSuchUnit").unwrap(),
            None,
            reply(),
        );
        assert!(!no_systemd_on_the_bus(&refused));
    }

    #[test]
    fn each_init_system_names_what_to_run_instead_word_for_word() {
        assert_eq!(
            InitSystem::Systemd.hint(),
            "is systemd running with its D-Bus system bus? `systemctl status dbus`"
        );
        assert_eq!(
            InitSystem::Upstart.hint(),
            "use upstart's own commands: `initctl status egisplus-agent` for a job in /etc/init \
             (`initctl list` shows them), `service egisplus-agent status` for a script in /etc/init.d"
        );
        assert_eq!(
            InitSystem::SysV.hint(),
            "use the host's init scripts: `service egisplus-agent status` (start, stop and restart alike)"
        );
        assert_eq!(
            InitSystem::Other("bash".into()).hint(),
            "in a container, run hmctl on the host, or point DBUS_SYSTEM_BUS_ADDRESS at a systemd's system bus"
        );
    }
}
