//! `log_timezone` in `hmctl.toml` (per `[[group]]` and `[service.X]`): the
//! zone a service writes its log times in when they carry no offset, for
//! when hmctl's own guess (the host's zone for host services, a container's
//! `TZ` or UTC for containers) is wrong. A name jiff does not know is refused
//! when the file is read, not discovered while reading logs.

use jiff::tz::TimeZone;

/// The zone named by `log_timezone = "NAME"` at `key` (for messages), or why not.
pub fn zone_named(key: &str, name: &str) -> Result<TimeZone, String> {
    TimeZone::get(name.trim()).map_err(|_| format!("{key} = {name:?}: unknown time zone"))
}

/// What the operator can do about an unknown zone name.
pub const ZONE_HINT: &str = "name an IANA time zone such as \"Asia/Shanghai\" or \"UTC\" (the names under /usr/share/zoneinfo)";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zones_are_known_by_their_iana_names() {
        assert_eq!(
            zone_named("log_timezone", "Asia/Shanghai")
                .unwrap()
                .iana_name(),
            Some("Asia/Shanghai")
        );
        assert_eq!(
            zone_named("group \"console\" log_timezone", "Mars/Olympus").unwrap_err(),
            "group \"console\" log_timezone = \"Mars/Olympus\": unknown time zone"
        );
    }
}
