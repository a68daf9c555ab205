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

fn sym(b: u64) -> BoundRange {
    BoundRange::symmetric(b).unwrap()
}

fn run_field(xs: &[i64], range: BoundRange, seed: u64) -> (bool, TwoPcCost) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let (a, b) = share_field(xs, &mut rng);
    let mut rg = ChaCha20Rng::seed_from_u64(seed + 1);
    let mut re = ChaCha20Rng::seed_from_u64(seed + 2);
    check_bound::<FieldSharing, _, _>(&a, &b, range, &mut IdealOt, &mut rg, &mut re).unwrap()
}

fn run_ring(xs: &[i64], range: BoundRange, seed: u64) -> (bool, TwoPcCost) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let (a, b) = share_ring(xs, &mut rng);
    let mut rg = ChaCha20Rng::seed_from_u64(seed + 1);
    let mut re = ChaCha20Rng::seed_from_u64(seed + 2);
    check_bound::<Ring64Sharing, _, _>(&a, &b, range, &mut IdealOt, &mut rg, &mut re).unwrap()
}

/// Vectors of `d` in-range values including both ends.
fn in_range_vec(d: usize, r: BoundRange, rng: &mut ChaCha20Rng) -> Vec<i64> {
    let mut xs: Vec<i64> = (0..d).map(|_| rng.gen_range(r.lo()..=r.hi())).collect();
    xs[0] = r.hi();
    xs[d / 2] = r.lo();
    xs[d - 1] = r.lo().wrapping_add((r.width() / 2) as i64);
    xs
}

#[test]
fn bound_range_constructors() {
    let r = BoundRange::signed_bits(16).unwrap();
    assert_eq!((r.lo(), r.hi(), r.width()), (-32768, 32767, 65535));
    let r = BoundRange::signed_bits(1).unwrap();
    assert_eq!((r.lo(), r.hi()), (-1, 0));
    let r = BoundRange::signed_bits(64).unwrap();
    assert_eq!((r.lo(), r.hi(), r.width()), (i64::MIN, i64::MAX, u64::MAX));
    assert!(BoundRange::signed_bits(0).is_err());
    assert!(BoundRange::signed_bits(65).is_err());
    let r = sym(7);
    assert_eq!((r.lo(), r.hi(), r.width()), (-7, 7, 14));
    assert!(r.contains(-7) && r.contains(7) && !r.contains(8) && !r.contains(-8));
    assert!(BoundRange::symmetric(i64::MAX as u64).is_ok());
    assert!(matches!(
        BoundRange::symmetric(1 << 63),
        Err(TwoPcError::InvalidRange { .. })
    ));
    assert!(BoundRange::new(3, 3).is_ok());
    assert!(matches!(
        BoundRange::new(4, 3),
        Err(TwoPcError::InvalidRange { .. })
    ));
}

/// The ranges tested at their edges: symmetric, signed-bit (asymmetric),
/// one-sided, a single point, and the widest.
fn edge_ranges() -> Vec<BoundRange> {
    vec![
        sym(0),
        sym(1),
        sym(1000),
        sym((1 << 40) + 7),
        BoundRange::signed_bits(8).unwrap(),
        BoundRange::signed_bits(16).unwrap(),
        BoundRange::signed_bits(32).unwrap(),
        BoundRange::new(0, 255).unwrap(),
        BoundRange::new(-300, -100).unwrap(),
        BoundRange::new(5, 5).unwrap(),
        BoundRange::new(i64::MIN, -1).unwrap(),
        BoundRange::new(0, i64::MAX).unwrap(),
        BoundRange::signed_bits(64).unwrap(),
    ]
}

/// `lo`, `hi` are accepted and `lo - 1`, `hi + 1` rejected, by both
/// sharings, alone and inside an in-range vector.
#[test]
fn accepts_edges_and_rejects_just_outside() {
    let mut rng = ChaCha20Rng::seed_from_u64(42);
    for r in edge_ranges() {
        // d = 19 exercises full 8-lane groups and a remainder group.
        let xs = in_range_vec(19, r, &mut rng);
        assert!(run_field(&xs, r, 1).0, "field accepts, {r:?}");
        assert!(run_ring(&xs, r, 2).0, "ring accepts, {r:?}");
        assert!(run_field(&[r.lo(), r.hi()], r, 3).0, "field edges, {r:?}");
        assert!(run_ring(&[r.hi(), r.lo()], r, 4).0, "ring edges, {r:?}");
        let mut outside = Vec::new();
        if let Some(v) = r.lo().checked_sub(1) {
            outside.push(v);
        }
        if let Some(v) = r.hi().checked_add(1) {
            outside.push(v);
        }
        if r.lo() > i64::MIN {
            outside.push(i64::MIN);
        }
        if r.hi() < i64::MAX {
            outside.push(i64::MAX);
        }
        for bad in outside {
            for pos in [0usize, 9, 18] {
                let mut ys = xs.clone();
                ys[pos] = bad;
                assert!(
                    !run_field(&ys, r, 5).0,
                    "field rejects {bad} at {pos}, {r:?}"
                );
                assert!(!run_ring(&ys, r, 6).0, "ring rejects {bad} at {pos}, {r:?}");
            }
            assert!(!run_field(&[bad], r, 7).0, "field rejects {bad}, {r:?}");
            assert!(!run_ring(&[bad], r, 8).0, "ring rejects {bad}, {r:?}");
        }
    }
}

#[test]
fn signed_16_bit_range_matches_the_zk_circuits() {
    // The ZK circuits accept [-2^15, 2^15 - 1]: -32768 is in, 32768 is out.
    let r = BoundRange::signed_bits(16).unwrap();
    assert!(run_field(&[-32768, 32767, 0], r, 1).0);
    assert!(!run_field(&[32768], r, 1).0);
    assert!(!run_field(&[-32769], r, 1).0);
    assert!(run_ring(&[-32768, 32767, 0], r, 1).0);
    assert!(!run_ring(&[32768], r, 1).0);
    assert!(!run_ring(&[-32769], r, 1).0);
    // The old symmetric bound disagreed on -2^15.
    assert!(!run_field(&[-32768], sym(32767), 1).0);
}

#[test]
fn zero_range_and_extreme_ranges() {
    assert!(run_field(&[0, 0, 0], sym(0), 1).0);
    assert!(!run_field(&[0, 1, 0], sym(0), 1).0);
    assert!(!run_field(&[0, -1, 0], sym(0), 1).0);
    assert!(run_ring(&[0, 0], sym(0), 1).0);
    assert!(!run_ring(&[-1, 0], sym(0), 1).0);
    // The largest symmetric range accepts everything but i64::MIN.
    let max = sym(i64::MAX as u64);
    assert!(run_ring(&[i64::MAX, -i64::MAX, 0], max, 5).0);
    assert!(!run_ring(&[i64::MIN], max, 5).0);
    assert!(run_field(&[i64::MAX, -i64::MAX, 0], max, 6).0);
    assert!(!run_field(&[i64::MIN], max, 6).0);
    // The full signed 64-bit range accepts every i64.
    let full = BoundRange::signed_bits(64).unwrap();
    assert!(run_ring(&[i64::MAX, i64::MIN, 0], full, 5).0);
    assert!(run_field(&[i64::MAX, i64::MIN, 0], full, 6).0);
}

#[test]
fn field_rejects_values_beyond_i64() {
    // x = 2^64 + 3 and x = -(2^64 + 3) in Z_l: outside every i64 range, even
    // though their low 64 bits look small.
    let full = BoundRange::signed_bits(64).unwrap();
    let big = Scalar::from(u64::MAX) + Scalar::from(4u64);
    for x in [big, -big] {
        let x1 = Scalar::from(12345u64);
        let x2 = x - x1;
        assert!(!FieldSharing::in_range_native(&x1, &x2, &full));
        let mut rg = ChaCha20Rng::seed_from_u64(1);
        let mut re = ChaCha20Rng::seed_from_u64(2);
        let (ok, _) =
            check_bound::<FieldSharing, _, _>(&[x1], &[x2], full, &mut IdealOt, &mut rg, &mut re)
                .unwrap();
        assert!(!ok);
    }
}

#[test]
fn empty_vector_is_valid() {
    assert!(run_field(&[], sym(5), 1).0);
    assert!(run_ring(&[], sym(5), 1).0);
}

/// The per-coordinate circuit (in the clear) agrees with the native
/// predicate and with `BoundRange::contains`, on edges and random shares.
#[test]
fn predicate_matches_native() {
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    for r in edge_ranges() {
        let cf = coordinate_circuit::<FieldSharing>(&r).unwrap();
        let cr = coordinate_circuit::<Ring64Sharing>(&r).unwrap();
        let (lo, hi) = (i128::from(r.lo()), i128::from(r.hi()));
        let mut vals: Vec<i128> = vec![0, lo, hi, lo - 1, hi + 1, lo + 1, hi - 1];
        vals.extend((0..6).map(|_| rng.gen::<i64>() as i128));
        vals.extend([i128::from(i64::MIN), i128::from(i64::MAX)]);
        for v in vals {
            let in_i64 = i64::try_from(v).ok();
            let want = in_i64.is_some_and(|v| r.contains(v));
            let x = if v >= 0 {
                Scalar::from(v as u128)
            } else {
                -Scalar::from((-v) as u128)
            };
            for x1 in [Scalar::ZERO, -Scalar::ONE, Scalar::random(&mut rng), x] {
                let x2 = x - x1;
                let mut bits = Vec::new();
                FieldSharing::push_garbler_bits(&x1, &r, &mut bits);
                FieldSharing::push_evaluator_bits(&x2, &mut bits);
                assert_eq!(FieldSharing::in_range_native(&x1, &x2, &r), want);
                assert_eq!(
                    cf.eval_plain(&bits).unwrap(),
                    vec![want],
                    "field v = {v}, {r:?}"
                );
            }
            // The ring wraps: a value beyond i64 is its two's-complement image.
            let xr = v as i64 as u64;
            let want = r.contains(xr as i64);
            for x1 in [0u64, u64::MAX, rng.gen(), xr] {
                let x2 = xr.wrapping_sub(x1);
                let mut bits = Vec::new();
                Ring64Sharing::push_garbler_bits(&x1, &r, &mut bits);
                Ring64Sharing::push_evaluator_bits(&x2, &mut bits);
                assert_eq!(Ring64Sharing::in_range_native(&x1, &x2, &r), want);
                assert_eq!(
                    cr.eval_plain(&bits).unwrap(),
                    vec![want],
                    "ring v = {v}, {r:?}"
                );
            }
        }
    }
    // Raw field elements around l/2 and l - 1 (not small signed values).
    let r = sym(10);
    let c = coordinate_circuit::<FieldSharing>(&r).unwrap();
    for x in [
        -Scalar::ONE,
        -Scalar::from(11u64),
        Scalar::from(11u64),
        Scalar::from(u128::MAX),
        Scalar::from(2u64).invert(),
    ] {
        let mut bits = Vec::new();
        FieldSharing::push_garbler_bits(&Scalar::ZERO, &r, &mut bits);
        FieldSharing::push_evaluator_bits(&x, &mut bits);
        assert_eq!(
            c.eval_plain(&bits).unwrap()[0],
            FieldSharing::in_range_native(&Scalar::ZERO, &x, &r)
        );
    }
}

#[test]
fn circuits_run_on_every_backend_and_costs_are_reported() {
    // Written once against Fancy: plaintext and counter backends directly.
    let mut p = Plaintext::new();
    let g = vec![false; 64];
    let e = vec![false; 64];
    assert!(Ring64Sharing::in_range(&mut p, &g, &e, &sym(0)).unwrap());
    let mut cnt = GateCounter::new();
    let u = vec![(); 253];
    FieldSharing::in_range(&mut cnt, &u, &u, &sym(1000)).unwrap();
    let field_ands = cnt.counts().and;
    let mut cnt = GateCounter::new();
    let u = vec![(); 64];
    Ring64Sharing::in_range(&mut cnt, &u, &u, &sym(1000)).unwrap();
    let ring_ands = cnt.counts().and;
    assert!(field_ands <= 800, "field: {field_ands} ANDs per coordinate");
    assert!(ring_ands <= 127, "ring: {ring_ands} ANDs per coordinate");

    let d = 10;
    let (ok, cost) = run_field(&vec![3; d], sym(1000), 1);
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
    let (_, cost) = run_ring(&vec![3; d], sym(1000), 1);
    assert_eq!(cost.and_gates, d as u64 * ring_ands + d as u64 - 1);
}

#[test]
fn misuse_is_reported() {
    let mut rg = ChaCha20Rng::seed_from_u64(1);
    let mut re = ChaCha20Rng::seed_from_u64(2);
    assert!(matches!(
        check_bound::<Ring64Sharing, _, _>(&[1, 2], &[1], sym(5), &mut IdealOt, &mut rg, &mut re),
        Err(TwoPcError::LengthMismatch {
            garbler: 2,
            evaluator: 1
        })
    ));
}

/// Runs the typestates by hand, letting `tamper` corrupt the garbled message.
fn run_tampered(
    tamper: impl FnOnce(&mut GarbledCircuitMsg),
) -> Result<(bool, OutputLabelMsg), TwoPcError> {
    let mut rng = ChaCha20Rng::seed_from_u64(77);
    let (a, b) = share_ring(&[1, -2, 3], &mut rng);
    let g = GarblerInit::<Ring64Sharing>::new(&a, sym(10)).unwrap();
    let e = EvaluatorInit::<Ring64Sharing>::new(&b, sym(10)).unwrap();
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
    let g = GarblerInit::<Ring64Sharing>::new(&[1], sym(10)).unwrap();
    let e = EvaluatorInit::<Ring64Sharing>::new(&[2], sym(10)).unwrap();
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
    let g = GarblerInit::<Ring64Sharing>::new(&a, sym(10)).unwrap();
    let e = EvaluatorInit::<Ring64Sharing>::new(&b, sym(10)).unwrap();
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
    let r = BoundRange::signed_bits(11).unwrap();
    let xs = in_range_vec(20, r, &mut rng);
    let mut ys = xs.clone();
    ys[13] = r.lo() - 1;
    let mut rg = ChaCha20Rng::seed_from_u64(101);
    let mut re = ChaCha20Rng::seed_from_u64(102);
    let (s1, s2) = share_field(&xs, &mut rng);
    let (ok, cost) = check_bound_field(&s1, &s2, r, &mut rg, &mut re).unwrap();
    assert!(ok);
    assert_eq!(cost.ots, 20 * 253);
    assert!(cost.ot.bytes_receiver_to_sender > 0 && cost.ot.bytes_sender_to_receiver > 0);
    assert_eq!(cost.rounds, cost.ot.rounds + 1);
    let (s1, s2) = share_field(&ys, &mut rng);
    assert!(!check_bound_field(&s1, &s2, r, &mut rg, &mut re).unwrap().0);
    let (r1, r2) = share_ring(&xs, &mut rng);
    assert!(check_bound_u64(&r1, &r2, r, &mut rg, &mut re).unwrap().0);
    let (r1, r2) = share_ring(&ys, &mut rng);
    let (ok, cost) = check_bound_u64(&r1, &r2, r, &mut rg, &mut re).unwrap();
    assert!(!ok);
    assert_eq!(cost.ots, 20 * 64);
}
