//! Errors of the aggregation layer.

use thiserror::Error;
use zkagg_zk::{EncodingError, ProofError};

use crate::config::PartyId;

/// Errors of roles, the bulletin and the auditor. Misbehaviour by a peer names
/// the party to blame; local misuse does not.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum AggError {
    /// A message or file could not be decoded.
    #[error("decoding: {0}")]
    Encoding(#[from] EncodingError),
    /// A party misbehaved.
    #[error("{party} misbehaved: {reason}")]
    Misbehaved {
        /// The party to blame.
        party: PartyId,
        /// What it did.
        reason: String,
    },
    /// A signature did not verify.
    #[error("bad signature on bulletin entry {seq} from {party}")]
    BadSignature {
        /// Entry sequence number.
        seq: u64,
        /// Claimed sender.
        party: PartyId,
    },
    /// The bulletin's hash chain is broken.
    #[error("bulletin hash chain broken at entry {seq}")]
    BrokenChain {
        /// Entry sequence number.
        seq: u64,
    },
    /// An unknown party.
    #[error("unknown party {0}")]
    UnknownParty(PartyId),
    /// A proof failed.
    #[error("proof: {0}")]
    Proof(#[from] ProofError),
    /// Invalid configuration (local misuse).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A protocol step was used wrongly (local misuse).
    #[error("misuse: {0}")]
    Misuse(String),
    /// Too few contributions were accepted; nothing is released.
    #[error("round {round}: {accepted} accepted contributions, below the minimum batch of {min}")]
    BelowMinimumBatch {
        /// Round.
        round: u64,
        /// Accepted count.
        accepted: usize,
        /// Minimum.
        min: usize,
    },
    /// File I/O.
    #[error("I/O: {0}")]
    Io(String),
}
