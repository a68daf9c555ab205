//! Unit tests: both faces on small hand-made cases, boundaries of the
//! fixed-point arithmetic, the data commitment and the constraint budget.

use super::gadgets::{floor_div, floor_div_native, is_zero};
use super::*;
use crate::field::{from_i64, to_i64, FixedPoint, Fr};
use crate::r1cs::{ShapeBuilder, WitnessGenerator};

fn small_cfg(f: usize, n: usize) -> TrainConfig {
    TrainConfig {
        num_features: f,
        max_samples: n,
        data_format: FixedPoint {
            frac_bits: 4,
            total_bits: 8,
        },
        model_format: FixedPoint {
            frac_bits: 8,
            total_bits: 14,
        },
        learning_rate: LearningRate {
            num: 3,
            frac_bits: 2,
        },
        clip_bound: 40,
    }
}

/// Runs the step gadget on a witness generator; returns the Delta values and
/// whether every constraint held.
fn gadget_step<M: Model>(
    model: &M,
    cfg: &TrainConfig,
    w: &[i64],
    data: &Dataset,
) -> (Vec<i64>, bool) {
    let mut cs = WitnessGenerator::new();
    let wl: Vec<LinearCombination> = w
        .iter()
        .map(|&v| cs.alloc_input(Some(from_i64(v))).unwrap().into())
        .collect();
    let mut rows = Vec::new();
    for i in 0..cfg.max_samples {
        let real = i < data.num_samples();
        let x = (0..cfg.num_features)
            .map(|j| {
                cs.alloc(Some(from_i64(if real { data.row(i)[j] } else { 0 })))
                    .unwrap()
            })
            .collect();
        let label = cs
            .alloc(Some(from_i64(if real { data.labels()[i] } else { 0 })))
            .unwrap();
        let mask = cs
            .alloc(Some(if real { Fr::ONE } else { Fr::ZERO }))
            .unwrap();
        rows.push(RowVars { x, label, mask });
    }
    let out = model.train_step_gadget(&mut cs, cfg, &wl, &rows).unwrap();
    let vals = out
        .iter()
        .map(|o| to_i64(&cs.eval(o).unwrap()).unwrap())
        .collect();
    (vals, cs.is_satisfied())
}

#[test]
fn hard_sigmoid_floor_semantics() {
    let cfg = small_cfg(1, 1);
    // F_x = 4, F_w = 8: u = floor(acc / 64), s = clamp(u + 128, 0, 256).
    assert_eq!(LogisticRegression::hard_sigmoid(&cfg, 0), 128);
    assert_eq!(LogisticRegression::hard_sigmoid(&cfg, -1), 127);
    assert_eq!(LogisticRegression::hard_sigmoid(&cfg, 63), 128);
    assert_eq!(LogisticRegression::hard_sigmoid(&cfg, 64 * 128), 256);
    assert_eq!(LogisticRegression::hard_sigmoid(&cfg, 64 * 127 + 63), 255);
    assert_eq!(LogisticRegression::hard_sigmoid(&cfg, 64 * 200), 256);
    assert_eq!(LogisticRegression::hard_sigmoid(&cfg, -64 * 128), 0);
    assert_eq!(LogisticRegression::hard_sigmoid(&cfg, -64 * 128 + 1), 0);
    assert_eq!(LogisticRegression::hard_sigmoid(&cfg, -64 * 127), 1);
}

#[test]
fn floor_div_matches_native_and_rejects_wrong_quotients() {
    for (num, n, s) in [
        (-7i128, 3u128, 0u32),
        (7, 3, 2),
        (-1, 5, 3),
        (0, 1, 0),
        (-96, 3, 5),
        (95, 3, 5),
    ] {
        let (q, r) = floor_div_native(num, n, s);
        assert!(r >= 0 && r < (n as i128) << s);
        assert_eq!(q * ((n as i128) << s) + r, num);
        let mut cs = WitnessGenerator::new();
        let a = cs.alloc(Some(crate::field::from_i128(num))).unwrap();
        let b = cs.alloc(Some(Fr::from(n as u64))).unwrap();
        let qv = floor_div(&mut cs, a.into(), b.into(), s, 3).unwrap();
        assert_eq!(cs.value(qv), Some(crate::field::from_i128(q)));
        assert!(cs.is_satisfied(), "{num} {n} {s}");
    }
    // n = 0 is unsatisfiable (no panic).
    let mut cs = WitnessGenerator::new();
    let a = cs.alloc(Some(Fr::from(5u8))).unwrap();
    let b = cs.alloc(Some(Fr::ZERO)).unwrap();
    floor_div(&mut cs, a.into(), b.into(), 2, 3).unwrap();
    assert!(!cs.is_satisfied());
}

#[test]
fn is_zero_gadget() {
    for (v, z) in [(Fr::ZERO, true), (Fr::ONE, false), (-Fr::from(9u8), false)] {
        let mut cs = WitnessGenerator::new();
        let x = cs.alloc(Some(v)).unwrap();
        let b = is_zero(&mut cs, x.into()).unwrap();
        assert_eq!(cs.value(b), Some(if z { Fr::ONE } else { Fr::ZERO }));
        assert!(cs.is_satisfied());
    }
}

#[test]
fn both_faces_agree_on_a_small_case() {
    let cfg = small_cfg(3, 5);
    let data = Dataset::from_rows(
        &[vec![16, -8, 127], vec![-128, 3, 0], vec![5, 5, -5]],
        vec![1, 0, 1],
    )
    .unwrap();
    let w = vec![300, -200, 1000, -50];
    let native = LogisticRegression.train_step(&cfg, &w, &data).unwrap();
    let (circ, ok) = gadget_step(&LogisticRegression, &cfg, &w, &data);
    assert!(ok);
    assert_eq!(native, circ);
    assert!(
        native.iter().any(|&d| d.abs() == 40),
        "clipping exercised: {native:?}"
    );

    let ldata = Dataset::from_rows(
        &[vec![16, -8, 127], vec![-128, 3, 0], vec![5, 5, -5]],
        vec![20, -100, 127],
    )
    .unwrap();
    let native = LinearRegression.train_step(&cfg, &w, &ldata).unwrap();
    let (circ, ok) = gadget_step(&LinearRegression, &cfg, &w, &ldata);
    assert!(ok);
    assert_eq!(native, circ);
}

#[test]
fn extreme_weights_and_data_fit_the_widths() {
    let cfg = small_cfg(4, 3);
    let min_w = cfg.model_format.min_int();
    let data = Dataset::from_rows(
        &[vec![127; 4], vec![-128; 4], vec![-128, 127, -128, 127]],
        vec![1, 0, 1],
    )
    .unwrap();
    for w in [vec![min_w; 5], vec![cfg.model_format.max_int(); 5]] {
        for model in [ModelKind::Logistic, ModelKind::Linear] {
            let ldata = if model == ModelKind::Linear {
                Dataset::from_rows(
                    &[vec![127; 4], vec![-128; 4], vec![-128, 127, -128, 127]],
                    vec![127, -128, 0],
                )
                .unwrap()
            } else {
                data.clone()
            };
            let native = model.train_step(&cfg, &w, &ldata).unwrap();
            let (circ, ok) = gadget_step(&model, &cfg, &w, &ldata);
            assert!(ok, "{model:?}");
            assert_eq!(native, circ);
        }
    }
}

#[test]
fn native_rejects_bad_inputs() {
    let cfg = small_cfg(2, 2);
    let data = Dataset::from_rows(&[vec![1, 2]], vec![1]).unwrap();
    assert!(matches!(
        LogisticRegression.train_step(&cfg, &[0, 0], &data),
        Err(ModelError::WrongLength { .. })
    ));
    assert!(matches!(
        LogisticRegression.train_step(&cfg, &[0, 0, 1 << 13], &data),
        Err(ModelError::OutOfRange {
            what: "weights",
            ..
        })
    ));
    let big = Dataset::from_rows(&[vec![1, 2], vec![1, 2], vec![0, 0]], vec![1, 0, 1]).unwrap();
    assert!(matches!(
        LogisticRegression.train_step(&cfg, &[0, 0, 0], &big),
        Err(ModelError::TooManySamples { .. })
    ));
    let bad_label = Dataset::from_rows(&[vec![1, 2]], vec![2]).unwrap();
    assert!(matches!(
        LogisticRegression.train_step(&cfg, &[0, 0, 0], &bad_label),
        Err(ModelError::OutOfRange { what: "labels", .. })
    ));
    let empty = Dataset::new(2, vec![], vec![]).unwrap();
    assert_eq!(
        LogisticRegression.train_step(&cfg, &[0, 0, 0], &empty),
        Err(ModelError::EmptyDataset)
    );
}

#[test]
fn data_commitment_gadget_matches_native() {
    let cfg = small_cfg(3, 4);
    let data = Dataset::from_rows(&[vec![1, -2, 3], vec![-128, 127, 0]], vec![1, 0]).unwrap();
    let salt = Fr::from(77u64);
    let native = commit_data(&cfg, LabelKind::Binary, &data, &salt).unwrap();
    let mut cs = WitnessGenerator::new();
    let mut x = Vec::new();
    for i in 0..4 {
        for j in 0..3 {
            let v = if i < 2 { data.row(i)[j] } else { 0 };
            x.push(cs.alloc(Some(from_i64(v))).unwrap().into());
        }
    }
    let y: Vec<LinearCombination> = [1, 0, 0, 0]
        .iter()
        .map(|&v| cs.alloc(Some(from_i64(v))).unwrap().into())
        .collect();
    let m: Vec<LinearCombination> = [1, 1, 0, 0]
        .iter()
        .map(|&v| cs.alloc(Some(from_i64(v))).unwrap().into())
        .collect();
    let s = cs.alloc(Some(salt)).unwrap();
    let c = commit_data_gadget(&mut cs, &cfg, LabelKind::Binary, &x, &y, &m, s.into()).unwrap();
    assert_eq!(cs.eval(&c), Some(native));
    // Different salt, different data, different padding length: different c_D.
    assert_ne!(
        native,
        commit_data(&cfg, LabelKind::Binary, &data, &Fr::from(78u64)).unwrap()
    );
    let other = Dataset::from_rows(&[vec![1, -2, 3], vec![-128, 127, 1]], vec![1, 0]).unwrap();
    assert_ne!(
        native,
        commit_data(&cfg, LabelKind::Binary, &other, &salt).unwrap()
    );
    let mut cfg5 = cfg.clone();
    cfg5.max_samples = 5;
    assert_ne!(
        native,
        commit_data(&cfg5, LabelKind::Binary, &data, &salt).unwrap()
    );
}

#[test]
fn shape_matches_witness_and_statement_order() {
    let cfg = small_cfg(3, 4);
    let data = Dataset::from_rows(
        &[vec![1, -2, 3], vec![-128, 127, 0], vec![7, 7, 7]],
        vec![1, 0, 1],
    )
    .unwrap();
    let w = vec![10, -20, 30, 5];
    let dopen = DataOpening {
        data,
        salt: Fr::from(5u8),
    };
    let upd = UpdateOpening::train_with(
        &LogisticRegression,
        &cfg,
        &w,
        &dopen.data,
        Fr::from(9u8),
        Fr::from(11u8),
    )
    .unwrap();
    let st = TrainStatement::honest(&cfg, LabelKind::Binary, &w, &dopen, &upd, Fr::from(123u64))
        .unwrap();
    let circuit = TrainCircuit::new(
        cfg.clone(),
        LogisticRegression,
        st.clone(),
        TrainWitness {
            data: dopen,
            update: upd,
        },
    )
    .unwrap();
    let mut wg = WitnessGenerator::new();
    circuit.synthesize(&mut wg).unwrap();
    assert!(wg.is_satisfied(), "{:?}", wg.first_failure());
    assert_eq!(wg.inputs(), &st.public_inputs()[..]);
    let mut sb = ShapeBuilder::new();
    TrainCircuit::shape(cfg, LogisticRegression)
        .unwrap()
        .synthesize(&mut sb)
        .unwrap();
    let shape = sb.finish();
    let (wit, ins) = wg.into_assignment();
    assert_eq!(shape.num_vars, wit.len());
    assert_eq!(shape.first_unsatisfied(&wit, &ins), None);
}

#[test]
fn breast_cancer_shape_stays_under_two_to_the_sixteen() {
    let cfg = TrainConfig::breast_cancer(91);
    let (table, cc) = constraint_table(&cfg, LogisticRegression).unwrap();
    let total: usize = table.iter().map(|r| r.constraints).sum();
    assert_eq!(total, cc.num_constraints());
    assert!(total < 1 << 16, "{}", cc.report());
    assert!(cc.num_witnesses() < 1 << 16);
}

#[test]
fn mean_update_floors_and_saturates() {
    let cfg = small_cfg(1, 1);
    let max = cfg.model_format.max_int();
    assert_eq!(
        apply_mean_update(&cfg, &[0, 0], &[-3, 3], 2).unwrap(),
        vec![-2, 1]
    );
    assert_eq!(
        apply_mean_update(&cfg, &[max, 0], &[100, 0], 1).unwrap(),
        vec![max, 0]
    );
    assert!(apply_mean_update(&cfg, &[0, 0], &[0, 0], 0).is_err());
}

#[test]
fn compact_breast_cancer_shape_stays_under_two_to_the_fifteen() {
    let cfg = TrainConfig::breast_cancer_compact(91);
    let (_, cc) = constraint_table(&cfg, LogisticRegression).unwrap();
    assert!(cc.num_constraints() < 1 << 15, "{}", cc.report());
    assert!(cc.num_witnesses() + 1 < 1 << 15);
}
