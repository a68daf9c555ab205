//! Protocol messages: the public ones posted to the bulletin and the private
//! share delivery. Plain serde structs named by what they carry; scalars and
//! points use the canonical adapters of `zkagg_zk::encoding`.

use crate::config::PartyId;
use serde::{Deserialize, Serialize};
use zkagg_zk::encoding::{serde_scalar, serde_scalar_vec};
use zkagg_zk::link::LinkProof;
use zkagg_zk::pedersen::Commitment;
use zkagg_zk::Fr;

/// Registration of a provider's committed data set (posted once).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Registration {
    /// The provider.
    pub provider: u32,
    /// c_D = Sponge("data", pack(D), k).
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
    pub provider: u32,
    /// h = Sponge("update", pack(Delta), beta, salt).
    #[serde(with = "serde_scalar")]
    pub h: Fr,
    /// Pedersen commitments to the shares, one per aggregator.
    pub share_commitments: Vec<Commitment>,
    /// y = sum_j v_j rho^j.
    #[serde(with = "serde_scalar")]
    pub y: Fr,
    /// The Spartan proof pi_zk (empty in the MPC validity mode).
    pub proof: Vec<u8>,
    /// The linking proof pi_link.
    pub link: LinkProof,
}

/// An aggregator's verdict on the round's contributions.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AcceptedSet {
    /// Round t.
    pub round: u64,
    /// The aggregator s.
    pub aggregator: u32,
    /// Providers accepted, ascending.
    pub accepted: Vec<u32>,
    /// Providers rejected, with the reason.
    pub rejected: Vec<(u32, String)>,
}

/// An aggregator's partial sum over the round's accepted set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PartialSum {
    /// Round t.
    pub round: u64,
    /// The aggregator s.
    pub aggregator: u32,
    /// A_s = sum over accepted i of v_{i,s}.
    #[serde(with = "serde_scalar_vec")]
    pub sum: Vec<Fr>,
    /// R_s = sum over accepted i of r_{i,s}.
    #[serde(with = "serde_scalar")]
    pub blind: Fr,
}

/// The coordinator's close of a round: the accepted set (intersection of the
/// aggregators' sets) and the new model; or a round released nothing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RoundClose {
    /// Round t.
    pub round: u64,
    /// The round's accepted set.
    pub accepted: Vec<u32>,
    /// w_{t+1}, or `None` when fewer than the minimum batch were accepted.
    pub new_model: Option<Vec<i64>>,
}

/// Every public message.
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
}

impl PublicMessage {
    /// The only party allowed to post this message.
    pub fn expected_sender(&self) -> PartyId {
        match self {
            PublicMessage::Registration(r) => PartyId::Provider(r.provider),
            PublicMessage::Contribution(c) => PartyId::Provider(c.provider),
            PublicMessage::AcceptedSet(a) => PartyId::Aggregator(a.aggregator),
            PublicMessage::PartialSum(p) => PartyId::Aggregator(p.aggregator),
            PublicMessage::RoundHeader(_) | PublicMessage::RoundClose(_) => PartyId::Coordinator,
        }
    }
}

/// The private message from provider i to aggregator s: its share and blinding.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ShareDelivery {
    /// Round t.
    pub round: u64,
    /// The provider.
    pub provider: u32,
    /// The aggregator.
    pub aggregator: u32,
    /// The share, encoded by the sharing scheme (e.g. a PRG seed or an
    /// explicit vector); decoded with the scheme's caps by the aggregator.
    pub share: Vec<u8>,
    /// r_{i,s}.
    #[serde(with = "serde_scalar")]
    pub blind: Fr,
}

/// Largest public message accepted (bytes): 64 MiB covers d = 10^6.
pub const MAX_MESSAGE_BYTES: usize = 64 << 20;
