//! `hmctl logs collect`: one `.tar.gz` for support — `status --json`, each log
//! (capped, newest part kept), the compose files, each group's `config_dir`,
//! `docker inspect` of the group's containers and hmctl's own config — with
//! every secret masked. Written to a temporary file beside the target and
//! renamed into place, so a full disk leaves nothing half-written behind.

use super::files::LogFile;
use super::select::select;
use crate::backend::Backend;
use crate::catalog::{Catalog, Group};
use crate::exit::{Exit, Failure};
use crate::redact::redact;
use serde::Serialize;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What `logs collect` needs to know.
#[derive(Debug, Clone)]
pub struct Request {
    pub output: Option<PathBuf>,
    /// Leave out log files last written before this time key.
    pub since: Option<String>,
    /// At most this much of each log, its newest part.
    pub log_cap: u64,
}

/// The default cap of each log in the bundle.
pub const DEFAULT_LOG_CAP: u64 = 16 * 1024 * 1024;
/// Config files larger than this are not configuration: left out.
const CONFIG_CAP: u64 = 1024 * 1024;

/// One file of the bundle, as the manifest lists it.
#[derive(Debug, Clone, Serialize)]
pub struct ManifestEntry {
    pub path: String,
    pub source: String,
    pub source_bytes: u64,
    pub included_bytes: u64,
    pub truncated: bool,
    pub redactions: usize,
}

/// What was written.
#[derive(Debug, Serialize)]
pub struct Bundle {
    pub path: PathBuf,
    pub files: Vec<ManifestEntry>,
    pub skipped: Vec<String>,
}

impl Bundle {
    pub fn redactions(&self) -> usize {
        self.files.iter().map(|entry| entry.redactions).sum()
    }
}

/// The last `cap` bytes of a file (from a line start), and its full size.
fn newest_part(path: &Path, cap: u64) -> std::io::Result<(Vec<u8>, u64, bool)> {
    let mut file = std::fs::File::open(path)?;
    if path.extension().is_some_and(|extension| extension == "gz") {
        let mut decoder = flate2::read::MultiGzDecoder::new(std::io::BufReader::new(file));
        let mut kept: Vec<u8> = Vec::new();
        let mut total = 0u64;
        let mut chunk = vec![0; 256 * 1024];
        loop {
            let read = decoder.read(&mut chunk)?;
            if read == 0 {
                break;
            }
            total += read as u64;
            kept.extend_from_slice(&chunk[..read]);
            let limit = usize::try_from(cap).unwrap_or(usize::MAX);
            if kept.len() > limit.saturating_mul(2) {
                kept.drain(..kept.len() - limit);
            }
        }
        let limit = usize::try_from(cap).unwrap_or(usize::MAX);
        let truncated = kept.len() > limit || total > kept.len() as u64;
        if kept.len() > limit {
            kept.drain(..kept.len() - limit);
        }
        return Ok((from_line_start(kept, truncated), total, truncated));
    }
    let size = file.metadata()?.len();
    let truncated = size > cap;
    if truncated {
        file.seek(SeekFrom::Start(size - cap))?;
    }
    let mut bytes = Vec::new();
    file.take(cap).read_to_end(&mut bytes)?;
    Ok((from_line_start(bytes, truncated), size, truncated))
}

fn from_line_start(mut bytes: Vec<u8>, truncated: bool) -> Vec<u8> {
    if truncated && let Some(newline) = bytes.iter().position(|byte| *byte == b'\n') {
        bytes.drain(..=newline);
    }
    bytes
}

fn modified_key(path: &Path) -> Option<String> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    let timestamp = jiff::Timestamp::try_from(modified).ok()?;
    Some(
        timestamp
            .to_zoned(jiff::tz::TimeZone::system())
            .strftime("%Y-%m-%d %H:%M:%S.000000000")
            .to_string(),
    )
}

fn looks_like_text(bytes: &[u8]) -> bool {
    !bytes[..bytes.len().min(8192)].contains(&0)
}

/// The bundle being written.
struct Writer {
    archive: tar::Builder<flate2::write::GzEncoder<std::fs::File>>,
    root: String,
    entries: Vec<ManifestEntry>,
}

impl Writer {
    fn add(
        &mut self,
        path: &str,
        source: &str,
        bytes: &[u8],
        source_bytes: u64,
        truncated: bool,
    ) -> std::io::Result<()> {
        let text = String::from_utf8_lossy(bytes);
        let (redacted, redactions) = redact(&text);
        let mut header = tar::Header::new_gnu();
        header.set_size(redacted.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(jiff::Timestamp::now().as_second().try_into().unwrap_or(0));
        header.set_cksum();
        self.archive.append_data(
            &mut header,
            format!("{}/{path}", self.root),
            redacted.as_bytes(),
        )?;
        self.entries.push(ManifestEntry {
            path: path.to_string(),
            source: source.to_string(),
            source_bytes,
            included_bytes: redacted.len() as u64,
            truncated,
            redactions,
        });
        Ok(())
    }
}

fn relative_name(file: &Path, root: Option<&Path>) -> String {
    match root.and_then(|root| file.strip_prefix(root).ok()) {
        Some(relative) => relative.display().to_string(),
        None => file
            .display()
            .to_string()
            .trim_start_matches('/')
            .to_string(),
    }
}

fn walk_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => pending.push(entry.path()),
                Ok(kind) if kind.is_file() => files.push(entry.path()),
                _ => {}
            }
        }
    }
    files.sort();
    files
}

async fn group_containers(group: &Group) -> Option<String> {
    Backend::for_output(group.backend, Duration::from_secs(5))
        .await
        .describe(group)
        .await
}

/// Where the bundle goes by default: `/var/tmp/hmctl-logs-HOST-STAMP.tar.gz`.
pub fn default_output(host: &str) -> PathBuf {
    let stamp = jiff::Zoned::now().strftime("%Y%m%d-%H%M%S").to_string();
    PathBuf::from(format!("/var/tmp/hmctl-logs-{host}-{stamp}.tar.gz"))
}

/// Writes the bundle. `progress(done, total)` is told as files are added.
pub async fn collect(
    catalog: &Catalog,
    request: &Request,
    progress: &dyn Fn(usize, usize),
) -> Result<Bundle, Failure> {
    let host = crate::ops::status::host_name();
    let output = request
        .output
        .clone()
        .unwrap_or_else(|| default_output(&host));
    let name = output
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .ok_or_else(|| Failure::usage(format!("{} is not a file name", output.display())))?;
    let directory = output
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let root = name
        .trim_end_matches(".gz")
        .trim_end_matches(".tgz")
        .trim_end_matches(".tar")
        .to_string();

    // Gather first (daemons asked, files chosen), then write in one go.
    let status = match crate::ops::status::status(catalog, &[]).await {
        Ok(report) => report.to_json(),
        Err(failure) => format!("{{\"schema\": 1, \"error\": {:?}}}\n", failure.message),
    };
    let selection = select(catalog, None, &[])?;
    let mut logs: Vec<LogFile> = selection.files;
    if let Some(since) = &request.since {
        logs.retain(|file| modified_key(&file.path).is_none_or(|modified| &modified >= since));
    }
    let mut containers = Vec::new();
    for group in catalog.present_groups() {
        if let Some(json) = group_containers(group).await {
            containers.push((group.name.clone(), json));
        }
    }
    let temporary = directory.join(format!(".{name}.partial-{}", std::process::id()));
    let result = write_bundle(
        catalog,
        &temporary,
        &root,
        &status,
        &logs,
        &containers,
        request,
        progress,
    );
    let bundle = match result.and_then(|(file, entries, skipped)| {
        file.sync_all()?;
        std::fs::rename(&temporary, &output)?;
        if let Ok(dir) = std::fs::File::open(&directory) {
            let _ = dir.sync_all();
        }
        Ok(Bundle {
            path: output.clone(),
            files: entries,
            skipped,
        })
    }) {
        Ok(bundle) => bundle,
        Err(error) => {
            let _ = std::fs::remove_file(&temporary);
            let failure = Failure::new(
                Exit::OperationFailed,
                format!(
                    "cannot write the bundle {}: {error}; nothing was left behind",
                    output.display()
                ),
            );
            return Err(if error.raw_os_error() == Some(28) {
                failure.with_hint(format!(
                    "free space in {} or choose another place with -o",
                    directory.display()
                ))
            } else {
                failure
            });
        }
    };
    Ok(bundle)
}

#[allow(clippy::too_many_arguments)]
fn write_bundle(
    catalog: &Catalog,
    temporary: &Path,
    root: &str,
    status: &str,
    logs: &[LogFile],
    containers: &[(String, String)],
    request: &Request,
    progress: &dyn Fn(usize, usize),
) -> std::io::Result<(std::fs::File, Vec<ManifestEntry>, Vec<String>)> {
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(temporary)?;
    let encoder = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    let mut writer = Writer {
        archive: tar::Builder::new(encoder),
        root: root.to_string(),
        entries: Vec::new(),
    };
    let mut skipped = Vec::new();
    writer.add(
        "status.json",
        "hmctl status --json",
        status.as_bytes(),
        status.len() as u64,
        false,
    )?;
    if let Some(source) = &catalog.source
        && let Ok(text) = std::fs::read(source)
    {
        writer.add(
            "hmctl.toml",
            &source.display().to_string(),
            &text,
            text.len() as u64,
            false,
        )?;
    }
    let groups: Vec<&Group> = catalog.present_groups();
    let mut config_files: Vec<(String, PathBuf)> = Vec::new();
    for group in &groups {
        for file in group.files.iter().filter(|file| file.exists()) {
            let name = file
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            config_files.push((format!("{}/compose/{name}", group.name), file.clone()));
        }
        if let Some(config_dir) = &group.config_dir {
            for file in walk_files(config_dir) {
                config_files.push((
                    format!(
                        "{}/config/{}",
                        group.name,
                        relative_name(&file, Some(config_dir))
                    ),
                    file,
                ));
            }
        }
    }
    let total = config_files.len() + logs.len();
    let mut done = 0;
    for (name, path) in &config_files {
        done += 1;
        progress(done, total);
        let size = std::fs::metadata(path)
            .map(|metadata| metadata.len())
            .unwrap_or(0);
        let Ok(bytes) = std::fs::read(path).map(|bytes| {
            bytes
                .into_iter()
                .take(usize::try_from(CONFIG_CAP).unwrap_or(usize::MAX))
                .collect::<Vec<u8>>()
        }) else {
            skipped.push(format!("{}: unreadable", path.display()));
            continue;
        };
        if size > CONFIG_CAP || !looks_like_text(&bytes) {
            skipped.push(format!("{}: not a text configuration file", path.display()));
            continue;
        }
        writer.add(name, &path.display().to_string(), &bytes, size, false)?;
    }
    for file in logs {
        done += 1;
        progress(done, total);
        let group = catalog.group(&file.group);
        let log_dir = group.and_then(|group| group.log_dir.as_deref());
        let mut name = format!("{}/logs/{}", file.group, relative_name(&file.path, log_dir));
        if let Some(stripped) = name.strip_suffix(".gz") {
            name = stripped.to_string();
        }
        match newest_part(&file.path, request.log_cap) {
            Ok((bytes, size, truncated)) if looks_like_text(&bytes) => {
                writer.add(
                    &name,
                    &file.path.display().to_string(),
                    &bytes,
                    size,
                    truncated,
                )?;
            }
            Ok(_) => skipped.push(format!("{}: binary", file.path.display())),
            Err(error) => skipped.push(format!("{}: {error}", file.path.display())),
        }
    }
    for (group, json) in containers {
        writer.add(
            &format!("{group}/containers.json"),
            "docker inspect",
            json.as_bytes(),
            json.len() as u64,
            false,
        )?;
    }
    let manifest = serde_json::to_string_pretty(&serde_json::json!({
        "schema": 1,
        "host": crate::ops::status::host_name(),
        "created": crate::model::format_timestamp(jiff::Timestamp::now()),
        "log_cap_bytes": request.log_cap,
        "files": writer.entries,
        "skipped": skipped,
    }))
    .unwrap_or_default();
    let mut header = tar::Header::new_gnu();
    header.set_size(manifest.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    writer.archive.append_data(
        &mut header,
        format!("{root}/manifest.json"),
        manifest.as_bytes(),
    )?;
    let mut encoder = writer.archive.into_inner()?;
    encoder.flush()?;
    let file = encoder.finish()?;
    Ok((file, writer.entries, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_part_starts_at_a_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.log");
        let text: String = (1..=1000)
            .map(|number| format!("line {number}\n"))
            .collect();
        std::fs::write(&path, &text).unwrap();
        let (bytes, size, truncated) = newest_part(&path, 100).unwrap();
        assert!(truncated);
        assert_eq!(size, text.len() as u64);
        let kept = String::from_utf8(bytes).unwrap();
        assert!(
            kept.starts_with("line ") && kept.ends_with("line 1000\n"),
            "{kept}"
        );
        assert!(kept.len() <= 100);
        let gz = dir.path().join("a.log.1.gz");
        let mut encoder = flate2::write::GzEncoder::new(
            std::fs::File::create(&gz).unwrap(),
            flate2::Compression::fast(),
        );
        encoder.write_all(text.as_bytes()).unwrap();
        encoder.finish().unwrap();
        let (bytes, size, truncated) = newest_part(&gz, 100).unwrap();
        assert!(truncated && size == text.len() as u64);
        assert!(String::from_utf8(bytes).unwrap().ends_with("line 1000\n"));
        let (bytes, _, truncated) = newest_part(&path, 1 << 20).unwrap();
        assert!(!truncated && bytes.len() == text.len());
    }
}
