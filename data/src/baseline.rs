//! A float64 centralised logistic-regression baseline: full-batch gradient
//! descent on the cross-entropy loss with the exact sigmoid.

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
