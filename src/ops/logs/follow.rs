//! `hmctl logs TARGET... [-f] [-n N]`: the last lines of each service's own
//! log files, merged by time and prefixed by service when there are several;
//! with `-f`, new lines as they are written, across rotation (a renamed or
//! truncated file, the gateway's next dated file). A service without a log
//! file shows its container's output (Docker) or its unit's journal.

use super::files::{LogFile, service_files};
use super::tail::{SourcedLine, last_lines_before, merge};
use crate::backend::docker::DockerClient;
use crate::catalog::{BackendKind, Catalog, resolve};
use crate::exit::Failure;
use crate::ops::interrupt::Interrupt;
use crate::ops::inventory::{Entry, inventory};
use futures_util::StreamExt;
use std::io::{Read, Seek, SeekFrom};
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::mpsc;

/// Where one service's lines come from.
#[derive(Debug, Clone)]
enum Origin {
    Files,
    Container { project: String, service: String },
    Journal(Vec<String>),
}

/// Reads a file from an offset, handing out complete lines.
struct Tracker {
    path: PathBuf,
    file: std::fs::File,
    inode: u64,
    offset: u64,
    partial: Vec<u8>,
}

impl Tracker {
    fn open(path: PathBuf, at_end: bool) -> std::io::Result<Tracker> {
        let mut file = std::fs::File::open(&path)?;
        let metadata = file.metadata()?;
        let offset = if at_end { metadata.len() } else { 0 };
        file.seek(SeekFrom::Start(offset))?;
        Ok(Tracker {
            path,
            file,
            inode: metadata.ino(),
            offset,
            partial: Vec::new(),
        })
    }

    /// New complete lines since the last read.
    fn read_new(&mut self) -> Vec<Vec<u8>> {
        let mut bytes = Vec::new();
        if self.file.read_to_end(&mut bytes).is_err() {
            return Vec::new();
        }
        self.offset += bytes.len() as u64;
        self.partial.extend_from_slice(&bytes);
        let mut lines = Vec::new();
        while let Some(end) = self.partial.iter().position(|byte| *byte == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=end).collect();
            lines.push(line[..line.len() - 1].to_vec());
        }
        lines
    }

    /// Whether the path now names another file (renamed away) or the file shrank (truncated).
    fn poll_rotation(&mut self) -> Vec<Vec<u8>> {
        let Ok(metadata) = std::fs::metadata(&self.path) else {
            return Vec::new();
        };
        if metadata.ino() != self.inode {
            // Finish the old file, then read the new one from its start.
            let mut lines = self.read_new();
            if let Ok(fresh) = Tracker::open(self.path.clone(), false) {
                *self = fresh;
                lines.extend(self.read_new());
            }
            lines
        } else if metadata.len() < self.offset {
            let _ = self.file.seek(SeekFrom::Start(0));
            self.offset = 0;
            self.partial.clear();
            self.read_new()
        } else {
            self.read_new()
        }
    }
}

fn origin_of(catalog: &Catalog, entry: &Entry) -> Origin {
    let Some(group) = catalog.group(&entry.group) else {
        return Origin::Files;
    };
    let (files, _) = service_files(catalog, group, &entry.name, false);
    if !files.is_empty() {
        return Origin::Files;
    }
    match entry.backend {
        BackendKind::Compose => Origin::Container {
            project: group.project.clone().unwrap_or_default(),
            service: entry.name.clone(),
        },
        BackendKind::Systemd => Origin::Journal(entry.units.clone()),
    }
}

fn current_files(catalog: &Catalog, entry: &Entry) -> Vec<LogFile> {
    catalog
        .group(&entry.group)
        .map(|group| service_files(catalog, group, &entry.name, false).0)
        .unwrap_or_default()
}

async fn container_lines(
    docker: &DockerClient,
    project: &str,
    service: &str,
    count: usize,
    follow: bool,
    sender: Option<(String, mpsc::UnboundedSender<SourcedLine>)>,
) -> Result<Vec<Vec<u8>>, Failure> {
    let inspect = docker
        .service_container(project, service, Duration::from_secs(5))
        .await
        .map_err(|error| error.into_failure())?
        .ok_or_else(|| Failure::usage(format!("{service} has no log file and no container")))?;
    let id = inspect.id.unwrap_or_default();
    let mut stream = Box::pin(
        docker
            .output(&id, count, follow)
            .await
            .map_err(|error| error.into_failure())?,
    );
    let mut lines = Vec::new();
    let mut partial = Vec::new();
    while let Some(chunk) = stream.next().await {
        partial.extend(chunk.map_err(|error| error.into_failure())?);
        while let Some(end) = partial.iter().position(|byte| *byte == b'\n') {
            let line: Vec<u8> = partial.drain(..=end).collect();
            let line = line[..line.len() - 1].to_vec();
            match &sender {
                Some((source, sender)) => {
                    let _ = sender.send(SourcedLine {
                        source: source.clone(),
                        text: line,
                    });
                }
                None => lines.push(line),
            }
        }
    }
    Ok(lines)
}

fn journal_command(units: &[String], count: usize, follow: bool) -> tokio::process::Command {
    let mut command = tokio::process::Command::new("journalctl");
    command.args([
        "--no-pager",
        "--output",
        "short-iso",
        "--lines",
        &count.to_string(),
    ]);
    for unit in units {
        command.arg("--unit").arg(unit);
    }
    if follow {
        command.arg("--follow");
    }
    command
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    command
}

/// What `logs TARGET...` needs to know.
pub struct Request {
    pub targets: Vec<String>,
    pub lines: usize,
    pub follow: bool,
}

/// Shows the logs; `emit` prints one line (returns false when stdout closed).
pub async fn show(
    catalog: &Catalog,
    request: &Request,
    interrupt: &Interrupt,
    note: &dyn Fn(&str),
    emit: &mut dyn FnMut(&SourcedLine, bool) -> bool,
) -> Result<(), Failure> {
    let entries = inventory(catalog)?;
    let selected: Vec<Entry> = resolve(&request.targets, &entries, catalog)?
        .into_iter()
        .map(|index| entries[index].clone())
        .collect();
    let prefixed = selected.len() > 1;
    let origins: Vec<(Entry, Origin)> = selected
        .into_iter()
        .map(|entry| {
            let origin = origin_of(catalog, &entry);
            (entry, origin)
        })
        .collect();
    for (entry, origin) in &origins {
        match origin {
            Origin::Files => {}
            Origin::Container { .. } => note(&format!(
                "{}: no log file; showing its container's output",
                entry.name
            )),
            Origin::Journal(units) => note(&format!(
                "{}: no log file; showing the journal of {}",
                entry.name,
                units.join(", ")
            )),
        }
    }
    let needs_docker = origins
        .iter()
        .any(|(_, origin)| matches!(origin, Origin::Container { .. }));
    let docker = if needs_docker {
        Some(
            DockerClient::connect(Duration::from_secs(5))
                .await
                .map_err(|error| error.into_failure())?,
        )
    } else {
        None
    };
    // The last lines of every service, in one timeline. Each file is opened
    // once: its tail is read up to where following it will begin.
    let mut sources: Vec<(String, Vec<Vec<u8>>)> = Vec::new();
    let mut trackers: Vec<(String, Tracker)> = Vec::new();
    for (entry, origin) in &origins {
        match origin {
            Origin::Files => {
                let mut per_file = Vec::new();
                for file in current_files(catalog, entry) {
                    let cannot_read = |error: std::io::Error| {
                        Failure::new(
                            crate::exit::Exit::OperationFailed,
                            format!("cannot read {}: {error}", file.path.display()),
                        )
                    };
                    let mut tracker =
                        Tracker::open(file.path.clone(), true).map_err(cannot_read)?;
                    let mut reader = tracker.file.try_clone().map_err(cannot_read)?;
                    let lines = last_lines_before(&mut reader, tracker.offset, request.lines)
                        .map_err(cannot_read)?;
                    tracker
                        .file
                        .seek(SeekFrom::Start(tracker.offset))
                        .map_err(cannot_read)?;
                    per_file.push((entry.name.clone(), lines));
                    trackers.push((entry.name.clone(), tracker));
                }
                let merged: Vec<Vec<u8>> = merge(per_file, request.lines)
                    .into_iter()
                    .map(|line| line.text)
                    .collect();
                sources.push((entry.name.clone(), merged));
            }
            Origin::Container { project, service } => {
                if let Some(docker) = &docker {
                    sources.push((
                        entry.name.clone(),
                        container_lines(docker, project, service, request.lines, false, None)
                            .await?,
                    ));
                }
            }
            Origin::Journal(units) => {
                let output = journal_command(units, request.lines, false)
                    .output()
                    .await
                    .map_err(|error| {
                        Failure::new(
                            crate::exit::Exit::OperationFailed,
                            format!(
                                "{} has no log file, and journalctl cannot be run: {error}",
                                entry.name
                            ),
                        )
                    })?;
                sources.push((
                    entry.name.clone(),
                    output
                        .stdout
                        .split(|byte| *byte == b'\n')
                        .filter(|line| !line.is_empty())
                        .map(<[u8]>::to_vec)
                        .collect(),
                ));
            }
        }
    }
    let total = if prefixed { request.lines } else { usize::MAX };
    for line in merge(sources, total) {
        if !emit(&line, prefixed) {
            return Ok(());
        }
    }
    if !request.follow {
        return Ok(());
    }
    follow(
        catalog,
        &origins,
        trackers,
        docker.as_ref(),
        prefixed,
        interrupt,
        emit,
    )
    .await
}

async fn follow(
    catalog: &Catalog,
    origins: &[(Entry, Origin)],
    mut trackers: Vec<(String, Tracker)>,
    docker: Option<&DockerClient>,
    prefixed: bool,
    interrupt: &Interrupt,
    emit: &mut dyn FnMut(&SourcedLine, bool) -> bool,
) -> Result<(), Failure> {
    let (sender, mut receiver) = mpsc::unbounded_channel::<SourcedLine>();
    let mut streams = Vec::new();
    for (entry, origin) in origins {
        match origin {
            Origin::Files => {}
            Origin::Container { project, service } => {
                if let Some(docker) = docker {
                    let docker = docker.clone();
                    let (project, service, name, sender) = (
                        project.clone(),
                        service.clone(),
                        entry.name.clone(),
                        sender.clone(),
                    );
                    streams.push(tokio::spawn(async move {
                        let _ = container_lines(
                            &docker,
                            &project,
                            &service,
                            0,
                            true,
                            Some((name, sender)),
                        )
                        .await;
                    }));
                }
            }
            Origin::Journal(units) => {
                let mut command = journal_command(units, 0, true);
                command.stdout(std::process::Stdio::piped());
                if let Ok(mut child) = command.spawn()
                    && let Some(stdout) = child.stdout.take()
                {
                    let (name, sender) = (entry.name.clone(), sender.clone());
                    streams.push(tokio::spawn(async move {
                        use tokio::io::AsyncBufReadExt;
                        let mut reader = tokio::io::BufReader::new(stdout).lines();
                        while let Ok(Some(line)) = reader.next_line().await {
                            let _ = sender.send(SourcedLine {
                                source: name.clone(),
                                text: line.into_bytes(),
                            });
                        }
                        drop(child);
                    }));
                }
            }
        }
    }
    loop {
        // Files: new lines, rotation, and newly appearing current files.
        for (entry, origin) in origins {
            if !matches!(origin, Origin::Files) {
                continue;
            }
            for file in current_files(catalog, entry) {
                if !trackers
                    .iter()
                    .any(|(_, tracker)| tracker.path == file.path)
                    && let Ok(tracker) = Tracker::open(file.path, false)
                {
                    trackers.push((entry.name.clone(), tracker));
                }
            }
        }
        for (service, tracker) in &mut trackers {
            for text in tracker.poll_rotation() {
                if !emit(
                    &SourcedLine {
                        source: service.clone(),
                        text,
                    },
                    prefixed,
                ) {
                    return Ok(());
                }
            }
        }
        while let Ok(line) = receiver.try_recv() {
            if !emit(&line, prefixed) {
                return Ok(());
            }
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(250)) => {}
            () = interrupt.raised() => break,
        }
    }
    for stream in streams {
        stream.abort();
    }
    Ok(())
}
