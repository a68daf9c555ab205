//! # IKNP OT extension with the KOS consistency check
//!
//! **Functionality.** After a one-time setup of [`KAPPA`] = 128 base OTs, any
//! number of batches of random 1-out-of-2 OTs of 128-bit blocks; each batch
//! can be derandomised into chosen-message OT (see [`super`]).
//!
//! **Protocol.** Ishai, Kilian, Nissim, Petrank, "Extending Oblivious
//! Transfers Efficiently", CRYPTO 2003, with the consistency check of Keller,
//! Orsini, Scholl, "Actively Secure OT Extension with Optimal Overhead",
//! CRYPTO 2015 (ePrint 2015/546). Notation as in KOS:
//!
//! 1. *Setup* (roles reversed): the extension sender samples
//!    `Delta <- {0,1}^128` and, as Chou-Orlandi receiver with choice bits
//!    `Delta_j`, learns `k_j^{Delta_j}`; the extension receiver, as
//!    Chou-Orlandi sender, learns both seeds `(k_j^0, k_j^1)`, `j < 128`.
//! 2. *Batch of `m` OTs*: `m' = roundup_128(m + 128 + 64)` rows (KOS
//!    sacrifices `kappa + s` random OTs, `s = 64`). The receiver picks random
//!    choices `r in {0,1}^m'`, sets column `t^j = G(k_j^0)` and sends
//!    `u^j = t^j ^ G(k_j^1) ^ r` ([`ExtensionMatrixMsg`]), `G` being AES-128 in
//!    counter mode, continuing the stream from batch to batch. The sender
//!    computes `q^j = G(k_j^{Delta_j}) ^ Delta_j * u^j`, so that row-wise
//!    `q_i = t_i ^ r_i * Delta`.
//! 3. *Check*: `chi_1..chi_m'` in GF(2^128) are expanded (AES-CTR) from a
//!    blake3 hash of the session id, batch index, `m` and `u` (Fiat-Shamir in
//!    place of KOS's coin toss, saving a flow). The receiver sends
//!    `x = sum chi_i r_i` and `t = sum chi_i t_i`; the sender checks
//!    `sum chi_i q_i = t + x * Delta`.
//! 4. *Output*: the sender gets `(H(i, q_i), H(i, q_i ^ Delta))`, the receiver
//!    `r_i` and `H(i, t_i)`, for the `m` first rows, with `i` the global OT
//!    index and `H` the fixed-key-AES correlation-robust hash.
//! 5. *Derandomisation* (Beaver): the receiver sends `d_i = c_i ^ r_i`
//!    ([`ChoiceCorrectionsMsg`]), the sender sends
//!    `y_i^b = m_i^b ^ H(i, q_i ^ (b ^ d_i) * Delta)` ([`MaskedPairsMsg`]),
//!    the receiver outputs `y_i^{c_i} ^ H(i, t_i)`.
//!
//! The per-row check products `chi_i * t_i` are batched with the method of
//! the Four Russians (a 128x128 matrix product over GF(2) per batch, about 36
//! 128-bit xors per row, portable code since the crate forbids `unsafe`); the
//! bit-matrix transpose is Eklundh's recursive block swap.
//!
//! **Threat model.** Semi-honest security for both parties; the check gives
//! security against a malicious receiver, who can at most learn a few bits of
//! `Delta` at the risk of being caught (the KOS analysis; later work, e.g.
//! Roy's SoftSpokenOT, CRYPTO 2022, revisits that analysis without changing
//! the check). A failed check makes the sender state unusable: the
//! [`SenderReady`] is consumed by every batch and only returned on success, so
//! an aborted session cannot be continued with the same `Delta`. The base OTs
//! are only semi-honest (see [`super::chou_orlandi`]), so the extension is not
//! secure against a malicious sender. Fiat-Shamir lets a cheating receiver
//! grind `u` offline; a grinding attempt helps only if the challenge makes
//! the check degenerate on its deviation, which for uniform `chi` has
//! probability about `2^-128` per attempt. Secrets are not zeroized on drop.
//!
//! **Batches.** [`ReceiverReady::extend_random`] /
//! [`SenderReady::extend_random`] run one batch; the `_into` variants reuse
//! the caller's output buffers (a stream of batches then allocates nothing).
//! Chosen-message OT is random OT plus
//! [`RandomOtReceiverOutput::derandomize`] and
//! [`RandomOtSenderOutput::derandomize`]; the in-process driver is
//! [`super::transfer_chosen`].
//!
//! **Not audited.**

mod aes;
mod gf128;
mod receiver;
mod sender;
mod transpose;

pub use receiver::{
    RandomOtReceiverOutput, Receiver, ReceiverAwaitingBaseChoices, ReceiverAwaitingPairs,
    ReceiverReady,
};
pub use sender::{RandomOtSenderOutput, Sender, SenderAwaitingBaseSetup, SenderReady};

pub use super::msgs::{ChoiceCorrectionsMsg, ExtensionMatrixMsg, MaskedPairsMsg};

use super::SessionId;

/// Number of base OTs and columns of the extension matrix (the computational
/// security parameter).
pub const KAPPA: usize = 128;

/// Statistical security parameter of the KOS check (extra rows sacrificed per
/// batch beyond `KAPPA`).
pub const STAT_SEC: usize = 64;

/// Largest number of OTs in one extension batch (16 Mi; the receiver's
/// matrix is then 256 MiB). The sender rejects larger batches as peer
/// misbehaviour unless configured otherwise.
pub const MAX_BATCH: usize = 1 << 24;

/// blake3 key-derivation context for the base-OT session id.
pub const DST_BASE_OT: &str = "zkagg-mpc 2026 ot kos base-ot session v1";
/// blake3 key-derivation context for the check challenge (Fiat-Shamir).
pub const DST_CHI: &str = "zkagg-mpc 2026 ot kos chi v1";

/// Rows of 128-row blocks processed together (cache blocking).
const CHUNK_BLOCKS: usize = 16;

/// Number of matrix rows for a batch of `count` OTs.
pub fn padded_rows(count: usize) -> usize {
    (count + KAPPA + STAT_SEC).div_ceil(128) * 128
}

/// Session id of the base OTs, derived from the extension's.
fn base_session_id(session_id: &SessionId) -> SessionId {
    let mut h = blake3::Hasher::new_derive_key(DST_BASE_OT);
    h.update(&session_id.0);
    SessionId(*h.finalize().as_bytes())
}

/// Incremental Fiat-Shamir hash of a batch, absorbing `u` block by block.
struct ChiTranscript {
    hasher: blake3::Hasher,
    buf: Vec<u8>,
}

impl ChiTranscript {
    const BUF_BLOCKS: usize = 2048;

    fn new(session_id: &SessionId, batch: u64, count: u64) -> Self {
        let mut hasher = blake3::Hasher::new_derive_key(DST_CHI);
        hasher.update(&session_id.0);
        hasher.update(&batch.to_le_bytes());
        hasher.update(&count.to_le_bytes());
        ChiTranscript {
            hasher,
            buf: Vec::with_capacity(Self::BUF_BLOCKS * 16),
        }
    }

    fn absorb(&mut self, blocks: impl Iterator<Item = u128>) {
        for b in blocks {
            self.buf.extend_from_slice(&b.to_le_bytes());
            if self.buf.len() == Self::BUF_BLOCKS * 16 {
                self.hasher.update(&self.buf);
                self.buf.clear();
            }
        }
    }

    /// The AES key expanding the challenges `chi_i`.
    fn finish(mut self) -> u128 {
        self.hasher.update(&self.buf);
        let out = self.hasher.finalize();
        let mut k = [0u8; 16];
        k.copy_from_slice(&out.as_bytes()[..16]);
        u128::from_le_bytes(k)
    }
}

/// Bit `k` of `x` as an all-zero or all-one mask.
#[inline(always)]
fn bit_mask(x: u128, k: usize) -> u128 {
    0u128.wrapping_sub((x >> k) & 1)
}

#[cfg(test)]
mod tests;
