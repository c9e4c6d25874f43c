//! A small BER reader and DER writer for the CMS skeleton.
//!
//! CMS messages from CryptoPro are BER (indefinite lengths, chunked OCTET
//! STRINGs), and a signature must be checked over the signed attributes
//! exactly as they were received. Decoding into typed values and encoding
//! again would lose both properties (`der`'s `SetOfVec` re-sorts), so the
//! outer structure is walked here as raw TLVs, and only leaves (certificates,
//! algorithm identifiers, signer infos) are decoded with `der`.

/// Nesting deeper than this is refused (no stack exhaustion on hostile input).
const MAX_DEPTH: usize = 64;

/// Why bytes are not BER.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BerError {
    /// The input ends inside an element.
    Truncated,
    /// A length or tag form BER does not allow (or too deep nesting).
    Invalid,
}

/// One element: its identifier octets, and either its value or (for an
/// indefinite length) the value bytes before the end-of-contents octets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    /// The identifier octets (one, or more for high tag numbers).
    pub(crate) tag: &'a [u8],
    /// The value octets (for an indefinite length: up to the end-of-contents).
    pub(crate) value: &'a [u8],
    /// The whole element as received.
    pub(crate) raw: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// The first identifier octet (class, constructed bit, low tag number).
    pub(crate) fn tag_byte(&self) -> u8 {
        self.tag[0]
    }

    /// Whether the constructed bit is set.
    pub(crate) fn constructed(&self) -> bool {
        self.tag[0] & 0x20 != 0
    }

    /// The child elements of a constructed element.
    pub(crate) fn children(&self) -> Result<Vec<Tlv<'a>>, BerError> {
        children(self.value, 1)
    }
}

/// Reads exactly one element covering all of `input`.
pub(crate) fn parse_one(input: &[u8]) -> Result<Tlv<'_>, BerError> {
    let (tlv, rest) = read(input, 0)?;
    if !rest.is_empty() {
        return Err(BerError::Invalid);
    }
    Ok(tlv)
}

/// Reads consecutive elements filling `input`.
fn children(mut input: &[u8], depth: usize) -> Result<Vec<Tlv<'_>>, BerError> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let (tlv, rest) = read(input, depth)?;
        out.push(tlv);
        input = rest;
    }
    Ok(out)
}

/// Reads one element from the front of `input`; returns it and the rest.
fn read(input: &[u8], depth: usize) -> Result<(Tlv<'_>, &[u8]), BerError> {
    if depth > MAX_DEPTH {
        return Err(BerError::Invalid);
    }
    let first = *input.first().ok_or(BerError::Truncated)?;
    let mut pos = 1;
    if first & 0x1f == 0x1f {
        loop {
            let b = *input.get(pos).ok_or(BerError::Truncated)?;
            pos += 1;
            if b & 0x80 == 0 {
                break;
            }
            if pos > 6 {
                return Err(BerError::Invalid);
            }
        }
    }
    let tag_end = pos;
    let len_byte = *input.get(pos).ok_or(BerError::Truncated)?;
    pos += 1;
    if len_byte == 0x80 {
        // Indefinite length: only for constructed encodings.
        if first & 0x20 == 0 {
            return Err(BerError::Invalid);
        }
        let start = pos;
        loop {
            let rest = input.get(pos..).ok_or(BerError::Truncated)?;
            if rest.len() < 2 {
                return Err(BerError::Truncated);
            }
            if rest[0] == 0 && rest[1] == 0 {
                let tlv = Tlv {
                    tag: &input[..tag_end],
                    value: &input[start..pos],
                    raw: &input[..pos + 2],
                };
                return Ok((tlv, &input[pos + 2..]));
            }
            let (_, after) = read(rest, depth + 1)?;
            pos = input.len() - after.len();
        }
    }
    let len = if len_byte & 0x80 == 0 {
        len_byte as usize
    } else {
        let n = (len_byte & 0x7f) as usize;
        if n > 8 || n == 0x7f {
            return Err(BerError::Invalid);
        }
        let mut len = 0usize;
        for _ in 0..n {
            let b = *input.get(pos).ok_or(BerError::Truncated)?;
            pos += 1;
            len = len.checked_shl(8).ok_or(BerError::Invalid)? | b as usize;
        }
        len
    };
    let end = pos.checked_add(len).ok_or(BerError::Invalid)?;
    if end > input.len() {
        return Err(BerError::Truncated);
    }
    let tlv = Tlv {
        tag: &input[..tag_end],
        value: &input[pos..end],
        raw: &input[..end],
    };
    Ok((tlv, &input[end..]))
}

/// Universal string types whose constructed (chunked) BER form is folded
/// into the primitive DER form.
fn is_universal_string(tag: u8) -> bool {
    matches!(
        tag & !0x20,
        0x03 | 0x04 | 0x0c | 0x12 | 0x13 | 0x14 | 0x15 | 0x16 | 0x19 | 0x1a | 0x1b | 0x1c | 0x1e
    )
}

/// Re-encodes BER as DER *form*: definite minimal lengths and primitive
/// strings. SET OF order is kept as received (re-sorting would change the
/// bytes a signature covers); a DER input comes out byte-identical.
pub(crate) fn normalize(input: &[u8]) -> Result<Vec<u8>, BerError> {
    let tlv = parse_one(input)?;
    let mut out = Vec::with_capacity(input.len());
    normalize_into(&tlv, &mut out, 0)?;
    Ok(out)
}

fn normalize_into(tlv: &Tlv<'_>, out: &mut Vec<u8>, depth: usize) -> Result<(), BerError> {
    if depth > MAX_DEPTH {
        return Err(BerError::Invalid);
    }
    if !tlv.constructed() {
        out.extend_from_slice(tlv.tag);
        push_len(out, tlv.value.len());
        out.extend_from_slice(tlv.value);
        return Ok(());
    }
    if tlv.tag.len() == 1 && is_universal_string(tlv.tag_byte()) {
        let mut value = Vec::new();
        let bit_string = tlv.tag_byte() & !0x20 == 0x03;
        let mut unused = 0u8;
        flatten(tlv, &mut value, bit_string, &mut unused, depth)?;
        if bit_string {
            value.insert(0, unused);
        }
        out.push(tlv.tag_byte() & !0x20);
        push_len(out, value.len());
        out.extend_from_slice(&value);
        return Ok(());
    }
    let mut value = Vec::with_capacity(tlv.value.len());
    for child in children(tlv.value, depth + 1)? {
        normalize_into(&child, &mut value, depth + 1)?;
    }
    out.extend_from_slice(tlv.tag);
    push_len(out, value.len());
    out.extend_from_slice(&value);
    Ok(())
}

/// Concatenates the segments of a constructed string.
fn flatten(
    tlv: &Tlv<'_>,
    out: &mut Vec<u8>,
    bit_string: bool,
    unused: &mut u8,
    depth: usize,
) -> Result<(), BerError> {
    if depth > MAX_DEPTH {
        return Err(BerError::Invalid);
    }
    for child in children(tlv.value, depth + 1)? {
        if child.constructed() {
            flatten(&child, out, bit_string, unused, depth + 1)?;
        } else if bit_string {
            let (&u, bits) = child.value.split_first().ok_or(BerError::Invalid)?;
            *unused = u;
            out.extend_from_slice(bits);
        } else {
            out.extend_from_slice(child.value);
        }
    }
    Ok(())
}

/// Appends a DER length.
pub(crate) fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

/// One DER element from a tag and its value.
pub(crate) fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 6);
    out.push(tag);
    push_len(&mut out, value.len());
    out.extend_from_slice(value);
    out
}

/// A DER SET OF from element encodings: sorted by encoding (X.690 §11.6).
pub(crate) fn set_of(mut items: Vec<Vec<u8>>, tag: u8) -> Vec<u8> {
    items.sort();
    tlv(tag, &items.concat())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indefinite_and_chunked_become_der() {
        // SEQUENCE (indefinite) { OCTET STRING constructed { "ab", "c" } }
        let ber = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0x00, 0x00, 0x00,
            0x00,
        ];
        assert_eq!(
            normalize(&ber).unwrap(),
            vec![0x30, 0x05, 0x04, 0x03, b'a', b'b', b'c']
        );
        let der = [0x31, 0x06, 0x02, 0x01, 0x02, 0x02, 0x01, 0x01];
        assert_eq!(normalize(&der).unwrap(), der.to_vec(), "SET order is kept");
    }

    #[test]
    fn refuses_garbage_without_panicking() {
        for bad in [
            &[0x30, 0x80][..],
            &[0x30, 0x05, 0x02],
            &[0x04, 0x80, 0x00, 0x00],
            &[0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9],
            &[0x1f],
            &[],
        ] {
            assert!(normalize(bad).is_err(), "{bad:02x?}");
        }
        let mut deep = [0x30, 0x80].repeat(200);
        deep.extend(vec![0u8; 400]);
        assert!(normalize(&deep).is_err());
    }

    #[test]
    fn long_lengths_are_minimal() {
        let mut v = Vec::new();
        push_len(&mut v, 300);
        assert_eq!(v, [0x82, 0x01, 0x2c]);
    }
}
