//! Errors of the aggregation layer, typed.
//!
//! Peer misbehaviour ([`AggError::Peer`]) names the party to blame and a
//! [`Fault`]; local misuse ([`Misuse`]) and configuration errors
//! ([`ConfigError`]) blame no one. Errors of the layers below convert with
//! `?`. What goes on the bulletin is never an error string: rejections are
//! [`crate::msgs::RejectReason`], audit failures [`crate::auditor::AuditFault`].

use crate::party::PartyId;
use serde::{Deserialize, Serialize};
use thiserror::Error;
use zkagg_mpc::sharing::SharingError;
use zkagg_mpc::twopc::TwoPcError;
use zkagg_zk::link::LinkError;
use zkagg_zk::model::ModelError;
use zkagg_zk::pedersen::PedersenError;
use zkagg_zk::{EncodingError, ProofError};

/// What a peer did wrong. Unit variants, so that tests and verdicts compare
/// with `==`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Error)]
#[non_exhaustive]
pub enum Fault {
    /// A bulletin entry does not extend the chain (sequence number or
    /// previous hash).
    #[error("entry does not extend the hash chain")]
    BrokenChain,
    /// A bulletin entry's signature does not verify (strictly) under the
    /// sender's key.
    #[error("bad signature")]
    BadSignature,
    /// A bulletin entry names a sender that is not in the config.
    #[error("unknown sender")]
    UnknownSender,
    /// A message posted by a party other than the one allowed to post it.
    #[error("message posted by the wrong party")]
    WrongSender,
    /// A payload that does not decode canonically.
    #[error("malformed payload")]
    MalformedPayload,
    /// A provider registered a second time (the first registration stands).
    #[error("second registration")]
    DuplicateRegistration,
    /// A message for a round posted while no round was open.
    #[error("posted outside an open round")]
    OutsideRound,
    /// A message carrying another round number than the open round's.
    #[error("posted for another round")]
    WrongRound,
    /// A second contribution, accepted set or partial sum of one party in
    /// one round (the first stands).
    #[error("second message of its kind in one round")]
    Duplicate,
    /// A round header while a round is open, or with a round number other
    /// than the next one.
    #[error("round header out of sequence")]
    HeaderOutOfSequence,
    /// A round header whose model has the wrong length or a weight outside
    /// the relation's range.
    #[error("round header model out of range")]
    HeaderModelOutOfRange,
    /// A round header whose model is not the last released one (before
    /// any release: not the config's initial model).
    #[error("round header model is not the released (or initial) model")]
    HeaderModelNotReleased,
    /// An accepted set that is not strictly ascending, overlaps its
    /// rejections, or accepts a provider with no contribution before it.
    #[error("malformed accepted set")]
    MalformedAcceptedSet,
    /// A partial sum posted before every aggregator's accepted set.
    #[error("partial sum before every accepted set")]
    PartialSumBeforeAcceptedSets,
    /// A partial sum posted for a round whose accepted set is below the
    /// minimum batch (nothing may be released).
    #[error("partial sum below the minimum batch")]
    PartialSumBelowMinimumBatch,
    /// A partial sum of the wrong length.
    #[error("malformed partial sum")]
    MalformedPartialSum,
    /// A private message whose authenticated sender is not the party it names.
    #[error("sender is not the party the message names")]
    SenderMismatch,
    /// A private message addressed to another party.
    #[error("message for another recipient")]
    WrongRecipient,
    /// More share deliveries from one provider in one round than allowed.
    #[error("too many share deliveries")]
    TooManyDeliveries,
    /// A share that does not decode or validate under the sharing scheme.
    #[error("malformed share")]
    MalformedShare,
    /// The peer aggregator misbehaved in the two-party bound check.
    #[error("misbehaved in the two-party bound check")]
    TwoPc,
    /// A round close that does not follow from the bulletin.
    #[error("round close does not follow from the bulletin")]
    BadClose,
    /// An accepted set posted after the coordinator closed the set phase.
    #[error("accepted set after the set phase was closed")]
    AcceptedSetAfterClose,
    /// A close of the set phase that does not list exactly the sets posted
    /// before it, lists fewer than t, or comes twice.
    #[error("malformed close of the accepted-set phase")]
    BadSetsClose,
    /// A two-party check message of another session (an earlier attempt,
    /// or another peer's).
    #[error("two-party check message of another session")]
    WrongSession,
    /// An aggregator posted no accepted set or no partial sum in a round
    /// that was released without it (threshold sharing, at least t
    /// present): recorded by the auditor as a note, not a failure.
    #[error("absent from a round released without it")]
    AbsentFromRound,
}

/// Local misuse of the API: a bug of the caller, blamed on no one.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum Misuse {
    /// No round is open on the bulletin.
    #[error("no round is open")]
    NoOpenRound,
    /// A step for round `got` while round `expected` is open.
    #[error("step for round {got} while round {expected} is open")]
    WrongRound {
        /// The open round.
        expected: u64,
        /// The round the step was for.
        got: u64,
    },
    /// An update of the wrong dimension.
    #[error("update has dimension {got}, expected {expected}")]
    UpdateDimension {
        /// d.
        expected: usize,
        /// What was given.
        got: usize,
    },
    /// A relation that needs a registered data commitment has none.
    #[error("no registered data commitment")]
    NotRegistered,
    /// Not every aggregator has posted its accepted set yet.
    #[error("not every accepted set is on the bulletin")]
    AcceptedSetsMissing,
    /// The round's accepted set names a provider this aggregator rejected.
    #[error("the round's accepted set names a provider this aggregator did not accept")]
    NotAccepted,
    /// A 2PC step out of order (no session, or a finished one).
    #[error("two-party check step out of order")]
    TwoPcOutOfOrder,
    /// The validity mode does not use this step.
    #[error("step not used in this validity mode")]
    WrongValidityMode,
    /// The aggregate does not lift to integers (sums of in-bound updates
    /// always do: a bad partial sum).
    #[error("the aggregate is outside the integer range")]
    AggregateOutOfRange,
    /// Checked arithmetic on the model overflowed.
    #[error("model arithmetic overflowed")]
    ModelOverflow,
    /// The sharing scheme dealt a number of shares other than S.
    #[error("the sharing scheme dealt a share count other than S")]
    ShareCount,
}

/// An invalid configuration (local).
#[derive(Clone, Debug, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A config or bulletin file version this code does not read.
    #[error("unsupported version {0}")]
    UnsupportedVersion(u32),
    /// Fewer than two aggregators.
    #[error("at least two aggregators are required")]
    TooFewAggregators,
    /// d = 0.
    #[error("model dimension must be positive")]
    ZeroDimension,
    /// min_batch = 0.
    #[error("minimum batch must be at least 1")]
    ZeroMinimumBatch,
    /// The MPC validity mode needs exactly two aggregators.
    #[error("the MPC validity mode needs exactly two aggregators")]
    MpcNeedsTwoAggregators,
    /// The MPC validity mode with a sharing whose threshold is not 2 of 2.
    #[error("the MPC validity mode needs a 2-of-2 sharing")]
    MpcNeedsTwoOfTwo,
    /// A bounded-vector bit width outside 2..=32.
    #[error("bit width {0} not in 2..=32")]
    BitWidth(u32),
    /// A Shamir threshold outside 1..=n.
    #[error("threshold {threshold} not in 1..={parties}")]
    Threshold {
        /// t.
        threshold: u32,
        /// n.
        parties: u32,
    },
    /// A public key that is not a valid ed25519 point.
    #[error("invalid ed25519 key of {0}")]
    InvalidKey(PartyId),
    /// A small-order (weak) ed25519 key.
    #[error("weak (small-order) ed25519 key of {0}")]
    WeakKey(PartyId),
    /// The same key listed twice.
    #[error("key of {0} is also listed for another party")]
    DuplicateKey(PartyId),
    /// The relation run is not the one the config names.
    #[error("the relation does not match the config")]
    RelationMismatch,
    /// The sharing scheme run is not the one the config names.
    #[error("the sharing scheme does not match the config")]
    SharingMismatch,
    /// The initial model has the wrong length or is out of range.
    #[error("initial model out of range")]
    InitialModel,
    /// A training configuration the model layer refuses.
    #[error("training configuration: {0}")]
    Train(ModelError),
    /// A data schema that does not fit the relation.
    #[error("data schema: {0}")]
    DataSchema(crate::config::SchemaDefect),
}

/// Errors of roles, the bulletin, the coordinator and the simulation.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum AggError {
    /// A peer misbehaved.
    #[error("{party} misbehaved: {fault}")]
    Peer {
        /// The party to blame.
        party: PartyId,
        /// What it did.
        fault: Fault,
    },
    /// Local misuse.
    #[error("misuse: {0}")]
    Misuse(#[from] Misuse),
    /// Invalid configuration.
    #[error("invalid configuration: {0}")]
    Config(#[from] ConfigError),
    /// A message or file could not be encoded or decoded.
    #[error("encoding: {0}")]
    Encoding(#[from] EncodingError),
    /// The sharing layer.
    #[error("sharing: {0}")]
    Sharing(#[from] SharingError),
    /// The linking proof.
    #[error("linking proof: {0}")]
    Link(#[from] LinkError),
    /// The two-party bound check.
    #[error("two-party check: {0}")]
    TwoPc(#[from] TwoPcError),
    /// The proof system.
    #[error("proof: {0}")]
    Proof(#[from] ProofError),
    /// The model layer.
    #[error("model: {0}")]
    Model(#[from] ModelError),
    /// Pedersen commitments.
    #[error("commitment: {0}")]
    Pedersen(#[from] PedersenError),
}

impl AggError {
    /// A peer fault.
    pub fn peer(party: impl Into<PartyId>, fault: Fault) -> Self {
        AggError::Peer {
            party: party.into(),
            fault,
        }
    }

    /// The party to blame and the fault, for peer misbehaviour.
    pub fn blame(&self) -> Option<(PartyId, Fault)> {
        match self {
            AggError::Peer { party, fault } => Some((*party, *fault)),
            _ => None,
        }
    }
}
