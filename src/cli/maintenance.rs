//! The arguments of `hmctl maintenance` and its verbs, and the `--force` of
//! `start` / `restart` that starts a service in maintenance anyway. Their
//! doc comments are the help text, the man pages and the completions.

use super::args::LifecycleArgs;
use clap::{Args, Subcommand};
use clap_complete::engine::ArgValueCandidates;

#[derive(Debug, Args)]
pub struct StartArgs {
    #[command(flatten)]
    pub lifecycle: LifecycleArgs,

    /// Also start services in maintenance (they stay in maintenance: their
    /// restart policy or enablement is not given back).
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct MaintenanceArgs {
    #[command(subcommand)]
    pub command: Option<MaintenanceCommand>,
}

#[derive(Debug, Subcommand)]
pub enum MaintenanceCommand {
    /// Stop services and keep them stopped through a daemon restart and a reboot.
    ///
    /// Stops TARGET as `hmctl stop` does (refused, exit 2, when running
    /// services outside it need it: --with-dependents puts them in maintenance
    /// too, --force stops only TARGET), after setting each container's restart
    /// policy to `no` and disabling each enabled unit (persistently: not
    /// --runtime). What was there, who, when and why are kept in
    /// /var/lib/hmctl/maintenance.json for `maintenance off` to give back.
    On(MaintenanceOnArgs),
    /// Give back the restart policy or enablement each service had, then start them.
    ///
    /// Without TARGET, everything in maintenance. Started in dependency
    /// order, each waited for until healthy and settled, as `hmctl start` does.
    Off(MaintenanceOffArgs),
    /// List what is in maintenance: who put it there, since when and why (the default).
    List,
}

#[derive(Debug, Args)]
pub struct MaintenanceOnArgs {
    /// Services, units, groups or modules to put in maintenance.
    #[arg(value_name = "TARGET", required = true, add = ArgValueCandidates::new(crate::completion::targets))]
    pub targets: Vec<String>,

    /// Why, for `hmctl maintenance`, `status` and the history.
    #[arg(long, value_name = "TEXT")]
    pub reason: Option<String>,

    /// Also put in maintenance the running services that need what is
    /// stopped (stopped first).
    #[arg(long, conflicts_with = "force")]
    pub with_dependents: bool,

    /// Stop only what was asked, even when running services need it.
    #[arg(long)]
    pub force: bool,

    /// Per service, how long it may take to stop before it is killed
    /// (default its stop_timeout, else 10).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: Option<u64>,

    /// Print the plan (the stop and each restart policy or enablement to
    /// change) and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct MaintenanceOffArgs {
    /// Services or groups in maintenance (default: all of them).
    #[arg(value_name = "TARGET", add = ArgValueCandidates::new(crate::completion::targets))]
    pub targets: Vec<String>,

    /// Per service, how long to wait for it to be healthy (default 120).
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: Option<u64>,

    /// How long each service must stay up before its start is done (default
    /// 2, or its `settle` in hmctl.toml; 0 = off).
    #[arg(long, value_name = "SECS", value_parser = super::args::settle_seconds)]
    pub settle: Option<f64>,

    /// Return once each start is accepted, without waiting for health or settling.
    #[arg(long)]
    pub no_wait: bool,

    /// Print the plan and change nothing.
    #[arg(long)]
    pub dry_run: bool,
}
