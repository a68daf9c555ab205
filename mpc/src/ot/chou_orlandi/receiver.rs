//! The Chou-Orlandi receiver.

use super::{derive_key, half, ChoicePointsMsg, CiphertextPairsMsg, SetupPointMsg};
use crate::block::Block;
use crate::ot::{OtError, Party, PeerFault, SessionId};
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::ristretto::{RistrettoBasepointTable, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{Identity, IsIdentity};
use rand_core::{CryptoRng, RngCore};
use subtle::{Choice, ConditionallySelectable};

/// Entry point of the receiver role.
#[derive(Debug)]
pub struct Receiver;

impl Receiver {
    /// Starts a receiver with one choice bit per OT.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(session_id: SessionId, choices: Vec<bool>) -> ReceiverAwaitingSetup {
        ReceiverAwaitingSetup {
            session_id,
            choices,
        }
    }
}

/// Receiver state waiting for the sender's point `A`.
#[derive(Debug)]
pub struct ReceiverAwaitingSetup {
    session_id: SessionId,
    choices: Vec<bool>,
}

impl ReceiverAwaitingSetup {
    /// Processes `A`, derives the receiver's keys and returns the points
    /// `B_i` for the sender.
    ///
    /// Errors (blaming the sender) if `A` does not decompress or is the
    /// identity.
    pub fn receive_setup<R: RngCore + CryptoRng + ?Sized>(
        self,
        msg: &SetupPointMsg,
        rng: &mut R,
    ) -> Result<(ReceiverKeys, ChoicePointsMsg), OtError> {
        let invalid = || OtError::peer(Party::Sender, PeerFault::InvalidPoint { index: 0 });
        let point_a = msg.point.decompress().ok_or_else(invalid)?;
        if point_a.is_identity() {
            return Err(invalid());
        }
        // Halved points, compressed in batches: 2*(b/2*G + c*A/2) = B and
        // 2*(b/2*A) = b*A.
        let a_table = RistrettoBasepointTable::create(&point_a);
        let half = half();
        let half_a = &half * &a_table;
        let identity = RistrettoPoint::identity();
        let mut half_points = Vec::with_capacity(self.choices.len());
        let mut half_shared = Vec::with_capacity(self.choices.len());
        for &c in &self.choices {
            let mut wide = [0u8; 64];
            rng.fill_bytes(&mut wide);
            let half_b = Scalar::from_bytes_mod_order_wide(&wide) * half;
            let offset =
                RistrettoPoint::conditional_select(&identity, &half_a, Choice::from(c as u8));
            half_points.push((&half_b * RISTRETTO_BASEPOINT_TABLE) + offset);
            half_shared.push(&half_b * &a_table);
        }
        let points = RistrettoPoint::double_and_compress_batch(&half_points);
        let shared = RistrettoPoint::double_and_compress_batch(&half_shared);
        let keys = points
            .iter()
            .zip(&shared)
            .enumerate()
            .map(|(i, (b, s))| derive_key(&self.session_id, i as u64, &msg.point, b, s))
            .collect();
        Ok((
            ReceiverKeys {
                choices: self.choices,
                keys,
            },
            ChoicePointsMsg { points },
        ))
    }
}

/// Receiver state holding the key `k_i^{c_i}` of every OT.
#[derive(Debug)]
pub struct ReceiverKeys {
    choices: Vec<bool>,
    keys: Vec<Block>,
}

impl ReceiverKeys {
    /// The receiver's choice bits.
    pub fn choices(&self) -> &[bool] {
        &self.choices
    }

    /// Random OT: the keys `k_i^{c_i}` are the receiver's output.
    pub fn into_random(self) -> Vec<Block> {
        self.keys
    }

    /// Chosen-message OT: decrypts `m_i^{c_i}` from the sender's ciphertexts.
    ///
    /// Errors (blaming the sender) unless there is one pair per OT.
    pub fn decrypt(self, msg: &CiphertextPairsMsg) -> Result<Vec<Block>, OtError> {
        if msg.ciphertexts.len() != self.keys.len() {
            return Err(OtError::peer(
                Party::Sender,
                PeerFault::WrongLength {
                    what: "CiphertextPairsMsg.ciphertexts",
                    expected: self.keys.len(),
                    actual: msg.ciphertexts.len(),
                },
            ));
        }
        Ok(self
            .keys
            .iter()
            .zip(&self.choices)
            .zip(&msg.ciphertexts)
            .map(|((k, &c), [e0, e1])| {
                // Branch-free selection of e_i^{c_i}.
                (*e0).select(!c) ^ (*e1).select(c) ^ *k
            })
            .collect())
    }
}
