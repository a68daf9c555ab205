//! The consortium file and member folders.
//!
//! One public TOML file holds two sections kept apart:
//! - `[consortium]`: every field of [`ConsortiumConfig`] (and so everything
//!   the config id binds), keys as 64 hex digits;
//! - `[operations]`: addresses, deadlines, database paths, the number of
//!   rounds and the seed of the demo inputs. Changing them does not change
//!   the config id.
//!
//! A member folder holds one member's secrets: `signing.key` (the ed25519
//! secret key, hex), `tls.key` and `tls.crt` (PEM) and `ca.crt` (the
//! consortium CA, PEM). The member is the party its TLS certificate names;
//! its signing key must be the config's key for that party.
//!
//! Every file is read with a size cap; errors name the file and, for the
//! TOML file, the line and column.

use crate::pki::{
    cert_from_pem, check_identity, key_from_pem, peer_party, ConsortiumCa, Identity, PkiError,
    Validity,
};
use ed25519_dalek::SigningKey;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha20Rng;
use rustls_pki_types::CertificateDer;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use thiserror::Error;
use toml::Spanned;
use zkagg_aggregation::config::{
    ConsortiumConfig, DataSchema, ModelKind, ProofSystemConfig, RelationConfig, ScaledColumn,
    SchemaPart, SharingConfig, ValidityMode, CONFIG_VERSION,
};
use zkagg_aggregation::error::ConfigError;
use zkagg_aggregation::relation::{BoundedVectorRelation, TrainRelation, UpdateRelation};
use zkagg_aggregation::setup::{Setup, SharingScheme};
use zkagg_aggregation::{AggError, AggregatorId, PartyId, ProviderId};
use zkagg_mpc::sharing::additive::Additive;
use zkagg_mpc::sharing::shamir::Shamir;
use zkagg_zk::field::FixedPoint;
use zkagg_zk::model::{
    LearningRate, LinearRegression, LogisticRegression, ModelError, TrainConfig,
};
use zkagg_zk::proof_system::Backend;

/// Largest consortium file read (bytes).
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;
/// Largest key or certificate file read (bytes).
pub const MAX_SECRET_BYTES: u64 = 64 << 10;

/// Errors of loading or writing configuration.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ConfigFileError {
    /// A file could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The error.
        error: std::io::Error,
    },
    /// A file is larger than its cap.
    #[error("{path}: larger than the cap of {cap} bytes")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The cap.
        cap: u64,
    },
    /// A text file is not UTF-8 (its first bad byte at a line and column).
    #[error("{path}:{line}:{column}: not UTF-8 text (save the file as UTF-8)")]
    NotUtf8 {
        /// The file.
        path: PathBuf,
        /// 1-based line of the first bad byte.
        line: usize,
        /// 1-based column (in bytes) of the first bad byte.
        column: usize,
    },
    /// The TOML file does not parse or has a bad value, at a line.
    #[error("{path}:{line}:{column}: {message}")]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: usize,
        /// 1-based column (0 when unknown).
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// The consortium section is not a valid config.
    #[error("{path}: invalid consortium: {error}")]
    Consortium {
        /// The file.
        path: PathBuf,
        /// Why.
        error: AggError,
    },
    /// The operations section does not fit the consortium.
    #[error("{path}: operations: {message}")]
    Operations {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// A member file is malformed.
    #[error("{path}: {message}")]
    Member {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// Certificates could not be read or generated.
    #[error("{path}: {error}")]
    Pki {
        /// The file or folder.
        path: PathBuf,
        /// The error.
        error: PkiError,
    },
}

/// Reads a file of at most `cap` bytes: a larger file is refused by its
/// size before anything is read (and again while reading, should it grow).
pub fn read_capped_bytes(path: &Path, cap: u64) -> Result<Vec<u8>, ConfigFileError> {
    use std::io::Read;
    let io = |error| ConfigFileError::Io {
        path: path.to_path_buf(),
        error,
    };
    let too_large = || ConfigFileError::TooLarge {
        path: path.to_path_buf(),
        cap,
    };
    let f = std::fs::File::open(path).map_err(io)?;
    let len = f.metadata().map_err(io)?.len();
    if len > cap {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    f.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > cap {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Reads a file of at most `cap` bytes as UTF-8 text (a leading byte-order
/// mark, as some editors write, is dropped). Text that is not UTF-8 is
/// [`ConfigFileError::NotUtf8`] at the line and column of its first bad
/// byte.
pub fn read_capped(path: &Path, cap: u64) -> Result<String, ConfigFileError> {
    let bytes = read_capped_bytes(path, cap)?;
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
        Err(e) => {
            let good = bytes.get(..e.valid_up_to()).unwrap_or_default();
            let good = std::str::from_utf8(good).unwrap_or_default();
            let (line, column) = line_col(good, good.len());
            Err(ConfigFileError::NotUtf8 {
                path: path.to_path_buf(),
                line,
                column,
            })
        }
    }
}

fn write_file(path: &Path, text: &str) -> Result<(), ConfigFileError> {
    std::fs::write(path, text).map_err(|error| ConfigFileError::Io {
        path: path.to_path_buf(),
        error,
    })
}

/// Writes a secret: created readable by its owner only (on Unix), and
/// never over an existing file.
fn write_secret(path: &Path, text: &str) -> Result<(), ConfigFileError> {
    use std::io::Write;
    let io = |error| ConfigFileError::Io {
        path: path.to_path_buf(),
        error,
    };
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(io)?;
    f.write_all(text.as_bytes()).map_err(io)?;
    f.sync_all().map_err(io)
}

/// (line, column), both 1-based, of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before
        .rfind('\n')
        .map_or(before.len(), |n| before.len() - n - 1)
        + 1;
    (line, column)
}

/// Which relation the file names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum RelationKind {
    /// Bounded vector with a signed bit width (key `bits`).
    BoundedVector,
    /// R_train (keys `model`, `num_features`, `max_samples`, `clip_bound`,
    /// `data_format`, `model_format`, `learning_rate`).
    Train,
}

/// The model of R_train, as written in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum ModelEntry {
    /// Logistic regression (binary labels).
    Logistic,
    /// Linear regression (continuous labels).
    Linear,
}

/// A fixed-point format, as written in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FixedPointEntry {
    frac_bits: u32,
    total_bits: u32,
}

/// A learning rate num / 2^frac_bits, as written in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LearningRateEntry {
    num: u64,
    frac_bits: u32,
}

/// The `[consortium.relation]` table: `kind` and the keys of that kind
/// (a key of the other kind is refused at its line). A flat table rather
/// than a tagged enum so that every value keeps its position for errors.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RelationEntry {
    kind: Spanned<RelationKind>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bits: Option<Spanned<u32>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    model: Option<Spanned<ModelEntry>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    num_features: Option<Spanned<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_samples: Option<Spanned<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    clip_bound: Option<Spanned<u64>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    data_format: Option<Spanned<FixedPointEntry>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    model_format: Option<Spanned<FixedPointEntry>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    learning_rate: Option<Spanned<LearningRateEntry>>,
}

/// One column of the data schema, as written in the file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ColumnEntry {
    name: Spanned<String>,
    offset: Spanned<f64>,
    scale: Spanned<f64>,
}

/// The `[consortium.data]` table: R_train's data schema.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct DataEntry {
    label: ColumnEntry,
    features: Spanned<Vec<ColumnEntry>>,
}

/// The sharing scheme, as written in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
enum SharingEntry {
    /// Additive S-of-S.
    Additive,
    /// Shamir t-of-S.
    Shamir {
        /// The threshold t.
        threshold: u32,
    },
}

/// The proof system, as written in the file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum ProofSystemEntry {
    /// libspartan 0.9's NIZK (the reference backend).
    #[default]
    Libspartan,
    /// zkagg's own Spartan NIZK over Hyrax commitments.
    HyraxSpartan,
    /// libspartan's SNARK (not run by the services: [`build_setup`]
    /// refuses it, but the file still says what the config is).
    LibspartanSnark,
}

/// The validity mode, as written in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum ValidityEntry {
    /// Zero-knowledge proofs.
    ZkProof,
    /// Two-party bound check.
    Mpc2pc,
}

/// The `[consortium]` section: the config id binds all of it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConsortiumSection {
    version: u32,
    name: String,
    dim: Spanned<u32>,
    #[serde(default)]
    proof_system: ProofSystemEntry,
    sharing: SharingEntry,
    validity: ValidityEntry,
    min_batch: u32,
    initial_model: Spanned<Vec<i64>>,
    coordinator_key: Spanned<String>,
    aggregator_keys: Vec<Spanned<String>>,
    provider_keys: Vec<Spanned<String>>,
    relation: Spanned<RelationEntry>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    data: Option<Spanned<DataEntry>>,
}

/// Deadlines of a round, in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadlines {
    /// How long the coordinator waits, before opening the first round, for
    /// every member to follow the bulletin.
    pub start_ms: u64,
    /// From the round header to the aggregators' decision.
    pub contributions_ms: u64,
    /// From the decision deadline to the last accepted set.
    pub accepted_sets_ms: u64,
    /// From the last accepted set to the last partial sum.
    pub partial_sums_ms: u64,
    /// How long the coordinator keeps serving after the last close.
    pub linger_ms: u64,
}

impl Deadlines {
    /// A duration from milliseconds.
    pub fn ms(v: u64) -> Duration {
        Duration::from_millis(v)
    }
}

/// The `[operations]` section: nothing in it is in the config id.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Operations {
    /// The coordinator's address.
    pub coordinator: SocketAddr,
    /// Aggregator s's address, one per aggregator.
    pub aggregators: Vec<SocketAddr>,
    /// Deadlines.
    pub deadlines: Deadlines,
    /// Number of rounds to run.
    pub rounds: u64,
    /// Seed of the demo inputs ([`demo_update`]) and of the shards of a
    /// bundled data set (`zkagg_data::provider_shards`).
    pub seed: u64,
    /// The coordinator's database (relative paths are from the file's folder).
    pub coordinator_db: PathBuf,
    /// Aggregator s's database.
    pub aggregator_dbs: Vec<PathBuf>,
    /// Where the coordinator writes the bulletin after each close (for
    /// `audit_bytes`), if anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bulletin_file: Option<PathBuf>,
    /// Aggregator s's two-party check endpoint, one per aggregator (MPC
    /// validity mode only; it admits only the other aggregators).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub aggregator_peers: Vec<SocketAddr>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLayout {
    consortium: ConsortiumSection,
    operations: Operations,
}

/// A loaded consortium file.
#[derive(Clone, Debug)]
pub struct NodeConfig {
    /// The consortium config (what the config id binds).
    pub consortium: ConsortiumConfig,
    /// Operations, with paths resolved against the file's folder.
    pub operations: Operations,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// 32 bytes from exactly 64 hex digits (`u8::from_str_radix` alone would
/// also take a `+` sign, a second spelling of the same key).
fn unhex32(s: &str) -> Option<[u8; 32]> {
    let s = s.trim();
    if s.len() != 64 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut out = [0u8; 32];
    for (o, pair) in out.iter_mut().zip(s.as_bytes().chunks(2)) {
        *o = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(out)
}

/// The key a TOML error's position is on (the text before `=` on its line,
/// or a table header), if any.
fn key_at(text: &str, offset: usize) -> Option<String> {
    let start = text.get(..offset)?.rfind('\n').map_or(0, |n| n + 1);
    let line = text.get(start..)?.lines().next()?.trim();
    if line.starts_with('[') {
        return Some(
            line.trim_matches(|c| c == '[' || c == ']')
                .trim()
                .to_owned(),
        );
    }
    let (key, _) = line.split_once('=')?;
    let key = key.trim();
    (!key.is_empty()).then(|| key.to_owned())
}

/// Longest deadline of the `[operations.deadlines]` table (one hour).
pub const MAX_DEADLINE_MS: u64 = 3_600_000;

/// The span of the value at `keys` (table keys, or array indices as
/// decimal) in TOML `text`, if the text parses and has one.
fn span_at(text: &str, keys: &[&str]) -> Option<std::ops::Range<usize>> {
    let doc = toml::de::DeTable::parse(text).ok()?;
    let (first, rest) = keys.split_first()?;
    let mut v = doc.get_ref().get(*first)?;
    for k in rest {
        v = match k.parse::<usize>() {
            Ok(i) => v.get_ref().get(i)?,
            Err(_) => v.get_ref().get(*k)?,
        };
    }
    Some(v.span())
}

/// The first `(key, index, value)` whose value an earlier one has.
fn first_repeat<'k, T: Ord + Copy>(
    items: impl Iterator<Item = (&'k str, usize, T)>,
) -> Option<(&'k str, usize, T)> {
    let mut seen = std::collections::BTreeSet::new();
    items.into_iter().find(|&(_, _, v)| !seen.insert(v))
}

/// A syntax error at a span, naming `key`.
type SpanError = (std::ops::Range<usize>, String);

fn need<'a, T>(
    o: &'a Option<Spanned<T>>,
    key: &str,
    table: &std::ops::Range<usize>,
) -> Result<&'a T, SpanError> {
    o.as_ref().map(|v| v.get_ref()).ok_or_else(|| {
        (
            table.clone(),
            format!("`relation.{key}` is missing (the train relation needs it)"),
        )
    })
}

impl RelationEntry {
    /// The relation config, or the span and message of the first bad key.
    fn to_config(&self, table: std::ops::Range<usize>) -> Result<RelationConfig, SpanError> {
        let train_keys = self.train_keys();
        let not_of = |key: &str, span: std::ops::Range<usize>, kind: &str| {
            Err((span, format!("not a key of the {kind} relation (`{key}`)")))
        };
        match self.kind.get_ref() {
            RelationKind::BoundedVector => {
                if let Some((key, Some(span))) = train_keys.into_iter().find(|(_, s)| s.is_some()) {
                    return not_of(key, span, "bounded-vector");
                }
                let bits = self
                    .bits
                    .as_ref()
                    .ok_or_else(|| (table, "`relation.bits` is missing".to_owned()))?;
                Ok(RelationConfig::BoundedVector {
                    bits: *bits.get_ref(),
                })
            }
            RelationKind::Train => {
                if let Some(b) = &self.bits {
                    return not_of("bits", b.span(), "train");
                }
                let size = |v: &u64| usize::try_from(*v).unwrap_or(usize::MAX);
                let fmt = |f: &FixedPointEntry| FixedPoint {
                    frac_bits: f.frac_bits,
                    total_bits: f.total_bits,
                };
                let lr = need(&self.learning_rate, "learning_rate", &table)?;
                let train = TrainConfig {
                    num_features: size(need(&self.num_features, "num_features", &table)?),
                    max_samples: size(need(&self.max_samples, "max_samples", &table)?),
                    data_format: fmt(need(&self.data_format, "data_format", &table)?),
                    model_format: fmt(need(&self.model_format, "model_format", &table)?),
                    learning_rate: LearningRate {
                        num: lr.num,
                        frac_bits: lr.frac_bits,
                    },
                    clip_bound: *need(&self.clip_bound, "clip_bound", &table)?,
                };
                let model = match need(&self.model, "model", &table)? {
                    ModelEntry::Logistic => ModelKind::Logistic,
                    ModelEntry::Linear => ModelKind::Linear,
                };
                Ok(RelationConfig::Train { model, train })
            }
        }
    }

    /// The train relation's keys and the spans of those present.
    fn train_keys(&self) -> [(&'static str, Option<std::ops::Range<usize>>); 7] {
        [
            ("model", self.model.as_ref().map(Spanned::span)),
            (
                "num_features",
                self.num_features.as_ref().map(Spanned::span),
            ),
            ("max_samples", self.max_samples.as_ref().map(Spanned::span)),
            ("clip_bound", self.clip_bound.as_ref().map(Spanned::span)),
            ("data_format", self.data_format.as_ref().map(Spanned::span)),
            (
                "model_format",
                self.model_format.as_ref().map(Spanned::span),
            ),
            (
                "learning_rate",
                self.learning_rate.as_ref().map(Spanned::span),
            ),
        ]
    }

    /// The span of a relation key named by the model layer.
    fn span_of(&self, param: &str) -> Option<std::ops::Range<usize>> {
        self.train_keys()
            .into_iter()
            .find(|(k, _)| *k == param)
            .and_then(|(_, s)| s)
    }

    fn from_config(r: &RelationConfig) -> RelationEntry {
        fn sp<T>(v: T) -> Option<Spanned<T>> {
            Some(Spanned::new(0..0, v))
        }
        let fmt = |f: &FixedPoint| {
            sp(FixedPointEntry {
                frac_bits: f.frac_bits,
                total_bits: f.total_bits,
            })
        };
        let none = RelationEntry {
            kind: Spanned::new(0..0, RelationKind::BoundedVector),
            bits: None,
            model: None,
            num_features: None,
            max_samples: None,
            clip_bound: None,
            data_format: None,
            model_format: None,
            learning_rate: None,
        };
        match r {
            RelationConfig::BoundedVector { bits } => RelationEntry {
                bits: sp(*bits),
                ..none
            },
            RelationConfig::Train { model, train } => RelationEntry {
                kind: Spanned::new(0..0, RelationKind::Train),
                model: sp(match model {
                    ModelKind::Logistic => ModelEntry::Logistic,
                    ModelKind::Linear => ModelEntry::Linear,
                }),
                num_features: sp(train.num_features as u64),
                max_samples: sp(train.max_samples as u64),
                clip_bound: sp(train.clip_bound),
                data_format: fmt(&train.data_format),
                model_format: fmt(&train.model_format),
                learning_rate: sp(LearningRateEntry {
                    num: train.learning_rate.num,
                    frac_bits: train.learning_rate.frac_bits,
                }),
                ..none
            },
        }
    }
}

impl ColumnEntry {
    fn to_column(&self) -> ScaledColumn {
        ScaledColumn {
            name: self.name.get_ref().clone(),
            offset: *self.offset.get_ref(),
            scale: *self.scale.get_ref(),
        }
    }

    fn from_column(c: &ScaledColumn) -> ColumnEntry {
        ColumnEntry {
            name: Spanned::new(0..0, c.name.clone()),
            offset: Spanned::new(0..0, c.offset),
            scale: Spanned::new(0..0, c.scale),
        }
    }

    fn span_of(&self, field: &str) -> std::ops::Range<usize> {
        match field {
            "name" => self.name.span(),
            "offset" => self.offset.span(),
            _ => self.scale.span(),
        }
    }
}

impl DataEntry {
    fn to_schema(&self) -> DataSchema {
        DataSchema {
            features: self
                .features
                .get_ref()
                .iter()
                .map(ColumnEntry::to_column)
                .collect(),
            label: self.label.to_column(),
        }
    }

    /// The span of the part of the schema a defect names.
    fn span_of(&self, part: SchemaPart, field: &str) -> std::ops::Range<usize> {
        match part {
            SchemaPart::Features => self.features.span(),
            SchemaPart::Feature(i) => self
                .features
                .get_ref()
                .get(i)
                .map_or(self.features.span(), |c| c.span_of(field)),
            SchemaPart::Label => self.label.span_of(field),
        }
    }
}

impl NodeConfig {
    /// Parses a consortium file's text (`path` names it in errors; relative
    /// paths are resolved against its folder). Every error the file's text
    /// causes names the key and its line and column.
    pub fn parse(path: &Path, text: &str) -> Result<NodeConfig, ConfigFileError> {
        let syntax = |span: Option<std::ops::Range<usize>>, message: String| {
            let (line, column) = span.clone().map_or((0, 0), |s| line_col(text, s.start));
            let message = match span.and_then(|s| key_at(text, s.start)) {
                Some(key) if !message.contains(&format!("`{key}`")) => {
                    format!("`{key}`: {message}")
                }
                _ => message,
            };
            ConfigFileError::Syntax {
                path: path.to_path_buf(),
                line,
                column,
                message,
            }
        };
        let file: FileLayout =
            toml::from_str(text).map_err(|e| syntax(e.span(), e.message().to_owned()))?;
        let key = |k: &Spanned<String>| {
            unhex32(k.get_ref())
                .ok_or_else(|| syntax(Some(k.span()), "a key must be 64 hex digits".into()))
        };
        let c = &file.consortium;
        let relation = c
            .relation
            .get_ref()
            .to_config(c.relation.span())
            .map_err(|(span, m)| syntax(Some(span), m))?;
        if let (RelationConfig::Train { train, .. }, Some(nf)) =
            (&relation, &c.relation.get_ref().num_features)
        {
            // Only for a feature count the model layer takes (a huge one
            // is refused with its own message, and `dim()` would overflow).
            if train.widths().is_ok() && train.dim() != *c.dim.get_ref() as usize {
                return Err(syntax(
                    Some(nf.span()),
                    format!(
                        "{} features need `dim` = {} (a weight per feature and a bias)",
                        train.num_features,
                        train.dim()
                    ),
                ));
            }
        }
        let consortium = ConsortiumConfig {
            version: c.version,
            name: c.name.clone(),
            dim: *c.dim.get_ref(),
            relation,
            proof_system: match c.proof_system {
                ProofSystemEntry::Libspartan => ProofSystemConfig::Nizk(Backend::Libspartan),
                ProofSystemEntry::HyraxSpartan => ProofSystemConfig::Nizk(Backend::HyraxSpartan),
                ProofSystemEntry::LibspartanSnark => ProofSystemConfig::LibspartanSnark,
            },
            sharing: match c.sharing {
                SharingEntry::Additive => SharingConfig::Additive,
                SharingEntry::Shamir { threshold } => SharingConfig::Shamir { threshold },
            },
            validity: match c.validity {
                ValidityEntry::ZkProof => ValidityMode::ZkProof,
                ValidityEntry::Mpc2pc => ValidityMode::Mpc2pc,
            },
            min_batch: c.min_batch,
            initial_model: c.initial_model.get_ref().clone(),
            data: c.data.as_ref().map(|d| d.get_ref().to_schema()),
            coordinator_key: key(&c.coordinator_key)?,
            aggregator_keys: c
                .aggregator_keys
                .iter()
                .map(key)
                .collect::<Result<_, _>>()?,
            provider_keys: c.provider_keys.iter().map(key).collect::<Result<_, _>>()?,
        };
        // The span of the value at a dotted path of the file, for the
        // defects no typed field carries a span for.
        let at = |keys: &[&str]| span_at(text, keys);
        if let Err(e) = consortium.validate() {
            let rel = c.relation.get_ref();
            let party_key = |party: &PartyId| match party {
                PartyId::Coordinator => Some(c.coordinator_key.span()),
                PartyId::Aggregator(s) => c.aggregator_keys.get(s.index()).map(Spanned::span),
                PartyId::Provider(i) => c.provider_keys.get(i.index()).map(Spanned::span),
            };
            // Point at the key a defect is in, where one is.
            let span = match &e {
                ConfigError::UnsupportedVersion(_) => at(&["consortium", "version"]),
                ConfigError::TooFewAggregators => at(&["consortium", "aggregator_keys"]),
                ConfigError::ZeroDimension | ConfigError::RelationMismatch => Some(c.dim.span()),
                ConfigError::ZeroMinimumBatch => at(&["consortium", "min_batch"]),
                ConfigError::Threshold { .. } => at(&["consortium", "sharing", "threshold"]),
                ConfigError::MpcNeedsTwoAggregators => at(&["consortium", "validity"]),
                ConfigError::MpcNeedsTwoOfTwo => at(&["consortium", "sharing", "kind"]),
                ConfigError::InvalidKey(p)
                | ConfigError::WeakKey(p)
                | ConfigError::DuplicateKey(p) => party_key(p),
                ConfigError::InitialModel => Some(c.initial_model.span()),
                ConfigError::BitWidth(_) => rel.bits.as_ref().map(Spanned::span),
                ConfigError::Train(ModelError::BadParameter { param, .. }) => rel.span_of(param),
                ConfigError::DataSchema(d) => c
                    .data
                    .as_ref()
                    .map(|data| data.get_ref().span_of(d.part, d.field))
                    .or(Some(c.relation.span())),
                _ => None,
            };
            return Err(match span {
                Some(span) => syntax(Some(span), e.to_string()),
                None => ConfigFileError::Consortium {
                    path: path.to_path_buf(),
                    error: e.into(),
                },
            });
        }
        if consortium.proof_system == ProofSystemConfig::LibspartanSnark {
            return Err(syntax(
                at(&["consortium", "proof_system"]),
                "the services do not run libspartan-snark: give \"libspartan\" or \"hyrax-spartan\""
                    .into(),
            ));
        }
        let p = consortium.num_providers();
        if p == 0 {
            return Err(syntax(
                at(&["consortium", "provider_keys"]),
                "no providers: a consortium needs at least one provider key".into(),
            ));
        }
        if consortium.min_batch as usize > p {
            return Err(syntax(
                at(&["consortium", "min_batch"]),
                format!(
                    "minimum batch {} exceeds the {p} providers, so no round could close: \
                     lower it to at most {p} or add providers",
                    consortium.min_batch
                ),
            ));
        }
        let mut ops = file.operations;
        let s = consortium.num_aggregators();
        let count = |key: &str, got: usize, what: &str| {
            if got == s {
                Ok(())
            } else {
                Err(syntax(
                    at(&["operations", key]),
                    format!("{got} {what} for {s} aggregators: give one per aggregator, in order"),
                ))
            }
        };
        count("aggregators", ops.aggregators.len(), "addresses")?;
        count("aggregator_dbs", ops.aggregator_dbs.len(), "databases")?;
        if consortium.validity == ValidityMode::Mpc2pc {
            count(
                "aggregator_peers",
                ops.aggregator_peers.len(),
                "two-party endpoints",
            )?;
        }
        if ops.rounds == 0 {
            return Err(syntax(
                at(&["operations", "rounds"]),
                "rounds must be at least 1".into(),
            ));
        }
        let d = ops.deadlines;
        for (key, v, least) in [
            ("start_ms", d.start_ms, 0),
            ("contributions_ms", d.contributions_ms, 1),
            ("accepted_sets_ms", d.accepted_sets_ms, 1),
            ("partial_sums_ms", d.partial_sums_ms, 1),
            ("linger_ms", d.linger_ms, 0),
        ] {
            if !(least..=MAX_DEADLINE_MS).contains(&v) {
                return Err(syntax(
                    at(&["operations", "deadlines", key]),
                    format!("{v} ms is not in {least}..={MAX_DEADLINE_MS} (at most 1 hour)"),
                ));
            }
        }
        // Two services cannot listen on one address.
        let listeners = std::iter::once(("coordinator", 0, ops.coordinator))
            .chain(
                ops.aggregators
                    .iter()
                    .enumerate()
                    .map(|(i, a)| ("aggregators", i, *a)),
            )
            .chain(
                ops.aggregator_peers
                    .iter()
                    .enumerate()
                    .map(|(i, a)| ("aggregator_peers", i, *a)),
            );
        // The span of `operations.<key>[i]` (or of the key).
        let op_span = |key: &str, i: usize| {
            at(&["operations", key, &i.to_string()]).or(at(&["operations", key]))
        };
        if let Some((key, i, addr)) = first_repeat(listeners) {
            return Err(syntax(
                op_span(key, i),
                format!("address {addr} is given to two services: each needs its own port"),
            ));
        }
        let base = path.parent().unwrap_or(Path::new("."));
        let resolve = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = base.join(&*p);
            }
        };
        resolve(&mut ops.coordinator_db);
        ops.aggregator_dbs.iter_mut().for_each(resolve);
        if let Some(p) = ops.bulletin_file.as_mut() {
            resolve(p);
        }
        // Two services sharing one database file would corrupt each other.
        let files = std::iter::once(("coordinator_db", 0, &ops.coordinator_db))
            .chain(
                ops.aggregator_dbs
                    .iter()
                    .enumerate()
                    .map(|(i, p)| ("aggregator_dbs", i, p)),
            )
            .chain(ops.bulletin_file.iter().map(|p| ("bulletin_file", 0, p)));
        if let Some((key, i, file)) = first_repeat(files) {
            return Err(syntax(
                op_span(key, i),
                format!(
                    "{} is named twice: each database and the bulletin file needs a file of its own",
                    file.display()
                ),
            ));
        }
        Ok(NodeConfig {
            consortium,
            operations: ops,
        })
    }

    /// Reads and parses a consortium file.
    pub fn load(path: &Path) -> Result<NodeConfig, ConfigFileError> {
        let text = read_capped(path, MAX_CONFIG_BYTES)?;
        Self::parse(path, &text)
    }

    /// The file text of a config (paths as given); [`NodeConfig::parse`]
    /// reads it back to the same config.
    pub fn to_toml(&self) -> String {
        let c = &self.consortium;
        let sp = |k: &[u8; 32]| Spanned::new(0..0, hex(k));
        let layout = FileLayout {
            consortium: ConsortiumSection {
                version: c.version,
                name: c.name.clone(),
                dim: Spanned::new(0..0, c.dim),
                proof_system: match c.proof_system {
                    ProofSystemConfig::Nizk(Backend::Libspartan) => ProofSystemEntry::Libspartan,
                    ProofSystemConfig::Nizk(Backend::HyraxSpartan) => {
                        ProofSystemEntry::HyraxSpartan
                    }
                    ProofSystemConfig::LibspartanSnark => ProofSystemEntry::LibspartanSnark,
                    // `Backend` is non-exhaustive; every backend it has is above.
                    ProofSystemConfig::Nizk(_) => ProofSystemEntry::Libspartan,
                },
                sharing: match c.sharing {
                    SharingConfig::Additive => SharingEntry::Additive,
                    SharingConfig::Shamir { threshold } => SharingEntry::Shamir { threshold },
                },
                validity: match c.validity {
                    ValidityMode::ZkProof => ValidityEntry::ZkProof,
                    ValidityMode::Mpc2pc => ValidityEntry::Mpc2pc,
                },
                min_batch: c.min_batch,
                initial_model: Spanned::new(0..0, c.initial_model.clone()),
                coordinator_key: sp(&c.coordinator_key),
                aggregator_keys: c.aggregator_keys.iter().map(sp).collect(),
                provider_keys: c.provider_keys.iter().map(sp).collect(),
                relation: Spanned::new(0..0, RelationEntry::from_config(&c.relation)),
                data: c.data.as_ref().map(|d| {
                    Spanned::new(
                        0..0,
                        DataEntry {
                            label: ColumnEntry::from_column(&d.label),
                            features: Spanned::new(
                                0..0,
                                d.features.iter().map(ColumnEntry::from_column).collect(),
                            ),
                        },
                    )
                }),
            },
            operations: self.operations.clone(),
        };
        toml::to_string(&layout).unwrap_or_default()
    }

    /// The address of aggregator `s`.
    pub fn aggregator_addr(&self, s: AggregatorId) -> Option<SocketAddr> {
        self.operations.aggregators.get(s.index()).copied()
    }
}

/// The public parameters a config names: its relation (and model) and its
/// sharing scheme. Code that works for any of them implements
/// [`SetupVisitor`] once and runs through [`AnySetup::visit`].
pub enum AnySetup {
    /// Bounded vector, additive sharing.
    BoundedAdditive(Setup<BoundedVectorRelation, Additive>),
    /// Bounded vector, Shamir sharing.
    BoundedShamir(Setup<BoundedVectorRelation, Shamir>),
    /// R_train with logistic regression, additive sharing.
    LogisticAdditive(Setup<TrainRelation<LogisticRegression>, Additive>),
    /// R_train with logistic regression, Shamir sharing.
    LogisticShamir(Setup<TrainRelation<LogisticRegression>, Shamir>),
    /// R_train with linear regression, additive sharing.
    LinearAdditive(Setup<TrainRelation<LinearRegression>, Additive>),
    /// R_train with linear regression, Shamir sharing.
    LinearShamir(Setup<TrainRelation<LinearRegression>, Shamir>),
}

/// Something done with a setup of any relation and sharing scheme: the one
/// place where the concrete types are chosen is [`AnySetup::visit`].
pub trait SetupVisitor {
    /// What the visit returns.
    type Output;
    /// Does it with `setup`.
    fn visit<Rel, S>(self, setup: Setup<Rel, S>) -> Self::Output
    where
        Rel: crate::input::NodeRelation,
        S: SharingScheme + Send + Sync + 'static;
}

impl AnySetup {
    /// Hands the setup to `v` with its concrete types.
    pub fn visit<V: SetupVisitor>(self, v: V) -> V::Output {
        match self {
            AnySetup::BoundedAdditive(s) => v.visit(s),
            AnySetup::BoundedShamir(s) => v.visit(s),
            AnySetup::LogisticAdditive(s) => v.visit(s),
            AnySetup::LogisticShamir(s) => v.visit(s),
            AnySetup::LinearAdditive(s) => v.visit(s),
            AnySetup::LinearShamir(s) => v.visit(s),
        }
    }
}

/// The setup of `relation` under the config's sharing scheme.
fn with_sharing<Rel: UpdateRelation>(
    config: &ConsortiumConfig,
    relation: Rel,
    additive: impl FnOnce(Setup<Rel, Additive>) -> AnySetup,
    shamir: impl FnOnce(Setup<Rel, Shamir>) -> AnySetup,
) -> Result<AnySetup, AggError> {
    let s = config.num_aggregators();
    Ok(match config.sharing {
        SharingConfig::Additive => additive(Setup::new(
            config.clone(),
            relation,
            Additive::new(s).map_err(AggError::from)?,
        )?),
        SharingConfig::Shamir { threshold } => shamir(Setup::new(
            config.clone(),
            relation,
            Shamir::new(threshold as usize, s).map_err(AggError::from)?,
        )?),
    })
}

/// Builds the `Setup` a config names: the bounded-vector relation or R_train
/// (logistic or linear), with additive or Shamir sharing, proven with a
/// NIZK backend (libspartan or hyrax-spartan; the SNARK is refused, the
/// services keep no preprocessing cache).
pub fn build_setup(config: &ConsortiumConfig) -> Result<AnySetup, AggError> {
    let ProofSystemConfig::Nizk(backend) = config.proof_system else {
        return Err(ConfigError::RelationMismatch.into());
    };
    match &config.relation {
        RelationConfig::BoundedVector { bits } => with_sharing(
            config,
            BoundedVectorRelation::with_backend(config.dim as usize, *bits as usize, backend)?,
            AnySetup::BoundedAdditive,
            AnySetup::BoundedShamir,
        ),
        RelationConfig::Train {
            model: ModelKind::Logistic,
            train,
        } => with_sharing(
            config,
            TrainRelation::with_backend(train.clone(), LogisticRegression, backend)?,
            AnySetup::LogisticAdditive,
            AnySetup::LogisticShamir,
        ),
        RelationConfig::Train {
            model: ModelKind::Linear,
            train,
        } => with_sharing(
            config,
            TrainRelation::with_backend(train.clone(), LinearRegression, backend)?,
            AnySetup::LinearAdditive,
            AnySetup::LinearShamir,
        ),
    }
}

/// The demo input of provider `i` in round `t` for a bounded-vector relation
/// of dimension `d` and `bits` bits: a deterministic function of
/// (seed, i, t), each coordinate in [-2^(bits-2), 2^(bits-2)), so every sum
/// of a few stays in range. The one rule for demo updates.
pub fn demo_update(seed: u64, i: ProviderId, round: u64, d: usize, bits: u32) -> Vec<i64> {
    let mut h = Sha256::new();
    h.update(b"zkagg/demo-update/v1");
    h.update(seed.to_le_bytes());
    h.update(i.0.to_le_bytes());
    h.update(round.to_le_bytes());
    let mut rng = ChaCha20Rng::from_seed(h.finalize().into());
    let span = 1u64 << bits.clamp(2, 32).saturating_sub(1);
    let half = (span / 2) as i64;
    (0..d)
        .map(|_| (rng.next_u64() % span) as i64 - half)
        .collect()
}

/// One member's secrets, read from its folder.
pub struct Member {
    /// The party its certificate names.
    pub party: PartyId,
    /// Its bulletin signing key (the config's key for `party`).
    pub signing: SigningKey,
    /// Its TLS identity.
    pub identity: Identity,
    /// The consortium CA certificate.
    pub ca: CertificateDer<'static>,
}

impl fmt::Debug for Member {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Member")
            .field("party", &self.party)
            .finish_non_exhaustive()
    }
}

/// File names in a member folder.
pub const SIGNING_KEY: &str = "signing.key";
/// The TLS key file.
pub const TLS_KEY: &str = "tls.key";
/// The TLS certificate file.
pub const TLS_CERT: &str = "tls.crt";
/// The CA certificate file.
pub const CA_CERT: &str = "ca.crt";

impl Member {
    /// Reads a member folder and checks it against `config`: the
    /// certificate must name a party of the config and the signing key
    /// must be that party's key.
    pub fn load(dir: &Path, config: &ConsortiumConfig) -> Result<Member, ConfigFileError> {
        let read = |name: &str| read_capped(&dir.join(name), MAX_SECRET_BYTES);
        let pki = |name: &str, error| ConfigFileError::Pki {
            path: dir.join(name),
            error,
        };
        let member = |name: &str, message: &str| ConfigFileError::Member {
            path: dir.join(name),
            message: message.into(),
        };
        let key_text = read(SIGNING_KEY)?;
        let seed = unhex32(&key_text)
            .ok_or_else(|| member(SIGNING_KEY, "expected 64 hex digits (ed25519 secret key)"))?;
        let signing = SigningKey::from_bytes(&seed);
        let key_pem = read(TLS_KEY)?;
        key_from_pem(&key_pem).map_err(|e| pki(TLS_KEY, e))?;
        let identity =
            Identity::from_pem(&read(TLS_CERT)?, &key_pem).map_err(|e| pki(TLS_CERT, e))?;
        let ca = cert_from_pem(&read(CA_CERT)?).map_err(|e| pki(CA_CERT, e))?;
        let party = peer_party(&identity.chain, &config.id()).map_err(|e| match e {
            PkiError::WrongConfigId => member(
                TLS_CERT,
                "is a certificate of another consortium (its name is not this config's id): \
                 use the member folder written with this consortium file",
            ),
            e => pki(TLS_CERT, e),
        })?;
        if !config.has_party(party) {
            return Err(member(
                TLS_CERT,
                &format!("names {party}, which this consortium does not have"),
            ));
        }
        check_identity(&identity, &ca).map_err(|e| match e {
            PkiError::KeyMismatch => pki(TLS_KEY, e),
            e => pki(TLS_CERT, e),
        })?;
        let expected = config.key_of(party).map(|k| k.to_bytes());
        if expected != Some(signing.verifying_key().to_bytes()) {
            return Err(member(
                SIGNING_KEY,
                &format!(
                    "is not {party}'s key in the config (tls.crt names {party}): \
                     use the signing.key of the same member folder"
                ),
            ));
        }
        Ok(Member {
            party,
            signing,
            identity,
            ca,
        })
    }
}

/// What [`generate`] makes.
#[derive(Clone, Debug)]
pub struct GenerateParams {
    /// Consortium name.
    pub name: String,
    /// Number of aggregators S.
    pub aggregators: usize,
    /// Number of providers.
    pub providers: usize,
    /// Dimension d (for R_train, `num_features + 1`).
    pub dim: u32,
    /// The relation.
    pub relation: RelationConfig,
    /// R_train's data schema, if any.
    pub data: Option<DataSchema>,
    /// The round-0 model (zeros when `None`).
    pub initial_model: Option<Vec<i64>>,
    /// Sharing scheme.
    pub sharing: SharingConfig,
    /// The proof system's backend.
    pub backend: Backend,
    /// Minimum batch.
    pub min_batch: u32,
    /// The coordinator's address.
    pub coordinator: SocketAddr,
    /// The aggregators' addresses.
    pub aggregator_addrs: Vec<SocketAddr>,
    /// Deadlines.
    pub deadlines: Deadlines,
    /// Rounds to run.
    pub rounds: u64,
    /// Seed of the demo inputs.
    pub seed: u64,
}

/// Where [`generate`] wrote a consortium.
#[derive(Clone, Debug)]
pub struct Generated {
    /// The consortium file.
    pub config_file: PathBuf,
    /// The loaded config.
    pub config: NodeConfig,
    /// The coordinator's folder.
    pub coordinator: PathBuf,
    /// Aggregator s's folder.
    pub aggregators: Vec<PathBuf>,
    /// Provider i's folder.
    pub providers: Vec<PathBuf>,
}

/// Writes a consortium into `dir`: `consortium.toml`, `ca/` (CA
/// certificate and key) and one folder per member under `members/`.
/// Keys come from the system RNG; secret files are created mode 0600 and
/// never overwritten (generating twice into one folder fails).
pub fn generate(dir: &Path, p: &GenerateParams) -> Result<Generated, ConfigFileError> {
    generate_with(dir, p, ValidityMode::ZkProof, Vec::new())
}

/// [`generate`] in a given validity mode; the MPC mode needs one two-party
/// endpoint address per aggregator (`peers`).
pub fn generate_with(
    dir: &Path,
    p: &GenerateParams,
    validity: ValidityMode,
    peers: Vec<SocketAddr>,
) -> Result<Generated, ConfigFileError> {
    let mkdir = |d: &Path| {
        std::fs::create_dir_all(d).map_err(|error| ConfigFileError::Io {
            path: d.to_path_buf(),
            error,
        })
    };
    let config_file = dir.join("consortium.toml");
    if config_file.exists() {
        return Err(ConfigFileError::Io {
            path: config_file,
            error: std::io::ErrorKind::AlreadyExists.into(),
        });
    }
    let mut rng = ChaCha20Rng::from_entropy();
    let mut key = || SigningKey::generate(&mut rng);
    let coordinator = key();
    let aggregators: Vec<SigningKey> = (0..p.aggregators).map(|_| key()).collect();
    let providers: Vec<SigningKey> = (0..p.providers).map(|_| key()).collect();
    let vk = |k: &SigningKey| k.verifying_key().to_bytes();
    let consortium = ConsortiumConfig {
        version: CONFIG_VERSION,
        name: p.name.clone(),
        dim: p.dim,
        relation: p.relation.clone(),
        proof_system: ProofSystemConfig::Nizk(p.backend),
        sharing: p.sharing,
        validity,
        min_batch: p.min_batch,
        initial_model: p
            .initial_model
            .clone()
            .unwrap_or_else(|| vec![0; p.dim as usize]),
        data: p.data.clone(),
        coordinator_key: vk(&coordinator),
        aggregator_keys: aggregators.iter().map(vk).collect(),
        provider_keys: providers.iter().map(vk).collect(),
    };
    let config = NodeConfig {
        consortium,
        operations: Operations {
            coordinator: p.coordinator,
            aggregators: p.aggregator_addrs.clone(),
            deadlines: p.deadlines,
            rounds: p.rounds,
            seed: p.seed,
            coordinator_db: "db/coordinator.sqlite".into(),
            aggregator_dbs: (0..p.aggregators)
                .map(|s| format!("db/aggregator-{s}.sqlite").into())
                .collect(),
            bulletin_file: Some("db/bulletin.bin".into()),
            aggregator_peers: peers,
        },
    };
    // Checked before anything is written: parameters the file would be
    // refused for leave no folder behind.
    let text = config.to_toml();
    let loaded = NodeConfig::parse(&config_file, &text)?;
    mkdir(dir)?;
    mkdir(&dir.join("db"))?;
    write_file(&config_file, &text)?;
    let id = loaded.consortium.id();
    let ca_dir = dir.join("ca");
    mkdir(&ca_dir)?;
    let pki = |error| ConfigFileError::Pki {
        path: ca_dir.clone(),
        error,
    };
    let validity = Validity::days_from_now(365);
    let ca = ConsortiumCa::generate(&p.name, validity).map_err(pki)?;
    write_file(&ca_dir.join(CA_CERT), &ca.cert_pem())?;
    write_secret(&ca_dir.join("ca.key"), &ca.key_pem())?;
    let members = dir.join("members");
    let write_member = |name: String, party: PartyId, k: &SigningKey| {
        let d = members.join(name);
        mkdir(&d)?;
        let identity = ca.issue(&id, party, validity).map_err(pki)?;
        write_secret(&d.join(SIGNING_KEY), &format!("{}\n", hex(&k.to_bytes())))?;
        write_secret(&d.join(TLS_KEY), &identity.key_pem())?;
        write_file(&d.join(TLS_CERT), &identity.cert_pem())?;
        write_file(&d.join(CA_CERT), &ca.cert_pem())?;
        Ok::<_, ConfigFileError>(d)
    };
    let coordinator_dir = write_member("coordinator".into(), PartyId::Coordinator, &coordinator)?;
    let aggregator_dirs = aggregators
        .iter()
        .enumerate()
        .map(|(s, k)| {
            write_member(
                format!("aggregator-{s}"),
                PartyId::Aggregator(AggregatorId(s as u32)),
                k,
            )
        })
        .collect::<Result<_, _>>()?;
    let provider_dirs = providers
        .iter()
        .enumerate()
        .map(|(i, k)| {
            write_member(
                format!("provider-{i}"),
                PartyId::Provider(ProviderId(i as u32)),
                k,
            )
        })
        .collect::<Result<_, _>>()?;
    Ok(Generated {
        config_file,
        config: loaded,
        coordinator: coordinator_dir,
        aggregators: aggregator_dirs,
        providers: provider_dirs,
    })
}
