//! Conformance kit for [`Model`]: on random small configurations, weights
//! and data, the circuit face of the training step computes exactly the
//! native step, and the honest R_train assignment satisfies the circuit and
//! matches its shape. Invoked for every shipped model.

use proptest::prelude::*;
use zkagg_zk::field::{from_i64, to_i64, FixedPoint, Fr};
use zkagg_zk::model::*;
use zkagg_zk::r1cs::{
    Circuit, ConstraintSystem, LinearCombination, ShapeBuilder, WitnessGenerator,
};

/// A random valid configuration with f <= 4 features and N <= 6 rows.
fn config() -> impl Strategy<Value = TrainConfig> {
    (
        1usize..=4,
        1usize..=6,
        1u32..=5,
        1u32..=5,
        0u32..=4,
        3u32..=8,
        1u64..=12,
        0u32..=4,
        1u64..=1000,
    )
        .prop_map(|(f, n, fx, extra_x, extra_w, w_int, lr, lr_frac, b)| {
            let fw = fx + extra_w + 2;
            let ww = fw + w_int;
            TrainConfig {
                num_features: f,
                max_samples: n,
                data_format: FixedPoint {
                    frac_bits: fx,
                    total_bits: fx + extra_x,
                },
                model_format: FixedPoint {
                    frac_bits: fw,
                    total_bits: ww,
                },
                learning_rate: LearningRate {
                    num: lr,
                    frac_bits: lr_frac,
                },
                clip_bound: b.min((1 << (ww - 1)) - 1),
            }
        })
}

/// A configuration with weights, data and a model.
fn instance(model: ModelKind) -> impl Strategy<Value = (TrainConfig, Vec<i64>, Dataset)> {
    config().prop_flat_map(move |cfg| {
        let (xmin, xmax) = (cfg.data_format.min_int(), cfg.data_format.max_int());
        let (wmin, wmax) = (cfg.model_format.min_int(), cfg.model_format.max_int());
        // Weights: mostly small, sometimes at the extremes.
        let w = prop::collection::vec(
            prop_oneof![4 => (wmin / 8)..=(wmax / 8), 1 => Just(wmin), 1 => Just(wmax)],
            cfg.dim(),
        );
        let rows = 1..=cfg.max_samples;
        let f = cfg.num_features;
        (Just(cfg), w, rows).prop_flat_map(move |(cfg, w, n)| {
            let labels = match model.label_kind() {
                LabelKind::Binary => prop::collection::vec(0i64..=1, n).boxed(),
                LabelKind::Fixed => prop::collection::vec(xmin..=xmax, n).boxed(),
            };
            (
                Just(cfg),
                Just(w),
                prop::collection::vec(xmin..=xmax, n * f),
                labels,
            )
                .prop_map(move |(cfg, w, x, y)| (cfg, w, Dataset::new(f, x, y).unwrap()))
        })
    })
}

fn gadget_step(model: ModelKind, cfg: &TrainConfig, w: &[i64], data: &Dataset) -> (Vec<i64>, bool) {
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

fn check_relation(model: ModelKind, cfg: &TrainConfig, w: &[i64], data: Dataset) {
    let dopen = DataOpening {
        data,
        salt: Fr::from(3u8),
    };
    let upd = UpdateOpening::train_with(&model, cfg, w, &dopen.data, Fr::from(5u8), Fr::from(8u8))
        .unwrap();
    let st = TrainStatement::honest(cfg, model.label_kind(), w, &dopen, &upd, Fr::from(1234u64))
        .unwrap();
    let circ = TrainCircuit::new(
        cfg.clone(),
        model,
        st,
        TrainWitness {
            data: dopen,
            update: upd,
        },
    )
    .unwrap();
    let mut wg = WitnessGenerator::new();
    circ.synthesize(&mut wg).unwrap();
    assert!(wg.is_satisfied(), "{:?}", wg.first_failure());
    let mut sb = ShapeBuilder::new();
    TrainCircuit::shape(cfg.clone(), model)
        .unwrap()
        .synthesize(&mut sb)
        .unwrap();
    let shape = sb.finish();
    let (wit, ins) = wg.into_assignment();
    assert_eq!(shape.first_unsatisfied(&wit, &ins), None);
}

/// The conformance properties for one model.
macro_rules! model_conformance {
    ($name:ident, $model:expr) => {
        mod $name {
            use super::*;
            proptest! {
                #![proptest_config(ProptestConfig::with_cases(24))]

                #[test]
                fn gadget_step_equals_native_step((cfg, w, data) in instance($model)) {
                    let native = $model.train_step(&cfg, &w, &data).unwrap();
                    let (circ, ok) = gadget_step($model, &cfg, &w, &data);
                    prop_assert!(ok);
                    prop_assert_eq!(native, circ);
                }
            }

            proptest! {
                #![proptest_config(ProptestConfig::with_cases(6))]

                #[test]
                fn honest_relation_is_satisfied((cfg, w, data) in instance($model)) {
                    check_relation($model, &cfg, &w, data);
                }
            }
        }
    };
}

model_conformance!(logistic, ModelKind::Logistic);
model_conformance!(linear, ModelKind::Linear);
