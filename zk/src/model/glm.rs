//! The training step shared by the generalised linear models: forward pass,
//! model residual, masked backward pass, floor division by the sample count,
//! clipping. Native face [`step_native`] and circuit face [`step_gadget`];
//! both follow the arithmetic of the module docs ("Fixed-point arithmetic").

use super::config::{TrainConfig, Widths};
use super::dataset::Dataset;
use super::error::ModelError;
use super::gadgets::{floor_div, floor_div_native};
use super::Model;
use crate::error::SynthesisError;
use crate::field::{from_i64, pow2, Fr};
use crate::gadgets::clip;
use crate::r1cs::{namespaced, ConstraintSystem, LinearCombination, Variable};

/// The circuit variables of one (possibly padded) data row.
#[derive(Clone, Debug)]
pub struct RowVars {
    /// The f features x_i0..x_i(f-1), range-checked by the caller.
    pub x: Vec<Variable>,
    /// The label, range-checked by the caller.
    pub label: Variable,
    /// The mask bit m_i (1 = real row), boolean-checked by the caller.
    pub mask: Variable,
}

/// Checks the weights against the configuration: d entries, each in the
/// W-bit signed range.
pub fn check_weights(cfg: &TrainConfig, weights: &[i64]) -> Result<(), ModelError> {
    if weights.len() != cfg.dim() {
        return Err(ModelError::WrongLength {
            what: "weights",
            expected: cfg.dim(),
            got: weights.len(),
        });
    }
    let (min, max) = (cfg.model_format.min_int(), cfg.model_format.max_int());
    for (index, &value) in weights.iter().enumerate() {
        if value < min || value > max {
            return Err(ModelError::OutOfRange {
                what: "weights",
                index,
                value,
                min,
                max,
            });
        }
    }
    Ok(())
}

/// acc = sum_j w_j x_j + w_f 2^F_x (scale 2^(F_w + F_x)).
pub fn accumulate(cfg: &TrainConfig, weights: &[i64], row: &[i64]) -> i128 {
    let f = cfg.num_features;
    let mut acc = (weights[f] as i128) << cfg.data_format.frac_bits;
    for (w, x) in weights[..f].iter().zip(row) {
        acc += (*w as i128) * (*x as i128);
    }
    acc
}

/// Checks a configuration for a model: widths, and the quotient width
/// (returned) that depends on the model's residual bound.
pub fn checked_widths<M: Model>(
    model: &M,
    cfg: &TrainConfig,
) -> Result<(Widths, usize), ModelError> {
    let w = cfg.widths()?;
    let e_max = model.residual_bound(cfg, &w);
    let q_bits = cfg.quotient_bits(&w, e_max)?;
    Ok((w, q_bits))
}

/// The native training step (see the module docs): Delta_j =
/// clamp(floor(-lr_num G_j / (n 2^(F_lr + F_x))), -B, B) with
/// G_j = sum_i e_i x_ij and e_i the model's residual.
pub fn step_native<M: Model>(
    model: &M,
    cfg: &TrainConfig,
    weights: &[i64],
    data: &Dataset,
) -> Result<Vec<i64>, ModelError> {
    let (wd, _) = checked_widths(model, cfg)?;
    check_weights(cfg, weights)?;
    data.check(cfg, model.label_kind())?;
    let f = cfg.num_features;
    let one = 1i128 << cfg.data_format.frac_bits;
    let mut g = vec![0i128; f + 1];
    for i in 0..data.num_samples() {
        let row = data.row(i);
        let acc = accumulate(cfg, weights, row);
        let e = model.residual(cfg, &wd, acc, data.labels()[i]);
        for (gj, x) in g.iter_mut().zip(row) {
            *gj += e * (*x as i128);
        }
        g[f] += e * one;
    }
    let lr = cfg.learning_rate.num as i128;
    let b = cfg.clip_bound as i64;
    let n = data.num_samples() as u128;
    Ok(g.iter()
        .map(|gj| {
            let (q, _) = floor_div_native(-lr * gj, n, wd.div_shift);
            // |q| < 2^120 by the configuration checks; clamp before narrowing.
            q.clamp(-(b as i128), b as i128) as i64
        })
        .collect())
}

fn synth_err(e: ModelError) -> SynthesisError {
    SynthesisError::InvalidParameter(e.to_string())
}

/// The circuit face of the training step on N padded rows: returns the d
/// clipped update coordinates as linear combinations. The caller supplies
/// range-checked weights, features and labels and boolean masks.
///
/// Per row: f products w_j x_ij ("forward"), the model's residual
/// ("activation"), e_i = m_i e'_i ("mask_mul", 1); per row and feature one
/// product e_i x_ij ("backward"); per coordinate a floor division by
/// n 2^s ("divide") and a clip to [-B, B] ("clip").
pub fn step_gadget<M: Model, CS: ConstraintSystem + ?Sized>(
    model: &M,
    cs: &mut CS,
    cfg: &TrainConfig,
    weights: &[LinearCombination],
    rows: &[RowVars],
) -> Result<Vec<LinearCombination>, SynthesisError> {
    let (wd, q_bits) = checked_widths(model, cfg).map_err(synth_err)?;
    let f = cfg.num_features;
    if weights.len() != f + 1
        || rows.len() != cfg.max_samples
        || rows.iter().any(|r| r.x.len() != f)
    {
        return Err(SynthesisError::InvalidParameter(format!(
            "training step needs {} weights and {} rows of {f} features",
            f + 1,
            cfg.max_samples
        )));
    }
    let one = pow2(cfg.data_format.frac_bits);
    let wv: Vec<Option<Fr>> = weights.iter().map(|w| cs.eval(w)).collect();

    let mut errs: Vec<Variable> = Vec::with_capacity(rows.len());
    for row in rows {
        let acc = namespaced(
            cs,
            "forward",
            |cs| -> Result<LinearCombination, SynthesisError> {
                let mut acc = weights[f].clone() * one;
                for j in 0..f {
                    let p = cs.alloc(match (wv[j], cs.value(row.x[j])) {
                        (Some(a), Some(b)) => Some(a * b),
                        _ => None,
                    })?;
                    cs.enforce(weights[j].clone(), row.x[j].into(), p.into());
                    acc = acc + p;
                }
                Ok(acc)
            },
        )?;
        let e_raw = namespaced(cs, "activation", |cs| {
            model.residual_gadget(cs, cfg, &wd, acc, row.label.into())
        })?;
        let e = namespaced(cs, "mask_mul", |cs| -> Result<Variable, SynthesisError> {
            let v = match (cs.value(row.mask), cs.eval(&e_raw)) {
                (Some(m), Some(e)) => Some(m * e),
                _ => None,
            };
            let e = cs.alloc(v)?;
            cs.enforce(row.mask.into(), e_raw, e.into());
            Ok(e)
        })?;
        errs.push(e);
    }

    let mut g: Vec<LinearCombination> = (0..=f)
        .map(|_| LinearCombination::with_capacity(rows.len()))
        .collect();
    namespaced(cs, "backward", |cs| -> Result<(), SynthesisError> {
        for (row, e) in rows.iter().zip(&errs) {
            let ev = cs.value(*e);
            for (gj, x) in g.iter_mut().zip(&row.x) {
                let t = cs.alloc(match (ev, cs.value(*x)) {
                    (Some(a), Some(b)) => Some(a * b),
                    _ => None,
                })?;
                cs.enforce((*e).into(), (*x).into(), t.into());
                gj.push(t, Fr::ONE);
            }
            g[f].push(*e, one);
        }
        Ok(())
    })?;

    let mut n = LinearCombination::with_capacity(rows.len());
    for r in rows {
        n.push(r.mask, Fr::ONE);
    }
    let neg_lr = -from_i64(cfg.learning_rate.num as i64);
    let mut out = Vec::with_capacity(f + 1);
    for gj in g {
        let q = namespaced(cs, "divide", |cs| {
            floor_div(cs, gj * neg_lr, n.clone(), wd.div_shift, wd.rem_hi_bits)
        })?;
        out.push(clip::clip(cs, q.into(), cfg.clip_bound, q_bits)?);
    }
    Ok(out)
}
