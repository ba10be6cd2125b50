//! The parsers against hostile input, on every test run: the corpus kept from
//! coverage-guided fuzzing (fuzz/corpus, `cargo +nightly fuzz run TARGET`)
//! replayed, plus fresh random input from proptest. Properties (in
//! `hmctl::fuzzing`): no panic; a refusal is exit 2; a target with characters
//! outside the allowed set is never accepted.

use proptest::prelude::*;
use std::path::Path;

fn replay(target: &str, check: fn(&str)) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .flatten()
    {
        let bytes = std::fs::read(entry.path()).unwrap();
        // The fuzz targets take text: libFuzzer skips inputs that are not UTF-8.
        if let Ok(text) = std::str::from_utf8(&bytes) {
            check(text);
            count += 1;
        }
    }
    count
}

#[test]
fn the_kept_config_corpus() {
    assert!(replay("config", hmctl::fuzzing::config) > 100);
}

#[test]
fn the_kept_compose_corpus() {
    assert!(replay("compose", hmctl::fuzzing::compose) > 100);
}

#[test]
fn the_kept_target_corpus() {
    assert!(replay("target", hmctl::fuzzing::target) > 50);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn any_config_text(text in "\\PC{0,400}") {
        hmctl::fuzzing::config(&text);
    }

    #[test]
    fn config_shaped_text(name in "[a-z\\-;$ ]{0,12}", key in "[a-z_]{1,12}", value in "[\\[\\]\"a-z0-9/ ,.]{0,30}") {
        hmctl::fuzzing::config(&format!("[[group]]\nname = \"{name}\"\n{key} = {value}\n"));
    }

    #[test]
    fn any_compose_text(text in "\\PC{0,400}") {
        hmctl::fuzzing::compose(&text);
    }

    #[test]
    fn compose_shaped_text(service in "[a-z\\-]{1,10}", key in "(depends_on|links|extends|healthcheck|profiles|include|volumes_from|network_mode)", value in "[\\[\\]{}:a-z0-9 ,\\-*&<]{0,40}") {
        hmctl::fuzzing::compose(&format!("services:\n  {service}:\n    {key}: {value}\n"));
    }

    #[test]
    fn any_target(text in "\\PC{0,80}") {
        hmctl::fuzzing::target(&text);
    }
}
