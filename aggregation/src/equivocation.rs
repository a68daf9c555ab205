//! Coordinator equivocation: the coordinator shows two parties different
//! entries at one sequence number (a fork of the bulletin).
//!
//! Every entry's signature covers its sequence number and the previous
//! hash, so a party that signed at (seq, prev) attests the head it saw.
//! Aggregators exchange a [`HeadClaim`] (the length and head they signed
//! at); a claim whose head differs from one's own at that length is a fork
//! ([`diverges`]). The conclusive evidence is two entries at one sequence
//! number, both signed by the coordinator (verified strictly), that differ
//! ([`Equivocation`]): an honest coordinator signs one entry per position,
//! so this blames it alone. After a fork the two branches hold such a pair
//! as soon as both reach a coordinator entry at the same position (the next
//! header or close); [`find`] looks for the first. Two entries at one
//! position signed by a provider or an aggregator prove nothing (a poster
//! legitimately signs again after a stale head). The auditor accepts the
//! evidence and names the coordinator
//! ([`crate::auditor::AuditFault::CoordinatorEquivocated`]). Not audited.

use crate::bulletin::Entry;
use crate::config::ConsortiumConfig;
use crate::error::AggError;
use crate::msgs::MAX_MESSAGE_BYTES;
use crate::party::{AggregatorId, PartyId};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use zkagg_zk::encoding;

/// The bulletin length and head an aggregator signed at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeadClaim {
    /// Who claims it.
    pub aggregator: AggregatorId,
    /// The bulletin length (the sequence number it signed at).
    pub len: u64,
    /// The hash of entry `len - 1` (the config id for `len = 0`).
    pub head: [u8; 32],
}

/// Whether `claim` contradicts `entries` (a verified copy of the bulletin):
/// `Some(len)` if this copy has `claim.len` entries and its head there is
/// another one. `None` if it agrees or is too short to tell.
pub fn diverges(entries: &[Entry], config_id: &[u8; 32], claim: &HeadClaim) -> Option<u64> {
    let head = match claim.len {
        0 => *config_id,
        n => entries.get(usize::try_from(n - 1).ok()?)?.hash(),
    };
    (head != claim.head).then_some(claim.len)
}

/// Why evidence is not conclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum EvidenceError {
    /// An entry is not posted by the coordinator.
    #[error("an entry is not the coordinator's")]
    NotCoordinator,
    /// The entries are at different sequence numbers.
    #[error("the entries are at different sequence numbers")]
    DifferentSeq,
    /// The entries are the same.
    #[error("the entries are identical")]
    Identical,
    /// A signature does not verify under the coordinator's key.
    #[error("a signature does not verify")]
    BadSignature,
}

/// Two coordinator-signed entries at one sequence number.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Equivocation {
    /// One entry.
    pub first: Entry,
    /// Another entry at the same sequence number.
    pub second: Entry,
}

/// The largest encoded evidence decoded: two entries of the largest
/// message, with their envelopes.
pub const MAX_EVIDENCE_BYTES: usize = 2 * (MAX_MESSAGE_BYTES + 256);

impl Equivocation {
    /// The canonical encoding (what an aggregator stores and exports).
    pub fn to_bytes(&self) -> Result<Vec<u8>, AggError> {
        Ok(encoding::to_bytes(self)?)
    }

    /// Decodes evidence (capped at [`MAX_EVIDENCE_BYTES`], canonical, no
    /// trailing bytes). Decoding checks nothing else: see [`Self::check`].
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, AggError> {
        Ok(encoding::from_bytes_capped(bytes, MAX_EVIDENCE_BYTES)?)
    }

    /// Checks the evidence: both entries posted and strictly signed by the
    /// config's coordinator, at one sequence number, different. Returns
    /// that sequence number.
    pub fn check(&self, config: &ConsortiumConfig) -> Result<u64, EvidenceError> {
        let (a, b) = (&self.first, &self.second);
        if a.sender != PartyId::Coordinator || b.sender != PartyId::Coordinator {
            return Err(EvidenceError::NotCoordinator);
        }
        if a.seq != b.seq {
            return Err(EvidenceError::DifferentSeq);
        }
        if a.hash() == b.hash() {
            return Err(EvidenceError::Identical);
        }
        let id = config.id();
        for e in [a, b] {
            e.verify_signature(config, &id)
                .map_err(|_| EvidenceError::BadSignature)?;
        }
        Ok(a.seq)
    }
}

/// The first evidence in two copies of a bulletin: from the first position
/// where they differ, the first sequence number at which both hold a
/// coordinator entry and the two differ. `None` if they agree (one may be
/// a prefix of the other) or hold no such pair.
pub fn find(a: &[Entry], b: &[Entry]) -> Option<Equivocation> {
    let fork = a.iter().zip(b).position(|(x, y)| x.hash() != y.hash())?;
    a.iter()
        .zip(b)
        .skip(fork)
        .find(|(x, y)| {
            x.sender == PartyId::Coordinator
                && y.sender == PartyId::Coordinator
                && x.hash() != y.hash()
        })
        .map(|(x, y)| Equivocation {
            first: x.clone(),
            second: y.clone(),
        })
}
