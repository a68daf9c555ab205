//! The consortium configuration and its id: one source of truth.
//!
//! The config names everything that is run: the relation (bounded vector
//! with its bit width, or R_train with the model kind and every training
//! parameter), the round-0 model, for R_train the public data schema (the
//! columns a provider reads and the fixed feature scaling it applies before
//! quantising), the sharing scheme (kind and threshold), the validity mode,
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

/// Most features a data schema may name (the model layer's own cap).
pub const MAX_SCHEMA_FEATURES: usize = 1 << 12;
/// Longest column name in a data schema, in bytes.
pub const MAX_COLUMN_NAME_BYTES: usize = 256;

/// One column of a [`DataSchema`] and its fixed affine scaling
/// x' = (x - offset) / scale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScaledColumn {
    /// The column's name in a provider's CSV header.
    pub name: String,
    /// The offset (finite).
    pub offset: f64,
    /// The scale (finite, > 0).
    pub scale: f64,
}

/// The public data schema of R_train: which columns a provider reads (the
/// features in model order, and the label) and the scaling each gets before
/// it is quantised to the training configuration's data format. It is fixed
/// up front from public facts (a schema file), never from pooled data, and
/// bound by the config id so that every provider scales alike. The protocol
/// itself does not read it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DataSchema {
    /// The feature columns, in the model's order.
    pub features: Vec<ScaledColumn>,
    /// The label column (identity scaling, offset 0 and scale 1, for
    /// binary labels).
    pub label: ScaledColumn,
}

/// Which part of a [`DataSchema`] a [`SchemaDefect`] is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SchemaPart {
    /// The list of feature columns as a whole (its length).
    Features,
    /// Feature column i.
    Feature(usize),
    /// The label column.
    Label,
}

impl std::fmt::Display for SchemaPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SchemaPart::Features => f.write_str("the feature columns"),
            SchemaPart::Feature(i) => write!(f, "feature column {i}"),
            SchemaPart::Label => f.write_str("the label column"),
        }
    }
}

/// What is wrong with a [`DataSchema`], and where.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{part}, `{field}`: {reason}")]
pub struct SchemaDefect {
    /// The column.
    pub part: SchemaPart,
    /// The field of the column: `name`, `offset`, `scale` (or `features`).
    pub field: &'static str,
    /// Why.
    pub reason: String,
}

impl DataSchema {
    /// Checks the schema for a training configuration of `num_features`
    /// features: one column per feature, names non-empty, at most
    /// [`MAX_COLUMN_NAME_BYTES`] bytes and all different (the label's
    /// included), every offset finite and every scale finite and > 0; a
    /// binary label (`binary_label`) must be unscaled (offset 0, scale 1).
    pub fn validate(&self, num_features: usize, binary_label: bool) -> Result<(), SchemaDefect> {
        let defect = |part, field, reason| {
            Err(SchemaDefect {
                part,
                field,
                reason,
            })
        };
        if self.features.len() != num_features {
            return defect(
                SchemaPart::Features,
                "features",
                format!(
                    "{} feature columns for {num_features} features",
                    self.features.len()
                ),
            );
        }
        let parts = (0..self.features.len())
            .map(SchemaPart::Feature)
            .chain(std::iter::once(SchemaPart::Label));
        let mut names = BTreeSet::new();
        for (part, c) in parts.zip(self.features.iter().chain(std::iter::once(&self.label))) {
            if c.name.is_empty() || c.name.len() > MAX_COLUMN_NAME_BYTES {
                return defect(
                    part,
                    "name",
                    format!("a column name must be 1 to {MAX_COLUMN_NAME_BYTES} bytes"),
                );
            }
            if !names.insert(c.name.as_str()) {
                return defect(part, "name", format!("column `{}` is named twice", c.name));
            }
            if !c.offset.is_finite() {
                return defect(part, "offset", format!("offset {} is not finite", c.offset));
            }
            if !(c.scale.is_finite() && c.scale > 0.0) {
                return defect(
                    part,
                    "scale",
                    format!("scale {} must be finite and > 0", c.scale),
                );
            }
        }
        if binary_label && (self.label.offset != 0.0 || self.label.scale != 1.0) {
            return defect(
                SchemaPart::Label,
                "scale",
                "a binary label is not scaled: offset 0, scale 1".into(),
            );
        }
        Ok(())
    }
}

/// Largest magnitude of a bounded-vector model weight: w + floor(V / n)
/// then never overflows (|V / n| < 2^31).
pub const BOUNDED_MODEL_MAX: i64 = 1 << 62;

impl RelationConfig {
    /// The closed range of every model weight the relation admits (the
    /// weights' fixed-point range for R_train).
    pub fn model_range(&self) -> (i64, i64) {
        match self {
            RelationConfig::BoundedVector { .. } => (-BOUNDED_MODEL_MAX, BOUNDED_MODEL_MAX),
            RelationConfig::Train { train, .. } => {
                (train.model_format.min_int(), train.model_format.max_int())
            }
        }
    }

    /// Whether `model` has `dim` weights, each in [`Self::model_range`].
    pub fn model_in_range(&self, dim: usize, model: &[i64]) -> bool {
        let (lo, hi) = self.model_range();
        model.len() == dim && model.iter().all(|w| (lo..=hi).contains(w))
    }
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
    /// The model round 0 starts from (and every round until one releases):
    /// d weights in the relation's range. The ledger refuses any other.
    pub initial_model: Vec<i64>,
    /// R_train's public data schema, if the config names one (the node's
    /// providers need it; the in-process driver may take data already
    /// scaled and quantised).
    pub data: Option<DataSchema>,
    /// Public key of the coordinator.
    pub coordinator_key: [u8; 32],
    /// Public keys of the aggregators (S = len).
    pub aggregator_keys: Vec<[u8; 32]>,
    /// Public keys of the providers.
    pub provider_keys: Vec<[u8; 32]>,
}

/// The version written by this code.
pub const CONFIG_VERSION: u32 = 3;

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
                if train.dim() != self.dim as usize {
                    return Err(ConfigError::RelationMismatch);
                }
            }
        }
        match (&self.relation, &self.data) {
            (_, None) => {}
            (RelationConfig::Train { train, model }, Some(schema)) => {
                schema
                    .validate(train.num_features, *model == ModelKind::Logistic)
                    .map_err(ConfigError::DataSchema)?;
            }
            (RelationConfig::BoundedVector { .. }, Some(_)) => {
                return Err(ConfigError::DataSchema(SchemaDefect {
                    part: SchemaPart::Features,
                    field: "features",
                    reason: "the bounded-vector relation reads no data".into(),
                }))
            }
        }
        if !self
            .relation
            .model_in_range(self.dim as usize, &self.initial_model)
        {
            return Err(ConfigError::InitialModel);
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
