//! The field F = Z_l (the ristretto255 scalar field) and signed fixed-point
//! encodings of model values.
//!
//! l = 2^252 + 27742317777372353535851937790883648493. A signed integer x is
//! embedded as x mod l; the centred lift maps an element back to the integer in
//! (-l/2, l/2). Fixed-point values carry `frac_bits` fractional bits and must
//! fit in `total_bits` signed bits (SPEC.md, "Field and encodings").

use crate::error::EncodingError;
pub use curve25519_dalek::scalar::Scalar as Fr;
use serde::{Deserialize, Serialize};

/// Embeds a signed 64-bit integer as an element of F (x mod l).
pub fn from_i64(x: i64) -> Fr {
    if x >= 0 {
        Fr::from(x as u64)
    } else {
        -Fr::from(x.unsigned_abs())
    }
}

/// Embeds a signed 128-bit integer as an element of F (x mod l).
pub fn from_i128(x: i128) -> Fr {
    if x >= 0 {
        Fr::from(x as u128)
    } else {
        -Fr::from(x.unsigned_abs())
    }
}

/// 2^k as a field element, for k < 253 (from a table computed once).
pub fn pow2(k: u32) -> Fr {
    pow2_tables().0[k as usize]
}

/// 2^-k as a field element, for k < 253 (from a table computed once): the
/// bit-decomposition gadget divides by 2^(n-1) once per value, and an
/// inversion per call would dominate witness generation.
pub fn pow2_inv(k: u32) -> Fr {
    pow2_tables().1[k as usize]
}

fn pow2_tables() -> &'static ([Fr; 253], [Fr; 253]) {
    static T: std::sync::OnceLock<([Fr; 253], [Fr; 253])> = std::sync::OnceLock::new();
    T.get_or_init(|| {
        let half = Fr::from(2u8).invert();
        let mut p = [Fr::ONE; 253];
        let mut q = [Fr::ONE; 253];
        for k in 1..253 {
            p[k] = p[k - 1] + p[k - 1];
            q[k] = q[k - 1] * half;
        }
        (p, q)
    })
}

/// The centred lift of `x` if it lies in [-2^127, 2^127): the signed integer
/// whose residue mod l is `x`. Returns `None` for elements outside that range.
pub fn to_i128(x: &Fr) -> Option<i128> {
    let bytes = x.to_bytes();
    if bytes[16..].iter().all(|&b| b == 0) && bytes[15] < 0x80 {
        return Some(u128::from_le_bytes(bytes[..16].try_into().ok()?) as i128);
    }
    let neg = (-x).to_bytes();
    if neg[16..].iter().all(|&b| b == 0)
        && (neg[15] < 0x80 || neg[..16] == [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x80])
    {
        let m = u128::from_le_bytes(neg[..16].try_into().ok()?);
        return Some((m as i128).wrapping_neg());
    }
    None
}

/// The centred lift of `x` if it fits in an `i64`.
pub fn to_i64(x: &Fr) -> Option<i64> {
    to_i128(x).and_then(|v| i64::try_from(v).ok())
}

/// The low 64 bits of the canonical representative, as an unsigned integer,
/// if the element is below 2^64.
pub fn to_u64(x: &Fr) -> Option<u64> {
    let bytes = x.to_bytes();
    if bytes[8..].iter().all(|&b| b == 0) {
        Some(u64::from_le_bytes(bytes[..8].try_into().ok()?))
    } else {
        None
    }
}

/// Bit `i` (little-endian) of the canonical representative of `x`.
pub fn bit(x: &Fr, i: usize) -> bool {
    let bytes = x.as_bytes();
    (bytes[i / 8] >> (i % 8)) & 1 == 1
}

/// A signed fixed-point format: values are integers `round(v * 2^frac_bits)`
/// that must lie in [-2^(total_bits-1), 2^(total_bits-1)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FixedPoint {
    /// Number of fractional bits.
    pub frac_bits: u32,
    /// Total signed width in bits (sign included), at most 64.
    pub total_bits: u32,
}

impl FixedPoint {
    /// A format with `frac_bits` fractional bits in a `total_bits`-bit signed word.
    pub fn new(frac_bits: u32, total_bits: u32) -> Result<Self, EncodingError> {
        if total_bits == 0 || total_bits > 64 || frac_bits >= total_bits {
            return Err(EncodingError::BadFixedPointFormat {
                frac_bits,
                total_bits,
            });
        }
        Ok(FixedPoint {
            frac_bits,
            total_bits,
        })
    }

    /// Smallest representable integer.
    pub fn min_int(&self) -> i64 {
        if self.total_bits == 64 {
            i64::MIN
        } else {
            -(1i64 << (self.total_bits - 1))
        }
    }

    /// Largest representable integer.
    pub fn max_int(&self) -> i64 {
        if self.total_bits == 64 {
            i64::MAX
        } else {
            (1i64 << (self.total_bits - 1)) - 1
        }
    }

    /// The scale 2^frac_bits.
    pub fn scale(&self) -> f64 {
        (self.frac_bits as f64).exp2()
    }

    /// Encodes a real value with round-to-nearest; errors on NaN, infinity or overflow.
    pub fn encode(&self, v: f64) -> Result<i64, EncodingError> {
        if !v.is_finite() {
            return Err(EncodingError::NotFinite);
        }
        let scaled = (v * self.scale()).round();
        if scaled < self.min_int() as f64 || scaled > self.max_int() as f64 {
            return Err(EncodingError::FixedPointOverflow {
                value: v,
                total_bits: self.total_bits,
                frac_bits: self.frac_bits,
            });
        }
        Ok(scaled as i64)
    }

    /// Checks that an integer is representable in this format.
    pub fn check(&self, x: i64) -> Result<i64, EncodingError> {
        if x < self.min_int() || x > self.max_int() {
            return Err(EncodingError::FixedPointOverflow {
                value: x as f64 / self.scale(),
                total_bits: self.total_bits,
                frac_bits: self.frac_bits,
            });
        }
        Ok(x)
    }

    /// Decodes an integer to a real value.
    pub fn decode(&self, x: i64) -> f64 {
        x as f64 / self.scale()
    }

    /// Encodes a real value straight into F.
    pub fn encode_field(&self, v: f64) -> Result<Fr, EncodingError> {
        self.encode(v).map(from_i64)
    }

    /// Decodes a field element, checking it is a representable value.
    pub fn decode_field(&self, x: &Fr) -> Result<f64, EncodingError> {
        let v = to_i64(x).ok_or(EncodingError::FieldOutOfRange)?;
        self.check(v).map(|v| self.decode(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn lift_boundaries() {
        assert_eq!(to_i128(&from_i128(i128::MIN)), Some(i128::MIN));
        assert_eq!(to_i128(&from_i128(i128::MAX)), Some(i128::MAX));
        assert_eq!(to_i128(&(from_i128(i128::MAX) + Fr::ONE)), None);
        assert_eq!(to_i128(&(from_i128(i128::MIN) - Fr::ONE)), None);
        assert_eq!(to_i64(&from_i64(-1)), Some(-1));
        assert_eq!(to_i64(&Fr::ZERO), Some(0));
        assert_eq!(pow2(252) * Fr::from(2u8), pow2(253 - 1) + pow2(252));
        for k in [0u32, 1, 7, 8, 64, 200, 252] {
            let mut bytes = [0u8; 32];
            bytes[(k / 8) as usize] = 1 << (k % 8);
            assert_eq!(pow2(k), Fr::from_bytes_mod_order(bytes));
            assert_eq!(pow2(k) * pow2_inv(k), Fr::ONE);
        }
    }

    #[test]
    fn fixed_point_overflow_is_an_error() {
        let fp = FixedPoint::new(8, 16).unwrap();
        assert_eq!(fp.encode(1.5).unwrap(), 384);
        assert_eq!(fp.encode(-128.0).unwrap(), -32768);
        assert!(fp.encode(128.0).is_err());
        assert!(fp.encode(f64::NAN).is_err());
        assert!(FixedPoint::new(16, 16).is_err());
        assert!(FixedPoint::new(0, 65).is_err());
        assert!(fp.decode_field(&from_i64(40000)).is_err());
    }

    proptest! {
        #[test]
        fn i64_roundtrip(x in any::<i64>()) {
            prop_assert_eq!(to_i64(&from_i64(x)), Some(x));
        }

        #[test]
        fn fixed_roundtrip(x in -1000.0f64..1000.0) {
            let fp = FixedPoint::new(16, 32).unwrap();
            let e = fp.encode(x).unwrap();
            prop_assert!((fp.decode(e) - x).abs() <= 0.5 / fp.scale());
            prop_assert_eq!(fp.decode_field(&from_i64(e)).unwrap(), fp.decode(e));
        }
    }
}
