//! What brings a stopped service back by itself: a container's restart
//! policy, a unit's enablement at boot. Maintenance mode reads it, holds it
//! off while the service is in maintenance, and gives back exactly what was
//! there, so it is kept here as data both backends fill and read.

use serde::{Deserialize, Serialize};

/// A container's restart policy name, as Docker spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestartPolicyName {
    /// No policy was given (Docker's empty name: never restarted).
    #[serde(rename = "")]
    Unset,
    No,
    Always,
    UnlessStopped,
    OnFailure,
}

impl RestartPolicyName {
    pub fn as_str(self) -> &'static str {
        match self {
            RestartPolicyName::Unset => "",
            RestartPolicyName::No => "no",
            RestartPolicyName::Always => "always",
            RestartPolicyName::UnlessStopped => "unless-stopped",
            RestartPolicyName::OnFailure => "on-failure",
        }
    }

    /// The name Docker gave, if it is one of Docker's.
    pub fn parse(text: &str) -> Option<RestartPolicyName> {
        [
            RestartPolicyName::Unset,
            RestartPolicyName::No,
            RestartPolicyName::Always,
            RestartPolicyName::UnlessStopped,
            RestartPolicyName::OnFailure,
        ]
        .into_iter()
        .find(|name| name.as_str() == text)
    }
}

/// The unit-file state that starts a unit at boot.
pub const UNIT_ENABLED: &str = "enabled";
/// The unit-file state maintenance leaves an enabled unit in.
pub const UNIT_DISABLED: &str = "disabled";

/// What brings a service back by itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AutoStart {
    /// A container's restart policy: its name and maximum retry count.
    RestartPolicy {
        name: RestartPolicyName,
        maximum_retry_count: i64,
    },
    /// A unit's file state as systemd reports it (`enabled`, `disabled`,
    /// `static`, ...), persistent, not runtime.
    UnitFile { state: String },
}

impl AutoStart {
    /// What holds the service off: restart policy `no`; an enabled unit
    /// disabled (any other unit-file state starts nothing at boot and is kept).
    #[must_use]
    pub fn held(&self) -> AutoStart {
        match self {
            AutoStart::RestartPolicy { .. } => AutoStart::RestartPolicy {
                name: RestartPolicyName::No,
                maximum_retry_count: 0,
            },
            AutoStart::UnitFile { state } if state == UNIT_ENABLED => AutoStart::UnitFile {
                state: UNIT_DISABLED.to_string(),
            },
            AutoStart::UnitFile { state } => AutoStart::UnitFile {
                state: state.clone(),
            },
        }
    }

    /// In words: `restart policy always`, `on-failure:5`, `unit file enabled`.
    pub fn describe(&self) -> String {
        match self {
            AutoStart::RestartPolicy {
                name: RestartPolicyName::OnFailure,
                maximum_retry_count,
            } => format!("restart policy on-failure:{maximum_retry_count}"),
            AutoStart::RestartPolicy {
                name: RestartPolicyName::Unset,
                ..
            } => "no restart policy".to_string(),
            AutoStart::RestartPolicy { name, .. } => format!("restart policy {}", name.as_str()),
            AutoStart::UnitFile { state } => format!("unit file {state}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_is_restart_no_or_an_enabled_unit_disabled() {
        let always = AutoStart::RestartPolicy {
            name: RestartPolicyName::Always,
            maximum_retry_count: 0,
        };
        assert_eq!(always.held().describe(), "restart policy no");
        let enabled = AutoStart::UnitFile {
            state: "enabled".into(),
        };
        assert_eq!(enabled.held().describe(), "unit file disabled");
        let fixed = AutoStart::UnitFile {
            state: "static".into(),
        };
        assert_eq!(fixed.held(), fixed);
    }

    #[test]
    fn it_round_trips_through_json_with_dockers_names() {
        let policy = AutoStart::RestartPolicy {
            name: RestartPolicyName::OnFailure,
            maximum_retry_count: 5,
        };
        let text = serde_json::to_string(&policy).unwrap();
        assert_eq!(
            text,
            r#"{"kind":"restart-policy","name":"on-failure","maximum_retry_count":5}"#
        );
        assert_eq!(serde_json::from_str::<AutoStart>(&text).unwrap(), policy);
        assert_eq!(policy.describe(), "restart policy on-failure:5");
        for name in ["", "no", "always", "unless-stopped", "on-failure"] {
            assert_eq!(RestartPolicyName::parse(name).unwrap().as_str(), name);
        }
    }
}
