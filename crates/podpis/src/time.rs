//! Times as the CLI prints and reads them: RFC 3339 in UTC.

use std::time::SystemTime;

use anyhow::{Context, Result};

pub(crate) use pki::validation::rfc3339;

/// Parses `YYYY-MM-DDTHH:MM:SSZ` or with a `+HH:MM`/`-HH:MM` offset.
pub(crate) fn parse_rfc3339(text: &str) -> Result<SystemTime> {
    let bad = || format!("{text:?}: ожидается / expected RFC 3339 time, e.g. 2026-01-31T12:00:00Z");
    let t = text.trim();
    if t.len() < 20
        || t.as_bytes()[10] != b'T' && t.as_bytes()[10] != b't' && t.as_bytes()[10] != b' '
    {
        anyhow::bail!(bad());
    }
    let num = |r: std::ops::Range<usize>| {
        t.get(r)
            .and_then(|s| s.parse::<u16>().ok())
            .with_context(bad)
    };
    let dt = der::DateTime::new(
        num(0..4)?,
        num(5..7)? as u8,
        num(8..10)? as u8,
        num(11..13)? as u8,
        num(14..16)? as u8,
        num(17..19)? as u8,
    )
    .ok()
    .with_context(bad)?;
    let mut rest = &t[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        rest = &frac[digits..];
    }
    let base = dt.to_system_time();
    match rest {
        "Z" | "z" => Ok(base),
        offset if offset.len() == 6 && (offset.starts_with('+') || offset.starts_with('-')) => {
            let h: u64 = offset[1..3].parse().ok().with_context(bad)?;
            let m: u64 = offset[4..6].parse().ok().with_context(bad)?;
            let shift = std::time::Duration::from_secs(h * 3600 + m * 60);
            // Local time = UTC + offset, so UTC = local − offset.
            Ok(if offset.starts_with('+') {
                base - shift
            } else {
                base + shift
            })
        }
        _ => anyhow::bail!(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_offsets() {
        let t = parse_rfc3339("2026-01-31T12:00:00Z").unwrap();
        assert_eq!(rfc3339(t), "2026-01-31T12:00:00Z");
        assert_eq!(parse_rfc3339("2026-01-31T15:00:00+03:00").unwrap(), t);
        assert_eq!(parse_rfc3339("2026-01-31T11:00:00.5-01:00").unwrap(), t);
        for bad in [
            "2026-01-31",
            "2026-13-01T00:00:00Z",
            "2026-01-31T12:00:00",
            "yesterday",
        ] {
            assert!(parse_rfc3339(bad).is_err(), "{bad}");
        }
    }
}
