//! Compact JWS (RFC 7515) as the provider writes and reads it: ES256
//! (ECDSA P-256 with SHA-256, RFC 7518 §3.4) and GOST R 34.10-2012 256
//! (`"alg":"GOST3410_2012_256"`, the ESIA algorithm name).
//!
//! The GOST encoding, exactly (docs/oidc.md):
//! * signing input: the ASCII bytes `BASE64URL(header) "." BASE64URL(payload)`,
//!   as for every JWS;
//! * digest: GOST R 34.11-2012 (Streebog) 256 over the signing input;
//! * signature: GOST R 34.10-2012 over that digest (the digest's bytes read
//!   as the standard prescribes, as in CMS and X.509);
//! * the JWS signature value: the 64 octets `s ‖ r`, each 32-octet half
//!   big-endian — the same layout as the BIT STRING of an X.509 GOST
//!   signature (not the byte-reversed CryptoAPI form) — base64url without
//!   padding.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use gost::KeySize;
use p256::ecdsa::signature::{Signer as _, Verifier as _};
use pki::algorithm::DigestAlgorithm;
use serde_json::Value;
use sha2::Digest as _;

/// A signature algorithm of the provider's tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SigAlg {
    /// ECDSA P-256 with SHA-256 (RFC 7518): for generic relying parties.
    Es256,
    /// GOST R 34.10-2012 256 with Streebog-256, as ESIA signs.
    Gost256,
}

impl SigAlg {
    /// The JOSE `alg` name.
    pub fn name(self) -> &'static str {
        match self {
            SigAlg::Es256 => "ES256",
            SigAlg::Gost256 => "GOST3410_2012_256",
        }
    }

    /// The algorithm of a JOSE `alg` name.
    pub fn from_name(name: &str) -> Option<SigAlg> {
        match name {
            "ES256" => Some(SigAlg::Es256),
            "GOST3410_2012_256" => Some(SigAlg::Gost256),
            _ => None,
        }
    }

    /// The algorithm's hash of `data` (SHA-256 or Streebog-256).
    pub fn hash(self, data: &[u8]) -> Vec<u8> {
        match self {
            SigAlg::Es256 => sha2::Sha256::digest(data).to_vec(),
            SigAlg::Gost256 => DigestAlgorithm::for_key_size(KeySize::Bits256).digest(data),
        }
    }

    /// The left half of the hash of `token`, base64url: `at_hash`
    /// (OIDC Core §3.1.3.6).
    pub fn half_hash(self, token: &str) -> String {
        let h = self.hash(token.as_bytes());
        b64(&h[..h.len() / 2])
    }
}

/// base64url without padding.
pub fn b64(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// Decodes base64url without padding.
pub fn unb64(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// A key that signs tokens.
pub(crate) enum TokenSigner<'a> {
    /// ES256.
    Es256(&'a p256::ecdsa::SigningKey),
    /// GOST R 34.10-2012 256.
    Gost(&'a pki::KeySigner),
}

/// Signs `header` and `claims` into a compact JWS.
pub(crate) fn sign(
    header: &Value,
    claims: &Value,
    key: &TokenSigner<'_>,
) -> Result<String, super::OidcError> {
    let mut out = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    );
    let sig = match key {
        TokenSigner::Es256(k) => {
            let sig: p256::ecdsa::Signature = k.sign(out.as_bytes());
            sig.to_bytes().to_vec()
        }
        TokenSigner::Gost(k) => pki::Signer::sign_message(*k, out.as_bytes())
            .map_err(|e| super::OidcError::Signing(e.to_string()))?,
    };
    out.push('.');
    out.push_str(&b64(&sig));
    Ok(out)
}

/// A compact JWS taken apart (nothing verified yet).
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The protected header.
    pub header: Value,
    /// The payload (claims).
    pub claims: Value,
    /// The signing input (`header.payload` as sent).
    pub signing_input: String,
    /// The signature octets.
    pub signature: Vec<u8>,
}

impl Parsed {
    /// The header's `alg`.
    pub fn alg(&self) -> Option<SigAlg> {
        self.header["alg"].as_str().and_then(SigAlg::from_name)
    }

    /// The header's `kid`.
    pub fn kid(&self) -> Option<&str> {
        self.header["kid"].as_str()
    }
}

/// Takes a compact JWS apart: three base64url parts, a JSON object header
/// and payload. `None` when it is not one.
pub fn parse(token: &str) -> Option<Parsed> {
    let mut parts = token.split('.');
    let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Value = serde_json::from_slice(&unb64(h)?).ok()?;
    let claims: Value = serde_json::from_slice(&unb64(p)?).ok()?;
    if !header.is_object() || !claims.is_object() {
        return None;
    }
    Some(Parsed {
        header,
        claims,
        signing_input: format!("{h}.{p}"),
        signature: unb64(s)?,
    })
}

/// Checks an ES256 signature (64 octets `r ‖ s`).
pub fn verify_es256(key: &p256::ecdsa::VerifyingKey, input: &[u8], signature: &[u8]) -> bool {
    match p256::ecdsa::Signature::from_slice(signature) {
        Ok(sig) => key.verify(input, &sig).is_ok(),
        Err(_) => false,
    }
}

/// Checks a GOST R 34.10-2012 256 JWS signature (64 octets `s ‖ r`) over
/// the Streebog-256 digest of `input`.
pub fn verify_gost(key: &gost::VerifyingKey, input: &[u8], signature: &[u8]) -> bool {
    if key.param_set().key_size() != KeySize::Bits256 || signature.len() != 64 {
        return false;
    }
    let digest = DigestAlgorithm::for_key_size(KeySize::Bits256).digest(input);
    pki::algorithm::verify_digest(key, &digest, signature).is_ok()
}

/// The P-256 public key of an EC JWK (`kty` EC, `crv` P-256, `x`, `y`).
pub fn es256_key_from_jwk(jwk: &Value) -> Option<p256::ecdsa::VerifyingKey> {
    if jwk["kty"] != "EC" || jwk["crv"] != "P-256" {
        return None;
    }
    let x = unb64(jwk["x"].as_str()?)?;
    let y = unb64(jwk["y"].as_str()?)?;
    if x.len() != 32 || y.len() != 32 {
        return None;
    }
    let mut sec1 = Vec::with_capacity(65);
    sec1.push(4);
    sec1.extend_from_slice(&x);
    sec1.extend_from_slice(&y);
    p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1).ok()
}

/// The EC JWK of a P-256 public key (public members only).
pub fn es256_jwk(key: &p256::ecdsa::VerifyingKey) -> Value {
    let point = key.to_encoded_point(false);
    let (x, y) = (point.x().map(|x| b64(x)), point.y().map(|y| b64(y)));
    serde_json::json!({ "kty": "EC", "crv": "P-256", "x": x, "y": y })
}

/// The GOST JWK of a GOST R 34.10-2012 public key (docs/oidc.md):
/// `kty` `GOST3410`, `crv` the parameter set's OID, `x` and `y` the affine
/// coordinates big-endian, field-wide, base64url.
pub fn gost_jwk(key: &gost::VerifyingKey) -> Value {
    serde_json::json!({
        "kty": "GOST3410",
        "crv": key.param_set().oid().to_string(),
        "x": b64(key.x()),
        "y": b64(key.y()),
    })
}

/// The GOST public key of a GOST JWK as [`gost_jwk`] writes it.
pub fn gost_key_from_jwk(jwk: &Value) -> Option<gost::VerifyingKey> {
    if jwk["kty"] != "GOST3410" {
        return None;
    }
    let oid = jwk["crv"].as_str()?.parse().ok()?;
    let params = gost::ParamSet::from_oid(&oid)?;
    let x = unb64(jwk["x"].as_str()?)?;
    let y = unb64(jwk["y"].as_str()?)?;
    gost::VerifyingKey::from_affine(params, &x, &y).ok()
}

/// The RFC 7638 thumbprint of a JWK's required members (`crv`, `kty`,
/// `x`, `y` in that order, no spaces): SHA-256, base64url. Used as `kid`.
pub fn thumbprint(jwk: &Value) -> String {
    let canonical = format!(
        "{{\"crv\":{},\"kty\":{},\"x\":{},\"y\":{}}}",
        jwk["crv"], jwk["kty"], jwk["x"], jwk["y"]
    );
    b64(&sha2::Sha256::digest(canonical.as_bytes()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn gost_jws_round_trip_and_tamper() {
        let key =
            pki::KeySigner::new(gost::SigningKey::generate(gost::ParamSet::CryptoProA).unwrap());
        let token = sign(
            &serde_json::json!({"alg": "GOST3410_2012_256", "typ": "JWT"}),
            &serde_json::json!({"sub": "x"}),
            &TokenSigner::Gost(&key),
        )
        .unwrap();
        let p = parse(&token).unwrap();
        assert_eq!(p.alg(), Some(SigAlg::Gost256));
        let vk = pki::Signer::verifying_key(&key);
        assert!(verify_gost(vk, p.signing_input.as_bytes(), &p.signature));
        // s ‖ r: the halves swapped (r ‖ s) do not verify.
        let mut swapped = p.signature[32..].to_vec();
        swapped.extend_from_slice(&p.signature[..32]);
        assert!(!verify_gost(vk, p.signing_input.as_bytes(), &swapped));
        assert!(!verify_gost(vk, b"other", &p.signature));
        // The JWK round-trips.
        let jwk = gost_jwk(vk);
        assert_eq!(gost_key_from_jwk(&jwk).as_ref(), Some(vk));
    }

    #[test]
    fn es256_jws_round_trip_and_thumbprint() {
        let sk = p256::ecdsa::SigningKey::from_slice(&[7u8; 32]).unwrap();
        let token = sign(
            &serde_json::json!({"alg": "ES256"}),
            &serde_json::json!({"a": 1}),
            &TokenSigner::Es256(&sk),
        )
        .unwrap();
        let p = parse(&token).unwrap();
        let jwk = es256_jwk(sk.verifying_key());
        let vk = es256_key_from_jwk(&jwk).unwrap();
        assert!(verify_es256(&vk, p.signing_input.as_bytes(), &p.signature));
        assert!(!verify_es256(&vk, b"x", &p.signature));
        assert_eq!(thumbprint(&jwk).len(), 43);
        assert!(parse("a.b").is_none());
        assert!(parse("a.b.c.d").is_none());
    }
}
