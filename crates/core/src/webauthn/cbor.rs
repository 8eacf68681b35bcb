//! A small, bounded CBOR (RFC 8949) decoder for what WebAuthn hands us:
//! the attestation object and COSE keys. Only definite-length items of
//! major types 0–5 and the simple values false/true/null; no tags, no
//! floats, no indefinite lengths. Limits on input size, nesting and item
//! counts; map keys are integers or text and never repeat.

use std::fmt;

/// Largest input accepted (an attestation object is a few hundred bytes).
pub const MAX_INPUT: usize = 64 * 1024;
/// Deepest nesting of arrays and maps.
pub const MAX_DEPTH: usize = 8;
/// Most entries in one array or map.
pub const MAX_ITEMS: u64 = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Major types 0 and 1 (−2^64 … 2^64−1).
    Int(i128),
    Bytes(Vec<u8>),
    Text(String),
    Array(Vec<Value>),
    /// In the order encoded; keys are `Int` or `Text`, never repeated.
    Map(Vec<(Value, Value)>),
    Bool(bool),
    Null,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    Truncated,
    TooLarge,
    TooDeep,
    TooManyItems,
    Indefinite,
    Unsupported,
    InvalidUtf8,
    BadMapKey,
    DuplicateKey,
    Trailing,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CBOR: {self:?}")
    }
}

impl std::error::Error for Error {}

impl Value {
    /// The value under an integer key of a map.
    pub fn get_int(&self, key: i128) -> Option<&Value> {
        match self {
            Value::Map(m) => m
                .iter()
                .find(|(k, _)| *k == Value::Int(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The value under a text key of a map.
    pub fn get_text(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Map(m) => m
                .iter()
                .find(|(k, _)| matches!(k, Value::Text(t) if t == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_int(&self) -> Option<i128> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], Error> {
        if n > self.remaining() {
            return Err(Error::Truncated);
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn byte(&mut self) -> Result<u8, Error> {
        Ok(self.take(1)?[0])
    }

    /// The argument of a head whose additional information is `info`.
    fn argument(&mut self, info: u8) -> Result<u64, Error> {
        Ok(match info {
            0..=23 => info as u64,
            24 => self.byte()? as u64,
            25 => u16::from_be_bytes([self.byte()?, self.byte()?]) as u64,
            26 => {
                let b = self.take(4)?;
                u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as u64
            }
            27 => {
                let b = self.take(8)?;
                u64::from_be_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
            }
            31 => return Err(Error::Indefinite),
            _ => return Err(Error::Unsupported),
        })
    }

    /// A length that must fit in what is left (each entry takes ≥ 1 byte).
    fn length(&mut self, info: u8, per_item: u64) -> Result<usize, Error> {
        let n = self.argument(info)?;
        if n.saturating_mul(per_item) > self.remaining() as u64 {
            return Err(Error::Truncated);
        }
        usize::try_from(n).map_err(|_| Error::TooLarge)
    }

    fn value(&mut self, depth: usize) -> Result<Value, Error> {
        let head = self.byte()?;
        let (major, info) = (head >> 5, head & 0x1f);
        Ok(match major {
            0 => Value::Int(self.argument(info)? as i128),
            1 => Value::Int(-1 - self.argument(info)? as i128),
            2 => {
                let n = self.length(info, 1)?;
                Value::Bytes(self.take(n)?.to_vec())
            }
            3 => {
                let n = self.length(info, 1)?;
                let s = std::str::from_utf8(self.take(n)?).map_err(|_| Error::InvalidUtf8)?;
                Value::Text(s.to_string())
            }
            4 | 5 => {
                if depth >= MAX_DEPTH {
                    return Err(Error::TooDeep);
                }
                let per_item = if major == 4 { 1 } else { 2 };
                let n = self.length(info, per_item)?;
                if n as u64 > MAX_ITEMS {
                    return Err(Error::TooManyItems);
                }
                if major == 4 {
                    let mut items = Vec::with_capacity(n);
                    for _ in 0..n {
                        items.push(self.value(depth + 1)?);
                    }
                    Value::Array(items)
                } else {
                    let mut entries: Vec<(Value, Value)> = Vec::with_capacity(n);
                    for _ in 0..n {
                        let k = self.value(depth + 1)?;
                        if !matches!(k, Value::Int(_) | Value::Text(_)) {
                            return Err(Error::BadMapKey);
                        }
                        if entries.iter().any(|(x, _)| *x == k) {
                            return Err(Error::DuplicateKey);
                        }
                        let v = self.value(depth + 1)?;
                        entries.push((k, v));
                    }
                    Value::Map(entries)
                }
            }
            7 => match info {
                20 => Value::Bool(false),
                21 => Value::Bool(true),
                22 => Value::Null,
                31 => return Err(Error::Indefinite),
                _ => return Err(Error::Unsupported),
            },
            // 6: tags
            _ => return Err(Error::Unsupported),
        })
    }
}

/// Decode one item that must fill `data` exactly.
pub fn decode(data: &[u8]) -> Result<Value, Error> {
    let (v, used) = decode_prefix(data)?;
    if used != data.len() {
        return Err(Error::Trailing);
    }
    Ok(v)
}

/// Decode the first item of `data`; returns it and how many bytes it took
/// (a COSE key inside authenticator data is followed by other bytes).
pub fn decode_prefix(data: &[u8]) -> Result<(Value, usize), Error> {
    if data.len() > MAX_INPUT {
        return Err(Error::TooLarge);
    }
    let mut r = Reader { data, pos: 0 };
    let v = r.value(0)?;
    Ok((v, r.pos))
}

fn head(out: &mut Vec<u8>, major: u8, n: u64) {
    let m = major << 5;
    match n {
        0..=23 => out.push(m | n as u8),
        24..=0xff => out.extend_from_slice(&[m | 24, n as u8]),
        0x100..=0xffff => {
            out.push(m | 25);
            out.extend_from_slice(&(n as u16).to_be_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(m | 26);
            out.extend_from_slice(&(n as u32).to_be_bytes());
        }
        _ => {
            out.push(m | 27);
            out.extend_from_slice(&n.to_be_bytes());
        }
    }
}

/// Encode with the shortest heads (used by tests and the fuzz target's
/// round trip). Integers outside −2^64 … 2^64−1 are clamped.
pub fn encode(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(v, &mut out);
    out
}

fn encode_into(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Int(i) if *i >= 0 => head(out, 0, (*i).min(u64::MAX as i128) as u64),
        Value::Int(i) => head(out, 1, (-1 - *i).min(u64::MAX as i128) as u64),
        Value::Bytes(b) => {
            head(out, 2, b.len() as u64);
            out.extend_from_slice(b);
        }
        Value::Text(t) => {
            head(out, 3, t.len() as u64);
            out.extend_from_slice(t.as_bytes());
        }
        Value::Array(a) => {
            head(out, 4, a.len() as u64);
            for x in a {
                encode_into(x, out);
            }
        }
        Value::Map(m) => {
            head(out, 5, m.len() as u64);
            for (k, x) in m {
                encode_into(k, out);
                encode_into(x, out);
            }
        }
        Value::Bool(false) => out.push(0xf4),
        Value::Bool(true) => out.push(0xf5),
        Value::Null => out.push(0xf6),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        hex::decode(s).expect("hex")
    }

    #[test]
    fn rfc8949_appendix_a_vectors() {
        for (h, v) in [
            ("00", Value::Int(0)),
            ("17", Value::Int(23)),
            ("1818", Value::Int(24)),
            ("1903e8", Value::Int(1000)),
            ("1b000000e8d4a51000", Value::Int(1_000_000_000_000)),
            ("1bffffffffffffffff", Value::Int(u64::MAX as i128)),
            ("3bffffffffffffffff", Value::Int(-18446744073709551616)),
            ("20", Value::Int(-1)),
            ("3863", Value::Int(-100)),
            ("4401020304", Value::Bytes(vec![1, 2, 3, 4])),
            ("6449455446", Value::Text("IETF".into())),
            ("62c3bc", Value::Text("ü".into())),
            ("f4", Value::Bool(false)),
            ("f6", Value::Null),
            (
                "8301820203820405",
                Value::Array(vec![
                    Value::Int(1),
                    Value::Array(vec![Value::Int(2), Value::Int(3)]),
                    Value::Array(vec![Value::Int(4), Value::Int(5)]),
                ]),
            ),
            (
                "a201020304",
                Value::Map(vec![
                    (Value::Int(1), Value::Int(2)),
                    (Value::Int(3), Value::Int(4)),
                ]),
            ),
        ] {
            assert_eq!(decode(&hex(h)), Ok(v.clone()), "{h}");
            assert_eq!(encode(&v), hex(h), "{h} encodes back");
        }
    }

    #[test]
    fn refuses_what_webauthn_never_needs_and_malformed_input() {
        for (h, e) in [
            ("", Error::Truncated),
            ("18", Error::Truncated),
            ("1c", Error::Unsupported),
            ("5f42010243030405ff", Error::Indefinite), // indefinite byte string
            ("9fff", Error::Indefinite),
            ("bfff", Error::Indefinite),
            ("c11a514b67b0", Error::Unsupported), // tag 1
            ("f93c00", Error::Unsupported),       // half float
            ("f7", Error::Unsupported),           // undefined
            ("0001", Error::Trailing),
            ("62c3", Error::Truncated),
            ("62c328", Error::InvalidUtf8),
            ("a2010201ff", Error::DuplicateKey),
            ("a14101f6", Error::BadMapKey),
            ("5bffffffffffffffff", Error::Truncated), // absurd length
            ("9bffffffffffffffff", Error::Truncated),
            ("ba7fffffff00", Error::Truncated),
        ] {
            assert_eq!(decode(&hex(h)), Err(e), "{h}");
        }
        // Nesting deeper than the limit.
        let deep = vec![0x81; MAX_DEPTH + 1]
            .into_iter()
            .chain([0x00])
            .collect::<Vec<_>>();
        assert_eq!(decode(&deep), Err(Error::TooDeep));
        let ok = vec![0x81; MAX_DEPTH]
            .into_iter()
            .chain([0x00])
            .collect::<Vec<_>>();
        assert!(decode(&ok).is_ok());
        // Too many entries, even if the bytes are there.
        let mut many = vec![0x99, 0x01, 0x01]; // array of 257
        many.extend(std::iter::repeat_n(0u8, 257));
        assert_eq!(decode(&many), Err(Error::TooManyItems));
        assert_eq!(decode(&vec![0u8; MAX_INPUT + 1]), Err(Error::TooLarge));
    }

    #[test]
    fn prefix_reports_what_it_used() {
        let (v, used) = decode_prefix(&hex("a10102ffee")).expect("prefix");
        assert_eq!(v.get_int(1), Some(&Value::Int(2)));
        assert_eq!(used, 3);
    }
}
