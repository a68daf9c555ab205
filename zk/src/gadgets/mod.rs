//! Gadgets: reusable circuit fragments written against [`ConstraintSystem`].
//!
//! Every gadget takes its inputs as [`LinearCombination`]s and returns its
//! outputs as linear combinations or variables. Values are computed with
//! `Option` combinators, so the same code runs on witness-generating and
//! shape-only backends. Each gadget runs in a named scope, so the counter
//! backend reports constraints per gadget. Constraint costs (n = bit width):
//!
//! | gadget | constraints |
//! |---|---|
//! | [`boolean::alloc_bit`] | 1 |
//! | [`bits::decompose`] (n bits) | n |
//! | [`range::unsigned`] / [`range::signed`] | n |
//! | [`compare::is_nonnegative`] (n-bit signed input) | n + 1 |
//! | [`compare::less_than`] | n + 1 |
//! | [`fixed::mul_trunc`] (f fractional, m output bits) | 1 + f + m |
//! | [`clip::clip`] (n-bit input) | 2(n + 1) + 2 |
//! | [`pack::pack`] | 0 (a linear combination) |
//! | [`horner::horner`] (d coefficients) | d - 1 |
//!
//! Soundness notes are on each gadget. Not audited.

use crate::error::SynthesisError;
use crate::field::{bit, from_i128, pow2, pow2_inv, to_i128, Fr};
use crate::r1cs::{namespaced, ConstraintSystem, LinearCombination, Variable};

pub mod poseidon;

/// Boolean variables.
pub mod boolean {
    use super::*;

    /// Allocates a bit and enforces b * (1 - b) = 0.
    pub fn alloc_bit<CS: ConstraintSystem + ?Sized>(
        cs: &mut CS,
        value: Option<bool>,
    ) -> Result<Variable, SynthesisError> {
        let b = cs.alloc(value.map(|v| if v { Fr::ONE } else { Fr::ZERO }))?;
        enforce_boolean(cs, LinearCombination::from(b));
        Ok(b)
    }

    /// Enforces lc * (1 - lc) = 0, i.e. lc is 0 or 1.
    pub fn enforce_boolean<CS: ConstraintSystem + ?Sized>(cs: &mut CS, lc: LinearCombination) {
        let one_minus = LinearCombination::one() - lc.clone();
        cs.enforce(lc, one_minus, LinearCombination::zero());
    }

    /// a AND b for bits (1 constraint).
    pub fn and<CS: ConstraintSystem + ?Sized>(
        cs: &mut CS,
        a: LinearCombination,
        b: LinearCombination,
    ) -> Result<Variable, SynthesisError> {
        let v = match (cs.eval(&a), cs.eval(&b)) {
            (Some(x), Some(y)) => Some(x * y),
            _ => None,
        };
        let out = cs.alloc(v)?;
        cs.enforce(a, b, out.into());
        Ok(out)
    }
}

/// Bit decomposition.
pub mod bits {
    use super::*;

    /// Decomposes `x` into `n` little-endian bits, enforcing
    /// x = sum 2^i b_i with every b_i boolean, in n constraints: bits 0..n-2 are
    /// allocated and made boolean; the top bit is the linear combination
    /// (x - sum_{i<n-1} 2^i b_i) / 2^(n-1), made boolean. Sound for n <= 252
    /// (so that sums cannot wrap mod l). The witness must lie in [0, 2^n).
    pub fn decompose<CS: ConstraintSystem + ?Sized>(
        cs: &mut CS,
        x: LinearCombination,
        n: usize,
    ) -> Result<Vec<LinearCombination>, SynthesisError> {
        if n == 0 || n > 252 {
            return Err(SynthesisError::InvalidParameter(format!(
                "bit width {n} not in 1..=252"
            )));
        }
        namespaced(cs, "bits", |cs| {
            // Out-of-range witnesses are not rejected here: the bits of the
            // low n-1 positions are assigned and the top-bit constraint fails,
            // so the witness generator reports the gadget that failed.
            let xv = cs.eval(&x);
            let mut out = Vec::with_capacity(n);
            let mut rest = x.clone();
            for i in 0..n - 1 {
                let b = boolean::alloc_bit(cs, xv.map(|v| bit(&v, i)))?;
                rest.push(b, -pow2(i as u32));
                out.push(LinearCombination::from(b));
            }
            let top = rest * pow2_inv(n as u32 - 1);
            boolean::enforce_boolean(cs, top.clone());
            out.push(top);
            Ok(out)
        })
    }

    /// Recomposes bits with weights 2^(offset + i) (no constraints).
    pub fn recompose_from(bits: &[LinearCombination], offset: usize) -> LinearCombination {
        let mut acc = LinearCombination::with_capacity(bits.len());
        for (i, b) in bits.iter().enumerate() {
            acc += b.clone() * pow2((offset + i) as u32);
        }
        acc
    }

    /// Recomposes little-endian bits into sum 2^i b_i (no constraints).
    pub fn recompose(bits: &[LinearCombination]) -> LinearCombination {
        let mut acc = LinearCombination::with_capacity(bits.len());
        for (i, b) in bits.iter().enumerate() {
            acc += b.clone() * pow2(i as u32);
        }
        acc
    }
}

/// Range checks.
pub mod range {
    use super::*;

    /// Enforces x in [0, 2^n) (n constraints).
    pub fn unsigned<CS: ConstraintSystem + ?Sized>(
        cs: &mut CS,
        x: LinearCombination,
        n: usize,
    ) -> Result<(), SynthesisError> {
        namespaced(cs, "range", |cs| bits::decompose(cs, x, n).map(|_| ()))
    }

    /// Enforces x in [-2^(n-1), 2^(n-1)) (n constraints), by checking
    /// x + 2^(n-1) in [0, 2^n).
    pub fn signed<CS: ConstraintSystem + ?Sized>(
        cs: &mut CS,
        x: LinearCombination,
        n: usize,
    ) -> Result<(), SynthesisError> {
        if n == 0 || n > 252 {
            return Err(SynthesisError::InvalidParameter(format!(
                "bit width {n} not in 1..=252"
            )));
        }
        namespaced(cs, "range", |cs| {
            bits::decompose(cs, x + pow2(n as u32 - 1), n).map(|_| ())
        })
    }
}

/// Comparisons of signed or unsigned values of known bit width.
pub mod compare {
    use super::*;

    /// Returns a bit that is 1 iff x >= 0, for x known to lie in
    /// [-2^n, 2^n) (n + 1 constraints): decomposes x + 2^n into n + 1 bits and
    /// returns the top bit. The caller must ensure the range (it is enforced:
    /// a witness outside it makes the system unsatisfiable).
    pub fn is_nonnegative<CS: ConstraintSystem + ?Sized>(
        cs: &mut CS,
        x: LinearCombination,
        n: usize,
    ) -> Result<LinearCombination, SynthesisError> {
        if n == 0 || n > 250 {
            return Err(SynthesisError::InvalidParameter(format!(
                "bit width {n} not in 1..=250"
            )));
        }
        namespaced(cs, "compare", |cs| {
            let bits = bits::decompose(cs, x + pow2(n as u32), n + 1)?;
            Ok(bits[n].clone())
        })
    }

    /// Returns a bit that is 1 iff a < b, for a, b in [-2^(n-1), 2^(n-1))
    /// (n + 1 constraints).
    pub fn less_than<CS: ConstraintSystem + ?Sized>(
        cs: &mut CS,
        a: LinearCombination,
        b: LinearCombination,
        n: usize,
    ) -> Result<LinearCombination, SynthesisError> {
        // a < b  <=>  a - b < 0  <=>  NOT(a - b >= 0); a - b in [-2^n, 2^n).
        let ge = is_nonnegative(cs, a - b, n)?;
        Ok(LinearCombination::one() - ge)
    }
}

/// Signed fixed-point arithmetic.
pub mod fixed {
    use super::*;

    /// Multiplies two signed fixed-point values and truncates by `frac_bits`
    /// with exact floor semantics: returns q = floor(a * b / 2^f), where the
    /// remainder r = a*b - q*2^f is range-checked in [0, 2^f) and q in
    /// [-2^(out_bits-1), 2^(out_bits-1)). Cost 1 + f + out_bits constraints.
    /// Sound when |a*b| < 2^250 (inputs range-checked by the caller).
    pub fn mul_trunc<CS: ConstraintSystem + ?Sized>(
        cs: &mut CS,
        a: LinearCombination,
        b: LinearCombination,
        frac_bits: usize,
        out_bits: usize,
    ) -> Result<Variable, SynthesisError> {
        namespaced(cs, "fixed_mul", |cs| {
            let prod = match (cs.eval(&a), cs.eval(&b)) {
                (Some(x), Some(y)) => Some(x * y),
                _ => None,
            };
            let p = cs.alloc(prod)?;
            cs.enforce(a, b, p.into());
            if frac_bits == 0 {
                range::signed(cs, p.into(), out_bits)?;
                return Ok(p);
            }
            let (q, r) = match prod.map(|v| to_i128(&v)) {
                Some(Some(pi)) => {
                    let q = pi >> frac_bits; // arithmetic shift = floor division
                    let r = pi - (q << frac_bits);
                    (Some(from_i128(q)), Some(from_i128(r)))
                }
                Some(None) => {
                    return Err(SynthesisError::Unsatisfiable {
                        gadget: "fixed_mul",
                        reason: "product exceeds 127 bits".into(),
                    })
                }
                None => (None, None),
            };
            let qv = cs.alloc(q)?;
            let rv = cs.alloc(r)?;
            // p = q * 2^f + r
            cs.enforce(
                LinearCombination::from(qv) * pow2(frac_bits as u32) + rv,
                LinearCombination::one(),
                p.into(),
            );
            range::unsigned(cs, rv.into(), frac_bits)?;
            range::signed(cs, qv.into(), out_bits)?;
            Ok(qv)
        })
    }

    /// Native twin of [`mul_trunc`]: floor(a * b / 2^f).
    pub fn mul_trunc_native(a: i64, b: i64, frac_bits: u32) -> i128 {
        ((a as i128) * (b as i128)) >> frac_bits
    }
}

/// Clipping to [-B, B].
pub mod clip {
    use super::*;

    /// Returns clamp(x, -B, B) for x in [-2^(n-1), 2^(n-1)) and 0 <= B < 2^(n-1).
    /// Computes hi = \[x > B\] and lo = \[x < -B\] by comparisons, then
    /// y = x + hi*(B - x) + lo*(-B - x) (two product constraints).
    pub fn clip<CS: ConstraintSystem + ?Sized>(
        cs: &mut CS,
        x: LinearCombination,
        bound: u64,
        n: usize,
    ) -> Result<LinearCombination, SynthesisError> {
        namespaced(cs, "clip", |cs| {
            let b = Fr::from(bound);
            // hi = [x - B - 1 >= 0]; x - B - 1 in [-2^n, 2^n).
            let hi = compare::is_nonnegative(cs, x.clone() - b - Fr::ONE, n)?;
            // lo = [-B - 1 - x >= 0].
            let lo = compare::is_nonnegative(
                cs,
                LinearCombination::constant(-b - Fr::ONE) - x.clone(),
                n,
            )?;
            let t_hi = cs.alloc(match (cs.eval(&hi), cs.eval(&x)) {
                (Some(h), Some(xv)) => Some(h * (b - xv)),
                _ => None,
            })?;
            cs.enforce(hi, LinearCombination::constant(b) - x.clone(), t_hi.into());
            let t_lo = cs.alloc(match (cs.eval(&lo), cs.eval(&x)) {
                (Some(l), Some(xv)) => Some(l * (-b - xv)),
                _ => None,
            })?;
            cs.enforce(lo, LinearCombination::constant(-b) - x.clone(), t_lo.into());
            Ok(x + t_hi + t_lo)
        })
    }

    /// Native twin of [`clip()`].
    pub fn clip_native(x: i64, bound: u64) -> i64 {
        let b = bound as i64;
        x.clamp(-b, b)
    }
}

/// Packing small values into field elements.
pub mod pack {
    use super::*;

    /// Packs values known to lie in [0, 2^w) into sum_i 2^(w*i) x_i. The
    /// caller guarantees the ranges (e.g. by range checks) and that
    /// `w * xs.len() <= 252`, so packing is injective. No constraints.
    pub fn pack(xs: &[LinearCombination], w: usize) -> Result<LinearCombination, SynthesisError> {
        if w * xs.len() > 252 {
            return Err(SynthesisError::InvalidParameter(format!(
                "{} values of {w} bits exceed 252 bits",
                xs.len()
            )));
        }
        let mut acc = LinearCombination::zero();
        for (i, x) in xs.iter().enumerate() {
            acc += x.clone() * pow2((w * i) as u32);
        }
        Ok(acc)
    }

    /// Packs signed values in [-2^(w-1), 2^(w-1)) by offsetting each by
    /// 2^(w-1) first.
    pub fn pack_signed(
        xs: &[LinearCombination],
        w: usize,
    ) -> Result<LinearCombination, SynthesisError> {
        let shifted: Vec<LinearCombination> =
            xs.iter().map(|x| x.clone() + pow2(w as u32 - 1)).collect();
        pack(&shifted, w)
    }

    /// Native twin of [`pack_signed`] (values must be in range).
    pub fn pack_signed_native(xs: &[i64], w: usize) -> Fr {
        let mut acc = Fr::ZERO;
        for (i, &x) in xs.iter().enumerate() {
            acc += (crate::field::from_i64(x) + pow2(w as u32 - 1)) * pow2((w * i) as u32);
        }
        acc
    }

    /// How many w-bit values fit in one field element (252 usable bits).
    pub fn per_element(w: usize) -> usize {
        252 / w
    }
}

/// Polynomial evaluation.
pub mod horner {
    use super::*;

    /// Returns sum_j v_j * rho^j for a variable point rho, by Horner's rule
    /// from the top coefficient (d - 1 constraints for d coefficients).
    pub fn horner<CS: ConstraintSystem + ?Sized>(
        cs: &mut CS,
        coeffs: &[LinearCombination],
        rho: LinearCombination,
    ) -> Result<LinearCombination, SynthesisError> {
        namespaced(cs, "horner", |cs| {
            let Some((last, rest)) = coeffs.split_last() else {
                return Ok(LinearCombination::zero());
            };
            let mut acc = last.clone();
            for c in rest.iter().rev() {
                let v = match (cs.eval(&acc), cs.eval(&rho)) {
                    (Some(a), Some(r)) => Some(a * r),
                    _ => None,
                };
                let t = cs.alloc(v)?;
                cs.enforce(acc, rho.clone(), t.into());
                acc = LinearCombination::from(t) + c.clone();
            }
            Ok(acc)
        })
    }

    /// Native twin of [`horner()`].
    pub fn horner_native(coeffs: &[Fr], rho: &Fr) -> Fr {
        coeffs.iter().rev().fold(Fr::ZERO, |acc, c| acc * rho + c)
    }
}

#[cfg(test)]
mod tests;
