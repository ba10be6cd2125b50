//! The log search engine behind `logs grep` and `logs trace`: a regex (or a
//! fixed string) over plain, rotated and gzipped files, in parallel over
//! files, with context lines, as fast as ripgrep's own searcher.

use super::files::LogFile;
use super::timeline::line_time;
use grep_regex::{RegexMatcher, RegexMatcherBuilder};
use grep_searcher::{BinaryDetection, Searcher, SearcherBuilder, Sink, SinkContext, SinkMatch};
use std::sync::atomic::{AtomicUsize, Ordering};

/// What to look for.
#[derive(Debug, Clone)]
pub struct Query {
    pub pattern: String,
    pub fixed: bool,
    pub ignore_case: bool,
    /// Lines of context before and after each match (`-C`).
    pub context: usize,
    /// Only matches at or after this instant (a match without a time is kept).
    pub since: Option<jiff::Timestamp>,
}

/// One line the search produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hit {
    Match {
        line: u64,
        text: Vec<u8>,
    },
    Context {
        line: u64,
        text: Vec<u8>,
    },
    /// A gap between non-adjacent groups of context.
    Break,
}

/// What the search found in one file.
#[derive(Debug, Clone)]
pub struct FileHits {
    pub file: LogFile,
    pub hits: Vec<Hit>,
    pub matches: u64,
    pub error: Option<String>,
}

/// Builds the matcher, or says what is wrong with the pattern.
pub fn matcher(query: &Query) -> Result<RegexMatcher, String> {
    RegexMatcherBuilder::new()
        .case_insensitive(query.ignore_case)
        .fixed_strings(query.fixed)
        .line_terminator(Some(b'\n'))
        .build(&query.pattern)
        .map_err(|error| format!("invalid pattern {:?}: {error}", query.pattern))
}

struct Collect<'a> {
    hits: &'a mut Vec<Hit>,
    matches: &'a mut u64,
    /// `--since`, and the zone of the file's writer.
    since: Option<(jiff::Timestamp, jiff::tz::TimeZone)>,
}

fn trim_newline(bytes: &[u8]) -> &[u8] {
    let bytes = bytes.strip_suffix(b"\n").unwrap_or(bytes);
    bytes.strip_suffix(b"\r").unwrap_or(bytes)
}

impl Sink for Collect<'_> {
    type Error = std::io::Error;

    fn matched(
        &mut self,
        _searcher: &Searcher,
        found: &SinkMatch<'_>,
    ) -> Result<bool, Self::Error> {
        let first = found.line_number().unwrap_or(0);
        for (offset, line) in found
            .bytes()
            .split_inclusive(|byte| *byte == b'\n')
            .enumerate()
        {
            let text = trim_newline(line);
            let number = first + offset as u64;
            let recent = self.since.as_ref().is_none_or(|(since, zone)| {
                line_time(text, zone).is_none_or(|time| time >= *since)
            });
            if recent {
                self.hits.push(Hit::Match {
                    line: number,
                    text: text.to_vec(),
                });
                *self.matches += 1;
            } else {
                self.hits.push(Hit::Context {
                    line: number,
                    text: text.to_vec(),
                });
            }
        }
        Ok(true)
    }

    fn context(
        &mut self,
        _searcher: &Searcher,
        context: &SinkContext<'_>,
    ) -> Result<bool, Self::Error> {
        self.hits.push(Hit::Context {
            line: context.line_number().unwrap_or(0),
            text: trim_newline(context.bytes()).to_vec(),
        });
        Ok(true)
    }

    fn context_break(&mut self, _searcher: &Searcher) -> Result<bool, Self::Error> {
        self.hits.push(Hit::Break);
        Ok(true)
    }
}

fn search_file(matcher: &RegexMatcher, query: &Query, file: &LogFile) -> FileHits {
    let mut searcher = SearcherBuilder::new()
        .line_number(true)
        .before_context(query.context)
        .after_context(query.context)
        .binary_detection(BinaryDetection::quit(b'\x00'))
        .build();
    let mut hits = Vec::new();
    let mut matches = 0;
    let sink = Collect {
        hits: &mut hits,
        matches: &mut matches,
        since: query.since.map(|since| (since, file.zone())),
    };
    let result = if file.is_gzip() {
        std::fs::File::open(&file.path).and_then(|opened| {
            searcher.search_reader(matcher, flate2::read::MultiGzDecoder::new(opened), sink)
        })
    } else {
        searcher.search_path(matcher, &file.path, sink)
    };
    if matches == 0 {
        // Context around matches filtered out by --since is not worth showing.
        hits.clear();
    }
    FileHits {
        file: file.clone(),
        hits,
        matches,
        error: result.err().map(|error| error.to_string()),
    }
}

/// Searches every file (in parallel, `threads` at a time); results in file order.
pub fn search(files: &[LogFile], query: &Query, threads: usize) -> Result<Vec<FileHits>, String> {
    let matcher = matcher(query)?;
    let next = AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<FileHits>>> = (0..files.len())
        .map(|_| std::sync::Mutex::new(None))
        .collect();
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1).min(files.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(file) = files.get(index) else { break };
                    let found = search_file(&matcher, query, file);
                    if let Ok(mut slot) = slots[index].lock() {
                        *slot = Some(found);
                    }
                }
            });
        }
    });
    Ok(slots
        .into_iter()
        .filter_map(|slot| slot.into_inner().ok().flatten())
        .collect())
}

/// The hits in `grep -n` form: `FILE:LINE:TEXT`, `FILE-LINE-TEXT` for context,
/// `--` between groups.
pub fn write_grep_form(out: &mut impl std::io::Write, found: &FileHits) -> std::io::Result<()> {
    let path = found.file.path.to_string_lossy();
    for hit in &found.hits {
        match hit {
            Hit::Match { line, text } => {
                write!(out, "{path}:{line}:")?;
                out.write_all(text)?;
                out.write_all(b"\n")?;
            }
            Hit::Context { line, text } => {
                write!(out, "{path}-{line}-")?;
                out.write_all(text)?;
                out.write_all(b"\n")?;
            }
            Hit::Break => out.write_all(b"--\n")?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(dir: &std::path::Path, name: &str, text: &str) -> LogFile {
        let path = dir.join(name);
        if std::path::Path::new(name)
            .extension()
            .is_some_and(|extension| extension.eq_ignore_ascii_case("gz"))
        {
            crate::log_files::gzip_fixture::write_gzip(&path, text);
        } else {
            std::fs::write(&path, text).unwrap();
        }
        LogFile {
            path,
            service: "svc".into(),
            group: "console".into(),
            rotated: false,
            zone: None,
        }
    }

    fn query(pattern: &str, context: usize) -> Query {
        Query {
            pattern: pattern.into(),
            fixed: false,
            ignore_case: false,
            context,
            since: None,
        }
    }

    #[test]
    fn plain_and_gzipped_files_with_context() {
        let dir = tempfile::tempdir().unwrap();
        let lines: String = (1..=9).map(|number| format!("line {number}\n")).collect();
        let files = vec![
            file(dir.path(), "a.log", &lines),
            file(dir.path(), "a.log.1.gz", &lines),
        ];
        let found = search(&files, &query("line [28]", 1), 2).unwrap();
        for result in &found {
            assert_eq!(result.matches, 2);
            assert_eq!(result.error, None);
        }
        let mut out = Vec::new();
        write_grep_form(&mut out, &found[1]).unwrap();
        let text = String::from_utf8(out).unwrap();
        let path = found[1].file.path.display().to_string();
        assert_eq!(
            text,
            format!(
                "{path}-1-line 1\n{path}:2:line 2\n{path}-3-line 3\n--\n{path}-7-line 7\n{path}:8:line 8\n{path}-9-line 9\n"
            )
        );
    }

    #[test]
    fn fixed_strings_and_case() {
        let dir = tempfile::tempdir().unwrap();
        let files = vec![file(dir.path(), "a.log", "volume a.b\nVOLUME AXB\n")];
        let mut fixed = query("volume a.b", 0);
        fixed.fixed = true;
        fixed.ignore_case = true;
        assert_eq!(search(&files, &fixed, 1).unwrap()[0].matches, 1);
        assert!(search(&files, &query("(", 0), 1).is_err());
    }

    #[test]
    fn since_keeps_only_recent_matches() {
        let dir = tempfile::tempdir().unwrap();
        let files = vec![file(
            dir.path(),
            "a.log",
            "2025-09-18 10:00:00 ERROR old\n2025-09-18 17:00:00 ERROR new\nno time ERROR\n",
        )];
        let mut recent = query("ERROR", 0);
        recent.since = Some("2025-09-18T16:00:00Z".parse().unwrap());
        let found = search(&files, &recent, 1).unwrap();
        assert_eq!(found[0].matches, 2);
    }

    #[test]
    fn since_compares_instants_in_the_writers_zone() {
        let dir = tempfile::tempdir().unwrap();
        let mut utc = file(
            dir.path(),
            "utc.log",
            "2026-12-04T09:58:00Z ERROR before\n2026-12-04T10:00:30Z ERROR after\n",
        );
        let mut local = file(
            dir.path(),
            "local.log",
            "2026-12-04 17:58:00 ERROR before\n2026-12-04 18:00:10 ERROR after\n",
        );
        let shanghai = jiff::tz::TimeZone::get("Asia/Shanghai").unwrap();
        utc.zone = Some(shanghai.clone());
        local.zone = Some(shanghai);
        let mut recent = query("ERROR", 0);
        // 17:59 in Shanghai.
        recent.since = Some("2026-12-04T09:59:00Z".parse().unwrap());
        for found in search(&[utc, local], &recent, 1).unwrap() {
            assert_eq!(found.matches, 1, "{}", found.file.path.display());
            assert!(matches!(&found.hits[1], Hit::Match { text, .. } if text.ends_with(b"after")));
        }
    }
}
