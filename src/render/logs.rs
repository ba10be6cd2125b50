//! Log lines, search results, traces and bundles as text and JSON.

use super::{Style, finish, table};
use crate::catalog::{
    Catalog, LogSource, STAGES, StageService, by_priority, log_sources, windows_agent,
};
use crate::log_files::search::{FileHits, Hit};
use crate::log_files::tail::SourcedLine;
use crate::ops::logs::collect::Bundle;
use crate::ops::logs::trace::TraceLine;
use comfy_table::Cell;
use serde_json::json;
use std::collections::BTreeMap;
use std::io::Write;

/// One line of `logs TARGET...`: `service | text` when several services show.
pub fn line(
    out: &mut impl Write,
    line: &SourcedLine,
    prefixed: bool,
    width: usize,
) -> std::io::Result<()> {
    if prefixed {
        write!(out, "{:width$} | ", line.source)?;
    }
    out.write_all(&line.text)?;
    out.write_all(b"\n")
}

/// Which services matched, for stderr: `7 matching lines in 3 files: unicloud-engine 5, porter-api 2`.
pub fn grep_summary(found: &[FileHits], searched: usize) -> String {
    let mut per_service: BTreeMap<&str, (u64, usize)> = BTreeMap::new();
    for file in found.iter().filter(|file| file.matches > 0) {
        let entry = per_service.entry(&file.file.service).or_default();
        entry.0 += file.matches;
        entry.1 += 1;
    }
    let total: u64 = per_service.values().map(|(matches, _)| matches).sum();
    let files: usize = per_service.values().map(|(_, files)| files).sum();
    if total == 0 {
        return format!("no match in {searched} files");
    }
    let mut services: Vec<(&str, (u64, usize))> = per_service.into_iter().collect();
    services.sort_by_key(|(_, (matches, _))| std::cmp::Reverse(*matches));
    let listed: Vec<String> = services
        .iter()
        .map(|(service, (matches, _))| format!("{service} {matches}"))
        .collect();
    format!(
        "{total} matching lines in {files} of {searched} files: {}",
        listed.join(", ")
    )
}

/// Search results as one JSON document.
pub fn grep_json(found: &[FileHits], searched: usize) -> String {
    let matches: Vec<serde_json::Value> = found
        .iter()
        .flat_map(|file| {
            file.hits.iter().filter_map(move |hit| match hit {
                Hit::Match { line, text } => Some(json!({
                    "service": file.file.service,
                    "group": file.file.group,
                    "path": file.file.path,
                    "line": line,
                    "text": String::from_utf8_lossy(text),
                })),
                _ => None,
            })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(
        &json!({"schema": 1, "files_searched": searched, "matches": matches}),
    )
    .unwrap_or_default();
    text.push('\n');
    text
}

/// A trace as a timeline: `SERVICE FILE:LINE: TEXT`.
pub fn trace(out: &mut impl Write, lines: &[TraceLine]) -> std::io::Result<()> {
    let width = lines
        .iter()
        .map(|line| line.service.len())
        .max()
        .unwrap_or(0);
    for line in lines {
        write!(
            out,
            "{:width$} | {}:{}: ",
            line.service, line.path, line.line
        )?;
        out.write_all(&line.text)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

pub fn trace_json(lines: &[TraceLine]) -> String {
    let lines: Vec<serde_json::Value> = lines
        .iter()
        .map(|line| {
            json!({"time": line.time, "service": line.service, "path": line.path, "line": line.line,
                   "text": String::from_utf8_lossy(&line.text)})
        })
        .collect();
    let mut text =
        serde_json::to_string_pretty(&json!({"schema": 1, "lines": lines})).unwrap_or_default();
    text.push('\n');
    text
}

/// The stage table: for each stage its services, high priority first, and
/// their logs; the Windows agent's (on the Windows host) after this host's
/// high-priority ones.
pub fn stages(catalog: &Catalog, style: Style) -> String {
    let mut rows = table(style, &["STAGE", "PRIORITY", "SERVICE", "GROUP", "LOGS"]);
    for stage in STAGES {
        let mut lines: Vec<[String; 4]> = Vec::new();
        let ordered = by_priority(stage);
        let high = ordered.iter().filter(|wanted| wanted.high_priority).count();
        for wanted in &ordered {
            lines.push([
                if wanted.high_priority { "high" } else { "" }.to_string(),
                wanted.service.unwrap_or("(every service)").to_string(),
                wanted.group.to_string(),
                stage_logs(catalog, wanted).join("\n"),
            ]);
        }
        let windows = windows_agent::services().into_iter().filter_map(|service| {
            let paths: Vec<String> = stage
                .windows
                .iter()
                .filter(|log| log.service == service)
                .map(|log| format!("{} ({})", log.path(), windows_agent::WHERE))
                .collect();
            (!paths.is_empty()).then(|| {
                [
                    "high".to_string(),
                    service.to_string(),
                    windows_agent::GROUP.to_string(),
                    paths.join("\n"),
                ]
            })
        });
        lines.splice(high..high, windows);
        for (index, [priority, service, group, logs]) in lines.into_iter().enumerate() {
            rows.add_row(vec![
                Cell::new(if index == 0 {
                    format!("{}\n({})", stage.name, stage.description)
                } else {
                    String::new()
                }),
                Cell::new(priority),
                Cell::new(service),
                Cell::new(group),
                Cell::new(logs),
            ]);
        }
    }
    finish(&rows)
}

/// The log files of one row of the stage table, on this host.
fn stage_logs(catalog: &Catalog, wanted: &StageService) -> Vec<String> {
    match (
        catalog.group(wanted.group),
        wanted.service,
        wanted.log_files.is_empty(),
    ) {
        (Some(group), _, false) => wanted
            .log_files
            .iter()
            .map(|file| {
                group.log_dir.as_ref().map_or((*file).to_string(), |dir| {
                    dir.join(file).display().to_string()
                })
            })
            .collect(),
        (Some(group), Some(service), true) => log_sources(catalog, group, service)
            .iter()
            .map(LogSource::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// What a bundle holds, for stderr.
pub fn bundle_summary(bundle: &Bundle) -> String {
    let manifest = &bundle.manifest;
    let bytes: u64 = manifest
        .files
        .iter()
        .map(|entry| entry.included_bytes)
        .sum();
    let truncated = manifest
        .files
        .iter()
        .filter(|entry| entry.truncated)
        .count();
    format!(
        "{} files ({} before compression; {truncated} logs capped to their newest part), {} secrets masked{}",
        manifest.files.len(),
        crate::ops::host::checks::human_bytes(bytes),
        manifest.redactions(),
        if manifest.skipped.is_empty() {
            String::new()
        } else {
            format!(
                ", {} files left out (see manifest.json)",
                manifest.skipped.len()
            )
        }
    )
}
