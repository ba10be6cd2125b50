//! Writing a support bundle's `.tar.gz`: every file redacted as it goes in
//! (by what it is: configuration, log, JSON), then the manifest listing each
//! file, what was left out and how many values were masked in each.

use super::read::{looks_like_text, newest_part, relative_name};
use super::{CONFIG_CAP, Manifest, ManifestEntry};
use crate::log_files::files::LogFile;
use crate::redact::{Content, redact_content};
use std::io::Write;
use std::path::PathBuf;

/// Everything gathered for a bundle, before a byte is written.
#[derive(Debug)]
pub struct Contents {
    /// The directory name every file of the bundle sits in.
    pub root: String,
    /// `hmctl status --json`.
    pub status: String,
    /// hmctl's own config file.
    pub catalog_source: Option<PathBuf>,
    /// (name in the bundle, source) of each compose and config file.
    pub config_files: Vec<(String, PathBuf)>,
    /// (name in the bundle, log).
    pub logs: Vec<(String, LogFile)>,
    /// (group, `docker inspect` JSON) of each compose group.
    pub containers: Vec<(String, String)>,
    pub log_cap: u64,
    /// What could not be read, and why (for the manifest).
    pub unread: Vec<String>,
}

/// The bundle being written.
struct Writer {
    archive: tar::Builder<flate2::write::GzEncoder<std::fs::File>>,
    root: String,
    manifest: Manifest,
    obfuscator: Option<crate::redact::obfuscate::Obfuscator>,
}

/// One file going into the bundle.
struct Item<'a> {
    path: &'a str,
    source: &'a str,
    bytes: &'a [u8],
    source_bytes: u64,
    truncated: bool,
    content: Content,
}

impl Writer {
    /// Notes a file left out of the bundle, and why.
    fn skip(&mut self, path: &std::path::Path, why: &dyn std::fmt::Display) {
        self.manifest
            .skipped
            .push(format!("{}: {why}", path.display()));
    }

    /// Notes what could not be read, masked like a log line (an error may
    /// quote the file it could not parse).
    fn note_unread(&mut self, unread: &[String]) {
        for message in unread {
            let (mut masked, _) = redact_content("manifest.json", message, Content::Log);
            if let Some(obfuscator) = &mut self.obfuscator {
                masked = obfuscator.apply(&masked);
            }
            self.manifest.unread.push(masked);
        }
    }

    fn add(&mut self, item: &Item) -> std::io::Result<()> {
        let text = String::from_utf8_lossy(item.bytes);
        let (mut redacted, redactions) = redact_content(item.path, &text, item.content);
        let (mut path, mut source) = (item.path.to_string(), item.source.to_string());
        if let Some(obfuscator) = &mut self.obfuscator {
            redacted = obfuscator.apply(&redacted);
            path = obfuscator.apply(&path);
            source = obfuscator.apply(&source);
        }
        self.append(&path, redacted.as_bytes())?;
        self.manifest.files.push(ManifestEntry {
            path,
            source,
            source_bytes: item.source_bytes,
            included_bytes: redacted.len() as u64,
            truncated: item.truncated,
            redactions,
        });
        Ok(())
    }

    fn append(&mut self, path: &str, bytes: &[u8]) -> std::io::Result<()> {
        let mut header = tar::Header::new_gnu();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o600);
        header.set_mtime(jiff::Timestamp::now().as_second().try_into().unwrap_or(0));
        header.set_cksum();
        self.archive
            .append_data(&mut header, format!("{}/{path}", self.root), bytes)
    }
}

/// What was written: the file, the manifest's entries, what was left out,
/// and the obfuscation mapping (when asked for).
pub struct Written {
    pub file: std::fs::File,
    pub manifest: Manifest,
    pub obfuscator: Option<crate::redact::obfuscate::Obfuscator>,
}

/// Writes the bundle into `file`. `progress(done, total)` is told as files
/// are added.
pub fn write_bundle(
    file: std::fs::File,
    contents: &Contents,
    obfuscator: Option<crate::redact::obfuscate::Obfuscator>,
    progress: &dyn Fn(usize, usize),
) -> std::io::Result<Written> {
    let encoder = flate2::write::GzEncoder::new(file, flate2::Compression::default());
    let mut writer = Writer {
        archive: tar::Builder::new(encoder),
        root: contents.root.clone(),
        manifest: Manifest::default(),
        obfuscator,
    };
    writer.note_unread(&contents.unread);
    writer.add(&Item {
        path: "status.json",
        source: "hmctl status --json",
        bytes: contents.status.as_bytes(),
        source_bytes: contents.status.len() as u64,
        truncated: false,
        content: Content::Json,
    })?;
    if let Some(source) = &contents.catalog_source
        && let Ok(text) = std::fs::read(source)
    {
        writer.add(&Item {
            path: "hmctl.toml",
            source: &source.display().to_string(),
            bytes: &text,
            source_bytes: text.len() as u64,
            truncated: false,
            content: Content::Config,
        })?;
    }
    let total = contents.config_files.len() + contents.logs.len();
    let mut done = 0;
    for (name, path) in &contents.config_files {
        done += 1;
        progress(done, total);
        add_config(&mut writer, name, path)?;
    }
    for (name, file) in &contents.logs {
        done += 1;
        progress(done, total);
        match newest_part(&file.path, contents.log_cap) {
            Ok((bytes, size, truncated)) if looks_like_text(&bytes) => writer.add(&Item {
                path: name,
                source: &file.path.display().to_string(),
                bytes: &bytes,
                source_bytes: size,
                truncated,
                content: Content::Log,
            })?,
            Ok(_) => writer.skip(&file.path, &"binary"),
            Err(error) => writer.skip(&file.path, &error),
        }
    }
    for (group, json) in &contents.containers {
        writer.add(&Item {
            path: &format!("{group}/containers.json"),
            source: "docker inspect",
            bytes: json.as_bytes(),
            source_bytes: json.len() as u64,
            truncated: false,
            content: Content::Json,
        })?;
    }
    let manifest = manifest(contents, &mut writer);
    writer.append("manifest.json", manifest.as_bytes())?;
    let mut encoder = writer.archive.into_inner()?;
    encoder.flush()?;
    Ok(Written {
        file: encoder.finish()?,
        manifest: writer.manifest,
        obfuscator: writer.obfuscator,
    })
}

fn add_config(writer: &mut Writer, name: &str, path: &std::path::Path) -> std::io::Result<()> {
    let size = std::fs::metadata(path)
        .map(|metadata| metadata.len())
        .unwrap_or(0);
    let Ok(bytes) = std::fs::read(path).map(|bytes| {
        bytes
            .into_iter()
            .take(usize::try_from(CONFIG_CAP).unwrap_or(usize::MAX))
            .collect::<Vec<u8>>()
    }) else {
        writer.skip(path, &"unreadable");
        return Ok(());
    };
    if size > CONFIG_CAP || !looks_like_text(&bytes) {
        writer.skip(path, &"not a text configuration file");
        return Ok(());
    }
    writer.add(&Item {
        path: name,
        source: &path.display().to_string(),
        bytes: &bytes,
        source_bytes: size,
        truncated: false,
        content: Content::Config,
    })
}

/// The manifest: each file with how many values were masked in it (never
/// the values), what was left out, and whether names were obfuscated.
fn manifest(contents: &Contents, writer: &mut Writer) -> String {
    let masked = writer.manifest.redactions();
    let masked_per_file: serde_json::Map<String, serde_json::Value> = writer
        .manifest
        .files
        .iter()
        .filter(|entry| entry.redactions > 0)
        .map(|entry| (entry.path.clone(), entry.redactions.into()))
        .collect();
    let host = crate::ops::status::host_name();
    let host = match &mut writer.obfuscator {
        Some(obfuscator) => obfuscator.apply(&host),
        None => host,
    };
    let mut text = serde_json::to_string_pretty(&serde_json::json!({
        "schema": 1,
        "host": host,
        "created": crate::model::format_timestamp(jiff::Timestamp::now()),
        "log_cap_bytes": contents.log_cap,
        "redaction": {
            "masked_values": masked,
            "masked_values_per_file": masked_per_file,
            "obfuscated": writer.obfuscator.is_some(),
        },
        "files": writer.manifest.files,
        "skipped": writer.manifest.skipped,
        "unread": writer.manifest.unread,
    }))
    .unwrap_or_default();
    text.push('\n');
    text
}

/// The name a log gets in the bundle: `GROUP/logs/PATH-BELOW-LOG-DIR`
/// (without a `.gz`: it is stored decompressed).
pub fn log_name(file: &LogFile, log_dir: Option<&std::path::Path>) -> String {
    let name = format!("{}/logs/{}", file.group, relative_name(&file.path, log_dir));
    match name.strip_suffix(".gz") {
        Some(stripped) => stripped.to_string(),
        None => name,
    }
}
