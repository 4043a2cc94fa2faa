//! Human-readable numbers as OpenNebula's CLI prints them: sizes with binary suffixes, times
//! and periods.

const SUFFIXES: [&str; 4] = ["K", "M", "G", "T"];

/// A size given in `unit` (`"K"`, `"M"`, ...) with the largest suffix that keeps the number
/// above 1024, one decimal at most: `unit_to_str(131072.0, "K")` is `"128M"`.
pub fn unit_to_str(value: f64, unit: &str) -> String {
    let mut i = SUFFIXES.iter().position(|s| *s == unit).unwrap_or(0);
    let mut v = value;
    while v > 1024.0 && i < SUFFIXES.len() - 1 {
        v /= 1024.0;
        i += 1;
    }
    let v = (v * 10.0).round() / 10.0;
    if v.fract() == 0.0 { format!("{}{}", v as i64, SUFFIXES[i]) } else { format!("{v:.1}{}", SUFFIXES[i]) }
}

/// A duration as `"%3dd %02dh%02dm"` (and `"%02ds"` with seconds).
pub fn period_to_str(seconds: i64, with_seconds: bool) -> String {
    let s = seconds.max(0);
    let (d, h, m, sec) = (s / 86400, (s % 86400) / 3600, (s % 3600) / 60, s % 60);
    if with_seconds { format!("{d:3}d {h:02}h{m:02}m{sec:02}s") } else { format!("{d:3}d {h:02}h{m:02}m") }
}

/// Seconds since the epoch now.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// A timestamp as OpenNebula's `show` prints it (`MM/DD HH:MM:SS`, UTC), `-` for 0.
pub fn time_to_str(epoch: i64) -> String {
    if epoch <= 0 {
        return "-".to_string();
    }
    let (y, mo, d, h, mi, s) = civil(epoch);
    let _ = y;
    format!("{mo:02}/{d:02} {h:02}:{mi:02}:{s:02}")
}

/// A timestamp with the year, for `show`'s registration times: `MM/DD/YY HH:MM:SS`.
pub fn date_to_str(epoch: i64) -> String {
    if epoch <= 0 {
        return "-".to_string();
    }
    let (y, mo, d, h, mi, s) = civil(epoch);
    format!("{mo:02}/{d:02}/{:02} {h:02}:{mi:02}:{s:02}", y % 100)
}

/// (year, month, day, hour, minute, second) in UTC (Howard Hinnant's days-from-civil inverse).
fn civil(epoch: i64) -> (i64, i64, i64, i64, i64, i64) {
    let days = epoch.div_euclid(86400);
    let secs = epoch.rem_euclid(86400);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, secs / 3600, (secs % 3600) / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_opennebula() {
        assert_eq!(unit_to_str(131072.0, "K"), "128M");
        assert_eq!(unit_to_str(1024.0, "K"), "1024K");
        assert_eq!(unit_to_str(1536.0, "M"), "1.5G");
        assert_eq!(unit_to_str(0.0, "K"), "0K");
        assert_eq!(unit_to_str(16777216.0, "K"), "16G");
        assert_eq!(unit_to_str(5.0 * 1024.0 * 1024.0 * 1024.0 * 1024.0, "K"), "5120T");
    }

    #[test]
    fn periods_and_dates() {
        assert_eq!(period_to_str(0, false), "  0d 00h00m");
        assert_eq!(period_to_str(90061, true), "  1d 01h01m01s");
        assert_eq!(period_to_str(-5, false), "  0d 00h00m");
        assert_eq!(time_to_str(0), "-");
        // 2026-11-23 04:42:07 UTC
        assert_eq!(time_to_str(1_795_408_927), "11/23 04:42:07");
        assert_eq!(date_to_str(1_795_408_927), "11/23/26 04:42:07");
        assert_eq!(date_to_str(951_782_400), "02/29/00 00:00:00");
    }
}
