//! Montgomery-form arithmetic modulo l (the ristretto255 scalar field) for
//! the provers' and verifiers' inner loops.
//!
//! [`Fr`] (curve25519-dalek's `Scalar`) stores canonical bytes and unpacks,
//! multiplies twice (Montgomery product, then conversion back) and repacks
//! on every operation; the sum-check and matrix loops do hundreds of
//! millions of them. [`Fe`] keeps a R mod l with R = 2^256 in four 64-bit
//! limbs, so a product is one Montgomery multiplication (CIOS, Koc, Acar
//! and Kaliski 1996) and a sum one addition with a conditional subtraction.
//! Values cross to [`Fr`] only at the boundaries (commitments, transcripts,
//! messages). All operations are branch-free in the values.
//!
//! Not audited.

use crate::field::Fr;
use core::ops::{Add, AddAssign, Mul, MulAssign, Neg, Sub, SubAssign};

/// l in little-endian 64-bit limbs.
const L: [u64; 4] = [
    0x5812_631a_5cf5_d3ed,
    0x14de_f9de_a2f7_9cd6,
    0,
    0x1000_0000_0000_0000,
];

/// -l^-1 mod 2^64.
const INV: u64 = {
    // Newton's iteration for the inverse of an odd number modulo 2^64.
    let mut x: u64 = 1;
    let mut i = 0;
    while i < 7 {
        x = x.wrapping_mul(2u64.wrapping_sub(L[0].wrapping_mul(x)));
        i += 1;
    }
    x.wrapping_neg()
};

const fn sub_l_if_ge(a: [u64; 4]) -> [u64; 4] {
    // a < 2l: subtract l when no borrow results.
    let (d0, b) = a[0].overflowing_sub(L[0]);
    let (d1, b1) = sbb(a[1], L[1], b);
    let (d2, b2) = sbb(a[2], L[2], b1);
    let (d3, b3) = sbb(a[3], L[3], b2);
    let keep = (b3 as u64).wrapping_neg(); // all ones if a < l
    [
        (a[0] & keep) | (d0 & !keep),
        (a[1] & keep) | (d1 & !keep),
        (a[2] & keep) | (d2 & !keep),
        (a[3] & keep) | (d3 & !keep),
    ]
}

#[inline(always)]
const fn sbb(a: u64, b: u64, borrow: bool) -> (u64, bool) {
    let (d, b1) = a.overflowing_sub(b);
    let (d, b2) = d.overflowing_sub(borrow as u64);
    (d, b1 | b2)
}

#[inline(always)]
const fn adc(a: u64, b: u64, carry: bool) -> (u64, bool) {
    let (s, c1) = a.overflowing_add(b);
    let (s, c2) = s.overflowing_add(carry as u64);
    (s, c1 | c2)
}

#[inline(always)]
const fn mac(acc: u64, a: u64, b: u64, carry: u64) -> (u64, u64) {
    let t = acc as u128 + (a as u128) * (b as u128) + carry as u128;
    (t as u64, (t >> 64) as u64)
}

#[inline(always)]
const fn add_raw(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    // a, b < l < 2^253: no carry out of 256 bits.
    let (s0, c) = a[0].overflowing_add(b[0]);
    let (s1, c) = adc(a[1], b[1], c);
    let (s2, c) = adc(a[2], b[2], c);
    let (s3, _) = adc(a[3], b[3], c);
    sub_l_if_ge([s0, s1, s2, s3])
}

#[inline(always)]
const fn sub_raw(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let (d0, br) = a[0].overflowing_sub(b[0]);
    let (d1, br) = sbb(a[1], b[1], br);
    let (d2, br) = sbb(a[2], b[2], br);
    let (d3, br) = sbb(a[3], b[3], br);
    let mask = (br as u64).wrapping_neg();
    let (e0, c) = d0.overflowing_add(L[0] & mask);
    let (e1, c) = adc(d1, L[1] & mask, c);
    let (e2, c) = adc(d2, L[2] & mask, c);
    let (e3, _) = adc(d3, L[3] & mask, c);
    [e0, e1, e2, e3]
}

/// Montgomery product a b R^-1 mod l (CIOS).
#[inline(always)]
const fn mont_mul(a: &[u64; 4], b: &[u64; 4]) -> [u64; 4] {
    let mut t = [0u64; 6];
    let mut i = 0;
    while i < 4 {
        let mut c = 0u64;
        let mut j = 0;
        while j < 4 {
            let (lo, hi) = mac(t[j], a[j], b[i], c);
            t[j] = lo;
            c = hi;
            j += 1;
        }
        let (s, carry) = t[4].overflowing_add(c);
        t[4] = s;
        t[5] = carry as u64;
        let m = t[0].wrapping_mul(INV);
        let (_, mut c) = mac(t[0], m, L[0], 0);
        let mut j = 1;
        while j < 4 {
            let (lo, hi) = mac(t[j], m, L[j], c);
            t[j - 1] = lo;
            c = hi;
            j += 1;
        }
        let (s, carry) = t[4].overflowing_add(c);
        t[3] = s;
        t[4] = t[5] + carry as u64;
        i += 1;
    }
    // t < 2l < 2^254, so t[4] = 0.
    sub_l_if_ge([t[0], t[1], t[2], t[3]])
}

/// R^2 mod l, by doubling 1 modulo l 512 times.
const R2: [u64; 4] = {
    let mut x = [1u64, 0, 0, 0];
    let mut i = 0;
    while i < 512 {
        x = add_raw(&x, &x);
        i += 1;
    }
    x
};

/// An element of F in Montgomery form.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Fe([u64; 4]);

/// The default (all limbs zero) is the zero element, so a prover's tables of
/// secret evaluations can be wiped with [`zeroize`].
impl zeroize::DefaultIsZeroes for Fe {}

/// Wipes a table of secret elements, its spare capacity included, in
/// parallel chunks (a wipe is one pass over memory; at 2^21 rows the
/// prover's tables are about 400 MB), and empties it.
pub fn wipe_table(t: &mut Vec<Fe>) {
    use rayon::prelude::*;
    use zeroize::Zeroize;
    const CHUNK: usize = 1 << 15;
    t.spare_capacity_mut()
        .par_chunks_mut(CHUNK)
        .for_each(|c| c.zeroize());
    t.par_chunks_mut(CHUNK).for_each(|c| c.zeroize());
    t.clear();
}

/// A table of secret elements, wiped by [`wipe_table`] on drop.
#[derive(Default)]
pub struct SecretTable(pub Vec<Fe>);

impl Drop for SecretTable {
    fn drop(&mut self) {
        wipe_table(&mut self.0);
    }
}

impl zeroize::ZeroizeOnDrop for SecretTable {}

impl core::ops::Deref for SecretTable {
    type Target = Vec<Fe>;
    fn deref(&self) -> &Vec<Fe> {
        &self.0
    }
}

impl core::ops::DerefMut for SecretTable {
    fn deref_mut(&mut self) -> &mut Vec<Fe> {
        &mut self.0
    }
}

impl core::fmt::Debug for Fe {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Fe({:?})", self.to_fr())
    }
}

impl Fe {
    /// 0.
    pub const ZERO: Fe = Fe([0; 4]);
    /// 1 (R mod l).
    pub const ONE: Fe = Fe(mont_mul(&[1, 0, 0, 0], &R2));

    /// Converts from [`Fr`].
    #[inline]
    pub fn from_fr(x: &Fr) -> Fe {
        let b = x.as_bytes();
        let mut a = [0u64; 4];
        for (i, limb) in a.iter_mut().enumerate() {
            let mut w = [0u8; 8];
            w.copy_from_slice(&b[8 * i..8 * i + 8]);
            *limb = u64::from_le_bytes(w);
        }
        Fe(mont_mul(&a, &R2))
    }

    /// Converts to [`Fr`].
    #[inline]
    pub fn to_fr(&self) -> Fr {
        let a = mont_mul(&self.0, &[1, 0, 0, 0]);
        let mut b = [0u8; 32];
        for (i, limb) in a.iter().enumerate() {
            b[8 * i..8 * i + 8].copy_from_slice(&limb.to_le_bytes());
        }
        // a < l, so this is the canonical encoding.
        Fr::from_bytes_mod_order(b)
    }

    /// Converts from [`Fr`] with 0 and 1 (bits) taking no multiplication.
    #[inline]
    pub fn from_fr_bits(x: &Fr) -> Fe {
        let b = x.as_bytes();
        if b[1..].iter().all(|&v| v == 0) {
            match b[0] {
                0 => return Fe::ZERO,
                1 => return Fe::ONE,
                _ => {}
            }
        }
        Fe::from_fr(x)
    }

    /// A small integer.
    pub fn from_u64(x: u64) -> Fe {
        Fe(mont_mul(&[x, 0, 0, 0], &R2))
    }

    /// 2 self.
    #[inline]
    pub fn double(&self) -> Fe {
        Fe(add_raw(&self.0, &self.0))
    }

    /// Whether this is zero.
    pub fn is_zero(&self) -> bool {
        self.0 == [0; 4]
    }
}

/// Converts a slice.
pub fn to_fe(xs: &[Fr]) -> Vec<Fe> {
    xs.iter().map(Fe::from_fr).collect()
}

/// Converts a slice back.
pub fn to_fr(xs: &[Fe]) -> Vec<Fr> {
    xs.iter().map(Fe::to_fr).collect()
}

impl Add for Fe {
    type Output = Fe;
    #[inline]
    fn add(self, rhs: Fe) -> Fe {
        Fe(add_raw(&self.0, &rhs.0))
    }
}

impl Sub for Fe {
    type Output = Fe;
    #[inline]
    fn sub(self, rhs: Fe) -> Fe {
        Fe(sub_raw(&self.0, &rhs.0))
    }
}

impl Mul for Fe {
    type Output = Fe;
    #[inline]
    fn mul(self, rhs: Fe) -> Fe {
        Fe(mont_mul(&self.0, &rhs.0))
    }
}

impl Neg for Fe {
    type Output = Fe;
    #[inline]
    fn neg(self) -> Fe {
        Fe::ZERO - self
    }
}

impl AddAssign for Fe {
    #[inline]
    fn add_assign(&mut self, rhs: Fe) {
        *self = *self + rhs;
    }
}

impl SubAssign for Fe {
    #[inline]
    fn sub_assign(&mut self, rhs: Fe) {
        *self = *self - rhs;
    }
}

impl MulAssign for Fe {
    #[inline]
    fn mul_assign(&mut self, rhs: Fe) {
        *self = *self * rhs;
    }
}

impl core::iter::Sum for Fe {
    fn sum<I: Iterator<Item = Fe>>(iter: I) -> Fe {
        iter.fold(Fe::ZERO, |a, b| a + b)
    }
}

impl core::iter::Product for Fe {
    fn product<I: Iterator<Item = Fe>>(iter: I) -> Fe {
        iter.fold(Fe::ONE, |a, b| a * b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn agrees_with_fr() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let mut xs: Vec<Fr> = (0..200).map(|_| Fr::random(&mut rng)).collect();
        xs.extend([Fr::ZERO, Fr::ONE, -Fr::ONE, Fr::from(2u8), -Fr::from(2u8)]);
        assert_eq!(Fe::ONE.to_fr(), Fr::ONE);
        assert_eq!(Fe::from_u64(12345).to_fr(), Fr::from(12345u64));
        for (i, a) in xs.iter().enumerate() {
            let b = xs[(i * 7 + 3) % xs.len()];
            let (fa, fb) = (Fe::from_fr(a), Fe::from_fr(&b));
            assert_eq!(fa.to_fr(), *a);
            assert_eq!(Fe::from_fr_bits(a), fa);
            assert_eq!((fa + fb).to_fr(), a + b);
            assert_eq!((fa - fb).to_fr(), a - b);
            assert_eq!((fa * fb).to_fr(), a * b);
            assert_eq!((-fa).to_fr(), -a);
            assert_eq!(fa.double().to_fr(), a + a);
        }
    }
}
