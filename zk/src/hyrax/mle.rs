//! Multilinear extensions over the Boolean hypercube.
//!
//! Convention (as in Spartan): a vector of length 2^n is the table of a
//! multilinear polynomial whose first variable is the most significant bit
//! of the index, so `eq_table(r)[i] = prod_k (r_k i_k + (1 - r_k)(1 - i_k))`
//! with i_0 the top bit of i.

use crate::fe::Fe;
use crate::field::Fr;
use rayon::prelude::*;

/// The table eq(r, i) for all i in {0,1}^n, n = r.len() (2^n - 1 multiplications).
pub fn eq_table(r: &[Fr]) -> Vec<Fr> {
    let mut t = Vec::with_capacity(1 << r.len());
    t.push(Fr::ONE);
    for rk in r {
        let old = std::mem::take(&mut t);
        t.reserve(old.len() * 2);
        for e in old {
            let hi = e * rk;
            t.push(e - hi);
            t.push(hi);
        }
    }
    t
}

/// [`eq_table`] in Montgomery form, the last levels in parallel.
pub fn eq_table_fe(r: &[Fr]) -> Vec<Fe> {
    let r: Vec<Fe> = r.iter().map(Fe::from_fr).collect();
    let mut t = vec![Fe::ZERO; 1 << r.len()];
    t[0] = Fe::ONE;
    let mut len = 1;
    for rk in &r {
        // Expand in place from the back: t[2i] = t[i](1 - r), t[2i+1] = t[i] r.
        if len >= 1 << 14 {
            let (src, dst) = {
                let old: Vec<Fe> = t[..len].to_vec();
                (old, &mut t[..2 * len])
            };
            dst.par_chunks_mut(2)
                .zip(src.par_iter())
                .for_each(|(d, e)| {
                    let hi = *e * *rk;
                    d[0] = *e - hi;
                    d[1] = hi;
                });
        } else {
            for i in (0..len).rev() {
                let e = t[i];
                let hi = e * *rk;
                t[2 * i] = e - hi;
                t[2 * i + 1] = hi;
            }
        }
        len *= 2;
    }
    t
}

/// The multilinear extension of `evals` (zero-padded to 2^n) at r, folding
/// in Montgomery form (the first fold in parallel).
pub fn evaluate_fast(evals: &[Fr], r: &[Fr]) -> Fr {
    let n = r.len();
    let size = 1usize << n;
    if evals.len() > size {
        return evaluate(evals, r);
    }
    let Some((r0, rest)) = r.split_first() else {
        return evals.first().copied().unwrap_or(Fr::ZERO);
    };
    let half = size / 2;
    let r0 = Fe::from_fr(r0);
    let conv = |i: usize| evals.get(i).map(Fe::from_fr).unwrap_or(Fe::ZERO);
    let mut cur: Vec<Fe> = (0..half)
        .into_par_iter()
        .with_min_len(4096)
        .map(|i| {
            let lo = conv(i);
            lo + r0 * (conv(i + half) - lo)
        })
        .collect();
    for rk in rest {
        let rk = Fe::from_fr(rk);
        let h = cur.len() / 2;
        let (lo, hi) = cur.split_at_mut(h);
        lo.par_iter_mut()
            .with_min_len(4096)
            .zip(hi.par_iter())
            .for_each(|(l, hv)| *l += rk * (*hv - *l));
        cur.truncate(h);
    }
    cur[0].to_fr()
}

/// The multilinear extension of a Montgomery-form table (zero-padded to
/// 2^n) at r, folding in place (in parallel).
pub fn evaluate_fe(evals: &[Fe], r: &[Fr]) -> Fr {
    let mut cur: Vec<Fe> = evals.to_vec();
    cur.resize(1 << r.len(), Fe::ZERO);
    for rk in r {
        let rk = Fe::from_fr(rk);
        let h = cur.len() / 2;
        let (lo, hi) = cur.split_at_mut(h);
        lo.par_iter_mut()
            .with_min_len(4096)
            .zip(hi.par_iter())
            .for_each(|(l, hv)| *l += rk * (*hv - *l));
        cur.truncate(h);
    }
    cur.first().map(Fe::to_fr).unwrap_or(Fr::ZERO)
}

/// eq(r, i) for one index i (n multiplications).
pub fn eq_at(r: &[Fr], i: usize) -> Fr {
    let n = r.len();
    let mut acc = Fr::ONE;
    for (k, rk) in r.iter().enumerate() {
        let bit = (i >> (n - 1 - k)) & 1 == 1;
        acc *= if bit { *rk } else { Fr::ONE - rk };
    }
    acc
}

/// eq(a, b) for two points of the same length.
pub fn eq_eval(a: &[Fr], b: &[Fr]) -> Fr {
    a.iter()
        .zip(b)
        .map(|(x, y)| *x * y + (Fr::ONE - x) * (Fr::ONE - y))
        .product()
}

/// The multilinear extension of `evals` (zero-padded to 2^n, n = r.len())
/// at r, by folding (the dense reference evaluator).
pub fn evaluate(evals: &[Fr], r: &[Fr]) -> Fr {
    let n = r.len();
    let mut cur: Vec<Fr> = evals.to_vec();
    cur.resize(1 << n, Fr::ZERO);
    for rk in r {
        let half = cur.len() / 2;
        for i in 0..half {
            let lo = cur[i];
            let hi = cur[i + half];
            cur[i] = lo + *rk * (hi - lo);
        }
        cur.truncate(half);
    }
    cur[0]
}

/// Inner product of two slices (over the shorter length).
pub fn dot(a: &[Fr], b: &[Fr]) -> Fr {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha20Rng;

    #[test]
    fn table_point_and_fold_agree() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let r: Vec<Fr> = (0..5).map(|_| Fr::random(&mut rng)).collect();
        let t = eq_table(&r);
        assert_eq!(t.len(), 32);
        assert_eq!(t.iter().sum::<Fr>(), Fr::ONE);
        for (i, ti) in t.iter().enumerate() {
            assert_eq!(*ti, eq_at(&r, i));
        }
        let v: Vec<Fr> = (0..29).map(|_| Fr::random(&mut rng)).collect();
        assert_eq!(evaluate(&v, &r), dot(&v, &t));
        assert_eq!(evaluate_fast(&v, &r), evaluate(&v, &r));
        assert_eq!(evaluate_fe(&crate::fe::to_fe(&v), &r), evaluate(&v, &r));
        assert_eq!(crate::fe::to_fr(&eq_table_fe(&r)), t);
        let big: Vec<Fr> = (0..1 << 15).map(|_| Fr::random(&mut rng)).collect();
        let r15: Vec<Fr> = (0..15).map(|_| Fr::random(&mut rng)).collect();
        assert_eq!(evaluate_fast(&big, &r15), evaluate(&big, &r15));
        assert_eq!(crate::fe::to_fr(&eq_table_fe(&r15)), eq_table(&r15));
        // On a hypercube point the extension is the table entry.
        let bits: Vec<Fr> = [1u8, 0, 1, 1, 0].iter().map(|&b| Fr::from(b)).collect();
        assert_eq!(evaluate(&v, &bits), v[0b10110]);
        assert_eq!(eq_eval(&r, &bits), eq_at(&r, 0b10110));
    }
}
