//! The systemd D-Bus client (zbus): unit properties, and start / stop / restart
//! jobs awaited through `JobRemoved`, each bounded in time.

use super::private_socket;
use super::route::Route;
use super::systemd_state::UnitProperties;
use crate::backend::error::{BackendError, connection_error};
use crate::catalog::service_name_of_unit;
use crate::model::BackendKind;
use crate::settings::Daemons;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;
use zbus::zvariant::{OwnedObjectPath, OwnedValue};

const DAEMON: BackendKind = BackendKind::Systemd;
const SYSTEMD: &str = "org.freedesktop.systemd1";
const MANAGER_PATH: &str = "/org/freedesktop/systemd1";
const MANAGER_INTERFACE: &str = "org.freedesktop.systemd1.Manager";

#[zbus::proxy(
    interface = "org.freedesktop.systemd1.Manager",
    default_service = "org.freedesktop.systemd1",
    default_path = "/org/freedesktop/systemd1",
    gen_blocking = false
)]
pub(super) trait Manager {
    fn load_unit(&self, name: &str) -> zbus::Result<OwnedObjectPath>;

    #[zbus(allow_interactive_auth)]
    fn start_unit(&self, name: &str, mode: &str) -> zbus::Result<OwnedObjectPath>;

    #[zbus(allow_interactive_auth)]
    fn stop_unit(&self, name: &str, mode: &str) -> zbus::Result<OwnedObjectPath>;

    #[zbus(allow_interactive_auth)]
    fn restart_unit(&self, name: &str, mode: &str) -> zbus::Result<OwnedObjectPath>;

    fn subscribe(&self) -> zbus::Result<()>;

    #[zbus(allow_interactive_auth)]
    fn enable_unit_files(
        &self,
        files: &[&str],
        runtime: bool,
        force: bool,
    ) -> zbus::Result<(bool, Vec<(String, String, String)>)>;

    #[zbus(allow_interactive_auth)]
    fn disable_unit_files(
        &self,
        files: &[&str],
        runtime: bool,
    ) -> zbus::Result<Vec<(String, String, String)>>;

    #[zbus(allow_interactive_auth)]
    fn reload(&self) -> zbus::Result<()>;
}

/// The `JobRemoved` signals of systemd's manager. Matched by path, interface
/// and member, not by sender: on the private socket a signal carries no
/// sender, and there is no bus daemon to ask who owns systemd's name.
async fn job_removed_signals(connection: &zbus::Connection) -> zbus::Result<zbus::MessageStream> {
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .path(MANAGER_PATH)?
        .interface(MANAGER_INTERFACE)?
        .member("JobRemoved")?
        .build();
    zbus::MessageStream::for_match_rule(rule, connection, None).await
}

/// Which job to ask systemd for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnitAction {
    Start,
    Stop,
    Restart,
}

impl UnitAction {
    fn verb(self) -> &'static str {
        match self {
            UnitAction::Start => "start",
            UnitAction::Stop => "stop",
            UnitAction::Restart => "restart",
        }
    }
}

/// Where hmctl talks to systemd: `DBUS_SYSTEM_BUS_ADDRESS`; else, as root,
/// systemd's private socket when it is there; else the system bus.
pub fn endpoint(daemons: &Daemons) -> String {
    Route::choose(daemons).endpoint()
}

/// A connection to systemd's bus.
#[derive(Clone)]
pub struct SystemdClient {
    connection: zbus::Connection,
    endpoint: String,
    /// The bus was named (`DBUS_SYSTEM_BUS_ADDRESS`): its errors are not
    /// explained by this host's init system.
    bus_named: bool,
    /// systemd accepts one `Subscribe` per connection.
    subscribed: std::sync::Arc<tokio::sync::OnceCell<()>>,
}

impl SystemdClient {
    /// Connects to systemd within `timeout`: through its private socket
    /// first when [`Route::choose`] says so, and through the system bus when
    /// that socket cannot be connected to (not when systemd is too slow to
    /// answer on it: the bus would lead to the same systemd).
    pub async fn connect(
        daemons: &Daemons,
        timeout: Duration,
    ) -> Result<SystemdClient, BackendError> {
        let route = Route::choose(daemons);
        match SystemdClient::connect_by(&route, timeout).await {
            Err(error)
                if route.is_peer_to_peer() && !matches!(error, BackendError::Timeout { .. }) =>
            {
                SystemdClient::connect_by(&Route::SystemBus, timeout).await
            }
            connected => connected,
        }
    }

    /// Connects along one route within `timeout`.
    async fn connect_by(route: &Route, timeout: Duration) -> Result<SystemdClient, BackendError> {
        let endpoint = route.endpoint();
        let bus_named = matches!(route, Route::Named(_));
        let build = async {
            let builder = match route {
                Route::Private(path) => {
                    let stream = tokio::net::UnixStream::connect(path).await?;
                    zbus::connection::Builder::socket(private_socket::split(stream)).p2p()
                }
                Route::Named(_) | Route::SystemBus => {
                    zbus::connection::Builder::address(route.address().as_str())?
                }
            };
            builder.method_timeout(timeout).build().await
        };
        match tokio::time::timeout(timeout, build).await {
            Err(_) => Err(BackendError::Timeout {
                backend: DAEMON,
                endpoint,
                after: timeout,
            }),
            Ok(Err(error)) => Err(translate(&endpoint, bus_named, "connect", &error)),
            Ok(Ok(connection)) => Ok(SystemdClient {
                connection,
                endpoint,
                bus_named,
                subscribed: std::sync::Arc::default(),
            }),
        }
    }

    pub(super) async fn bounded<T>(
        &self,
        timeout: Duration,
        action: &str,
        call: impl Future<Output = zbus::Result<T>>,
    ) -> Result<T, BackendError> {
        self.judged(timeout, action, tokio::time::timeout(timeout, call).await)
    }

    /// A call's outcome within `timeout`, as [`SystemdClient::bounded`] reports it.
    fn judged<T>(
        &self,
        timeout: Duration,
        action: &str,
        outcome: Result<zbus::Result<T>, tokio::time::error::Elapsed>,
    ) -> Result<T, BackendError> {
        match outcome {
            Err(_) => Err(BackendError::Timeout {
                backend: DAEMON,
                endpoint: self.endpoint.clone(),
                after: timeout,
            }),
            Ok(Err(error)) => Err(translate(&self.endpoint, self.bus_named, action, &error)),
            Ok(Ok(value)) => Ok(value),
        }
    }

    pub(super) async fn manager(
        &self,
        timeout: Duration,
    ) -> Result<ManagerProxy<'static>, BackendError> {
        self.bounded(timeout, "open the manager", async {
            ManagerProxy::builder(&self.connection)
                .cache_properties(zbus::proxy::CacheProperties::No)
                .build()
                .await
        })
        .await
    }

    /// The properties of one unit (loading it if systemd has not).
    pub async fn unit(
        &self,
        name: &str,
        timeout: Duration,
    ) -> Result<UnitProperties, BackendError> {
        let manager = self.manager(timeout).await?;
        let path = self
            .bounded(
                timeout,
                &format!("load unit {name}"),
                manager.load_unit(name),
            )
            .await?;
        let properties = zbus::fdo::PropertiesProxy::builder(&self.connection)
            .destination(SYSTEMD)
            .and_then(|builder| builder.path(path))
            .map(|builder| builder.cache_properties(zbus::proxy::CacheProperties::No));
        let properties = self
            .bounded(timeout, "read unit properties", async {
                properties?.build().await
            })
            .await?;
        let unit_interface =
            zbus::names::InterfaceName::from_static_str_unchecked("org.freedesktop.systemd1.Unit");
        let service_interface = zbus::names::InterfaceName::from_static_str_unchecked(
            "org.freedesktop.systemd1.Service",
        );
        let action = format!("read the properties of {name}");
        let (unit, service) = tokio::join!(
            self.bounded(timeout, &action, async {
                Ok(properties.get_all(unit_interface).await?)
            }),
            self.bounded(timeout, &action, async {
                Ok(properties.get_all(service_interface).await?)
            }),
        );
        let unit = unit?;
        // A unit that is not found (or not a service) has no Service interface.
        let service = service.unwrap_or_default();
        Ok(UnitProperties {
            load_state: text(&unit, "LoadState"),
            active_state: text(&unit, "ActiveState"),
            sub_state: text(&unit, "SubState"),
            unit_file_state: text(&unit, "UnitFileState"),
            result: text(&service, "Result"),
            state_change_timestamp: number(&unit, "StateChangeTimestamp"),
            main_pid: u32::try_from(number(&service, "MainPID")).unwrap_or(0),
            restarts: u32::try_from(number(&service, "NRestarts")).unwrap_or(0),
            exec_main_code: i32::try_from(signed(&service, "ExecMainCode")).unwrap_or(0),
            exec_main_status: i32::try_from(signed(&service, "ExecMainStatus")).unwrap_or(0),
            service_type: text(&service, "Type"),
            remain_after_exit: service
                .get("RemainAfterExit")
                .and_then(|value| bool::try_from(value).ok())
                .unwrap_or(false),
            triggered_by: texts(&unit, "TriggeredBy"),
        })
    }

    /// Which of `triggers` (a unit's `TriggeredBy`) are active, so would start
    /// it on demand: a listening socket, a waiting path or timer. One that
    /// cannot be read is left out: the unit's own state is the answer asked
    /// for, and this only explains it.
    pub async fn active_triggers(&self, triggers: &[String], timeout: Duration) -> Vec<String> {
        let mut active = Vec::new();
        for trigger in triggers {
            if let Ok(properties) = self.unit(trigger, timeout).await
                && properties.active_state == "active"
            {
                active.push(trigger.clone());
            }
        }
        active
    }

    /// Asks systemd for a start / stop / restart job (mode `replace`) and, unless
    /// `wait_for_job` is false, waits until the job is removed. Returns the
    /// job's result (`done`, `failed`, `timeout`, ...), or `queued`.
    pub async fn act(
        &self,
        name: &str,
        action: UnitAction,
        wait_for_job: bool,
        timeout: Duration,
    ) -> Result<String, BackendError> {
        let manager = self.manager(timeout).await?;
        let verb = action.verb();
        // Subscribe to JobRemoved *before* asking, so the signal cannot be missed
        // even when systemd sends it before its method reply.
        let mut removed = self
            .bounded(timeout, "subscribe to job signals", async {
                let stream = job_removed_signals(&self.connection).await?;
                self.subscribed
                    .get_or_try_init(|| manager.subscribe())
                    .await?;
                Ok(stream)
            })
            .await?;
        let request = async {
            match action {
                UnitAction::Start => manager.start_unit(name, "replace").await,
                UnitAction::Stop => manager.stop_unit(name, "replace").await,
                UnitAction::Restart => manager.restart_unit(name, "replace").await,
            }
        };
        let requested = tokio::time::timeout(timeout, request).await;
        if let Ok(Err(error)) = &requested
            && let Some(blocked) = masked(name, verb, error)
        {
            return Err(blocked);
        }
        let job = self.judged(timeout, &format!("{verb} {name}"), requested)?;
        if !wait_for_job {
            return Ok("queued".to_string());
        }
        let wait = async {
            while let Some(signal) = removed.next().await {
                let removed_job = signal.ok().and_then(|message| {
                    message
                        .body()
                        .deserialize::<(u32, OwnedObjectPath, String, String)>()
                        .ok()
                });
                if let Some((_, removed_path, _, result)) = removed_job
                    && removed_path == job
                {
                    return Ok(result);
                }
            }
            Err(zbus::Error::Failure(
                "the bus closed before the job ended".into(),
            ))
        };
        self.bounded(timeout, &format!("wait for the {verb} job of {name}"), wait)
            .await
    }
}

fn text(properties: &HashMap<String, OwnedValue>, key: &str) -> String {
    properties
        .get(key)
        .and_then(|value| <&str>::try_from(value).ok())
        .unwrap_or_default()
        .to_string()
}

/// An array of strings (`as`), or none.
fn texts(properties: &HashMap<String, OwnedValue>, key: &str) -> Vec<String> {
    match properties.get(key).map(|value| &**value) {
        Some(zbus::zvariant::Value::Array(array)) => array
            .iter()
            .filter_map(|item| <&str>::try_from(item).ok())
            .map(ToString::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

fn number(properties: &HashMap<String, OwnedValue>, key: &str) -> u64 {
    properties
        .get(key)
        .and_then(|value| {
            u64::try_from(value)
                .ok()
                .or_else(|| u32::try_from(value).ok().map(u64::from))
        })
        .unwrap_or(0)
}

fn signed(properties: &HashMap<String, OwnedValue>, key: &str) -> i64 {
    properties
        .get(key)
        .and_then(|value| i32::try_from(value).ok().map(i64::from))
        .unwrap_or(0)
}

/// systemd's refusal to act on a masked unit, with the way out.
fn masked(unit: &str, verb: &str, error: &zbus::Error) -> Option<BackendError> {
    let zbus::Error::MethodError(name, message, _) = error else {
        return None;
    };
    (name.as_str() == "org.freedesktop.systemd1.UnitMasked").then(|| BackendError::Blocked {
        backend: DAEMON,
        action: format!("{verb} {unit}"),
        detail: message
            .clone()
            .unwrap_or_else(|| format!("Unit {unit} is masked.")),
        hint: format!("systemctl unmask {}", service_name_of_unit(unit)),
    })
}

/// A zbus error, as an operator should read it.
fn translate(endpoint: &str, bus_named: bool, action: &str, error: &zbus::Error) -> BackendError {
    super::init_system::explain(error, bus_named, translate_error(endpoint, action, error))
}

fn translate_error(endpoint: &str, action: &str, error: &zbus::Error) -> BackendError {
    match error {
        zbus::Error::MethodError(name, message, _) => {
            let name = name.as_str();
            let message = message.clone().unwrap_or_default();
            if name.ends_with("AccessDenied") || name.ends_with("InteractiveAuthorizationRequired")
            {
                BackendError::PermissionDenied {
                    backend: DAEMON,
                    endpoint: format!("{endpoint} ({action}: {message})"),
                }
            } else {
                BackendError::Refused {
                    backend: DAEMON,
                    action: action.to_string(),
                    detail: if message.is_empty() {
                        name.to_string()
                    } else {
                        message
                    },
                }
            }
        }
        zbus::Error::Address(detail) => BackendError::Unreachable {
            backend: DAEMON,
            endpoint: endpoint.to_string(),
            detail: format!("bad bus address: {detail}"),
        },
        other => connection_error(DAEMON, endpoint, other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn method_error(name: &str, message: &str) -> zbus::Error {
        let reply = zbus::message::Message::method_call("/", "StartUnit")
            .unwrap()
            .build(&())
            .unwrap();
        zbus::Error::MethodError(
            zbus::names::OwnedErrorName::try_from(name).unwrap(),
            Some(message.into()),
            reply,
        )
    }

    #[test]
    fn a_masked_unit_is_refused_with_the_way_out() {
        let error = method_error(
            "org.freedesktop.systemd1.UnitMasked",
            "Unit lateweb.service is masked.",
        );
        let refused = masked("lateweb.service", "start", &error).unwrap();
        assert_eq!(
            refused.to_string(),
            "systemd refused to start lateweb.service: Unit lateweb.service is masked."
        );
        assert_eq!(refused.hint().as_deref(), Some("systemctl unmask lateweb"));
        assert!(!refused.is_unavailable());
        let other = method_error("org.freedesktop.systemd1.NoSuchUnit", "no such unit");
        assert!(masked("lateweb.service", "start", &other).is_none());
    }
}
