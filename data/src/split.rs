//! Seeded shuffling, the held-out test split, provider shards, and the
//! scale-then-quantise pipelines: [`prepare_scaled`] with a fixed public
//! [`Scaling`] (the protocol path), [`prepare`] with a [`Standardizer`]
//! fitted on the training split (the centralised baseline's view, which a
//! consortium could only compute by pooling data).

use super::error::DataError;
use super::real::{quantise, Overflow, RealDataset, Standardizer};
use super::scaling::Scaling;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};
use zkagg_zk::field::FixedPoint;
use zkagg_zk::model::{Dataset, LabelKind};

/// A permutation of 0..n from a Fisher-Yates shuffle driven by ChaCha20
/// seeded with `seed` (deterministic across platforms).
pub fn shuffled_indices(n: usize, seed: u64) -> Vec<usize> {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut idx: Vec<usize> = (0..n).collect();
    for i in (1..n).rev() {
        let j = rng.gen_range(0..=i);
        idx.swap(i, j);
    }
    idx
}

/// Shuffles with `seed` and splits off round(test_fraction * n) rows as the
/// held-out test set: returns (train, test).
pub fn train_test_split(
    data: &RealDataset,
    test_fraction: f64,
    seed: u64,
) -> Result<(RealDataset, RealDataset), DataError> {
    if !(0.0..1.0).contains(&test_fraction) {
        return Err(DataError::BadSplit(format!(
            "test fraction {test_fraction} not in [0, 1)"
        )));
    }
    let idx = shuffled_indices(data.len(), seed);
    let n_test = (test_fraction * data.len() as f64).round() as usize;
    if n_test >= data.len() {
        return Err(DataError::BadSplit("no training rows left".into()));
    }
    Ok((data.select(&idx[n_test..]), data.select(&idx[..n_test])))
}

/// How the training set is divided among providers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ShardSizes {
    /// P shards of (nearly) equal size, the first n mod P one row larger.
    Equal(usize),
    /// Shards proportional to the weights (largest-remainder rounding).
    Weights(Vec<f64>),
    /// Exact shard sizes (must sum to at most the training-set size; the
    /// rest is unused).
    Sizes(Vec<usize>),
}

impl ShardSizes {
    /// The shard sizes for `n` training rows; every shard has at least one row.
    pub fn sizes(&self, n: usize) -> Result<Vec<usize>, DataError> {
        let sizes = match self {
            ShardSizes::Equal(p) => {
                if *p == 0 {
                    return Err(DataError::BadSplit("zero providers".into()));
                }
                (0..*p).map(|i| n / p + usize::from(i < n % p)).collect()
            }
            ShardSizes::Weights(ws) => {
                let total: f64 = ws.iter().sum();
                if ws.is_empty() || ws.iter().any(|w| !w.is_finite() || *w <= 0.0) {
                    return Err(DataError::BadSplit("weights must be positive".into()));
                }
                let exact: Vec<f64> = ws.iter().map(|w| w / total * n as f64).collect();
                let mut sizes: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
                let mut order: Vec<usize> = (0..ws.len()).collect();
                order.sort_by(|&a, &b| {
                    let fa = exact[a] - exact[a].floor();
                    let fb = exact[b] - exact[b].floor();
                    fb.total_cmp(&fa).then(a.cmp(&b))
                });
                let missing = n - sizes.iter().sum::<usize>();
                for &i in order.iter().take(missing) {
                    sizes[i] += 1;
                }
                sizes
            }
            ShardSizes::Sizes(s) => {
                if s.iter().sum::<usize>() > n {
                    return Err(DataError::BadSplit(format!(
                        "shard sizes sum to {}, only {n} rows",
                        s.iter().sum::<usize>()
                    )));
                }
                s.clone()
            }
        };
        if sizes.is_empty() || sizes.contains(&0) {
            return Err(DataError::BadSplit(format!(
                "a shard would be empty: {sizes:?}"
            )));
        }
        Ok(sizes)
    }
}

/// Shuffles the training set with `seed` and cuts it into shards.
pub fn shard(
    data: &RealDataset,
    sizes: &ShardSizes,
    seed: u64,
) -> Result<Vec<RealDataset>, DataError> {
    let sizes = sizes.sizes(data.len())?;
    let idx = shuffled_indices(data.len(), seed);
    let mut out = Vec::with_capacity(sizes.len());
    let mut start = 0;
    for s in sizes {
        out.push(data.select(&idx[start..start + s]));
        start += s;
    }
    Ok(out)
}

/// Options of [`prepare`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SplitOptions {
    /// Fraction of rows held out for testing.
    pub test_fraction: f64,
    /// How the training rows are divided among providers.
    pub shards: ShardSizes,
    /// Seed of both shuffles (the test split uses `seed`, the sharding
    /// `seed + 1`).
    pub seed: u64,
    /// Fixed-point format of the features.
    pub format: FixedPoint,
    /// Label kind.
    pub labels: LabelKind,
}

/// A prepared federated data set.
#[derive(Clone, Debug)]
pub struct Prepared {
    /// The provider shards, standardised and quantised.
    pub shards: Vec<Dataset>,
    /// The held-out test set, standardised and quantised.
    pub test: Dataset,
    /// The standardised training rows (all shards together), real-valued.
    pub train_real: RealDataset,
    /// The standardised test rows, real-valued.
    pub test_real: RealDataset,
    /// The standardiser (fitted on the training split).
    pub standardizer: Standardizer,
    /// How many feature values were saturated to the fixed-point range.
    pub saturated: usize,
}

/// Splits off a test set, fits the standardiser on the training rows,
/// standardises both, shards the training rows and quantises everything
/// (saturating values beyond the fixed-point range, counted in
/// [`Prepared::saturated`]).
///
/// Fitting on the training split is what a centralised baseline does; in a
/// consortium it would need the union of the providers' rows. The protocol
/// path uses [`prepare_scaled`] with a public [`Scaling`].
pub fn prepare(data: &RealDataset, opts: &SplitOptions) -> Result<Prepared, DataError> {
    let (train, test) = train_test_split(data, opts.test_fraction, opts.seed)?;
    let standardizer = Standardizer::fit(&train)?;
    let train_real = standardizer.apply(&train)?;
    let test_real = standardizer.apply(&test)?;
    let mut saturated = 0;
    let mut shards = Vec::new();
    for s in shard(&train_real, &opts.shards, opts.seed.wrapping_add(1))? {
        let (d, sat) = quantise(&s, opts.format, opts.labels, Overflow::Saturate)?;
        saturated += sat;
        shards.push(d);
    }
    let (test_q, sat) = quantise(&test_real, opts.format, opts.labels, Overflow::Saturate)?;
    Ok(Prepared {
        shards,
        test: test_q,
        train_real,
        test_real,
        standardizer,
        saturated: saturated + sat,
    })
}

/// A federated data set prepared with a fixed public [`Scaling`].
#[derive(Clone, Debug)]
pub struct ScaledPrepared {
    /// The provider shards, scaled and quantised.
    pub shards: Vec<Dataset>,
    /// The held-out test set, scaled and quantised.
    pub test: Dataset,
    /// The scaled training rows (all shards together), real-valued.
    pub train_real: RealDataset,
    /// The scaled test rows, real-valued.
    pub test_real: RealDataset,
    /// The training rows as loaded (original units), for baselines.
    pub train_raw: RealDataset,
    /// The test rows as loaded (original units), for baselines and for
    /// scoring predictions mapped back with [`Scaling::unscale_target`].
    pub test_raw: RealDataset,
    /// The scaling applied.
    pub scaling: Scaling,
    /// How many values (features and fixed-point labels) were saturated to
    /// the fixed-point range.
    pub saturated: usize,
}

/// [`prepare`] with a fixed public [`Scaling`] instead of a fitted
/// standardiser: the same seeded test split and shards (so the rows match
/// [`prepare`] with the same options), then every row is scaled with
/// `scaling` (features, and the label by the target scaling) and quantised,
/// saturating values beyond the fixed-point range (counted in
/// [`ScaledPrepared::saturated`]). Nothing is computed from the data, so
/// every provider can do this on its own shard alone.
pub fn prepare_scaled(
    data: &RealDataset,
    opts: &SplitOptions,
    scaling: &Scaling,
) -> Result<ScaledPrepared, DataError> {
    let (train_raw, test_raw) = train_test_split(data, opts.test_fraction, opts.seed)?;
    let train_real = scaling.apply(&train_raw)?;
    let test_real = scaling.apply(&test_raw)?;
    let mut saturated = 0;
    let mut shards = Vec::new();
    for s in shard(&train_real, &opts.shards, opts.seed.wrapping_add(1))? {
        let (d, sat) = quantise(&s, opts.format, opts.labels, Overflow::Saturate)?;
        saturated += sat;
        shards.push(d);
    }
    let (test, sat) = quantise(&test_real, opts.format, opts.labels, Overflow::Saturate)?;
    Ok(ScaledPrepared {
        shards,
        test,
        train_real,
        test_real,
        train_raw,
        test_raw,
        scaling: scaling.clone(),
        saturated: saturated + sat,
    })
}
