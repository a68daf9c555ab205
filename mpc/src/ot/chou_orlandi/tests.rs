use super::*;
use crate::ot::msgs::WireMessage;
use crate::ot::{Party, PeerFault};
use proptest::prelude::*;
use rand_chacha::ChaCha12Rng;
use rand_core::SeedableRng;

fn sid() -> SessionId {
    SessionId([42; 32])
}

/// Runs a chosen-message OT; returns the receiver's output and the encoded
/// transcript.
fn run_chosen(msgs: &[[Block; 2]], choices: &[bool], seed: u64) -> (Vec<Block>, Vec<Vec<u8>>) {
    let mut rng_s = ChaCha12Rng::seed_from_u64(seed);
    let mut rng_r = ChaCha12Rng::seed_from_u64(seed ^ 0xdead_beef);
    let (sender, setup) = Sender::new(sid(), msgs.len(), &mut rng_s);
    let receiver = Receiver::new(sid(), choices.to_vec());
    let (receiver, points) = receiver.receive_setup(&setup, &mut rng_r).unwrap();
    let sender = sender.receive_choices(&points).unwrap();
    let cts = sender.encrypt(msgs).unwrap();
    let out = receiver.decrypt(&cts).unwrap();
    (out, vec![setup.encode(), points.encode(), cts.encode()])
}

fn blocks_and_choices(max: usize) -> impl Strategy<Value = (Vec<[Block; 2]>, Vec<bool>)> {
    prop::collection::vec((any::<u128>(), any::<u128>(), any::<bool>()), 0..max).prop_map(|v| {
        v.into_iter()
            .map(|(a, b, c)| ([Block(a), Block(b)], c))
            .unzip()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn chosen_ot_is_correct((msgs, choices) in blocks_and_choices(12), seed in any::<u64>()) {
        let (out, _) = run_chosen(&msgs, &choices, seed);
        let expected: Vec<Block> = msgs.iter().zip(&choices).map(|(m, &c)| m[c as usize]).collect();
        prop_assert_eq!(out, expected);
    }

    #[test]
    fn random_ot_is_correct(choices in prop::collection::vec(any::<bool>(), 0..12), seed in any::<u64>()) {
        let mut rng_s = ChaCha12Rng::seed_from_u64(seed);
        let mut rng_r = ChaCha12Rng::seed_from_u64(!seed);
        let (sender, setup) = Sender::new(sid(), choices.len(), &mut rng_s);
        let (receiver, points) = Receiver::new(sid(), choices.clone())
            .receive_setup(&setup, &mut rng_r)
            .unwrap();
        let pairs = sender.receive_choices(&points).unwrap().into_random();
        let keys = receiver.into_random();
        for ((pair, key), &c) in pairs.iter().zip(&keys).zip(&choices) {
            prop_assert_eq!(pair[c as usize], *key);
            prop_assert_ne!(pair[!c as usize], *key);
        }
    }
}

#[test]
fn seeded_runs_are_deterministic() {
    let msgs: Vec<[Block; 2]> = (0..5u128).map(|i| [Block(i), Block(i << 64)]).collect();
    let choices = [true, false, false, true, true];
    let (out1, t1) = run_chosen(&msgs, &choices, 7);
    let (out2, t2) = run_chosen(&msgs, &choices, 7);
    let (_, t3) = run_chosen(&msgs, &choices, 8);
    assert_eq!(out1, out2);
    assert_eq!(t1, t2);
    assert_ne!(t1, t3);
}

#[test]
fn session_id_separates_keys() {
    let mut rng = ChaCha12Rng::seed_from_u64(1);
    let (s1, setup) = Sender::new(SessionId([1; 32]), 1, &mut rng.clone());
    let (s2, _) = Sender::new(SessionId([2; 32]), 1, &mut rng.clone());
    let (_, points) = Receiver::new(SessionId([1; 32]), vec![false])
        .receive_setup(&setup, &mut rng)
        .unwrap();
    let k1 = s1.receive_choices(&points).unwrap().into_random();
    let k2 = s2.receive_choices(&points).unwrap().into_random();
    assert_ne!(k1, k2);
}

#[test]
fn invalid_setup_point_is_rejected() {
    let mut rng = ChaCha12Rng::seed_from_u64(3);
    let identity = SetupPointMsg {
        point: curve25519_dalek::ristretto::CompressedRistretto([0; 32]),
    };
    let not_a_point = SetupPointMsg {
        point: curve25519_dalek::ristretto::CompressedRistretto([0xff; 32]),
    };
    for msg in [identity, not_a_point] {
        let err = Receiver::new(sid(), vec![true, false])
            .receive_setup(&msg, &mut rng)
            .unwrap_err();
        assert_eq!(
            err,
            OtError::PeerMisbehaved {
                party: Party::Sender,
                fault: PeerFault::InvalidPoint { index: 0 }
            }
        );
    }
}

#[test]
fn invalid_choice_points_are_rejected() {
    let mut rng = ChaCha12Rng::seed_from_u64(4);
    let mk = |rng: &mut ChaCha12Rng| {
        let (sender, setup) = Sender::new(sid(), 3, rng);
        let (_, points) = Receiver::new(sid(), vec![true, false, true])
            .receive_setup(&setup, rng)
            .unwrap();
        (sender, points)
    };
    // Identity and a non-canonical encoding at index 1.
    for bad in [[0u8; 32], [0xffu8; 32]] {
        let (sender, mut points) = mk(&mut rng);
        points.points[1] = curve25519_dalek::ristretto::CompressedRistretto(bad);
        let err = sender.receive_choices(&points).unwrap_err();
        assert_eq!(
            err,
            OtError::PeerMisbehaved {
                party: Party::Receiver,
                fault: PeerFault::InvalidPoint { index: 1 }
            }
        );
    }
    // Too few / too many points.
    let (sender, mut points) = mk(&mut rng);
    points.points.pop();
    assert!(matches!(
        sender.receive_choices(&points),
        Err(OtError::PeerMisbehaved {
            party: Party::Receiver,
            fault: PeerFault::WrongLength { .. }
        })
    ));
    let (sender, mut points) = mk(&mut rng);
    points.points.push(points.points[0]);
    assert!(sender.receive_choices(&points).is_err());
}

#[test]
fn wrong_lengths_are_errors() {
    let mut rng = ChaCha12Rng::seed_from_u64(5);
    let (sender, setup) = Sender::new(sid(), 2, &mut rng);
    let (receiver, points) = Receiver::new(sid(), vec![true, false])
        .receive_setup(&setup, &mut rng)
        .unwrap();
    let keys = sender.receive_choices(&points).unwrap();
    // Local misuse: one pair for two OTs.
    let err = keys.encrypt(&[[Block(1), Block(2)]]).unwrap_err();
    assert!(!err.is_peer_misbehaviour());
    // Peer misbehaviour: truncated ciphertext vector.
    let cts = CiphertextPairsMsg {
        ciphertexts: vec![[Block(1), Block(2)]],
    };
    assert_eq!(
        receiver.decrypt(&cts).unwrap_err().blame(),
        Some(Party::Sender)
    );
}
