//! 2PC tests: accept/reject at the boundaries for both sharings, predicate
//! circuit vs native, malformed messages, misuse.

use super::*;
use crate::garble::{GateCounter, Plaintext};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;

fn scalar_of(v: i64) -> Scalar {
    if v >= 0 {
        Scalar::from(v as u64)
    } else {
        -Scalar::from(v.unsigned_abs())
    }
}

fn share_field(xs: &[i64], rng: &mut ChaCha20Rng) -> (Vec<Scalar>, Vec<Scalar>) {
    let s1: Vec<Scalar> = xs.iter().map(|_| Scalar::random(rng)).collect();
    let s2 = xs.iter().zip(&s1).map(|(&v, r)| scalar_of(v) - r).collect();
    (s1, s2)
}

fn share_ring(xs: &[i64], rng: &mut ChaCha20Rng) -> (Vec<u64>, Vec<u64>) {
    let s1: Vec<u64> = xs.iter().map(|_| rng.gen()).collect();
    let s2 = xs
        .iter()
        .zip(&s1)
        .map(|(&v, r)| (v as u64).wrapping_sub(*r))
        .collect();
    (s1, s2)
}

fn run_field(xs: &[i64], bound: u64, seed: u64) -> (bool, TwoPcCost) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let (a, b) = share_field(xs, &mut rng);
    let mut rg = ChaCha20Rng::seed_from_u64(seed + 1);
    let mut re = ChaCha20Rng::seed_from_u64(seed + 2);
    check_bound::<FieldSharing, _, _>(&a, &b, bound, &mut IdealOt, &mut rg, &mut re).unwrap()
}

fn run_ring(xs: &[i64], bound: u64, seed: u64) -> (bool, TwoPcCost) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let (a, b) = share_ring(xs, &mut rng);
    let mut rg = ChaCha20Rng::seed_from_u64(seed + 1);
    let mut re = ChaCha20Rng::seed_from_u64(seed + 2);
    check_bound::<Ring64Sharing, _, _>(&a, &b, bound, &mut IdealOt, &mut rg, &mut re).unwrap()
}

/// Vectors of `d` in-bound values including both boundaries.
fn in_bound(d: usize, b: i64, rng: &mut ChaCha20Rng) -> Vec<i64> {
    let mut xs: Vec<i64> = (0..d).map(|_| rng.gen_range(-b..=b)).collect();
    xs[0] = b;
    xs[d / 2] = -b;
    xs[d - 1] = 0;
    xs
}

#[test]
fn accepts_in_bound_and_rejects_one_out_of_bound() {
    let mut rng = ChaCha20Rng::seed_from_u64(42);
    for &b in &[1i64, 1000, (1 << 40) + 7] {
        // d = 19 exercises full 8-lane groups and a remainder group.
        let xs = in_bound(19, b, &mut rng);
        assert!(run_field(&xs, b as u64, 1).0, "field accepts, B = {b}");
        assert!(run_ring(&xs, b as u64, 2).0, "ring accepts, B = {b}");
        for (pos, bad) in [
            (0usize, b + 1),
            (9, -b - 1),
            (18, b + 1),
            (5, i64::MAX),
            (7, i64::MIN),
        ] {
            let mut ys = xs.clone();
            ys[pos] = bad;
            assert!(
                !run_field(&ys, b as u64, 3).0,
                "field rejects {bad} at {pos}, B = {b}"
            );
            assert!(
                !run_ring(&ys, b as u64, 4).0,
                "ring rejects {bad} at {pos}, B = {b}"
            );
        }
    }
}

#[test]
fn bound_zero_and_extreme_bounds() {
    assert!(run_field(&[0, 0, 0], 0, 1).0);
    assert!(!run_field(&[0, 1, 0], 0, 1).0);
    assert!(!run_field(&[0, -1, 0], 0, 1).0);
    assert!(run_ring(&[0, 0], 0, 1).0);
    assert!(!run_ring(&[-1, 0], 0, 1).0);
    // Ring: the largest bound accepts everything but i64::MIN.
    let max = Ring64Sharing::MAX_BOUND;
    assert!(run_ring(&[i64::MAX, -i64::MAX, 0], max, 5).0);
    assert!(!run_ring(&[i64::MIN], max, 5).0);
    // Field: bound u64::MAX.
    assert!(run_field(&[i64::MAX, i64::MIN, 0], u64::MAX, 6).0);
}

#[test]
fn empty_vector_is_valid() {
    assert!(run_field(&[], 5, 1).0);
    assert!(run_ring(&[], 5, 1).0);
}

/// The per-coordinate circuit (in the clear) agrees with the native
/// predicate, on boundaries and on random shares.
#[test]
fn predicate_matches_native() {
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    for &b in &[0u64, 1, 77, 1 << 62, u64::MAX] {
        let c = coordinate_circuit::<FieldSharing>(b).unwrap();
        let bi = i128::from(b);
        let mut vals: Vec<i128> = vec![0, bi, -bi, bi + 1, -bi - 1, bi - 1, -bi + 1];
        vals.extend((0..8).map(|_| rng.gen::<i64>() as i128));
        for v in vals {
            let x = if v >= 0 {
                Scalar::from(v as u128)
            } else {
                -Scalar::from((-v) as u128)
            };
            for x1 in [Scalar::ZERO, -Scalar::ONE, Scalar::random(&mut rng), x] {
                let x2 = x - x1;
                let mut bits = Vec::new();
                FieldSharing::push_garbler_bits(&x1, b, &mut bits);
                FieldSharing::push_evaluator_bits(&x2, &mut bits);
                let want = v.abs() <= bi;
                assert_eq!(FieldSharing::in_range_native(&x1, &x2, b), want);
                assert_eq!(
                    c.eval_plain(&bits).unwrap(),
                    vec![want],
                    "field v = {v}, B = {b}"
                );
            }
        }
    }
    // Raw field elements around l/2 and l - 1 (not small signed values).
    let c = coordinate_circuit::<FieldSharing>(10).unwrap();
    for x in [
        -Scalar::ONE,
        -Scalar::from(11u64),
        Scalar::from(11u64),
        Scalar::from(u128::MAX),
    ] {
        let mut bits = Vec::new();
        FieldSharing::push_garbler_bits(&Scalar::ZERO, 10, &mut bits);
        FieldSharing::push_evaluator_bits(&x, &mut bits);
        assert_eq!(
            c.eval_plain(&bits).unwrap()[0],
            FieldSharing::in_range_native(&Scalar::ZERO, &x, 10)
        );
    }
    for &b in &[0u64, 1, 77, (1 << 62) + 3, Ring64Sharing::MAX_BOUND] {
        let c = coordinate_circuit::<Ring64Sharing>(b).unwrap();
        let bi = i128::from(b);
        let mut vals: Vec<i128> = vec![
            0,
            bi,
            -bi,
            bi + 1,
            -bi - 1,
            i128::from(i64::MIN),
            i128::from(i64::MAX),
        ];
        vals.extend((0..8).map(|_| rng.gen::<i64>() as i128));
        for v in vals {
            let x = v as i64 as u64;
            let x1: u64 = rng.gen();
            let x2 = x.wrapping_sub(x1);
            let mut bits = Vec::new();
            Ring64Sharing::push_garbler_bits(&x1, b, &mut bits);
            Ring64Sharing::push_evaluator_bits(&x2, &mut bits);
            let want = (v as i64 as i128).abs() <= bi;
            assert_eq!(Ring64Sharing::in_range_native(&x1, &x2, b), want);
            assert_eq!(
                c.eval_plain(&bits).unwrap(),
                vec![want],
                "ring v = {v}, B = {b}"
            );
        }
    }
}

#[test]
fn circuits_run_on_every_backend_and_costs_are_reported() {
    // Written once against Fancy: plaintext and counter backends directly.
    let mut p = Plaintext::new();
    let g = vec![false; 64];
    let e = vec![false; 64];
    assert!(Ring64Sharing::in_range(&mut p, &g, &e, 0).unwrap());
    let mut cnt = GateCounter::new();
    let u = vec![(); 253];
    FieldSharing::in_range(&mut cnt, &u, &u, 1000).unwrap();
    let field_ands = cnt.counts().and;
    let mut cnt = GateCounter::new();
    let u = vec![(); 64];
    Ring64Sharing::in_range(&mut cnt, &u, &u, 1000).unwrap();
    let ring_ands = cnt.counts().and;
    assert!(field_ands <= 800, "field: {field_ands} ANDs per coordinate");
    assert!(ring_ands <= 127, "ring: {ring_ands} ANDs per coordinate");

    let d = 10;
    let (ok, cost) = run_field(&vec![3; d], 1000, 1);
    assert!(ok);
    assert_eq!(cost.and_gates, d as u64 * field_ands + d as u64 - 1);
    assert_eq!(cost.ots, d as u64 * 253);
    assert_eq!(cost.rounds, 2); // ideal OT: garbled circuit flow + output flow
    let tables = 32 * cost.and_gates + 16;
    assert_eq!(
        cost.bytes_garbler_to_evaluator,
        tables + 16 * 253 * d as u64 + 1
    );
    assert_eq!(cost.bytes_evaluator_to_garbler, 16);
    let (_, cost) = run_ring(&vec![3; d], 1000, 1);
    assert_eq!(cost.and_gates, d as u64 * ring_ands + d as u64 - 1);
}

#[test]
fn misuse_is_reported() {
    let mut rg = ChaCha20Rng::seed_from_u64(1);
    let mut re = ChaCha20Rng::seed_from_u64(2);
    assert!(matches!(
        check_bound::<Ring64Sharing, _, _>(&[1, 2], &[1], 5, &mut IdealOt, &mut rg, &mut re),
        Err(TwoPcError::LengthMismatch {
            garbler: 2,
            evaluator: 1
        })
    ));
    assert!(matches!(
        check_bound::<Ring64Sharing, _, _>(&[1], &[1], 1 << 63, &mut IdealOt, &mut rg, &mut re),
        Err(TwoPcError::BoundTooLarge { .. })
    ));
    assert!(GarblerInit::<Ring64Sharing>::new(&[1], u64::MAX).is_err());
    assert!(EvaluatorInit::<Ring64Sharing>::new(&[1], u64::MAX).is_err());
}

/// Runs the typestates by hand, letting `tamper` corrupt the garbled message.
fn run_tampered(
    tamper: impl FnOnce(&mut GarbledCircuitMsg),
) -> Result<(bool, OutputLabelMsg), TwoPcError> {
    let mut rng = ChaCha20Rng::seed_from_u64(77);
    let (a, b) = share_ring(&[1, -2, 3], &mut rng);
    let g = GarblerInit::<Ring64Sharing>::new(&a, 10).unwrap();
    let e = EvaluatorInit::<Ring64Sharing>::new(&b, 10).unwrap();
    let (_g, mut msg, ot_in) = g.garble(&mut rng).unwrap();
    let labels = crate::ot::ideal::transfer_chosen(&ot_in.pairs, e.ot_choices()).unwrap();
    tamper(&mut msg);
    e.evaluate(msg, &labels)
}

fn blames_garbler(r: Result<(bool, OutputLabelMsg), TwoPcError>) -> bool {
    matches!(
        r,
        Err(TwoPcError::PeerMisbehaved {
            party: Role::Garbler,
            ..
        })
    )
}

#[test]
fn malformed_garbled_messages_are_errors() {
    assert!(run_tampered(|_| {}).unwrap().0);
    assert!(blames_garbler(run_tampered(|m| {
        m.tables.blocks.pop();
    })));
    assert!(blames_garbler(run_tampered(|m| m
        .tables
        .blocks
        .truncate(3))));
    assert!(blames_garbler(run_tampered(|m| m.tables.blocks.clear())));
    assert!(blames_garbler(run_tampered(|m| m
        .tables
        .blocks
        .push(Block(1)))));
    assert!(blames_garbler(run_tampered(|m| {
        m.garbler_labels.labels.pop();
    })));
    assert!(blames_garbler(run_tampered(|m| m
        .garbler_labels
        .labels
        .push(Block(1)))));
    assert!(blames_garbler(run_tampered(|m| m.decoding.bits.clear())));
    assert!(blames_garbler(run_tampered(|m| m.decoding.bits.push(true))));
    // Wrong number of OT labels is a local error.
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let g = GarblerInit::<Ring64Sharing>::new(&[1], 10).unwrap();
    let e = EvaluatorInit::<Ring64Sharing>::new(&[2], 10).unwrap();
    let (_, msg, _) = g.garble(&mut rng).unwrap();
    assert!(matches!(
        e.evaluate(msg, &[Block::ZERO; 3]),
        Err(TwoPcError::Local(GarbleError::WrongLabelCount { .. }))
    ));
}

#[test]
fn forged_output_label_blames_evaluator() {
    let mut rng = ChaCha20Rng::seed_from_u64(78);
    let (a, b) = share_ring(&[1, 2], &mut rng);
    let g = GarblerInit::<Ring64Sharing>::new(&a, 10).unwrap();
    let e = EvaluatorInit::<Ring64Sharing>::new(&b, 10).unwrap();
    let (g, msg, ot_in) = g.garble(&mut rng).unwrap();
    let labels = crate::ot::ideal::transfer_chosen(&ot_in.pairs, e.ot_choices()).unwrap();
    let (ok, mut out) = e.evaluate(msg, &labels).unwrap();
    assert!(ok);
    out.label.0 ^= 1; // flip the colour bit to claim "invalid"
    assert!(matches!(
        g.finish(out),
        Err(TwoPcError::PeerMisbehaved {
            party: Role::Evaluator,
            ..
        })
    ));
}

/// End to end with the real OT (Chou-Orlandi + KOS): public entry points.
#[test]
fn real_ot_end_to_end() {
    let mut rng = ChaCha20Rng::seed_from_u64(100);
    let b = 1000i64;
    let xs = in_bound(20, b, &mut rng);
    let mut ys = xs.clone();
    ys[13] = -b - 1;
    let mut rg = ChaCha20Rng::seed_from_u64(101);
    let mut re = ChaCha20Rng::seed_from_u64(102);
    let (s1, s2) = share_field(&xs, &mut rng);
    let (ok, cost) = check_bound_field(&s1, &s2, b as u64, &mut rg, &mut re).unwrap();
    assert!(ok);
    assert_eq!(cost.ots, 20 * 253);
    assert!(cost.ot.bytes_receiver_to_sender > 0 && cost.ot.bytes_sender_to_receiver > 0);
    assert_eq!(cost.rounds, cost.ot.rounds + 1);
    let (s1, s2) = share_field(&ys, &mut rng);
    assert!(
        !check_bound_field(&s1, &s2, b as u64, &mut rg, &mut re)
            .unwrap()
            .0
    );
    let (r1, r2) = share_ring(&xs, &mut rng);
    assert!(
        check_bound_u64(&r1, &r2, b as u64, &mut rg, &mut re)
            .unwrap()
            .0
    );
    let (r1, r2) = share_ring(&ys, &mut rng);
    let (ok, cost) = check_bound_u64(&r1, &r2, b as u64, &mut rg, &mut re).unwrap();
    assert!(!ok);
    assert_eq!(cost.ots, 20 * 64);
}
