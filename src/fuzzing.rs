//! The parsers' entry points for fuzzing (`fuzz/`) and for replaying the kept
//! corpus in the test suite (`tests/fuzz_corpus.rs`): each takes any input
//! and checks the property that must hold for it.

use crate::catalog::{Catalog, parse_config, resolve, validate_name};
use crate::exit::Exit;
use crate::model::{Handle, HandleKind, Observation, ServiceStatus};
use std::path::Path;

/// hmctl.toml text: parsed, or refused as a usage error (exit 2).
pub fn config(text: &str) {
    if let Err(error) = parse_config(text, Path::new("/fuzz/hmctl.toml")) {
        assert_eq!(crate::exit::exit_of(&error), Exit::Usage, "{error:#}");
    }
}

/// Compose text: read, or refused naming the file.
pub fn compose(text: &str) {
    if let Err(error) =
        crate::compose_file::parse_text(Path::new("/nonexistent/fuzz/compose.yml"), text)
    {
        assert!(!error.to_string().is_empty());
    }
}

/// A TARGET: resolved against a console and a gateway, or refused with exit 2;
/// a name with characters outside the allowed set is never accepted.
pub fn target(text: &str) {
    let catalog = Catalog::builtin();
    let rows: Vec<ServiceStatus> = [
        ("porter-api", "console"),
        ("mysql", "console"),
        ("s3block", "gateway"),
    ]
    .iter()
    .filter_map(|(name, group)| {
        let group = catalog.group(group)?;
        let handle = match HandleKind::by_name(group.backend) {
            Some(kind) => Handle::new(kind, *name),
            None => Handle::compose(group.project.clone().unwrap_or_default(), *name, None),
        };
        Some(ServiceStatus::new(
            name,
            &group.name,
            handle,
            Observation::missing(""),
        ))
    })
    .collect();
    match resolve(&[text.to_string()], &rows, &catalog) {
        Ok(_) => assert!(validate_name(text).is_ok(), "accepted {text:?}"),
        Err(failure) => assert_eq!(failure.exit, Exit::Usage),
    }
}
