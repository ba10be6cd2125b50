//! Every message an operator can meet without root's daemons, pinned word for
//! word: the exit code, stdout and stderr of the real binary, as one snapshot
//! per case in `tests/snapshots/`. `insta`, as uv and cargo's own tests use
//! it: a snapshot is a reviewed file beside the test (a diff on change,
//! `INSTA_UPDATE=always` to rewrite), and its filters hide what varies from
//! run to run (temporary directories, the state directory, disk figures)
//! without loosening the rest of the text. `trycmd` would pin the same
//! output, but from command files that cannot build a world (a socket path
//! that does not exist, a link where a state file should be) around each run.
//!
//! Each case runs in a directory of its own; Docker and systemd are pointed
//! at sockets that do not exist there, so no case reaches a daemon.

mod common;

use common::hmctl;
use std::path::{Path, PathBuf};

/// Groups the built-in catalog knows, absent here (a case adds its own).
const ABSENT: &str = "[[group]]\nname = \"sync-proxy\"\npresent_if = [\"/nonexistent/b\"]\n\
[[group]]\nname = \"agent\"\npresent_if = [\"/nonexistent/c\"]\n";

/// One case's world: a directory holding its config, compose project,
/// state directory, lock file and sockets that do not exist.
struct World {
    dir: tempfile::TempDir,
}

impl World {
    fn new() -> World {
        let dir = tempfile::Builder::new()
            .prefix("hmt-pinned-")
            .tempdir()
            .unwrap();
        World { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.path(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            text.replace("@DIR@", &self.dir.path().display().to_string()),
        )
        .unwrap();
        path
    }

    /// A config: `console` (a compose project in `project/`) and `gateway`
    /// (one unit) present unless `groups` names them itself.
    fn config(&self, groups: &str) -> PathBuf {
        self.write(
            "project/docker-compose.yml",
            "services:\n  web:\n    image: busybox\n",
        );
        let mut text = String::from(ABSENT);
        if !groups.contains("name = \"console\"") {
            text.push_str(
                "[[group]]\nname = \"console\"\nproject = \"pinned\"\n\
                 files = [\"@DIR@/project/docker-compose.yml\"]\npresent_if = [\"@DIR@/project\"]\n\
                 program_dir = \"@DIR@/project\"\nlog_dir = \"@DIR@/project/logs\"\n\
                 config_dir = \"@DIR@/project/config\"\nports = []\n",
            );
        }
        if !groups.contains("name = \"gateway\"") {
            text.push_str(
                "[[group]]\nname = \"gateway\"\nunits = [\"s3block.service\"]\n\
                 present_if = [\"@DIR@\"]\nlog_dir = \"@DIR@/gateway-logs\"\n\
                 program_dir = \"@DIR@/gateway-program\"\nports = []\n",
            );
        }
        text.push_str(groups);
        self.write("hmctl.toml", &text)
    }

    /// A config whose console upgrades `venvs/` (which exists, empty).
    fn upgradable(&self) -> PathBuf {
        std::fs::create_dir_all(self.path("venvs")).unwrap();
        self.config(
            "[[group]]\nname = \"console\"\npresent_if = [\"@DIR@\"]\nupgrade_dir = \"@DIR@/venvs\"\n",
        )
    }

    /// hmctl with this world's config, state, lock and no daemon.
    fn hmctl(&self, config: &Path) -> assert_cmd::Command {
        let mut command = hmctl();
        command
            .arg("--config")
            .arg(config)
            .env("HMCTL_STATE_DIR", self.path("state"))
            .env("HMCTL_LOCK_FILE", self.path("lock"))
            .env("HMCTL_CACHE_DIR", self.path("cache"))
            .env(
                "DOCKER_HOST",
                format!("unix://{}", self.path("docker.sock").display()),
            )
            .env(
                "DBUS_SYSTEM_BUS_ADDRESS",
                format!("unix:path={}", self.path("bus").display()),
            )
            .env("HMCTL_SYSTEMD_PRIVATE_SOCKET", self.path("private"))
            .current_dir(self.dir.path());
        command
    }

    /// Runs `command` and pins its exit code, stdout and stderr as `name`.
    fn pin(&self, name: &str, command: &mut assert_cmd::Command) {
        self.pin_filtered(name, command, &[]);
    }

    /// As [`World::pin`], with filters of the case's own (`(regex, replacement)`).
    fn pin_filtered(
        &self,
        name: &str,
        command: &mut assert_cmd::Command,
        filters: &[(&str, &str)],
    ) {
        let output = command.output().unwrap();
        let text = format!(
            "exit: {}\n--- stdout\n{}--- stderr\n{}",
            output
                .status
                .code()
                .map_or_else(|| "signal".to_string(), |code| code.to_string()),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        let dir = self.dir.path().display().to_string();
        settings.add_filter(&regex::escape(&dir), "[DIR]");
        settings.add_filter(r"/tmp/\.tmp\w+", "[TMP]");
        for (pattern, replacement) in filters {
            settings.add_filter(pattern, *replacement);
        }
        settings.bind(|| insta::assert_snapshot!(name, text));
    }
}

/// A case that needs nothing but its arguments and a config.
fn pin_args(name: &str, groups: &str, args: &[&str]) {
    let world = World::new();
    let config = world.config(groups);
    world.pin(name, world.hmctl(&config).args(args));
}

// Usage: what clap refuses before hmctl reads anything.

#[test]
fn upgrade_with_both_a_path_and_rollback() {
    pin_args(
        "upgrade_path_and_rollback",
        "",
        &["upgrade", "--rollback", "/nonexistent/package"],
    );
}

#[test]
fn upgrade_with_neither_a_path_nor_rollback() {
    pin_args("upgrade_neither", "", &["upgrade"]);
}

#[test]
fn diagnose_with_three_words() {
    pin_args(
        "diagnose_three_words",
        "",
        &["diagnose", "web", "one", "two"],
    );
}

#[test]
fn a_mistyped_command() {
    pin_args("mistyped_command", "", &["statsu"]);
}

#[test]
fn daemon_timeouts_out_of_range() {
    pin_args(
        "daemon_timeout_zero",
        "",
        &["--daemon-timeout", "0", "status"],
    );
    pin_args(
        "daemon_timeout_words",
        "",
        &["--daemon-timeout", "soon", "status"],
    );
}

// The config file.

#[test]
fn a_config_file_that_does_not_exist() {
    let world = World::new();
    world.pin(
        "config_missing",
        world.hmctl(&world.path("absent.toml")).arg("status"),
    );
}

#[test]
fn config_files_with_mistakes() {
    for (name, text) in [
        ("config_syntax", "[[group]\nname = \"console\"\n"),
        (
            "config_unknown_key",
            "[[group]]\nname = \"console\"\nprojet = \"p\"\n",
        ),
        (
            "config_wrong_type",
            "[[group]]\nname = \"console\"\nports = \"10443\"\n",
        ),
        (
            "config_bad_zone",
            "[[group]]\nname = \"console\"\nlog_timezone = \"Mars/Olympus\"\n",
        ),
    ] {
        let world = World::new();
        let config = world.write("hmctl.toml", text);
        world.pin(name, world.hmctl(&config).arg("status"));
    }
}

// Targets.

#[test]
fn targets_that_name_nothing_here() {
    for (name, args) in [
        ("target_invalid", ["status", "web;reboot"]),
        ("target_suggestion", ["status", "webb"]),
        ("target_unknown", ["status", "zzzzqqq"]),
        ("target_absent_group", ["status", "sync-proxy"]),
        ("target_of_absent_group", ["status", "porter-api"]),
        ("target_module_absent", ["status", "storplus"]),
        ("ok_to_stop_unknown", ["ok-to-stop", "zzzzqqq"]),
    ] {
        pin_args(name, "", &args);
    }
}

#[test]
fn nothing_present_to_act_on() {
    let absent = "[[group]]\nname = \"console\"\npresent_if = [\"/nonexistent/a\"]\n\
                  [[group]]\nname = \"gateway\"\npresent_if = [\"/nonexistent/d\"]\n";
    pin_args("restart_nothing_present", absent, &["restart"]);
}

// Daemons that are not there.

#[test]
fn a_docker_socket_that_does_not_exist() {
    pin_args("docker_absent_restart", "", &["restart", "web"]);
    pin_args("docker_absent_ok_to_stop", "", &["ok-to-stop", "web"]);
}

#[test]
fn a_system_bus_that_does_not_exist() {
    pin_args("systemd_absent_restart", "", &["restart", "s3block"]);
}

#[test]
fn status_with_neither_daemon() {
    let world = World::new();
    let config = world.config("");
    // The table's widths follow the temporary directory's name, and the
    // sizes are the filesystem's: the words are pinned, not the padding.
    world.pin_filtered(
        "status_no_daemons",
        world.hmctl(&config).arg("status"),
        &[
            (r"(?m)^ free-disk .*$", " free-disk [FREE]"),
            (r"[0-9.]+ [KMGT]?i?B in ", "[SIZE] in "),
            (r"  +", "  "),
        ],
    );
}

// Times and words.

#[test]
fn times_that_are_not_times() {
    pin_args("history_until_words", "", &["history", "--until", "nope"]);
    pin_args("events_since_words", "", &["events", "--since", "nope"]);
    pin_args(
        "diagnose_since_words",
        "",
        &["diagnose", "--since", "yesterday"],
    );
}

#[test]
fn ids_too_short_and_words_too_many() {
    pin_args("diagnose_id_short", "", &["diagnose", "--id", "ab"]);
    pin_args("trace_id_short", "", &["logs", "trace", "ab"]);
    pin_args(
        "diagnose_id_two_lines",
        "",
        &["diagnose", "--id", "req-1\nreq-2"],
    );
    pin_args(
        "diagnose_stage_two_words",
        "",
        &["diagnose", "--stage", "install", "one", "two"],
    );
}

#[test]
fn an_unknown_stage() {
    pin_args(
        "grep_unknown_stage",
        "",
        &["logs", "grep", "--stage", "nope", "ERROR"],
    );
}

// Maintenance and upgrade.

#[test]
fn maintenance_off_with_nothing_in_maintenance() {
    pin_args("maintenance_off_nothing", "", &["maintenance", "off"]);
}

#[test]
fn upgrades_that_cannot_be_planned() {
    pin_args(
        "upgrade_unknown_group",
        "",
        &["upgrade", "--group", "nope", "/nonexistent/package"],
    );
    pin_args(
        "upgrade_no_upgrade_dir",
        "[[group]]\nname = \"extra\"\nbackend = \"systemd\"\nunits = [\"extra.service\"]\npresent_if = [\"@DIR@\"]\n",
        &["upgrade", "--group", "extra", "/nonexistent/package"],
    );
    let world = World::new();
    let config = world.upgradable();
    world.pin(
        "upgrade_no_backup",
        world
            .hmctl(&config)
            .args(["upgrade", "--group", "console", "--rollback"]),
    );
}

// Files of hmctl's own and the operator's.

#[test]
fn a_textfile_directory_that_does_not_exist() {
    let world = World::new();
    let config = world.config("");
    world.pin(
        "metrics_textfile_absent",
        world
            .hmctl(&config)
            .args(["metrics", "--textfile"])
            .arg(world.path("absent")),
    );
}

#[test]
fn a_link_where_the_lock_file_should_be() {
    let world = World::new();
    let config = world.config("");
    std::os::unix::fs::symlink(world.path("elsewhere"), world.path("lock")).unwrap();
    world.pin(
        "lock_is_a_link",
        world.hmctl(&config).args(["restart", "web"]),
    );
    assert!(
        !world.path("elsewhere").exists(),
        "the link was not followed"
    );
}

#[test]
fn a_compose_file_that_cannot_be_read() {
    let world = World::new();
    let config = world.config("");
    std::fs::remove_file(world.path("project/docker-compose.yml")).unwrap();
    world.pin(
        "compose_missing",
        world.hmctl(&config).args(["restart", "web"]),
    );
    let world = World::new();
    let config = world.config("");
    world.write("project/docker-compose.yml", "services: [web\n");
    world.pin(
        "compose_garbled",
        world.hmctl(&config).args(["restart", "web"]),
    );
}

#[test]
fn a_lock_another_operation_holds() {
    let world = World::new();
    let config = world.config("");
    let held = std::fs::File::create(world.path("lock")).unwrap();
    held.lock().unwrap();
    world.pin("lock_held", world.hmctl(&config).args(["restart", "web"]));
    drop(held);
}

#[test]
fn state_files_hmctl_cannot_use() {
    let world = World::new();
    let config = world.config("");
    std::fs::create_dir_all(world.path("state")).unwrap();
    let history = world.path("state/history.jsonl");
    std::os::unix::fs::symlink(world.path("elsewhere"), &history).unwrap();
    world.pin("history_is_a_link", world.hmctl(&config).arg("history"));
    std::fs::remove_file(&history).unwrap();
    std::fs::create_dir(&history).unwrap();
    world.pin(
        "history_is_a_directory",
        world.hmctl(&config).arg("history"),
    );
    world.write("state/maintenance.json", "garbage\n");
    world.pin(
        "maintenance_damaged",
        world.hmctl(&config).arg("maintenance"),
    );
}

#[test]
fn a_package_that_is_empty() {
    let world = World::new();
    std::fs::create_dir_all(world.path("package")).unwrap();
    let config = world.upgradable();
    world.pin(
        "upgrade_empty_package",
        world
            .hmctl(&config)
            .args(["upgrade", "--group", "console"])
            .arg(world.path("package")),
    );
}

#[test]
fn a_bundle_through_a_link() {
    let world = World::new();
    let config = world.config("");
    std::fs::create_dir_all(world.path("real")).unwrap();
    std::os::unix::fs::symlink(world.path("real"), world.path("linked")).unwrap();
    world.pin(
        "collect_through_a_link",
        world
            .hmctl(&config)
            .args(["logs", "collect", "-o"])
            .arg(world.path("linked/bundle.tar.gz")),
    );
    assert_eq!(std::fs::read_dir(world.path("real")).unwrap().count(), 0);
}

/// `-o` naming a file that is there (a system file, say): refused before
/// anything is gathered, the file left byte for byte.
#[test]
fn a_bundle_over_a_file_that_is_there() {
    let world = World::new();
    let config = world.config("");
    std::fs::write(world.path("passwd"), "root:x:0:0::/root:/bin/sh\n").unwrap();
    world.pin(
        "collect_over_a_file",
        world
            .hmctl(&config)
            .args(["logs", "collect", "--obfuscate", "-o"])
            .arg(world.path("passwd")),
    );
    assert_eq!(
        std::fs::read_to_string(world.path("passwd")).unwrap(),
        "root:x:0:0::/root:/bin/sh\n"
    );
    assert!(!world.path("passwd.mapping.json").exists());
}

// The diagnose report, on the guide's first worked example (recorded logs),
// at a fixed time in a fixed zone; no daemon is asked.

#[test]
fn the_diagnose_report_of_the_guides_first_example() {
    let world = World::new();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/diagnose/cinder-404-boot");
    let root = root.display();
    let config = world.config(&format!(
        "[[group]]\nname = \"console\"\nproject = \"hmt-diagnose\"\n\
         files = [\"{root}/console/docker-compose-hyperbdr.yml\"]\n\
         log_dir = \"{root}/console/logs\"\npresent_if = [\"{root}/console\"]\nports = []\n"
    ));
    world.pin_filtered(
        "diagnose_report",
        world.hmctl(&config).env("TZ", "UTC").args([
            "diagnose",
            "--stage",
            "boot-block",
            "--at",
            "2025-09-18 16:24:31",
        ]),
        &[(&regex::escape(&root.to_string()), "[DATA]")],
    );
}
