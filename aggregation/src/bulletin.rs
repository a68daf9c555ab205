//! The public bulletin: an append-only, hash-chained log of signed messages.
//!
//! Entry k carries (seq = k, prev = hash of entry k-1 or the config id for
//! k = 0, sender, payload, signature). The sender signs (ed25519, verified
//! with `verify_strict`) "zkagg/bulletin/v1/sign" || config id || seq ||
//! prev || sender || len || payload; the entry hash is SHA-256 of the same
//! fields and the signature. Appending checks the chain, the signature
//! against the config's key for the sender, that the payload decodes
//! canonically, and that the sender is the one allowed to post that
//! message. The protocol's sequence rules (one registration per provider,
//! contributions only in an open round, ...) are the [`crate::ledger`]'s.
//!
//! The bulletin is sans-IO: [`Bulletin::to_bytes`] and
//! [`Bulletin::from_bytes`] move it as bytes; loading re-checks everything,
//! so any changed byte is detected.

use crate::config::ConsortiumConfig;
use crate::error::{AggError, ConfigError, Fault};
use crate::msgs::{decode_public, PublicMessage};
use crate::party::PartyId;
use ed25519_dalek::{Signature, Signer, SigningKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
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

/// The canonical encoding of a party id (postcard: a tag and a varint).
fn party_bytes(p: PartyId) -> Vec<u8> {
    // Plain data: the encoding cannot fail.
    postcard::to_allocvec(&p).unwrap_or_default()
}

/// The bytes a sender signs for entry `seq` after `prev`.
pub fn signed_bytes(
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
    m.extend_from_slice(&party_bytes(sender));
    m.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    m.extend_from_slice(payload);
    m
}

impl Entry {
    /// Signs `msg` as entry `seq` after `prev` (what a poster sends to the
    /// coordinator).
    pub fn sign(
        config_id: &[u8; 32],
        seq: u64,
        prev: [u8; 32],
        sender: PartyId,
        key: &SigningKey,
        msg: &PublicMessage,
    ) -> Result<Entry, AggError> {
        let payload = encoding::to_bytes(msg)?;
        let signature = key
            .sign(&signed_bytes(config_id, seq, &prev, sender, &payload))
            .to_bytes();
        Ok(Entry {
            seq,
            prev,
            sender,
            payload,
            signature,
        })
    }

    /// The entry hash.
    pub fn hash(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(DS_HASH);
        h.update(self.seq.to_le_bytes());
        h.update(self.prev);
        h.update(party_bytes(self.sender));
        h.update((self.payload.len() as u64).to_le_bytes());
        h.update(&self.payload);
        h.update(self.signature);
        h.finalize().into()
    }

    /// Checks the signature alone (strict) under `config`'s key for the
    /// sender, whatever the chain: an unknown sender blames the coordinator
    /// (which presents the entry), a bad signature the claimed sender.
    pub fn verify_signature(
        &self,
        config: &ConsortiumConfig,
        config_id: &[u8; 32],
    ) -> Result<(), AggError> {
        let Some(key) = config.key_of(self.sender) else {
            return Err(AggError::peer(PartyId::Coordinator, Fault::UnknownSender));
        };
        let sig = Signature::from_bytes(&self.signature);
        key.verify_strict(
            &signed_bytes(config_id, self.seq, &self.prev, self.sender, &self.payload),
            &sig,
        )
        .map_err(|_| AggError::peer(self.sender, Fault::BadSignature))
    }

    /// Decodes the payload (canonical, capped).
    pub fn message(&self) -> Result<PublicMessage, AggError> {
        decode_public(&self.payload)
            .map_err(|_| AggError::peer(self.sender, Fault::MalformedPayload))
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

const FILE_VERSION: u32 = 2;

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

    /// The number of entries (the next sequence number).
    pub fn len(&self) -> u64 {
        self.entries.len() as u64
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The decoded messages with their senders, in order.
    pub fn messages(&self) -> impl Iterator<Item = (PartyId, &PublicMessage)> {
        self.entries
            .iter()
            .map(|e| e.sender)
            .zip(self.messages.iter())
    }

    /// The decoded message of entry `seq`.
    pub fn message(&self, seq: u64) -> Option<&PublicMessage> {
        self.messages.get(usize::try_from(seq).ok()?)
    }

    /// The head hash.
    pub fn head(&self) -> [u8; 32] {
        self.head
    }

    /// Checks an entry against the head without appending it; returns its
    /// decoded message. Errors blame the coordinator for a broken chain and
    /// the claimed sender otherwise.
    pub fn check(&self, entry: &Entry) -> Result<PublicMessage, AggError> {
        if entry.seq != self.len() || entry.prev != self.head {
            return Err(AggError::peer(PartyId::Coordinator, Fault::BrokenChain));
        }
        entry.verify_signature(&self.config, &self.config_id)?;
        let msg = entry.message()?;
        if msg.expected_sender() != entry.sender {
            return Err(AggError::peer(entry.sender, Fault::WrongSender));
        }
        Ok(msg)
    }

    /// Checks and appends an entry signed elsewhere; returns its decoded
    /// message, so a caller that also needs it checks the entry once.
    pub fn append(&mut self, entry: Entry) -> Result<&PublicMessage, AggError> {
        let msg = self.check(&entry)?;
        self.append_checked(entry, msg);
        Ok(self
            .messages
            .last()
            .unwrap_or_else(|| unreachable!("just appended")))
    }

    /// Appends an entry [`check`](Self::check) accepted, with its message.
    pub(crate) fn append_checked(&mut self, entry: Entry, msg: PublicMessage) {
        self.head = entry.hash();
        self.entries.push(entry);
        self.messages.push(msg);
    }

    /// Signs `msg` as `sender` at the current head and appends it.
    pub fn post(
        &mut self,
        sender: PartyId,
        key: &SigningKey,
        msg: &PublicMessage,
    ) -> Result<u64, AggError> {
        let entry = Entry::sign(&self.config_id, self.len(), self.head, sender, key, msg)?;
        let checked = self.check(&entry)?;
        let seq = entry.seq;
        self.append_checked(entry, checked);
        Ok(seq)
    }

    /// Encodes the bulletin (config and entries).
    pub fn to_bytes(&self) -> Vec<u8> {
        #[derive(Serialize)]
        struct Borrowed<'a> {
            version: u32,
            config: &'a ConsortiumConfig,
            entries: &'a [Entry],
        }
        // Plain data: the encoding cannot fail.
        postcard::to_allocvec(&Borrowed {
            version: FILE_VERSION,
            config: &self.config,
            entries: &self.entries,
        })
        .unwrap_or_default()
    }

    /// Decodes a bulletin file and its config, without checking the entries
    /// (the auditor checks them one by one).
    pub fn decode_file(bytes: &[u8]) -> Result<(ConsortiumConfig, Vec<Entry>), AggError> {
        let file: BulletinFile = encoding::from_bytes_capped(bytes, MAX_BULLETIN_BYTES)?;
        if file.version != FILE_VERSION {
            return Err(ConfigError::UnsupportedVersion(file.version).into());
        }
        Ok((file.config, file.entries))
    }

    /// Decodes and fully re-checks a bulletin.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, AggError> {
        let (config, entries) = Self::decode_file(bytes)?;
        let mut b = Bulletin::new(config)?;
        for e in entries {
            b.append(e)?;
        }
        Ok(b)
    }
}
