//! The arguments of each verb (`status`, `start`/`stop`/`restart`/`reload`,
//! `upgrade`, `logs` and its subcommands, `diagnose`, `metrics`), as clap
//! derive types. Their doc comments are the help text, the man pages and the
//! shell completions of the options.

use clap::{Args, Subcommand};
use clap_complete::engine::ArgValueCandidates;
use std::path::PathBuf;

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
    /// containers, and a manifest. The bundle is created exclusively, readable
    /// by root alone (mode 0600), and renamed into place.
    ///
    /// Masked (replaced by ***): configuration is parsed by its format (INI /
    /// conf, JSON, YAML and compose files, TOML, env files) and every value
    /// under a key naming a secret (password, pass, pwd, secret, token, key,
    /// auth, credential, cookie, signature) is masked whole, nested mappings
    /// and lists included; the file is written back in its format, so it still
    /// parses. What does not parse has the rest of each secret key's line
    /// masked. In every file, logs included: credentials in URLs
    /// (scheme://user:***@host), Authorization, X-Auth-Token and Cookie
    /// headers, bearer tokens, JWTs, AWS access key ids and secret keys, PEM
    /// private keys, fernet tokens and long random-looking strings. The
    /// manifest counts the values masked in each file, never the values.
    ///
    /// Not masked: host names, IP addresses, user names, paths, ids and
    /// endpoints, unless --obfuscate; a secret in free text under no secret
    /// key and in no token shape.
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

    /// Only matches at or after this time: 30m, 2h, 1d, or 2025-09-18 16:00
    /// (local time unless it carries an offset: 2025-09-18T08:00:00Z).
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
    /// Where to write the bundle, a file that is not there yet (default
    /// /var/tmp/hmctl-logs-HOST-TIME.tar.gz).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Leave out log files last written before this time: 30m, 2h, 1d, or
    /// 2025-09-18 16:00 (local time unless it carries an offset).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// At most this many MiB of each log (its newest part).
    #[arg(long, value_name = "MIB", default_value_t = crate::ops::logs::collect::DEFAULT_LOG_CAP >> 20, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub max_log_size: u64,

    /// Also replace host names, IP and MAC addresses and user names by tokens
    /// (host-1, ip-1, mac-1, user-1), the same in every file; versions and
    /// signatures are left alone. The mapping is kept beside the bundle as
    /// FILE.mapping.json (mode 0600), never in it.
    #[arg(long)]
    pub obfuscate: bool,
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

    /// Start, restart: how long each service must stay up — the same process,
    /// no restart, not unhealthy — before its start is done (default 2, or its
    /// `settle` in hmctl.toml; 0 = off). Units that signal readiness and
    /// containers whose health check passed are watched a quarter of it;
    /// `oneshot` units that remain active, not at all.
    #[arg(long, value_name = "SECS", value_parser = settle_seconds)]
    pub settle: Option<f64>,

    /// Return once each request is accepted, without waiting for health or settling.
    #[arg(long)]
    pub no_wait: bool,

    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct StopArgs {
    #[command(flatten)]
    pub lifecycle: LifecycleArgs,

    /// Also stop the running services that need what is stopped (dependents
    /// first); `hmctl start` of them all brings them back in order.
    #[arg(long, conflicts_with = "force")]
    pub with_dependents: bool,

    /// Stop only what was asked, even when running services need it.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct OkToStopArgs {
    /// Services, units, groups or modules that would be stopped.
    #[arg(value_name = "TARGET", required = true, add = ArgValueCandidates::new(crate::completion::targets))]
    pub targets: Vec<String>,
}

#[derive(Debug, Args)]
pub struct MetricsArgs {
    /// Write DIR/hmctl.prom atomically (for node_exporter's
    /// --collector.textfile.directory) instead of printing.
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub textfile: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct DiagnoseArgs {
    /// [SERVICE] [KEYWORD]: a service, unit, group or module, and a string the
    /// error lines must concern. One word that names no service is the KEYWORD.
    #[arg(value_name = "SERVICE|KEYWORD", num_args = 0..=2, add = ArgValueCandidates::new(crate::completion::targets))]
    pub words: Vec<String>,

    /// Look at the logs of this stage: install, image-build-block,
    /// image-build-object, image-build-general, sync-block, sync-object,
    /// boot-block, boot-object, cleanup, monitoring.
    #[arg(long, value_name = "STAGE", add = ArgValueCandidates::new(crate::completion::stages))]
    pub stage: Option<String>,

    /// The time of the error (from the UI): the window is 10 minutes either
    /// side. Local time unless it carries an offset (2025-09-18T08:24:31Z).
    #[arg(long, value_name = "TIME", conflicts_with_all = ["since", "until"])]
    pub at: Option<String>,

    /// The window's start: 30m, 2h, 1d (ago), or 2025-09-18 16:00 (default: 1 hour before --until).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// The window's end, in the same forms (default: now).
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// A request, resource or user id from the UI: the lines naming it, and
    /// the requests they belong to, across every service.
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,

    /// Read at most this many MiB of logs in all (the report says when it stopped there).
    #[arg(long, value_name = "MIB", default_value_t = crate::diagnose::DEFAULT_BUDGET_MIB, value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    pub max_read: u64,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Services, units, groups or modules (default: every present service).
    #[arg(value_name = "TARGET", add = ArgValueCandidates::new(crate::completion::targets))]
    pub targets: Vec<String>,
}

/// `--settle`: seconds, a fraction allowed, 0 to 600.
pub(super) fn settle_seconds(text: &str) -> Result<f64, String> {
    let seconds: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    let most = crate::catalog::MAX_SETTLE_SECONDS;
    if (0.0..=most).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(format!("{seconds} is not within 0 to {most} seconds"))
    }
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only runs that touched these services, units, groups or modules (a
    /// service removed since is still found by its name).
    #[arg(value_name = "TARGET", add = ArgValueCandidates::new(crate::completion::targets))]
    pub targets: Vec<String>,

    /// Only runs still going at or after this time: 30m, 2h, 1d (ago), or
    /// 2025-09-18 16:00 (local time unless it carries an offset).
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Only runs that began at or before this time, in the same forms.
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,
}

#[derive(Debug, Args)]
pub struct EventsArgs {
    /// Only what happened to these services, units, groups or modules.
    #[arg(value_name = "TARGET", add = ArgValueCandidates::new(crate::completion::targets))]
    pub targets: Vec<String>,

    /// Only events at or after this time: 30m, 2h, 1d (ago), or 2025-09-18
    /// 16:00 (local time unless it carries an offset). Without it, all that
    /// the daemons and the history keep.
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Only events at or before this time, in the same forms (default: now).
    #[arg(long, value_name = "TIME", conflicts_with = "follow")]
    pub until: Option<String>,

    /// Keep printing new events as they happen (Docker's events, the units'
    /// journal, hmctl's own changes), until Ctrl-C.
    #[arg(short, long)]
    pub follow: bool,
}
