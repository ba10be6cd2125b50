//! `hmctl ok-to-stop TARGET...`: the verdict `stop` would give, alone, for
//! scripts and the Ansible module. Exit 0 safe, 1 not safe.

use crate::backend::Backends;
use crate::catalog::Catalog;
use crate::cli::OkToStopArgs;
use crate::exit::Exit;
use crate::ops;
use crate::output::Printer;
use crate::render;
use crate::settings::Settings;

pub async fn run(
    catalog: &Catalog,
    settings: &Settings,
    args: &OkToStopArgs,
    printer: Printer,
) -> anyhow::Result<Exit> {
    let OkToStopArgs { targets } = args;
    let verdict = ops::dependents::check(
        catalog,
        settings,
        targets,
        &Backends::connecting(settings, catalog),
    )
    .await?;
    let text = if printer.json {
        render::dependents::json(&verdict)
    } else {
        render::dependents::verdict(&verdict, targets)
    };
    printer.data(&text)?;
    if verdict.is_safe() {
        return Ok(Exit::Success);
    }
    printer.hint(&ops::dependents::ways_on(targets, &verdict));
    Ok(Exit::OperationFailed)
}
