//! Messages of the two-party validity check.
//!
//! - The in-process typestates exchange plain serde structs
//!   ([`GarbledCircuitMsg`], [`OutputLabelMsg`]) whose byte counts are the
//!   raw sizes (16 bytes per block, bits packed), without framing.
//! - The message-driven session ([`super::session`]) exchanges
//!   [`SessionMsg`]s in a canonical binary encoding whose exact lengths are
//!   fixed by the public [`SessionShape`].
//!
//! Untrusted on receipt: every length is checked before anything is
//! allocated, and no input panics. Not audited.

use super::error::{Role, TwoPcError};
use crate::garble::{DecodingInfo, GarbledTables, InputLabels};
use crate::ot::kos::{padded_rows, KAPPA};
use crate::ot::msgs::{
    pack_bits, packed_bit, ChoiceCorrectionsMsg, ChoicePointsMsg, ExtensionMatrixMsg,
    MaskedPairsMsg, SetupPointMsg,
};
use crate::ot::{OtError, PeerFault, WireMessage};
use crate::Block;
use serde::{Deserialize, Serialize};

/// Garbler -> evaluator: the garbled validity circuit, the garbler's own
/// input labels and the decoding bit of the single output. Sent in the same
/// flow as the last OT message (OT sender -> receiver).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GarbledCircuitMsg {
    /// Half-gates tables (two blocks per AND gate) and the constant label.
    pub tables: GarbledTables,
    /// Active labels of the garbler's input bits, coordinate by coordinate.
    pub garbler_labels: InputLabels,
    /// Decoding information of the output bit.
    pub decoding: DecodingInfo,
}

impl GarbledCircuitMsg {
    /// Size in bytes.
    pub fn byte_len(&self) -> u64 {
        (self.tables.byte_len() + 16 * self.garbler_labels.labels.len() + self.decoding.byte_len())
            as u64
    }
}

/// Evaluator -> garbler: the active label of the output wire, so the garbler
/// learns the verdict too (and can check the label is genuine).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutputLabelMsg {
    /// The evaluator's active output label.
    pub label: Block,
}

impl OutputLabelMsg {
    /// Size in bytes.
    pub fn byte_len(&self) -> u64 {
        16
    }
}

/// Sizes every message of a session must have, derived from the public
/// parameters (number and length of the vectors, sharing, range) before any
/// message is read: the decoder compares every length on the wire with
/// these, so no allocation depends on a length the peer chose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SessionShape {
    /// Number of OTs: vectors x coordinates x bits per share.
    pub ots: usize,
    /// AND gates of the batch circuit.
    pub and_gates: usize,
    /// Output bits: one per vector.
    pub outputs: usize,
}

impl SessionShape {
    /// Encoded length of the KOS extension matrix of `ots` OTs.
    fn matrix_len(&self) -> u64 {
        (1 + 8 + 8 + 16 + 16 + 8) + 16 * padded_rows(self.ots) as u64
    }
    /// Encoded length of the KOS choice corrections.
    fn corrections_len(&self) -> u64 {
        (1 + 8 + 8) + (self.ots as u64).div_ceil(8)
    }
    /// Encoded length of the KOS masked pairs.
    fn masked_len(&self) -> u64 {
        (1 + 8 + 8) + 32 * self.ots as u64
    }
    /// Encoded length of the base-OT setup point.
    const SETUP_LEN: u64 = 1 + 32;
    /// Encoded length of the base-OT choice points.
    const CHOICES_LEN: u64 = 1 + 8 + 32 * KAPPA as u64;

    /// The length of the longest message of this session (a cap for the
    /// frames that carry them).
    pub fn max_encoded_len(&self) -> u64 {
        SessionMsgKind::ALL
            .iter()
            .map(|k| self.encoded_len(*k))
            .max()
            .unwrap_or(0)
    }

    /// The exact encoded length of a message of `kind` in this session.
    pub fn encoded_len(&self, kind: SessionMsgKind) -> u64 {
        match kind {
            SessionMsgKind::BaseOtSetup => 1 + 32 + 8 + Self::SETUP_LEN,
            SessionMsgKind::BaseOtChoices => 1 + 32 + 8 + Self::CHOICES_LEN,
            SessionMsgKind::Extension => 1 + 8 + self.matrix_len() + 8 + self.corrections_len(),
            SessionMsgKind::Garbled => {
                1 + 8
                    + self.masked_len()
                    + 8
                    + 16 * 2 * self.and_gates as u64
                    + 16
                    + 8
                    + 16 * self.ots as u64
                    + 8
                    + (self.outputs as u64).div_ceil(8)
            }
            SessionMsgKind::OutputLabels => 1 + 8 + 16 * self.outputs as u64,
        }
    }
}

/// The kinds of session message, in protocol order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SessionMsgKind {
    /// Evaluator -> garbler, flow 1.
    BaseOtSetup,
    /// Garbler -> evaluator, flow 2.
    BaseOtChoices,
    /// Evaluator -> garbler, flow 3.
    Extension,
    /// Garbler -> evaluator, flow 4.
    Garbled,
    /// Evaluator -> garbler, flow 5.
    OutputLabels,
}

impl SessionMsgKind {
    /// Every kind, in protocol order.
    pub const ALL: [SessionMsgKind; 5] = [
        SessionMsgKind::BaseOtSetup,
        SessionMsgKind::BaseOtChoices,
        SessionMsgKind::Extension,
        SessionMsgKind::Garbled,
        SessionMsgKind::OutputLabels,
    ];

    /// The tag byte that opens the encoding.
    pub fn tag(self) -> u8 {
        match self {
            SessionMsgKind::BaseOtSetup => 0x51,
            SessionMsgKind::BaseOtChoices => 0x52,
            SessionMsgKind::Extension => 0x53,
            SessionMsgKind::Garbled => 0x54,
            SessionMsgKind::OutputLabels => 0x55,
        }
    }

    /// The kind with this tag, if any.
    pub fn from_tag(tag: u8) -> Option<SessionMsgKind> {
        [
            SessionMsgKind::BaseOtSetup,
            SessionMsgKind::BaseOtChoices,
            SessionMsgKind::Extension,
            SessionMsgKind::Garbled,
            SessionMsgKind::OutputLabels,
        ]
        .into_iter()
        .find(|k| k.tag() == tag)
    }

    /// The kind of an encoded message (by its first byte), if any.
    pub fn of_bytes(bytes: &[u8]) -> Option<SessionMsgKind> {
        bytes.first().copied().and_then(SessionMsgKind::from_tag)
    }

    /// Name, for errors.
    pub fn name(self) -> &'static str {
        match self {
            SessionMsgKind::BaseOtSetup => "BaseOtSetup",
            SessionMsgKind::BaseOtChoices => "BaseOtChoices",
            SessionMsgKind::Extension => "Extension",
            SessionMsgKind::Garbled => "Garbled",
            SessionMsgKind::OutputLabels => "OutputLabels",
        }
    }

    /// The role that sends messages of this kind.
    pub fn sender(self) -> Role {
        match self {
            SessionMsgKind::BaseOtChoices | SessionMsgKind::Garbled => Role::Garbler,
            _ => Role::Evaluator,
        }
    }
}

/// A message of the two-party session ([`super::session`]).
///
/// **Encoding** (canonical; all integers little-endian `u64`): the tag byte
/// of the [kind](SessionMsgKind), then
/// - `BaseOtSetup`: the 32-byte parameter digest, the length of the
///   embedded [`SetupPointMsg`] encoding, that encoding;
/// - `BaseOtChoices`: the digest, length, [`ChoicePointsMsg`] encoding;
/// - `Extension`: length, [`ExtensionMatrixMsg`] encoding, length,
///   [`ChoiceCorrectionsMsg`] encoding;
/// - `Garbled`: length, [`MaskedPairsMsg`] encoding; the number of table
///   blocks, the blocks, the constant label; the number of garbler input
///   labels, the labels; the number of decoding bits, the bits packed eight
///   per byte (least significant first, unused bits zero);
/// - `OutputLabels`: the number of labels, the labels.
///
/// Blocks are 16 bytes little-endian; the embedded OT messages use their own
/// canonical encoding ([`WireMessage`]). Every length must equal the one the
/// [`SessionShape`] prescribes, so there is exactly one encoding per message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionMsg {
    /// Evaluator -> garbler: the session parameter digest and the base-OT
    /// setup point (the evaluator is the KOS receiver, hence the base-OT
    /// sender).
    BaseOtSetup {
        /// Digest of the public session parameters.
        params: [u8; 32],
        /// Chou-Orlandi setup point.
        setup: SetupPointMsg,
    },
    /// Garbler -> evaluator: the digest and the base-OT choice points.
    BaseOtChoices {
        /// Digest of the public session parameters.
        params: [u8; 32],
        /// Chou-Orlandi choice points.
        choices: ChoicePointsMsg,
    },
    /// Evaluator -> garbler: the KOS matrix of the batch's single extension
    /// and the choice corrections (derandomising to the evaluator's bits).
    Extension {
        /// KOS extension matrix with the consistency-check values.
        matrix: ExtensionMatrixMsg,
        /// Choice corrections.
        corrections: ChoiceCorrectionsMsg,
    },
    /// Garbler -> evaluator: the evaluator's input labels (masked by OT) and
    /// the garbled circuit of the whole batch.
    Garbled {
        /// Label pairs masked with the OT pads.
        pairs: MaskedPairsMsg,
        /// Tables, garbler input labels, decoding bits (one per vector).
        circuit: GarbledCircuitMsg,
    },
    /// Evaluator -> garbler: the active output label of every vector.
    OutputLabels {
        /// One label per vector.
        labels: Vec<Block>,
    },
}

fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_blocks(out: &mut Vec<u8>, blocks: &[Block]) {
    put_u64(out, blocks.len() as u64);
    for b in blocks {
        out.extend_from_slice(&b.to_bytes());
    }
}

fn put_nested<M: WireMessage>(out: &mut Vec<u8>, m: &M) {
    put_u64(out, m.encoded_len() as u64);
    m.encode_into(out);
}

/// A cursor over an untrusted session message; every failure blames `from`.
struct Cursor<'a> {
    bytes: &'a [u8],
    from: Role,
    message: &'static str,
}

impl<'a> Cursor<'a> {
    fn malformed(&self, reason: &'static str) -> TwoPcError {
        TwoPcError::Malformed {
            party: self.from,
            message: self.message,
            reason,
        }
    }

    fn take(&mut self, n: u64) -> Result<&'a [u8], TwoPcError> {
        match usize::try_from(n) {
            Ok(n) if n <= self.bytes.len() => {
                let (head, tail) = self.bytes.split_at(n);
                self.bytes = tail;
                Ok(head)
            }
            _ => Err(self.malformed("truncated")),
        }
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], TwoPcError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N as u64)?);
        Ok(out)
    }

    /// Reads a length and checks it is the one the session prescribes.
    fn length(&mut self, expected: u64) -> Result<u64, TwoPcError> {
        let n = u64::from_le_bytes(self.array()?);
        if n != expected {
            return Err(self.malformed("length differs from the session's"));
        }
        Ok(n)
    }

    fn block(&mut self) -> Result<Block, TwoPcError> {
        Ok(Block::from_bytes(self.array()?))
    }

    /// `expected` blocks after a count equal to `expected`.
    fn blocks(&mut self, expected: usize) -> Result<Vec<Block>, TwoPcError> {
        self.length(expected as u64)?;
        let raw = self.take(16 * expected as u64)?;
        Ok(raw
            .chunks_exact(16)
            .map(|c| {
                let mut b = [0u8; 16];
                b.copy_from_slice(c);
                Block::from_bytes(b)
            })
            .collect())
    }

    /// An embedded OT message of exactly `expected` bytes; its decoding
    /// errors are re-attributed to `from` (the OT's own labels refer to
    /// roles inside the OT, reversed for the base OTs).
    fn nested<M: WireMessage>(&mut self, expected: u64) -> Result<M, TwoPcError> {
        self.length(expected)?;
        let raw = self.take(expected)?;
        M::decode(raw).map_err(|e| TwoPcError::Malformed {
            party: self.from,
            message: M::NAME,
            reason: match e {
                OtError::PeerMisbehaved {
                    fault: PeerFault::Malformed { reason, .. },
                    ..
                } => reason,
                _ => "invalid embedded OT message",
            },
        })
    }
}

impl SessionMsg {
    /// The kind of the message.
    pub fn kind(&self) -> SessionMsgKind {
        match self {
            SessionMsg::BaseOtSetup { .. } => SessionMsgKind::BaseOtSetup,
            SessionMsg::BaseOtChoices { .. } => SessionMsgKind::BaseOtChoices,
            SessionMsg::Extension { .. } => SessionMsgKind::Extension,
            SessionMsg::Garbled { .. } => SessionMsgKind::Garbled,
            SessionMsg::OutputLabels { .. } => SessionMsgKind::OutputLabels,
        }
    }

    /// Bytes of the embedded OT messages (what [`OtCost`](crate::ot::OtCost)
    /// counts), zero for the non-OT kinds.
    pub fn ot_bytes(&self) -> u64 {
        match self {
            SessionMsg::BaseOtSetup { setup, .. } => setup.encoded_len() as u64,
            SessionMsg::BaseOtChoices { choices, .. } => choices.encoded_len() as u64,
            SessionMsg::Extension {
                matrix,
                corrections,
            } => (matrix.encoded_len() + corrections.encoded_len()) as u64,
            SessionMsg::Garbled { pairs, .. } => pairs.encoded_len() as u64,
            SessionMsg::OutputLabels { .. } => 0,
        }
    }

    /// The canonical encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = vec![self.kind().tag()];
        match self {
            SessionMsg::BaseOtSetup { params, setup } => {
                out.extend_from_slice(params);
                put_nested(&mut out, setup);
            }
            SessionMsg::BaseOtChoices { params, choices } => {
                out.extend_from_slice(params);
                put_nested(&mut out, choices);
            }
            SessionMsg::Extension {
                matrix,
                corrections,
            } => {
                put_nested(&mut out, matrix);
                put_nested(&mut out, corrections);
            }
            SessionMsg::Garbled { pairs, circuit } => {
                put_nested(&mut out, pairs);
                put_blocks(&mut out, &circuit.tables.blocks);
                out.extend_from_slice(&circuit.tables.constant_label.to_bytes());
                put_blocks(&mut out, &circuit.garbler_labels.labels);
                let bits = &circuit.decoding.bits;
                put_u64(&mut out, bits.len() as u64);
                out.extend_from_slice(&pack_bits(bits.iter().copied()));
            }
            SessionMsg::OutputLabels { labels } => put_blocks(&mut out, labels),
        }
        out
    }

    /// Decodes a message sent by `from` in a session of the given shape.
    ///
    /// Checks, in this order and before allocating: a known tag of a kind
    /// `from` sends, the exact total length for the shape, every length
    /// field, the embedded OT encodings, the OT counts, zero padding bits,
    /// no trailing bytes. Every failure is [`TwoPcError::Malformed`] (or
    /// [`TwoPcError::UnexpectedMessage`] for a kind `from` never sends)
    /// blaming `from`; no input panics.
    pub fn decode(
        bytes: &[u8],
        from: Role,
        shape: &SessionShape,
    ) -> Result<SessionMsg, TwoPcError> {
        let Some(kind) = SessionMsgKind::of_bytes(bytes) else {
            return Err(TwoPcError::Malformed {
                party: from,
                message: "session message",
                reason: if bytes.is_empty() {
                    "empty"
                } else {
                    "unknown tag"
                },
            });
        };
        if kind.sender() != from {
            return Err(TwoPcError::UnexpectedMessage {
                party: from,
                got: kind.name(),
                state: "decoding (kind sent by the other role)",
            });
        }
        let mut r = Cursor {
            bytes: &bytes[1..],
            from,
            message: kind.name(),
        };
        if bytes.len() as u64 != shape.encoded_len(kind) {
            return Err(r.malformed("length differs from the session's"));
        }
        let ots = shape.ots as u64;
        let msg = match kind {
            SessionMsgKind::BaseOtSetup => SessionMsg::BaseOtSetup {
                params: r.array()?,
                setup: r.nested(SessionShape::SETUP_LEN)?,
            },
            SessionMsgKind::BaseOtChoices => SessionMsg::BaseOtChoices {
                params: r.array()?,
                choices: r.nested(SessionShape::CHOICES_LEN)?,
            },
            SessionMsgKind::Extension => {
                let matrix: ExtensionMatrixMsg = r.nested(shape.matrix_len())?;
                let corrections: ChoiceCorrectionsMsg = r.nested(shape.corrections_len())?;
                if matrix.count != ots || corrections.count != ots {
                    return Err(r.malformed("OT count differs from the session's"));
                }
                SessionMsg::Extension {
                    matrix,
                    corrections,
                }
            }
            SessionMsgKind::Garbled => {
                let pairs: MaskedPairsMsg = r.nested(shape.masked_len())?;
                let blocks = r.blocks(2 * shape.and_gates)?;
                let constant_label = r.block()?;
                let labels = r.blocks(shape.ots)?;
                let n = r.length(shape.outputs as u64)?;
                let packed = r.take(n.div_ceil(8))?;
                let used = (n % 8) as u32;
                if used != 0 && packed.last().is_some_and(|&last| last >> used != 0) {
                    return Err(r.malformed("nonzero padding bits"));
                }
                let bits = (0..shape.outputs).map(|i| packed_bit(packed, i)).collect();
                SessionMsg::Garbled {
                    pairs,
                    circuit: GarbledCircuitMsg {
                        tables: GarbledTables {
                            blocks,
                            constant_label,
                        },
                        garbler_labels: InputLabels { labels },
                        decoding: DecodingInfo { bits },
                    },
                }
            }
            SessionMsgKind::OutputLabels => SessionMsg::OutputLabels {
                labels: r.blocks(shape.outputs)?,
            },
        };
        if !r.bytes.is_empty() {
            return Err(r.malformed("trailing bytes"));
        }
        Ok(msg)
    }
}
