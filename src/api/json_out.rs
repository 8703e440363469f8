//! A JSON writer for the answers written on every request, byte for byte what serde_json's
//! compact output of the same values is: a hand-written answer writes each key with its
//! punctuation as one literal and copies a string that needs no escape in one piece, where
//! the derived serialisers escape every key and go through the serializer for every value.

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter};

/// An answer being written. Every method appends; nothing is written but what is asked.
pub struct JsonOut {
    bytes: Vec<u8>,
}

/// Eight bytes of `b` each.
const fn repeat(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// Whether any of eight bytes is a control character, `"` or `\`: what JSON escapes (the
/// classic "has a byte less than / equal to" tests; exact for the word as a whole).
#[inline(always)]
fn needs_escape(word: u64) -> bool {
    const HIGH: u64 = repeat(0x80);
    let below_space = word.wrapping_sub(repeat(0x20)) & !word;
    let zero_in = |x: u64| x.wrapping_sub(repeat(0x01)) & !x;
    (below_space | zero_in(word ^ repeat(b'"')) | zero_in(word ^ repeat(b'\\'))) & HIGH != 0
}

/// Whether `s` can be written between quotes as it is.
fn plain(s: &[u8]) -> bool {
    let mut chunks = s.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_ne_bytes([chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7]]);
        if needs_escape(word) {
            return false;
        }
    }
    chunks.remainder().iter().all(|&b| b >= 0x20 && b != b'"' && b != b'\\')
}

/// Writes `v` as serde_json writes it when it is a whole number of quarters under 10^12 in
/// size (the sizes, prices, millimetres and grams of an answer): the whole part, then `.0`,
/// `.25`, `.5` or `.75`. Returns false, writing nothing, for any other number.
#[inline]
fn write_quarters(bytes: &mut Vec<u8>, v: f64) -> bool {
    // Times four is exact. Under 10^12 the shortest text that
    // reads back the same keeps every quarter's digits (further up, .75 can read as .8).
    let quarters = v.abs() * 4.0;
    if quarters.is_nan() || quarters >= 4e12 || quarters.fract() != 0.0 {
        return false;
    }
    let quarters = quarters as u64;
    if v.is_sign_negative() {
        bytes.push(b'-');
    }
    let _ = CompactFormatter.write_u64(bytes, quarters / 4);
    let fraction: &[u8] = match quarters % 4 {
        0 => b".0",
        1 => b".25",
        2 => b".5",
        _ => b".75",
    };
    bytes.extend_from_slice(fraction);
    true
}

impl JsonOut {
    pub fn with_capacity(capacity: usize) -> Self {
        Self { bytes: Vec::with_capacity(capacity) }
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// JSON text as it is: punctuation and keys, e.g. `,"name":`.
    pub fn raw(&mut self, text: &str) {
        self.bytes.extend_from_slice(text.as_bytes());
    }

    /// A string, quoted and escaped.
    pub fn str(&mut self, s: &str) {
        if plain(s.as_bytes()) {
            self.bytes.reserve(s.len() + 2);
            self.bytes.push(b'"');
            self.bytes.extend_from_slice(s.as_bytes());
            self.bytes.push(b'"');
        } else {
            // Rare (a quote, a backslash or a control character): serde_json's own escaping.
            self.value(s);
        }
    }

    /// A number as serde_json writes an `f64`: the shortest text that reads back the same,
    /// `null` when not finite.
    pub fn f64(&mut self, v: f64) {
        if write_quarters(&mut self.bytes, v) {
            // Sizes, prices, millimetres and grams: no shortest-digits search needed.
        } else if v.is_finite() {
            // Writing to a Vec cannot fail.
            let _ = CompactFormatter.write_f64(&mut self.bytes, v);
        } else {
            self.raw("null");
        }
    }

    pub fn opt_f64(&mut self, v: Option<f64>) {
        match v {
            Some(v) => self.f64(v),
            None => self.raw("null"),
        }
    }

    pub fn uint(&mut self, v: usize) {
        let _ = CompactFormatter.write_u64(&mut self.bytes, v as u64);
    }

    pub fn int(&mut self, v: i32) {
        let _ = CompactFormatter.write_i32(&mut self.bytes, v);
    }

    /// A list, each item written by `item`.
    pub fn list<T>(&mut self, items: &[T], mut item: impl FnMut(&mut Self, &T)) {
        self.bytes.push(b'[');
        for (i, x) in items.iter().enumerate() {
            if i > 0 {
                self.bytes.push(b',');
            }
            item(self, x);
        }
        self.bytes.push(b']');
    }

    pub fn strings(&mut self, items: &[String]) {
        self.list(items, |out, s| out.str(s));
    }

    /// Any value through serde_json, for the parts not written by hand (enums, the referral).
    pub fn value<T: Serialize + ?Sized>(&mut self, v: &T) {
        // serde_json fails only on maps with keys that are not strings, which no answer has;
        // such a value would be written as far as it went, and the tests compare every part.
        let _ = serde_json::to_writer(&mut self.bytes, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(f: impl FnOnce(&mut JsonOut)) -> String {
        let mut out = JsonOut::with_capacity(0);
        f(&mut out);
        String::from_utf8(out.into_bytes()).unwrap()
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut cases: Vec<String> = ["", "plain", "eight ch", "nine char", "a \"quote\"", "back\\slash", "tab\there", "new\nline",
            "\u{7f} del", "é ü ⅔ – “curly”", "/slash/", "0123456789abcdef0123456789abcde\""]
            .iter()
            .map(|s| s.to_string())
            .collect();
        // Every byte below 0x80 at every position of a 17-byte string (both words and the tail).
        for b in 0u8..0x80 {
            for at in 0..17 {
                let mut s = vec![b'x'; 17];
                s[at] = b;
                cases.push(String::from_utf8(s).unwrap());
            }
        }
        for s in cases {
            assert_eq!(written(|o| o.str(&s)), serde_json::to_string(&s).unwrap(), "{s:?}");
        }
    }

    #[test]
    fn numbers_are_written_as_serde_json_writes_them() {
        for v in [0.0, -0.0, 1.0, 0.1, 0.123, 42.5, 1e21, 1e-7, 123456789.125, f64::MAX, f64::MIN_POSITIVE, f64::NAN, f64::INFINITY, -f64::INFINITY] {
            assert_eq!(written(|o| o.f64(v)), serde_json::to_string(&v).unwrap(), "{v:e}");
        }
        assert_eq!(written(|o| o.opt_f64(None)), "null");
        // Whole quarters (written without the digit search) and their neighbours, which are not.
        let mut rng = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng
        };
        for _ in 0..20_000 {
            let r = next();
            let magnitude = [1e3, 1e6, 1e12, 1e13, 1e15, 1e17][(r % 6) as usize];
            let quarters = ((r >> 8) as f64 / (1u64 << 56) as f64 * magnitude * 4.0).round();
            let sign = if r & 0x80 == 0 { 1.0 } else { -1.0 };
            let v = sign * quarters / 4.0;
            for v in [v, v + 0.125, v * 1.1, v / 4.0, f64::from_bits(v.to_bits() + 1), -v] {
                assert_eq!(written(|o| o.f64(v)), serde_json::to_string(&v).unwrap(), "{v:e}");
            }
        }
        assert_eq!(written(|o| o.uint(usize::MAX)), serde_json::to_string(&usize::MAX).unwrap());
        assert_eq!(written(|o| o.int(i32::MIN)), "-2147483648");
        assert_eq!(written(|o| o.strings(&["a".into(), "b".into()])), r#"["a","b"]"#);
        assert_eq!(written(|o| o.strings(&[])), "[]");
    }
}
