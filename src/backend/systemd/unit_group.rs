//! A systemd group as `status` shows it: one row per catalog unit; of a unit's
//! alternative names, the installed one is the row, and an absent alternative
//! is not a row.

use super::aliases_of;
use super::client::SystemdClient;
use super::systemd_state::observe_unit;
use crate::backend::error::BackendError;
use crate::catalog::{Group, UnitChoice, service_name_of_unit};
use crate::model::{Handle, HandleKind, Observation, ServiceStatus};
use std::time::Duration;

/// What a systemd group looks like now.
pub struct UnitReport {
    pub rows: Vec<ServiceStatus>,
    pub error: Option<BackendError>,
}

async fn observe_choice(
    client: &SystemdClient,
    choice: &UnitChoice,
    timeout: Duration,
) -> Result<(String, Observation), BackendError> {
    let answers = futures_util::future::join_all(
        choice
            .alternatives
            .iter()
            .map(|unit| async move { (unit, client.unit(unit, timeout).await) }),
    )
    .await;
    let mut first_missing = None;
    for (unit, answer) in answers {
        let observation = observe_unit(&answer?);
        if observation.state != crate::model::State::Missing {
            return Ok((unit.clone(), observation));
        }
        first_missing.get_or_insert((unit.clone(), observation));
    }
    Ok(first_missing.unwrap_or_else(|| {
        (
            choice.primary().to_string(),
            Observation::missing("unit not found"),
        )
    }))
}

/// Asks systemd about every unit of `units` (a group's, minus those another
/// group already shows).
pub async fn unit_group(
    client: Result<&SystemdClient, &BackendError>,
    group: &Group,
    units: &[UnitChoice],
    timeout: Duration,
) -> UnitReport {
    let row = |unit: &str, choice: &UnitChoice, observation: Observation| {
        let mut row = ServiceStatus::new(
            service_name_of_unit(unit),
            &group.name,
            Handle::new(HandleKind::Systemd, unit),
            observation,
        );
        row.aliases = aliases_of(choice);
        row
    };
    let client = match client {
        Ok(client) => client,
        Err(error) => {
            return UnitReport {
                rows: units
                    .iter()
                    .map(|choice| {
                        row(
                            choice.primary(),
                            choice,
                            Observation::unknown("systemd could not be asked"),
                        )
                    })
                    .collect(),
                error: Some(error.clone()),
            };
        }
    };
    let answers = futures_util::future::join_all(
        units
            .iter()
            .map(|choice| observe_choice(client, choice, timeout)),
    )
    .await;
    let mut rows = Vec::new();
    let mut error = None;
    for (choice, answer) in units.iter().zip(answers) {
        match answer {
            Ok((unit, observation)) => rows.push(row(&unit, choice, observation)),
            Err(failure) => {
                rows.push(row(
                    choice.primary(),
                    choice,
                    Observation::unknown("systemd could not be asked"),
                ));
                error.get_or_insert(failure);
            }
        }
    }
    UnitReport { rows, error }
}
