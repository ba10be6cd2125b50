//! The zone a container writes its log times in, from its `docker inspect`:
//! its `TZ` (an IANA name, `:NAME`, or a POSIX rule such as `CST-8`), else
//! the zone of a file mounted on `/etc/localtime`, else UTC — what the C
//! library inside it does. Asked once per group, and only when a command
//! compares log times.

use super::docker::{DockerClient, label};
use crate::backend::BackendError;
use bollard::models::ContainerInspectResponse;
use jiff::tz::TimeZone;
use std::collections::HashMap;
use std::time::Duration;

/// Where a container's C library looks for its zone when `TZ` is unset.
const LOCALTIME: &str = "/etc/localtime";

/// The zone named by a `TZ` value; `None` when it names none (then the C
/// library falls back to UTC).
fn zone_of_variable(value: &str) -> Option<TimeZone> {
    let name = value.strip_prefix(':').unwrap_or(value).trim();
    if name.is_empty() {
        return None;
    }
    // A path: the C library reads that file (here, the host's copy of it).
    if name.starts_with('/') {
        let bytes = std::fs::read(name).ok()?;
        return TimeZone::tzif(name, &bytes).ok();
    }
    TimeZone::get(name).or_else(|_| TimeZone::posix(name)).ok()
}

/// The zone of one inspected container.
pub fn zone_of(inspect: &ContainerInspectResponse) -> TimeZone {
    let variable = inspect
        .config
        .as_ref()
        .and_then(|config| config.env.as_ref())
        .and_then(|env| env.iter().rev().find_map(|entry| entry.strip_prefix("TZ=")));
    if let Some(value) = variable {
        return zone_of_variable(value).unwrap_or(TimeZone::UTC);
    }
    let localtime = inspect
        .mounts
        .iter()
        .flatten()
        .find(|mount| mount.destination.as_deref() == Some(LOCALTIME))
        .and_then(|mount| mount.source.as_deref());
    match localtime {
        // The host's file (or one of its zoneinfo files), read as the container reads it.
        Some(source) => std::fs::read(source)
            .ok()
            .and_then(|bytes| TimeZone::tzif(LOCALTIME, &bytes).ok())
            .unwrap_or_else(TimeZone::system),
        None => TimeZone::UTC,
    }
}

/// The zone of a group's files no container claims: the zone all its
/// containers share, else UTC (Docker's default).
pub fn zone_of_unclaimed(zones: &HashMap<String, TimeZone>) -> TimeZone {
    let mut each = zones.values();
    each.next()
        .filter(|first| each.all(|zone| zone == *first))
        .cloned()
        .unwrap_or(TimeZone::UTC)
}

impl DockerClient {
    /// The zone of each service of a compose project, by service name, from
    /// one list and one inspect per container (concurrent), within `timeout`.
    pub async fn project_zones(
        &self,
        project: &str,
        timeout: Duration,
    ) -> Result<HashMap<String, TimeZone>, BackendError> {
        let listed = self
            .list(vec![format!("{}={project}", label::PROJECT)], timeout)
            .await?;
        let inspections = futures_util::future::join_all(
            listed
                .iter()
                .map(|container| self.inspect(&container.id, timeout)),
        )
        .await;
        let mut zones = HashMap::new();
        for (container, inspect) in listed.iter().zip(inspections) {
            // A container removed since the list has no zone to give.
            if let (Some(service), Ok(inspect)) = (container.labels.get(label::SERVICE), inspect) {
                zones.insert(service.clone(), zone_of(&inspect));
            }
        }
        Ok(zones)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::models::{ContainerConfig, MountPoint};

    fn container(env: &[&str], localtime: Option<&str>) -> ContainerInspectResponse {
        let mut inspect = super::super::fixture("porter-api");
        inspect.config = Some(ContainerConfig {
            env: Some(env.iter().map(|entry| (*entry).to_string()).collect()),
            ..ContainerConfig::default()
        });
        inspect.mounts = localtime.map(|source| {
            vec![MountPoint {
                source: Some(source.into()),
                destination: Some(LOCALTIME.into()),
                ..MountPoint::default()
            }]
        });
        inspect
    }

    #[test]
    fn tz_then_a_mounted_localtime_then_utc() {
        let name =
            |inspect: &ContainerInspectResponse| zone_of(inspect).iana_name().map(String::from);
        assert_eq!(
            name(&container(&["PATH=/bin", "TZ=Asia/Shanghai"], None)).as_deref(),
            Some("Asia/Shanghai")
        );
        assert_eq!(
            name(&container(&["TZ=:Asia/Shanghai"], None)).as_deref(),
            Some("Asia/Shanghai")
        );
        let posix = zone_of(&container(&["TZ=CST-8"], None));
        let noon: jiff::civil::DateTime = "2026-12-04T12:00:00".parse().unwrap();
        assert_eq!(
            posix.to_timestamp(noon).unwrap(),
            "2026-12-04T04:00:00Z".parse::<jiff::Timestamp>().unwrap()
        );
        // TZ wins over /etc/localtime, as in the C library.
        assert_eq!(
            name(&container(
                &["TZ=UTC"],
                Some("/usr/share/zoneinfo/Asia/Shanghai")
            ))
            .as_deref(),
            Some("UTC")
        );
        let mounted = zone_of(&container(&[], Some("/usr/share/zoneinfo/Asia/Shanghai")));
        assert_eq!(
            mounted.to_timestamp(noon).unwrap(),
            "2026-12-04T04:00:00Z".parse::<jiff::Timestamp>().unwrap()
        );
        assert_eq!(zone_of(&container(&[], None)), TimeZone::UTC);
        assert_eq!(
            zone_of(&container(&["TZ=Mars/Olympus"], None)),
            TimeZone::UTC
        );
        assert_eq!(zone_of(&super::super::fixture("porter-api")), TimeZone::UTC);
    }

    #[test]
    fn unclaimed_files_are_in_the_zone_the_containers_share() {
        let shanghai = TimeZone::get("Asia/Shanghai").unwrap();
        let zones = |list: &[&TimeZone]| -> HashMap<String, TimeZone> {
            list.iter()
                .enumerate()
                .map(|(index, zone)| (format!("service-{index}"), (*zone).clone()))
                .collect()
        };
        assert_eq!(zone_of_unclaimed(&zones(&[&shanghai, &shanghai])), shanghai);
        assert_eq!(
            zone_of_unclaimed(&zones(&[&shanghai, &TimeZone::UTC])),
            TimeZone::UTC
        );
        assert_eq!(zone_of_unclaimed(&zones(&[])), TimeZone::UTC);
    }
}
