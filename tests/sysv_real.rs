//! hmctl on a host whose PID 1 is SysV init (CentOS / RHEL 6, SLES 11): a
//! container of the SysV image (tests/sandbox/sysv.sh), Debian's sysvinit
//! `/sbin/init` as PID 1, the agent's and the gateway's services as vendors'
//! LSB init scripts, and hmctl copied in.

mod common;

use common::*;

#[test]
fn the_sysv_image_runs_sysvinit_and_its_scripts_answer_as_lsb_says() {
    if skip_without_sandbox() {
        return;
    }
    let host = SysvHost::start("image");
    // /sbin is /usr/sbin on bookworm; the program is sysvinit-core's.
    let first = host.sh("readlink /proc/1/exe; cat /proc/1/comm; dpkg -S /sbin/init");
    assert_eq!(
        said(&first).trim(),
        "/usr/sbin/init\ninit\nsysvinit-core: /sbin/init",
        "{}",
        said(&first)
    );
    assert!(!host.sh("test -d /run/systemd/system").status.success());
    // Running, stopped, a status that lies, per the scripts' exit codes.
    for (script, code) in [
        ("/etc/init.d/egisplus-agent", 0),
        ("/etc/init.d/s3block", 0),
        ("/etc/rc.d/init.d/hyper_exporter", 3),
        ("/etc/init.d/watchman", 3),
        ("/etc/init.d/lying-status", 0),
    ] {
        let output = host.exec(script, &["status"]);
        assert_eq!(
            output.status.code(),
            Some(code),
            "{script}: {}",
            said(&output)
        );
    }
}

/// A group of the image's awkward scripts and a service it does not have.
const ODD_GROUP: &str = "[[group]]\nname = \"odd\"\nbackend = \"sysv\"\nunits = [\"lying-status\", \"missing-service\"]\n";

#[test]
fn status_shows_each_services_true_state() {
    if skip_without_sandbox() {
        return;
    }
    let host = SysvHost::start("states");
    host.write("/etc/hmctl/hmctl.toml", ODD_GROUP);
    // s3block's daemon killed: its pid file stays behind.
    let killed = host.sh("kill -9 $(cat /var/run/s3block.pid)");
    assert!(killed.status.success(), "{}", said(&killed));
    let (code, document) = host.status_json(&[]);
    assert_eq!(code, 3, "{document:#}");
    let agent = row(&document, "egisplus-agent");
    assert_eq!(
        (&agent["backend"], &agent["state"], &agent["detail"]),
        (
            &"sysv".into(),
            &"running".into(),
            &"egisplus-agent is running.".into()
        ),
        "{agent:#}"
    );
    let pid = host.sh("cat /var/run/egisplus-agent.pid");
    assert_eq!(agent["pid"].to_string(), said(&pid).trim(), "{agent:#}");
    assert!(agent["since"].is_string(), "{agent:#}");
    assert_eq!(row(&document, "hyper_exporter")["state"], "stopped");
    assert_eq!(
        row(&document, "hyper_exporter")["detail"],
        "hyper_exporter is stopped"
    );
    assert_eq!(row(&document, "watchman")["state"], "stopped");
    let stale = row(&document, "s3block");
    assert_eq!(stale["state"], "failed", "{stale:#}");
    assert_eq!(
        stale["detail"],
        "s3block is not running ... failed! — LSB status 1: dead, its pid file /var/run/s3block.pid remains"
    );
    let lying = row(&document, "lying-status");
    assert_eq!(lying["state"], "unknown", "{lying:#}");
    assert_eq!(
        lying["detail"],
        "lying-status is running — its status says running (0), but no process of it is found (no pid file, none by its name)"
    );
    let missing = row(&document, "missing-service");
    assert_eq!(missing["state"], "missing");
    assert_eq!(
        missing["detail"],
        "no init script missing-service in /etc/init.d or /etc/rc.d/init.d"
    );
}

#[test]
fn restart_of_the_agent_gives_it_a_new_main_process() {
    if skip_without_sandbox() {
        return;
    }
    let host = SysvHost::start("restart");
    let (_, before) = host.status_json(&["egisplus-agent"]);
    let old = row(&before, "egisplus-agent")["pid"].as_u64().unwrap();
    let output = host.exec("hmctl", &["restart", "egisplus-agent"]);
    assert_eq!(output.status.code(), Some(0), "{}", said(&output));
    let (code, after) = host.status_json(&["egisplus-agent"]);
    assert_eq!(code, 0, "{after:#}");
    let new = row(&after, "egisplus-agent")["pid"].as_u64().unwrap();
    assert_ne!(old, new);
    let pid_file = host.sh("cat /var/run/egisplus-agent.pid");
    assert_eq!(new.to_string(), said(&pid_file).trim());
    // Its logs are the catalog's files; its metrics name the kind.
    let logs = host.exec("hmctl", &["logs", "egisplus-agent", "-n", "1"]);
    assert_eq!(logs.status.code(), Some(0), "{}", said(&logs));
    assert!(
        said(&logs).contains(&format!("INFO egisplus-agent started (pid {new})")),
        "{}",
        said(&logs)
    );
    let metrics = host.exec("hmctl", &["metrics"]);
    assert!(
        said(&metrics).contains(
            "hmctl_service_up{service=\"egisplus-agent\",group=\"agent\",backend=\"sysv\"} 1"
        ),
        "{}",
        said(&metrics)
    );
}

#[test]
fn a_daemon_that_dies_inside_its_settle_window_fails_its_start() {
    if skip_without_sandbox() {
        return;
    }
    let host = SysvHost::start("settle");
    // Its daemon dies 3 s after the script returned (1 s by default; more
    // here so that a slow machine still sees it come up first).
    host.write("/etc/default/watchman", "DIE_AFTER=3\n");
    let output = host.exec("hmctl", &["start", "--settle", "10", "watchman"]);
    let words = said(&output);
    assert_eq!(output.status.code(), Some(1), "{words}");
    // The script's words, then the daemon's (its log file).
    assert!(
        words.contains(
            "came up, then within its 10.0 s settle window it stopped: watchman is not running ... failed! — LSB status 1: dead, its pid file /var/run/watchman.pid remains"
        ),
        "{words}"
    );
    assert!(
        words.contains("ERROR watchman: cannot open /var/lib/sgateway/config/watchman.yaml: No such file or directory"),
        "{words}"
    );
}

#[test]
fn a_hanging_script_is_bounded_and_named_and_the_others_shown() {
    if skip_without_sandbox() {
        return;
    }
    let host = SysvHost::start("hanging");
    host.write(
        "/etc/hmctl/hmctl.toml",
        "[[group]]\nname = \"odd\"\nbackend = \"sysv\"\nunits = [\"hanging-status\"]\n",
    );
    let output = host.exec_with(&["HMCTL_DAEMON_TIMEOUT=10"], "hmctl", &["status"]);
    let words = said(&output);
    assert_eq!(output.status.code(), Some(4), "{words}");
    assert!(
        words.contains(
            "error: the init script at /etc/init.d/hanging-status status did not answer within 10 s"
        ),
        "{words}"
    );
    assert!(
        words.contains("hint: the script did not finish: run it by hand to see where it waits"),
        "{words}"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    for shown in ["egisplus-agent", "s3block", "watchman", "hyper_exporter"] {
        assert!(stdout.contains(shown), "{shown} not shown: {words}");
    }
    // One hung script holds back no other service: each script answers for
    // its own alone. A change of the hung one is refused, nothing changed.
    let restart = host.exec_with(
        &["HMCTL_DAEMON_TIMEOUT=10"],
        "hmctl",
        &["restart", "egisplus-agent"],
    );
    assert_eq!(restart.status.code(), Some(0), "{}", said(&restart));
    let hung = host.exec_with(
        &["HMCTL_DAEMON_TIMEOUT=10"],
        "hmctl",
        &["restart", "hanging-status"],
    );
    assert_eq!(hung.status.code(), Some(4), "{}", said(&hung));
    assert!(
        said(&hung).contains(
            "error: the init script at /etc/init.d/hanging-status status did not answer within 10 s; nothing was changed"
        ),
        "{}",
        said(&hung)
    );
    // Nothing of the hung script is left running.
    let left = host.sh("ps -eo args | grep -c '^sleep 100000' || true");
    assert_eq!(said(&left).trim(), "0", "{}", said(&left));
}

/// An upstart host, replayed: /sbin/initctl is tests/upstart/initctl-replay
/// (a stand-in that answers in the words of the upstart 1.12 transcript,
/// NOT upstart), and egisplus-agent is a job (/etc/init/egisplus-agent.conf)
/// beside its init script; hyper_exporter stays a script.
#[test]
fn upstart_jobs_are_driven_through_initctl_replayed() {
    if skip_without_sandbox() {
        return;
    }
    let host = SysvHost::start("upstart");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    host.sh("/etc/init.d/egisplus-agent stop; mkdir -p /usr/local/share/initctl-replay");
    host.copy_in(&root.join("tests/upstart/initctl-replay"), "/sbin/initctl");
    host.copy_in(
        &root.join("src/backend/upstart/fixtures/upstart-1.12.txt"),
        "/usr/local/share/initctl-replay/upstart-1.12.txt",
    );
    host.write(
        "/etc/init/egisplus-agent.conf",
        "exec /var/lib/egisplus-agent/bin/egisplus-agent egisplus-agent /var/log/egisplus-agent/linux_agent.log\n",
    );
    let (code, document) = host.status_json(&["agent"]);
    assert_eq!(code, 3, "{document:#}");
    let job = row(&document, "egisplus-agent");
    assert_eq!(
        (&job["backend"], &job["state"], &job["detail"]),
        (&"upstart".into(), &"stopped".into(), &"stop/waiting".into()),
        "{job:#}"
    );
    // A service without a job is its script, on the same backend.
    assert_eq!(
        row(&document, "hyper_exporter")["detail"],
        "hyper_exporter is stopped"
    );

    let started = host.exec("hmctl", &["start", "egisplus-agent"]);
    assert_eq!(started.status.code(), Some(0), "{}", said(&started));
    let (_, document) = host.status_json(&["egisplus-agent"]);
    let first = row(&document, "egisplus-agent")["pid"].as_u64().unwrap();
    assert_eq!(
        row(&document, "egisplus-agent")["detail"],
        format!("start/running, process {first}").as_str()
    );
    let restarted = host.exec("hmctl", &["restart", "egisplus-agent"]);
    assert_eq!(restarted.status.code(), Some(0), "{}", said(&restarted));
    let (code, document) = host.status_json(&["egisplus-agent"]);
    assert_eq!(code, 0, "{document:#}");
    assert_ne!(
        row(&document, "egisplus-agent")["pid"].as_u64().unwrap(),
        first
    );
    let stopped = host.exec("hmctl", &["stop", "egisplus-agent"]);
    assert_eq!(stopped.status.code(), Some(0), "{}", said(&stopped));
    let (_, document) = host.status_json(&["egisplus-agent"]);
    assert_eq!(row(&document, "egisplus-agent")["state"], "stopped");
}

#[test]
fn maintenance_is_refused_on_sysv_with_the_hosts_own_command() {
    if skip_without_sandbox() {
        return;
    }
    let host = SysvHost::start("maintenance");
    let output = host.exec(
        "hmctl",
        &[
            "maintenance",
            "on",
            "egisplus-agent",
            "--reason",
            "disk swap",
        ],
    );
    assert_eq!(output.status.code(), Some(4), "{}", said(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "error: cannot read what restarts egisplus-agent: egisplus-agent: holding a service off at boot is not supported on sysv hosts; nothing was changed\n\
         hint: stop it with `hmctl stop egisplus-agent`; to keep it from starting at boot use the host's own tool: `chkconfig egisplus-agent off` (CentOS / RHEL, SLES), `update-rc.d egisplus-agent disable` (Debian, Ubuntu)\n"
    );
    let (code, document) = host.status_json(&["egisplus-agent"]);
    assert_eq!(code, 0, "still running, untouched: {document:#}");
}
