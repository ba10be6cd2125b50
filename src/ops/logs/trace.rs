//! `hmctl logs trace ID`: every line mentioning a request or resource id in
//! every log of every present group, merged into one timeline — the guide's
//! "trace the request path", done for the operator.

use super::select::select;
use super::zones::attach;
use crate::catalog::Catalog;
use crate::exit::Failure;
use crate::log_files::files::LogFile;
use crate::log_files::search::{FileHits, Hit, Query, search};
use crate::log_files::timeline::line_time;

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceLine {
    pub time: Option<jiff::Timestamp>,
    pub service: String,
    pub path: String,
    pub line: u64,
    pub text: Vec<u8>,
}

/// Orders the matches of several files by time; a line without a time keeps
/// the time of the line before it in its file.
pub fn timeline(found: &[FileHits]) -> Vec<TraceLine> {
    let mut lines = Vec::new();
    for (file_index, file) in found.iter().enumerate() {
        let zone = file.file.zone();
        let mut previous: Option<jiff::Timestamp> = None;
        for hit in &file.hits {
            if let Hit::Match { line, text } = hit {
                let time = line_time(text, &zone).or(previous);
                previous = time;
                lines.push((
                    time.unwrap_or_default(),
                    file_index,
                    *line,
                    TraceLine {
                        time,
                        service: file.file.service.clone(),
                        path: file.file.path.display().to_string(),
                        line: *line,
                        text: text.clone(),
                    },
                ));
            }
        }
    }
    lines.sort_by_key(|line| (line.0, line.1, line.2));
    lines.into_iter().map(|(_, _, _, line)| line).collect()
}

/// Traces `id` through every log of the present groups; with the warnings
/// of groups whose writers' zones could not be asked.
pub async fn trace(
    catalog: &Catalog,
    id: &str,
    threads: usize,
    backends: &crate::backend::Backends,
) -> Result<(Vec<TraceLine>, Vec<String>), Failure> {
    if id.trim().len() < 3 {
        return Err(
            Failure::usage(format!("the id {id:?} is too short to trace"))
                .with_hint("give a request, resource or user id"),
        );
    }
    let selection = select(catalog, None, &[], backends)?;
    let query = Query {
        pattern: id.to_string(),
        fixed: true,
        ignore_case: false,
        context: 0,
        since: None,
    };
    let found = search(&selection.files, &query, threads).map_err(Failure::usage)?;
    // Only the files that mention the id are placed in time.
    let mut found: Vec<FileHits> = found.into_iter().filter(|file| file.matches > 0).collect();
    let mut files: Vec<LogFile> = found.iter().map(|file| file.file.clone()).collect();
    let unasked = attach(catalog, &mut files, backends).await;
    for (file, zoned) in found.iter_mut().zip(files) {
        file.file = zoned;
    }
    Ok((timeline(&found), unasked))
}
