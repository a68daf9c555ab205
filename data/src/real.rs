//! Real-valued data sets, standardisation and quantisation to fixed point.

use super::error::DataError;
use serde::{Deserialize, Serialize};
use zkagg_zk::field::FixedPoint;
use zkagg_zk::model::{Dataset, LabelKind};

/// A real-valued data set: named features, one row per sample, one label per
/// row (0/1 for classification).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RealDataset {
    /// Feature names, in column order.
    pub feature_names: Vec<String>,
    /// Rows of features.
    pub rows: Vec<Vec<f64>>,
    /// Labels.
    pub labels: Vec<f64>,
}

impl RealDataset {
    /// A data set shipped by `smartcore` (row-major features, one label per
    /// row), with every value widened to f64.
    pub fn from_smartcore<X: Copy + Into<f64>, Y: Copy + Into<f64>>(
        ds: &smartcore::dataset::Dataset<X, Y>,
    ) -> RealDataset {
        RealDataset {
            feature_names: ds.feature_names.clone(),
            rows: ds
                .data
                .chunks(ds.num_features.max(1))
                .take(ds.num_samples)
                .map(|r| r.iter().map(|&x| x.into()).collect())
                .collect(),
            labels: ds.target.iter().map(|&y| y.into()).collect(),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Number of features.
    pub fn num_features(&self) -> usize {
        self.feature_names.len()
    }

    /// The rows at `idx`, in that order.
    pub fn select(&self, idx: &[usize]) -> RealDataset {
        RealDataset {
            feature_names: self.feature_names.clone(),
            rows: idx.iter().map(|&i| self.rows[i].clone()).collect(),
            labels: idx.iter().map(|&i| self.labels[i]).collect(),
        }
    }
}

/// Per-feature standardisation x' = (x - mean) / std, with the means and
/// (population) standard deviations of a training set; a constant feature
/// gets std 1.
///
/// For the centralised baseline only: fitting it on a consortium's training
/// rows would pool the providers' data. The protocol path must use a fixed
/// public [`crate::Scaling`] ([`crate::prepare_scaled`]).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standardizer {
    /// Feature means.
    pub means: Vec<f64>,
    /// Feature standard deviations (never 0).
    pub stds: Vec<f64>,
}

impl Standardizer {
    /// Fits means and standard deviations on `train`.
    pub fn fit(train: &RealDataset) -> Result<Self, DataError> {
        if train.is_empty() {
            return Err(DataError::NoRows);
        }
        let f = train.num_features();
        let n = train.len() as f64;
        let mut means = vec![0.0; f];
        for r in &train.rows {
            for (m, x) in means.iter_mut().zip(r) {
                *m += x / n;
            }
        }
        let mut stds = vec![0.0; f];
        for r in &train.rows {
            for ((s, x), m) in stds.iter_mut().zip(r).zip(&means) {
                *s += (x - m) * (x - m) / n;
            }
        }
        for s in stds.iter_mut() {
            *s = if *s > 0.0 { s.sqrt() } else { 1.0 };
        }
        Ok(Standardizer { means, stds })
    }

    /// Standardises a data set.
    pub fn apply(&self, data: &RealDataset) -> Result<RealDataset, DataError> {
        if data.num_features() != self.means.len() {
            return Err(DataError::FeatureCount {
                expected: self.means.len(),
                got: data.num_features(),
            });
        }
        Ok(RealDataset {
            feature_names: data.feature_names.clone(),
            rows: data
                .rows
                .iter()
                .map(|r| {
                    r.iter()
                        .zip(&self.means)
                        .zip(&self.stds)
                        .map(|((x, m), s)| (x - m) / s)
                        .collect()
                })
                .collect(),
            labels: data.labels.clone(),
        })
    }
}

/// What to do with a value beyond the fixed-point range.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Overflow {
    /// Reject the data set ([`DataError::OutOfRange`]).
    Error,
    /// Clamp to the nearest representable value (winsorise) and count it.
    Saturate,
}

/// Quantises a real data set to fixed point: features (and fixed-point
/// labels) with round-to-nearest in `format`; binary labels must be exactly
/// 0 or 1. Returns the data set and the number of saturated values.
pub fn quantise(
    data: &RealDataset,
    format: FixedPoint,
    kind: LabelKind,
    overflow: Overflow,
) -> Result<(Dataset, usize), DataError> {
    let f = data.num_features();
    let mut saturated = 0;
    let (min, max) = (
        format.decode(format.min_int()),
        format.decode(format.max_int()),
    );
    let mut enc = |v: f64, line: usize, column: &str| -> Result<i64, DataError> {
        match format.encode(v) {
            Ok(x) => Ok(x),
            Err(_) if overflow == Overflow::Saturate && v.is_finite() => {
                saturated += 1;
                Ok(if v < 0.0 {
                    format.min_int()
                } else {
                    format.max_int()
                })
            }
            Err(_) => Err(DataError::OutOfRange {
                line,
                column: column.to_string(),
                value: v,
                min,
                max,
            }),
        }
    };
    let mut features = Vec::with_capacity(data.len() * f);
    let mut labels = Vec::with_capacity(data.len());
    for (i, (row, &y)) in data.rows.iter().zip(&data.labels).enumerate() {
        let line = i + 2;
        if row.len() != f {
            return Err(DataError::WrongWidth {
                line,
                expected: f,
                got: row.len(),
            });
        }
        for (x, name) in row.iter().zip(&data.feature_names) {
            features.push(enc(*x, line, name)?);
        }
        labels.push(match kind {
            LabelKind::Binary if y == 0.0 || y == 1.0 => y as i64,
            LabelKind::Binary => return Err(DataError::BadLabel { line, value: y }),
            LabelKind::Fixed => enc(y, line, "label")?,
        });
    }
    Ok((Dataset::new(f.max(1), features, labels)?, saturated))
}
