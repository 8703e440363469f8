//! Numbers written into answers' sentences. `Whole(x)` writes exactly what `{:.0}` writes for
//! an `f64` (the exact value rounded half to even, "-0" for a negative number that rounds to
//! zero, `+` with the `+` flag), without std's exact float printing, which often falls back to
//! big-number arithmetic for a whole-number precision and cost a request tens of thousands of
//! instructions across its reasons, cautions and sizes.

use std::fmt;

/// `{}` of `Whole(x)` is `{:.0}` of `x`; `{:+}` is `{:+.0}`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Whole(pub f64);

impl fmt::Display for Whole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const TWO_52: f64 = 4_503_599_627_370_496.0;
        let x = self.0;
        let a = x.abs();
        // NaN, infinities and magnitudes from 2^52 on (all whole) go through std.
        if a.is_nan() || a >= TWO_52 {
            return if f.sign_plus() { write!(f, "{x:+.0}") } else { write!(f, "{x:.0}") };
        }
        // Below 2^52, adding 2^52 lands where the spacing is 1: the sum is rounded to the
        // nearest whole number, an exact half to even, as `{:.0}` rounds.
        let r = ((a + TWO_52) - TWO_52) as u64;
        let mut buf = [0u8; 20];
        let mut at = buf.len();
        let mut n = r;
        loop {
            at -= 1;
            buf[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        // The digits are ASCII.
        let digits = std::str::from_utf8(&buf[at..]).map_err(|_| fmt::Error)?;
        f.pad_integral(!x.is_sign_negative(), "", digits)
    }
}

/// `{}` of `Spaced(name)` is `name.replace('_', " ")` (a snake_case name said in words),
/// written without a copy.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spaced<'a>(pub &'a str);

impl fmt::Display for Spaced<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut words = self.0.split('_');
        if let Some(first) = words.next() {
            f.write_str(first)?;
        }
        for word in words {
            f.write_str(" ")?;
            f.write_str(word)?;
        }
        Ok(())
    }
}

/// Room for one sentence of an answer: `format!` sizes its string for the literal pieces
/// and grew it again for the arguments in most of a request's reasons, cautions and size
/// texts (about 35 regrowths per recommendation); one allocation of this size holds them.
const SENTENCE_ROOM: usize = 96;

/// `format_args!` written into a string with room for a sentence.
pub fn sentence_of(args: fmt::Arguments<'_>) -> String {
    use fmt::Write;
    let mut out = String::with_capacity(SENTENCE_ROOM);
    // Writing to a String fails only if a Display impl does, which these never do.
    let _ = out.write_fmt(args);
    out
}

/// `format!` for an answer's sentences (see `sentence_of`).
macro_rules! sentence {
    ($($arg:tt)*) => {
        $crate::text::sentence_of(format_args!($($arg)*))
    };
}
pub(crate) use sentence;

#[cfg(test)]
mod tests {
    use super::{Spaced, Whole};

    #[test]
    fn a_sentence_is_what_format_writes_at_any_length() {
        for n in [0usize, 3, 95, 96, 97, 400] {
            let words = "x".repeat(n);
            assert_eq!(sentence!("{words} at {} kg", Whole(61.5)), format!("{words} at {:.0} kg", 61.5_f64), "{n}");
        }
        assert_eq!(sentence!("no arguments"), "no arguments");
    }

    #[test]
    fn a_spaced_name_reads_as_its_underscores_replaced() {
        for name in ["", "_", "motion_control", "extra_wide", "a__b_", "neutral"] {
            assert_eq!(Spaced(name).to_string(), name.replace('_', " "), "{name:?}");
        }
    }

    fn check(x: f64) {
        assert_eq!(format!("{}", Whole(x)), format!("{x:.0}"), "{x:?}");
        assert_eq!(format!("{:+}", Whole(x)), format!("{x:+.0}"), "{x:?} with +");
    }

    #[test]
    fn whole_numbers_are_written_as_std_writes_them_to_no_decimals() {
        let specials = [
            0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 0.49999999999999994, 0.5000000000000001, 12.5, 13.5, 1e15 + 0.5,
            4_503_599_627_370_495.5, 4_503_599_627_370_496.0, -4_503_599_627_370_495.5, 9.007_199_254_740_993e15, 1e300,
            -1e-300, f64::MIN_POSITIVE, f64::MAX, f64::MIN, f64::INFINITY, f64::NEG_INFINITY, f64::NAN, 268.0, 61.0,
            170.0, 145.4999999, 99.5, 100.5,
        ];
        for x in specials {
            check(x);
        }
        // Halves, quarters and a spread of magnitudes, both signs.
        for i in 0..20_000 {
            let v = f64::from(i) * 0.25;
            check(v);
            check(-v);
        }
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let bits = f64::from_bits(state);
            if bits.is_finite() {
                check(bits);
            }
            let scaled = (state >> 11) as f64 / (1u64 << 53) as f64 * 10f64.powi((state % 17) as i32);
            check(scaled);
            check(-scaled);
        }
        assert_eq!(format!("{:>5}|{:<4}|{:05}", Whole(3.4), Whole(-2.6), Whole(-7.0)), format!("{:>5.0}|{:<4.0}|{:05.0}", 3.4, -2.6, -7.0));
    }
}
