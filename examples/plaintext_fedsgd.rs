//! A plaintext federated run on Breast Cancer Wisconsin: P providers (default
//! 5) each take one clipped full-batch step of hard-sigmoid logistic
//! regression in fixed point (the native face of R_train, no cryptography)
//! per round; the model moves by the floor mean of the updates. Test
//! accuracy per round is printed beside a float64 centralised logistic
//! regression trained by plain gradient descent (exact sigmoid, same
//! learning rate, same standardised data, no quantisation or clipping).
//!
//! Run: `cargo run --release --example plaintext_fedsgd [providers] [rounds] [seed]`.

use zkagg::data::{
    breast_cancer, prepare, LogisticBaseline, PlaintextFedSgd, ShardSizes, SplitOptions,
};
use zkagg::zk::model::{LabelKind, LogisticRegression, TrainConfig};

fn arg(i: usize, default: u64) -> u64 {
    std::env::args()
        .nth(i)
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let providers = arg(1, 5) as usize;
    let rounds = arg(2, 30);
    let seed = arg(3, 2024);
    let data = breast_cancer::load();
    let mut cfg = TrainConfig::breast_cancer(1);
    let prep = prepare(
        &data,
        &SplitOptions {
            test_fraction: 0.2,
            shards: ShardSizes::Equal(providers),
            seed,
            format: cfg.data_format,
            labels: LabelKind::Binary,
        },
    )?;
    cfg.max_samples = prep
        .shards
        .iter()
        .map(|s| s.num_samples())
        .max()
        .unwrap_or(1);
    let sizes: Vec<usize> = prep.shards.iter().map(|s| s.num_samples()).collect();
    println!(
        "Breast Cancer Wisconsin: {} train rows in shards {:?}, {} test rows; features Q{}.{} ({} values saturated), weights Q{} in {} bits, lr = {}, B = {}",
        prep.train_real.len(),
        sizes,
        prep.test.num_samples(),
        cfg.data_format.total_bits - cfg.data_format.frac_bits,
        cfg.data_format.frac_bits,
        prep.saturated,
        cfg.model_format.frac_bits,
        cfg.model_format.total_bits,
        cfg.learning_rate.as_f64(),
        cfg.clip_bound as f64 / cfg.model_format.scale(),
    );
    let mut fed = PlaintextFedSgd::new(cfg.clone(), LogisticRegression);
    let mut base = LogisticBaseline::new(cfg.num_features);
    println!(
        "{:>5}  {:>14}  {:>16}",
        "round", "fedsgd (fixed)", "central (f64)"
    );
    for t in 1..=rounds {
        fed.round(&prep.shards)?;
        base.step(&prep.train_real, cfg.learning_rate.as_f64());
        let acc = zkagg::data::accuracy(&LogisticRegression, &cfg, &fed.weights, &prep.test);
        println!(
            "{t:>5}  {:>13.2}%  {:>15.2}%",
            100.0 * acc,
            100.0 * base.accuracy(&prep.test_real)
        );
    }
    Ok(())
}
