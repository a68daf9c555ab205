//! Errors of the two-party validity check.
//!
//! Peer misbehaviour (a malformed or unexpected message, a forged output
//! label, a failed OT check) names the party to blame ([`TwoPcError::blame`])
//! and is kept apart from local misuse (bad range, wrong share counts,
//! calls out of order).

use crate::garble::GarbleError;
use crate::ot::{OtError, Party};
use thiserror::Error;

/// The two roles of the 2PC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The aggregator that garbles (and is the OT sender).
    Garbler,
    /// The aggregator that evaluates (and is the OT receiver).
    Evaluator,
}

impl Role {
    /// The other role.
    pub fn other(self) -> Role {
        match self {
            Role::Garbler => Role::Evaluator,
            Role::Evaluator => Role::Garbler,
        }
    }

    /// The 2PC role playing the given OT role (the garbler is the OT sender).
    pub fn of_ot_party(party: Party) -> Role {
        match party {
            Party::Sender => Role::Garbler,
            Party::Receiver => Role::Evaluator,
        }
    }
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
    /// The vectors of a batch do not all have the same length (local misuse).
    #[error("vector {index} has {got} coordinates, expected {expected}")]
    RaggedBatch {
        /// Index of the first offending vector.
        index: usize,
        /// Length of the first vector.
        expected: usize,
        /// Length of the offending vector.
        got: usize,
    },
    /// The batch needs more OTs than one extension batch allows (local misuse).
    #[error("batch needs {ots} OTs, more than the limit {max}")]
    BatchTooLarge {
        /// OTs needed (vectors x coordinates x bits per share).
        ots: u64,
        /// The limit.
        max: u64,
    },
    /// An invalid range was requested (local misuse).
    #[error("invalid bound range: {reason}")]
    InvalidRange {
        /// What was wrong.
        reason: &'static str,
    },
    /// The range is too wide for the sharing: `hi - lo` must be below `m`
    /// (local misuse).
    #[error("range width {width} too large for this sharing (largest allowed {max})")]
    RangeTooWide {
        /// `hi - lo`.
        width: u64,
        /// The largest allowed width.
        max: u64,
    },
    /// A session method was called in a state that does not allow it (local
    /// misuse), e.g. `handle` before `start`, or `start` twice.
    #[error("{call} called while {state}")]
    OutOfOrderCall {
        /// The method.
        call: &'static str,
        /// The state the party was in.
        state: &'static str,
    },
    /// The party failed earlier and refuses every further call.
    #[error("the party failed earlier and is poisoned")]
    Poisoned,
    /// The peer sent bytes that do not decode as the expected message.
    #[error("malformed {message} from the {party:?}: {reason}")]
    Malformed {
        /// The party to blame.
        party: Role,
        /// The message kind expected or found.
        message: &'static str,
        /// What was wrong.
        reason: &'static str,
    },
    /// The peer sent a message of the wrong kind for the current state (out
    /// of order, replayed, or after completion).
    #[error("unexpected {got} from the {party:?} while {state}")]
    UnexpectedMessage {
        /// The party to blame.
        party: Role,
        /// The kind received.
        got: &'static str,
        /// The local state.
        state: &'static str,
    },
    /// The peer runs a session with other public parameters (session id,
    /// number or length of vectors, range or sharing).
    #[error("the {party:?} runs a session with different parameters")]
    SessionMismatch {
        /// The party whose message disagreed.
        party: Role,
    },
    /// The peer sent a malformed garbled message or a forged label.
    #[error("peer misbehaviour by the {party:?}: {source}")]
    PeerMisbehaved {
        /// The party to blame.
        party: Role,
        /// What was wrong.
        #[source]
        source: GarbleError,
    },
    /// The oblivious transfer of the evaluator's input labels failed (the OT
    /// error names the OT role to blame, see [`TwoPcError::blame`]).
    #[error("oblivious transfer failed: {0}")]
    Ot(#[from] OtError),
    /// A local garbling error (a bug or misuse, not the peer's fault).
    #[error("local garbling error: {0}")]
    Local(#[from] GarbleError),
}

impl TwoPcError {
    /// The role to blame if the error is peer misbehaviour, `None` for local
    /// misuse or a poisoned party.
    pub fn blame(&self) -> Option<Role> {
        match self {
            TwoPcError::Malformed { party, .. }
            | TwoPcError::UnexpectedMessage { party, .. }
            | TwoPcError::SessionMismatch { party }
            | TwoPcError::PeerMisbehaved { party, .. } => Some(*party),
            TwoPcError::Ot(e) => e.blame().map(Role::of_ot_party),
            _ => None,
        }
    }

    /// Whether the error blames the peer.
    pub fn is_peer_misbehaviour(&self) -> bool {
        self.blame().is_some()
    }
}
