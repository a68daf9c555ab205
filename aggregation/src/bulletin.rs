//! The public bulletin: an append-only, hash-chained log of signed messages.
//!
//! Entry k carries (seq = k, prev = hash of entry k-1 or the config id for
//! k = 0, sender, payload, signature). The sender signs (ed25519)
//! "zkagg/bulletin/v1" || config id || seq || prev || sender || payload; the
//! entry hash is SHA-256 of the same fields and the signature. Appending
//! checks the chain, the signature against the config's key for the sender,
//! that the payload decodes canonically, and that the sender is the one
//! allowed to post that message. A saved bulletin is the config plus the
//! entries, postcard-encoded; loading re-checks everything, so any changed
//! byte is detected.

use crate::config::{ConsortiumConfig, PartyId};
use crate::error::AggError;
use crate::msgs::{PublicMessage, MAX_MESSAGE_BYTES};
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::Path;
use zkagg_zk::encoding;

const DS_SIGN: &[u8] = b"zkagg/bulletin/v1/sign";
const DS_HASH: &[u8] = b"zkagg/bulletin/v1/hash";

/// Largest saved bulletin accepted (bytes).
pub const MAX_BULLETIN_BYTES: usize = 1 << 30;

/// One signed entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Position in the log.
    pub seq: u64,
    /// Hash of the previous entry (the config id for the first).
    pub prev: [u8; 32],
    /// The sender.
    pub sender: PartyId,
    /// The postcard-encoded [`PublicMessage`].
    pub payload: Vec<u8>,
    /// ed25519 signature by the sender.
    #[serde(with = "sig_bytes")]
    pub signature: [u8; 64],
}

mod sig_bytes {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    pub fn serialize<S: Serializer>(b: &[u8; 64], s: S) -> Result<S::Ok, S::Error> {
        let mut lo = [0u8; 32];
        let mut hi = [0u8; 32];
        lo.copy_from_slice(&b[..32]);
        hi.copy_from_slice(&b[32..]);
        (lo, hi).serialize(s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 64], D::Error> {
        let (a, b): ([u8; 32], [u8; 32]) = Deserialize::deserialize(d)?;
        let mut out = [0u8; 64];
        out[..32].copy_from_slice(&a);
        out[32..].copy_from_slice(&b);
        Ok(out)
    }
}

fn signed_bytes(
    config_id: &[u8; 32],
    seq: u64,
    prev: &[u8; 32],
    sender: PartyId,
    payload: &[u8],
) -> Vec<u8> {
    let mut m = Vec::with_capacity(payload.len() + 128);
    m.extend_from_slice(DS_SIGN);
    m.extend_from_slice(config_id);
    m.extend_from_slice(&seq.to_le_bytes());
    m.extend_from_slice(prev);
    m.extend_from_slice(&postcard::to_allocvec(&sender).expect("encoding a party id cannot fail"));
    m.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    m.extend_from_slice(payload);
    m
}

impl Entry {
    /// The entry hash.
    pub fn hash(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(DS_HASH);
        h.update(self.seq.to_le_bytes());
        h.update(self.prev);
        h.update(postcard::to_allocvec(&self.sender).expect("encoding a party id cannot fail"));
        h.update((self.payload.len() as u64).to_le_bytes());
        h.update(&self.payload);
        h.update(self.signature);
        h.finalize().into()
    }

    /// Decodes the payload.
    pub fn message(&self) -> Result<PublicMessage, AggError> {
        Ok(encoding::from_bytes_capped(
            &self.payload,
            MAX_MESSAGE_BYTES,
        )?)
    }
}

/// The bulletin: config and entries, with its head hash.
#[derive(Clone, Debug)]
pub struct Bulletin {
    config: ConsortiumConfig,
    config_id: [u8; 32],
    entries: Vec<Entry>,
    messages: Vec<PublicMessage>,
    head: [u8; 32],
}

#[derive(Serialize, Deserialize)]
struct BulletinFile {
    version: u32,
    config: ConsortiumConfig,
    entries: Vec<Entry>,
}

const FILE_VERSION: u32 = 1;

impl Bulletin {
    /// An empty bulletin for a config.
    pub fn new(config: ConsortiumConfig) -> Result<Self, AggError> {
        config.validate()?;
        let config_id = config.id();
        Ok(Bulletin {
            config,
            config_id,
            entries: Vec::new(),
            messages: Vec::new(),
            head: config_id,
        })
    }

    /// The config.
    pub fn config(&self) -> &ConsortiumConfig {
        &self.config
    }

    /// The config id.
    pub fn config_id(&self) -> [u8; 32] {
        self.config_id
    }

    /// The entries.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The decoded messages with their senders, in order.
    pub fn messages(&self) -> impl Iterator<Item = (PartyId, &PublicMessage)> {
        self.entries
            .iter()
            .map(|e| e.sender)
            .zip(self.messages.iter())
    }

    /// The head hash.
    pub fn head(&self) -> [u8; 32] {
        self.head
    }

    /// Signs and appends a message as `sender`.
    pub fn post(
        &mut self,
        sender: PartyId,
        key: &SigningKey,
        msg: &PublicMessage,
    ) -> Result<&Entry, AggError> {
        let payload = encoding::to_bytes(msg)?;
        let seq = self.entries.len() as u64;
        let signature = key
            .sign(&signed_bytes(
                &self.config_id,
                seq,
                &self.head,
                sender,
                &payload,
            ))
            .to_bytes();
        self.append(Entry {
            seq,
            prev: self.head,
            sender,
            payload,
            signature,
        })?;
        Ok(self.entries.last().expect("just appended"))
    }

    /// Checks and appends an entry signed elsewhere.
    pub fn append(&mut self, entry: Entry) -> Result<(), AggError> {
        let seq = self.entries.len() as u64;
        if entry.seq != seq || entry.prev != self.head {
            return Err(AggError::BrokenChain { seq: entry.seq });
        }
        let key = self.config.key_of(entry.sender)?;
        let sig = Signature::from_bytes(&entry.signature);
        key.verify(
            &signed_bytes(
                &self.config_id,
                entry.seq,
                &entry.prev,
                entry.sender,
                &entry.payload,
            ),
            &sig,
        )
        .map_err(|_| AggError::BadSignature {
            seq: entry.seq,
            party: entry.sender,
        })?;
        let msg = entry.message()?;
        if msg.expected_sender() != entry.sender {
            return Err(AggError::Misbehaved {
                party: entry.sender,
                reason: format!("posted a message only {} may post", msg.expected_sender()),
            });
        }
        self.head = entry.hash();
        self.entries.push(entry);
        self.messages.push(msg);
        Ok(())
    }

    /// Encodes the bulletin (config and entries).
    pub fn to_bytes(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct Borrowed<'a> {
            version: u32,
            config: &'a ConsortiumConfig,
            entries: &'a [Entry],
        }
        postcard::to_allocvec(&Borrowed {
            version: FILE_VERSION,
            config: &self.config,
            entries: &self.entries,
        })
        .expect("encoding a bulletin cannot fail")
    }

    /// Decodes and fully re-checks a bulletin.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, AggError> {
        let file: BulletinFile = encoding::from_bytes_capped(bytes, MAX_BULLETIN_BYTES)?;
        if file.version != FILE_VERSION {
            return Err(AggError::Config(format!(
                "unsupported bulletin version {}",
                file.version
            )));
        }
        let mut b = Bulletin::new(file.config)?;
        for e in file.entries {
            b.append(e)?;
        }
        Ok(b)
    }

    /// Saves to a file (atomically).
    pub fn save(&self, path: &Path) -> Result<(), AggError> {
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, self.to_bytes()).map_err(|e| AggError::Io(e.to_string()))?;
        std::fs::rename(&tmp, path).map_err(|e| AggError::Io(e.to_string()))
    }

    /// Loads from a file, checking the size before reading it whole.
    pub fn load(path: &Path) -> Result<Self, AggError> {
        let len = std::fs::metadata(path)
            .map_err(|e| AggError::Io(e.to_string()))?
            .len();
        if len > MAX_BULLETIN_BYTES as u64 {
            return Err(zkagg_zk::EncodingError::TooLarge {
                cap: MAX_BULLETIN_BYTES,
                got: len as usize,
            }
            .into());
        }
        let bytes = std::fs::read(path).map_err(|e| AggError::Io(e.to_string()))?;
        Self::from_bytes(&bytes)
    }
}
