//! `hmctl events` against the real dockerd and systemd: a container killed
//! with `docker kill -s KILL`, one exiting with a code, one run out of its
//! memory limit, a health check that flips, an operator's `hmctl restart`
//! under sudo; a unit killed with a signal, one that fails, one with
//! `Restart=on-failure`. Each happening is listed once, in order, followed
//! live and in a window; a new event is seen as it comes.

mod common;

use common::*;
use std::io::{BufRead, BufReader};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// `hmctl ARGS` of `config` running in the background, its stdout's lines
/// sent on as they come (with when they came); killed when dropped.
struct Follower {
    lines: mpsc::Receiver<(Instant, String)>,
    child: KillOnDrop,
}

impl Follower {
    fn spawn(config: &Config, path: Option<&str>, args: &[&str]) -> Follower {
        let mut command = config.spawn_command();
        if let Some(path) = path {
            command.env("PATH", path);
        }
        let mut child = command
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in stdout.lines().map_while(Result::ok) {
                if sender.send((Instant::now(), line)).is_err() {
                    break;
                }
            }
        });
        Follower {
            lines,
            child: KillOnDrop(child),
        }
    }

    /// Sends Ctrl-C (SIGINT) and waits for the exit code.
    fn interrupt(&mut self) -> Option<i32> {
        let pid = i32::try_from(self.child.0.id()).unwrap();
        rustix::process::kill_process(
            rustix::process::Pid::from_raw(pid).unwrap(),
            rustix::process::Signal::INT,
        )
        .unwrap();
        self.child.0.wait().unwrap().code()
    }

    /// The next line, if one comes within `within`.
    fn next(&self, within: Duration) -> Option<(Instant, String)> {
        self.lines.recv_timeout(within).ok()
    }

    /// Lines until `done` says the collected events are enough, or `within`.
    fn events_until(
        &self,
        within: Duration,
        done: impl Fn(&[serde_json::Value]) -> bool,
    ) -> Vec<serde_json::Value> {
        let deadline = Instant::now() + within;
        let mut events = Vec::new();
        while !done(&events) {
            let left = deadline.saturating_duration_since(Instant::now());
            let Some((_, line)) = self.next(left) else {
                panic!("not all events came within {within:?}: {events:#?}");
            };
            events.push(serde_json::from_str(&line).unwrap());
        }
        events
    }
}

/// What an event says happened, in a few words (`killed SIGKILL`).
fn said(event: &serde_json::Value) -> String {
    let what = event["what"].as_str().unwrap_or_default();
    let detail = match what {
        "exited" => event["code"].to_string(),
        "killed" => event["signal"].as_str().unwrap_or_default().to_string(),
        "health" => event["to"].as_str().unwrap_or_default().to_string(),
        "restarted" => event["count"].to_string(),
        "failed" => event["result"].as_str().unwrap_or_default().to_string(),
        "operator-action" => format!("{} {} {}", event["verb"], event["user"], event["result"]),
        _ => String::new(),
    };
    format!("{what} {detail}").trim().replace('"', "")
}

/// What happened to `service`, in order.
fn of(events: &[serde_json::Value], service: &str) -> Vec<String> {
    events
        .iter()
        .filter(|event| event["kind"] == "event" && event["service"] == service)
        .map(said)
        .collect()
}

fn count(said: &[String], what: &str) -> usize {
    said.iter().filter(|each| *each == what).count()
}

/// `hmctl --json events ARGS` of `config`, line by line.
fn window(config: &Config, path: Option<&str>, args: &[&str]) -> Vec<serde_json::Value> {
    let mut command = config.hmctl();
    if let Some(path) = path {
        command.env("PATH", path);
    }
    let output = command
        .args(["--json", "events"])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

fn now() -> String {
    jiff::Timestamp::now().to_string()
}

const SCENARIO: &str = r#"
services:
  victim:
    @BASE@
    command: @SLEEPER@
  coded:
    @BASE@
    command: ["sh", "-c", "sleep 1; exit 5"]
  hungry:
    @BASE@
    mem_limit: 8m
    memswap_limit: 8m
    command: ["sh", "-c", "sleep 1; x=$$(head -c 64m /dev/zero | tr '\\0' a)"]
  flipping:
    @BASE@
    command: ["sh", "-c", "sleep 2; touch /tmp/ok; sleep 3; rm /tmp/ok; sleep 2147483647"]
    healthcheck: {test: ["CMD", "test", "-e", "/tmp/ok"], interval: 1s, timeout: 2s, retries: 1}
"#;

#[test]
fn containers_deaths_health_and_an_operators_restart_are_each_listed_once_in_order() {
    if skip_without_sandbox() {
        return;
    }
    sandbox();
    // A name of this run's own: Docker keeps the last run's events of the
    // project (its ring of 256), which `--until before` would list.
    let project = Project::new(
        &format!("events-containers-{}", std::process::id()),
        &[("c.yml", SCENARIO)],
    );
    let config = config_with(&console_group(&project));
    let before = now();
    // From `before` on: without --since the window is all Docker keeps,
    // which on a rerun still holds the last run's events of this project.
    let follower = Follower::spawn(
        &config,
        None,
        &["--json", "events", "-f", "--since", &before],
    );
    std::thread::sleep(Duration::from_secs(1));
    project.compose(&["up", "-d"]);
    let flipped = |events: &[serde_json::Value]| {
        events.iter().any(|event| {
            event["service"] == "flipping"
                && event["from"] == "healthy"
                && event["to"] == "unhealthy"
        }) && of(events, "coded").contains(&"exited 5".to_string())
            && of(events, "hungry").contains(&"exited 137".to_string())
    };
    let mut live = follower.events_until(Duration::from_secs(120), flipped);
    let victim = container_field(&project, "victim", "{{.Id}}");
    docker(&["kill", "-s", "KILL", &victim]);
    let restart = config
        .hmctl()
        .env("SUDO_USER", "alice")
        .args(["restart", "victim"])
        .output()
        .unwrap();
    assert_eq!(restart.status.code(), Some(0), "{restart:?}");
    live.extend(follower.events_until(Duration::from_secs(120), |events| {
        of(events, "victim").contains(&"operator-action restart alice done".to_string())
    }));

    let victim = of(&live, "victim");
    let position = |what: &str| victim.iter().position(|each| each == what);
    assert_eq!(count(&victim, "killed SIGKILL"), 1, "{victim:?}");
    assert_eq!(count(&victim, "exited 137"), 1, "{victim:?}");
    assert!(
        position("started") < position("killed SIGKILL")
            && position("killed SIGKILL") < position("exited 137")
            && position("exited 137") < position("operator-action restart alice running")
            && position("operator-action restart alice running")
                < position("operator-action restart alice done"),
        "{victim:?}"
    );
    assert_eq!(of(&live, "coded"), ["started", "exited 5"]);
    let hungry = of(&live, "hungry");
    assert_eq!(count(&hungry, "exited 137"), 1, "{hungry:?}");
    // This sandbox's dockerd (cgroup v1 in a container) may not see the
    // kernel's OOM kill; when it does, it is listed once, before the death.
    let oom_seen = container_field(&project, "hungry", "{{.State.OOMKilled}}") == "true";
    assert_eq!(count(&hungry, "oom"), usize::from(oom_seen), "{hungry:?}");
    let flipping: Vec<&serde_json::Value> = live
        .iter()
        .filter(|event| event["service"] == "flipping" && event["what"] == "health")
        .collect();
    let last = flipping.last().unwrap();
    assert_eq!(
        (&last["from"], &last["to"]),
        (
            &serde_json::json!("healthy"),
            &serde_json::json!("unhealthy")
        ),
        "{flipping:?}"
    );

    // The same window asked afterwards: each happening once, oldest first,
    // whether Docker's ring still holds it or the container's state tells it.
    let asked = window(&config, None, &["--since", &before]);
    let times: Vec<jiff::Timestamp> = asked
        .iter()
        .map(|event| event["time"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(
        times.windows(2).all(|pair| pair[0] <= pair[1]),
        "{asked:#?}"
    );
    assert!(asked.iter().all(|event| event["schema"] == 1));
    let victim = of(&asked, "victim");
    assert_eq!(count(&victim, "exited 137"), 1, "{victim:?}");
    assert_eq!(count(&victim, "operator-action restart alice done"), 1);
    assert_eq!(count(&of(&asked, "coded"), "exited 5"), 1, "{asked:#?}");
    assert_eq!(count(&of(&asked, "hungry"), "exited 137"), 1);
    let nothing_before = window(&config, None, &["--until", &before]);
    assert!(
        nothing_before
            .iter()
            .all(|event| event["service"] != "coded"),
        "{nothing_before:#?}"
    );
}

#[test]
fn a_unit_killed_one_failing_and_one_restarting_on_failure_are_read_from_the_journal() {
    if skip_without_sandbox() {
        return;
    }
    sandbox();
    let killed = TestUnit::new("hmt-ev-killed", "[Service]\nExecStart=/bin/sleep 1000\n");
    let failing = TestUnit::new(
        "hmt-ev-failing",
        "[Service]\nExecStart=/bin/sh -c 'exit 4'\n",
    );
    let restarting = TestUnit::new(
        "hmt-ev-restarting",
        "[Unit]\nStartLimitIntervalSec=60\nStartLimitBurst=3\n[Service]\nExecStart=/bin/sh -c 'sleep 0.3; exit 3'\nRestart=on-failure\nRestartSec=1\n",
    );
    let config = config_with(&gateway_group(&[
        &killed.name,
        &failing.name,
        &restarting.name,
    ]));
    let journal = JournalShim::new();
    let before = now();
    std::thread::sleep(Duration::from_millis(100));
    for unit in [&killed.name, &failing.name, &restarting.name] {
        systemctl(&["start", unit]);
    }
    std::thread::sleep(Duration::from_millis(500));
    systemctl(&["kill", "-s", "KILL", &killed.name]);
    wait_for(
        Duration::from_secs(60),
        "the restarting unit to give up",
        || match unit_property(&restarting.name, "ActiveState").as_str() {
            "failed" => Ok(()),
            other => Err(other.to_string()),
        },
    );
    let path = journal.path();
    let asked = window(&config, Some(&path), &["--since", &before]);
    assert!(asked.iter().all(|event| event["source"] == "journal"));
    assert_eq!(
        of(&asked, "hmt-ev-killed"),
        ["started", "killed SIGKILL", "failed signal"]
    );
    assert_eq!(
        of(&asked, "hmt-ev-failing"),
        ["started", "exited 4", "failed exit-code"]
    );
    let restarts = of(&asked, "hmt-ev-restarting");
    assert_eq!(
        restarts[..5],
        [
            "started",
            "exited 3",
            "failed exit-code",
            "restarted 1",
            "stopped"
        ],
        "{restarts:?}"
    );
    assert_eq!(count(&restarts, "restarted 1"), 1, "{restarts:?}");
    assert_eq!(count(&restarts, "restarted 2"), 1, "{restarts:?}");
    assert_eq!(count(&restarts, "exited 3"), 3, "{restarts:?}");
    assert_eq!(
        restarts.last().map(String::as_str),
        Some("failed start-job-failed")
    );
    let only_failing = window(
        &config,
        Some(&path),
        &["--since", &before, "hmt-ev-failing"],
    );
    assert_eq!(of(&only_failing, "hmt-ev-killed"), Vec::<String>::new());
    assert_eq!(of(&only_failing, "hmt-ev-failing").len(), 3);
}

#[test]
fn following_sees_a_containers_and_a_units_new_event_as_it_comes() {
    if skip_without_sandbox() {
        return;
    }
    sandbox();
    let project = plain_project("events-follow");
    let unit = TestUnit::new("hmt-ev-follow", "[Service]\nExecStart=/bin/sleep 1000\n");
    systemctl(&["start", &unit.name]);
    let config = config_with(&(console_group(&project) + &gateway_group(&[&unit.name])));
    let journal = JournalShim::new();
    let path = journal.path();
    // From now on: the window of all Docker and the journal keep would hold
    // the last run's kills, which would pass for this run's.
    let since = now();
    let mut follower = Follower::spawn(&config, Some(&path), &["events", "-f", "--since", &since]);
    // The table's header comes once the window is shown; following starts then.
    let header = wait_for(Duration::from_secs(60), "the header", || {
        follower
            .next(Duration::from_secs(1))
            .filter(|(_, line)| line.starts_with("TIME "))
            .ok_or_else(String::new)
    });
    assert!(header.1.contains("SOURCE"), "{header:?}");
    std::thread::sleep(Duration::from_secs(2));
    for (trigger, seen) in [
        (
            vec!["kill", "-s", "KILL", "@CONTAINER@"],
            "plain             docker-events    killed (SIGKILL)",
        ),
        (
            vec!["systemctl", "kill", "-s", "KILL", &unit.name],
            "hmt-ev-follow     journal          killed (SIGKILL)",
        ),
    ] {
        let container = container_field(&project, "plain", "{{.Id}}");
        let args: Vec<String> = trigger
            .iter()
            .map(|arg| arg.replace("@CONTAINER@", &container))
            .collect();
        if args[0] == "systemctl" {
            let args: Vec<&str> = args[1..].iter().map(String::as_str).collect();
            systemctl(&args);
        } else {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            docker(&args);
        }
        let done = Instant::now();
        // How late it came is said, not asserted: on a loaded machine any
        // bound is a coin toss (README's "within a second" is the idle VM's).
        loop {
            let (came, line) = follower
                .next(Duration::from_secs(60))
                .unwrap_or_else(|| panic!("no line with {seen:?}"));
            if line.contains(seen) {
                let late = came.saturating_duration_since(done);
                eprintln!("{seen:?} came {late:?} after its trigger returned");
                break;
            }
        }
    }
    // Ctrl-C ends following, as it ends `logs -f`: exit 0.
    assert_eq!(follower.interrupt(), Some(0));
}
