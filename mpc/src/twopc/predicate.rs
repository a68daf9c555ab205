//! The validity predicate "every coordinate of `x_1 + x_2` lies in
//! `[-B, B]`" for one coordinate, per sharing scheme, written once against
//! [`Fancy`].
//!
//! A signed value `v` is embedded as `v mod m`. With `2B < m`,
//! `v in [-B, B]  iff  (x_1 + x_2 + B) mod m <= 2B`. The garbler adds `B` to
//! its own share *in the clear* (free), so the circuit computes
//! `s = (x_1' + x_2) mod m` and `s <= 2B` against a public constant:
//!
//! - [`FieldSharing`] (`m = l`, 253-bit shares): `add_mod_le_const`, which
//!   tests `(a + b) mod l <= 2B` from the unreduced 254-bit sum (253 ANDs)
//!   with two short comparisons on the low `h = bitlen(2B)` bits and three
//!   equality tests of the high bits that share most of their ANDs: about
//!   740 ANDs per coordinate for a 64-bit bound. Reducing with `add_mod_l`
//!   and then comparing (`le_const`) costs about 1,010; reducing and testing
//!   `s <= B or s >= l - B` costs about 1,270.
//! - [`Ring64Sharing`] (`m = 2^64`): wrapping add (63 ANDs) then `le_const`
//!   (at most 64 ANDs): at most 127 ANDs per coordinate.
//!
//! Threat model: semi-honest (the garbler's clear-text shift by `B` is local
//! to its own share). Not audited.

use crate::garble::gadgets::{
    add_mod_le_const, add_wrapping, bits_from_le_bytes, bits_from_u128, l_bits, le_const, L_BITS,
};
use crate::garble::Fancy;
use curve25519_dalek::Scalar;

/// A sharing scheme for the bound check: how shares become circuit inputs,
/// and the per-coordinate circuit. A new sharing plugs in by implementing it.
pub trait BoundSharing {
    /// One additive share of one coordinate.
    type Share;
    /// Bits per share in the circuit.
    const BITS: usize;
    /// Largest bound `B` with `2B < m`.
    const MAX_BOUND: u64;

    /// Appends the garbler's input bits for its share `x_1` (little-endian):
    /// the bits of `(x_1 + B) mod m`.
    fn push_garbler_bits(x1: &Self::Share, bound: u64, out: &mut Vec<bool>);
    /// Appends the evaluator's input bits for its share `x_2` (little-endian).
    fn push_evaluator_bits(x2: &Self::Share, out: &mut Vec<bool>);
    /// The per-coordinate predicate on the two bit vectors built above.
    fn in_range<F: Fancy>(
        f: &mut F,
        garbler: &[F::Item],
        evaluator: &[F::Item],
        bound: u64,
    ) -> Result<F::Item, F::Error>;
    /// Reference predicate computed natively (for tests): is
    /// `x_1 + x_2 mod m`, read as a signed value, in `[-B, B]`?
    fn in_range_native(x1: &Self::Share, x2: &Self::Share, bound: u64) -> bool;
}

/// Shares in `Z_l`, `l` the ristretto255 scalar field order.
#[derive(Clone, Copy, Debug, Default)]
pub struct FieldSharing;

impl BoundSharing for FieldSharing {
    type Share = Scalar;
    const BITS: usize = L_BITS;
    // 2B < 2^65 < l for every u64.
    const MAX_BOUND: u64 = u64::MAX;

    fn push_garbler_bits(x1: &Scalar, bound: u64, out: &mut Vec<bool>) {
        let shifted = x1 + Scalar::from(bound);
        out.extend(bits_from_le_bytes(&shifted.to_bytes(), L_BITS));
    }
    fn push_evaluator_bits(x2: &Scalar, out: &mut Vec<bool>) {
        out.extend(bits_from_le_bytes(&x2.to_bytes(), L_BITS));
    }
    fn in_range<F: Fancy>(
        f: &mut F,
        garbler: &[F::Item],
        evaluator: &[F::Item],
        bound: u64,
    ) -> Result<F::Item, F::Error> {
        let k = bits_from_u128(2 * u128::from(bound), L_BITS);
        add_mod_le_const(f, garbler, evaluator, &l_bits(), &k)
    }
    fn in_range_native(x1: &Scalar, x2: &Scalar, bound: u64) -> bool {
        let small = |s: Scalar| {
            let b = s.to_bytes();
            b[8..].iter().all(|&x| x == 0)
                && u64::from_le_bytes(b[..8].try_into().unwrap_or([0xff; 8])) <= bound
        };
        let s = x1 + x2;
        small(s) || small(-s)
    }
}

/// Shares in `Z_2^64` (wrapping `u64`; signed values in two's complement).
#[derive(Clone, Copy, Debug, Default)]
pub struct Ring64Sharing;

impl BoundSharing for Ring64Sharing {
    type Share = u64;
    const BITS: usize = 64;
    const MAX_BOUND: u64 = (1 << 63) - 1;

    fn push_garbler_bits(x1: &u64, bound: u64, out: &mut Vec<bool>) {
        out.extend(bits_from_u128(u128::from(x1.wrapping_add(bound)), 64));
    }
    fn push_evaluator_bits(x2: &u64, out: &mut Vec<bool>) {
        out.extend(bits_from_u128(u128::from(*x2), 64));
    }
    fn in_range<F: Fancy>(
        f: &mut F,
        garbler: &[F::Item],
        evaluator: &[F::Item],
        bound: u64,
    ) -> Result<F::Item, F::Error> {
        let s = add_wrapping(f, garbler, evaluator)?;
        le_const(f, &s, &bits_from_u128(2 * u128::from(bound), 64))
    }
    fn in_range_native(x1: &u64, x2: &u64, bound: u64) -> bool {
        let v = i128::from(x1.wrapping_add(*x2) as i64);
        -i128::from(bound) <= v && v <= i128::from(bound)
    }
}
