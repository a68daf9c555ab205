//! R_train end to end on a small configuration: honest proofs verify (NIZK
//! and SNARK); every false statement fails cleanly, as an unsatisfiable
//! witness at the prover or a rejected proof at the verifier.

use merlin::Transcript;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkagg_zk::field::{from_i64, FixedPoint, Fr};
use zkagg_zk::model::*;
use zkagg_zk::r1cs::{Circuit, WitnessGenerator};
use zkagg_zk::spartan::{NizkParams, SnarkParams};
use zkagg_zk::ProofError;

fn cfg() -> TrainConfig {
    TrainConfig {
        num_features: 3,
        max_samples: 6,
        data_format: FixedPoint {
            frac_bits: 4,
            total_bits: 8,
        },
        model_format: FixedPoint {
            frac_bits: 10,
            total_bits: 16,
        },
        learning_rate: LearningRate {
            num: 1,
            frac_bits: 1,
        },
        clip_bound: 200,
    }
}

struct Case {
    weights: Vec<i64>,
    data: DataOpening,
    update: UpdateOpening,
    rho: Fr,
}

fn case() -> Case {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let data = Dataset::from_rows(
        &[
            vec![16, -8, 100],
            vec![-128, 3, 0],
            vec![5, 5, -5],
            vec![40, -60, 12],
        ],
        vec![1, 0, 1, 0],
    )
    .unwrap();
    let weights = vec![300, -200, 1000, -50];
    let data = DataOpening::new(data, &mut rng);
    let update =
        UpdateOpening::train(&LogisticRegression, &cfg(), &weights, &data.data, &mut rng).unwrap();
    Case {
        weights,
        data,
        update,
        rho: random_scalar(&mut rng),
    }
}

fn statement(c: &Case) -> TrainStatement {
    TrainStatement::honest(
        &cfg(),
        LabelKind::Binary,
        &c.weights,
        &c.data,
        &c.update,
        c.rho,
    )
    .unwrap()
}

fn circuit(
    st: TrainStatement,
    data: DataOpening,
    update: UpdateOpening,
) -> TrainCircuit<LogisticRegression> {
    TrainCircuit::new(cfg(), LogisticRegression, st, TrainWitness { data, update }).unwrap()
}

fn t() -> Transcript {
    Transcript::new(b"zkagg/test/train")
}

fn nizk() -> NizkParams {
    NizkParams::setup(&TrainCircuit::shape(cfg(), LogisticRegression).unwrap()).unwrap()
}

/// Proving must fail with an unsatisfied constraint inside `gadget`.
fn assert_unsat(params: &NizkParams, c: &TrainCircuit<LogisticRegression>, gadget: &str) {
    match params.prove(c, &mut t()) {
        Err(ProofError::Unsatisfied { gadget: g, .. }) => {
            assert!(g.starts_with(gadget), "failed in {g}, expected {gadget}")
        }
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("a false statement was proven"),
    }
}

/// A cheating prover that skips the witness check: its proof must be rejected.
fn assert_forged_proof_rejected(params: &NizkParams, c: &TrainCircuit<LogisticRegression>) {
    let mut wg = WitnessGenerator::unchecked();
    c.synthesize(&mut wg).unwrap();
    let (w, x) = wg.into_assignment();
    let proof = params.prove_assignment(&w, &x, &mut t()).unwrap();
    let res = params.verify_bytes(&proof.to_bytes(), &x, &mut t());
    assert!(matches!(res, Err(ProofError::Rejected(_))), "{res:?}");
}

#[test]
fn honest_nizk_verifies_and_binds_every_public_input() {
    let c = case();
    let st = statement(&c);
    let params = nizk();
    let (proof, x) = params
        .prove(
            &circuit(st.clone(), c.data.clone(), c.update.clone()),
            &mut t(),
        )
        .unwrap();
    assert_eq!(x, st.public_inputs());
    let bytes = proof.to_bytes();
    params.verify_bytes(&bytes, &x, &mut t()).unwrap();
    // Any change to a public input (w_t, c_D, h, rho, y) is rejected.
    for i in 0..x.len() {
        let mut bad = x.clone();
        bad[i] += Fr::ONE;
        let res = params.verify_bytes(&bytes, &bad, &mut t());
        assert!(
            matches!(res, Err(ProofError::Rejected(_))),
            "input {i}: {res:?}"
        );
    }
}

#[test]
fn honest_snark_verifies() {
    let c = case();
    let st = statement(&c);
    let params =
        SnarkParams::setup(&TrainCircuit::shape(cfg(), LogisticRegression).unwrap()).unwrap();
    let (proof, x) = params
        .prove(&circuit(st, c.data.clone(), c.update.clone()), &mut t())
        .unwrap();
    let vk = params.verifier_key();
    vk.verify_bytes(&proof.to_bytes(), &x, &mut t()).unwrap();
    let mut bad = x.clone();
    let last = bad.len() - 1;
    bad[last] += Fr::ONE;
    assert!(vk.verify_bytes(&proof.to_bytes(), &bad, &mut t()).is_err());
}

#[test]
fn update_off_by_one_in_one_coordinate_fails() {
    let c = case();
    let params = nizk();
    for j in [0, cfg().dim() - 1] {
        let mut upd = c.update.clone();
        upd.delta[j] += if upd.delta[j] < cfg().clip_bound as i64 {
            1
        } else {
            -1
        };
        // The cheater's statement is consistent with its update (h, y recomputed).
        let st =
            TrainStatement::honest(&cfg(), LabelKind::Binary, &c.weights, &c.data, &upd, c.rho)
                .unwrap();
        let circ = circuit(st, c.data.clone(), upd);
        assert_unsat(&params, &circ, "update_eq");
        assert_forged_proof_rejected(&params, &circ);
    }
}

#[test]
fn data_that_does_not_open_the_commitment_fails() {
    let c = case();
    let params = nizk();
    let st = statement(&c);
    // Same statement (c_D of the registered data), other data with the honest
    // step on it, or the registered data with another salt.
    let mut rows: Vec<Vec<i64>> = (0..c.data.data.num_samples())
        .map(|i| c.data.data.row(i).to_vec())
        .collect();
    rows[2][1] += 1;
    let other = DataOpening {
        data: Dataset::from_rows(&rows, c.data.data.labels().to_vec()).unwrap(),
        salt: c.data.salt,
    };
    let upd = UpdateOpening::train_with(
        &LogisticRegression,
        &cfg(),
        &c.weights,
        &other.data,
        c.update.beta,
        c.update.salt,
    )
    .unwrap();
    let st2 = TrainStatement {
        h: upd.hash(&cfg()).unwrap(),
        y: upd.evaluate(&c.rho),
        ..st.clone()
    };
    let circ = circuit(st2, other, upd);
    assert_unsat(&params, &circ, "data_commit");
    assert_forged_proof_rejected(&params, &circ);

    let salted = DataOpening {
        data: c.data.data.clone(),
        salt: c.data.salt + Fr::ONE,
    };
    assert_unsat(
        &params,
        &circuit(st.clone(), salted, c.update.clone()),
        "data_commit",
    );

    // Dropping a row (fewer real rows, same commitment) fails too.
    let fewer = DataOpening {
        data: c.data.data.slice(0..3),
        salt: c.data.salt,
    };
    let upd = UpdateOpening::train_with(
        &LogisticRegression,
        &cfg(),
        &c.weights,
        &fewer.data,
        c.update.beta,
        c.update.salt,
    )
    .unwrap();
    let st3 = TrainStatement {
        h: upd.hash(&cfg()).unwrap(),
        y: upd.evaluate(&c.rho),
        ..st
    };
    assert_unsat(&params, &circuit(st3, fewer, upd), "data_commit");
}

/// h of an update that may be out of range, computed the way a cheater would
/// (same packing and sponge, no range check).
fn raw_update_hash(delta: &[i64], bits: usize, beta: Fr, salt: Fr) -> Fr {
    zkagg_zk::update::update_hash(delta, bits, &beta, &salt)
}

#[test]
fn coordinate_beyond_the_clip_bound_fails() {
    // A large learning rate makes the honest step hit the bound.
    let mut config = cfg();
    config.learning_rate = LearningRate {
        num: 8,
        frac_bits: 0,
    };
    let c = case();
    let honest = LogisticRegression
        .train_step(&config, &c.weights, &c.data.data)
        .unwrap();
    let b = config.clip_bound as i64;
    let j = honest
        .iter()
        .position(|d| d.abs() == b)
        .expect("some coordinate is clipped");
    let mut delta = honest.clone();
    delta[j] = if honest[j] > 0 { b + 1 } else { -b - 1 };
    assert!(update_hash(&config, &delta, &c.update.beta, &c.update.salt).is_err());
    let bits = config.widths().unwrap().delta_bits;
    let upd = UpdateOpening {
        delta: delta.clone(),
        beta: c.update.beta,
        salt: c.update.salt,
    };
    let st = TrainStatement {
        weights: c.weights.clone(),
        c_d: c.data.commit(&config, LabelKind::Binary).unwrap(),
        h: raw_update_hash(&delta, bits, upd.beta, upd.salt),
        rho: c.rho,
        y: upd.evaluate(&c.rho),
    };
    let circ = TrainCircuit::new(
        config.clone(),
        LogisticRegression,
        st,
        TrainWitness {
            data: c.data.clone(),
            update: upd,
        },
    )
    .unwrap();
    let params =
        NizkParams::setup(&TrainCircuit::shape(config, LogisticRegression).unwrap()).unwrap();
    assert_unsat(&params, &circ, "update_eq");
    assert_forged_proof_rejected(&params, &circ);
}

#[test]
fn hash_or_evaluation_not_matching_the_update_fails() {
    let c = case();
    let params = nizk();
    let st = statement(&c);
    let bad_h = TrainStatement {
        h: st.h + Fr::ONE,
        ..st.clone()
    };
    let circ = circuit(bad_h, c.data.clone(), c.update.clone());
    assert_unsat(&params, &circ, "update_hash");
    assert_forged_proof_rejected(&params, &circ);

    let bad_y = TrainStatement {
        y: st.y + Fr::ONE,
        ..st.clone()
    };
    let circ = circuit(bad_y, c.data.clone(), c.update.clone());
    assert_unsat(&params, &circ, "linear_form");
    assert_forged_proof_rejected(&params, &circ);

    // The right h and y for another mask beta do not match this witness.
    let mut other = c.update.clone();
    other.beta += Fr::ONE;
    let st_other = TrainStatement::honest(
        &cfg(),
        LabelKind::Binary,
        &c.weights,
        &c.data,
        &other,
        c.rho,
    )
    .unwrap();
    assert_unsat(
        &params,
        &circuit(st_other, c.data.clone(), c.update.clone()),
        "update_hash",
    );
}

#[test]
fn out_of_range_public_weights_are_unsatisfiable() {
    let c = case();
    let params = nizk();
    let mut st = statement(&c);
    // Bypass the constructor's range check by building the statement after it:
    // a weight outside W bits cannot satisfy the circuit's range check.
    let circ = circuit(st.clone(), c.data.clone(), c.update.clone());
    let mut wg = WitnessGenerator::unchecked();
    circ.synthesize(&mut wg).unwrap();
    let (w, mut x) = wg.into_assignment();
    x[0] = from_i64(1 << 20);
    st.weights[0] = 1 << 20;
    let proof = params.prove_assignment(&w, &x, &mut t()).unwrap();
    assert!(params
        .verify_bytes(&proof.to_bytes(), &x, &mut t())
        .is_err());
    assert!(matches!(
        TrainCircuit::new(
            cfg(),
            LogisticRegression,
            st,
            TrainWitness {
                data: c.data,
                update: c.update
            }
        ),
        Err(ModelError::OutOfRange {
            what: "weights",
            ..
        })
    ));
}
