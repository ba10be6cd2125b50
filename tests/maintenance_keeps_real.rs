//! What else starts containers leaves a service in maintenance alone (issue
//! 28): `reload` does not recreate it (a recreated container starts, with
//! its compose file's restart policy), and `upgrade` swaps its files in
//! but does not start it (`maintenance off` starts it on them); `diagnose`
//! does not call it a finding; `off` of one whose container was removed
//! in the window creates it, with its compose file's policy.

mod common;
mod maintenance_world;

use common::*;
use maintenance_world::*;

fn maintenance_on(config: &Config, service: &str) {
    let output = config
        .hmctl()
        .args(["maintenance", "on", "--force", service])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let (_, status) = status_here(config);
    assert_eq!(row(&status, service)["state"], "maintenance");
}

#[test]
fn reload_leaves_an_outdated_container_in_maintenance_stopped() {
    if skip_without_sandbox() {
        return;
    }
    let (project, config) = world("maint_reload");
    maintenance_on(&config, "db");
    // A changed definition: both are outdated now.
    let changed = std::fs::read_to_string(&project.files[0]).unwrap().replace(
        "restart: always",
        "restart: always\n    environment: {HMT_RELOAD: \"2\"}",
    );
    std::fs::write(&project.files[0], changed).unwrap();
    let output = config
        .hmctl()
        .args(["--json", "reload", "--dry-run"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let action = |service: &str| {
        plan["plan"]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|step| step["service"] == service)
            .map(|step| step["action"].as_str().unwrap().to_string())
    };
    assert_eq!(action("db").as_deref(), Some("skip"), "{plan:#}");
    assert_eq!(action("app").as_deref(), Some("recreate"), "{plan:#}");
    // Stopped on purpose: diagnose finds nothing abnormal in it.
    let output = config.hmctl().args(["diagnose", "db"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let output = config.hmctl().arg("reload").output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(!running(&project, "db"));
    assert_eq!(restart_policy(&project, "db"), "no:0");
    assert!(running(&project, "app"));
}

const CONSOLE: &str = r#"
services:
  porter-api:
    @BASE@
    command: @SLEEPER@
    volumes: ["./venvs/porter:/app:ro"]
    restart: always
  porter-migration:
    @BASE@
    command: @SLEEPER@
    volumes: ["./venvs/porter:/app:ro"]
"#;

#[test]
fn an_upgrade_swaps_files_in_under_a_service_in_maintenance_without_starting_it() {
    if skip_without_sandbox() {
        return;
    }
    let write = |path: &std::path::Path, text: &str| {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    let (project, config) = upgrade_console("maint_upgrade", CONSOLE, |venvs| {
        write(&venvs.join("porter/version"), "old");
    });
    maintenance_on(&config, "porter-api");
    let package = project.path().join("package/installer/venvs");
    write(&package.join("porter/version"), "new");
    let output = config
        .hmctl()
        .args(["upgrade", "--yes", "--timeout", "20"])
        .arg(&package)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        std::fs::read_to_string(project.path().join("venvs/porter/version")).unwrap(),
        "new"
    );
    assert!(!running(&project, "porter-api"), "the upgrade started it");
    assert_eq!(restart_policy(&project, "porter-api"), "no:0");
    assert!(running(&project, "porter-migration"));
    let output = config
        .hmctl()
        .args(["maintenance", "off", "porter-api"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(running(&project, "porter-api"));
    assert_eq!(restart_policy(&project, "porter-api"), "always:0");
}

#[test]
fn off_of_a_service_whose_container_was_removed_creates_it_with_its_policy() {
    if skip_without_sandbox() {
        return;
    }
    let (project, config) = world("maint_removed");
    maintenance_on(&config, "db");
    docker(&["rm", "-f", &container_field(&project, "db", "{{.Id}}")]);
    let output = config
        .hmctl()
        .args(["maintenance", "off", "db"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert!(running(&project, "db"));
    assert_eq!(restart_policy(&project, "db"), "always:0");
    let output = config.hmctl().arg("maintenance").output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "nothing is in maintenance on this host\n"
    );
}
