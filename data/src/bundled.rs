//! The bundled public data sets by name, and the one rule for cutting
//! them into provider shards, so that a consortium of separate processes
//! and the in-process driver train on the same rows for the same seed.

use super::error::DataError;
use super::real::RealDataset;
use super::scaling::Scaling;
use super::split::{prepare_scaled, ScaledPrepared, ShardSizes, SplitOptions};
use super::{breast_cancer, diabetes};
use zkagg_zk::field::FixedPoint;
use zkagg_zk::model::LabelKind;

/// Fraction of a bundled data set held out for testing.
pub const TEST_FRACTION: f64 = 0.2;

/// A data set shipped with zkagg.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bundled {
    /// Breast Cancer Wisconsin (Diagnostic): 30 features, binary label.
    BreastCancer,
    /// Diabetes: 10 features, a continuous disease-progression label.
    Diabetes,
}

impl Bundled {
    /// Every bundled data set.
    pub const ALL: [Bundled; 2] = [Bundled::BreastCancer, Bundled::Diabetes];

    /// Its name on the command line (`breast-cancer`, `diabetes`).
    pub fn name(self) -> &'static str {
        match self {
            Bundled::BreastCancer => "breast-cancer",
            Bundled::Diabetes => "diabetes",
        }
    }

    /// The data set of a name.
    pub fn from_name(name: &str) -> Option<Bundled> {
        Self::ALL.into_iter().find(|b| b.name() == name)
    }

    /// The rows, as shipped.
    pub fn load(self) -> RealDataset {
        match self {
            Bundled::BreastCancer => breast_cancer::load(),
            Bundled::Diabetes => diabetes::load(),
        }
    }

    /// The bundled schema file (`data/schemas/`).
    pub fn schema_csv(self) -> &'static str {
        match self {
            Bundled::BreastCancer => breast_cancer::SCHEMA_CSV,
            Bundled::Diabetes => diabetes::SCHEMA_CSV,
        }
    }

    /// The kind of its label.
    pub fn label_kind(self) -> LabelKind {
        match self {
            Bundled::BreastCancer => LabelKind::Binary,
            Bundled::Diabetes => LabelKind::Fixed,
        }
    }

    /// The name of its label column (for Diabetes the schema's target row).
    pub fn label_name(self) -> &'static str {
        match self {
            Bundled::BreastCancer => "diagnosis",
            Bundled::Diabetes => "Disease progression",
        }
    }
}

/// The shard rule for a bundled data set: the seeded test split
/// ([`TEST_FRACTION`] held out, seed `seed`), then `providers` shards of
/// k = min(`max_rows`, training rows / `providers`) rows each, cut from the
/// training rows shuffled with `seed + 1` (the rest unused), each scaled
/// with the consortium's `scaling` and quantised in `format` (saturating,
/// as [`prepare_scaled`] does). Provider i takes `shards[i]`.
pub fn provider_shards(
    data: &RealDataset,
    scaling: &Scaling,
    format: FixedPoint,
    labels: LabelKind,
    providers: usize,
    max_rows: usize,
    seed: u64,
) -> Result<ScaledPrepared, DataError> {
    if providers == 0 {
        return Err(DataError::BadSplit("zero providers".into()));
    }
    let n_test = (TEST_FRACTION * data.len() as f64).round() as usize;
    let k = (data.len().saturating_sub(n_test) / providers).min(max_rows);
    prepare_scaled(
        data,
        &SplitOptions {
            test_fraction: TEST_FRACTION,
            shards: ShardSizes::Sizes(vec![k; providers]),
            seed,
            format,
            labels,
        },
        scaling,
    )
}
