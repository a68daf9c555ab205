//! A provider's data set in fixed point.

use super::config::TrainConfig;
use super::error::ModelError;
use serde::{Deserialize, Serialize};

/// How a model's labels are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum LabelKind {
    /// Labels are 0 or 1 (binary classification).
    Binary,
    /// Labels are signed fixed-point integers in the configuration's
    /// `data_format` (regression).
    Fixed,
}

/// n rows of f fixed-point features (scale 2^F_x) and one label each; the
/// real rows only (padding to N rows happens in the commitment and circuit).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dataset {
    num_features: usize,
    features: Vec<i64>,
    labels: Vec<i64>,
}

impl Dataset {
    /// A data set from row-major features (n * f entries) and n labels.
    /// Ranges are checked against a configuration by [`Dataset::check`].
    pub fn new(
        num_features: usize,
        features: Vec<i64>,
        labels: Vec<i64>,
    ) -> Result<Self, ModelError> {
        if num_features == 0 {
            return Err(ModelError::WrongLength {
                what: "feature row",
                expected: 1,
                got: 0,
            });
        }
        if features.len() != labels.len() * num_features {
            return Err(ModelError::WrongLength {
                what: "features (rows * num_features)",
                expected: labels.len() * num_features,
                got: features.len(),
            });
        }
        Ok(Dataset {
            num_features,
            features,
            labels,
        })
    }

    /// A data set from rows of features and their labels.
    pub fn from_rows(rows: &[Vec<i64>], labels: Vec<i64>) -> Result<Self, ModelError> {
        let f = rows.first().map(|r| r.len()).unwrap_or(1);
        if rows.len() != labels.len() {
            return Err(ModelError::WrongLength {
                what: "labels",
                expected: rows.len(),
                got: labels.len(),
            });
        }
        let mut features = Vec::with_capacity(rows.len() * f);
        for r in rows {
            if r.len() != f {
                return Err(ModelError::WrongLength {
                    what: "feature row",
                    expected: f,
                    got: r.len(),
                });
            }
            features.extend_from_slice(r);
        }
        Dataset::new(f, features, labels)
    }

    /// Number of (real) rows n.
    pub fn num_samples(&self) -> usize {
        self.labels.len()
    }

    /// Number of features f.
    pub fn num_features(&self) -> usize {
        self.num_features
    }

    /// Row `i`'s features.
    pub fn row(&self, i: usize) -> &[i64] {
        &self.features[i * self.num_features..(i + 1) * self.num_features]
    }

    /// Row-major features.
    pub fn features(&self) -> &[i64] {
        &self.features
    }

    /// The labels.
    pub fn labels(&self) -> &[i64] {
        &self.labels
    }

    /// Rows `range` as a new data set.
    pub fn slice(&self, range: core::ops::Range<usize>) -> Dataset {
        let f = self.num_features;
        Dataset {
            num_features: f,
            features: self.features[range.start * f..range.end * f].to_vec(),
            labels: self.labels[range].to_vec(),
        }
    }

    /// Checks the data set against a configuration and label kind: feature
    /// count, 1 <= n <= N, every feature in the B_x-bit signed range, every
    /// label 0/1 (binary) or in the B_x-bit range (fixed).
    pub fn check(&self, cfg: &TrainConfig, kind: LabelKind) -> Result<(), ModelError> {
        if self.num_features != cfg.num_features {
            return Err(ModelError::WrongLength {
                what: "feature row",
                expected: cfg.num_features,
                got: self.num_features,
            });
        }
        if self.labels.is_empty() {
            return Err(ModelError::EmptyDataset);
        }
        if self.labels.len() > cfg.max_samples {
            return Err(ModelError::TooManySamples {
                max: cfg.max_samples,
                got: self.labels.len(),
            });
        }
        let (min, max) = (cfg.data_format.min_int(), cfg.data_format.max_int());
        for (index, &value) in self.features.iter().enumerate() {
            if value < min || value > max {
                return Err(ModelError::OutOfRange {
                    what: "features",
                    index,
                    value,
                    min,
                    max,
                });
            }
        }
        let (lmin, lmax) = match kind {
            LabelKind::Binary => (0, 1),
            LabelKind::Fixed => (min, max),
        };
        for (index, &value) in self.labels.iter().enumerate() {
            if value < lmin || value > lmax {
                return Err(ModelError::OutOfRange {
                    what: "labels",
                    index,
                    value,
                    min: lmin,
                    max: lmax,
                });
            }
        }
        Ok(())
    }
}
