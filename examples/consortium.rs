//! The whole zkagg protocol in one process: a coordinator keeping a signed,
//! hash-chained bulletin, S aggregators and P providers training hard-sigmoid
//! logistic regression on Breast Cancer Wisconsin. Each round every provider
//! takes one clipped training step on its committed shard, secret-shares the
//! update among the aggregators, and proves R_train (Spartan NIZK) and the
//! link between its shares and its proof; aggregators verify and sum; the
//! coordinator releases the new model. At the end the bulletin is saved,
//! reloaded and audited from scratch.
//!
//! Run: `cargo run --release --example consortium -- [--aggregators 3]
//! [--providers 5] [--rounds 20] [--seed 2024] [--min-batch 3]
//! [--bulletin consortium.bulletin]`.

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::time::Instant;
use zkagg::aggregation::auditor::audit_bytes;
use zkagg::aggregation::config::ValidityMode;
use zkagg::aggregation::relation::TrainRelation;
use zkagg::aggregation::sim::{ConsortiumBuilder, Honest};
use zkagg::data::{accuracy, breast_cancer, prepare, ShardSizes, SplitOptions};
use zkagg::mpc::sharing::additive::Additive;
use zkagg::zk::model::{DataOpening, LabelKind, LogisticRegression, TrainConfig};

struct Args {
    aggregators: usize,
    providers: usize,
    rounds: u64,
    seed: u64,
    min_batch: u32,
    bulletin: String,
}

fn parse() -> Result<Args, String> {
    let mut a = Args {
        aggregators: 3,
        providers: 5,
        rounds: 20,
        seed: 2024,
        min_batch: 3,
        bulletin: "consortium.bulletin".into(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let val = it.next().ok_or(format!("{flag} needs a value"))?;
        let num = || {
            val.parse::<u64>()
                .map_err(|_| format!("{flag}: `{val}` is not a number"))
        };
        match flag.as_str() {
            "--aggregators" => a.aggregators = num()? as usize,
            "--providers" => a.providers = num()? as usize,
            "--rounds" => a.rounds = num()?,
            "--seed" => a.seed = num()?,
            "--min-batch" => a.min_batch = num()? as u32,
            "--bulletin" => a.bulletin = val,
            _ => return Err(format!("unknown flag {flag}")),
        }
    }
    if a.aggregators < 2 || a.providers == 0 {
        return Err("need at least 2 aggregators and 1 provider".into());
    }
    Ok(a)
}

fn main() {
    let args = match parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    if let Err(e) = run(&args) {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> Result<(), Box<dyn std::error::Error>> {
    let mut cfg = TrainConfig::breast_cancer(1);
    let prep = prepare(
        &breast_cancer::load(),
        &SplitOptions {
            test_fraction: 0.2,
            shards: ShardSizes::Equal(args.providers),
            seed: args.seed,
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
    let d = cfg.dim();
    println!(
        "zkagg consortium: {} aggregators, {} providers, {} rounds; Breast Cancer Wisconsin {} train rows (shards {:?}), {} test rows; d = {d}",
        args.aggregators,
        args.providers,
        args.rounds,
        prep.train_real.len(),
        prep.shards.iter().map(|s| s.num_samples()).collect::<Vec<_>>(),
        prep.test.num_samples()
    );
    let t0 = Instant::now();
    let relation = TrainRelation::new(cfg.clone(), LogisticRegression)?;
    println!(
        "R_train setup (shape, Spartan NIZK generators): {:.2?}",
        t0.elapsed()
    );
    let mut c = ConsortiumBuilder::new(relation, Additive::new(args.aggregators)?)
        .name("zkagg breast-cancer demo")
        .providers(args.providers)
        .validity(ValidityMode::ZkProof)
        .min_batch(args.min_batch)
        .initial_model(vec![0; d])
        .seed(args.seed)
        .build()?;
    let mut rng = ChaCha20Rng::seed_from_u64(args.seed);
    let inputs: Vec<DataOpening> = prep
        .shards
        .iter()
        .map(|s| DataOpening::new(s.clone(), &mut rng))
        .collect();
    c.register(&inputs)?;
    let mut last_acc = 0.0;
    for _ in 0..args.rounds {
        let present: Vec<Option<&DataOpening>> = inputs.iter().map(Some).collect();
        let r = c.run_round(&present, &mut Honest, &mut rng)?;
        last_acc = accuracy(&LogisticRegression, &cfg, c.model(), &prep.test);
        let rejected: Vec<String> = r
            .rejected
            .iter()
            .map(|(i, why)| {
                format!(
                    "P{}: {}",
                    i.0,
                    why.iter()
                        .map(|(s, w)| format!("A{} {w}", s.0))
                        .collect::<Vec<_>>()
                        .join("; ")
                )
            })
            .chain(
                r.failed_providers
                    .iter()
                    .map(|(i, e)| format!("P{}: could not prove: {e}", i.0)),
            )
            .collect();
        let n = present.len().max(1) as u32;
        println!(
            "round {:>2}: accepted {:?} rejected [{}] | test accuracy {:>6.2}% | prove {:>7.1?}/provider, verify {:>7.1?}/aggregator, aggregate {:>6.1?} | bytes: provider {:?}, aggregator {:?}",
            r.round,
            r.accepted.iter().map(|i| i.0).collect::<Vec<_>>(),
            rejected.join(", "),
            100.0 * last_acc,
            r.prove_time / n,
            r.verify_time / args.aggregators as u32,
            r.aggregate_time,
            r.provider_bytes.values().collect::<Vec<_>>(),
            r.aggregator_bytes.values().collect::<Vec<_>>(),
        );
    }
    let path = std::path::Path::new(&args.bulletin);
    std::fs::write(path, c.bulletin().to_bytes())?;
    let bytes = std::fs::read(path)?;
    let t = Instant::now();
    let verdict = audit_bytes(c.setup(), &bytes);
    println!(
        "bulletin: {} entries, {} bytes, saved to {}; auditor ({:.2?}): {}",
        c.bulletin().entries().len(),
        bytes.len(),
        path.display(),
        t.elapsed(),
        match verdict.first_failure() {
            None => format!(
                "OK, {} rounds checked, {} released, final model matches; validity: {:?}",
                verdict.rounds_checked(),
                verdict.rounds_released(),
                verdict.validity
            ),
            Some(f) => format!(
                "REJECTED at entry {:?}: {:?} (blame {})",
                f.entry, f.fault, f.blame
            ),
        }
    );
    println!("final test accuracy: {:.2}%", 100.0 * last_acc);
    if !verdict.ok() {
        return Err("the auditor rejected the bulletin".into());
    }
    Ok(())
}
