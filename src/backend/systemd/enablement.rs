//! A unit's enablement at boot, read and set over D-Bus: what maintenance
//! mode turns off so that a reboot does not start a unit stopped for
//! maintenance. Persistent (`runtime = false`: the links in
//! /etc/systemd/system), because `disable --runtime` and a runtime mask are
//! gone after a reboot; disabled rather than masked, because a mask is a link
//! to /dev/null in /etc/systemd/system, where a gateway's own unit files
//! live: systemd refuses it there ("File exists"), and forced it would
//! replace the operator's unit file.

use super::client::SystemdClient;
use crate::backend::BackendError;
use crate::model::{AutoStart, BackendKind, UNIT_DISABLED, UNIT_ENABLED};
use std::time::Duration;

impl SystemdClient {
    /// The unit file state of `name`, persistent, as systemd reports it.
    pub async fn enablement(
        &self,
        name: &str,
        timeout: Duration,
    ) -> Result<AutoStart, BackendError> {
        let unit = self.unit(name, timeout).await?;
        Ok(AutoStart::UnitFile {
            state: unit.unit_file_state,
        })
    }

    /// Makes `name` enabled or disabled at boot as `wanted` says (and
    /// reloads systemd, as `systemctl enable` does). Any other state is one
    /// maintenance never changed, so there is nothing to give back.
    pub async fn set_enablement(
        &self,
        name: &str,
        wanted: &AutoStart,
        timeout: Duration,
    ) -> Result<(), BackendError> {
        let AutoStart::UnitFile { state: wanted } = wanted else {
            return Err(BackendError::Refused {
                backend: BackendKind::Systemd,
                action: format!("change the enablement of {name}"),
                detail: format!("{} is not a unit's", wanted.describe()),
            });
        };
        let AutoStart::UnitFile { state: now } = self.enablement(name, timeout).await? else {
            return Ok(());
        };
        if *wanted == now || ![UNIT_ENABLED, UNIT_DISABLED].contains(&wanted.as_str()) {
            return Ok(());
        }
        let manager = self.manager(timeout).await?;
        let files = [name];
        if wanted == UNIT_ENABLED {
            let action = format!("enable {name}");
            self.bounded(
                timeout,
                &action,
                manager.enable_unit_files(&files, false, false),
            )
            .await?;
        } else {
            let action = format!("disable {name}");
            self.bounded(timeout, &action, manager.disable_unit_files(&files, false))
                .await?;
        }
        self.bounded(timeout, "reload systemd's units", manager.reload())
            .await
    }
}
