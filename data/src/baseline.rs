//! Float64 centralised baselines: logistic regression by full-batch
//! gradient descent on the cross-entropy loss with the exact sigmoid, and
//! ordinary least squares by the normal equations; and R^2.

use super::error::DataError;
use super::real::RealDataset;

/// Logistic regression in f64: f weights and a bias (last).
#[derive(Clone, Debug, PartialEq)]
pub struct LogisticBaseline {
    /// Weights, bias last.
    pub weights: Vec<f64>,
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

impl LogisticBaseline {
    /// All-zero weights for `f` features.
    pub fn new(f: usize) -> Self {
        LogisticBaseline {
            weights: vec![0.0; f + 1],
        }
    }

    fn score(&self, row: &[f64]) -> f64 {
        let f = self.weights.len() - 1;
        row.iter()
            .zip(&self.weights[..f])
            .map(|(x, w)| x * w)
            .sum::<f64>()
            + self.weights[f]
    }

    /// One full-batch gradient step: w -= lr * (1/n) sum_i (sigma(z_i) - y_i) x_i.
    pub fn step(&mut self, data: &RealDataset, lr: f64) {
        let f = self.weights.len() - 1;
        let mut g = vec![0.0; f + 1];
        for (row, y) in data.rows.iter().zip(&data.labels) {
            let e = sigmoid(self.score(row)) - y;
            for (gj, x) in g.iter_mut().zip(row) {
                *gj += e * x;
            }
            g[f] += e;
        }
        let n = data.len().max(1) as f64;
        for (w, gj) in self.weights.iter_mut().zip(&g) {
            *w -= lr * gj / n;
        }
    }

    /// Fraction of rows classified correctly (predict 1 iff score >= 0).
    pub fn accuracy(&self, data: &RealDataset) -> f64 {
        if data.is_empty() {
            return 0.0;
        }
        let ok = data
            .rows
            .iter()
            .zip(&data.labels)
            .filter(|(r, y)| ((self.score(r) >= 0.0) as u8 as f64) == **y)
            .count();
        ok as f64 / data.len() as f64
    }
}

/// Ordinary least squares in f64: f weights and a bias (last), the exact
/// minimiser of sum_i (w . x_i + b - y_i)^2 from the normal equations
/// (X1^T X1) w = X1^T y, X1 = [X | 1], solved by Gaussian elimination with
/// partial pivoting.
#[derive(Clone, Debug, PartialEq)]
pub struct LinearBaseline {
    /// Weights, bias last.
    pub weights: Vec<f64>,
}

impl LinearBaseline {
    /// Fits on `train` (features and labels in whatever units it has; the
    /// fit is invariant to an affine scaling of the features). Errors: no
    /// rows ([`DataError::NoRows`]), singular normal equations
    /// ([`DataError::Singular`]).
    pub fn fit(train: &RealDataset) -> Result<Self, DataError> {
        if train.is_empty() {
            return Err(DataError::NoRows);
        }
        let d = train.num_features() + 1;
        // Augmented system [A | b], A = X1^T X1, b = X1^T y.
        let mut m = vec![vec![0.0; d + 1]; d];
        for (row, &y) in train.rows.iter().zip(&train.labels) {
            if row.len() + 1 != d {
                return Err(DataError::FeatureCount {
                    expected: d - 1,
                    got: row.len(),
                });
            }
            let x1 = |j: usize| if j + 1 == d { 1.0 } else { row[j] };
            for (j, mj) in m.iter_mut().enumerate() {
                for (k, mjk) in mj.iter_mut().take(d).enumerate() {
                    *mjk += x1(j) * x1(k);
                }
                mj[d] += x1(j) * y;
            }
        }
        let norm = m
            .iter()
            .flat_map(|r| r[..d].iter())
            .fold(0.0f64, |a, v| a.max(v.abs()));
        for c in 0..d {
            let p = (c..d)
                .max_by(|&a, &b| m[a][c].abs().total_cmp(&m[b][c].abs()))
                .unwrap_or(c);
            let pivot = m[p][c].abs();
            if pivot.is_nan() || pivot <= norm * 1e-12 {
                return Err(DataError::Singular);
            }
            m.swap(c, p);
            let (top, bottom) = m.split_at_mut(c + 1);
            let pivot_row = &top[c];
            for row in bottom {
                let factor = row[c] / pivot_row[c];
                for (x, p) in row[c..].iter_mut().zip(&pivot_row[c..]) {
                    *x -= factor * p;
                }
            }
        }
        let mut w = vec![0.0; d];
        for c in (0..d).rev() {
            let tail: f64 = (c + 1..d).map(|k| m[c][k] * w[k]).sum();
            w[c] = (m[c][d] - tail) / m[c][c];
        }
        Ok(LinearBaseline { weights: w })
    }

    /// The prediction w . x + b.
    pub fn predict(&self, row: &[f64]) -> f64 {
        let f = self.weights.len() - 1;
        row.iter()
            .zip(&self.weights[..f])
            .map(|(x, w)| x * w)
            .sum::<f64>()
            + self.weights[f]
    }

    /// R^2 of the predictions on `data` ([`r_squared`]).
    pub fn r_squared(&self, data: &RealDataset) -> f64 {
        let pred: Vec<f64> = data.rows.iter().map(|r| self.predict(r)).collect();
        r_squared(&data.labels, &pred)
    }
}

/// The coefficient of determination R^2 = 1 - SS_res / SS_tot, SS_res =
/// sum (y_i - p_i)^2, SS_tot = sum (y_i - mean y)^2 (NaN if the labels are
/// constant or there are none).
pub fn r_squared(labels: &[f64], predictions: &[f64]) -> f64 {
    let n = labels.len() as f64;
    let mean = labels.iter().sum::<f64>() / n;
    let ss_tot: f64 = labels.iter().map(|y| (y - mean) * (y - mean)).sum();
    let ss_res: f64 = labels
        .iter()
        .zip(predictions)
        .map(|(y, p)| (y - p) * (y - p))
        .sum();
    1.0 - ss_res / ss_tot
}
