//! A maintenance change killed with -9 before it acted, or while it gave
//! policies back, is settled by the next hmctl run (issue 28): one killed
//! after writing its intent and before stopping is undone (the service keeps
//! running, its policy is what it was, no entry is left); one killed while
//! leaving maintenance is finished (the policy given back, the entry gone,
//! the operator told to start it). The kill after stopping is in
//! tests/maintenance_real.rs.

mod common;
mod maintenance_world;

use common::skip_without_sandbox;
use maintenance_world::*;

#[test]
fn a_maintenance_on_killed_before_stopping_is_undone_by_the_next_run() {
    if skip_without_sandbox() {
        return;
    }
    let (project, config) = world("maint_killed_early");
    killed_at(
        &config,
        &["maintenance", "on", "--force", "control"],
        "maintenance-entering",
    );
    assert!(state_file(&config).contains("\"phase\": \"entering\""));
    assert!(running(&project, "control"));

    let output = config.hmctl().arg("maintenance").output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "warning: undid putting control in maintenance (an hmctl was interrupted before stopping it): restart policy always given back\n"
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "nothing is in maintenance on this host\n"
    );
    assert!(running(&project, "control"));
    assert_eq!(restart_policy(&project, "control"), "always:0");
}

#[test]
fn a_maintenance_off_killed_midway_is_finished_by_the_next_run() {
    if skip_without_sandbox() {
        return;
    }
    let (project, config) = world("maint_killed_off");
    let output = config
        .hmctl()
        .args(["maintenance", "on", "--force", "control"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    killed_at(&config, &["maintenance", "off"], "maintenance-leaving");
    assert!(state_file(&config).contains("\"phase\": \"leaving\""));
    assert_eq!(restart_policy(&project, "control"), "no:0");

    let output = config.hmctl().arg("maintenance").output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "warning: finished taking control out of maintenance (an hmctl was interrupted): restart policy always given back; start it with `hmctl start control`\n"
    );
    assert_eq!(restart_policy(&project, "control"), "always:0");
    assert!(!running(&project, "control"));
    let (code, status) = status_here(&config);
    assert_eq!(code, 3, "stopped and no longer in maintenance: {status:#}");
}
