//! Errors of the secret-sharing schemes.
//!
//! Peer misbehaviour is kept apart from local misuse:
//!
//! - [`SharingError::InvalidShare`]: a share that a *dealer* (a provider)
//!   sent to party `party` is malformed (bad encoding, wrong length, wrong
//!   form for that party). The dealer is to blame; the caller knows who it is.
//! - [`SharingError::InvalidSummedShare`]: the summed share published by
//!   party `party` (an aggregator) is malformed. That party is to blame.
//! - [`SharingError::Misuse`]: the local caller used the API wrongly
//!   (parameters out of range, duplicate or missing parties, mismatched
//!   lengths). Never caused by a peer.

/// What was wrong with a share or summed share received from a peer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ShareFault {
    /// The bytes do not decode to a share: truncated, trailing bytes, bad
    /// tag, overlong varint or a non-canonical scalar.
    #[error("malformed encoding: {reason}")]
    Malformed {
        /// What was wrong with it.
        reason: &'static str,
    },
    /// The share expands to the wrong number of field elements.
    #[error("expected {expected} field elements, got {actual}")]
    WrongLength {
        /// The length the caller expects (the configured vector length).
        expected: usize,
        /// The length received.
        actual: usize,
    },
    /// The share has a form the scheme does not allow for this party (for
    /// additive sharing: a seed where the explicit share belongs, or the
    /// reverse).
    #[error("expected a {expected} share, got a {actual} share")]
    UnexpectedForm {
        /// The form required for this party.
        expected: &'static str,
        /// The form received.
        actual: &'static str,
    },
}

/// A mistake of the local caller (never caused by a peer).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Misuse {
    /// Scheme parameters that the scheme does not support (for example
    /// fewer than two parties, which would give no privacy).
    #[error("unsupported parameters: {reason}")]
    UnsupportedParameters {
        /// Why.
        reason: &'static str,
    },
    /// A reconstruction threshold larger than the number of parties.
    #[error("threshold {threshold} exceeds the number of parties {parties}")]
    ThresholdExceedsParties {
        /// The requested threshold.
        threshold: usize,
        /// The number of parties.
        parties: usize,
    },
    /// A party index outside `0..parties`.
    #[error("party index {party} out of range (there are {parties} parties)")]
    PartyOutOfRange {
        /// The offending index.
        party: usize,
        /// The number of parties.
        parties: usize,
    },
    /// The same party listed twice.
    #[error("party {party} listed more than once")]
    DuplicateParty {
        /// The repeated index.
        party: usize,
    },
    /// Fewer distinct parties than the reconstruction threshold.
    #[error("{got} parties given, at least {needed} needed to reconstruct")]
    TooFewParties {
        /// The threshold.
        needed: usize,
        /// The number of parties given.
        got: usize,
    },
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
    /// A share could not be serialised (cannot happen for the share types
    /// of this module).
    #[error("share could not be encoded")]
    Encoding,
}

/// Error of a secret-sharing operation.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SharingError {
    /// A share dealt to party `party` is invalid: the dealer that sent it
    /// misbehaved.
    #[error("invalid share dealt to party {party}: {fault}")]
    InvalidShare {
        /// Index of the party the share was dealt to.
        party: usize,
        /// What was wrong with it.
        fault: ShareFault,
    },
    /// The summed share of party `party` is invalid: that party misbehaved.
    #[error("party {party} published an invalid summed share: {fault}")]
    InvalidSummedShare {
        /// Index of the party to blame.
        party: usize,
        /// What was wrong with it.
        fault: ShareFault,
    },
    /// The local caller used the API wrongly.
    #[error("local misuse: {0}")]
    Misuse(#[from] Misuse),
}

impl SharingError {
    /// Whether the error blames a peer (as opposed to local misuse).
    pub fn is_peer_misbehaviour(&self) -> bool {
        matches!(
            self,
            SharingError::InvalidShare { .. } | SharingError::InvalidSummedShare { .. }
        )
    }

    /// The fault, if the error blames a peer.
    pub fn fault(&self) -> Option<&ShareFault> {
        match self {
            SharingError::InvalidShare { fault, .. }
            | SharingError::InvalidSummedShare { fault, .. } => Some(fault),
            SharingError::Misuse(_) => None,
        }
    }
}
