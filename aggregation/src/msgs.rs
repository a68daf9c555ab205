//! Protocol messages: the public ones posted to the bulletin, the private
//! share delivery (provider to aggregator) and the private two-party check
//! message (aggregator to aggregator). Plain serde structs named by what
//! they carry; scalars and points use the canonical adapters of
//! `zkagg_zk::encoding`, and every decoder is capped
//! ([`decode_public`], [`decode_delivery`], [`decode_validity`]).
//!
//! What goes on the bulletin is data, never free text: rejections are
//! [`RejectReason`], aborted rounds [`AbortReason`].

use crate::party::{AggregatorId, PartyId, ProviderId};
use serde::{Deserialize, Serialize};
use std::fmt;
use zeroize::{Zeroize, ZeroizeOnDrop};
use zkagg_zk::encoding::{self, serde_scalar, serde_scalar_vec};
use zkagg_zk::link::LinkProof;
use zkagg_zk::pedersen::Commitment;
use zkagg_zk::{EncodingError, Fr};

/// Registration of a provider's committed data set (posted once; the first
/// registration on the bulletin is the one every party uses).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Registration {
    /// The provider.
    pub provider: ProviderId,
    /// c_D, the provider's data commitment (`zkagg_zk::model::commit`).
    #[serde(with = "serde_scalar")]
    pub data_commitment: Fr,
}

/// The round header: round number and the global model w_t.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoundHeader {
    /// Round t.
    pub round: u64,
    /// The global model, fixed-point integers.
    pub model: Vec<i64>,
}

/// A provider's public contribution for a round.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Contribution {
    /// Round t.
    pub round: u64,
    /// The provider i.
    pub provider: ProviderId,
    /// h, the relation's hash of (Delta, beta, salt) (`zkagg_zk::update`).
    #[serde(with = "serde_scalar")]
    pub h: Fr,
    /// Pedersen commitments to the shares, one per aggregator.
    pub share_commitments: Vec<Commitment>,
    /// y = sum_j v_j rho^j.
    #[serde(with = "serde_scalar")]
    pub y: Fr,
    /// The proof pi_zk (empty in the MPC validity mode).
    pub proof: Vec<u8>,
    /// The linking proof pi_link.
    pub link: LinkProof,
}

/// Why an aggregator rejected a provider's contribution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[non_exhaustive]
pub enum RejectReason {
    /// The relation needs a registered data commitment and there is none.
    NoRegistration,
    /// Not one share commitment per aggregator.
    WrongCommitmentCount,
    /// This aggregator received no share.
    NoShare,
    /// The share did not decode or validate.
    MalformedShare,
    /// The share does not open this aggregator's commitment C_s.
    ShareDoesNotOpen,
    /// pi_zk did not verify.
    ProofRejected,
    /// pi_link did not verify.
    LinkRejected,
    /// The two-party bound check found a coordinate out of bound.
    OutOfBound,
    /// The two-party bound check did not run for this contribution.
    BoundCheckNotRun,
    /// The share commitments C_1..C_S are not a consistent sharing (for a
    /// threshold scheme: not on one polynomial of degree below t), so a
    /// subset of aggregators could reconstruct something other than the
    /// proven update. Publicly checkable.
    InconsistentShares,
}

impl RejectReason {
    /// A one-line description for people.
    pub fn detail(self) -> &'static str {
        match self {
            RejectReason::NoRegistration => "no registered data commitment",
            RejectReason::WrongCommitmentCount => "not one share commitment per aggregator",
            RejectReason::NoShare => "no share received",
            RejectReason::MalformedShare => "malformed share",
            RejectReason::ShareDoesNotOpen => "share does not open its commitment",
            RejectReason::ProofRejected => "pi_zk rejected",
            RejectReason::LinkRejected => "pi_link rejected",
            RejectReason::OutOfBound => "2PC bound check: out of bound",
            RejectReason::BoundCheckNotRun => "2PC bound check not run",
            RejectReason::InconsistentShares => "share commitments are not a consistent sharing",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.detail())
    }
}

/// An aggregator's verdict on the round's contributions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AcceptedSet {
    /// Round t.
    pub round: u64,
    /// The aggregator s.
    pub aggregator: AggregatorId,
    /// Providers accepted, strictly ascending.
    pub accepted: Vec<ProviderId>,
    /// Providers rejected with the reason, strictly ascending.
    pub rejected: Vec<(ProviderId, RejectReason)>,
}

/// An aggregator's partial sum over the round's accepted set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartialSum {
    /// Round t.
    pub round: u64,
    /// The aggregator s.
    pub aggregator: AggregatorId,
    /// A_s = sum over accepted i of v_{i,s}.
    #[serde(with = "serde_scalar_vec")]
    pub sum: Vec<Fr>,
    /// R_s = sum over accepted i of r_{i,s}.
    #[serde(with = "serde_scalar")]
    pub blind: Fr,
}

/// The coordinator's end of the accepted-set phase with fewer than S sets
/// (threshold sharing, an aggregator lost): the round's accepted set is the
/// intersection of the sets of `aggregators`, which must be exactly those
/// posted before it and at least t of them. Partial sums may follow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptedSetsClosed {
    /// Round t.
    pub round: u64,
    /// The aggregators whose sets count, strictly ascending.
    pub aggregators: Vec<AggregatorId>,
}

/// Why a round released no model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub enum AbortReason {
    /// Fewer accepted contributions than the minimum batch.
    BelowMinimumBatch,
    /// This aggregator posted no accepted set before the deadline.
    AcceptedSetWithheld(AggregatorId),
    /// This aggregator posted no partial sum before the deadline.
    PartialSumWithheld(AggregatorId),
    /// This aggregator's partial sum does not open the sum of its
    /// accepted commitments.
    PartialSumInvalid(AggregatorId),
    /// The reconstructed aggregate is not a sum of in-bound updates (it
    /// does not lift to integers, or the model update overflows).
    AggregateOutOfRange,
}

impl AbortReason {
    /// The party the abort is blamed on (none for a small batch).
    pub fn blame(self) -> Option<PartyId> {
        match self {
            AbortReason::BelowMinimumBatch | AbortReason::AggregateOutOfRange => None,
            AbortReason::AcceptedSetWithheld(s)
            | AbortReason::PartialSumWithheld(s)
            | AbortReason::PartialSumInvalid(s) => Some(PartyId::Aggregator(s)),
        }
    }
}

/// What a round produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RoundOutcome {
    /// The new model w_{t+1}.
    Released(Vec<i64>),
    /// Nothing was released; the model stays.
    Aborted(AbortReason),
}

/// The coordinator's close of a round: the round's accepted set (the
/// intersection of the aggregators' sets, empty if one is missing) and what
/// the round produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoundClose {
    /// Round t.
    pub round: u64,
    /// The round's accepted set, ascending.
    pub accepted: Vec<ProviderId>,
    /// The outcome.
    pub outcome: RoundOutcome,
}

impl RoundClose {
    /// The released model, if any.
    pub fn new_model(&self) -> Option<&[i64]> {
        match &self.outcome {
            RoundOutcome::Released(m) => Some(m),
            RoundOutcome::Aborted(_) => None,
        }
    }
}

/// Every public message. (Messages are built once and moved rarely, so
/// the size of the contribution variant is not worth a box.)
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum PublicMessage {
    /// Registration.
    Registration(Registration),
    /// Round header.
    RoundHeader(RoundHeader),
    /// Contribution.
    Contribution(Contribution),
    /// Accepted set.
    AcceptedSet(AcceptedSet),
    /// Partial sum.
    PartialSum(PartialSum),
    /// Round close.
    RoundClose(RoundClose),
    /// End of the accepted-set phase with fewer than S sets (appended
    /// last, so the encodings of the other variants are unchanged).
    AcceptedSetsClosed(AcceptedSetsClosed),
}

impl PublicMessage {
    /// The only party allowed to post this message.
    pub fn expected_sender(&self) -> PartyId {
        match self {
            PublicMessage::Registration(r) => PartyId::Provider(r.provider),
            PublicMessage::Contribution(c) => PartyId::Provider(c.provider),
            PublicMessage::AcceptedSet(a) => PartyId::Aggregator(a.aggregator),
            PublicMessage::PartialSum(p) => PartyId::Aggregator(p.aggregator),
            PublicMessage::RoundHeader(_)
            | PublicMessage::RoundClose(_)
            | PublicMessage::AcceptedSetsClosed(_) => PartyId::Coordinator,
        }
    }
}

/// The private message from provider i to aggregator s: its share and
/// blinding. Secret: zeroized on drop, redacted in `Debug`.
#[derive(Clone, PartialEq, Serialize, Deserialize, Zeroize, ZeroizeOnDrop)]
pub struct ShareDelivery {
    /// Round t.
    #[zeroize(skip)]
    pub round: u64,
    /// The provider.
    #[zeroize(skip)]
    pub provider: ProviderId,
    /// The aggregator.
    #[zeroize(skip)]
    pub aggregator: AggregatorId,
    /// The share, encoded by the sharing scheme (e.g. a PRG seed or an
    /// explicit vector); decoded with the scheme's caps by the aggregator.
    pub share: Vec<u8>,
    /// r_{i,s}.
    #[serde(with = "serde_scalar")]
    pub blind: Fr,
}

impl fmt::Debug for ShareDelivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ShareDelivery")
            .field("round", &self.round)
            .field("provider", &self.provider)
            .field("aggregator", &self.aggregator)
            .field(
                "share",
                &format_args!("<{} bytes redacted>", self.share.len()),
            )
            .field("blind", &"<redacted>")
            .finish()
    }
}

/// A two-party bound-check message between the two aggregators (MPC
/// validity mode). The payload is the `zkagg_mpc::twopc::session` wire
/// message, decoded with that session's caps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValidityMessage {
    /// Round t.
    pub round: u64,
    /// The session id (binds round, the providers checked and a nonce both
    /// aggregators contributed): a message of an earlier attempt is refused.
    pub session: [u8; 32],
    /// Sender.
    pub from: AggregatorId,
    /// Recipient.
    pub to: AggregatorId,
    /// The session's wire message.
    pub payload: Vec<u8>,
}

/// Largest public message accepted (bytes): 64 MiB covers d = 10^6.
pub const MAX_MESSAGE_BYTES: usize = 64 << 20;

/// Decodes a public message (canonical, capped, no trailing bytes).
pub fn decode_public(bytes: &[u8]) -> Result<PublicMessage, EncodingError> {
    encoding::from_bytes_capped(bytes, MAX_MESSAGE_BYTES)
}

/// Decodes a share delivery (canonical, capped, no trailing bytes).
pub fn decode_delivery(bytes: &[u8]) -> Result<ShareDelivery, EncodingError> {
    encoding::from_bytes_capped(bytes, MAX_MESSAGE_BYTES)
}

/// Decodes a two-party check message (canonical, capped, no trailing bytes).
pub fn decode_validity(bytes: &[u8]) -> Result<ValidityMessage, EncodingError> {
    encoding::from_bytes_capped(bytes, MAX_MESSAGE_BYTES)
}
