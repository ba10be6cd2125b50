//! Short human durations for the UPTIME column (`3h 12m`).

/// `45s`, `12m 3s`, `3h 12m`, `2d 4h`.
pub fn short(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (days, hours, minutes, rest) = (
        seconds / 86_400,
        seconds / 3600 % 24,
        seconds / 60 % 60,
        seconds % 60,
    );
    if days > 0 {
        format!("{days}d {hours}h")
    } else if hours > 0 {
        format!("{hours}h {minutes}m")
    } else if minutes > 0 {
        format!("{minutes}m {rest}s")
    } else {
        format!("{rest}s")
    }
}

#[cfg(test)]
mod tests {
    use super::short;

    #[test]
    fn reads_like_an_operator_would_say_it() {
        assert_eq!(short(45), "45s");
        assert_eq!(short(723), "12m 3s");
        assert_eq!(short(3 * 3600 + 12 * 60 + 5), "3h 12m");
        assert_eq!(short(2 * 86_400 + 4 * 3600), "2d 4h");
        assert_eq!(short(-5), "0s");
    }
}
