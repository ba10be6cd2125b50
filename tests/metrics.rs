//! `hmctl metrics` without daemons: what must hold whatever the host (the
//! real daemons' metrics are in tests/metrics_real.rs).

mod common;

/// A state directory that cannot be written (a file in its place) costs the
/// transitions, never the scrape: the exposition is printed, exit 0, and a
/// warning with a hint names the file.
#[test]
fn a_state_directory_that_cannot_be_written_is_a_warning_not_a_failed_scrape() {
    let directory = tempfile::tempdir().unwrap();
    let state = directory.path().join("state");
    std::fs::write(&state, "a file where the state directory should be").unwrap();
    let config = directory.path().join("hmctl.toml");
    std::fs::write(&config, "").unwrap();
    let output = common::hmctl()
        .env("HMCTL_STATE_DIR", &state)
        .arg("--config")
        .arg(&config)
        .arg("metrics")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("\nhmctl_build_info{"), "{stdout}");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "warning: cannot record the transitions in {}/last-snapshot.json: Not a directory (os error 20); the metrics were still produced\n\
             hint: the state directory is root's: run hmctl metrics as root (the packages' timer does)\n",
            state.display()
        )
    );
}
