//! `hmctl metrics`: one status snapshot as the Prometheus text exposition
//! format (version 0.0.4), for node_exporter's textfile collector. Names and
//! labels follow the Prometheus naming guide and node_exporter's systemd
//! collector: base units, state sets as one series per state, and only
//! low-cardinality labels (service, group, backend, check, path, port).

use crate::model::BackendKind;
use crate::model::{Health, ServiceStatus, State};
use crate::ops::host::checks::Check;
use crate::render::exposition::{Family, Kind};
use std::time::Duration;

/// Every state of the contract, in the order the state set lists them.
pub const STATES: [State; 9] = [
    State::Running,
    State::Starting,
    State::Restarting,
    State::Stopped,
    State::Exited,
    State::Failed,
    State::Missing,
    State::Unknown,
    State::Maintenance,
];

/// Every health of the contract.
pub const HEALTHS: [Health; 4] = [
    Health::Healthy,
    Health::Unhealthy,
    Health::Starting,
    Health::None,
];

/// What one scrape saw: the status snapshot's rows and checks, and the
/// daemons that could not be asked.
#[derive(Debug, Clone, Copy)]
pub struct Scrape<'a> {
    pub services: &'a [ServiceStatus],
    pub checks: &'a [Check],
    /// The daemons (`docker`, `systemd`) that failed to answer.
    pub failed_daemons: &'a [&'a str],
    /// The groups whose compose files could not be read.
    pub unread_groups: &'a [&'a str],
    /// How long taking the snapshot took.
    pub duration: Duration,
    pub version: &'a str,
    pub commit: &'a str,
}

fn flag(value: bool) -> u8 {
    u8::from(value)
}

/// The whole exposition: every family, HELP and TYPE first.
pub fn exposition(scrape: &Scrape) -> String {
    let mut out = String::new();
    for family in service_families(scrape.services) {
        family.write_to(&mut out);
    }
    for family in exit_families(scrape.services) {
        family.write_to(&mut out);
    }
    for family in check_families(scrape.checks) {
        family.write_to(&mut out);
    }
    group_files_family(scrape).write_to(&mut out);
    for family in scrape_families(scrape) {
        family.write_to(&mut out);
    }
    out
}

/// Whether each group's compose files could be read: a bad edit leaves
/// every container running and `hmctl_service_up` at 1, so only this says it.
fn group_files_family(scrape: &Scrape) -> Family {
    let mut files_read = Family::new(
        "hmctl_group_files_read",
        Kind::Gauge,
        "0 when the group's compose files could not be read this scrape (its services are then its containers as Docker lists them), else 1.",
    );
    let mut groups: Vec<&str> = scrape
        .services
        .iter()
        .map(|service| service.group.as_str())
        .chain(scrape.unread_groups.iter().copied())
        .collect();
    groups.sort_unstable();
    groups.dedup();
    for group in groups {
        files_read.sample(
            &[("group", group)],
            flag(!scrape.unread_groups.contains(&group)),
        );
    }
    files_read
}

fn service_families(services: &[ServiceStatus]) -> Vec<Family> {
    let mut up = Family::new(
        "hmctl_service_up",
        Kind::Gauge,
        "1 when the service is running and healthy or without a health check (status' ok), else 0.",
    );
    let mut state = Family::new(
        "hmctl_service_state",
        Kind::Gauge,
        "The service's state: 1 on the current state, 0 on the others.",
    );
    let mut health = Family::new(
        "hmctl_service_health",
        Kind::Gauge,
        "The service's health-check verdict: 1 on the current one, 0 on the others.",
    );
    let mut restarts = Family::new(
        "hmctl_service_restarts_total",
        Kind::Counter,
        "Restarts the backend counted (Docker's RestartCount, systemd's NRestarts).",
    );
    let mut start_time = Family::new(
        "hmctl_service_start_time_seconds",
        Kind::Gauge,
        "Unix time a running service entered the running state.",
    );
    let mut maintenance = Family::new(
        "hmctl_service_maintenance",
        Kind::Gauge,
        "1 while the service is in maintenance (hmctl maintenance on: stopped on purpose and held off), else 0.",
    );
    for service in services {
        let base = [
            ("service", service.name.as_str()),
            ("group", service.group.as_str()),
            ("backend", service.backend().as_str()),
        ];
        up.sample(&base, flag(service.ok));
        maintenance.sample(&base, flag(service.maintenance.is_some()));
        for candidate in STATES {
            let labels = [base[0], base[1], base[2], ("state", candidate.as_str())];
            state.sample(&labels, flag(service.state == candidate));
        }
        for candidate in HEALTHS {
            let labels = [base[0], base[1], base[2], ("health", candidate.as_str())];
            health.sample(&labels, flag(service.health == candidate));
        }
        if let Some(count) = service.restarts {
            restarts.sample(&base, count);
        }
        if let (State::Running, Some(since)) = (service.state, service.since) {
            let seconds = since.as_millisecond() as f64 / 1000.0;
            start_time.sample(&base, seconds);
        }
    }
    vec![up, state, health, restarts, start_time, maintenance]
}

/// How each service's process last ended, as its daemon still says it
/// (Docker's current container, a unit that is not running): a gauge of the
/// code and one of the OOM kill, not counters — the daemons keep the last
/// end only, not a count of them.
fn exit_families(services: &[ServiceStatus]) -> Vec<Family> {
    let mut code = Family::new(
        "hmctl_service_last_exit_code",
        Kind::Gauge,
        "Exit code of the service's last ended process (128 + signal when killed by one).",
    );
    let mut oom = Family::new(
        "hmctl_service_oom_killed",
        Kind::Gauge,
        "1 when the service's last ended process was killed for memory (Docker's OOMKilled, systemd's Result=oom-kill), else 0.",
    );
    let mut time = Family::new(
        "hmctl_service_last_exit_time_seconds",
        Kind::Gauge,
        "Unix time the service's last ended process ended, by its daemon's clock.",
    );
    for service in services {
        let Some(exit) = service.last_exit else {
            continue;
        };
        let base = [
            ("service", service.name.as_str()),
            ("group", service.group.as_str()),
            ("backend", service.backend().as_str()),
        ];
        code.sample(&base, exit.code);
        oom.sample(&base, flag(exit.oom_killed));
        if let Some(at) = exit.at {
            time.sample(&base, at.as_millisecond() as f64 / 1000.0);
        }
    }
    vec![code, oom, time]
}

fn check_families(checks: &[Check]) -> Vec<Family> {
    let mut ok = Family::new(
        "hmctl_check_ok",
        Kind::Gauge,
        "1 when the host check passed (disk usage, free space, service port), else 0.",
    );
    let mut used = Family::new(
        "hmctl_disk_used_bytes",
        Kind::Gauge,
        "Bytes used: under the directory for log-disk and program-disk (a lower bound when the walk ran out of time), on the filesystem for free-disk.",
    );
    let mut free = Family::new(
        "hmctl_disk_free_bytes",
        Kind::Gauge,
        "Bytes available to unprivileged users on the filesystem holding the path.",
    );
    let mut total = Family::new(
        "hmctl_disk_total_bytes",
        Kind::Gauge,
        "Size in bytes of the filesystem holding the path.",
    );
    let mut age = Family::new(
        "hmctl_disk_age_seconds",
        Kind::Gauge,
        "Seconds since the disk figure was measured: 0 when measured by this scrape, more when it comes from hmctl's cache.",
    );
    for check in checks {
        let group = check.group.as_deref().unwrap_or("");
        let port = check.port.map(|port| port.to_string());
        let mut labels = vec![("check", check.name), ("group", group)];
        if let Some(port) = &port {
            labels.push(("port", port.as_str()));
        }
        ok.sample(&labels, flag(check.ok));
        let Some(path) = check.path.as_deref() else {
            continue;
        };
        let labels = [("check", check.name), ("group", group), ("path", path)];
        if let Some(bytes) = check.used_bytes {
            used.sample(&labels, bytes);
        }
        if let Some(bytes) = check.free_bytes {
            free.sample(&labels, bytes);
        }
        if let Some(bytes) = check.total_bytes {
            total.sample(&labels, bytes);
        }
        if check.used_bytes.is_some() || check.free_bytes.is_some() {
            age.sample(&labels, check.age_seconds.unwrap_or(0));
        }
    }
    vec![ok, used, free, total, age]
}

fn scrape_families(scrape: &Scrape) -> Vec<Family> {
    let mut backend_up = Family::new(
        "hmctl_backend_up",
        Kind::Gauge,
        "1 when the daemon behind the backend (Docker for compose, systemd) answered this scrape, else 0.",
    );
    let mut backends: Vec<BackendKind> =
        scrape.services.iter().map(ServiceStatus::backend).collect();
    backends.sort_by_key(|backend| backend.as_str());
    backends.dedup();
    for backend in backends {
        let answered = !scrape.failed_daemons.contains(&backend.daemon_id());
        backend_up.sample(&[("backend", backend.as_str())], flag(answered));
    }
    let mut duration = Family::new(
        "hmctl_scrape_duration_seconds",
        Kind::Gauge,
        "Seconds hmctl took to ask the daemons and run the host checks.",
    );
    duration.sample(&[], scrape.duration.as_secs_f64());
    let mut build = Family::new(
        "hmctl_build_info",
        Kind::Gauge,
        "Always 1; the labels say which hmctl wrote these metrics.",
    );
    build.sample(&[("version", scrape.version), ("commit", scrape.commit)], 1);
    vec![backend_up, duration, build]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Handle, HandleKind, Observation};

    fn service(name: &str, state: State, health: Health) -> ServiceStatus {
        let mut observation = Observation::missing("");
        observation.state = state;
        observation.health = health;
        observation.restarts = Some(3);
        observation.since = jiff::Timestamp::from_second(1_700_000_000).ok();
        ServiceStatus::new(
            name,
            "gateway",
            Handle::new(HandleKind::Systemd, name),
            observation,
        )
    }

    fn scrape<'a>(
        services: &'a [ServiceStatus],
        checks: &'a [Check],
        failed: &'a [&'a str],
    ) -> String {
        exposition(&Scrape {
            services,
            checks,
            failed_daemons: failed,
            unread_groups: &[],
            duration: Duration::from_millis(1250),
            version: "0.1.0",
            commit: "abc",
        })
    }

    #[test]
    fn a_service_in_maintenance_is_flagged_and_in_the_maintenance_state() {
        let mut held = service("s3block", State::Exited, Health::None);
        held.mark_maintenance(crate::model::MaintenanceMark {
            by: "alice".into(),
            since: jiff::Timestamp::from_second(1_700_000_000).unwrap(),
            reason: None,
        });
        let text = scrape(
            &[held, service("watchman", State::Running, Health::None)],
            &[],
            &[],
        );
        assert!(text.contains("# TYPE hmctl_service_maintenance gauge\n"));
        assert!(text.contains(
            "hmctl_service_maintenance{service=\"s3block\",group=\"gateway\",backend=\"systemd\"} 1\n"
        ));
        assert!(text.contains(
            "hmctl_service_maintenance{service=\"watchman\",group=\"gateway\",backend=\"systemd\"} 0\n"
        ));
        assert!(text.contains(
            "hmctl_service_state{service=\"s3block\",group=\"gateway\",backend=\"systemd\",state=\"maintenance\"} 1\n"
        ));
        assert!(text.contains(
            "hmctl_service_up{service=\"s3block\",group=\"gateway\",backend=\"systemd\"} 1\n"
        ));
    }

    #[test]
    fn a_running_service_is_up_with_one_state_and_one_health_set() {
        let text = scrape(
            &[service("s3block", State::Running, Health::None)],
            &[],
            &[],
        );
        let labels = r#"service="s3block",group="gateway",backend="systemd""#;
        assert!(text.contains(&format!("hmctl_service_up{{{labels}}} 1\n")));
        assert!(text.contains(&format!(
            "hmctl_service_state{{{labels},state=\"running\"}} 1\n"
        )));
        assert!(text.contains(&format!(
            "hmctl_service_state{{{labels},state=\"failed\"}} 0\n"
        )));
        assert!(text.contains(&format!(
            "hmctl_service_health{{{labels},health=\"none\"}} 1\n"
        )));
        assert_eq!(text.matches("hmctl_service_state{").count(), STATES.len());
        assert_eq!(text.matches("hmctl_service_health{").count(), HEALTHS.len());
        assert!(text.contains(&format!("hmctl_service_restarts_total{{{labels}}} 3\n")));
        assert!(text.contains(&format!(
            "hmctl_service_start_time_seconds{{{labels}}} 1700000000\n"
        )));
        assert!(text.contains("# TYPE hmctl_service_restarts_total counter\n"));
        assert!(text.contains("hmctl_backend_up{backend=\"systemd\"} 1\n"));
        assert!(text.contains("hmctl_scrape_duration_seconds 1.25\n"));
        assert!(text.contains("hmctl_build_info{version=\"0.1.0\",commit=\"abc\"} 1\n"));
    }

    #[test]
    fn a_service_that_ended_gives_its_last_exit_code_and_oom_kill() {
        let mut killed = service("s3block", State::Failed, Health::None);
        killed.last_exit = Some(crate::model::LastExit {
            at: jiff::Timestamp::from_second(1_700_000_100).ok(),
            code: 137,
            oom_killed: true,
        });
        let never = service("never", State::Running, Health::None);
        let text = scrape(&[killed, never], &[], &[]);
        let labels = r#"service="s3block",group="gateway",backend="systemd""#;
        assert!(text.contains(&format!("hmctl_service_last_exit_code{{{labels}}} 137\n")));
        assert!(text.contains(&format!("hmctl_service_oom_killed{{{labels}}} 1\n")));
        assert!(text.contains(&format!(
            "hmctl_service_last_exit_time_seconds{{{labels}}} 1700000100\n"
        )));
        assert!(text.contains("# TYPE hmctl_service_oom_killed gauge\n"));
        assert!(!text.contains("hmctl_service_last_exit_code{service=\"never\""));
    }

    #[test]
    fn a_failed_service_is_down_and_has_no_start_time() {
        let text = scrape(&[service("s3block", State::Failed, Health::None)], &[], &[]);
        assert!(text.contains(
            "hmctl_service_up{service=\"s3block\",group=\"gateway\",backend=\"systemd\"} 0\n"
        ));
        assert!(text.contains(",state=\"failed\"} 1\n"));
        assert!(!text.contains("hmctl_service_start_time_seconds"));
    }

    #[test]
    fn a_daemon_that_could_not_be_asked_is_backend_up_zero() {
        let text = scrape(
            &[service("s3block", State::Unknown, Health::None)],
            &[],
            &["systemd"],
        );
        assert!(text.contains("hmctl_backend_up{backend=\"systemd\"} 0\n"));
        assert!(text.contains(",state=\"unknown\"} 1\n"));
    }

    #[test]
    fn a_group_whose_files_could_not_be_read_is_files_read_zero() {
        let services = [service("s3block", State::Running, Health::None)];
        let text = exposition(&Scrape {
            services: &services,
            checks: &[],
            failed_daemons: &[],
            unread_groups: &["console"],
            duration: Duration::from_millis(1),
            version: "0.1.0",
            commit: "abc",
        });
        assert!(text.contains("hmctl_group_files_read{group=\"console\"} 0\n"));
        assert!(text.contains("hmctl_group_files_read{group=\"gateway\"} 1\n"));
        assert!(text.contains("# TYPE hmctl_group_files_read gauge\n"));
    }

    #[test]
    fn every_family_has_help_and_type_before_its_samples() {
        let services = [service("s3block", State::Running, Health::Healthy)];
        let text = scrape(&services, &[], &[]);
        let mut declared: Vec<&str> = Vec::new();
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("# TYPE ") {
                declared.push(rest.split(' ').next().unwrap_or(""));
            } else if !line.starts_with('#') {
                let name = line.split(['{', ' ']).next().unwrap_or("");
                assert!(declared.contains(&name), "{name} sampled before its TYPE");
            }
        }
        assert_eq!(text.matches("# HELP ").count(), declared.len());
    }

    #[test]
    fn checks_give_ok_and_disk_bytes_with_their_path() {
        let mut free = Check {
            name: "free-disk",
            group: Some("console".into()),
            path: Some("/".into()),
            port: None,
            used_bytes: None,
            free_bytes: Some(10),
            total_bytes: Some(40),
            measured_at: None,
            age_seconds: None,
            partial: false,
            ok: true,
            detail: None,
        };
        let mut port = free.clone();
        port.name = "port";
        port.path = None;
        port.port = Some(10443);
        port.ok = false;
        free.used_bytes = None;
        let mut program = free.clone();
        program.name = "program-disk";
        program.path = Some("/opt/installer".into());
        program.used_bytes = Some(7);
        program.free_bytes = None;
        program.total_bytes = None;
        program.age_seconds = Some(40);
        let text = scrape(&[], &[free, port, program], &[]);
        assert!(text.contains(
            "hmctl_disk_age_seconds{check=\"free-disk\",group=\"console\",path=\"/\"} 0\n"
        ));
        assert!(text.contains(
            "hmctl_disk_age_seconds{check=\"program-disk\",group=\"console\",path=\"/opt/installer\"} 40\n"
        ));
        assert!(text.contains("hmctl_check_ok{check=\"free-disk\",group=\"console\"} 1\n"));
        assert!(
            text.contains("hmctl_check_ok{check=\"port\",group=\"console\",port=\"10443\"} 0\n")
        );
        assert!(text.contains(
            "hmctl_disk_free_bytes{check=\"free-disk\",group=\"console\",path=\"/\"} 10\n"
        ));
        assert!(text.contains(
            "hmctl_disk_total_bytes{check=\"free-disk\",group=\"console\",path=\"/\"} 40\n"
        ));
        assert!(
            !text.contains("hmctl_disk_used_bytes{check=\"free-disk\""),
            "no used figure, no sample"
        );
    }

    #[test]
    fn odd_label_values_are_escaped() {
        let mut odd = service("s3block", State::Running, Health::None);
        odd.group = "we\"ird\\".into();
        let text = scrape(&[odd], &[], &[]);
        assert!(text.contains(r#"group="we\"ird\\""#));
    }
}
