//! Issue 24, part 2, against the real dockerd: a container whose environment
//! has `TZ=Asia/Shanghai` writes local times without an offset, one without
//! `TZ` writes UTC; hmctl asks Docker once for each container's zone and
//! orders and filters their lines by their real instants.

mod common;

use common::*;

const ZONED: &str = r"
services:
  porter-api:
    @BASE@
    command: @SLEEPER@
    environment:
      TZ: Asia/Shanghai
  unicloud-engine:
    @BASE@
    command: @SLEEPER@
";

#[test]
fn a_containers_tz_decides_how_its_log_times_are_read() {
    if skip_without_sandbox() {
        return;
    }
    let project = Project::new("log-zones", &[("docker-compose-hyperbdr.yml", ZONED)]);
    project.compose(&["up", "-d"]);
    let config = config_with(&console_group(&project));
    let logs = project.path().join("logs");
    for (file, text) in [
        // Shanghai's 18:00:10 is 10:00:10Z.
        (
            "porter/porter-api.log",
            "2026-12-04 18:00:10.000 ERROR porter.api [req-3c1d] shanghai-local\n",
        ),
        // UTC's 10:00:05 and 10:00:20.
        (
            "unicloud/unicloud-engine.log",
            "2026-12-04 10:00:05.000 ERROR unicloud.engine [req-3c1d] utc-early\n\
             2026-12-04 10:00:20.000 ERROR unicloud.engine [req-3c1d] utc-late\n",
        ),
    ] {
        let path = logs.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let run = |args: &[&str]| {
        let output = config.hmctl().env("TZ", "UTC").args(args).output().unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let last_words = |text: &str| -> Vec<String> {
        text.lines()
            .map(|line| line.rsplit(' ').next().unwrap_or_default().to_string())
            .collect()
    };
    let (code, stdout, stderr) = run(&["logs", "trace", "req-3c1d"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        last_words(&stdout),
        vec!["utc-early", "shanghai-local", "utc-late"]
    );
    assert!(!stderr.contains("cannot tell"), "{stderr}");
    // The operator is in UTC here: 10:00:08 keeps Shanghai's 18:00:10 (10:00:10Z) and utc-late.
    let (code, stdout, stderr) = run(&["logs", "grep", "ERROR", "--since", "2026-12-04 10:00:08"]);
    assert_eq!(code, 0, "{stderr}");
    // Matching lines only (`FILE:LINE:TEXT`; a line left out by --since is context).
    let matching: String = stdout
        .lines()
        .filter(|line| line.contains(".log:"))
        .map(|line| format!("{line}\n"))
        .collect();
    let mut found = last_words(&matching);
    found.sort();
    assert_eq!(found, vec!["shanghai-local", "utc-late"]);
    let (_, stdout, stderr) = run(&["logs", "porter-api", "unicloud-engine"]);
    assert_eq!(
        last_words(&stdout),
        vec!["utc-early", "shanghai-local", "utc-late"],
        "{stderr}"
    );
}
