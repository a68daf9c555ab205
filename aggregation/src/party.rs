//! Who takes part: the coordinator, aggregators and providers.
//!
//! [`ProviderId`] and [`AggregatorId`] are newtypes over the 0-based index
//! in the config's key lists, so that a provider index cannot be passed
//! where an aggregator index is meant. Their serde encoding is the bare
//! `u32` (postcard encodes a newtype as its content).

use serde::{Deserialize, Serialize};
use std::fmt;

/// Provider i (0-based index into the config's provider keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ProviderId(pub u32);

/// Aggregator s (0-based index into the config's aggregator keys).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AggregatorId(pub u32);

impl ProviderId {
    /// The index as a `usize`.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl AggregatorId {
    /// The index as a `usize`.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "provider {}", self.0)
    }
}

impl fmt::Display for AggregatorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "aggregator {}", self.0)
    }
}

/// A party of the protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PartyId {
    /// The coordinator (keeps the bulletin, opens and closes rounds).
    Coordinator,
    /// An aggregator.
    Aggregator(AggregatorId),
    /// A provider.
    Provider(ProviderId),
}

impl From<ProviderId> for PartyId {
    fn from(p: ProviderId) -> Self {
        PartyId::Provider(p)
    }
}

impl From<AggregatorId> for PartyId {
    fn from(a: AggregatorId) -> Self {
        PartyId::Aggregator(a)
    }
}

impl fmt::Display for PartyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartyId::Coordinator => write!(f, "coordinator"),
            PartyId::Aggregator(s) => s.fmt(f),
            PartyId::Provider(i) => i.fmt(f),
        }
    }
}
