//! The plaintext FedSGD run on Breast Cancer Wisconsin reaches at least 95%
//! held-out accuracy within 30 rounds with 5 providers (native fixed-point
//! steps only), for equal and unequal shards.

use zkagg_data::{
    accuracy, breast_cancer, prepare, LogisticBaseline, PlaintextFedSgd, ShardSizes, SplitOptions,
};
use zkagg_zk::model::{LabelKind, LogisticRegression, Model, TrainConfig};

fn run(shards: ShardSizes, seed: u64) -> (f64, f64, usize) {
    run_with(TrainConfig::breast_cancer(1), shards, seed)
}

fn run_with(mut cfg: TrainConfig, shards: ShardSizes, seed: u64) -> (f64, f64, usize) {
    let data = breast_cancer::load();
    let prep = prepare(
        &data,
        &SplitOptions {
            test_fraction: 0.2,
            shards,
            seed,
            format: cfg.data_format,
            labels: LabelKind::Binary,
        },
    )
    .unwrap();
    cfg.max_samples = prep.shards.iter().map(|s| s.num_samples()).max().unwrap();
    let mut fed = PlaintextFedSgd::new(cfg.clone(), LogisticRegression);
    let mut base = LogisticBaseline::new(cfg.num_features);
    for _ in 0..30 {
        fed.round(&prep.shards).unwrap();
        base.step(&prep.train_real, cfg.learning_rate.as_f64());
    }
    // Every update the run applied is within the clip bound.
    for s in &prep.shards {
        let d = LogisticRegression
            .train_step(&cfg, &fed.weights, s)
            .unwrap();
        assert!(d.iter().all(|x| x.unsigned_abs() <= cfg.clip_bound));
    }
    (
        accuracy(&LogisticRegression, &cfg, &fed.weights, &prep.test),
        base.accuracy(&prep.test_real),
        prep.saturated,
    )
}

#[test]
fn five_equal_providers_reach_95_percent_in_30_rounds() {
    let (acc, base, saturated) = run(ShardSizes::Equal(5), 2024);
    assert!(acc >= 0.95, "fedsgd accuracy {acc}");
    assert!(base >= 0.95, "baseline accuracy {base}");
    assert!(saturated < 50, "{saturated} values saturated");
}

#[test]
fn five_unequal_providers_reach_95_percent_in_30_rounds() {
    let (acc, _, _) = run(ShardSizes::Weights(vec![3.0, 1.0, 2.0, 0.5, 1.5]), 7);
    assert!(acc >= 0.95, "fedsgd accuracy {acc}");
}

#[test]
fn compact_q3_2_features_reach_95_percent_in_30_rounds() {
    for seed in [2024, 7] {
        let (acc, _, _) = run_with(
            TrainConfig::breast_cancer_compact(1),
            ShardSizes::Equal(5),
            seed,
        );
        assert!(acc >= 0.95, "seed {seed}: fedsgd accuracy {acc}");
    }
}
