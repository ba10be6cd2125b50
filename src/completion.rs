//! Dynamic shell completion: the candidates for TARGET, --group and --stage
//! come from the catalog and what is installed on this host, at the moment
//! of completing. (The shell scripts call `HMCTL_COMPLETE=SHELL hmctl -- WORDS`.)
//! `HMCTL_CONFIG` is honoured; a `--config` typed on the line is not seen.

use crate::catalog::{self, Catalog, MODULES, STAGES, module_of};
use crate::ops::inventory::inventory;
use crate::settings::Settings;
use clap_complete::engine::CompletionCandidate;

/// The catalog, by settings of its own: a completion is asked before any run
/// resolves them.
fn catalog() -> Option<(Catalog, Settings)> {
    let settings = Settings::from_environment();
    let catalog = catalog::load(
        settings.config.as_deref(),
        settings.daemons.bus_address.is_some(),
    )
    .ok()?;
    Some((catalog, settings))
}

/// Every service, unit, present group and module of this host.
pub fn targets() -> Vec<CompletionCandidate> {
    let Some((catalog, settings)) = catalog() else {
        return Vec::new();
    };
    let entries = inventory(
        &catalog,
        &crate::backend::Backends::connecting(&settings, &catalog),
    );
    let mut candidates: Vec<CompletionCandidate> = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    let mut add = |name: String, help: String| {
        if !seen.contains(&name) {
            seen.push(name.clone());
            candidates.push(CompletionCandidate::new(name).help(Some(help.into())));
        }
    };
    for entry in &entries {
        add(entry.name.clone(), format!("service of {}", entry.group));
    }
    for group in catalog.present_groups() {
        add(group.name.clone(), "group".to_string());
    }
    for module in MODULES {
        if entries
            .iter()
            .any(|entry| module_of(&entry.name) == *module && entry.name != *module)
        {
            add((*module).to_string(), "module".to_string());
        }
    }
    candidates
}

/// The groups present on this host.
pub fn groups() -> Vec<CompletionCandidate> {
    catalog()
        .map(|(catalog, _)| {
            catalog
                .present_groups()
                .into_iter()
                .map(|group| CompletionCandidate::new(group.name.clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// The troubleshooting guide's stages.
pub fn stages() -> Vec<CompletionCandidate> {
    STAGES
        .iter()
        .map(|stage| CompletionCandidate::new(stage.name).help(Some(stage.description.into())))
        .collect()
}
