//! `podpis speed`: signing, verification and hashing throughput, like
//! `openssl speed`.
//!
//! Everything runs on the calling thread. For each parameter set a fresh key
//! is generated and a few operations are run before the clock starts, so
//! lazily built precomputed tables are not part of the measurement.

use std::hint::black_box;
use std::io::{self, Write};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, ensure};
use clap::Args;
use digest::Digest;
use gost::streebog::{Streebog256, Streebog512};
use gost::{ParamSet, SigningKey};
use serde_json::{Map, Value, json};

/// Bytes hashed per call in the hash measurement (as `openssl speed` does at
/// its largest block size).
const HASH_BUFFER: usize = 16 * 1024;

/// Operations run before each measured loop.
const WARM_UP_OPS: usize = 3;

/// The longest measurement `--seconds` accepts.
const MAX_SECONDS: f64 = 3600.0;

/// Options of `podpis speed`.
#[derive(Debug, Args)]
#[command(
    about = "Скорость подписи, проверки и хеширования / Measure sign, verify and hash speed",
    long_about = "\
Измеряет на одном потоке число подписей и проверок в секунду для каждого набора параметров \
ГОСТ Р 34.10-2012 и скорость хеширования Стрибог-256/512, как `openssl speed`.

Measures, on one thread, GOST R 34.10-2012 signatures and verifications per second for every \
production parameter set, and Streebog-256/512 throughput on 16 KiB buffers (MB = 10^6 bytes). \
Each number is measured for about --seconds after a warm-up that is not counted.",
    after_help = "\
Examples / Примеры:
  podpis speed                          all parameter sets, 1 s each
  podpis speed --seconds 0.2            a quick run
  podpis speed --params 256-A,512-A     only two parameter sets
  podpis speed --json                   one JSON object on stdout, for scripts

Parameter sets / Наборы параметров:
  256-A 256-B 256-C 256-XA 256-XB 256-TCA 256-TCB 256-TCC 256-TCD 512-A 512-B 512-C
  (OpenSSL gost-engine names behind the key size: `-pkeyopt paramset:A` and so on)"
)]
pub(crate) struct SpeedArgs {
    /// Seconds to spend on each measurement; fractions are allowed (0.2) /
    /// секунд на каждый замер
    #[arg(long, value_name = "N", default_value = "1", value_parser = parse_seconds)]
    seconds: f64,

    /// Print exactly one JSON object on stdout instead of the table /
    /// вывести один объект JSON вместо таблицы
    #[arg(long)]
    json: bool,

    /// Measure only these parameter sets, comma-separated (e.g. 256-A,512-C) /
    /// только эти наборы параметров, через запятую
    #[arg(long, value_name = "LIST", value_delimiter = ',', value_parser = parse_param_set)]
    params: Vec<ParamSet>,
}

/// Runs `podpis speed` and writes its report to stdout.
pub(crate) fn run(args: &SpeedArgs) -> Result<()> {
    let budget = Duration::from_secs_f64(args.seconds);
    // In the order given; a set named twice is measured once.
    let mut params: Vec<ParamSet> = Vec::new();
    let requested = if args.params.is_empty() {
        &ParamSet::PRODUCTION[..]
    } else {
        &args.params[..]
    };
    for p in requested {
        if !params.contains(p) {
            params.push(*p);
        }
    }
    let mut out = io::stdout().lock();

    if !args.json {
        writeln!(
            out,
            "podpis speed: one thread, {} s per measurement",
            args.seconds
        )?;
        writeln!(out)?;
        writeln!(
            out,
            "{:<10} {:>12} {:>12}  name",
            "param set", "sign/s", "verify/s"
        )?;
    }
    let mut rows = Vec::with_capacity(params.len());
    for p in params {
        let row = measure_param_set(p, budget)?;
        if !args.json {
            writeln!(
                out,
                "{:<10} {:>12.1} {:>12.1}  {}",
                p.label(),
                row.sign,
                row.verify,
                p.name()
            )?;
            out.flush()?;
        }
        rows.push(row);
    }

    if !args.json {
        writeln!(out)?;
        writeln!(out, "{:<23} {:>12}", "hash, 16 KiB buffers", "MB/s")?;
    }
    let mut hashes = Vec::with_capacity(2);
    for (name, hash) in [
        ("streebog256", hash_once::<Streebog256> as fn(&[u8]) -> u8),
        ("streebog512", hash_once::<Streebog512>),
    ] {
        let mb_s = measure_hash(hash, budget);
        if !args.json {
            writeln!(out, "{name:<23} {mb_s:>12.2}")?;
            out.flush()?;
        }
        hashes.push((name, mb_s));
    }

    if args.json {
        writeln!(out, "{}", to_json(&rows, &hashes))?;
    }
    out.flush()?;
    Ok(())
}

/// Signing and verification speed of one parameter set.
struct ParamSetSpeed {
    params: ParamSet,
    sign: f64,
    verify: f64,
}

fn measure_param_set(params: ParamSet, budget: Duration) -> Result<ParamSetSpeed> {
    let label = params.label();
    // A realistic digest of the right width: the hash the key size signs with.
    let digest: Vec<u8> = match params.field_bytes() {
        32 => Streebog256::digest(b"podpis speed").to_vec(),
        _ => Streebog512::digest(b"podpis speed").to_vec(),
    };
    let key = SigningKey::generate(params).with_context(|| format!("{label}: key generation"))?;
    let public = key.verifying_key();

    // Warm up (tables, caches, CPU clock) and check the implementation agrees
    // with itself before timing it: a fast wrong answer is not a result.
    let signature = key
        .sign_digest(&digest)
        .with_context(|| format!("{label}: signing"))?;
    public
        .verify_digest(&digest, &signature)
        .with_context(|| format!("{label}: self-check, a fresh signature did not verify"))?;
    for _ in 0..WARM_UP_OPS {
        black_box(key.sign_digest(black_box(&digest))?);
        public.verify_digest(black_box(&digest), black_box(&signature))?;
    }

    let sign = ops_per_second(budget, || {
        black_box(key.sign_digest(black_box(&digest))?);
        Ok(())
    })
    .with_context(|| format!("{label}: signing"))?;
    let verify = ops_per_second(budget, || {
        public.verify_digest(black_box(&digest), black_box(&signature))?;
        Ok(())
    })
    .with_context(|| format!("{label}: verification"))?;
    Ok(ParamSetSpeed {
        params,
        sign,
        verify,
    })
}

/// Hashes `data` with `D` and returns one byte of the digest (so the work
/// cannot be optimised away).
fn hash_once<D: Digest>(data: &[u8]) -> u8 {
    D::digest(data)
        .as_slice()
        .first()
        .copied()
        .unwrap_or_default()
}

/// Throughput of a hash function in MB/s (10^6 bytes per second), one full
/// digest per 16 KiB buffer.
fn measure_hash(hash: fn(&[u8]) -> u8, budget: Duration) -> f64 {
    let buffer: Vec<u8> = (0..HASH_BUFFER).map(|i| (i % 251) as u8).collect();
    for _ in 0..WARM_UP_OPS {
        black_box(hash(black_box(&buffer)));
    }
    let calls = ops_per_second(budget, || {
        black_box(hash(black_box(&buffer)));
        Ok(())
    });
    // The closure never fails.
    calls.unwrap_or_default() * HASH_BUFFER as f64 / 1e6
}

/// Runs `op` until `budget` has passed; returns operations per second.
fn ops_per_second(budget: Duration, mut op: impl FnMut() -> Result<()>) -> Result<f64> {
    let start = Instant::now();
    let mut count: u64 = 0;
    loop {
        op()?;
        count += 1;
        let elapsed = start.elapsed();
        if elapsed >= budget {
            ensure!(!elapsed.is_zero(), "the clock did not advance");
            return Ok(count as f64 / elapsed.as_secs_f64());
        }
    }
}

/// The `--json` report: `{"sign":{..}, "verify":{..}, "hash_mb_s":{..}}`.
fn to_json(rows: &[ParamSetSpeed], hashes: &[(&str, f64)]) -> Value {
    let per_set = |pick: fn(&ParamSetSpeed) -> f64| -> Map<String, Value> {
        rows.iter()
            .map(|row| (row.params.label(), json!(round(pick(row), 1))))
            .collect()
    };
    let hash_mb_s: Map<String, Value> = hashes
        .iter()
        .map(|(name, mb_s)| ((*name).to_owned(), json!(round(*mb_s, 2))))
        .collect();
    json!({
        "sign": per_set(|row| row.sign),
        "verify": per_set(|row| row.verify),
        "hash_mb_s": hash_mb_s,
    })
}

fn round(value: f64, decimals: i32) -> f64 {
    let scale = 10f64.powi(decimals);
    (value * scale).round() / scale
}

fn parse_seconds(text: &str) -> Result<f64, String> {
    let seconds: f64 = text
        .trim()
        .parse()
        .map_err(|_| format!("`{text}` is not a number of seconds (e.g. 1 or 0.2)"))?;
    if seconds.is_finite() && seconds > 0.0 && seconds <= MAX_SECONDS {
        Ok(seconds)
    } else {
        Err(format!(
            "seconds must be above 0 and at most {MAX_SECONDS}, got {text}"
        ))
    }
}

fn parse_param_set(text: &str) -> Result<ParamSet, String> {
    ParamSet::from_label(text.trim())
        .filter(|p| ParamSet::PRODUCTION.contains(p))
        .ok_or_else(|| {
            let known: Vec<String> = ParamSet::PRODUCTION.iter().map(|p| p.label()).collect();
            format!(
                "unknown parameter set `{text}`; known: {}",
                known.join(", ")
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_accept_fractions_and_reject_nonsense() {
        assert_eq!(parse_seconds("0.2"), Ok(0.2));
        assert_eq!(parse_seconds("3"), Ok(3.0));
        for bad in ["0", "-1", "abc", "inf", "NaN", "1e9", ""] {
            assert!(parse_seconds(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn param_set_labels_round_trip() {
        for p in ParamSet::PRODUCTION {
            assert_eq!(parse_param_set(&p.label()), Ok(p));
            assert_eq!(parse_param_set(&p.label().to_lowercase()), Ok(p));
        }
        assert!(parse_param_set("256-TEST").is_err());
        assert!(parse_param_set("256-Z").is_err());
    }

    #[test]
    fn json_has_the_documented_shape() {
        let rows = [ParamSetSpeed {
            params: ParamSet::CryptoProA,
            sign: 1234.56,
            verify: 78.91,
        }];
        let value = to_json(&rows, &[("streebog256", 123.456), ("streebog512", 98.7)]);
        assert_eq!(
            value.to_string(),
            r#"{"sign":{"256-A":1234.6},"verify":{"256-A":78.9},"hash_mb_s":{"streebog256":123.46,"streebog512":98.7}}"#
        );
    }
}
