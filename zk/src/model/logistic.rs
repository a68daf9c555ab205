//! Binary logistic regression with the hard sigmoid
//! sigma(z) = clamp(1/2 + z/4, 0, 1), evaluated with exact floor semantics.

use super::config::{bitlen, TrainConfig, Widths};
use super::dataset::LabelKind;
use super::Model;
use crate::error::SynthesisError;
use crate::field::pow2;
use crate::r1cs::{ConstraintSystem, LinearCombination};
use serde::{Deserialize, Serialize};

/// Binary logistic regression (labels 0/1) with the hard sigmoid.
///
/// Residual (scale 2^F_w): u = floor(acc / 2^(F_x + 2)) (that is, z/4 with
/// z = acc / 2^F_x), s = clamp(u + 2^(F_w - 1), 0, 2^F_w) (the hard sigmoid
/// of z), e = s - y 2^F_w. |e| <= 2^F_w.
///
/// Circuit: one bit decomposition of T = acc + 2^(p-1) + 2^(p+k-1),
/// p = F_x + 2 + F_w, into p + k bits: the low F_x + 2 bits are the
/// truncation remainder, the next F_w bits are lo, the top k bits are
/// hi + 2^(k-1), so that u + 2^(F_w - 1) = hi 2^F_w + lo. Then
/// s = \[hi = 0\] lo + \[hi > 0\] 2^F_w, with \[hi < 0\] = 1 - (top bit),
/// \[hi = 0\] from an is-zero gadget (2) and the product \[hi = 0\] lo (1).
/// k is the least width with A + 2^(p-1) < 2^(p+k-1), so every honest acc
/// fits, and the decomposition range-checks acc. Cost p + k + 3.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LogisticRegression;

impl LogisticRegression {
    /// (shift, p, k) of the decomposition.
    fn layout(cfg: &TrainConfig, w: &Widths) -> (u32, u32, u32) {
        let sh = cfg.data_format.frac_bits + 2;
        let p = sh + cfg.model_format.frac_bits;
        let k = (bitlen(w.acc_bound + (1u128 << (p - 1))) + 1)
            .saturating_sub(p)
            .max(1);
        (sh, p, k)
    }

    /// The hard sigmoid at scale 2^F_w of the accumulator acc (scale
    /// 2^(F_w + F_x)): clamp(floor(acc / 2^(F_x + 2)) + 2^(F_w - 1), 0, 2^F_w).
    pub fn hard_sigmoid(cfg: &TrainConfig, acc: i128) -> i128 {
        let fw = cfg.model_format.frac_bits;
        let u = acc >> (cfg.data_format.frac_bits + 2);
        (u + (1i128 << (fw - 1))).clamp(0, 1i128 << fw)
    }
}

impl Model for LogisticRegression {
    fn name(&self) -> &'static str {
        "logistic-hard-sigmoid"
    }

    fn label_kind(&self) -> LabelKind {
        LabelKind::Binary
    }

    fn residual_bound(&self, cfg: &TrainConfig, _w: &Widths) -> u128 {
        1u128 << cfg.model_format.frac_bits
    }

    fn residual(&self, cfg: &TrainConfig, _w: &Widths, acc: i128, label: i64) -> i128 {
        Self::hard_sigmoid(cfg, acc) - ((label as i128) << cfg.model_format.frac_bits)
    }

    fn residual_gadget<CS: ConstraintSystem + ?Sized>(
        &self,
        cs: &mut CS,
        cfg: &TrainConfig,
        w: &Widths,
        acc: LinearCombination,
        label: LinearCombination,
    ) -> Result<LinearCombination, SynthesisError> {
        let fw = cfg.model_format.frac_bits;
        let (sh, p, k) = Self::layout(cfg, w);
        let t = acc + pow2(p - 1) + pow2(p + k - 1);
        let bs = crate::gadgets::bits::decompose(cs, t, (p + k) as usize)?;
        let lo = crate::gadgets::bits::recompose_from(&bs[sh as usize..p as usize], 0);
        let hi = crate::gadgets::bits::recompose_from(&bs[p as usize..], 0) - pow2(k - 1);
        let neg = LinearCombination::one() - bs[(p + k - 1) as usize].clone();
        let iz = super::gadgets::is_zero(cs, hi)?;
        let prod = cs.alloc(match (cs.value(iz), cs.eval(&lo)) {
            (Some(a), Some(b)) => Some(a * b),
            _ => None,
        })?;
        cs.enforce(iz.into(), lo, prod.into());
        let pos = LinearCombination::one() - neg - iz;
        let s = LinearCombination::from(prod) + pos * pow2(fw);
        Ok(s - label * pow2(fw))
    }

    fn predict(&self, cfg: &TrainConfig, weights: &[i64], row: &[i64]) -> i64 {
        Self::hard_sigmoid(cfg, super::glm::accumulate(cfg, weights, row)) as i64
    }

    fn classify(&self, cfg: &TrainConfig, weights: &[i64], row: &[i64]) -> i64 {
        (super::glm::accumulate(cfg, weights, row) >= 0) as i64
    }
}
