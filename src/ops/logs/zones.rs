//! Which zone each log's writer writes its times in, so a time without an
//! offset becomes the right instant: `log_timezone` when the operator set it
//! (the service's, else its group's), else what the group's backend says —
//! the host's zone for host services, each container's own. Asked only by
//! commands that compare times, and once per group, never per file or line.

use crate::backend::{Backends, WriterZones};
use crate::catalog::Catalog;
use crate::log_files::files::LogFile;
use jiff::tz::TimeZone;
use std::collections::HashMap;

/// What the operator can do when a group's zones cannot be asked.
pub const UNASKED_HINT: &str = "set log_timezone = \"ZONE\" for the group in hmctl.toml to say which zone its services write in";

/// The writers' zones of the groups asked about.
#[derive(Debug, Default)]
pub struct Zones {
    by_group: HashMap<String, WriterZones>,
}

impl Zones {
    /// Asks the daemon of each group in `wanted` (`group`, `service`) whose
    /// writers the operator did not name a zone for, reaching it as
    /// `backends` says.
    pub async fn ask<'a>(
        catalog: &Catalog,
        wanted: impl IntoIterator<Item = (&'a str, &'a str)>,
        backends: &Backends,
    ) -> Zones {
        let mut backends = backends.clone();
        let mut zones = Zones::default();
        for (group_name, service) in wanted {
            let Some(group) = catalog.group(group_name) else {
                continue;
            };
            if catalog.log_timezone(group, service).is_some()
                || zones.by_group.contains_key(group_name)
            {
                continue;
            }
            let answer = backends
                .for_output(group.backend)
                .await
                .writer_zones(group, backends.daemon_timeout())
                .await;
            zones.by_group.insert(group_name.to_string(), answer);
        }
        zones
    }

    /// The zone `service` of `group` writes in.
    pub fn of(&self, catalog: &Catalog, group_name: &str, service: &str) -> TimeZone {
        let group = catalog.group(group_name);
        if let Some(zone) = group.and_then(|group| catalog.log_timezone(group, service)) {
            return zone.clone();
        }
        self.by_group
            .get(group_name)
            .map_or(TimeZone::UTC, |answer| {
                answer
                    .services
                    .get(service)
                    .unwrap_or(&answer.others)
                    .clone()
            })
    }

    /// Why a group's zones are guesses (its daemon could not be asked), one
    /// warning per group; [`UNASKED_HINT`] says what to do.
    pub fn unasked(&self) -> Vec<String> {
        let mut notes: Vec<String> = self
            .by_group
            .iter()
            .filter_map(|(group, answer)| {
                answer.unasked.as_ref().map(|why| {
                    format!(
                        "{group}: cannot tell which time zone its services write in ({why}); their log times without an offset are read as {}",
                        answer.others.iana_name().unwrap_or("UTC")
                    )
                })
            })
            .collect();
        notes.sort();
        notes
    }
}

/// Gives each file its writer's zone; returns the warnings of [`Zones::unasked`].
pub async fn attach(catalog: &Catalog, files: &mut [LogFile], backends: &Backends) -> Vec<String> {
    let wanted: Vec<(String, String)> = files
        .iter()
        .map(|file| (file.group.clone(), file.service.clone()))
        .collect();
    let zones = Zones::ask(
        catalog,
        wanted
            .iter()
            .map(|(group, service)| (group.as_str(), service.as_str())),
        backends,
    )
    .await;
    for file in files.iter_mut() {
        file.zone = Some(zones.of(catalog, &file.group, &file.service));
    }
    zones.unasked()
}
