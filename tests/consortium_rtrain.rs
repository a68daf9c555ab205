//! End-to-end through the facade: one round of the full protocol with R_train
//! (logistic regression on Breast Cancer Wisconsin shards), a saved and
//! reloaded bulletin, and the auditor's verdict. The long run is the
//! `consortium` example.

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkagg::aggregation::auditor::audit_bytes;
use zkagg::aggregation::config::ValidityMode;
use zkagg::aggregation::relation::TrainRelation;
use zkagg::aggregation::sim::{ConsortiumBuilder, Honest};
use zkagg::aggregation::ProviderId;
use zkagg::data::{breast_cancer, prepare, ShardSizes, SplitOptions};
use zkagg::mpc::sharing::additive::Additive;
use zkagg::zk::model::{DataOpening, LabelKind, LogisticRegression, TrainConfig};

#[test]
fn one_rtrain_round_aggregates_and_audits() {
    let mut cfg = TrainConfig::breast_cancer_compact(1);
    let prep = prepare(
        &breast_cancer::load(),
        &SplitOptions {
            test_fraction: 0.2,
            shards: ShardSizes::Sizes(vec![30, 25, 20]),
            seed: 7,
            format: cfg.data_format,
            labels: LabelKind::Binary,
        },
    )
    .unwrap();
    cfg.max_samples = 30;
    let relation = TrainRelation::new(cfg.clone(), LogisticRegression).unwrap();
    let mut c = ConsortiumBuilder::new(relation, Additive::new(2).unwrap())
        .name("test")
        .providers(3)
        .validity(ValidityMode::ZkProof)
        .min_batch(2)
        .seed(1)
        .build()
        .unwrap();
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let inputs: Vec<DataOpening> = prep
        .shards
        .iter()
        .map(|s| DataOpening::new(s.clone(), &mut rng))
        .collect();
    c.register(&inputs).unwrap();
    let present: Vec<Option<&DataOpening>> = inputs.iter().map(Some).collect();
    let r = c.run_round(&present, &mut Honest, &mut rng).unwrap();
    assert_eq!(
        r.accepted,
        vec![ProviderId(0), ProviderId(1), ProviderId(2)],
        "{:?} {:?}",
        r.rejected,
        r.failed_providers
    );
    // The released model is w_0 + floor(sum of the native steps / 3).
    let steps: Vec<Vec<i64>> = prep
        .shards
        .iter()
        .map(|s| {
            zkagg::zk::model::Model::train_step(&LogisticRegression, &cfg, &vec![0; cfg.dim()], s)
                .unwrap()
        })
        .collect();
    let expect: Vec<i64> = (0..cfg.dim())
        .map(|j| steps.iter().map(|s| s[j]).sum::<i64>().div_euclid(3))
        .collect();
    assert_eq!(r.new_model(), Some(&expect[..]));
    let v = audit_bytes(c.setup(), &c.bulletin().to_bytes());
    assert!(v.ok(), "{:?}", v.failures);
    // The proof-of-contribution report: each provider's registered data
    // commitment, at the entry that posted it, and its counted round.
    let header = v.rounds[0].entries.header;
    for (i, p) in v.contributions.providers.iter().enumerate() {
        let reg = p.registration.expect("R_train registers");
        assert!(reg.entry < header);
        let c_d = inputs[i].commit(&cfg, LabelKind::Binary).unwrap();
        assert_eq!(reg.data_commitment, c_d);
        assert_eq!(p.counted_rounds(), vec![0]);
    }
}
