//! The command line, as clap derive types only. The doc comments here are the
//! help text, the man pages and the shell completions: one source for all three.

use clap::{Args, Parser, Subcommand, ValueEnum};
use clap_complete::engine::ArgValueCandidates;
use std::path::PathBuf;

/// See and control every HyperBDR / HyperMotion service on this host.
///
/// hmctl shows and drives the console's Docker Compose containers, the sync
/// proxy's containers and the systemd units of agents and gateways through one
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

Environment:
  HMCTL_CONFIG             configuration file (like --config)
  DOCKER_HOST              Docker endpoint (default unix:///var/run/docker.sock)
  DBUS_SYSTEM_BUS_ADDRESS  systemd's bus (default the system bus)
  NO_COLOR                 never colour output";

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
    /// healthy; exit 1 names each one that did not make it and why.
    Start(LifecycleArgs),
    /// Stop services: dependents first, their dependencies last.
    Stop(LifecycleArgs),
    /// Restart services in dependency order, each waited for until healthy.
    Restart(LifecycleArgs),
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
    /// finished or undone by the next hmctl run.
    Upgrade(UpgradeArgs),
    /// Show services' own log files; search, trace and collect logs.
    ///
    /// `hmctl logs TARGET...` prints the last lines of each service's log files
    /// (the troubleshooting guide's map: logs/porter/porter-api.log,
    /// /var/log/hamal/hamal-period.log, the newest /var/log/sgateway/s3block_YYYYMMDD.log,
    /// ...), merged by time and prefixed by service when there are several. A
    /// service without a log file shows its container's output or its journal.
    Logs(LogsArgs),
    /// List every known service: group, backend, log files, present or not.
    List,
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

#[derive(Debug, Args)]
pub struct UpgradeArgs {
    /// The directory of new program files (the extracted package's installer/venvs).
    #[arg(
        value_name = "PATH",
        required_unless_present = "rollback",
        conflicts_with = "rollback"
    )]
    pub path: Option<PathBuf>,

    /// The group to upgrade (default: the only present group with an upgrade_dir).
    #[arg(long, value_name = "GROUP", add = ArgValueCandidates::new(crate::completion::groups))]
    pub group: Option<String>,

    /// Bring back the version that was live before the last successful upgrade.
    #[arg(long)]
    pub rollback: bool,

    /// Do it without asking (required when not on a terminal).
    #[arg(short, long)]
    pub yes: bool,

    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Per service, how long to wait for it to be healthy after the swap.
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct LogsArgs {
    #[command(subcommand)]
    pub command: Option<LogsCommand>,

    /// Services, units, groups or modules whose logs to show.
    #[arg(value_name = "TARGET", required = true, add = ArgValueCandidates::new(crate::completion::targets))]
    pub targets: Vec<String>,

    /// Keep printing new lines as they are written, across log rotation.
    #[arg(short, long)]
    pub follow: bool,

    /// How many of the last lines to show.
    #[arg(short = 'n', long = "lines", value_name = "N", default_value_t = 10)]
    pub lines: usize,
}

#[derive(Debug, Subcommand)]
pub enum LogsCommand {
    /// Search the logs that matter for a stage, for TARGETs, or all of them.
    ///
    /// With --stage, the services the troubleshooting guide lists for that stage,
    /// high-priority ones first; with TARGETs, their log files; with neither,
    /// every file under each present group's log_dir. Rotated and gzipped files
    /// too. Prints FILE:LINE:TEXT like `grep -n`. Exit 0 when something matched,
    /// 1 when nothing did, 2 for an unknown stage or target.
    Grep(GrepArgs),
    /// Every line mentioning a request or resource id, in every log, as one timeline.
    Trace(TraceArgs),
    /// Write one support bundle (.tar.gz) with every secret masked.
    ///
    /// It holds `hmctl status --json`, each log (its newest part, capped), the
    /// compose files, each group's config_dir, `docker inspect` of the groups'
    /// containers, and a manifest. Passwords, keys, tokens and credentials in
    /// URLs are replaced by ***.
    Collect(CollectArgs),
    /// List the troubleshooting guide's execution stages and the logs each selects.
    Stages,
}

#[derive(Debug, Args)]
pub struct GrepArgs {
    /// A regular expression (or, with -F, a plain string).
    pub pattern: String,

    /// Search the logs of this stage: install, image-build-block,
    /// image-build-object, image-build-general, sync-block, sync-object,
    /// boot-block, boot-object, cleanup, monitoring.
    #[arg(long, value_name = "STAGE", add = ArgValueCandidates::new(crate::completion::stages))]
    pub stage: Option<String>,

    /// Services, units, groups or modules whose logs to search.
    #[arg(value_name = "TARGET", add = ArgValueCandidates::new(crate::completion::targets))]
    pub targets: Vec<String>,

    /// Lines of context before and after each match.
    #[arg(short = 'C', long = "context", value_name = "N", default_value_t = 0)]
    pub context: usize,

    /// Only matches at or after this time: 30m, 2h, 1d, or 2025-09-18 16:00.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// The pattern is a plain string, not a regular expression.
    #[arg(short = 'F', long)]
    pub fixed_strings: bool,

    /// Ignore case.
    #[arg(short = 'i', long)]
    pub ignore_case: bool,
}

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The request, resource or user id to follow.
    pub id: String,
}

#[derive(Debug, Args)]
pub struct CollectArgs {
    /// Where to write the bundle (default /var/tmp/hmctl-logs-HOST-TIME.tar.gz).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Leave out log files last written before this time: 30m, 2h, 1d, or 2025-09-18 16:00.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// At most this many MiB of each log (its newest part).
    #[arg(long, value_name = "MIB", default_value_t = crate::ops::logs::collect::DEFAULT_LOG_CAP >> 20, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub max_log_size: u64,
}

#[derive(Debug, Args)]
pub struct LifecycleArgs {
    /// Services, units, groups or modules (default: every service of every present group).
    #[arg(value_name = "TARGET", add = ArgValueCandidates::new(crate::completion::targets))]
    pub targets: Vec<String>,

    /// Per service: how long to wait for it to be healthy (start, restart; default
    /// 120), or how long it may take to stop before it is killed (stop; default its
    /// stop_timeout, else 10).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: Option<u64>,

    /// Return once each request is accepted, without waiting for health.
    #[arg(long)]
    pub no_wait: bool,

    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Services, units, groups or modules (default: every present service).
    #[arg(value_name = "TARGET", add = ArgValueCandidates::new(crate::completion::targets))]
    pub targets: Vec<String>,
}
