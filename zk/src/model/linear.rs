//! Linear regression with squared loss.

use super::config::{bitlen, TrainConfig, Widths};
use super::dataset::LabelKind;
use super::Model;
use crate::error::SynthesisError;
use crate::field::pow2;
use crate::r1cs::{ConstraintSystem, LinearCombination};
use serde::{Deserialize, Serialize};

/// Linear regression with the squared loss (1/2n) sum (z_i - y_i)^2, labels
/// in the data format (scale 2^F_x).
///
/// Residual (scale 2^F_w): z = floor(acc / 2^F_x), e = z - y 2^(F_w - F_x).
///
/// Circuit: one bit decomposition of T = acc + 2^(F_x + k - 1) into F_x + k
/// bits; the top k bits are z + 2^(k-1). k is the least width with
/// A < 2^(F_x + k - 1), so every honest acc fits, and the decomposition
/// range-checks acc. Cost F_x + k.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LinearRegression;

impl LinearRegression {
    fn k(cfg: &TrainConfig, w: &Widths) -> u32 {
        (bitlen(w.acc_bound) + 1)
            .saturating_sub(cfg.data_format.frac_bits)
            .max(1)
    }
}

impl Model for LinearRegression {
    fn name(&self) -> &'static str {
        "linear-squared-loss"
    }

    fn label_kind(&self) -> LabelKind {
        LabelKind::Fixed
    }

    fn residual_bound(&self, cfg: &TrainConfig, w: &Widths) -> u128 {
        let shift = cfg.model_format.frac_bits - cfg.data_format.frac_bits;
        (1u128 << (Self::k(cfg, w) - 1)) + (w.x_bound << shift)
    }

    fn residual(&self, cfg: &TrainConfig, _w: &Widths, acc: i128, label: i64) -> i128 {
        let shift = cfg.model_format.frac_bits - cfg.data_format.frac_bits;
        (acc >> cfg.data_format.frac_bits) - ((label as i128) << shift)
    }

    fn residual_gadget<CS: ConstraintSystem + ?Sized>(
        &self,
        cs: &mut CS,
        cfg: &TrainConfig,
        w: &Widths,
        acc: LinearCombination,
        label: LinearCombination,
    ) -> Result<LinearCombination, SynthesisError> {
        let sh = cfg.data_format.frac_bits;
        let k = Self::k(cfg, w);
        let bs = crate::gadgets::bits::decompose(cs, acc + pow2(sh + k - 1), (sh + k) as usize)?;
        let z = crate::gadgets::bits::recompose_from(&bs[sh as usize..], 0) - pow2(k - 1);
        Ok(z - label * pow2(cfg.model_format.frac_bits - sh))
    }

    fn predict(&self, cfg: &TrainConfig, weights: &[i64], row: &[i64]) -> i64 {
        (super::glm::accumulate(cfg, weights, row) >> cfg.data_format.frac_bits) as i64
    }

    fn classify(&self, cfg: &TrainConfig, weights: &[i64], row: &[i64]) -> i64 {
        self.predict(cfg, weights, row)
    }
}
