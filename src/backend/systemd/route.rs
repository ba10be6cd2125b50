//! Which socket hmctl reaches systemd through. Like `systemctl`, root asks
//! systemd's own private socket first (peer-to-peer D-Bus: no bus daemon in
//! between, so a stopped or slow `dbus-daemon` does not blind hmctl); anyone
//! else, or a host without that socket, goes through the system bus, and
//! `DBUS_SYSTEM_BUS_ADDRESS` names a bus that always wins.

use crate::settings::Daemons;
use std::path::{Path, PathBuf};

/// The system bus, when no address is named.
pub const SYSTEM_BUS: &str = "unix:path=/run/dbus/system_bus_socket";

/// One way to systemd.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// The bus `DBUS_SYSTEM_BUS_ADDRESS` names.
    Named(String),
    /// systemd's private socket (`/run/systemd/private`): root only.
    Private(PathBuf),
    /// The system bus at its usual place.
    SystemBus,
}

impl Route {
    /// The first choice for `daemons` (see [`Route::choose_with`]).
    pub fn choose(daemons: &Daemons) -> Route {
        Route::choose_with(
            daemons.bus_address.as_deref(),
            rustix::process::geteuid().is_root(),
            &daemons.private_socket,
        )
    }

    /// A named bus; else, as root with the private socket present, the
    /// private socket; else the system bus. Only root may use the private
    /// socket, so anyone else goes to the bus without trying it.
    pub fn choose_with(bus_address: Option<&str>, root: bool, private_socket: &Path) -> Route {
        match bus_address {
            Some(address) => Route::Named(address.to_string()),
            None if root && private_socket.exists() => Route::Private(private_socket.to_path_buf()),
            None => Route::SystemBus,
        }
    }

    /// The D-Bus address to connect to.
    pub fn address(&self) -> String {
        match self {
            Route::Named(address) => address.clone(),
            Route::Private(path) => format!("unix:path={}", path.display()),
            Route::SystemBus => SYSTEM_BUS.to_string(),
        }
    }

    /// Whether the other end is systemd itself, not a bus daemon: no `Hello`,
    /// no well-known names.
    pub fn is_peer_to_peer(&self) -> bool {
        matches!(self, Route::Private(_))
    }

    /// The socket, as messages name it.
    pub fn endpoint(&self) -> String {
        let address = self.address();
        address
            .strip_prefix("unix:path=")
            .map(|path| path.split(',').next().unwrap_or(path).to_string())
            .unwrap_or(address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_asks_the_private_socket_first_and_a_named_bus_wins() {
        let directory = tempfile::tempdir().unwrap();
        let private = directory.path().join("private");
        std::fs::write(&private, "").unwrap();
        assert_eq!(
            Route::choose_with(None, true, &private),
            Route::Private(private.clone())
        );
        assert_eq!(
            Route::choose_with(Some("unix:path=/tmp/bus"), true, &private),
            Route::Named("unix:path=/tmp/bus".into())
        );
        // Not root: the private socket is not ours to read.
        assert_eq!(Route::choose_with(None, false, &private), Route::SystemBus);
        // No private socket (an older systemd, a container): the bus.
        let absent = directory.path().join("absent");
        assert_eq!(Route::choose_with(None, true, &absent), Route::SystemBus);
    }

    #[test]
    fn each_route_names_its_socket() {
        let private = Route::Private("/run/systemd/private".into());
        assert_eq!(private.address(), "unix:path=/run/systemd/private");
        assert_eq!(private.endpoint(), "/run/systemd/private");
        assert!(private.is_peer_to_peer());
        assert_eq!(Route::SystemBus.endpoint(), "/run/dbus/system_bus_socket");
        assert!(!Route::SystemBus.is_peer_to_peer());
        let named = Route::Named("unix:path=/tmp/bus,guid=0123".into());
        assert_eq!(named.endpoint(), "/tmp/bus");
        assert_eq!(
            Route::Named("tcp:host=gw,port=1".into()).endpoint(),
            "tcp:host=gw,port=1"
        );
    }
}
