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

use crate::pki::{cert_from_pem, peer_party, ConsortiumCa, Identity, PkiError, Validity};
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
    ConsortiumConfig, ProofSystemConfig, RelationConfig, SharingConfig, ValidityMode,
    CONFIG_VERSION,
};
use zkagg_aggregation::relation::BoundedVectorRelation;
use zkagg_aggregation::setup::Setup;
use zkagg_aggregation::{AggError, AggregatorId, PartyId, ProviderId};
use zkagg_mpc::sharing::additive::Additive;
use zkagg_mpc::sharing::shamir::Shamir;
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
    #[error("{path}: larger than {cap} bytes")]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The cap.
        cap: u64,
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

/// Reads a file of at most `cap` bytes as text.
pub fn read_capped(path: &Path, cap: u64) -> Result<String, ConfigFileError> {
    use std::io::Read;
    let io = |error| ConfigFileError::Io {
        path: path.to_path_buf(),
        error,
    };
    let f = std::fs::File::open(path).map_err(io)?;
    let mut text = String::new();
    f.take(cap + 1).read_to_string(&mut text).map_err(io)?;
    if text.len() as u64 > cap {
        return Err(ConfigFileError::TooLarge {
            path: path.to_path_buf(),
            cap,
        });
    }
    Ok(text)
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

/// The relation, as written in the file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum RelationEntry {
    /// Bounded vector with a signed bit width.
    BoundedVector {
        /// The bit width.
        bits: u32,
    },
}

/// The sharing scheme, as written in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum SharingEntry {
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
pub enum ProofSystemEntry {
    /// libspartan 0.9's NIZK (the reference backend).
    #[default]
    Libspartan,
    /// zkagg's own Spartan NIZK over Hyrax commitments.
    HyraxSpartan,
}

impl ProofSystemEntry {
    fn backend(self) -> Backend {
        match self {
            ProofSystemEntry::Libspartan => Backend::Libspartan,
            ProofSystemEntry::HyraxSpartan => Backend::HyraxSpartan,
        }
    }
}

/// The validity mode, as written in the file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValidityEntry {
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
    dim: u32,
    relation: RelationEntry,
    #[serde(default)]
    proof_system: ProofSystemEntry,
    sharing: SharingEntry,
    validity: ValidityEntry,
    min_batch: u32,
    coordinator_key: Spanned<String>,
    aggregator_keys: Vec<Spanned<String>>,
    provider_keys: Vec<Spanned<String>>,
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
    /// Seed of the demo inputs ([`demo_update`]).
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

fn unhex32(s: &str) -> Option<[u8; 32]> {
    let s = s.trim();
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, o) in out.iter_mut().enumerate() {
        *o = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).ok()?;
    }
    Some(out)
}

impl NodeConfig {
    /// Parses a consortium file's text (`path` names it in errors; relative
    /// paths are resolved against its folder).
    pub fn parse(path: &Path, text: &str) -> Result<NodeConfig, ConfigFileError> {
        let syntax = |span: Option<std::ops::Range<usize>>, message: String| {
            let (line, column) = span.map_or((0, 0), |s| line_col(text, s.start));
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
        let consortium = ConsortiumConfig {
            version: c.version,
            name: c.name.clone(),
            dim: c.dim,
            relation: match c.relation {
                RelationEntry::BoundedVector { bits } => RelationConfig::BoundedVector { bits },
            },
            proof_system: ProofSystemConfig::Nizk(c.proof_system.backend()),
            sharing: match c.sharing {
                SharingEntry::Additive => SharingConfig::Additive,
                SharingEntry::Shamir { threshold } => SharingConfig::Shamir { threshold },
            },
            validity: match c.validity {
                ValidityEntry::ZkProof => ValidityMode::ZkProof,
                ValidityEntry::Mpc2pc => ValidityMode::Mpc2pc,
            },
            min_batch: c.min_batch,
            coordinator_key: key(&c.coordinator_key)?,
            aggregator_keys: c
                .aggregator_keys
                .iter()
                .map(key)
                .collect::<Result<_, _>>()?,
            provider_keys: c.provider_keys.iter().map(key).collect::<Result<_, _>>()?,
        };
        consortium
            .validate()
            .map_err(|e| ConfigFileError::Consortium {
                path: path.to_path_buf(),
                error: e.into(),
            })?;
        let mut ops = file.operations;
        let bad = |message: String| ConfigFileError::Operations {
            path: path.to_path_buf(),
            message,
        };
        let s = consortium.num_aggregators();
        if ops.aggregators.len() != s {
            return Err(bad(format!(
                "{} aggregator addresses for {s} aggregators",
                ops.aggregators.len()
            )));
        }
        if ops.aggregator_dbs.len() != s {
            return Err(bad(format!(
                "{} aggregator databases for {s} aggregators",
                ops.aggregator_dbs.len()
            )));
        }
        if consortium.validity == ValidityMode::Mpc2pc && ops.aggregator_peers.len() != s {
            return Err(bad(format!(
                "{} two-party endpoints for {s} aggregators in the MPC mode",
                ops.aggregator_peers.len()
            )));
        }
        let d = ops.deadlines;
        if [d.contributions_ms, d.accepted_sets_ms, d.partial_sums_ms]
            .iter()
            .any(|&v| v == 0 || v > 3_600_000)
        {
            return Err(bad("each round deadline must be 1 ms to 1 hour".into()));
        }
        if d.start_ms > 3_600_000 || d.linger_ms > 3_600_000 {
            return Err(bad("start and linger must be at most 1 hour".into()));
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

    /// The file text of a config (paths as given).
    pub fn to_toml(&self) -> String {
        let c = &self.consortium;
        let sp = |k: &[u8; 32]| Spanned::new(0..0, hex(k));
        let layout = FileLayout {
            consortium: ConsortiumSection {
                version: c.version,
                name: c.name.clone(),
                dim: c.dim,
                relation: match c.relation {
                    RelationConfig::BoundedVector { bits } => RelationEntry::BoundedVector { bits },
                    // Not written by `generate`; R_train files come later.
                    RelationConfig::Train { .. } => RelationEntry::BoundedVector { bits: 0 },
                },
                proof_system: match c.proof_system {
                    ProofSystemConfig::Nizk(Backend::HyraxSpartan) => {
                        ProofSystemEntry::HyraxSpartan
                    }
                    // The SNARK is not run by the services.
                    _ => ProofSystemEntry::Libspartan,
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
                coordinator_key: sp(&c.coordinator_key),
                aggregator_keys: c.aggregator_keys.iter().map(sp).collect(),
                provider_keys: c.provider_keys.iter().map(sp).collect(),
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

/// The public parameters a config names, with its sharing scheme.
pub enum AnySetup {
    /// Bounded vector, additive sharing.
    BoundedAdditive(Setup<BoundedVectorRelation, Additive>),
    /// Bounded vector, Shamir sharing.
    BoundedShamir(Setup<BoundedVectorRelation, Shamir>),
}

/// Builds the `Setup` a config names (bounded-vector relation only; R_train
/// support comes later).
pub fn build_setup(config: &ConsortiumConfig) -> Result<AnySetup, AggError> {
    let RelationConfig::BoundedVector { bits } = config.relation else {
        return Err(zkagg_aggregation::error::ConfigError::RelationMismatch.into());
    };
    let ProofSystemConfig::Nizk(backend) = config.proof_system else {
        return Err(zkagg_aggregation::error::ConfigError::RelationMismatch.into());
    };
    let rel = BoundedVectorRelation::with_backend(config.dim as usize, bits as usize, backend)?;
    let s = config.num_aggregators();
    Ok(match config.sharing {
        SharingConfig::Additive => AnySetup::BoundedAdditive(Setup::new(
            config.clone(),
            rel,
            Additive::new(s).map_err(AggError::from)?,
        )?),
        SharingConfig::Shamir { threshold } => AnySetup::BoundedShamir(Setup::new(
            config.clone(),
            rel,
            Shamir::new(threshold as usize, s).map_err(AggError::from)?,
        )?),
    })
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
        let identity =
            Identity::from_pem(&read(TLS_CERT)?, &read(TLS_KEY)?).map_err(|e| pki(TLS_CERT, e))?;
        let ca = cert_from_pem(&read(CA_CERT)?).map_err(|e| pki(CA_CERT, e))?;
        let party = peer_party(&identity.chain, &config.id()).map_err(|e| pki(TLS_CERT, e))?;
        if !config.has_party(party) {
            return Err(member(TLS_CERT, "names a party the config does not have"));
        }
        let expected = config.key_of(party).map(|k| k.to_bytes());
        if expected != Some(signing.verifying_key().to_bytes()) {
            return Err(member(
                SIGNING_KEY,
                "is not the config's key for the party the certificate names",
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
    /// Dimension d.
    pub dim: u32,
    /// Bit width of the bounded-vector relation.
    pub bits: u32,
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
    mkdir(dir)?;
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
        relation: RelationConfig::BoundedVector { bits: p.bits },
        proof_system: ProofSystemConfig::Nizk(p.backend),
        sharing: p.sharing,
        validity,
        min_batch: p.min_batch,
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
    mkdir(&dir.join("db"))?;
    write_file(&config_file, &config.to_toml())?;
    let loaded = NodeConfig::load(&config_file)?;
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
