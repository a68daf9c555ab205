//! # Chou-Orlandi base OT ("the simplest OT") over ristretto255
//!
//! **Functionality.** `n` 1-out-of-2 OTs of 128-bit blocks, random or
//! chosen-message (see [`super`]).
//!
//! **Protocol** (Chou and Orlandi, "The Simplest Protocol for Oblivious
//! Transfer", LATINCRYPT 2015, ePrint 2015/267, Fig. 1), with `G` the
//! ristretto255 base point and `H` blake3 in key-derivation mode:
//!
//! 1. Sender: `a <- Z_l`, sends `A = a*G` ([`SetupPointMsg`]).
//! 2. Receiver, for each OT `i` with choice `c_i`: `b_i <- Z_l`, sends
//!    `B_i = b_i*G + c_i*A` ([`ChoicePointsMsg`]); its key is
//!    `k_i = H(sid, i, A, B_i, b_i*A)`.
//! 3. Sender: `k_i^0 = H(sid, i, A, B_i, a*B_i)`,
//!    `k_i^1 = H(sid, i, A, B_i, a*(B_i - A))`. Random OT stops here; for
//!    chosen messages it sends `e_i^j = m_i^j ^ k_i^j`
//!    ([`CiphertextPairsMsg`]).
//!
//! Correctness: `a*B_i - c_i*a*A = b_i*a*G = b_i*A`. (Implementation: points
//! are computed halved and compressed in one batch with a shared inversion;
//! the receiver multiplies by `A` through a precomputed table.) The hash input binds the
//! session id, the OT index and both public points, so keys of different
//! sessions and indices are domain separated.
//!
//! **Threat model.** Semi-honest sender and receiver (the receiver's choice is
//! perfectly hidden: `B_i` is uniform either way; the sender's other key needs
//! CDH in ristretto255 with `H` a random oracle). Every received point is
//! decompressed and the identity is rejected; a malformed message yields an
//! [`OtError`] blaming the peer, never a panic. Known limits: the protocol is
//! not UC-secure against a malicious sender (Genc, Iovino, Rial, "The simplest
//! protocol for oblivious transfer revisited", ePrint 2017/370), and secret
//! scalars are not zeroized on drop.
//!
//! **Not audited.**

mod receiver;
mod sender;

pub use receiver::{Receiver, ReceiverAwaitingSetup, ReceiverKeys};
pub use sender::{Sender, SenderAwaitingChoices, SenderKeys};

pub use super::msgs::{ChoicePointsMsg, CiphertextPairsMsg, SetupPointMsg};
#[allow(unused_imports)] // used in doc links
use super::OtError;

use super::SessionId;
use crate::block::Block;
use curve25519_dalek::ristretto::CompressedRistretto;
use curve25519_dalek::scalar::Scalar;

/// blake3 key-derivation context for the OT keys (versioned).
pub const DST_KEY: &str = "zkagg-mpc 2026 ot chou-orlandi key v1";

/// Derives the key of OT `index` from the shared point.
fn derive_key(
    session_id: &SessionId,
    index: u64,
    a: &CompressedRistretto,
    b: &CompressedRistretto,
    shared: &CompressedRistretto,
) -> Block {
    let mut h = blake3::Hasher::new_derive_key(DST_KEY);
    h.update(&session_id.0);
    h.update(&index.to_le_bytes());
    h.update(a.as_bytes());
    h.update(b.as_bytes());
    h.update(shared.as_bytes());
    let out = h.finalize();
    let mut k = [0u8; 16];
    k.copy_from_slice(&out.as_bytes()[..16]);
    Block::from_bytes(k)
}

/// `1/2 mod l`. Points are computed halved and compressed with
/// `double_and_compress_batch`, which shares one field inversion across the
/// batch.
fn half() -> Scalar {
    Scalar::from(2u64).invert()
}

#[cfg(test)]
mod tests;
