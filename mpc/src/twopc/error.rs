//! Errors of the two-party validity check.
//!
//! Peer misbehaviour (a malformed garbled message from the garbler, a forged
//! output label from the evaluator) names the party to blame and is kept apart
//! from local misuse (bad bound, wrong share count) and OT failures.

use crate::garble::GarbleError;
use crate::ot::OtError;
use thiserror::Error;

/// The two roles of the 2PC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The aggregator that garbles (and is the OT sender).
    Garbler,
    /// The aggregator that evaluates (and is the OT receiver).
    Evaluator,
}

/// Errors of the two-party bound check.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TwoPcError {
    /// The two share vectors have different lengths (local misuse of the
    /// in-process driver).
    #[error("share vectors differ in length: {garbler} (garbler) vs {evaluator} (evaluator)")]
    LengthMismatch {
        /// Coordinates held by the garbler.
        garbler: usize,
        /// Coordinates held by the evaluator.
        evaluator: usize,
    },
    /// The bound is too large for the sharing: `[-B, B]` must have fewer
    /// than `m` elements, i.e. `2B < m` (local misuse).
    #[error("bound {bound} too large for this sharing (largest allowed {max})")]
    BoundTooLarge {
        /// The bound given.
        bound: u64,
        /// The largest allowed bound.
        max: u64,
    },
    /// The peer sent a malformed message or a forged label.
    #[error("peer misbehaviour by the {party:?}: {source}")]
    PeerMisbehaved {
        /// The party to blame.
        party: Role,
        /// What was wrong.
        #[source]
        source: GarbleError,
    },
    /// The oblivious transfer of the evaluator's input labels failed.
    #[error("oblivious transfer failed: {0}")]
    Ot(#[from] OtError),
    /// A local garbling error (a bug or misuse, not the peer's fault).
    #[error("local garbling error: {0}")]
    Local(#[from] GarbleError),
}
