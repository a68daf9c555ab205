//! The Chou-Orlandi sender.

use super::{derive_key, half, ChoicePointsMsg, CiphertextPairsMsg, SetupPointMsg};
use crate::block::Block;
use crate::ot::{Misuse, OtError, Party, PeerFault, SessionId};
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::IsIdentity;
use rand_core::{CryptoRng, RngCore};

/// Entry point of the sender role.
#[derive(Debug)]
pub struct Sender;

impl Sender {
    /// Starts a sender for `count` OTs: samples `a` and returns the state
    /// awaiting the receiver's points together with the message `A = a*G`.
    #[allow(clippy::new_ret_no_self)]
    pub fn new<R: RngCore + CryptoRng + ?Sized>(
        session_id: SessionId,
        count: usize,
        rng: &mut R,
    ) -> (SenderAwaitingChoices, SetupPointMsg) {
        let mut wide = [0u8; 64];
        rng.fill_bytes(&mut wide);
        let a = Scalar::from_bytes_mod_order_wide(&wide);
        let point_a = &a * RISTRETTO_BASEPOINT_TABLE;
        let compressed_a = point_a.compress();
        let state = SenderAwaitingChoices {
            session_id,
            count,
            a,
            half_a_times_a: (a * half()) * point_a,
            compressed_a,
        };
        (
            state,
            SetupPointMsg {
                point: compressed_a,
            },
        )
    }
}

/// Sender state after sending `A`, waiting for the receiver's points.
#[derive(Debug)]
pub struct SenderAwaitingChoices {
    session_id: SessionId,
    count: usize,
    a: Scalar,
    /// `(a/2)*A`.
    half_a_times_a: RistrettoPoint,
    compressed_a: CompressedRistretto,
}

impl SenderAwaitingChoices {
    /// Processes the receiver's points and derives both keys of every OT.
    ///
    /// Errors (blaming the receiver): wrong number of points, a point that
    /// does not decompress, or the identity.
    pub fn receive_choices(self, msg: &ChoicePointsMsg) -> Result<SenderKeys, OtError> {
        if msg.points.len() != self.count {
            return Err(OtError::peer(
                Party::Receiver,
                PeerFault::WrongLength {
                    what: "ChoicePointsMsg.points",
                    expected: self.count,
                    actual: msg.points.len(),
                },
            ));
        }
        // Halved shared points a/2*B_i and a/2*(B_i - A), compressed in one
        // batch (the doubling restores a*B_i and a*(B_i - A)).
        let half_a = self.a * half();
        let mut halves = Vec::with_capacity(2 * self.count);
        for (i, compressed_b) in msg.points.iter().enumerate() {
            let invalid = || OtError::peer(Party::Receiver, PeerFault::InvalidPoint { index: i });
            let point_b = compressed_b.decompress().ok_or_else(invalid)?;
            if point_b.is_identity() {
                return Err(invalid());
            }
            let p = half_a * point_b;
            halves.push(p);
            halves.push(p - self.half_a_times_a);
        }
        let shared = RistrettoPoint::double_and_compress_batch(&halves);
        let keys = msg
            .points
            .iter()
            .zip(shared.chunks_exact(2))
            .enumerate()
            .map(|(i, (b, s))| {
                let key = |s| derive_key(&self.session_id, i as u64, &self.compressed_a, b, s);
                [key(&s[0]), key(&s[1])]
            })
            .collect();
        Ok(SenderKeys { keys })
    }
}

/// Sender state holding both keys of every OT.
#[derive(Debug)]
pub struct SenderKeys {
    keys: Vec<[Block; 2]>,
}

impl SenderKeys {
    /// Random OT: the key pairs `(k_i^0, k_i^1)` are the sender's output.
    pub fn into_random(self) -> Vec<[Block; 2]> {
        self.keys
    }

    /// Chosen-message OT: encrypts `msgs[i][j]` under `k_i^j`.
    ///
    /// Errors with [`Misuse::LengthMismatch`] unless there is one pair per OT.
    pub fn encrypt(self, msgs: &[[Block; 2]]) -> Result<CiphertextPairsMsg, OtError> {
        if msgs.len() != self.keys.len() {
            return Err(Misuse::LengthMismatch {
                what: "message pairs (one per OT)",
                expected: self.keys.len(),
                actual: msgs.len(),
            }
            .into());
        }
        let ciphertexts = self
            .keys
            .iter()
            .zip(msgs)
            .map(|([k0, k1], [m0, m1])| [*m0 ^ *k0, *m1 ^ *k1])
            .collect();
        Ok(CiphertextPairsMsg { ciphertexts })
    }
}
