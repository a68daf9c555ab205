//! The demo's consortium on a bundled data set: the R_train relation and
//! feature scaling the config carries, the test split every released model
//! is scored on, and the float64 centralised baseline on the same split.
//!
//! - Breast Cancer Wisconsin: logistic regression
//!   ([`TrainConfig::breast_cancer`]); the metric is held-out accuracy, the
//!   baseline a float64 logistic regression trained by full-batch gradient
//!   descent on all the providers' rows together, one step per round.
//! - Diabetes: linear regression ([`TrainConfig::diabetes`]); the metric is
//!   held-out R^2 in the original progression units, the baseline an
//!   ordinary-least-squares fit on the same training rows.
//!
//! The split and the shards are [`provider_shards`]'s, the rule the
//! providers themselves use, so the demo scores on rows no provider trained
//! on.

use crate::aggregation::config::{DataSchema, ModelKind, RelationConfig};
use crate::data::bundled::{provider_shards, TEST_FRACTION};
use crate::data::{
    accuracy, predictions, r_squared, Bundled, LinearBaseline, LogisticBaseline, Schema,
};
use crate::demo::run::{DemoError, Metric};
use crate::zk::model::{LinearRegression, LogisticRegression, TrainConfig};

/// What a demo on a bundled data set runs and how it is scored.
pub struct BundledRun {
    /// The relation the config carries.
    pub relation: RelationConfig,
    /// The data schema the config carries (scaling and label column).
    pub data: DataSchema,
    /// Model dimension d (features plus the bias).
    pub dim: u32,
    /// The metric's name and scorer.
    pub metric: (String, Metric),
    /// The baseline's name and value.
    pub baseline: (String, f64),
    /// Rows each provider trains on.
    pub rows_per_provider: usize,
}

/// Rounds of the demo when none are asked for: enough for the released
/// model to reach its target (measured in `data/tests/scaled_accuracy.rs`).
pub fn default_rounds(b: Bundled) -> u64 {
    match b {
        Bundled::BreastCancer => 20,
        Bundled::Diabetes => 30,
    }
}

fn err(e: impl std::fmt::Display) -> DemoError {
    DemoError::Setup(e.to_string())
}

/// The run for `providers` providers with data seed `seed`.
pub fn bundled_run(b: Bundled, providers: usize, seed: u64) -> Result<BundledRun, DemoError> {
    let schema = Schema::parse(b.schema_csv()).map_err(err)?;
    let scaling = schema.scaling();
    let rows = b.load();
    let n_test = (TEST_FRACTION * rows.len() as f64).round() as usize;
    let k = rows.len().saturating_sub(n_test) / providers.max(1);
    if k == 0 {
        return Err(DemoError::Usage(format!(
            "--providers {providers}: {} has {} training rows, enough for at most {} providers",
            b.name(),
            rows.len().saturating_sub(n_test),
            rows.len().saturating_sub(n_test)
        )));
    }
    let (model, base) = match b {
        Bundled::BreastCancer => (ModelKind::Logistic, TrainConfig::breast_cancer(k)),
        Bundled::Diabetes => (ModelKind::Linear, TrainConfig::diabetes(k)),
    };
    let cfg = TrainConfig {
        num_features: scaling.num_features(),
        ..base
    };
    let prep = provider_shards(
        &rows,
        &scaling,
        cfg.data_format,
        b.label_kind(),
        providers,
        k,
        seed,
    )
    .map_err(err)?;
    let dim = u32::try_from(cfg.dim()).map_err(err)?;
    let (metric, baseline): ((String, Metric), (String, f64)) = match model {
        ModelKind::Logistic => {
            // One float64 gradient step per round on everyone's rows, after
            // as many rounds as the demo runs: the centralised reference.
            let mut central = LogisticBaseline::new(cfg.num_features);
            for _ in 0..default_rounds(b) {
                central.step(&prep.train_real, cfg.learning_rate.as_f64());
            }
            let base = central.accuracy(&prep.test_real);
            let (c, test) = (cfg.clone(), prep.test.clone());
            let score: Metric =
                Box::new(move |w: &[i64]| accuracy(&LogisticRegression, &c, w, &test));
            (
                ("test accuracy".into(), score),
                ("centralised float64".into(), base),
            )
        }
        ModelKind::Linear => {
            let ols = LinearBaseline::fit(&prep.train_raw)
                .map_err(err)?
                .r_squared(&prep.test_raw);
            let (c, test, labels, sc) = (
                cfg.clone(),
                prep.test.clone(),
                prep.test_raw.labels.clone(),
                prep.scaling.clone(),
            );
            let score: Metric = Box::new(move |w: &[i64]| {
                r_squared(&labels, &predictions(&LinearRegression, &c, w, &test, &sc))
            });
            (
                ("test R^2".into(), score),
                ("least squares (float64)".into(), ols),
            )
        }
    };
    Ok(BundledRun {
        relation: RelationConfig::Train { model, train: cfg },
        data: crate::node::input::data_schema(&scaling, b.label_name()),
        dim,
        metric,
        baseline,
        rows_per_provider: k,
    })
}
