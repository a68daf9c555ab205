//! Gadgets used by the training step that the shared gadget library does not
//! have: an is-zero test and a floor division by a variable divisor n * 2^s.
//! Each has a native twin. Not audited.

use crate::error::SynthesisError;
use crate::field::{from_i128, pow2, to_i128, Fr};
use crate::gadgets::range;
use crate::r1cs::{namespaced, ConstraintSystem, LinearCombination, Variable};

/// Returns a bit that is 1 iff x = 0 (2 constraints): witnesses iz and inv
/// with x * inv = 1 - iz and x * iz = 0. If x != 0 the second forces iz = 0
/// and the first then holds with inv = 1/x; if x = 0 the first forces iz = 1.
pub fn is_zero<CS: ConstraintSystem + ?Sized>(
    cs: &mut CS,
    x: LinearCombination,
) -> Result<Variable, SynthesisError> {
    namespaced(cs, "is_zero", |cs| {
        let xv = cs.eval(&x);
        let iz = cs.alloc(xv.map(|v| if v == Fr::ZERO { Fr::ONE } else { Fr::ZERO }))?;
        let inv = cs.alloc(xv.map(|v| if v == Fr::ZERO { Fr::ZERO } else { v.invert() }))?;
        cs.enforce(x.clone(), inv.into(), LinearCombination::one() - iz);
        cs.enforce(x, iz.into(), LinearCombination::zero());
        Ok(iz)
    })
}

/// Floor division by a variable divisor: returns q = floor(num / (n 2^s))
/// for an integer n in [1, 2^rem_hi_bits].
///
/// Witnesses q, r_hi and (if s > 0) r_lo, with the remainder
/// r = r_hi 2^s + r_lo. Constraints: q * (n 2^s) = num - r (1), r_lo in
/// [0, 2^s) (s), r_hi in [0, 2^rem_hi_bits) and n - 1 - r_hi in
/// [0, 2^rem_hi_bits) (2 rem_hi_bits); together 0 <= r < n 2^s, which also
/// forces n >= 1. Cost 1 + s + 2 rem_hi_bits.
///
/// **The quotient is not range-checked here**: the caller must bound q (the
/// training step feeds it to [`crate::gadgets::clip::clip`], whose
/// comparisons enforce |q| < 2^(n_q) + B + 1). With q bounded, |num| small and
/// n <= 2^rem_hi_bits, q * n 2^s + r = num holds over the integers (no wrap
/// mod l), so q is the floor quotient. A witness whose values do not lift to
/// small integers is assigned zeros, which fails a constraint (never panics).
pub fn floor_div<CS: ConstraintSystem + ?Sized>(
    cs: &mut CS,
    num: LinearCombination,
    n: LinearCombination,
    s: u32,
    rem_hi_bits: usize,
) -> Result<Variable, SynthesisError> {
    if s > 64 || rem_hi_bits == 0 || rem_hi_bits > 64 {
        return Err(SynthesisError::InvalidParameter(format!(
            "floor_div shift {s} / remainder width {rem_hi_bits} unsupported"
        )));
    }
    namespaced(cs, "floor_div", |cs| {
        let vals = match (cs.eval(&num), cs.eval(&n)) {
            (Some(a), Some(b)) => Some(match (to_i128(&a), to_i128(&b)) {
                (Some(a), Some(b))
                    if (1..=(1i128 << 40)).contains(&b) && a.unsigned_abs() < (1u128 << 125) =>
                {
                    let (q, r) = floor_div_native(a, b as u128, s);
                    (q, r >> s, r & ((1i128 << s) - 1))
                }
                _ => (0, 0, 0),
            }),
            _ => None,
        };
        let q = cs.alloc(vals.map(|v| from_i128(v.0)))?;
        let r_hi = cs.alloc(vals.map(|v| from_i128(v.1)))?;
        let mut rem = LinearCombination::from(r_hi) * pow2(s);
        let r_lo = if s > 0 {
            let r_lo = cs.alloc(vals.map(|v| from_i128(v.2)))?;
            rem = rem + r_lo;
            Some(r_lo)
        } else {
            None
        };
        cs.enforce(q.into(), n.clone() * pow2(s), num - rem);
        if let Some(r_lo) = r_lo {
            range::unsigned(cs, r_lo.into(), s as usize)?;
        }
        range::unsigned(cs, r_hi.into(), rem_hi_bits)?;
        range::unsigned(cs, n - Fr::ONE - r_hi, rem_hi_bits)?;
        Ok(q)
    })
}

/// Native twin of [`floor_div`]: (q, r) with q = floor(num / (n 2^s)) and
/// r = num - q n 2^s in [0, n 2^s). Requires n >= 1 and |num| < 2^125,
/// n 2^s < 2^125.
pub fn floor_div_native(num: i128, n: u128, s: u32) -> (i128, i128) {
    let d = (n as i128) << s;
    let q = num.div_euclid(d);
    (q, num - q * d)
}
