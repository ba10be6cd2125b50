//! A stop that does not keep a service stopped: systemd starts a unit again
//! on demand when one of its triggers is active (mariadb.socket listening,
//! a path or timer waiting), as `systemctl stop` warns ("can still be
//! activated by"). hmctl says which trigger, whether the service stayed
//! stopped or was already started again, and how to keep it stopped.

use crate::model::Observation;

/// What a step's detail adds for a service that stayed stopped while
/// triggers listen: `; mariadb.socket can start it again on demand`.
pub fn can_start_again(observation: &Observation) -> String {
    match triggers(observation) {
        Some(triggers) => format!("; {triggers} can start it again on demand"),
        None => String::new(),
    }
}

/// What a failed stop adds for a service running again while triggers
/// listen, and the way to keep it stopped.
pub fn started_again(service: &str, observation: &Observation) -> Option<(String, String)> {
    let triggers = triggers(observation)?;
    let units = observation.started_on_demand_by.join(" ");
    Some((
        format!("; {triggers} starts it on demand"),
        format!(
            "to keep {service} stopped, stop what starts it too: `systemctl stop {units}` \
             (and `systemctl start {units}` when it may run again)"
        ),
    ))
}

/// The triggers named for a sentence: `a.socket` or `a.socket and b.path`.
fn triggers(observation: &Observation) -> Option<String> {
    match observation.started_on_demand_by.as_slice() {
        [] => None,
        [one] => Some(one.clone()),
        [first @ .., last] => Some(format!("{} and {last}", first.join(", "))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::execute::fake;

    fn stopped_with(triggers: &[&str]) -> Observation {
        Observation {
            started_on_demand_by: triggers.iter().map(ToString::to_string).collect(),
            ..fake::exited(0)
        }
    }

    #[test]
    fn a_service_without_listening_triggers_gets_no_words() {
        assert_eq!(can_start_again(&stopped_with(&[])), "");
        assert_eq!(started_again("mariadb", &stopped_with(&[])), None);
    }

    #[test]
    fn the_listening_triggers_are_named_word_for_word() {
        assert_eq!(
            can_start_again(&stopped_with(&["mariadb.socket"])),
            "; mariadb.socket can start it again on demand"
        );
        assert_eq!(
            can_start_again(&stopped_with(&["a.socket", "b.path", "c.timer"])),
            "; a.socket, b.path and c.timer can start it again on demand"
        );
        assert_eq!(
            started_again("mariadb", &stopped_with(&["mariadb.socket"])),
            Some((
                "; mariadb.socket starts it on demand".to_string(),
                "to keep mariadb stopped, stop what starts it too: `systemctl stop mariadb.socket` \
                 (and `systemctl start mariadb.socket` when it may run again)"
                    .to_string()
            ))
        );
    }
}
