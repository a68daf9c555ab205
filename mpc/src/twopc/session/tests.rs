//! Session tests: honest runs against the native predicate, costs, and
//! every way a peer's bytes can be wrong (truncated, extended, retagged,
//! flipped, out of order, replayed, after completion, other session).

use super::*;
use crate::twopc::predicate::Ring64Sharing;
use rand::{Rng, SeedableRng};

const SID: SessionId = SessionId([7; 32]);
const SEED_G: [u8; 32] = [1; 32];
const SEED_E: [u8; 32] = [2; 32];

fn scalar_of(v: i64) -> Scalar {
    if v >= 0 {
        Scalar::from(v as u64)
    } else {
        -Scalar::from(v.unsigned_abs())
    }
}

/// Additive `Z_l` shares of a batch.
fn share(xs: &[Vec<i64>], rng: &mut ChaCha20Rng) -> (Vec<Vec<Scalar>>, Vec<Vec<Scalar>>) {
    let mut a = Vec::new();
    let mut b = Vec::new();
    for v in xs {
        let r: Vec<Scalar> = v.iter().map(|_| Scalar::random(rng)).collect();
        b.push(v.iter().zip(&r).map(|(&x, r)| scalar_of(x) - r).collect());
        a.push(r);
    }
    (a, b)
}

/// The verdicts by the native predicate on the shares.
fn native(a: &[Vec<Scalar>], b: &[Vec<Scalar>], range: &BoundRange) -> Vec<bool> {
    a.iter()
        .zip(b)
        .map(|(u, v)| {
            u.iter()
                .zip(v)
                .all(|(x, y)| FieldSharing::in_range_native(x, y, range))
        })
        .collect()
}

type Transcript = Vec<(Role, Vec<u8>)>;

/// Drives two parties to completion, recording every message.
fn drive<S: BoundSharing>(
    g: &mut TwoPcParty<S>,
    e: &mut TwoPcParty<S>,
) -> Result<Transcript, TwoPcError> {
    let mut log = Vec::new();
    let mut to_e = g.start()?;
    let mut to_g = e.start()?;
    let mut steps = 0;
    while !(g.is_done() && e.is_done()) {
        steps += 1;
        assert!(steps < 10, "session does not terminate");
        for m in std::mem::take(&mut to_g) {
            log.push((Role::Evaluator, m.clone()));
            to_e.extend(g.handle(&m)?);
        }
        for m in std::mem::take(&mut to_e) {
            log.push((Role::Garbler, m.clone()));
            to_g.extend(e.handle(&m)?);
        }
    }
    assert!(to_e.is_empty() && to_g.is_empty());
    Ok(log)
}

fn pair(a: Vec<Vec<Scalar>>, b: Vec<Vec<Scalar>>, range: BoundRange) -> (TwoPcParty, TwoPcParty) {
    let g = TwoPcParty::new(TwoPcRole::Garbler, SID, range, a, SEED_G).unwrap();
    let e = TwoPcParty::new(TwoPcRole::Evaluator, SID, range, b, SEED_E).unwrap();
    (g, e)
}

/// `n` vectors of length `d`: vector 0 has both ends, 1 has `lo - 1`, 2 has
/// `hi + 1`, 3 is random in range, 4 has `i64::MIN` (then repeating).
fn batch(n: usize, d: usize, r: BoundRange, rng: &mut ChaCha20Rng) -> Vec<Vec<i64>> {
    (0..n)
        .map(|i| {
            let mut v: Vec<i64> = (0..d).map(|_| rng.gen_range(r.lo()..=r.hi())).collect();
            let pos = rng.gen_range(0..d);
            match i % 5 {
                0 => {
                    v[0] = r.lo();
                    v[d - 1] = r.hi();
                }
                1 => v[pos] = r.lo() - 1,
                2 => v[pos] = r.hi() + 1,
                3 => {}
                _ => v[pos] = i64::MIN,
            }
            v
        })
        .collect()
}

fn sum_bytes(log: &Transcript, from: Role) -> u64 {
    log.iter()
        .filter(|(r, _)| *r == from)
        .map(|(_, m)| m.len() as u64)
        .sum()
}

#[test]
fn honest_sessions_match_native_and_cost_is_the_transcript() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let r16 = BoundRange::signed_bits(16).unwrap();
    for (n, d) in [(0, 1), (0, 31), (1, 1), (1, 31), (5, 1), (5, 31)] {
        let xs = batch(n, d, r16, &mut rng);
        let (a, b) = share(&xs, &mut rng);
        let want = native(&a, &b, &r16);
        let expect: Vec<bool> = (0..n).map(|i| matches!(i % 5, 0 | 3)).collect();
        assert_eq!(want, expect, "native predicate, n = {n}, d = {d}");
        let (mut g, mut e) = pair(a, b, r16);
        let log = drive(&mut g, &mut e).unwrap();
        assert_eq!(g.verdicts(), Some(&want[..]), "n = {n}, d = {d}");
        assert_eq!(e.verdicts(), Some(&want[..]));
        let cost = g.cost();
        assert_eq!(cost, e.cost());
        assert_eq!(
            cost.bytes_garbler_to_evaluator,
            sum_bytes(&log, Role::Garbler)
        );
        assert_eq!(
            cost.bytes_evaluator_to_garbler,
            sum_bytes(&log, Role::Evaluator)
        );
        assert_eq!(cost.ots, (n * d * 253) as u64);
        if n == 0 {
            assert!(log.is_empty());
            assert_eq!(cost.rounds, 0);
            continue;
        }
        assert_eq!(log.len(), 5);
        assert_eq!((cost.rounds, cost.ot.rounds), (5, 4));
        // Every message has the size the shape prescribes.
        for (_, m) in &log {
            let kind = SessionMsgKind::of_bytes(m).unwrap();
            assert_eq!(m.len() as u64, g.shape().encoded_len(kind));
        }
        if (n, d) == (5, 31) {
            eprintln!(
                "session n = 5, d = 31, signed 16-bit range: garbler->evaluator {} bytes \
                 (OT {}), evaluator->garbler {} bytes (OT {}), {} rounds (OT {}), \
                 {} AND gates, {} OTs",
                cost.bytes_garbler_to_evaluator,
                cost.ot.bytes_sender_to_receiver,
                cost.bytes_evaluator_to_garbler,
                cost.ot.bytes_receiver_to_sender,
                cost.rounds,
                cost.ot.rounds,
                cost.and_gates,
                cost.ots
            );
        }
    }
}

#[test]
fn empty_vectors_are_valid_without_messages() {
    let (mut g, mut e) = pair(
        vec![vec![]; 3],
        vec![vec![]; 3],
        BoundRange::symmetric(1).unwrap(),
    );
    assert!(drive(&mut g, &mut e).unwrap().is_empty());
    assert_eq!(g.verdicts(), Some(&[true, true, true][..]));
    assert_eq!(e.verdicts(), g.verdicts());
}

#[test]
fn edges_of_an_asymmetric_range_in_one_batch() {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let r = BoundRange::new(-5, 300).unwrap();
    let xs: Vec<Vec<i64>> = [-5, 300, -6, 301, 0, i64::MAX]
        .iter()
        .map(|&v| vec![v, 1, -1])
        .collect();
    let (a, b) = share(&xs, &mut rng);
    let (mut g, mut e) = pair(a, b, r);
    drive(&mut g, &mut e).unwrap();
    assert_eq!(
        g.verdicts(),
        Some(&[true, true, false, false, true, false][..])
    );
    assert_eq!(e.verdicts(), g.verdicts());
}

#[test]
fn ring_sharing_session() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let r = BoundRange::signed_bits(8).unwrap();
    let xs = [vec![-128i64, 127, 0], vec![128, 0, 0], vec![0, -129, 5]];
    let mut a = Vec::new();
    let mut b = Vec::new();
    for v in &xs {
        let s: Vec<u64> = v.iter().map(|_| rng.gen()).collect();
        b.push(
            v.iter()
                .zip(&s)
                .map(|(&x, s)| (x as u64).wrapping_sub(*s))
                .collect::<Vec<u64>>(),
        );
        a.push(s);
    }
    let (verdicts, cost) = run_in_process::<Ring64Sharing>(SID, r, a, b, SEED_G, SEED_E).unwrap();
    assert_eq!(verdicts, vec![true, false, false]);
    assert_eq!(cost.ots, 3 * 3 * 64);
    assert_eq!(cost.rounds, 5);
}

/// Fresh parties for a small batch, and the honest transcript they produce.
fn small() -> (TwoPcParty, TwoPcParty) {
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let xs = vec![vec![1, -2, 3], vec![40_000, 0, 0]];
    let (a, b) = share(&xs, &mut rng);
    pair(a, b, BoundRange::signed_bits(16).unwrap())
}

fn honest_transcript() -> Transcript {
    let (mut g, mut e) = small();
    let log = drive(&mut g, &mut e).unwrap();
    assert_eq!(g.verdicts(), Some(&[true, false][..]));
    log
}

/// Fresh parties that have exchanged the first `k` honest messages.
fn advanced(k: usize, log: &Transcript) -> (TwoPcParty, TwoPcParty) {
    let (mut g, mut e) = small();
    assert!(g.start().unwrap().is_empty());
    let first = e.start().unwrap();
    assert_eq!(first, vec![log[0].1.clone()]);
    for (from, m) in &log[..k] {
        let out = match from {
            Role::Evaluator => g.handle(m).unwrap(),
            Role::Garbler => e.handle(m).unwrap(),
        };
        assert!(out.len() <= 1);
    }
    (g, e)
}

/// Delivers `bytes` as message `k`; returns the receiver's result and the
/// receiver.
fn deliver(
    k: usize,
    log: &Transcript,
    bytes: &[u8],
) -> (Result<Vec<Vec<u8>>, TwoPcError>, TwoPcParty) {
    let (mut g, mut e) = advanced(k, log);
    match log[k].0 {
        Role::Evaluator => (g.handle(bytes), g),
        Role::Garbler => (e.handle(bytes), e),
    }
}

fn assert_poisoned(p: &mut TwoPcParty, honest: &[u8]) {
    assert!(p.is_failed());
    assert!(!p.is_done());
    assert_eq!(p.verdicts(), None);
    assert!(matches!(p.handle(honest), Err(TwoPcError::Poisoned)));
    assert!(matches!(p.start(), Err(TwoPcError::Poisoned)));
    assert!(p.is_failed());
}

#[test]
fn truncated_extended_and_retagged_messages_are_typed_errors() {
    let log = honest_transcript();
    assert_eq!(log.len(), 5);
    for (k, (from, m)) in log.iter().enumerate() {
        let mut cases: Vec<(&str, Vec<u8>)> = vec![
            ("truncated", m[..m.len() - 1].to_vec()),
            ("extended", [m.clone(), vec![0]].concat()),
            ("empty", Vec::new()),
            ("tag only", m[..1].to_vec()),
        ];
        let mut flipped = m.clone();
        flipped[0] ^= 0xff;
        cases.push(("flipped tag", flipped));
        for other in [0x51u8, 0x52, 0x53, 0x54, 0x55, 0x00, 0x11] {
            if other != m[0] {
                let mut t = m.clone();
                t[0] = other;
                cases.push(("other tag", t));
            }
        }
        for (what, bytes) in cases {
            let (r, mut p) = deliver(k, &log, &bytes);
            let err = r.expect_err(what);
            assert_eq!(err.blame(), Some(*from), "message {k}, {what}: {err}");
            assert!(
                matches!(
                    err,
                    TwoPcError::Malformed { .. } | TwoPcError::UnexpectedMessage { .. }
                ),
                "message {k}, {what}: {err}"
            );
            assert_poisoned(&mut p, m);
        }
    }
}

#[test]
fn flipped_bytes_never_panic_and_blame_the_sender() {
    let log = honest_transcript();
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    for (k, (from, m)) in log.iter().enumerate() {
        // Both ends of the message (headers, lengths, padding) and random
        // positions in between.
        let mut positions: Vec<usize> = (1..m.len().min(60)).collect();
        positions.extend(m.len().saturating_sub(20)..m.len());
        positions.extend((0..6).map(|_| rng.gen_range(0..m.len())));
        for pos in positions {
            let mut bytes = m.clone();
            bytes[pos] ^= 1 << rng.gen_range(0..8);
            let (r, p) = deliver(k, &log, &bytes);
            match r {
                Err(err) => {
                    assert_eq!(err.blame(), Some(*from), "message {k}, byte {pos}: {err}");
                    assert!(p.is_failed());
                }
                // A flipped table, label or pad bit is not visible to the
                // receiver; the garbler's output-label check catches what
                // changes the result.
                Ok(_) => assert!(!p.is_failed()),
            }
        }
    }
}

#[test]
fn out_of_order_and_replayed_messages_are_errors() {
    let log = honest_transcript();
    // The garbler gets flow 3 or 5 before flow 1.
    for k in [2, 4] {
        let (mut g, _) = advanced(0, &log);
        let err = g.handle(&log[k].1).unwrap_err();
        assert!(matches!(
            err,
            TwoPcError::UnexpectedMessage {
                party: Role::Evaluator,
                ..
            }
        ));
        assert_poisoned(&mut g, &log[0].1);
    }
    // The evaluator gets flow 4 before flow 2.
    let (_, mut e) = advanced(0, &log);
    assert!(matches!(
        e.handle(&log[3].1),
        Err(TwoPcError::UnexpectedMessage {
            party: Role::Garbler,
            ..
        })
    ));
    // Every message delivered twice.
    for k in 0..log.len() {
        let (mut g, mut e) = advanced(k + 1, &log);
        let p = match log[k].0 {
            Role::Evaluator => &mut g,
            Role::Garbler => &mut e,
        };
        let err = p.handle(&log[k].1).unwrap_err();
        assert_eq!(err.blame(), Some(log[k].0), "replay of {k}: {err}");
        assert!(matches!(err, TwoPcError::UnexpectedMessage { .. }));
        assert_poisoned(p, &log[k].1);
    }
    // A party's own message sent back to it.
    let (mut g, _) = advanced(2, &log);
    assert!(matches!(
        g.handle(&log[1].1),
        Err(TwoPcError::UnexpectedMessage { .. })
    ));
}

#[test]
fn calls_out_of_order_are_local_errors() {
    let log = honest_transcript();
    let (mut g, _) = small();
    let err = g.handle(&log[0].1).unwrap_err();
    assert!(matches!(err, TwoPcError::OutOfOrderCall { .. }));
    assert_eq!(err.blame(), None);
    assert_poisoned(&mut g, &log[0].1);
    let (_, mut e) = small();
    e.start().unwrap();
    assert!(matches!(e.start(), Err(TwoPcError::OutOfOrderCall { .. })));
    assert!(e.is_failed());
}

#[test]
fn messages_after_completion_are_errors() {
    let (mut g, mut e) = small();
    let log = drive(&mut g, &mut e).unwrap();
    let err = g.handle(&log[4].1).unwrap_err();
    assert!(matches!(
        err,
        TwoPcError::UnexpectedMessage {
            party: Role::Evaluator,
            state: "done",
            ..
        }
    ));
    assert_poisoned(&mut g, &log[4].1);
    let err = e.handle(&log[3].1).unwrap_err();
    assert_eq!(err.blame(), Some(Role::Garbler));
    assert_poisoned(&mut e, &log[3].1);
}

#[test]
fn forged_output_labels_blame_the_evaluator() {
    let log = honest_transcript();
    let mut m = log[4].1.clone();
    // Flip the colour bit of the first output label.
    m[9] ^= 1;
    let (r, mut g) = deliver(4, &log, &m);
    assert!(matches!(
        r,
        Err(TwoPcError::PeerMisbehaved {
            party: Role::Evaluator,
            ..
        })
    ));
    assert_poisoned(&mut g, &log[4].1);
}

#[test]
fn bad_batches_at_new_are_misuse() {
    let r = BoundRange::signed_bits(16).unwrap();
    let ragged = vec![vec![Scalar::ONE; 3], vec![Scalar::ONE; 2]];
    let err = TwoPcParty::new(TwoPcRole::Garbler, SID, r, ragged, SEED_G).unwrap_err();
    assert!(matches!(
        err,
        TwoPcError::RaggedBatch {
            index: 1,
            expected: 3,
            got: 2
        }
    ));
    assert!(!err.is_peer_misbehaviour());
    // 2^24 OTs at most: 2^18 + 1 coordinates of 64 bits is one too many.
    let huge = vec![vec![0u64; (1 << 18) + 1]; 1];
    let err = TwoPcParty::<Ring64Sharing>::with_sharing(TwoPcRole::Evaluator, SID, r, huge, SEED_E)
        .unwrap_err();
    assert!(matches!(err, TwoPcError::BatchTooLarge { .. }));
}

#[test]
fn sessions_with_other_parameters_do_not_interoperate() {
    let mut rng = ChaCha20Rng::seed_from_u64(6);
    let r = BoundRange::signed_bits(16).unwrap();
    let xs = vec![vec![1, 2, 3]; 2];
    let (a, b) = share(&xs, &mut rng);
    let other_sid = SessionId([8; 32]);
    let others: Vec<(SessionId, BoundRange, Vec<Vec<Scalar>>)> = vec![
        (other_sid, r, b.clone()),
        (SID, BoundRange::signed_bits(17).unwrap(), b.clone()),
        (SID, r, b[..1].to_vec()),
        (SID, r, b.iter().map(|v| v[..2].to_vec()).collect()),
    ];
    for (sid, range, bv) in others {
        let mut g = TwoPcParty::new(TwoPcRole::Garbler, SID, r, a.clone(), SEED_G).unwrap();
        let mut e = TwoPcParty::new(TwoPcRole::Evaluator, sid, range, bv, SEED_E).unwrap();
        let err = drive(&mut g, &mut e).unwrap_err();
        assert!(
            matches!(
                err,
                TwoPcError::SessionMismatch {
                    party: Role::Evaluator
                }
            ),
            "{err}"
        );
        assert!(g.is_failed());
    }
    // The evaluator checks the garbler's digest too.
    let mut g = TwoPcParty::new(TwoPcRole::Garbler, other_sid, r, a.clone(), SEED_G).unwrap();
    let mut e = TwoPcParty::new(TwoPcRole::Evaluator, SID, r, b.clone(), SEED_E).unwrap();
    g.start().unwrap();
    let m0 = e.start().unwrap().remove(0);
    g.params = e.params; // let the garbler's check pass
    let m1 = g.handle(&m0).unwrap().remove(0);
    g.params = params_digest::<FieldSharing>(&other_sid, 2, 3, &r);
    let m1_fixed = {
        let mut t = m1.clone();
        t[1..33].copy_from_slice(&g.params);
        t
    };
    assert!(matches!(
        e.handle(&m1_fixed),
        Err(TwoPcError::SessionMismatch {
            party: Role::Garbler
        })
    ));
    // With the digests forced equal, the OTs still run under different
    // session ids: the KOS check fails (or a label check would).
    let mut g = TwoPcParty::new(TwoPcRole::Garbler, other_sid, r, a, SEED_G).unwrap();
    let mut e = TwoPcParty::new(TwoPcRole::Evaluator, SID, r, b, SEED_E).unwrap();
    g.params = e.params;
    let err = drive(&mut g, &mut e).unwrap_err();
    assert_eq!(err.blame(), Some(Role::Evaluator), "{err}");
    assert!(g.is_failed());
}

#[test]
fn debug_prints_no_secrets() {
    let mut rng = ChaCha20Rng::seed_from_u64(7);
    let (a, b) = share(&[vec![5, 6]], &mut rng);
    let secret = format!("{:?}", a[0][0]);
    let (mut g, mut e) = pair(a, b, BoundRange::signed_bits(16).unwrap());
    for p in [&g, &e] {
        let s = format!("{p:?}");
        assert!(s.contains("TwoPcParty") && s.contains("vectors: 1"), "{s}");
        assert!(!s.contains("Scalar") && !s.contains(&secret) && !s.contains("ChaCha"));
    }
    drive(&mut g, &mut e).unwrap();
    let s = format!("{g:?}");
    assert!(s.contains("done") && !s.contains("Block"), "{s}");
}
