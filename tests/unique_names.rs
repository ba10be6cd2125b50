//! The real-daemon tests run in parallel against one dockerd and one systemd:
//! two tests naming the same compose project, private dockerd namespace or
//! test unit would stop, restart or time each other's containers and units,
//! a flake that shows only when both happen to run at once. Checked here on
//! the test files' text: every such name is given once.

use regex::Regex;
use std::collections::BTreeMap;
use std::path::Path;

/// The calls whose first string names a project (`hmt-NAME`, `_` read as
/// `-`), a dockerd namespace or a unit: the helpers of tests/common and the
/// test files' own wrappers around them.
const NAMING_CALLS: &str = r#"\b(Project::new|plain_project|upgrade_console|PrivateDockerd::start|World::new|world|chain|console|plain|broken_console|upgradable|TestUnit::new|TestUnit::copy_of\(\s*"[a-z0-9_-]+",)\(?\s*"([a-z0-9_-]+)""#;

#[test]
fn every_project_namespace_and_unit_a_test_names_is_named_once() {
    let naming = Regex::new(NAMING_CALLS).unwrap();
    let tests_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let mut named: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for entry in std::fs::read_dir(&tests_dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|extension| extension != "rs") {
            continue;
        }
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let text = std::fs::read_to_string(&path).unwrap();
        for found in naming.captures_iter(&text) {
            // metrics_real.rs's `console("plain")` makes labels, not a project.
            if &found[1] == "console" && file == "metrics_real.rs" {
                continue;
            }
            named
                .entry(found[2].replace('_', "-"))
                .or_default()
                .push(format!("{file} ({})", found[1].split('(').next().unwrap()));
        }
    }
    assert!(named.len() > 80, "the names were not found: {named:#?}");
    let twice: Vec<String> = named
        .iter()
        .filter(|(_, places)| places.len() > 1)
        .map(|(name, places)| format!("{name}: {}", places.join(", ")))
        .collect();
    assert!(
        twice.is_empty(),
        "named by more than one test (tests that run at once would share it):\n{}",
        twice.join("\n")
    );
}
