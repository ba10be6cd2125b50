//! The real Prometheus tools the metrics and fleet tests drive: promtool,
//! node_exporter and the prometheus server, from Debian's packages as
//! tests/fleet/tools.sh installs them. Each daemon runs on a free loopback
//! port and is killed when its handle drops.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CACHE: &str = "/var/cache/hmctl-sandbox/fleet/debian/usr/bin";

/// A tool's path: the variable tests/fleet/tools.sh prints, else its cache.
pub fn tool(variable: &str, name: &str) -> PathBuf {
    let path = std::env::var_os(variable)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(CACHE).join(name));
    assert!(
        path.exists(),
        "{} is missing: run tests/fleet/tools.sh (tests/run-all does)",
        path.display()
    );
    path
}

/// `promtool check metrics` on `text`: whether it passed, and what it said.
pub fn promtool_check(text: &str) -> (bool, String) {
    let mut child = Command::new(tool("HMCTL_PROMTOOL", "promtool"))
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), said)
}

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// GET `path` from 127.0.0.1:`port`: the body, or why not.
pub fn http_get(port: u16, path: &str) -> Result<String, String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).map_err(|error| error.to_string())?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n"
    )
    .map_err(|error| error.to_string())?;
    let mut response = String::new();
    stream
        .read_to_string(&mut response)
        .map_err(|error| error.to_string())?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .ok_or_else(|| format!("no HTTP response: {response:?}"))?;
    if !head.starts_with("HTTP/1.0 200") && !head.starts_with("HTTP/1.1 200") {
        return Err(format!("{head}\n{body}"));
    }
    Ok(body.to_string())
}

/// Percent-encodes a query parameter.
pub fn encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// A daemon of the test's, killed when dropped.
pub struct Daemon {
    pub port: u16,
    child: Child,
    log: PathBuf,
}

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Daemon {
    /// Starts the daemon `build` makes for a free port (its command and log)
    /// and waits until it answers `ready_path`. The port is free when chosen,
    /// not when the daemon binds it: a test running beside this one may take
    /// it in between, and the daemon then exits at once. It is started again
    /// on another port (up to 5 times).
    fn start(build: impl Fn(u16) -> (Command, PathBuf), ready_path: &str) -> Daemon {
        let mut exits = Vec::new();
        for _ in 0..5 {
            let port = free_port();
            let (mut command, log) = build(port);
            let file = std::fs::File::create(&log).unwrap();
            let child = command
                .stdout(Stdio::null())
                .stderr(file)
                .spawn()
                .expect("start the daemon");
            let mut daemon = Daemon { port, child, log };
            if daemon.answers(ready_path) {
                return daemon;
            }
            exits.push(format!("port {port}: {}", daemon.log_text()));
        }
        panic!("the daemon exited on every port it was given: {exits:#?}");
    }

    /// Whether it answers `ready_path` (false: it exited first, or another
    /// process answered on its port while it exited).
    fn answers(&mut self, ready_path: &str) -> bool {
        let started = Instant::now();
        loop {
            if self.child.try_wait().unwrap().is_some() {
                return false;
            }
            if http_get(self.port, ready_path).is_ok() {
                return self.child.try_wait().unwrap().is_none();
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the daemon on port {} did not answer: {}",
                self.port,
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

/// node_exporter serving only its textfile collector from `directory`.
pub fn node_exporter(directory: &Path, log_dir: &Path) -> Daemon {
    Daemon::start(
        |port| {
            let mut command = Command::new(tool("HMCTL_NODE_EXPORTER", "prometheus-node-exporter"));
            command
                .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                .arg("--collector.disable-defaults")
                .arg("--collector.textfile")
                .arg(format!(
                    "--collector.textfile.directory={}",
                    directory.display()
                ));
            (command, log_dir.join(format!("node-exporter-{port}.log")))
        },
        "/metrics",
    )
}

/// A prometheus server scraping `targets` (port, host name) every second.
pub fn prometheus(targets: &[(u16, String)], work: &Path) -> Daemon {
    let mut config = String::from(
        "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: node\n    static_configs:\n",
    );
    for (target, host) in targets {
        config.push_str(&format!(
            "      - targets: [\"127.0.0.1:{target}\"]\n        labels: {{host: \"{host}\"}}\n"
        ));
    }
    let config_path = work.join("prometheus.yml");
    std::fs::write(&config_path, config).unwrap();
    Daemon::start(
        |port| {
            let mut command = Command::new(tool("HMCTL_PROMETHEUS", "prometheus"));
            command
                .arg(format!("--config.file={}", config_path.display()))
                .arg(format!(
                    "--storage.tsdb.path={}",
                    work.join("data").display()
                ))
                .arg(format!("--web.listen-address=127.0.0.1:{port}"));
            (command, work.join(format!("prometheus-{port}.log")))
        },
        "/-/ready",
    )
}

/// Runs an instant PromQL query; the `data.result` array.
pub fn query(server: &Daemon, promql: &str) -> Result<Vec<serde_json::Value>, String> {
    let body = http_get(
        server.port,
        &format!("/api/v1/query?query={}", encode(promql)),
    )?;
    let document: serde_json::Value =
        serde_json::from_str(&body).map_err(|error| format!("{error}: {body}"))?;
    if document["status"] != "success" {
        return Err(body);
    }
    Ok(document["data"]["result"]
        .as_array()
        .cloned()
        .unwrap_or_default())
}

/// A vector query's answer as (service label, value) pairs, sorted.
pub fn by_service(samples: &[serde_json::Value]) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = samples
        .iter()
        .map(|sample| {
            (
                sample["metric"]["service"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                sample["value"][1].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    pairs.sort();
    pairs
}
