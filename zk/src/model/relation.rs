//! R_train as a [`Circuit`]: the provider's statement, witness and circuit.

use super::commit::{
    commit_data, commit_data_gadget, evaluate_update, update_hash, update_hash_gadget,
};
use super::config::TrainConfig;
use super::dataset::{Dataset, LabelKind};
use super::error::ModelError;
use super::glm::{check_weights, checked_widths, RowVars};
use super::Model;
use crate::error::SynthesisError;
use crate::field::{from_i64, Fr};
use crate::gadgets::{boolean, horner, range};
use crate::r1cs::{namespaced, Circuit, ConstraintSystem, LinearCombination, Variable};
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

/// An honest logistic-regression R_train instance on synthetic data, for
/// tests and measurements: n samples of uniform features in the data
/// format, uniform binary labels, weights uniform in [-2000, 2000), all
/// drawn from `rng` in that order.
pub fn synthetic_logistic_circuit<R: RngCore + CryptoRng>(
    cfg: &TrainConfig,
    n: usize,
    rng: &mut R,
) -> Result<TrainCircuit<super::LogisticRegression>, ModelError> {
    use rand::Rng;
    let half = 1i64 << (cfg.data_format.total_bits - 1);
    let rows: Vec<Vec<i64>> = (0..n)
        .map(|_| (0..30).map(|_| rng.gen_range(-half..half)).collect())
        .collect();
    let labels: Vec<i64> = (0..n).map(|_| rng.gen_range(0..2)).collect();
    let data = DataOpening::new(Dataset::from_rows(&rows, labels)?, rng);
    let weights: Vec<i64> = (0..cfg.dim()).map(|_| rng.gen_range(-2000..2000)).collect();
    let model = super::LogisticRegression;
    let update = UpdateOpening::train(&model, cfg, &weights, &data.data, rng)?;
    let rho = random_scalar(rng);
    let st = TrainStatement::honest(cfg, LabelKind::Binary, &weights, &data, &update, rho)?;
    TrainCircuit::new(cfg.clone(), model, st, TrainWitness { data, update })
}

/// Samples a uniform element of F.
pub fn random_scalar<R: RngCore + CryptoRng>(rng: &mut R) -> Fr {
    let mut b = [0u8; 64];
    rng.fill_bytes(&mut b);
    Fr::from_bytes_mod_order_wide(&b)
}

/// The opening of a data commitment: the data set and its salt k.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataOpening {
    /// The provider's data set (real rows only).
    pub data: Dataset,
    /// The salt k (uniform in F).
    pub salt: Fr,
}

impl DataOpening {
    /// Registration: a fresh salt from `rng`.
    pub fn new<R: RngCore + CryptoRng>(data: Dataset, rng: &mut R) -> Self {
        DataOpening {
            data,
            salt: random_scalar(rng),
        }
    }

    /// c_D for this opening (see [`commit_data`]).
    pub fn commit(&self, cfg: &TrainConfig, kind: LabelKind) -> Result<Fr, ModelError> {
        commit_data(cfg, kind, &self.data, &self.salt)
    }
}

/// The opening of an update hash: Delta, the mask beta and the salt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UpdateOpening {
    /// The clipped update Delta (d coordinates at scale 2^F_w).
    pub delta: Vec<i64>,
    /// The mask coordinate beta (uniform in F).
    pub beta: Fr,
    /// The hash salt (uniform in F).
    pub salt: Fr,
}

impl UpdateOpening {
    /// The honest update of one round: Delta = the model's training step on
    /// `data` from `weights`, with beta and the salt from `rng`.
    pub fn train<M: Model, R: RngCore + CryptoRng>(
        model: &M,
        cfg: &TrainConfig,
        weights: &[i64],
        data: &Dataset,
        rng: &mut R,
    ) -> Result<Self, ModelError> {
        let beta = random_scalar(rng);
        let salt = random_scalar(rng);
        Self::train_with(model, cfg, weights, data, beta, salt)
    }

    /// Seeded twin of [`UpdateOpening::train`]: given beta and salt.
    pub fn train_with<M: Model>(
        model: &M,
        cfg: &TrainConfig,
        weights: &[i64],
        data: &Dataset,
        beta: Fr,
        salt: Fr,
    ) -> Result<Self, ModelError> {
        Ok(UpdateOpening {
            delta: model.train_step(cfg, weights, data)?,
            beta,
            salt,
        })
    }

    /// h (see [`update_hash`]).
    pub fn hash(&self, cfg: &TrainConfig) -> Result<Fr, ModelError> {
        update_hash(cfg, &self.delta, &self.beta, &self.salt)
    }

    /// y = Horner(Delta || beta, rho).
    pub fn evaluate(&self, rho: &Fr) -> Fr {
        evaluate_update(&self.delta, &self.beta, rho)
    }
}

/// The public inputs of R_train, in this order: w_t (d entries, bias last),
/// c_D, h, rho, y.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainStatement {
    /// The global model w_t (d entries at scale 2^F_w).
    pub weights: Vec<i64>,
    /// The provider's data commitment.
    pub c_d: Fr,
    /// The update hash.
    pub h: Fr,
    /// The Fiat-Shamir point.
    pub rho: Fr,
    /// The claimed evaluation y = Horner(Delta || beta, rho).
    pub y: Fr,
}

impl TrainStatement {
    /// The statement of an honest provider: c_D and h recomputed from the
    /// openings, y evaluated at `rho`.
    pub fn honest(
        cfg: &TrainConfig,
        kind: LabelKind,
        weights: &[i64],
        data: &DataOpening,
        update: &UpdateOpening,
        rho: Fr,
    ) -> Result<Self, ModelError> {
        Ok(TrainStatement {
            weights: weights.to_vec(),
            c_d: data.commit(cfg, kind)?,
            h: update.hash(cfg)?,
            rho,
            y: update.evaluate(&rho),
        })
    }

    /// The public-input vector (w_0..w_{d-1}, c_D, h, rho, y) handed to the
    /// Spartan verifier.
    pub fn public_inputs(&self) -> Vec<Fr> {
        let mut v: Vec<Fr> = self.weights.iter().map(|&w| from_i64(w)).collect();
        v.extend([self.c_d, self.h, self.rho, self.y]);
        v
    }
}

/// The private witness of R_train (auxiliary values are derived in synthesis).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainWitness {
    /// The data set and its commitment salt.
    pub data: DataOpening,
    /// The update, its mask and its hash salt.
    pub update: UpdateOpening,
}

/// The R_train circuit for model `M` under one configuration. Built without
/// an assignment ([`TrainCircuit::shape`]) for setup and verification, or
/// with one ([`TrainCircuit::new`]) for proving. Every provider of a
/// consortium synthesises the same shape.
#[derive(Clone, Debug)]
pub struct TrainCircuit<M: Model> {
    cfg: TrainConfig,
    model: M,
    assignment: Option<(TrainStatement, TrainWitness)>,
}

impl<M: Model> TrainCircuit<M> {
    /// The shape-only circuit (for setup and verification keys).
    pub fn shape(cfg: TrainConfig, model: M) -> Result<Self, ModelError> {
        checked_widths(&model, &cfg)?;
        Ok(TrainCircuit {
            cfg,
            model,
            assignment: None,
        })
    }

    /// The circuit with an assignment. Checks sizes and ranges of the
    /// inputs (not the relation itself: a false statement gives an
    /// unsatisfiable circuit, reported by the prover).
    pub fn new(
        cfg: TrainConfig,
        model: M,
        statement: TrainStatement,
        witness: TrainWitness,
    ) -> Result<Self, ModelError> {
        checked_widths(&model, &cfg)?;
        check_weights(&cfg, &statement.weights)?;
        witness.data.data.check(&cfg, model.label_kind())?;
        if witness.update.delta.len() != cfg.dim() {
            return Err(ModelError::WrongLength {
                what: "update",
                expected: cfg.dim(),
                got: witness.update.delta.len(),
            });
        }
        Ok(TrainCircuit {
            cfg,
            model,
            assignment: Some((statement, witness)),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.cfg
    }

    /// The model.
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The statement, if this circuit carries an assignment.
    pub fn statement(&self) -> Option<&TrainStatement> {
        self.assignment.as_ref().map(|(s, _)| s)
    }
}

/// Enforces lc = v (one constraint).
fn enforce_eq<CS: ConstraintSystem + ?Sized>(cs: &mut CS, lc: LinearCombination, v: Variable) {
    cs.enforce(lc - v, LinearCombination::one(), LinearCombination::zero());
}

impl<M: Model> Circuit for TrainCircuit<M> {
    fn synthesize<CS: ConstraintSystem>(&self, cs: &mut CS) -> Result<(), SynthesisError> {
        let cfg = &self.cfg;
        let (wd, _) = checked_widths(&self.model, cfg)
            .map_err(|e| SynthesisError::InvalidParameter(e.to_string()))?;
        let (f, nmax, d) = (cfg.num_features, cfg.max_samples, cfg.dim());
        let st = self.assignment.as_ref().map(|(s, _)| s);
        let wit = self.assignment.as_ref().map(|(_, w)| w);
        if let Some((s, w)) = &self.assignment {
            let data = &w.data.data;
            if s.weights.len() != d
                || w.update.delta.len() != d
                || data.num_features() != f
                || data.num_samples() > nmax
            {
                return Err(SynthesisError::InvalidParameter(
                    "assignment does not match the configuration".into(),
                ));
            }
        }

        // Public inputs: w_t, c_D, h, rho, y.
        let mut w = Vec::with_capacity(d);
        for j in 0..d {
            w.push(cs.alloc_input(st.map(|s| from_i64(s.weights[j])))?);
        }
        let c_d = cs.alloc_input(st.map(|s| s.c_d))?;
        let h = cs.alloc_input(st.map(|s| s.h))?;
        let rho = cs.alloc_input(st.map(|s| s.rho))?;
        let y = cs.alloc_input(st.map(|s| s.y))?;

        namespaced(cs, "weights_range", |cs| -> Result<(), SynthesisError> {
            for v in &w {
                range::signed(cs, (*v).into(), cfg.model_format.total_bits as usize)?;
            }
            Ok(())
        })?;

        // The padded data set: N rows of f features, labels, mask bits.
        let data = wit.map(|w| &w.data.data);
        let n_real = data.map(|d| d.num_samples());
        let bx = cfg.data_format.total_bits as usize;
        let kind = self.model.label_kind();
        let mut rows = Vec::with_capacity(nmax);
        let mut xs = Vec::with_capacity(nmax * f);
        let mut ys = Vec::with_capacity(nmax);
        let mut ms = Vec::with_capacity(nmax);
        let mut prev_mask: Option<Variable> = None;
        for i in 0..nmax {
            let real = n_real.map(|n| i < n);
            let row = data.map(|d| {
                if i < d.num_samples() {
                    Some(d.row(i))
                } else {
                    None
                }
            });
            let mut x = Vec::with_capacity(f);
            namespaced(cs, "data_range", |cs| -> Result<(), SynthesisError> {
                for j in 0..f {
                    let v = row.map(|r| r.map_or(0, |r| r[j]));
                    let var = cs.alloc(v.map(from_i64))?;
                    range::signed(cs, var.into(), bx)?;
                    x.push(var);
                }
                Ok(())
            })?;
            let label_val = data.map(|d| {
                if i < d.num_samples() {
                    d.labels()[i]
                } else {
                    0
                }
            });
            let label = namespaced(cs, "labels", |cs| -> Result<Variable, SynthesisError> {
                match kind {
                    LabelKind::Binary => boolean::alloc_bit(cs, label_val.map(|v| v == 1)),
                    LabelKind::Fixed => {
                        let v = cs.alloc(label_val.map(from_i64))?;
                        range::signed(cs, v.into(), bx)?;
                        Ok(v)
                    }
                }
            })?;
            let mask = namespaced(cs, "mask", |cs| -> Result<Variable, SynthesisError> {
                let m = boolean::alloc_bit(cs, real)?;
                // Real rows first: m_i <= m_{i-1}, i.e. m_i (1 - m_{i-1}) = 0.
                if let Some(p) = prev_mask {
                    cs.enforce(
                        m.into(),
                        LinearCombination::one() - p,
                        LinearCombination::zero(),
                    );
                }
                Ok(m)
            })?;
            prev_mask = Some(mask);
            xs.extend(x.iter().map(|v| LinearCombination::from(*v)));
            ys.push(LinearCombination::from(label));
            ms.push(LinearCombination::from(mask));
            rows.push(RowVars { x, label, mask });
        }

        // c_D opens to the data set.
        let data_salt = cs.alloc(wit.map(|w| w.data.salt))?;
        namespaced(cs, "data_commit", |cs| -> Result<(), SynthesisError> {
            let c = commit_data_gadget(cs, cfg, kind, &xs, &ys, &ms, data_salt.into())?;
            enforce_eq(cs, c, c_d);
            Ok(())
        })?;

        // Delta is the clipped training step on the data from w_t.
        let w_lcs: Vec<LinearCombination> = w.iter().map(|v| LinearCombination::from(*v)).collect();
        let step = namespaced(cs, "train_step", |cs| {
            self.model.train_step_gadget(cs, cfg, &w_lcs, &rows)
        })?;
        let delta = namespaced(
            cs,
            "update_eq",
            |cs| -> Result<Vec<LinearCombination>, SynthesisError> {
                let mut out = Vec::with_capacity(d);
                for (j, s) in step.into_iter().enumerate() {
                    let v = cs.alloc(wit.map(|w| from_i64(w.update.delta[j])))?;
                    enforce_eq(cs, s, v);
                    out.push(LinearCombination::from(v));
                }
                Ok(out)
            },
        )?;

        // h opens to (Delta, beta, salt).
        let beta = cs.alloc(wit.map(|w| w.update.beta))?;
        let upd_salt = cs.alloc(wit.map(|w| w.update.salt))?;
        namespaced(cs, "update_hash", |cs| -> Result<(), SynthesisError> {
            let hh = update_hash_gadget(cs, wd.delta_bits, &delta, beta.into(), upd_salt.into())?;
            enforce_eq(cs, hh, h);
            Ok(())
        })?;

        // y = Horner(Delta || beta, rho).
        namespaced(cs, "linear_form", |cs| -> Result<(), SynthesisError> {
            let mut coeffs = delta;
            coeffs.push(beta.into());
            let yy = horner::horner(cs, &coeffs, rho.into())?;
            enforce_eq(cs, yy, y);
            Ok(())
        })?;
        Ok(())
    }
}
