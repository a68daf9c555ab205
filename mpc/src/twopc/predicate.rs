//! The validity predicate "every coordinate of `x_1 + x_2` lies in
//! `[lo, hi]`" for one coordinate, per sharing scheme, written once against
//! [`Fancy`].
//!
//! A signed value `v` is embedded as `v mod m`. With `w = hi - lo < m`,
//! `v in [lo, hi]  iff  (x_1 + x_2 - lo) mod m <= w` (the map
//! `v -> v - lo mod m` sends `[lo, hi]` onto `[0, w]` and, because `w < m`,
//! nothing else there). The garbler adds `-lo` to its own share *in the
//! clear* (free), so the circuit computes `s = (x_1' + x_2) mod m` and
//! `s <= w` against a public constant:
//!
//! - [`FieldSharing`] (`m = l`, 253-bit shares): `add_mod_le_const`, which
//!   tests `(a + b) mod l <= w` from the unreduced 254-bit sum (253 ANDs)
//!   with two short comparisons on the low `h = bitlen(w)` bits and three
//!   equality tests of the high bits that share most of their ANDs: about
//!   740 ANDs per coordinate for a 64-bit width. Reducing with `add_mod_l`
//!   and then comparing (`le_const`) costs about 1,010.
//! - [`Ring64Sharing`] (`m = 2^64`): wrapping add (63 ANDs) then `le_const`
//!   (at most 64 ANDs): at most 127 ANDs per coordinate.
//!
//! The ZK path's signed `b`-bit range `[-2^(b-1), 2^(b-1) - 1]` is
//! [`BoundRange::signed_bits`]; the older symmetric bound `[-B, B]` is
//! [`BoundRange::symmetric`].
//!
//! Threat model: semi-honest (the garbler's clear-text shift by `-lo` is
//! local to its own share). Not audited.

use super::error::TwoPcError;
use crate::garble::gadgets::{
    add_mod_le_const, add_wrapping, bits_from_le_bytes, bits_from_u128, l_bits, le_const, L_BITS,
};
use crate::garble::Fancy;
use curve25519_dalek::Scalar;
use zeroize::Zeroize;

/// A public interval `[lo, hi]` of signed 64-bit values, `lo <= hi`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BoundRange {
    lo: i64,
    hi: i64,
}

impl BoundRange {
    /// The interval `[lo, hi]`. Errors ([`TwoPcError::InvalidRange`]) if
    /// `lo > hi`.
    pub fn new(lo: i64, hi: i64) -> Result<BoundRange, TwoPcError> {
        if lo > hi {
            return Err(TwoPcError::InvalidRange {
                reason: "lower end above upper end",
            });
        }
        Ok(BoundRange { lo, hi })
    }

    /// The symmetric interval `[-b, b]`. Errors if `b > i64::MAX`.
    pub fn symmetric(b: u64) -> Result<BoundRange, TwoPcError> {
        let b = i64::try_from(b).map_err(|_| TwoPcError::InvalidRange {
            reason: "symmetric bound above i64::MAX",
        })?;
        BoundRange::new(-b, b)
    }

    /// The signed `bits`-bit range `[-2^(bits-1), 2^(bits-1) - 1]`, the range
    /// the ZK circuits accept. Errors unless `1 <= bits <= 64`.
    pub fn signed_bits(bits: u32) -> Result<BoundRange, TwoPcError> {
        if !(1..=64).contains(&bits) {
            return Err(TwoPcError::InvalidRange {
                reason: "signed bit width must be in 1..=64",
            });
        }
        // Both ends fit in i64 for bits <= 64, so the casts are exact.
        let half = 1i128 << (bits - 1);
        let (lo, hi) = (-half as i64, (half - 1) as i64);
        BoundRange::new(lo, hi)
    }

    /// Lower end (inclusive).
    pub fn lo(&self) -> i64 {
        self.lo
    }

    /// Upper end (inclusive).
    pub fn hi(&self) -> i64 {
        self.hi
    }

    /// `hi - lo` (the number of elements minus one; always fits in `u64`).
    pub fn width(&self) -> u64 {
        self.hi.wrapping_sub(self.lo) as u64
    }

    /// Whether `v` lies in `[lo, hi]`.
    pub fn contains(&self, v: i64) -> bool {
        self.lo <= v && v <= self.hi
    }
}

/// A sharing scheme for the bound check: how shares become circuit inputs,
/// and the per-coordinate circuit. A new sharing plugs in by implementing it.
pub trait BoundSharing {
    /// One additive share of one coordinate (a secret: wiped after use).
    type Share: Zeroize;
    /// Bits per share in the circuit.
    const BITS: usize;
    /// Largest width `hi - lo` with `hi - lo < m`, so that the shifted
    /// comparison is exact.
    const MAX_WIDTH: u64;
    /// Name bound into the session parameters (distinct per sharing).
    const NAME: &'static str;

    /// Appends the garbler's input bits for its share `x_1` (little-endian):
    /// the bits of `(x_1 - lo) mod m`.
    fn push_garbler_bits(x1: &Self::Share, range: &BoundRange, out: &mut Vec<bool>);
    /// Appends the evaluator's input bits for its share `x_2` (little-endian).
    fn push_evaluator_bits(x2: &Self::Share, out: &mut Vec<bool>);
    /// The per-coordinate predicate on the two bit vectors built above.
    fn in_range<F: Fancy>(
        f: &mut F,
        garbler: &[F::Item],
        evaluator: &[F::Item],
        range: &BoundRange,
    ) -> Result<F::Item, F::Error>;
    /// Reference predicate computed natively (for tests): is
    /// `x_1 + x_2 mod m`, read as a signed value, in `[lo, hi]`?
    fn in_range_native(x1: &Self::Share, x2: &Self::Share, range: &BoundRange) -> bool;
}

/// `v mod l` for a signed `v`.
pub(crate) fn scalar_of_i64(v: i64) -> Scalar {
    if v >= 0 {
        Scalar::from(v as u64)
    } else {
        -Scalar::from(v.unsigned_abs())
    }
}

/// Shares in `Z_l`, `l` the ristretto255 scalar field order.
#[derive(Clone, Copy, Debug, Default)]
pub struct FieldSharing;

impl BoundSharing for FieldSharing {
    type Share = Scalar;
    const BITS: usize = L_BITS;
    // Every u64 width is below l.
    const MAX_WIDTH: u64 = u64::MAX;
    const NAME: &'static str = "field Z_l (ristretto255)";

    fn push_garbler_bits(x1: &Scalar, range: &BoundRange, out: &mut Vec<bool>) {
        let shifted = x1 - scalar_of_i64(range.lo);
        out.extend(bits_from_le_bytes(&shifted.to_bytes(), L_BITS));
    }
    fn push_evaluator_bits(x2: &Scalar, out: &mut Vec<bool>) {
        out.extend(bits_from_le_bytes(&x2.to_bytes(), L_BITS));
    }
    fn in_range<F: Fancy>(
        f: &mut F,
        garbler: &[F::Item],
        evaluator: &[F::Item],
        range: &BoundRange,
    ) -> Result<F::Item, F::Error> {
        let k = bits_from_u128(u128::from(range.width()), L_BITS);
        add_mod_le_const(f, garbler, evaluator, &l_bits(), &k)
    }
    fn in_range_native(x1: &Scalar, x2: &Scalar, range: &BoundRange) -> bool {
        // Read x1 + x2 as a signed value if it is in [-2^63, 2^63), directly
        // (not by the shifted comparison the circuit uses).
        let below = |s: Scalar, limit: u64| {
            let b = s.to_bytes();
            let mut lo8 = [0u8; 8];
            lo8.copy_from_slice(&b[..8]);
            let v = u64::from_le_bytes(lo8);
            (b[8..].iter().all(|&x| x == 0) && v <= limit).then_some(v)
        };
        let s = x1 + x2;
        let signed = if let Some(v) = below(s, i64::MAX as u64) {
            Some(v as i64)
        } else {
            below(-s, 1 << 63).map(|v| (v as i64).wrapping_neg())
        };
        signed.is_some_and(|v| range.contains(v))
    }
}

/// Shares in `Z_2^64` (wrapping `u64`; signed values in two's complement).
#[derive(Clone, Copy, Debug, Default)]
pub struct Ring64Sharing;

impl BoundSharing for Ring64Sharing {
    type Share = u64;
    const BITS: usize = 64;
    // Every u64 width is below 2^64.
    const MAX_WIDTH: u64 = u64::MAX;
    const NAME: &'static str = "ring Z_2^64";

    fn push_garbler_bits(x1: &u64, range: &BoundRange, out: &mut Vec<bool>) {
        let shifted = x1.wrapping_sub(range.lo as u64);
        out.extend(bits_from_u128(u128::from(shifted), 64));
    }
    fn push_evaluator_bits(x2: &u64, out: &mut Vec<bool>) {
        out.extend(bits_from_u128(u128::from(*x2), 64));
    }
    fn in_range<F: Fancy>(
        f: &mut F,
        garbler: &[F::Item],
        evaluator: &[F::Item],
        range: &BoundRange,
    ) -> Result<F::Item, F::Error> {
        let s = add_wrapping(f, garbler, evaluator)?;
        le_const(f, &s, &bits_from_u128(u128::from(range.width()), 64))
    }
    fn in_range_native(x1: &u64, x2: &u64, range: &BoundRange) -> bool {
        range.contains(x1.wrapping_add(*x2) as i64)
    }
}
