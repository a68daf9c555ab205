//! Framing: a 4-byte big-endian length, a 1-byte message-type tag, then the
//! postcard payload.
//!
//! Every message type has its own cap ([`FrameCaps`], computed from the
//! config: d, S, the number of providers and a proof-size bound). The
//! length prefix and the tag are checked against the cap *before* the
//! frame buffer is reserved, so a 2^32 - 1 prefix costs the reader five
//! bytes. Payloads decode through the capped canonical decoders of
//! `zkagg_aggregation::msgs` and `zkagg_zk::encoding` (no trailing bytes,
//! re-encoding must give the input). A bad frame is a typed
//! [`FrameError`]; the connection that sent it is closed.

use bytes::{Buf, BufMut, Bytes, BytesMut};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use tokio_util::codec::{Decoder, Encoder, LengthDelimitedCodec};
use zkagg_aggregation::bulletin::Entry;
use zkagg_aggregation::config::{ConsortiumConfig, ValidityMode};
use zkagg_aggregation::error::Fault;
use zkagg_aggregation::msgs::{
    decode_delivery, decode_validity, ShareDelivery, ValidityMessage, MAX_MESSAGE_BYTES,
};
use zkagg_zk::encoding;
use zkagg_zk::link::LinkProof;
use zkagg_zk::EncodingError;

/// The type of a frame (its tag byte).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Kind {
    /// A signed bulletin entry (posted to, or sent by, the coordinator).
    Entry,
    /// A share delivery (provider to aggregator).
    Delivery,
    /// A two-party bound-check message (aggregator to aggregator).
    Validity,
    /// A small control message ([`Control`]).
    Control,
}

impl Kind {
    /// The tag byte.
    pub fn tag(self) -> u8 {
        match self {
            Kind::Entry => 1,
            Kind::Delivery => 2,
            Kind::Validity => 3,
            Kind::Control => 4,
        }
    }

    /// The kind of a tag byte.
    pub fn from_tag(tag: u8) -> Option<Kind> {
        match tag {
            1 => Some(Kind::Entry),
            2 => Some(Kind::Delivery),
            3 => Some(Kind::Validity),
            4 => Some(Kind::Control),
            _ => None,
        }
    }
}

/// Why a posted entry was refused (data, compared with `==`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum PostRefusal {
    /// The entry was not signed at the current head; the bulletin has
    /// `len` entries (fetch and retry).
    StaleHead {
        /// The current length.
        len: u64,
    },
    /// The entry's sender is not the authenticated peer.
    SenderNotPeer,
    /// The bulletin refused the entry.
    Fault(Fault),
    /// The coordinator could not store the entry.
    Unavailable,
}

/// Small control messages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Control {
    /// Send every entry from `from_seq` on, then each new one.
    Follow {
        /// The first sequence number wanted.
        from_seq: u64,
    },
    /// The posted entry is on the bulletin at `seq`.
    Posted {
        /// Its sequence number.
        seq: u64,
    },
    /// The posted entry was refused.
    Refused(PostRefusal),
    /// A private message was stored durably.
    Stored,
    /// An identical private message was already stored.
    AlreadyStored,
    /// A private message was refused (the fault is the sender's).
    DeliveryRefused(Fault),
    /// Sent to an idle follower so that neither side's idle timeout fires
    /// while the bulletin does not move; `len` is the bulletin's length.
    Heartbeat {
        /// The current length.
        len: u64,
    },
    /// Opens one attempt of the two-party check (MPC mode) between the two
    /// aggregators; each side sends one, the dialer first.
    TwoPcOpen {
        /// The round to check.
        round: u64,
        /// The sender's bulletin length (the checked prefix is the longer
        /// of the two, unless one side fixed it).
        bulletin_len: u64,
        /// The sender's head at that length (the hash of its last entry):
        /// a head the receiver's own copy contradicts is a fork of the
        /// bulletin, shown by the coordinator.
        head: [u8; 32],
        /// The sender's fresh nonce for this attempt.
        nonce: [u8; 32],
        /// The prefix a side already decided from (it stored verdicts over
        /// it and is serving a re-run for its peer).
        fixed_upto: Option<u64>,
    },
    /// A two-party check message (or opening) was refused; the connection
    /// closes and the attempt is over.
    ValidityRefused(Fault),
    /// Aggregator to aggregator (either mode): the sender's copy of the
    /// bulletin has head `head` at length `len`; asks for the receiver's
    /// head at that length (`service::heads`).
    HeadAt {
        /// The length.
        len: u64,
        /// The sender's head there (the config id for 0).
        head: [u8; 32],
    },
    /// The answer to [`Control::HeadAt`] (or to an entry asked for beyond
    /// the receiver's copy): the receiver's head at `len`, the asked length
    /// or its own length if shorter.
    HeadIs {
        /// The length.
        len: u64,
        /// The receiver's head there.
        head: [u8; 32],
    },
    /// Asks a service for its status (any authenticated member may).
    Status,
    /// A service's status ([`crate::service::status`]).
    StatusReport(crate::service::status::ServiceStatus),
}

/// A decoded frame.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum WireMessage {
    /// A bulletin entry.
    Entry(Entry),
    /// A share delivery.
    Delivery(ShareDelivery),
    /// A two-party check message.
    Validity(ValidityMessage),
    /// A control message.
    Control(Control),
}

impl WireMessage {
    /// The frame kind of this message.
    pub fn kind(&self) -> Kind {
        match self {
            WireMessage::Entry(_) => Kind::Entry,
            WireMessage::Delivery(_) => Kind::Delivery,
            WireMessage::Validity(_) => Kind::Validity,
            WireMessage::Control(_) => Kind::Control,
        }
    }
}

/// Errors of framing, typed by what was wrong.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FrameError {
    /// The length prefix is above the largest cap of any type.
    #[error("frame of {len} bytes exceeds the largest cap {cap}")]
    Oversize {
        /// The announced length (tag included).
        len: u64,
        /// The cap.
        cap: u64,
    },
    /// The payload is above its type's cap.
    #[error("{kind:?} payload of {len} bytes exceeds its cap {cap}")]
    OverCap {
        /// The type.
        kind: Kind,
        /// The announced payload length.
        len: u64,
        /// The cap of this type.
        cap: u64,
    },
    /// A zero-length frame (no tag).
    #[error("empty frame")]
    Empty,
    /// An unknown type tag.
    #[error("unknown tag {0}")]
    UnknownTag(u8),
    /// The stream ended inside a frame.
    #[error("stream ended inside a frame ({buffered} bytes buffered)")]
    Truncated {
        /// Bytes of the partial frame.
        buffered: usize,
    },
    /// The payload does not decode canonically.
    #[error("{kind:?} payload: {error}")]
    Decode {
        /// The type.
        kind: Kind,
        /// What the decoder said.
        error: EncodingError,
    },
    /// The connection failed.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
}

/// The caps, in payload bytes, per message type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameCaps {
    /// A contribution (public message).
    pub contribution: usize,
    /// Any public message (the largest of its variants).
    pub public: usize,
    /// A bulletin entry.
    pub entry: usize,
    /// A share delivery.
    pub delivery: usize,
    /// A two-party check message.
    pub validity: usize,
    /// A control message.
    pub control: usize,
}

/// Bounds the caps need beyond the config.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CapBounds {
    /// The largest proof pi_zk accepted (bytes).
    pub proof: usize,
    /// The largest two-party check payload accepted (bytes).
    pub validity_payload: usize,
}

impl CapBounds {
    /// Defaults for a config's coordinator and provider channels: the proof
    /// system's own cap in the ZK mode (no proof in the MPC mode) and no
    /// two-party check payload, which only the aggregators' own channel
    /// carries, with caps from the session's shape
    /// (`service::twopc::twopc_caps`). So a provider cannot make an
    /// aggregator buffer a large two-party frame on the delivery endpoint.
    pub fn for_config(config: &ConsortiumConfig) -> CapBounds {
        match config.validity {
            ValidityMode::ZkProof => CapBounds {
                proof: zkagg_zk::spartan::MAX_PROOF_BYTES,
                validity_payload: 0,
            },
            ValidityMode::Mpc2pc => CapBounds {
                proof: 0,
                validity_payload: 0,
            },
        }
    }
}

impl FrameCaps {
    /// The caps of a config with the default bounds.
    pub fn for_config(config: &ConsortiumConfig) -> FrameCaps {
        Self::with_bounds(config, CapBounds::for_config(config))
    }

    /// The caps of a config. Each is a generous but finite formula: every
    /// varint counted at its largest (10 bytes for a u64, 5 for a u32 or a
    /// length), 32 bytes per scalar, point or commitment; none above the
    /// aggregation layer's `MAX_MESSAGE_BYTES` (plus the entry envelope).
    pub fn with_bounds(config: &ConsortiumConfig, b: CapBounds) -> FrameCaps {
        let d = config.dim as usize;
        let s = config.num_aggregators();
        let n = config.num_providers();
        let m = |a: usize, x: usize| a.saturating_mul(x);
        let contribution = 128usize
            .saturating_add(m(32, s))
            .saturating_add(b.proof)
            .saturating_add(LinkProof::MAX_BYTES);
        let header = 32usize.saturating_add(m(10, d));
        let registration = 64usize;
        let accepted = 32usize.saturating_add(m(11, n));
        let partial = 96usize.saturating_add(m(32, d.saturating_add(1)));
        let close = 48usize.saturating_add(m(5, n)).saturating_add(m(10, d));
        let public = [contribution, header, registration, accepted, partial, close]
            .into_iter()
            .max()
            .unwrap_or(0)
            .saturating_add(8)
            .min(MAX_MESSAGE_BYTES);
        FrameCaps {
            contribution,
            public,
            entry: public.saturating_add(200),
            delivery: 128usize
                .saturating_add(m(32, d.saturating_add(1)))
                .min(MAX_MESSAGE_BYTES),
            validity: 96usize
                .saturating_add(b.validity_payload)
                .min(MAX_MESSAGE_BYTES),
            control: 256,
        }
    }

    /// The cap of a kind.
    pub fn cap(&self, kind: Kind) -> usize {
        match kind {
            Kind::Entry => self.entry,
            Kind::Delivery => self.delivery,
            Kind::Validity => self.validity,
            Kind::Control => self.control,
        }
    }

    /// The largest frame (tag included) of any kind.
    pub fn max_frame(&self) -> usize {
        [self.entry, self.delivery, self.validity, self.control]
            .into_iter()
            .max()
            .unwrap_or(0)
            .saturating_add(1)
    }
}

/// A frame: its kind and raw payload (not yet decoded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Frame {
    /// The kind.
    pub kind: Kind,
    /// The payload.
    pub payload: Bytes,
}

/// The codec: `LengthDelimitedCodec` (4-byte big-endian length, maximum set
/// to the largest cap) behind a check of the prefix and tag against the
/// type's cap, before the inner codec reserves the frame buffer.
#[derive(Debug)]
pub struct FrameCodec {
    inner: LengthDelimitedCodec,
    caps: FrameCaps,
    /// The kind of the frame whose header the inner codec has consumed.
    pending: Option<Kind>,
}

impl FrameCodec {
    /// A codec with these caps.
    pub fn new(caps: FrameCaps) -> FrameCodec {
        let inner = LengthDelimitedCodec::builder()
            .length_field_length(4)
            .big_endian()
            .max_frame_length(caps.max_frame())
            .new_codec();
        FrameCodec {
            inner,
            caps,
            pending: None,
        }
    }

    /// The caps.
    pub fn caps(&self) -> &FrameCaps {
        &self.caps
    }
}

impl Decoder for FrameCodec {
    type Item = Frame;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        let kind = match self.pending {
            Some(kind) => kind,
            None => {
                if src.len() < 4 {
                    return Ok(None);
                }
                let len = u64::from((&src[..4]).get_u32());
                let max = self.caps.max_frame() as u64;
                if len == 0 {
                    return Err(FrameError::Empty);
                }
                if len > max {
                    return Err(FrameError::Oversize { len, cap: max });
                }
                if src.len() < 5 {
                    return Ok(None);
                }
                let tag = src[4];
                let kind = Kind::from_tag(tag).ok_or(FrameError::UnknownTag(tag))?;
                let cap = self.caps.cap(kind) as u64;
                if len - 1 > cap {
                    return Err(FrameError::OverCap {
                        kind,
                        len: len - 1,
                        cap,
                    });
                }
                self.pending = Some(kind);
                kind
            }
        };
        match self.inner.decode(src)? {
            None => Ok(None),
            Some(mut body) => {
                self.pending = None;
                crate::metrics::COUNTERS.frame_received(body.len() + 4);
                body.advance(1);
                Ok(Some(Frame {
                    kind,
                    payload: body.freeze(),
                }))
            }
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        match self.decode(src)? {
            Some(frame) => Ok(Some(frame)),
            None if src.is_empty() && self.pending.is_none() => Ok(None),
            None => Err(FrameError::Truncated {
                buffered: src.len(),
            }),
        }
    }
}

impl Encoder<&WireMessage> for FrameCodec {
    type Error = FrameError;

    fn encode(&mut self, msg: &WireMessage, dst: &mut BytesMut) -> Result<(), FrameError> {
        let kind = msg.kind();
        let payload = encode_payload(msg).map_err(|error| FrameError::Decode { kind, error })?;
        let cap = self.caps.cap(kind);
        if payload.len() > cap {
            return Err(FrameError::OverCap {
                kind,
                len: payload.len() as u64,
                cap: cap as u64,
            });
        }
        let mut body = BytesMut::with_capacity(payload.len() + 1);
        body.put_u8(kind.tag());
        body.extend_from_slice(&payload);
        crate::metrics::COUNTERS.frame_sent(body.len() + 4);
        self.inner.encode(body.freeze(), dst)?;
        Ok(())
    }
}

/// The postcard payload of a message.
pub fn encode_payload(msg: &WireMessage) -> Result<Vec<u8>, EncodingError> {
    match msg {
        WireMessage::Entry(e) => encoding::to_bytes(e),
        WireMessage::Delivery(d) => encoding::to_bytes(d),
        WireMessage::Validity(v) => encoding::to_bytes(v),
        WireMessage::Control(c) => encoding::to_bytes(c),
    }
}

/// Decodes a frame's payload with the capped canonical decoder of its type.
pub fn decode_frame(frame: &Frame, caps: &FrameCaps) -> Result<WireMessage, FrameError> {
    let kind = frame.kind;
    let bytes = &frame.payload[..];
    let cap = caps.cap(kind);
    if bytes.len() > cap {
        return Err(FrameError::OverCap {
            kind,
            len: bytes.len() as u64,
            cap: cap as u64,
        });
    }
    let err = |error| FrameError::Decode { kind, error };
    Ok(match kind {
        Kind::Entry => WireMessage::Entry(encoding::from_bytes_capped(bytes, cap).map_err(err)?),
        Kind::Delivery => WireMessage::Delivery(decode_delivery(bytes).map_err(err)?),
        Kind::Validity => WireMessage::Validity(decode_validity(bytes).map_err(err)?),
        Kind::Control => {
            WireMessage::Control(encoding::from_bytes_capped(bytes, cap).map_err(err)?)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use zkagg_aggregation::config::{RelationConfig, SharingConfig, CONFIG_VERSION};

    fn config(d: u32, s: usize, n: usize) -> ConsortiumConfig {
        ConsortiumConfig {
            version: CONFIG_VERSION,
            name: "caps".into(),
            dim: d,
            relation: RelationConfig::BoundedVector { bits: 16 },
            proof_system: Default::default(),
            sharing: SharingConfig::Additive,
            validity: ValidityMode::ZkProof,
            min_batch: 1,
            initial_model: Vec::new(),
            data: None,
            coordinator_key: [0; 32],
            aggregator_keys: vec![[1; 32]; s],
            provider_keys: vec![[2; 32]; n],
        }
    }

    fn codec() -> FrameCodec {
        FrameCodec::new(FrameCaps::for_config(&config(4, 2, 3)))
    }

    #[test]
    fn caps_follow_the_config_and_stay_finite() {
        let small = FrameCaps::for_config(&config(4, 2, 3));
        assert_eq!(small.delivery, 128 + 32 * 5);
        assert!(small.contribution >= 64 + 32 * 2 + LinkProof::MAX_BYTES);
        assert_eq!(small.entry, small.public + 200);
        assert!(small.public >= small.contribution);
        let big = FrameCaps::for_config(&config(1_000_000, 5, 10_000));
        assert!(big.delivery > 32_000_000 && big.delivery < 33_000_000);
        assert!(big.max_frame() <= MAX_MESSAGE_BYTES + 201);
        let huge = FrameCaps::for_config(&config(u32::MAX, 1 << 20, 1 << 20));
        assert!(huge.max_frame() <= MAX_MESSAGE_BYTES + 201);
    }

    #[test]
    fn a_huge_prefix_is_refused_without_reserving() {
        let mut c = codec();
        let mut buf = BytesMut::with_capacity(16);
        buf.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 4]);
        let cap_before = buf.capacity();
        let err = c.decode(&mut buf).unwrap_err();
        assert!(matches!(
            err,
            FrameError::Oversize {
                len: 0xffff_ffff,
                ..
            }
        ));
        assert_eq!(buf.capacity(), cap_before);
        // Over its own type's cap but under the largest cap: refused on the
        // tag, before the buffer is reserved.
        let mut c = codec();
        let mut buf = BytesMut::with_capacity(16);
        buf.extend_from_slice(&1000u32.to_be_bytes());
        buf.extend_from_slice(&[Kind::Control.tag()]);
        let err = c.decode(&mut buf).unwrap_err();
        assert!(matches!(
            err,
            FrameError::OverCap {
                kind: Kind::Control,
                len: 999,
                cap: 256
            }
        ));
        assert_eq!(buf.capacity(), 16);
    }

    #[test]
    fn frames_split_at_every_byte_decode() {
        let msgs = [
            WireMessage::Control(Control::Follow { from_seq: 300 }),
            WireMessage::Control(Control::Refused(PostRefusal::Fault(Fault::BadSignature))),
            WireMessage::Control(Control::Posted { seq: u64::MAX }),
        ];
        let mut wire = BytesMut::new();
        let mut c = codec();
        for m in &msgs {
            c.encode(m, &mut wire).unwrap();
        }
        let mut c = codec();
        let mut buf = BytesMut::new();
        let mut got = Vec::new();
        for b in wire.iter() {
            buf.extend_from_slice(&[*b]);
            while let Some(f) = c.decode(&mut buf).unwrap() {
                got.push(decode_frame(&f, c.caps()).unwrap());
            }
        }
        assert_eq!(got, msgs);
        assert!(c.decode_eof(&mut buf).unwrap().is_none());
    }

    #[test]
    fn bad_frames_are_typed() {
        let caps = *codec().caps();
        let run = |bytes: &[u8]| -> FrameError {
            let mut c = codec();
            let mut buf = BytesMut::from(bytes);
            match c.decode(&mut buf) {
                Err(e) => e,
                Ok(Some(f)) => decode_frame(&f, &caps).unwrap_err(),
                Ok(None) => c.decode_eof(&mut buf).unwrap_err(),
            }
        };
        assert!(matches!(run(&[0, 0, 0, 0]), FrameError::Empty));
        assert!(matches!(
            run(&[0, 0, 0, 2, 9, 0]),
            FrameError::UnknownTag(9)
        ));
        assert!(matches!(
            run(&[0, 0, 0, 9, 4, 0]),
            FrameError::Truncated { .. }
        ));
        // Follow { from_seq: 1 } and one trailing byte.
        assert!(matches!(
            run(&[0, 0, 0, 4, 4, 0, 1, 0]),
            FrameError::Decode {
                kind: Kind::Control,
                error: EncodingError::TrailingBytes(1)
            }
        ));
        // An overlong varint for from_seq = 1.
        assert!(matches!(
            run(&[0, 0, 0, 4, 4, 0, 0x81, 0]),
            FrameError::Decode {
                kind: Kind::Control,
                ..
            }
        ));
        assert!(matches!(
            run(&[0, 0, 0, 3, 1, 0, 0]),
            FrameError::Decode {
                kind: Kind::Entry,
                ..
            }
        ));
    }
}
