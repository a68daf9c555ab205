//! Errors of the oblivious-transfer protocols.
//!
//! Peer misbehaviour (a malformed message, an invalid group element, a failed
//! consistency check) is kept apart from local misuse (wrong input lengths,
//! batch too large): the first names the party to blame, the second is a bug
//! in the caller.

use core::fmt;

/// A role in a (base or extended) oblivious transfer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Party {
    /// The party that inputs two messages per OT.
    Sender,
    /// The party that inputs one choice bit per OT and learns one message.
    Receiver,
}

impl Party {
    /// The other role.
    pub fn other(self) -> Party {
        match self {
            Party::Sender => Party::Receiver,
            Party::Receiver => Party::Sender,
        }
    }
}

impl fmt::Display for Party {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Party::Sender => f.write_str("OT sender"),
            Party::Receiver => f.write_str("OT receiver"),
        }
    }
}

/// What a misbehaving peer did.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PeerFault {
    /// A message could not be decoded (truncated, trailing bytes, bad tag).
    #[error("malformed {message}: {reason}")]
    Malformed {
        /// The message type.
        message: &'static str,
        /// What was wrong with it.
        reason: &'static str,
    },
    /// A message carried the wrong number of elements.
    #[error("{what}: expected {expected} elements, got {actual}")]
    WrongLength {
        /// Which field of which message.
        what: &'static str,
        /// The number the protocol state requires.
        expected: usize,
        /// The number received.
        actual: usize,
    },
    /// A group element did not decode to a valid, non-identity point.
    #[error("invalid group element at index {index}")]
    InvalidPoint {
        /// Index of the offending element within its message.
        index: usize,
    },
    /// The KOS consistency check failed: the receiver did not use the same
    /// choice bits in every column of the extension matrix.
    #[error("KOS consistency check failed")]
    ConsistencyCheckFailed,
    /// An extension batch arrived out of order.
    #[error("batch {actual} received, expected batch {expected}")]
    UnexpectedBatch {
        /// The batch index the local state expects.
        expected: u64,
        /// The batch index carried by the message.
        actual: u64,
    },
    /// The peer asked for more OTs in one batch than the local limit.
    #[error("batch of {requested} OTs exceeds the limit of {max}")]
    BatchTooLarge {
        /// Number of OTs requested.
        requested: u64,
        /// Local limit.
        max: u64,
    },
}

/// A mistake of the local caller (never caused by the peer).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Misuse {
    /// Two inputs that must have the same length do not.
    #[error("{what}: expected length {expected}, got {actual}")]
    LengthMismatch {
        /// Which input.
        what: &'static str,
        /// The length required.
        expected: usize,
        /// The length given.
        actual: usize,
    },
    /// More OTs requested in one batch than the configured limit.
    #[error("batch of {requested} OTs exceeds the limit of {max}")]
    BatchTooLarge {
        /// Number of OTs requested.
        requested: u64,
        /// Configured limit.
        max: u64,
    },
    /// The OT index space of this session is exhausted.
    #[error("OT index space of this session exhausted")]
    IndexSpaceExhausted,
}

/// Error of an oblivious-transfer protocol step.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OtError {
    /// The peer deviated from the protocol; `party` is the role to blame.
    #[error("{party} misbehaved: {fault}")]
    PeerMisbehaved {
        /// The role of the misbehaving party in the protocol that detected it.
        party: Party,
        /// What it did.
        fault: PeerFault,
    },
    /// The local caller used the API wrongly.
    #[error("local misuse: {0}")]
    Misuse(#[from] Misuse),
}

impl OtError {
    /// Peer misbehaviour by `party`.
    pub(crate) fn peer(party: Party, fault: PeerFault) -> OtError {
        OtError::PeerMisbehaved { party, fault }
    }

    /// Whether the error blames the peer (as opposed to local misuse).
    pub fn is_peer_misbehaviour(&self) -> bool {
        matches!(self, OtError::PeerMisbehaved { .. })
    }

    /// The party to blame, if the error is peer misbehaviour.
    pub fn blame(&self) -> Option<Party> {
        match self {
            OtError::PeerMisbehaved { party, .. } => Some(*party),
            OtError::Misuse(_) => None,
        }
    }

    /// Re-labels the blamed party for a sub-protocol run with roles reversed
    /// (the base OTs inside the KOS extension).
    pub(crate) fn roles_reversed(self) -> OtError {
        match self {
            OtError::PeerMisbehaved { party, fault } => OtError::PeerMisbehaved {
                party: party.other(),
                fault,
            },
            other => other,
        }
    }
}
