//! The most recent thing that happened to a service, for `status`: a death
//! its daemon remembers or an operator's change from hmctl's history, with
//! when, so an operator sees "exited 137 (OOM killed) 4 min ago" or
//! "restarted by alice via hmctl 2 min ago" beside the state.

use serde::Serialize;

/// What last happened to a service, in the status JSON `last_change`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LastChange {
    /// When it happened (RFC 3339, UTC, whole seconds).
    #[serde(serialize_with = "serialize_at")]
    pub at: jiff::Timestamp,
    /// `exited 137 (OOM killed)`, `restarted`, `stopped`, ...
    pub what: String,
    /// The user behind the hmctl run that made the change; none for a death.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
}

impl LastChange {
    /// `exited 137 (OOM killed) 4 min ago`, `restarted by alice via hmctl 2 min ago`.
    pub fn words(&self, now: jiff::Timestamp) -> String {
        let ago = ago(now.as_second() - self.at.as_second());
        match &self.by {
            Some(user) => format!("{} by {user} via hmctl {ago}", self.what),
            None => format!("{} {ago}", self.what),
        }
    }
}

/// `just now`, `45 s ago`, `4 min ago`, `1 h ago`.
fn ago(seconds: i64) -> String {
    match seconds {
        ..=0 => "just now".to_string(),
        1..=59 => format!("{seconds} s ago"),
        60..=3599 => format!("{} min ago", seconds / 60),
        _ => format!("{} h ago", seconds / 3600),
    }
}

fn serialize_at<S: serde::Serializer>(
    at: &jiff::Timestamp,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&super::format_timestamp(*at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64) -> jiff::Timestamp {
        jiff::Timestamp::from_second(second).unwrap()
    }

    #[test]
    fn a_death_and_an_operator_change_read_as_an_operator_says_them() {
        let death = LastChange {
            at: at(1_000),
            what: "exited 137 (OOM killed)".into(),
            by: None,
        };
        assert_eq!(
            death.words(at(1_000 + 4 * 60 + 10)),
            "exited 137 (OOM killed) 4 min ago"
        );
        let restart = LastChange {
            at: at(1_000),
            what: "restarted".into(),
            by: Some("alice".into()),
        };
        assert_eq!(
            restart.words(at(1_000 + 120)),
            "restarted by alice via hmctl 2 min ago"
        );
        assert_eq!(
            restart.words(at(1_030)),
            "restarted by alice via hmctl 30 s ago"
        );
        assert_eq!(
            restart.words(at(999)),
            "restarted by alice via hmctl just now"
        );
        assert_eq!(
            restart.words(at(1_000 + 3_700)),
            "restarted by alice via hmctl 1 h ago"
        );
    }

    #[test]
    fn in_json_it_has_a_utc_time_and_no_user_for_a_death() {
        let death = LastChange {
            at: at(1_795_435_524),
            what: "exited 1".into(),
            by: None,
        };
        assert_eq!(
            serde_json::to_string(&death).unwrap(),
            r#"{"at":"2026-11-23T12:05:24Z","what":"exited 1"}"#
        );
    }
}
