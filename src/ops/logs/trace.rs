//! `hmctl logs trace ID`: every line mentioning a request or resource id in
//! every log of every present group, merged into one timeline — the guide's
//! "trace the request path", done for the operator.

use super::search::{FileHits, Hit, Query, search};
use super::select::select;
use super::timeline::line_time;
use crate::catalog::Catalog;
use crate::exit::Failure;

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceLine {
    pub time: Option<String>,
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
        let mut previous: Option<String> = None;
        for hit in &file.hits {
            if let Hit::Match { line, text } = hit {
                let time = line_time(text).or_else(|| previous.clone());
                previous.clone_from(&time);
                lines.push((
                    time.clone().unwrap_or_default(),
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
    lines.sort_by(|left, right| (&left.0, left.1, left.2).cmp(&(&right.0, right.1, right.2)));
    lines.into_iter().map(|(_, _, _, line)| line).collect()
}

/// Traces `id` through every log of the present groups.
pub fn trace(catalog: &Catalog, id: &str, threads: usize) -> Result<Vec<TraceLine>, Failure> {
    if id.trim().len() < 3 {
        return Err(
            Failure::usage(format!("the id {id:?} is too short to trace"))
                .with_hint("give a request, resource or user id"),
        );
    }
    let selection = select(catalog, None, &[])?;
    let query = Query {
        pattern: id.to_string(),
        fixed: true,
        ignore_case: false,
        context: 0,
        since: None,
    };
    let found = search(&selection.files, &query, threads).map_err(Failure::usage)?;
    Ok(timeline(&found))
}
