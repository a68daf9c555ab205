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
    let _ = (msgs, choices, rng_sender, rng_receiver);
    todo!("KOS driver")
}

/// Random OT of `count` OTs, run in process (base OTs plus one KOS batch).
///
/// Returns the sender's random pairs, the receiver's random choice bits and
/// chosen blocks, and the cost (3 flows).
pub fn transfer_random<R: RngCore + CryptoRng>(
    count: usize,
    rng_sender: &mut R,
    rng_receiver: &mut R,
) -> Result<(Vec<[Block; 2]>, Vec<bool>, Vec<Block>, OtCost), OtError> {
    let _ = (count, rng_sender, rng_receiver);
    todo!("KOS driver")
}
