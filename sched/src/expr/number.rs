//! Reading an attribute's value as a number, the way OpenNebula does: `std::istringstream iss(v);
//! iss >> std::dec >> value;` succeeds if the value *starts* with a number (after blanks). These
//! functions never allocate.

/// C `isspace` in the C locale, which `istream` skips before a number.
fn skip_space(b: &[u8]) -> usize {
    b.iter().take_while(|c| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')).count()
}

/// `istream >> long long`: blanks, an optional sign, at least one decimal digit; the rest of the
/// value is ignored. `None` when there is no digit or the number does not fit (the stream's
/// failbit).
pub(crate) fn read_int(value: &str) -> Option<i64> {
    let b = value.as_bytes();
    let mut i = skip_space(b);
    let negative = match b.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let start = i;
    let mut acc: i64 = 0;
    while let Some(d) = b.get(i).filter(|c| c.is_ascii_digit()) {
        let d = i64::from(d - b'0');
        // Accumulate negative numbers downwards so that i64::MIN reads.
        acc = acc.checked_mul(10)?;
        acc = if negative { acc.checked_sub(d)? } else { acc.checked_add(d)? };
        i += 1;
    }
    (i > start).then_some(acc)
}

/// `istream >> float`: blanks, then the longest prefix of the form
/// `[+-] digits [. digits] [(e|E) [+-] digits]` with at least one mantissa digit (`5.`, `.5` read;
/// `.`, `e5`, `inf`, `nan` do not). An exponent marker without digits (`1e`) fails the whole read,
/// as does a value beyond `f32` (the stream's failbit on overflow). Rounds like `strtof`.
pub(crate) fn read_float(value: &str) -> Option<f32> {
    let b = value.as_bytes();
    let start = skip_space(b);
    let mut i = start;
    let digits = |i: &mut usize| {
        let from = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > from
    };
    if matches!(b.get(i), Some(b'+' | b'-')) {
        i += 1;
    }
    let mut mantissa = digits(&mut i);
    if b.get(i) == Some(&b'.') {
        i += 1;
        mantissa |= digits(&mut i);
    }
    if !mantissa {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return None;
        }
    }
    let x: f32 = value.get(start..i)?.parse().ok()?;
    x.is_finite().then_some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_read_like_an_istream() {
        let table: &[(&str, Option<i64>)] = &[
            ("42", Some(42)),
            ("  42", Some(42)),
            ("\n\t42", Some(42)),
            ("+7", Some(7)),
            ("-7", Some(-7)),
            ("007", Some(7)),
            ("12abc", Some(12)),
            ("1.9", Some(1)),
            ("0x1A", Some(0)),
            ("9223372036854775807", Some(i64::MAX)),
            ("-9223372036854775808", Some(i64::MIN)),
            ("9223372036854775808", None),
            ("", None),
            ("   ", None),
            ("-", None),
            ("+-1", None),
            ("- 1", None),
            ("abc", None),
            ("x1", None),
        ];
        for (value, want) in table {
            assert_eq!(read_int(value), *want, "read_int({value:?})");
        }
    }

    #[test]
    fn floats_read_like_an_istream() {
        let table: &[(&str, Option<f32>)] = &[
            ("1.5", Some(1.5)),
            ("  -2.25", Some(-2.25)),
            ("+3", Some(3.0)),
            ("5.", Some(5.0)),
            (".5", Some(0.5)),
            ("-.5", Some(-0.5)),
            ("1e3", Some(1000.0)),
            ("1E-1", Some(0.1)),
            ("1.e2", Some(100.0)),
            ("2.5GHz", Some(2.5)),
            ("1.5.3", Some(1.5)),
            ("1e3x", Some(1000.0)),
            ("1e", None),
            ("1e+", None),
            (".", None),
            ("e5", None),
            ("inf", None),
            ("nan", None),
            ("1e39", None),
            ("", None),
            ("abc", None),
        ];
        for (value, want) in table {
            assert_eq!(read_float(value), *want, "read_float({value:?})");
        }
    }
}
