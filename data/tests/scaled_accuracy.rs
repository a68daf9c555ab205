//! Accuracy with a fixed public scaling (no pooling): the bundled schemas'
//! mean/std scaling x' = (x - mean) / (2 std), plaintext FedSGD over the
//! native fixed-point training step with 5 providers.
//!
//! Breast Cancer (logistic regression, [`TrainConfig::breast_cancer`]):
//! held-out accuracy >= 95% after 20 rounds. Measured: 97.4% (111/114) for
//! seed 2024; over seeds 1..=10 mean 97.4%, minimum 94.7% (seed 5), so the
//! multi-seed check is on the mean. No value saturates in Q4.4. With the
//! schemas' earlier [min, max] -> [-1, 1] scaling it was 93.9% at round 20
//! for seed 2024 (95% only from round 42): skewed features kept a spread of
//! ~0.2-0.3 and non-zero means, and gradient descent was slow.
//!
//! Diabetes (linear regression, [`TrainConfig::diabetes`]): held-out R^2,
//! in the original progression units, within 0.05 of a float64 centralised
//! ordinary-least-squares fit on the same split. One value of the 442 x 11
//! saturates in Q1.6 (S2's maximum, 4.2 standard deviations out).

use zkagg_data::{
    accuracy, breast_cancer, diabetes, predictions, prepare_scaled, r_squared, LinearBaseline,
    PlaintextFedSgd, ScaledPrepared, ShardSizes, SplitOptions,
};
use zkagg_zk::model::{LabelKind, LinearRegression, LogisticRegression, Model, TrainConfig};

const SEED: u64 = 2024;

fn split(cfg: &TrainConfig, labels: LabelKind, seed: u64) -> SplitOptions {
    SplitOptions {
        test_fraction: 0.2,
        shards: ShardSizes::Equal(5),
        seed,
        format: cfg.data_format,
        labels,
    }
}

/// Runs `rounds` FedSGD rounds and returns the model after each round,
/// checking every applied update was within the clip bound.
fn run<M: Model>(
    model: M,
    mut cfg: TrainConfig,
    prep: &ScaledPrepared,
    rounds: usize,
) -> (TrainConfig, Vec<Vec<i64>>) {
    cfg.max_samples = prep.shards.iter().map(|s| s.num_samples()).max().unwrap();
    cfg.widths().unwrap();
    let mut fed = PlaintextFedSgd::new(cfg.clone(), model.clone());
    let mut out = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        for s in &prep.shards {
            let d = model.train_step(&cfg, &fed.weights, s).unwrap();
            assert!(d.iter().all(|x| x.unsigned_abs() <= cfg.clip_bound));
        }
        fed.round(&prep.shards).unwrap();
        out.push(fed.weights.clone());
    }
    (cfg, out)
}

/// Held-out accuracy after each of `rounds` rounds, and the number of
/// saturated values.
fn breast_cancer_accuracy(seed: u64, rounds: usize) -> (Vec<f64>, usize) {
    let cfg = TrainConfig::breast_cancer(1);
    let prep = prepare_scaled(
        &breast_cancer::load(),
        &split(&cfg, LabelKind::Binary, seed),
        &breast_cancer::schema(),
    )
    .unwrap();
    let (cfg, ws) = run(LogisticRegression, cfg, &prep, rounds);
    let acc = ws
        .iter()
        .map(|w| accuracy(&LogisticRegression, &cfg, w, &prep.test))
        .collect();
    (acc, prep.saturated)
}

#[test]
fn breast_cancer_schema_scaling_reaches_95_percent_in_20_rounds() {
    let (acc, saturated) = breast_cancer_accuracy(SEED, 20);
    println!(
        "breast cancer, seed {SEED}: accuracy after 20 rounds {:.4}, {saturated} values saturated",
        acc[19]
    );
    // Measured: 0.974 (111/114), nothing saturated.
    assert_eq!(saturated, 0, "the mean/std scaling fits Q4.4");
    assert!(acc[19] >= 0.95, "accuracy after 20 rounds {}", acc[19]);
}

#[test]
fn breast_cancer_schema_scaling_averages_95_percent_over_seeds() {
    let acc: Vec<f64> = (1..=10)
        .map(|seed| {
            let (acc, saturated) = breast_cancer_accuracy(seed, 20);
            assert_eq!(saturated, 0, "seed {seed}");
            acc[19]
        })
        .collect();
    let mean = acc.iter().sum::<f64>() / acc.len() as f64;
    let min = acc.iter().cloned().fold(f64::INFINITY, f64::min);
    println!("breast cancer, seeds 1..=10, 20 rounds: mean {mean:.4}, min {min:.4}, {acc:?}");
    // Measured: mean 0.974, min 0.947 (seed 5).
    assert!(mean >= 0.95, "mean accuracy {mean}: {acc:?}");
}

/// (FedSGD R^2, OLS R^2) on the held-out split, both in progression units.
fn diabetes_r_squared(seed: u64, rounds: usize) -> (f64, f64) {
    let cfg = TrainConfig::diabetes(1);
    let prep = prepare_scaled(
        &diabetes::load(),
        &split(&cfg, LabelKind::Fixed, seed),
        &diabetes::schema(),
    )
    .unwrap();
    // S2's maximum (4.2 standard deviations out) is the one value beyond
    // Q1.6; it is in the training or the test split depending on the seed.
    println!("diabetes, seed {seed}: {} values saturated", prep.saturated);
    assert!(prep.saturated <= 1, "{} values saturated", prep.saturated);
    let (cfg, ws) = run(LinearRegression, cfg, &prep, rounds);
    let pred = predictions(
        &LinearRegression,
        &cfg,
        ws.last().unwrap(),
        &prep.test,
        &prep.scaling,
    );
    let fed = r_squared(&prep.test_raw.labels, &pred);
    let ols = LinearBaseline::fit(&prep.train_raw)
        .unwrap()
        .r_squared(&prep.test_raw);
    (fed, ols)
}

#[test]
fn diabetes_linear_regression_is_within_0_05_r2_of_least_squares() {
    // Measured (30 rounds): seed 2024 FedSGD 0.500 vs OLS 0.497; seed 7
    // 0.467 vs 0.468; seed 1 0.495 vs 0.494 (with the earlier range
    // scaling: 0.502, 0.468 and 0.503, so mean/std is as close or closer).
    for seed in [SEED, 7, 1] {
        let (fed, ols) = diabetes_r_squared(seed, 30);
        println!("diabetes, seed {seed}: FedSGD R^2 {fed:.4}, OLS R^2 {ols:.4}");
        assert!(ols > 0.4, "seed {seed}: OLS R^2 {ols}");
        assert!(
            (fed - ols).abs() <= 0.05,
            "seed {seed}: FedSGD R^2 {fed}, OLS R^2 {ols}"
        );
    }
}
