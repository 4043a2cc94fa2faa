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

/// A size as OpenNebula's CLI reads one (`OpenNebulaHelper.size_in_mb`): MiB, or a number with
/// an `M`/`MB`, `G`/`GB` or `T`/`TB` unit (any case), fractions rounded down to whole MiB:
/// `"10"` → 10, `"1.5G"` → 1536, `"2tb"` → 2097152.
pub fn parse_size_mb(text: &str) -> Result<u64, String> {
    let bad = || format!("{text:?} is not a size (MiB, or with a unit: 512M, 10G, 1T)");
    let lower = text.trim().to_ascii_lowercase();
    let split = lower.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(lower.len());
    let (number, unit) = lower.split_at(split);
    let factor: u64 = match unit {
        "" | "m" | "mb" => 1,
        "g" | "gb" => 1024,
        "t" | "tb" => 1024 * 1024,
        _ => return Err(bad()),
    };
    // `\d+(\.\d+)?`: digits, then optionally a dot and more digits.
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (number.contains('.') && !digits(fraction)) {
        return Err(bad());
    }
    let value: f64 = number.parse().map_err(|_| bad())?;
    let mb = (value * factor as f64).floor();
    if !(mb.is_finite() && mb <= u64::MAX as f64) {
        return Err(bad());
    }
    Ok(mb as u64)
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
    fn sizes_read_as_opennebula_reads_them() {
        assert_eq!(parse_size_mb("10"), Ok(10));
        assert_eq!(parse_size_mb(" 512M "), Ok(512));
        assert_eq!(parse_size_mb("512mb"), Ok(512));
        assert_eq!(parse_size_mb("10G"), Ok(10240));
        assert_eq!(parse_size_mb("1.5gb"), Ok(1536));
        assert_eq!(parse_size_mb("2T"), Ok(2 * 1024 * 1024));
        assert_eq!(parse_size_mb("0.7"), Ok(0), "fractions of a MiB are rounded down");
        assert_eq!(parse_size_mb("1.0001G"), Ok(1024));
        assert_eq!(parse_size_mb("0"), Ok(0));
        for bad in ["", "G", "-5", "1.", ".5", "1..2", "10K", "10 G", "1e3", "ten", "5GiB", "+5"] {
            assert!(parse_size_mb(bad).is_err(), "{bad:?}");
        }
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
