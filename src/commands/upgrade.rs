//! `hmctl upgrade PATH | --rollback`: shows the plan, asks (or takes
//! `--yes`), and reports how the upgrade ended.

use crate::backend::Backends;
use crate::catalog::Catalog;
use crate::cli::UpgradeArgs;
use crate::exit::{Exit, Failure};
use crate::ops;
use crate::ops::execute::Progress;
use crate::ops::interrupt::Interrupt;
use crate::ops::upgrade::Installing;
use crate::ops::upgrade::journal::Kind;
use crate::output::Printer;
use crate::render;
use crate::settings::Settings;

/// Asks on a terminal; elsewhere only `--yes` confirms.
fn confirm(plan: &ops::upgrade::Plan, yes: bool, printer: Printer) -> Result<bool, Failure> {
    use std::io::{BufRead, IsTerminal, Write};
    printer.info(&render::upgrade::plan(plan));
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(unconfirmed(plan.kind));
    }
    eprint!("Proceed with the {}? [y/N] ", plan.kind);
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    let _ = std::io::stdin().lock().read_line(&mut answer);
    Ok(matches!(answer.trim(), "y" | "Y" | "yes" | "YES" | "Yes"))
}

/// The refusal of a `kind` no one can confirm (no terminal, no `--yes`).
fn unconfirmed(kind: Kind) -> Failure {
    Failure::usage(format!(
        "the {kind} changes files: confirm with --yes (the plan is above)"
    ))
    .with_hint("nothing was changed")
}

/// The error and hint of a `plan` rolled back for `reason`.
fn rolled_back(plan: &ops::upgrade::Plan, reason: &str) -> (String, String) {
    (
        format!(
            "the {} of {} was rolled back: {reason}",
            plan.kind, plan.group
        ),
        format!(
            "the previous files of {} are back and its services were started again",
            plan.live_dir.display()
        ),
    )
}

pub async fn run(
    catalog: &Catalog,
    settings: &Settings,
    args: &UpgradeArgs,
    printer: Printer,
) -> anyhow::Result<Exit> {
    let UpgradeArgs {
        path,
        group,
        rollback,
        yes,
        dry_run,
        timeout,
    } = args;
    // clap requires PATH unless --rollback and refuses both together
    // (`required_unless_present`, `conflicts_with`): no PATH is a rollback.
    let installing = match path {
        Some(path) if !*rollback => Installing::Package(path.clone()),
        _ => Installing::Rollback,
    };
    let request = ops::upgrade::Request {
        installing,
        group: group.clone(),
        dry_run: *dry_run,
        timeout: std::time::Duration::from_secs(*timeout),
    };
    let interrupt = Interrupt::install(move |first| {
        if first {
            printer.warning(
                "interrupted: the upgrade stops at the next safe point and undoes what it did",
            );
        }
    });
    let progress: Box<dyn Progress> = if printer.json {
        Box::new(crate::progress::Silent)
    } else {
        crate::progress::for_stderr(printer.quiet)
    };
    let yes = *yes;
    let ask = |plan: &ops::upgrade::Plan| confirm(plan, yes, printer);
    let report = ops::upgrade::run(
        catalog,
        settings,
        &request,
        &ask,
        &interrupt,
        progress.as_ref(),
        &Backends::connecting(settings, catalog),
    )
    .await?;
    if printer.json {
        printer.data(&render::upgrade::json(&report))?;
    } else {
        printer.data(&render::upgrade::outcome(&report, printer.style))?;
    }
    if let ops::upgrade::Report::RolledBack { plan, reason, .. } = &report {
        let (error, hint) = rolled_back(plan, reason);
        printer.error(&error);
        printer.hint(&hint);
    }
    if let ops::upgrade::Report::Upgraded { results, .. }
    | ops::upgrade::Report::RolledBack { results, .. } = &report
    {
        for hint in render::lifecycle::hints(results) {
            printer.hint(&hint);
        }
    }
    if let ops::upgrade::Report::Declined(_) = &report {
        printer.info("nothing was changed");
    }
    Ok(report.exit())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An upgrade rolled back (its services did not prove healthy): what the
    /// operator reads, word for word.
    #[test]
    fn a_rolled_back_upgrade_says_the_previous_files_are_back_word_for_word() {
        let plan = ops::upgrade::Plan {
            group: "console".into(),
            kind: Kind::Upgrade,
            source: "/tmp/v2".into(),
            live_dir: "/opt/installer/production/venvs".into(),
            entries: Vec::new(),
            services: vec!["porter-api".into()],
            files: 0,
            bytes: 0,
            untouched: Vec::new(),
        };
        assert_eq!(
            rolled_back(&plan, "porter-api: exited (1)"),
            (
                "the upgrade of console was rolled back: porter-api: exited (1)".to_string(),
                "the previous files of /opt/installer/production/venvs are back and its services were started again".to_string()
            )
        );
    }

    /// Without a terminal to ask on and without --yes, an upgrade or a
    /// rollback is refused before it changes anything, word for word.
    #[test]
    fn an_unconfirmed_change_is_refused_word_for_word() {
        for (kind, message) in [
            (
                Kind::Upgrade,
                "the upgrade changes files: confirm with --yes (the plan is above)",
            ),
            (
                Kind::Rollback,
                "the rollback changes files: confirm with --yes (the plan is above)",
            ),
        ] {
            let failure = unconfirmed(kind);
            assert_eq!(
                (
                    failure.exit,
                    failure.message.as_str(),
                    failure.hint.as_deref()
                ),
                (Exit::Usage, message, Some("nothing was changed"))
            );
        }
    }
}
