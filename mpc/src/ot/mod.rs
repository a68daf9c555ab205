//! # Oblivious transfer
//!
//! 1-out-of-2 oblivious transfer of 128-bit [`Block`]s.
//!
//! **Functionality** (chosen-message OT): the sender inputs pairs
//! `(m_i^0, m_i^1)`, the receiver inputs choice bits `c_i`; the receiver
//! learns `m_i^{c_i}` and nothing about `m_i^{1-c_i}`, the sender learns
//! nothing about `c_i`. *Random OT*: the protocol picks the sender's pairs
//! (and, for the extension, the receiver's choices) uniformly at random.
//!
//! **Protocols.**
//! - [`chou_orlandi`]: base OT, Chou and Orlandi, "The Simplest Protocol for
//!   Oblivious Transfer", LATINCRYPT 2015 (ePrint 2015/267), over ristretto255.
//! - [`kos`]: OT extension, Ishai-Kilian-Nissim-Petrank (CRYPTO 2003) with the
//!   consistency check of Keller-Orsini-Scholl, "Actively Secure OT Extension
//!   with Optimal Overhead", CRYPTO 2015 (ePrint 2015/546). 128 base OTs with
//!   roles reversed, then any number of batches of extended OTs.
//! - [`ideal`]: the ideal functionality, for testing compositions.
//!
//! **Threat model.** Semi-honest security for both parties. The KOS check
//! additionally gives security against a malicious *receiver* of the
//! extension (up to the leakage KOS allows). Not UC-secure against a malicious
//! base-OT sender. See each module.
//!
//! **Not audited.**
//!
//! All protocol cores are sans-IO typestates consumed by value;
//! [`transfer_chosen`] and [`transfer_random`] run both roles in process and
//! report the communication cost.

pub mod chou_orlandi;
pub mod error;
pub mod ideal;
pub mod kos;
pub mod msgs;

pub use error::{Misuse, OtError, Party, PeerFault};
pub use msgs::WireMessage;

use crate::block::Block;
use core::ops::{Add, AddAssign};
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

/// A 32-byte session identifier, mixed into every key derivation so that
/// keys of different sessions are domain separated. Both parties must use
/// the same value; the application chooses it (e.g. by hashing a transcript).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SessionId(pub [u8; 32]);

impl SessionId {
    /// Samples a fresh random session id.
    pub fn random<R: RngCore + CryptoRng + ?Sized>(rng: &mut R) -> SessionId {
        let mut b = [0u8; 32];
        rng.fill_bytes(&mut b);
        SessionId(b)
    }
}

/// Communication cost of a protocol run.
///
/// Byte counts are those of the canonical wire encoding of [`msgs`]
/// (`encode`), without any transport framing. `rounds` is the number of
/// one-way flows (maximal runs of messages in the same direction): a flow
/// costs one network latency.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct OtCost {
    /// Bytes sent by the OT sender to the OT receiver.
    pub bytes_sender_to_receiver: u64,
    /// Bytes sent by the OT receiver to the OT sender.
    pub bytes_receiver_to_sender: u64,
    /// Number of one-way flows.
    pub rounds: u32,
}

impl OtCost {
    /// Total bytes in both directions.
    pub fn total_bytes(&self) -> u64 {
        self.bytes_sender_to_receiver + self.bytes_receiver_to_sender
    }
}

impl Add for OtCost {
    type Output = OtCost;
    fn add(self, rhs: OtCost) -> OtCost {
        OtCost {
            bytes_sender_to_receiver: self.bytes_sender_to_receiver + rhs.bytes_sender_to_receiver,
            bytes_receiver_to_sender: self.bytes_receiver_to_sender + rhs.bytes_receiver_to_sender,
            rounds: self.rounds + rhs.rounds,
        }
    }
}

impl AddAssign for OtCost {
    fn add_assign(&mut self, rhs: OtCost) {
        *self = *self + rhs;
    }
}

/// Chosen-message OT of `msgs.len()` pairs, run in process: Chou-Orlandi base
/// OTs, then one KOS extension batch (derandomised with choice corrections).
///
/// Returns the receiver's output `msgs[i][choices[i] as usize]` for every `i`
/// and the communication cost (4 flows: base setup, base choices, extension
/// matrix with choice corrections, masked pairs). A fresh session id is drawn
/// from `rng_sender`. An empty input returns an empty output at zero cost.
///
/// Errors: [`Misuse::LengthMismatch`] if `msgs` and `choices` differ in
/// length, [`Misuse::BatchTooLarge`] beyond [`kos::MAX_BATCH`].
pub fn transfer_chosen<R: RngCore + CryptoRng>(
    msgs: &[[Block; 2]],
    choices: &[bool],
    rng_sender: &mut R,
    rng_receiver: &mut R,
) -> Result<(Vec<Block>, OtCost), OtError> {
    if msgs.len() != choices.len() {
        return Err(Misuse::LengthMismatch {
            what: "choices (one per message pair)",
            expected: msgs.len(),
            actual: choices.len(),
        }
        .into());
    }
    if msgs.is_empty() {
        return Ok((Vec::new(), OtCost::default()));
    }
    let (sender, mut receiver, mut cost) = setup_in_process(rng_sender, rng_receiver)?;
    // Flow 3 (receiver -> sender): the matrix and the choice corrections.
    let (random, matrix) = receiver.extend_random(msgs.len(), rng_receiver)?;
    let (awaiting, corrections) = random.derandomize(choices)?;
    cost.bytes_receiver_to_sender += (matrix.encoded_len() + corrections.encoded_len()) as u64;
    // Flow 4 (sender -> receiver): the masked pairs.
    let (_, random) = sender.extend_random(&matrix)?;
    let masked = random.derandomize(&corrections, msgs)?;
    cost.bytes_sender_to_receiver += masked.encoded_len() as u64;
    cost.rounds += 2;
    let out = awaiting.receive_pairs(&masked)?;
    Ok((out, cost))
}

/// Random OT of `count` OTs, run in process (base OTs plus one KOS batch).
///
/// Returns the sender's random pairs, the receiver's random choice bits and
/// blocks (`blocks[i] == pairs[i][choices[i] as usize]`), and the cost (3
/// flows). A fresh session id is drawn from `rng_sender`.
#[allow(clippy::type_complexity)]
pub fn transfer_random<R: RngCore + CryptoRng>(
    count: usize,
    rng_sender: &mut R,
    rng_receiver: &mut R,
) -> Result<(Vec<[Block; 2]>, Vec<bool>, Vec<Block>, OtCost), OtError> {
    let (sender, mut receiver, mut cost) = setup_in_process(rng_sender, rng_receiver)?;
    let (random_r, matrix) = receiver.extend_random(count, rng_receiver)?;
    cost.bytes_receiver_to_sender += matrix.encoded_len() as u64;
    cost.rounds += 1;
    let (_, random_s) = sender.extend_random(&matrix)?;
    let (choices, blocks) = random_r.into_parts();
    Ok((random_s.into_pairs(), choices, blocks, cost))
}

/// Base-OT setup of a KOS session in process: 2 flows.
fn setup_in_process<R: RngCore + CryptoRng>(
    rng_sender: &mut R,
    rng_receiver: &mut R,
) -> Result<(kos::SenderReady, kos::ReceiverReady, OtCost), OtError> {
    let session_id = SessionId::random(rng_sender);
    // Flow 1 (receiver -> sender): the base-OT setup point.
    let (receiver, setup) = kos::Receiver::new(session_id, rng_receiver);
    // Flow 2 (sender -> receiver): the base-OT choice points.
    let (sender, points) =
        kos::Sender::new(session_id, rng_sender).receive_base_setup(&setup, rng_sender)?;
    let receiver = receiver.receive_base_choices(&points)?;
    let cost = OtCost {
        bytes_sender_to_receiver: points.encoded_len() as u64,
        bytes_receiver_to_sender: setup.encoded_len() as u64,
        rounds: 2,
    };
    Ok((sender, receiver, cost))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha12Rng;
    use rand_core::SeedableRng;

    #[test]
    fn transfer_chosen_matches_ideal_and_reports_cost() {
        let mut rng_s = ChaCha12Rng::seed_from_u64(1);
        let mut rng_r = ChaCha12Rng::seed_from_u64(2);
        let n = 1000;
        let msgs: Vec<[Block; 2]> = (0..n)
            .map(|_| [Block::random(&mut rng_s), Block::random(&mut rng_s)])
            .collect();
        let choices: Vec<bool> = (0..n).map(|i| (i * 7) % 5 < 2).collect();
        let (out, cost) = transfer_chosen(&msgs, &choices, &mut rng_s, &mut rng_r).unwrap();
        assert_eq!(out, ideal::transfer_chosen(&msgs, &choices).unwrap());
        let rows = kos::padded_rows(n) as u64;
        assert_eq!(cost.rounds, 4);
        // Setup point, matrix with check values, corrections.
        assert_eq!(
            cost.bytes_receiver_to_sender,
            33 + (1 + 8 + 8 + 32 + 8 + 16 * rows) + (1 + 8 + 8 + n as u64 / 8)
        );
        // Base-OT points, masked pairs.
        assert_eq!(
            cost.bytes_sender_to_receiver,
            (9 + 32 * 128) + (17 + 32 * n as u64)
        );
    }

    #[test]
    fn transfer_chosen_is_deterministic_and_checks_lengths() {
        let msgs = vec![[Block(1), Block(2)]; 10];
        let choices = vec![true; 10];
        let run = |seed| {
            let mut rng_s = ChaCha12Rng::seed_from_u64(seed);
            let mut rng_r = ChaCha12Rng::seed_from_u64(seed + 1);
            transfer_chosen(&msgs, &choices, &mut rng_s, &mut rng_r).unwrap()
        };
        assert_eq!(run(3), run(3));
        assert_eq!(run(3).0, vec![Block(2); 10]);
        let mut rng = ChaCha12Rng::seed_from_u64(4);
        let mut rng2 = ChaCha12Rng::seed_from_u64(5);
        let err = transfer_chosen(&msgs, &choices[..9], &mut rng, &mut rng2).unwrap_err();
        assert!(matches!(
            err,
            OtError::Misuse(Misuse::LengthMismatch { .. })
        ));
        let (out, cost) = transfer_chosen(&[], &[], &mut rng, &mut rng2).unwrap();
        assert!(out.is_empty());
        assert_eq!(cost, OtCost::default());
    }

    #[test]
    fn transfer_random_is_correct() {
        let mut rng_s = ChaCha12Rng::seed_from_u64(6);
        let mut rng_r = ChaCha12Rng::seed_from_u64(7);
        let (pairs, choices, blocks, cost) = transfer_random(777, &mut rng_s, &mut rng_r).unwrap();
        assert_eq!(cost.rounds, 3);
        assert_eq!(pairs.len(), 777);
        for ((p, c), b) in pairs.iter().zip(&choices).zip(&blocks) {
            assert_eq!(p[*c as usize], *b);
        }
    }
}
