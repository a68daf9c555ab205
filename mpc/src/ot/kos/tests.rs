use super::aes::Prg;
use super::gf128;
use super::*;
use crate::block::Block;
use crate::ot::msgs::{ChoicePointsMsg, SetupPointMsg, WireMessage};
use crate::ot::{OtError, Party, PeerFault};
use proptest::prelude::*;
use rand_chacha::ChaCha12Rng;
use rand_core::{RngCore, SeedableRng};

fn sid() -> SessionId {
    SessionId([7; 32])
}

/// Base-OT setup of a session; returns both ready parties.
fn setup(seed: u64) -> (SenderReady, ReceiverReady, ChaCha12Rng, ChaCha12Rng) {
    let mut rng_s = ChaCha12Rng::seed_from_u64(seed);
    let mut rng_r = ChaCha12Rng::seed_from_u64(seed.wrapping_add(1) << 1);
    let (recv, setup_msg) = Receiver::new(sid(), &mut rng_r);
    let (sender, points) = Sender::new(sid(), &mut rng_s)
        .receive_base_setup(&setup_msg, &mut rng_s)
        .unwrap();
    let recv = recv.receive_base_choices(&points).unwrap();
    (sender, recv, rng_s, rng_r)
}

fn check_random(s: &RandomOtSenderOutput, r: &RandomOtReceiverOutput) {
    assert_eq!(s.pairs().len(), r.blocks().len());
    for ((pair, block), &c) in s.pairs().iter().zip(r.blocks()).zip(r.choices()) {
        assert_eq!(pair[c as usize], *block);
        assert_ne!(pair[!c as usize], *block);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    #[test]
    fn random_ot_is_correct(count in 0usize..700, seed in any::<u64>()) {
        let (sender, mut recv, _, mut rng_r) = setup(seed);
        let (r_out, msg) = recv.extend_random(count, &mut rng_r).unwrap();
        let (_, s_out) = sender.extend_random(&msg).unwrap();
        check_random(&s_out, &r_out);
        // Random choices are not constant (probability 2^-count otherwise).
        if count >= 64 {
            prop_assert!(r_out.choices().iter().any(|&c| c));
            prop_assert!(r_out.choices().iter().any(|&c| !c));
        }
    }

    #[test]
    fn chosen_ot_is_correct(
        v in prop::collection::vec((any::<u128>(), any::<u128>(), any::<bool>()), 0..400),
        seed in any::<u64>(),
    ) {
        let (msgs, choices): (Vec<[Block; 2]>, Vec<bool>) =
            v.into_iter().map(|(a, b, c)| ([Block(a), Block(b)], c)).unzip();
        let (sender, mut recv, _, mut rng_r) = setup(seed);
        let (r_out, matrix) = recv.extend_random(msgs.len(), &mut rng_r).unwrap();
        let (awaiting, corrections) = r_out.derandomize(&choices).unwrap();
        let (_, s_out) = sender.extend_random(&matrix).unwrap();
        let masked = s_out.derandomize(&corrections, &msgs).unwrap();
        let out = awaiting.receive_pairs(&masked).unwrap();
        let expected: Vec<Block> = msgs.iter().zip(&choices).map(|(m, &c)| m[c as usize]).collect();
        prop_assert_eq!(out, expected);
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = ExtensionMatrixMsg::decode(&bytes);
        let _ = ChoiceCorrectionsMsg::decode(&bytes);
        let _ = MaskedPairsMsg::decode(&bytes);
        let _ = SetupPointMsg::decode(&bytes);
        let _ = ChoicePointsMsg::decode(&bytes);
    }
}

#[test]
fn many_batches_from_one_setup() {
    let (mut sender, mut recv, _, mut rng_r) = setup(11);
    let mut seen = Vec::new();
    for (i, &count) in [0usize, 1, 127, 128, 129, 1000, 4096, 3].iter().enumerate() {
        assert_eq!(recv.next_batch(), i as u64);
        assert_eq!(sender.next_batch(), i as u64);
        let (r_out, msg) = recv.extend_random(count, &mut rng_r).unwrap();
        let (s, s_out) = sender.extend_random(&msg).unwrap();
        sender = s;
        check_random(&s_out, &r_out);
        seen.extend(s_out.into_pairs());
    }
    // Pads of different batches and indices are distinct.
    let mut all: Vec<u128> = seen.iter().flat_map(|[a, b]| [a.0, b.0]).collect();
    let n = all.len();
    all.sort_unstable();
    all.dedup();
    assert_eq!(all.len(), n);
}

#[test]
fn large_batch_crosses_chunks() {
    let (sender, mut recv, _, mut rng_r) = setup(12);
    let count = 128 * (3 * CHUNK_BLOCKS + 1) + 5;
    let (r_out, msg) = recv.extend_random(count, &mut rng_r).unwrap();
    let (_, s_out) = sender.extend_random(&msg).unwrap();
    check_random(&s_out, &r_out);
}

#[test]
fn seeded_runs_are_deterministic() {
    let run = |seed| {
        let mut rng_s = ChaCha12Rng::seed_from_u64(seed);
        let mut rng_r = ChaCha12Rng::seed_from_u64(seed + 100);
        let mut transcript = Vec::new();
        let (recv, m1) = Receiver::new(sid(), &mut rng_r);
        let (sender, m2) = Sender::new(sid(), &mut rng_s)
            .receive_base_setup(&m1, &mut rng_s)
            .unwrap();
        let mut recv = recv.receive_base_choices(&m2).unwrap();
        let (r_out, m3) = recv.extend_random(300, &mut rng_r).unwrap();
        let choices: Vec<bool> = (0..300).map(|i| i % 3 == 0).collect();
        let msgs: Vec<[Block; 2]> = (0..300u128).map(|i| [Block(i), Block(!i)]).collect();
        let (awaiting, m4) = r_out.derandomize(&choices).unwrap();
        let (_, s_out) = sender.extend_random(&m3).unwrap();
        let m5 = s_out.derandomize(&m4, &msgs).unwrap();
        let out = awaiting.receive_pairs(&m5).unwrap();
        transcript.push(m1.encode());
        transcript.push(m2.encode());
        transcript.push(m3.encode());
        transcript.push(m4.encode());
        transcript.push(m5.encode());
        (transcript, out)
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1).0, run(2).0);
}

/// The challenges `chi_i` the sender derives for a matrix message.
fn challenges(msg: &ExtensionMatrixMsg) -> Vec<u128> {
    let mut tr = ChiTranscript::new(&sid(), msg.batch, msg.count);
    tr.absorb(msg.columns.iter().map(|b| b.0));
    let prg = Prg::new(tr.finish());
    let mut chi = vec![0u128; msg.columns.len()];
    let mut scratch = vec![super::aes::AesBlock::default(); chi.len()];
    prg.fill(0, &mut chi, &mut scratch);
    chi
}

/// A malicious receiver flips its choice bits in column `j` at the rows of
/// `rows_by_col[j]` only (so `r` differs between columns), and answers the
/// check honestly for its nominal `r`, optionally adjusted by a guess of
/// `Delta` bits.
fn cheat(seed: u64, rows_by_col: &[(usize, Vec<usize>)], guess: u128) -> Result<(), OtError> {
    let (sender, mut recv, _, mut rng_r) = setup(seed);
    let count = 1000;
    let mut msg = ExtensionMatrixMsg::default();
    recv.extend_with_error(
        count,
        &mut rng_r,
        &mut Default::default(),
        &mut msg,
        |b, j| {
            let mut e = 0u128;
            for (col, rows) in rows_by_col {
                if *col == j {
                    for &row in rows {
                        if row / 128 == b {
                            e ^= 1 << (row % 128);
                        }
                    }
                }
            }
            e
        },
    )
    .unwrap();
    // The error term is sum_i chi_i * (e_i & Delta); a receiver that guesses
    // the Delta bits of the tampered columns can add it to its answer.
    let chi = challenges(&msg);
    let mut adjust = 0u128;
    for (col, rows) in rows_by_col {
        if (guess >> col) & 1 == 1 {
            for &row in rows {
                adjust ^= gf128::mul(chi[row], 1 << col);
            }
        }
    }
    msg.check_t.0 ^= adjust;
    sender.extend_random(&msg).map(|_| ())
}

#[test]
fn kos_check_detects_inconsistent_choice_bits() {
    let consistency_failure = Err(OtError::PeerMisbehaved {
        party: Party::Receiver,
        fault: PeerFault::ConsistencyCheckFailed,
    });
    // Honest baseline passes.
    assert_eq!(cheat(21, &[], 0), Ok(()));
    // Inconsistent in every column, no correct guess: caught.
    let everywhere: Vec<(usize, Vec<usize>)> =
        (0..128).map(|j| (j, vec![j, 500 + j, 999])).collect();
    assert_eq!(cheat(21, &everywhere, 0), consistency_failure);
    // Inconsistent in two columns: of the four guesses of the two Delta bits,
    // exactly one passes (the receiver learns two bits with probability 1/4
    // and is caught otherwise, as KOS allows).
    let two = [(5usize, vec![3usize, 700]), (77usize, vec![3usize])];
    let passing = (0..4u128)
        .filter(|g| {
            let guess = (g & 1) << 5 | (g >> 1) << 77;
            cheat(22, &two, guess).is_ok()
        })
        .count();
    assert_eq!(passing, 1);
}

#[test]
fn tampered_check_values_or_matrix_fail() {
    let (sender, mut recv, _, mut rng_r) = setup(23);
    let (_, msg) = recv.extend_random(500, &mut rng_r).unwrap();
    for tamper in 0..3 {
        let mut bad = msg.clone();
        match tamper {
            0 => bad.check_x.0 ^= 1,
            1 => bad.check_t.0 ^= 1 << 100,
            // A flip in u after the receiver hashed it changes chi too.
            _ => bad.columns[42].0 ^= 1,
        }
        assert_eq!(
            sender_for(23).extend_random(&bad).unwrap_err(),
            OtError::PeerMisbehaved {
                party: Party::Receiver,
                fault: PeerFault::ConsistencyCheckFailed
            }
        );
    }
    // The untampered message passes.
    assert!(sender.extend_random(&msg).is_ok());
}

fn sender_for(seed: u64) -> SenderReady {
    setup(seed).0
}

#[test]
fn malformed_extension_messages_are_errors() {
    let (sender, mut recv, _, mut rng_r) = setup(31);
    let (_, msg) = recv.extend_random(300, &mut rng_r).unwrap();
    let fault = |r: Result<(SenderReady, RandomOtSenderOutput), OtError>| match r {
        Err(OtError::PeerMisbehaved {
            party: Party::Receiver,
            fault,
        }) => fault,
        other => panic!("expected receiver misbehaviour, got {other:?}"),
    };
    // Truncated or extended matrix.
    let mut short = msg.clone();
    short.columns.truncate(short.columns.len() - 1);
    assert!(matches!(
        fault(sender_for(31).extend_random(&short)),
        PeerFault::WrongLength { .. }
    ));
    let mut long = msg.clone();
    long.columns.extend_from_slice(&[Block(0); 128]);
    assert!(matches!(
        fault(sender_for(31).extend_random(&long)),
        PeerFault::WrongLength { .. }
    ));
    // Count inconsistent with the matrix, or absurd.
    let mut wrong_count = msg.clone();
    wrong_count.count = 10_000;
    assert!(matches!(
        fault(sender_for(31).extend_random(&wrong_count)),
        PeerFault::WrongLength { .. }
    ));
    let mut huge = msg.clone();
    huge.count = u64::MAX;
    assert!(matches!(
        fault(sender_for(31).extend_random(&huge)),
        PeerFault::BatchTooLarge { .. }
    ));
    let limited = sender_for(31).with_max_batch(100);
    assert!(matches!(
        fault(limited.extend_random(&msg)),
        PeerFault::BatchTooLarge { .. }
    ));
    // Out of order: batch 1 first, and a replay of batch 0.
    let mut later = msg.clone();
    later.batch = 1;
    assert!(matches!(
        fault(sender_for(31).extend_random(&later)),
        PeerFault::UnexpectedBatch { .. }
    ));
    let (sender, _) = sender.extend_random(&msg).unwrap();
    assert!(matches!(
        fault(sender.extend_random(&msg)),
        PeerFault::UnexpectedBatch { .. }
    ));
    // Truncated wire encodings never panic.
    let enc = msg.encode();
    for cut in [0, 1, 17, 40, 57, enc.len() - 1] {
        assert!(ExtensionMatrixMsg::decode(&enc[..cut]).is_err());
    }
}

#[test]
fn malformed_derandomisation_messages_are_errors() {
    let msgs: Vec<[Block; 2]> = (0..20u128).map(|i| [Block(i), Block(i + 1)]).collect();
    let choices = vec![true; 20];
    let prepare = || {
        let (sender, mut recv, _, mut rng_r) = setup(41);
        let (r_out, matrix) = recv.extend_random(20, &mut rng_r).unwrap();
        let (awaiting, corr) = r_out.derandomize(&choices).unwrap();
        let (_, s_out) = sender.extend_random(&matrix).unwrap();
        (s_out, awaiting, corr)
    };
    // Corrections: wrong batch, count, bit-vector length.
    let (s_out, _, corr) = prepare();
    let mut bad = corr.clone();
    bad.batch = 9;
    assert_eq!(
        s_out.derandomize(&bad, &msgs).unwrap_err().blame(),
        Some(Party::Receiver)
    );
    let (s_out, _, corr) = prepare();
    let mut bad = corr.clone();
    bad.count = 19;
    assert_eq!(
        s_out.derandomize(&bad, &msgs).unwrap_err().blame(),
        Some(Party::Receiver)
    );
    let (s_out, _, corr) = prepare();
    let mut bad = corr.clone();
    bad.bits.pop();
    assert_eq!(
        s_out.derandomize(&bad, &msgs).unwrap_err().blame(),
        Some(Party::Receiver)
    );
    // Local misuse: wrong number of message pairs / choices.
    let (s_out, _, corr) = prepare();
    let err = s_out.derandomize(&corr, &msgs[..19]).unwrap_err();
    assert!(!err.is_peer_misbehaviour());
    // Masked pairs: wrong batch, wrong length.
    let (s_out, awaiting, corr) = prepare();
    let mut masked = s_out.derandomize(&corr, &msgs).unwrap();
    masked.pairs.pop();
    assert_eq!(
        awaiting.receive_pairs(&masked).unwrap_err().blame(),
        Some(Party::Sender)
    );
    let (s_out, awaiting, corr) = prepare();
    let mut masked = s_out.derandomize(&corr, &msgs).unwrap();
    masked.batch = 1;
    assert_eq!(
        awaiting.receive_pairs(&masked).unwrap_err().blame(),
        Some(Party::Sender)
    );
    // Receiver-side misuse.
    let (_, mut recv, _, mut rng_r) = setup(42);
    let (r_out, _) = recv.extend_random(5, &mut rng_r).unwrap();
    assert!(!r_out
        .derandomize(&[true])
        .unwrap_err()
        .is_peer_misbehaviour());
    let err = recv.extend_random(MAX_BATCH + 1, &mut rng_r).unwrap_err();
    assert!(!err.is_peer_misbehaviour());
}

#[test]
fn invalid_base_ot_messages_blame_the_right_party() {
    let mut rng = ChaCha12Rng::seed_from_u64(51);
    // The extension receiver is the base-OT sender: a bad setup point blames it.
    let bad_setup = SetupPointMsg {
        point: curve25519_dalek::ristretto::CompressedRistretto([0xee; 32]),
    };
    let err = Sender::new(sid(), &mut rng)
        .receive_base_setup(&bad_setup, &mut rng)
        .unwrap_err();
    assert_eq!(err.blame(), Some(Party::Receiver));
    // The extension sender is the base-OT receiver: bad points blame it.
    let (recv, setup_msg) = Receiver::new(sid(), &mut rng);
    let (_, mut points) = Sender::new(sid(), &mut rng)
        .receive_base_setup(&setup_msg, &mut rng)
        .unwrap();
    points.points[17] = curve25519_dalek::ristretto::CompressedRistretto([0; 32]);
    let err = recv.receive_base_choices(&points).unwrap_err();
    assert_eq!(
        err,
        OtError::PeerMisbehaved {
            party: Party::Sender,
            fault: PeerFault::InvalidPoint { index: 17 }
        }
    );
    let (recv, _) = Receiver::new(sid(), &mut rng);
    let short = ChoicePointsMsg { points: vec![] };
    assert_eq!(
        recv.receive_base_choices(&short).unwrap_err().blame(),
        Some(Party::Sender)
    );
}

#[test]
fn random_choices_are_balanced() {
    let (_, mut recv, _, mut rng_r) = setup(61);
    let (r_out, _) = recv.extend_random(1 << 14, &mut rng_r).unwrap();
    let ones = r_out.choices().iter().filter(|&&c| c).count();
    assert!((7700..8700).contains(&ones), "{ones}");
    let _ = rng_r.next_u32();
}

#[test]
fn into_variants_reuse_buffers_across_batches() {
    let (mut sender, mut recv, _, mut rng_r) = setup(71);
    let mut r_out = RandomOtReceiverOutput::default();
    let mut s_out = RandomOtSenderOutput::default();
    let mut msg = ExtensionMatrixMsg::default();
    for count in [1000usize, 10, 0, 4000, 129] {
        recv.extend_random_into(count, &mut rng_r, &mut r_out, &mut msg)
            .unwrap();
        assert_eq!(msg.columns.len(), padded_rows(count));
        sender = sender.extend_random_into(&msg, &mut s_out).unwrap();
        assert_eq!(r_out.batch(), s_out.batch());
        assert_eq!(r_out.blocks().len(), count);
        check_random(&s_out, &r_out);
    }
    // A failed batch empties the sender's output.
    recv.extend_random_into(50, &mut rng_r, &mut r_out, &mut msg)
        .unwrap();
    msg.check_x.0 ^= 1;
    assert!(sender.extend_random_into(&msg, &mut s_out).is_err());
    assert!(s_out.pairs().is_empty());
}
