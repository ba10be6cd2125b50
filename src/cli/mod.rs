//! The command line, as clap derive types only. The doc comments here (the
//! top-level command and its verbs) and in `args` (each verb's arguments) are
//! the help text, the man pages and the shell completions: one source for all
//! three.

mod args;
mod maintenance;

pub use args::{
    CollectArgs, DiagnoseArgs, EventsArgs, GrepArgs, HistoryArgs, LifecycleArgs, LogsArgs,
    LogsCommand, MetricsArgs, OkToStopArgs, StatusArgs, StopArgs, TraceArgs, UpgradeArgs,
};
pub use maintenance::{
    MaintenanceArgs, MaintenanceCommand, MaintenanceOffArgs, MaintenanceOnArgs, StartArgs,
};

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

/// See and control every HyperBDR / HyperMotion service on this host.
///
/// hmctl shows and drives the console's Docker Compose containers, the sync
/// proxy's containers and the systemd units of agents and gateways — their
/// init scripts or upstart jobs on hosts without systemd — through one
/// interface. TARGET is a compose service (porter-api), a unit with or without
/// `.service` (s3block), a group (console, sync-proxy, agent, gateway) or a
/// module (porter = porter and every porter-*).
#[derive(Debug, Parser)]
#[command(name = "hmctl", version = crate::version::VERSION, propagate_version = true, max_term_width = 100)]
#[command(after_long_help = crate::cli::after_help())]
pub struct Cli {
    /// Read this configuration file instead of /etc/hmctl/hmctl.toml.
    #[arg(long, global = true, value_name = "FILE", env = "HMCTL_CONFIG")]
    pub config: Option<PathBuf>,

    /// How long to wait for each answer of dockerd or systemd (or of an init
    /// script's status, or initctl), in seconds (a fraction allowed, 0.1 to
    /// 600). A daemon or script that does not answer in time is reported and
    /// the other services are still shown.
    #[arg(long, global = true, value_name = "SECS", env = "HMCTL_DAEMON_TIMEOUT", value_parser = daemon_timeout_seconds)]
    pub daemon_timeout: Option<Duration>,

    /// Print one JSON document on stdout instead of a table.
    #[arg(long, global = true)]
    pub json: bool,

    /// When to colour output.
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    pub color: ColorWhen,

    /// Print only errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Say more about what hmctl does.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,

    #[command(subcommand)]
    pub command: Command,
}

/// Exit codes (from the one table, [`crate::exit::Exit::meaning`]) and files,
/// shown at the end of `--help` and in hmctl(1).
pub fn after_help() -> String {
    let codes: String = crate::exit::Exit::ALL
        .iter()
        .map(|exit| format!("  {}  {}\n", exit.code(), exit.meaning()))
        .collect();
    format!("Exit status:\n{codes}\n{FILES_AND_ENVIRONMENT}")
}

const FILES_AND_ENVIRONMENT: &str = "\
Files:
  /etc/hmctl/hmctl.toml  adds groups and overrides built-in ones (see --config)
  /run/hmctl/            root's alone (0700): the lock hmctl.lock and caches (0600)
  /var/lib/hmctl/        root's alone (0700): upgrade journals, hmctl.log, the
                         history, history.jsonl, and what is in maintenance,
                         maintenance.json (0600)
  /var/tmp/hmctl-logs-HOST-TIME.tar.gz  a support bundle (0600)

Environment:
  HMCTL_CONFIG             configuration file (like --config)
  HMCTL_LOCK_FILE          the lock (default /run/hmctl/hmctl.lock); refused in a
                           directory other users can write, or if a link
  DOCKER_HOST              Docker endpoint (default unix:///var/run/docker.sock)
  DBUS_SYSTEM_BUS_ADDRESS  systemd's bus (default the system bus)
  NO_COLOR                 never colour output";

/// The troubleshooting guide's first worked example, end of `diagnose --help` and hmctl-diagnose(1).
pub const DIAGNOSE_EXAMPLE: &str = "\
Example (the guide's \"Failed to attach cloud volume\"): the UI says Failed to
attach at 2025-09-18 16:24:31 while booting a host, volume 6ec3e693-...

  $ hmctl diagnose --stage boot-block --at '2025-09-18 16:24:31' 'volume 6ec3e693-69f7-4129-a43a-16eebe74b528'
  Verdict: target side - Nova answered unicloud-engine: the resource does not exist, ...; porter-api passed it on (rule cloud-not-found)
  First failing: unicloud-engine at 16:24:31.123 - Failed to attach volume <uuid> to server <uuid>: ...
  Next: hmctl logs grep -F 'volume 6ec3e693-...' unicloud-engine -C 50 --since '2025-09-18 16:14:31'
    On that platform, check the resource exists and belongs to the project / tenant ...

  The cause, and what fails through it
    1. Nova answered unicloud-engine: ...; porter-api passed it on [target side, rule cloud-not-found]
     x unicloud-engine, 1x, at 16:24:31.123
         ... Failed to attach volume 6ec3e693-... Nova returned 404 calling Cinder ... (HTTP 404)
     > porter-api, 1x, at 16:24:33.415
         ... Failed to boot host 0a1b2c3d: task 8812 failed: Failed to attach
  Request chains
    req-8f2b4c1e-...: porter-api -> unicloud-engine; failed first: unicloud-engine
  ...

A RabbitMQ outage opens with \"Verdict: product - the middleware rabbitmq is exited: ...;
porter-api fails through it\", \"First failing: rabbitmq at ...\" and \"Next: hmctl restart rabbitmq\".

Exit status: 0 nothing abnormal found, 3 findings, 2 bad input.";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    /// Colour when writing to a terminal and NO_COLOR is unset.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show every service's state and health, and the host checks.
    ///
    /// One row per service: SERVICE, GROUP, STATE, HEALTH, UPTIME, RESTARTS and
    /// DETAIL (the backend's own words). Under it: log and program disk usage,
    /// free disk space and whether the service port accepts connections.
    /// Exit 0 when every selected service is running and healthy, 3 when one is
    /// not, 4 when Docker or systemd could not be asked.
    Status(StatusArgs),
    /// Start services: dependencies first, dependents after, independent ones at once.
    ///
    /// Without TARGET, every service of every present group. A declared compose
    /// service without a container is created (`up -d --no-deps SERVICE`).
    /// Returns once every service is running and, where it has a health check,
    /// healthy; exit 1 names each one that did not make it and why. A service
    /// in maintenance is refused (exit 2) unless --force.
    Start(StartArgs),
    /// Stop services: dependents first, their dependencies last.
    ///
    /// Refused (exit 2, nothing changed) when running services outside TARGET
    /// need a service being stopped, naming each (porter-api needs mysql):
    /// --with-dependents stops them too, dependents first; --force stops only
    /// what was asked. --dry-run gives the same verdict.
    Stop(StopArgs),
    /// Restart services in dependency order, each waited for until healthy.
    ///
    /// A restart is not refused for what needs the service: it is down only
    /// between its stop and its start, and hmctl waits until it is healthy again.
    /// A service in maintenance is refused (exit 2) unless --force.
    Restart(StartArgs),
    /// Recreate the containers whose image changed; run after updating a base image.
    ///
    /// A container is recreated (`up -d --no-deps --force-recreate`) when its
    /// image tag now names another image than the one it runs, or when its
    /// compose configuration changed; the others are left alone. In dependency
    /// order, each waited for until healthy. --dry-run lists them.
    Reload(LifecycleArgs),
    /// Replace a group's program files from an extracted package, safely.
    ///
    /// `hmctl upgrade <extracted>/installer/venvs` on the console (or a package
    /// of program files on a gateway, agent or sync proxy): checks the package,
    /// prints the plan, asks (or needs --yes), stages a copy beside the live
    /// directory, stops the affected services, swaps every entry in atomically,
    /// starts them and waits for health. On any failure the old files are put
    /// back and the services started again (exit 1). The replaced version is
    /// kept (the last 2); --rollback brings it back. A crash at any point is
    /// finished or undone by the next hmctl run. Links inside the package (a
    /// venv's bin/python3 -> /usr/bin/python3) are carried over as links, never
    /// followed; a top-level entry of another kind than the live one (a link
    /// where a directory lives), devices, fifos and sockets are refused (exit 2).
    Upgrade(UpgradeArgs),
    /// Show services' own log files; search, trace and collect logs.
    ///
    /// `hmctl logs TARGET...` prints the last lines of each service's log files
    /// (the troubleshooting guide's map: logs/porter/porter-api.log,
    /// /var/log/hamal/hamal-period.log, the newest /var/log/sgateway/s3block_YYYYMMDD.log,
    /// ...), merged by time and prefixed by service when there are several. A
    /// service without a log file shows its container's output or its journal.
    Logs(LogsArgs),
    /// The troubleshooting guide's method as one command: the verdict and next step first, then the evidence by cause.
    ///
    /// Takes the error time (--at, or --since/--until; default the last hour)
    /// and any request / resource id (--id) from the UI. 1. State first: the
    /// services that matter (a --stage's, a SERVICE and what it depends on, or
    /// all), with Docker's health-check output, exit codes, OOM kills and
    /// restarts, or a unit's Result and last journal lines, for each one not
    /// well. 2. The ERROR / CRITICAL / Traceback lines of the window in their
    /// logs (rotated and gzipped too, high-priority first), grouped by
    /// signature (ids, numbers, addresses and paths masked). 3. The request ids
    /// in them followed across services: which failed first. 4. A verdict per
    /// finding (source side, target side, product, host) and the next command
    /// to run, one that can work in the service's state. 5. The findings
    /// grouped by cause: a dead dependency with the services failing through
    /// it, an error with what passed it on; the report opens with the verdict,
    /// the first failing service (the earliest event) and the next step. A
    /// health check within its start period is information, not a finding.
    /// Exit 0 when nothing abnormal was found (one line), 3 when something
    /// was, 2 for bad input.
    #[command(after_long_help = DIAGNOSE_EXAMPLE)]
    Diagnose(DiagnoseArgs),
    /// Say whether stopping TARGET would leave a running service without something it needs.
    ///
    /// The verdict `hmctl stop` gives, alone, for scripts: exit 0 when it is
    /// safe, 1 when it is not, with each running service outside TARGET that
    /// needs a service of it (porter-api needs mysql); 2 for an unknown TARGET,
    /// 4 when Docker or systemd cannot be asked. Changes nothing.
    OkToStop(OkToStopArgs),
    /// Keep services stopped through a daemon restart and a reboot, and list them.
    ///
    /// `hmctl maintenance on TARGET... [--reason TEXT]` stops them (with the
    /// ok-to-stop rule of `stop`) and holds them off: a container's restart
    /// policy set to `no`, an enabled unit disabled. `hmctl maintenance off
    /// [TARGET...]` gives back exactly what was there and starts them.
    /// `hmctl maintenance` lists them with who, since when and why. `status`
    /// shows them as `maintenance` (ok), `start` and `restart` refuse them
    /// without --force, and metrics export hmctl_service_maintenance.
    Maintenance(MaintenanceArgs),
    /// Show every change hmctl made on this host: who, from where, what, how it ended.
    ///
    /// One row per run of start, stop, restart, reload, upgrade, rollback and
    /// recovery: when it began, who (the login user behind sudo), from where
    /// (SSH client, terminal, or ansible), the command line as given, its
    /// result and how long it took; --json adds the plan's steps, each
    /// service's result and time, the exit code, and for an upgrade the
    /// package and the backup kept. A run killed before it ended shows "did
    /// not finish"; one still going, "running". Kept in
    /// /var/lib/hmctl/history.jsonl (root's alone, rotated at 4 MiB) and sent
    /// to the journal (identifier hmctl).
    History(HistoryArgs),
    /// Show what happened to the services, as one timeline: starts, deaths, health changes, operators' actions.
    ///
    /// Oldest first, each event with its time, group, service, what happened
    /// (started, exited with its code, killed with its signal, OOM killed,
    /// health changed, restarted, stopped, failed with systemd's result, an
    /// operator's action through hmctl with who and from where) and its
    /// source: docker-events (Docker's event stream), container-state (each
    /// container's last start and finish, kept across a dockerd restart),
    /// journal (systemd's messages about the units), hmctl-history. A source
    /// that cannot be read is named under the table and the rest shown.
    /// --json prints one JSON object per line (JSON Lines), each with
    /// `schema`. Exit 0, 2 for bad input, 4 when no source could be read.
    Events(EventsArgs),
    /// List every known service: group, backend, log files, present or not.
    List,
    /// Print every service's state as Prometheus metrics, or write them for node_exporter.
    ///
    /// The same snapshot as `status` (same daemons, deadlines and host checks)
    /// in the Prometheus text format: hmctl_service_up, hmctl_service_state,
    /// hmctl_service_health, hmctl_service_restarts_total,
    /// hmctl_service_start_time_seconds, hmctl_check_ok, hmctl_disk_*_bytes,
    /// hmctl_backend_up, hmctl_scrape_duration_seconds, hmctl_build_info.
    /// A daemon that cannot be asked makes hmctl_backend_up 0, and the exit is
    /// still 0. The packages' hmctl-metrics.timer runs
    /// `hmctl metrics --textfile /var/lib/prometheus/node-exporter` every 15 s.
    Metrics(MetricsArgs),
    /// Print the shell completion script (services are completed from this host's catalog).
    ///
    /// The packages install it; by hand: `hmctl completions bash >
    /// /usr/share/bash-completion/completions/hmctl`.
    Completions {
        #[arg(value_enum)]
        shell: Shell,
    },
}

/// The shells hmctl completes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

impl Shell {
    pub fn name(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
            Shell::Elvish => "elvish",
            Shell::Powershell => "powershell",
        }
    }
}

/// `--daemon-timeout`: seconds, a fraction allowed, 0.1 to 600.
fn daemon_timeout_seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    let (least, most) = crate::settings::DAEMON_TIMEOUT_RANGE;
    if (least..=most).contains(&seconds) {
        Ok(Duration::from_secs_f64(seconds))
    } else {
        Err(format!("{seconds} is not within {least} to {most} seconds"))
    }
}
