//! The consortium configuration and its id: one source of truth.
//!
//! The config names everything that is run: the relation (bounded vector
//! with its bit width, or R_train with the model kind and every training
//! parameter), the sharing scheme (kind and threshold), the validity mode,
//! the minimum batch and every party's key. [`crate::setup::Setup::new`]
//! refuses a relation or sharing scheme that describes itself differently.
//! The config id is SHA-256("zkagg/config/v1" || postcard(config)): every
//! transcript, commitment generator and signature is bound to it.

use crate::error::ConfigError;
use crate::party::{AggregatorId, PartyId, ProviderId};
use ed25519_dalek::VerifyingKey;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;

/// How updates are checked for validity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ValidityMode {
    /// Each provider attaches a zero-knowledge proof (publicly verifiable).
    ZkProof,
    /// Two aggregators run the garbled-circuit bound check on their shares
    /// (S = 2, a 2-of-2 sharing); not publicly verifiable.
    Mpc2pc,
}

/// The model a training relation runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ModelKind {
    /// Logistic regression with the hard sigmoid (binary labels).
    Logistic,
    /// Linear regression with squared loss (continuous labels).
    Linear,
}

impl ModelKind {
    /// The kind of a model, from its stable name.
    pub fn of<M: zkagg_zk::model::Model>(model: &M) -> Option<ModelKind> {
        match model.name() {
            "logistic-hard-sigmoid" => Some(ModelKind::Logistic),
            "linear-squared-loss" => Some(ModelKind::Linear),
            _ => None,
        }
    }
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
    Train {
        /// The model.
        model: ModelKind,
        /// Every training parameter.
        train: zkagg_zk::model::TrainConfig,
    },
}

/// The proof system providers prove with (ZK validity mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProofSystemConfig {
    /// A NIZK backend of `zkagg_zk::proof_system` (libspartan, the
    /// reference, or zkagg's own Hyrax-based Spartan).
    Nizk(zkagg_zk::proof_system::Backend),
    /// libspartan's SNARK (preprocessed, sublinear verifier).
    LibspartanSnark,
}

impl Default for ProofSystemConfig {
    /// libspartan's NIZK, the reference backend.
    fn default() -> Self {
        ProofSystemConfig::Nizk(zkagg_zk::proof_system::Backend::Libspartan)
    }
}

/// The secret-sharing scheme among the S aggregators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SharingConfig {
    /// Additive S-of-S sharing (seeded).
    Additive,
    /// Shamir t-of-S sharing, evaluation points 1..=S.
    Shamir {
        /// The threshold t.
        threshold: u32,
    },
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
    /// The proof system.
    pub proof_system: ProofSystemConfig,
    /// The sharing scheme.
    pub sharing: SharingConfig,
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
pub const CONFIG_VERSION: u32 = 2;

impl ConsortiumConfig {
    /// Checks internal consistency and every key: each must be a valid,
    /// non-small-order ed25519 point, and no key may be listed twice.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.version != CONFIG_VERSION {
            return Err(ConfigError::UnsupportedVersion(self.version));
        }
        let s = self.aggregator_keys.len();
        if s < 2 {
            return Err(ConfigError::TooFewAggregators);
        }
        if self.dim == 0 {
            return Err(ConfigError::ZeroDimension);
        }
        if self.min_batch == 0 {
            return Err(ConfigError::ZeroMinimumBatch);
        }
        if let SharingConfig::Shamir { threshold } = self.sharing {
            if threshold == 0 || threshold as usize > s {
                return Err(ConfigError::Threshold {
                    threshold,
                    parties: s as u32,
                });
            }
        }
        if self.validity == ValidityMode::Mpc2pc {
            if s != 2 {
                return Err(ConfigError::MpcNeedsTwoAggregators);
            }
            if self.threshold() != 2 {
                return Err(ConfigError::MpcNeedsTwoOfTwo);
            }
        }
        match &self.relation {
            RelationConfig::BoundedVector { bits } => {
                if !(2..=32).contains(bits) {
                    return Err(ConfigError::BitWidth(*bits));
                }
            }
            RelationConfig::Train { train, .. } => {
                train.widths().map_err(ConfigError::Train)?;
            }
        }
        let mut seen = BTreeSet::new();
        for (party, bytes) in self.keys() {
            let key =
                VerifyingKey::from_bytes(bytes).map_err(|_| ConfigError::InvalidKey(party))?;
            if key.is_weak() {
                return Err(ConfigError::WeakKey(party));
            }
            if !seen.insert(*bytes) {
                return Err(ConfigError::DuplicateKey(party));
            }
        }
        Ok(())
    }

    /// Every (party, key) pair, coordinator first.
    fn keys(&self) -> impl Iterator<Item = (PartyId, &[u8; 32])> {
        std::iter::once((PartyId::Coordinator, &self.coordinator_key))
            .chain(
                self.aggregator_keys
                    .iter()
                    .enumerate()
                    .map(|(s, k)| (PartyId::Aggregator(AggregatorId(s as u32)), k)),
            )
            .chain(
                self.provider_keys
                    .iter()
                    .enumerate()
                    .map(|(i, k)| (PartyId::Provider(ProviderId(i as u32)), k)),
            )
    }

    /// The config id.
    pub fn id(&self) -> [u8; 32] {
        // A config is plain data: its postcard encoding cannot fail.
        let bytes = postcard::to_allocvec(self).unwrap_or_default();
        let mut h = Sha256::new();
        h.update(b"zkagg/config/v1");
        h.update(bytes);
        h.finalize().into()
    }

    /// Number of aggregators S.
    pub fn num_aggregators(&self) -> usize {
        self.aggregator_keys.len()
    }

    /// Number of providers.
    pub fn num_providers(&self) -> usize {
        self.provider_keys.len()
    }

    /// The sharing threshold t (S for additive sharing).
    pub fn threshold(&self) -> usize {
        match self.sharing {
            SharingConfig::Additive => self.num_aggregators(),
            SharingConfig::Shamir { threshold } => threshold as usize,
        }
    }

    /// Whether `party` exists in this config.
    pub fn has_party(&self, party: PartyId) -> bool {
        match party {
            PartyId::Coordinator => true,
            PartyId::Aggregator(s) => s.index() < self.num_aggregators(),
            PartyId::Provider(i) => i.index() < self.num_providers(),
        }
    }

    /// The verifying key of a party; `None` for a party not in the config
    /// (keys themselves were checked by [`validate`](Self::validate)).
    pub fn key_of(&self, party: PartyId) -> Option<VerifyingKey> {
        let bytes = match party {
            PartyId::Coordinator => Some(&self.coordinator_key),
            PartyId::Aggregator(s) => self.aggregator_keys.get(s.index()),
            PartyId::Provider(i) => self.provider_keys.get(i.index()),
        }?;
        VerifyingKey::from_bytes(bytes).ok()
    }
}
