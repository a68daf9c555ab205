//! Loading, standardisation, the seeded split and the shards.

use zkagg_data::{
    breast_cancer, prepare, quantise, shard, shuffled_indices, train_test_split, DataError,
    Overflow, RealDataset, ShardSizes, SplitOptions, Standardizer,
};
use zkagg_zk::field::FixedPoint;
use zkagg_zk::model::{commit_data, LabelKind, TrainConfig};
use zkagg_zk::Fr;

#[test]
fn breast_cancer_is_569_by_30_with_binary_labels() {
    let d = breast_cancer::load();
    assert_eq!(d.len(), breast_cancer::ROWS);
    assert_eq!(d.num_features(), breast_cancer::FEATURES);
    assert!(d.rows.iter().all(|r| r.len() == 30));
    let ones = d.labels.iter().filter(|&&y| y == 1.0).count();
    assert!(d.labels.iter().all(|&y| y == 0.0 || y == 1.0));
    assert_eq!(ones, 357, "benign count");
}

#[test]
fn shuffles_are_seeded_permutations() {
    let a = shuffled_indices(100, 5);
    assert_eq!(a, shuffled_indices(100, 5));
    assert_ne!(a, shuffled_indices(100, 6));
    let mut s = a.clone();
    s.sort();
    assert_eq!(s, (0..100).collect::<Vec<_>>());
}

#[test]
fn split_and_shards_partition_the_rows() {
    let d = breast_cancer::load();
    let (train, test) = train_test_split(&d, 0.2, 1).unwrap();
    assert_eq!((train.len(), test.len()), (455, 114));
    let shards = shard(&train, &ShardSizes::Weights(vec![1.0, 2.0, 3.0]), 2).unwrap();
    let sizes: Vec<usize> = shards.iter().map(|s| s.len()).collect();
    assert_eq!(sizes.iter().sum::<usize>(), 455);
    assert_eq!(sizes, vec![76, 152, 227]);
    assert_eq!(
        ShardSizes::Equal(5).sizes(457).unwrap(),
        vec![92, 92, 91, 91, 91]
    );
    assert!(matches!(
        ShardSizes::Equal(0).sizes(10),
        Err(DataError::BadSplit(_))
    ));
    assert!(matches!(
        ShardSizes::Sizes(vec![5, 0]).sizes(10),
        Err(DataError::BadSplit(_))
    ));
    assert!(matches!(
        ShardSizes::Sizes(vec![6, 6]).sizes(10),
        Err(DataError::BadSplit(_))
    ));
    assert!(matches!(
        train_test_split(&d, 1.0, 1),
        Err(DataError::BadSplit(_))
    ));
}

#[test]
fn standardiser_uses_training_statistics_only() {
    let train = RealDataset {
        feature_names: vec!["a".into(), "c".into()],
        rows: vec![vec![1.0, 5.0], vec![3.0, 5.0]],
        labels: vec![0.0, 1.0],
    };
    let s = Standardizer::fit(&train).unwrap();
    assert_eq!(s.means, vec![2.0, 5.0]);
    assert_eq!(s.stds, vec![1.0, 1.0]); // the constant column gets std 1
    let test = RealDataset {
        rows: vec![vec![4.0, 6.0]],
        ..train.clone()
    };
    assert_eq!(s.apply(&test).unwrap().rows, vec![vec![2.0, 1.0]]);
}

#[test]
fn quantise_rounds_and_saturates_or_rejects() {
    let fmt = FixedPoint {
        frac_bits: 4,
        total_bits: 8,
    };
    let d = RealDataset {
        feature_names: vec!["a".into()],
        rows: vec![vec![0.03], vec![-9.0], vec![100.0]],
        labels: vec![0.0, 1.0, 1.0],
    };
    let (q, sat) = quantise(&d, fmt, LabelKind::Binary, Overflow::Saturate).unwrap();
    assert_eq!(q.features(), &[0, -128, 127]);
    assert_eq!(sat, 2);
    assert!(matches!(
        quantise(&d, fmt, LabelKind::Binary, Overflow::Error),
        Err(DataError::OutOfRange { line: 3, .. })
    ));
}

#[test]
fn prepared_shards_are_deterministic_and_committable() {
    let d = breast_cancer::load();
    let cfg = TrainConfig::breast_cancer(91);
    let opts = SplitOptions {
        test_fraction: 0.2,
        shards: ShardSizes::Equal(5),
        seed: 9,
        format: cfg.data_format,
        labels: LabelKind::Binary,
    };
    let a = prepare(&d, &opts).unwrap();
    let b = prepare(&d, &opts).unwrap();
    assert_eq!(a.shards, b.shards);
    assert_eq!(a.test, b.test);
    for s in &a.shards {
        assert_eq!(s.num_samples(), 91);
        commit_data(&cfg, LabelKind::Binary, s, &Fr::ONE).unwrap();
    }
}
