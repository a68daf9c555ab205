//! The consortium configuration and its id.
//!
//! The config id is SHA-256("zkagg/config/v1" || postcard(config)): every
//! transcript, commitment generator and signature is bound to it.

use crate::error::AggError;
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;

/// A party of the protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PartyId {
    /// The coordinator (keeps the bulletin).
    Coordinator,
    /// Aggregator s (0-based).
    Aggregator(u32),
    /// Provider i (0-based).
    Provider(u32),
}

impl fmt::Display for PartyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PartyId::Coordinator => write!(f, "coordinator"),
            PartyId::Aggregator(s) => write!(f, "aggregator {s}"),
            PartyId::Provider(i) => write!(f, "provider {i}"),
        }
    }
}

/// How updates are checked for validity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ValidityMode {
    /// Each provider attaches a Spartan proof (the ZK path).
    ZkProof,
    /// Two aggregators run the garbled-circuit bound check on their shares (S = 2).
    Mpc2pc,
}

/// Which relation providers prove.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum RelationConfig {
    /// Bounded vector: every coordinate a signed `bits`-bit value (no training).
    BoundedVector {
        /// Signed bit width.
        bits: u32,
    },
    /// One clipped training step on committed data (R_train).
    Train(zkagg_zk::model::TrainConfig),
}

/// The consortium configuration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ConsortiumConfig {
    /// Format version.
    pub version: u32,
    /// A human-readable name.
    pub name: String,
    /// Model dimension d (the update vector has d + 1 coordinates with the mask).
    pub dim: u32,
    /// The relation providers prove.
    pub relation: RelationConfig,
    /// The validity mode.
    pub validity: ValidityMode,
    /// Minimum number of accepted contributions for a round to be released.
    pub min_batch: u32,
    /// Public key of the coordinator.
    pub coordinator_key: [u8; 32],
    /// Public keys of the aggregators (S = len).
    pub aggregator_keys: Vec<[u8; 32]>,
    /// Public keys of the providers.
    pub provider_keys: Vec<[u8; 32]>,
}

/// The version written by this code.
pub const CONFIG_VERSION: u32 = 1;

impl ConsortiumConfig {
    /// Checks internal consistency.
    pub fn validate(&self) -> Result<(), AggError> {
        if self.version != CONFIG_VERSION {
            return Err(AggError::Config(format!(
                "unsupported config version {}",
                self.version
            )));
        }
        if self.aggregator_keys.len() < 2 {
            return Err(AggError::Config(
                "at least two aggregators are required".into(),
            ));
        }
        if self.dim == 0 {
            return Err(AggError::Config("model dimension must be positive".into()));
        }
        if self.min_batch == 0 {
            return Err(AggError::Config("minimum batch must be at least 1".into()));
        }
        if self.validity == ValidityMode::Mpc2pc && self.aggregator_keys.len() != 2 {
            return Err(AggError::Config(
                "the MPC validity mode needs exactly two aggregators".into(),
            ));
        }
        if let RelationConfig::BoundedVector { bits } = self.relation {
            if !(2..=32).contains(&bits) {
                return Err(AggError::Config(format!("bit width {bits} not in 2..=32")));
            }
        }
        for k in self
            .aggregator_keys
            .iter()
            .chain(&self.provider_keys)
            .chain([&self.coordinator_key])
        {
            VerifyingKey::from_bytes(k)
                .map_err(|_| AggError::Config("invalid ed25519 public key".into()))?;
        }
        Ok(())
    }

    /// The config id.
    pub fn id(&self) -> [u8; 32] {
        let bytes = postcard::to_allocvec(self).expect("encoding a config cannot fail");
        let mut h = Sha256::new();
        h.update(b"zkagg/config/v1");
        h.update(bytes);
        h.finalize().into()
    }

    /// Number of aggregators S.
    pub fn num_aggregators(&self) -> usize {
        self.aggregator_keys.len()
    }

    /// The verifying key of a party.
    pub fn key_of(&self, party: PartyId) -> Result<VerifyingKey, AggError> {
        let bytes = match party {
            PartyId::Coordinator => Some(&self.coordinator_key),
            PartyId::Aggregator(s) => self.aggregator_keys.get(s as usize),
            PartyId::Provider(i) => self.provider_keys.get(i as usize),
        }
        .ok_or(AggError::UnknownParty(party))?;
        VerifyingKey::from_bytes(bytes).map_err(|_| AggError::UnknownParty(party))
    }
}
