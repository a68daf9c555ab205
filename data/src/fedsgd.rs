//! A plaintext FedSGD run: each provider computes the native fixed-point
//! training step (bit-exactly what R_train proves), the updates are summed
//! and the model moves by their floor mean. No cryptography.

use super::scaling::Scaling;
use zkagg_zk::model::{apply_mean_update, Dataset, Model, ModelError, TrainConfig};

/// Fraction of rows whose [`Model::classify`] output equals the label.
pub fn accuracy<M: Model>(model: &M, cfg: &TrainConfig, weights: &[i64], test: &Dataset) -> f64 {
    if test.num_samples() == 0 {
        return 0.0;
    }
    let ok = (0..test.num_samples())
        .filter(|&i| model.classify(cfg, weights, test.row(i)) == test.labels()[i])
        .count();
    ok as f64 / test.num_samples() as f64
}

/// The model's output on every row of `test` ([`Model::predict`], scale
/// 2^F_w), decoded and mapped back to the label's original units with
/// [`Scaling::unscale_target`] (for regression; score with
/// [`crate::r_squared`] against the unscaled labels).
pub fn predictions<M: Model>(
    model: &M,
    cfg: &TrainConfig,
    weights: &[i64],
    test: &Dataset,
    scaling: &Scaling,
) -> Vec<f64> {
    (0..test.num_samples())
        .map(|i| {
            let y = cfg
                .model_format
                .decode(model.predict(cfg, weights, test.row(i)));
            scaling.unscale_target(y)
        })
        .collect()
}

/// The state of a plaintext federated run.
#[derive(Clone, Debug)]
pub struct PlaintextFedSgd<M: Model> {
    /// The configuration.
    pub cfg: TrainConfig,
    /// The model.
    pub model: M,
    /// The global model w_t.
    pub weights: Vec<i64>,
    /// The round number t.
    pub round: u64,
}

impl<M: Model> PlaintextFedSgd<M> {
    /// Starts from the all-zero model.
    pub fn new(cfg: TrainConfig, model: M) -> Self {
        let weights = vec![0; cfg.dim()];
        PlaintextFedSgd {
            cfg,
            model,
            weights,
            round: 0,
        }
    }

    /// One round: every shard's clipped step from w_t, summed;
    /// w_{t+1} = [`apply_mean_update`](w_t, sum, P).
    pub fn round(&mut self, shards: &[Dataset]) -> Result<(), ModelError> {
        let mut sum = vec![0i128; self.cfg.dim()];
        for shard in shards {
            let delta = self.model.train_step(&self.cfg, &self.weights, shard)?;
            for (s, d) in sum.iter_mut().zip(&delta) {
                *s += *d as i128;
            }
        }
        self.weights = apply_mean_update(&self.cfg, &self.weights, &sum, shards.len())?;
        self.round += 1;
        Ok(())
    }
}
