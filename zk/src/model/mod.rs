//! Models with a native fixed-point face and a circuit face, and the
//! provider relation R_train.
//!
//! # The relation (PROTOCOL.md, "Round t", provider step)
//!
//! R_train, with public inputs **(w_t, c_D, h, rho, y)** in that order
//! (w_t as d = f + 1 field elements, bias last; see
//! [`TrainStatement::public_inputs`]) and witness (D, k, Delta, beta, salt,
//! auxiliaries), holds iff
//!
//! 1. every w_t,j is a W-bit signed integer;
//! 2. c_D = Sponge("data", pack(D), k) ([`commit_data`]): D is N padded rows
//!    of f B_x-bit features, N labels and N mask bits (real rows first);
//! 3. Delta = Clip_B(TrainStep(w_t, D)) exactly as [`Model::train_step`]
//!    computes it (arithmetic below);
//! 4. h = Poseidon-hash("zkagg/update/v2", pack(Delta), beta, salt) ([`update_hash`], [`crate::update`]);
//! 5. y = sum_{j<d} Delta_j rho^j + beta rho^d (Horner over Delta || beta).
//!
//! [`TrainCircuit`] is the circuit; all providers of a consortium (one
//! [`TrainConfig`]) prove against one shape, so one SNARK preprocessing and
//! one verifying key serve them all. A shard with n <= N rows is padded with
//! N - n masked rows: the mask bits m_i are committed in c_D, m_i = 1 for
//! i < n and 0 after (enforced: m_i boolean and m_i (1 - m_{i-1}) = 0), a
//! masked row's residual is multiplied by 0, and n = sum m_i is never
//! revealed. Padding rows are zero in an honest commitment; the circuit does
//! not need them to be.
//!
//! # Fixed-point arithmetic (normative; both faces)
//!
//! Formats (from [`TrainConfig`]): features x_ij in Q(F_x) as B_x-bit
//! signed integers; binary labels y_i in {0, 1} (logistic) or labels in the
//! feature format (linear); weights w_j and update coordinates in Q(F_w) as
//! W-bit signed integers; learning rate lr = lr_num / 2^(F_lr); clip bound B
//! (an integer at scale 2^F_w). All values are integers; "floor" is exact
//! floor division (toward minus infinity). For the n real rows:
//!
//! 1. **Forward**: acc_i = sum_{j<f} w_j x_ij + w_f 2^F_x, exact, at scale
//!    2^(F_w + F_x) (the bias meets the constant feature 1 = 2^F_x). No
//!    truncation per product.
//! 2. **Residual** e_i at scale 2^F_w, one truncation per sample:
//!    - logistic (hard sigmoid sigma(z) = clamp(1/2 + z/4, 0, 1)):
//!      u_i = floor(acc_i / 2^(F_x + 2)), s_i = clamp(u_i + 2^(F_w - 1), 0, 2^F_w),
//!      e_i = s_i - y_i 2^F_w;
//!    - linear (squared loss): z_i = floor(acc_i / 2^F_x),
//!      e_i = z_i - y_i 2^(F_w - F_x).
//! 3. **Backward**: G_j = sum_i e_i x_ij for j < f and G_f = sum_i e_i 2^F_x,
//!    exact, at scale 2^(F_w + F_x).
//! 4. **Step and division by n**, one floor per coordinate:
//!    q_j = floor(-lr_num G_j / (n 2^(F_lr + F_x))); in-circuit the quotient
//!    is a witness with remainder r = q_j n 2^s - (-lr_num G_j) checked in
//!    [0, n 2^s), s = F_lr + F_x (as r = r_hi 2^s + r_lo with r_lo in
//!    [0, 2^s) and 0 <= r_hi <= n - 1; this also forces n >= 1).
//! 5. **Clip**: Delta_j = clamp(q_j, -B, B).
//!
//! So Delta ~ -lr (1/n) sum_i e_i x_i, the FedSGD step for the hard-sigmoid
//! cross-entropy surrogate (logistic) or the mean squared error (linear).
//! [`apply_mean_update`] is the plaintext run's model update,
//! w_{t+1} = clamp(w_t + floor(sum Delta / k), W bits) over k providers.
//!
//! Bit widths are derived from the configuration ([`TrainConfig::widths`]):
//! A = f 2^(W-1) 2^(B_x-1) + 2^(W-1) 2^F_x bounds |acc_i| for all in-range
//! weights and data, so no honest step can fail a range check, and every
//! intermediate stays below 2^125, far from l/2, so field arithmetic is
//! integer arithmetic. The residual's single bit decomposition is also the
//! range check that makes its truncation sound; the floor division's
//! quotient is bounded by the clip gadget's comparisons.
//!
//! The Breast Cancer configuration ([`TrainConfig::breast_cancer`]):
//! features Q4.4 (B_x = 8, F_x = 4, range [-8, 8)), weights Q12 in W = 20
//! bits, lr = 1 (lr_num = 1, F_lr = 0), B = 1024 (0.25).
//!
//! # Packing
//!
//! Data message (before the salt): the N f features row-major, padded rows
//! zero, `pack_signed` at width B_x, floor(252 / B_x) per element; the N
//! labels, width 1 unsigned, 252 per element (linear: `pack_signed` at
//! width B_x); the N mask bits, width 1, 252 per element. Update message:
//! Delta `pack_signed` at width b = bitlen(B) + 1, floor(252 / b) per
//! element, then beta, then salt. The data message goes through the Poseidon
//! width-5 sponge ([`crate::poseidon::Sponge`]) with label [`DATA_DOMAIN`]
//! ("data"); the update message through the fixed-length update hash of
//! [`crate::update`] (label "zkagg/update/v2", width 9). Every packed value is range-checked in the
//! circuit (features, labels, masks directly; Delta by the clip), so
//! packing is injective.
//!
//! # Cost (R1CS constraints, [`constraint_table`])
//!
//! | scope | constraints | N = 91, f = 30, Q4.4 | Q3.2 |
//! |---|---|---|---|
//! | `weights_range` | d W | 620 | 620 |
//! | `data_range` | N f B_x | 21,840 | 13,650 |
//! | `labels` | N (binary), N B_x (fixed) | 91 | 91 |
//! | `mask` | 2N - 1 | 181 | 181 |
//! | `data_commit` | 325 ceil((M + 1) / 4) - 3 + 1, M = packed elements + salt | 7,798 | 4,873 |
//! | `train_step/forward` | N f | 2,730 | 2,730 |
//! | `train_step/activation` | N (F_x + 2 + F_w + k + 3) logistic, N (F_x + k) linear | 3,185 | 2,912 |
//! | `train_step/mask_mul` | N | 91 | 91 |
//! | `train_step/backward` | N f | 2,730 | 2,730 |
//! | `train_step/divide` | d (1 + s + 2 max(1, bitlen(N - 1))) | 589 | 527 |
//! | `train_step/clip` | d (2 (n_q + 1) + 2) | 1,178 | 1,116 |
//! | `update_eq` | d | 31 | 31 |
//! | `update_hash` | one width-9 permutation (5 constant first-round S-boxes) + 1 | 423 | 423 |
//! | `linear_form` | d + 1 | 32 | 32 |
//! | **total** (logistic) | | **41,519** | **30,007** |
//!
//! Q4.4 is [`TrainConfig::breast_cancer`] (k = 14, n_q = 17; 41,214
//! witnesses; Spartan pads to 2^16), Q3.2 is
//! [`TrainConfig::breast_cancer_compact`] (k = 13, n_q = 16; 29,702
//! witnesses; padded to 2^15). Linear regression with Q4.4 needs 42,813
//! (labels 728, activation 2,912, clip 2,108). n_q is the clip gadget's
//! input width, the least n with |q_j| < 2^(n-1) for every in-range input.
//!
//! # Threat model
//!
//! The prover (a provider) may be malicious: a satisfying witness exists
//! only for an update that is the clipped step on the data committed at
//! registration, and c_D and h bind (Poseidon collision resistance) before
//! rho is drawn. The verifier learns only the public inputs: c_D and h are
//! hiding given uniform salts (Poseidon modelled as a random oracle), y is
//! masked by the uniform beta, and the Spartan NIZK/SNARK is zero-knowledge.
//! Out of scope: whether the committed data is genuine (poisoning at
//! registration), and leakage through the released aggregate. The public
//! weights are range-checked in-circuit, so R_train is defined for any
//! public input. **Not audited.**

mod commit;
mod config;
mod dataset;
mod error;
pub mod gadgets;
pub mod glm;
mod linear;
mod logistic;
mod relation;

pub use commit::{
    check_update, commit_data, commit_data_gadget, data_message, evaluate_update,
    pack_unsigned_native, update_hash, update_hash_gadget, update_vector, DATA_DOMAIN,
};
pub use config::{LearningRate, TrainConfig, Widths};
pub use dataset::{Dataset, LabelKind};
pub use error::ModelError;
pub use glm::RowVars;
pub use linear::LinearRegression;
pub use logistic::LogisticRegression;
pub use relation::{
    random_scalar, synthetic_logistic_circuit, DataOpening, TrainCircuit, TrainStatement,
    TrainWitness, UpdateOpening,
};

use crate::error::SynthesisError;
use crate::r1cs::{Circuit, ConstraintCounter, ConstraintSystem, LinearCombination};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A model trained by one full-batch gradient step per round, with two faces
/// that agree bit for bit: [`Model::train_step`] (native fixed point) and
/// [`Model::train_step_gadget`] (R1CS over the zk gadgets).
///
/// An implementation supplies the per-sample residual e_i (scale 2^F_w)
/// from the accumulator acc_i = sum_j w_j x_ij + w_f 2^F_x (scale
/// 2^(F_w + F_x)) in both faces; the provided methods build the step (forward
/// pass, masking, backward pass, division by n, clipping) around it. A model
/// whose step is not of this generalised-linear form overrides the two step
/// methods. The conformance test `zk/tests/train_props.rs` checks both faces
/// agree on random inputs for every model it lists.
pub trait Model: Clone + core::fmt::Debug + Send + Sync {
    /// A short stable name.
    fn name(&self) -> &'static str;

    /// How labels are encoded (and range-checked in the circuit).
    fn label_kind(&self) -> LabelKind;

    /// A bound on |e_i| over all in-range weights, features and labels.
    fn residual_bound(&self, cfg: &TrainConfig, widths: &Widths) -> u128;

    /// The residual e_i (scale 2^F_w) of a sample with accumulator `acc`.
    fn residual(&self, cfg: &TrainConfig, widths: &Widths, acc: i128, label: i64) -> i128;

    /// The circuit twin of [`Model::residual`]. Must range-check `acc` as
    /// far as its own soundness needs (the accumulator is a sum of products
    /// of range-checked values, bounded by `widths.acc_bound`).
    fn residual_gadget<CS: ConstraintSystem + ?Sized>(
        &self,
        cs: &mut CS,
        cfg: &TrainConfig,
        widths: &Widths,
        acc: LinearCombination,
        label: LinearCombination,
    ) -> Result<LinearCombination, SynthesisError>;

    /// The model's output on one row (scale 2^F_w): the hard-sigmoid
    /// probability or the regression value.
    fn predict(&self, cfg: &TrainConfig, weights: &[i64], row: &[i64]) -> i64;

    /// The predicted label (0/1 for a classifier, the value for regression).
    fn classify(&self, cfg: &TrainConfig, weights: &[i64], row: &[i64]) -> i64;

    /// The native training step: the clipped update Delta (d coordinates,
    /// scale 2^F_w) of one full-batch step on `data` from `weights`.
    fn train_step(
        &self,
        cfg: &TrainConfig,
        weights: &[i64],
        data: &Dataset,
    ) -> Result<Vec<i64>, ModelError> {
        glm::step_native(self, cfg, weights, data)
    }

    /// The circuit face of [`Model::train_step`] over N padded rows.
    fn train_step_gadget<CS: ConstraintSystem + ?Sized>(
        &self,
        cs: &mut CS,
        cfg: &TrainConfig,
        weights: &[LinearCombination],
        rows: &[RowVars],
    ) -> Result<Vec<LinearCombination>, SynthesisError> {
        glm::step_gadget(self, cs, cfg, weights, rows)
    }
}

/// The models zkagg ships, as one type for configuration files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ModelKind {
    /// [`LogisticRegression`].
    Logistic,
    /// [`LinearRegression`].
    Linear,
}

impl Model for ModelKind {
    fn name(&self) -> &'static str {
        match self {
            ModelKind::Logistic => LogisticRegression.name(),
            ModelKind::Linear => LinearRegression.name(),
        }
    }

    fn label_kind(&self) -> LabelKind {
        match self {
            ModelKind::Logistic => LogisticRegression.label_kind(),
            ModelKind::Linear => LinearRegression.label_kind(),
        }
    }

    fn residual_bound(&self, cfg: &TrainConfig, widths: &Widths) -> u128 {
        match self {
            ModelKind::Logistic => LogisticRegression.residual_bound(cfg, widths),
            ModelKind::Linear => LinearRegression.residual_bound(cfg, widths),
        }
    }

    fn residual(&self, cfg: &TrainConfig, widths: &Widths, acc: i128, label: i64) -> i128 {
        match self {
            ModelKind::Logistic => LogisticRegression.residual(cfg, widths, acc, label),
            ModelKind::Linear => LinearRegression.residual(cfg, widths, acc, label),
        }
    }

    fn residual_gadget<CS: ConstraintSystem + ?Sized>(
        &self,
        cs: &mut CS,
        cfg: &TrainConfig,
        widths: &Widths,
        acc: LinearCombination,
        label: LinearCombination,
    ) -> Result<LinearCombination, SynthesisError> {
        match self {
            ModelKind::Logistic => LogisticRegression.residual_gadget(cs, cfg, widths, acc, label),
            ModelKind::Linear => LinearRegression.residual_gadget(cs, cfg, widths, acc, label),
        }
    }

    fn predict(&self, cfg: &TrainConfig, weights: &[i64], row: &[i64]) -> i64 {
        match self {
            ModelKind::Logistic => LogisticRegression.predict(cfg, weights, row),
            ModelKind::Linear => LinearRegression.predict(cfg, weights, row),
        }
    }

    fn classify(&self, cfg: &TrainConfig, weights: &[i64], row: &[i64]) -> i64 {
        match self {
            ModelKind::Logistic => LogisticRegression.classify(cfg, weights, row),
            ModelKind::Linear => LinearRegression.classify(cfg, weights, row),
        }
    }
}

/// The reference FedSGD update of the plaintext run: w_{t+1,j} =
/// clamp(w_j + floor(S_j / k), min_W, max_W) for the sum S of the k accepted
/// updates. (The protocol's public Update function is specified in SPEC.md;
/// this is the rule the plaintext example and its test use.)
pub fn apply_mean_update(
    cfg: &TrainConfig,
    weights: &[i64],
    sum: &[i128],
    accepted: usize,
) -> Result<Vec<i64>, ModelError> {
    glm::check_weights(cfg, weights)?;
    if sum.len() != weights.len() {
        return Err(ModelError::WrongLength {
            what: "update sum",
            expected: weights.len(),
            got: sum.len(),
        });
    }
    if accepted == 0 {
        return Err(ModelError::EmptyDataset);
    }
    let (min, max) = (
        cfg.model_format.min_int() as i128,
        cfg.model_format.max_int() as i128,
    );
    Ok(weights
        .iter()
        .zip(sum)
        .map(|(&w, &s)| (w as i128 + s.div_euclid(accepted as i128)).clamp(min, max) as i64)
        .collect())
}

/// One row of [`constraint_table`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConstraintRow {
    /// The gadget scope (top level, or `train_step/<part>`).
    pub scope: String,
    /// Constraints in the scope (nested scopes included).
    pub constraints: usize,
    /// Witness variables allocated in the scope.
    pub witnesses: usize,
}

/// Constraints of R_train per top-level gadget scope (the training step
/// split one level further), from the [`ConstraintCounter`] backend, plus
/// the full counter for finer paths.
pub fn constraint_table<M: Model>(
    cfg: &TrainConfig,
    model: M,
) -> Result<(Vec<ConstraintRow>, ConstraintCounter), crate::ProofError> {
    let circuit = TrainCircuit::shape(cfg.clone(), model)
        .map_err(|e| SynthesisError::InvalidParameter(e.to_string()))?;
    let mut cc = ConstraintCounter::new();
    circuit.synthesize(&mut cc)?;
    let mut agg: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (path, c) in cc.by_gadget() {
        let mut parts = path.split('/');
        let top = parts.next().unwrap_or(path);
        // Split the training step one level further (forward, activation, ..).
        let key = if top == "train_step" {
            match parts.next() {
                Some(sub) => format!("train_step/{sub}"),
                None => top.to_string(),
            }
        } else {
            top.to_string()
        };
        let e = agg.entry(key).or_default();
        e.0 += c.constraints;
        e.1 += c.witnesses;
    }
    let rows = agg
        .into_iter()
        .map(|(scope, (constraints, witnesses))| ConstraintRow {
            scope,
            constraints,
            witnesses,
        })
        .collect();
    Ok((rows, cc))
}

#[cfg(test)]
mod tests;
