//! A unit's details for `diagnose`: its `Result`, exit status and restart
//! count from its properties, and its last journal lines.

/// Journal lines kept per unit.
pub const JOURNAL_LINES: usize = 10;

/// journalctl's output as lines, its "-- No entries --" markers left out.
pub fn journal_text(stdout: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(stdout)
        .lines()
        .filter(|line| !line.trim().is_empty() && !line.starts_with("-- "))
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_markers_are_left_out() {
        assert_eq!(journal_text(b"-- No entries --\n"), Vec::<String>::new());
        assert_eq!(
            journal_text(b"2026-11-24T10:00:00+0000 gw s3block[12]: boom\n\n"),
            vec!["2026-11-24T10:00:00+0000 gw s3block[12]: boom"]
        );
    }
}
