//! Messages of the OT protocols: plain serde structs named by what they
//! carry, plus a canonical fixed-layout wire encoding ([`WireMessage`]) whose
//! length is what [`OtCost`](super::OtCost) counts.
//!
//! Decoding checks every length and tag and never panics; it does not check
//! group elements or protocol-level lengths (the receiving protocol state
//! does, because only it knows what to expect).
//!
//! Encoding: one tag byte, then fixed-width little-endian fields; vectors are
//! prefixed by their element count as a `u64`.

use super::{OtError, Party, PeerFault};
use crate::block::Block;
use curve25519_dalek::ristretto::CompressedRistretto;
use serde::{Deserialize, Serialize};

/// Chou-Orlandi, sender to receiver: the sender's public point `A = a*G`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetupPointMsg {
    /// Compressed ristretto255 point `A`.
    pub point: CompressedRistretto,
}

/// Chou-Orlandi, receiver to sender: one point `B_i = b_i*G + c_i*A` per OT.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoicePointsMsg {
    /// Compressed ristretto255 points `B_i`, one per OT.
    pub points: Vec<CompressedRistretto>,
}

/// Chou-Orlandi chosen-message OT, sender to receiver: the two messages of
/// each OT encrypted under the two derived keys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CiphertextPairsMsg {
    /// `[m_i^0 ^ k_i^0, m_i^1 ^ k_i^1]` per OT.
    pub ciphertexts: Vec<[Block; 2]>,
}

/// KOS extension, receiver to sender: the IKNP matrix `u` of one batch and
/// the receiver's answer to the KOS consistency check. (`Default` is an
/// empty message whose buffer a receiver can fill.)
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionMatrixMsg {
    /// Index of the batch within the session (0, 1, 2, ...).
    pub batch: u64,
    /// Number of OTs the batch delivers (before padding).
    pub count: u64,
    /// The matrix `u = t ^ G(k^1) ^ r`, 128 columns of `padded(count)` bits,
    /// stored per 128-row block: element `b * 128 + j` holds rows
    /// `128b .. 128b+127` of column `j` (bit `k` is row `128b + k`).
    pub columns: Vec<Block>,
    /// Check value `x = sum_i chi_i * r_i` in GF(2^128).
    pub check_x: Block,
    /// Check value `t = sum_i chi_i * t_i` in GF(2^128).
    pub check_t: Block,
}

/// KOS derandomisation, receiver to sender: `d_i = c_i ^ r_i`, the wanted
/// choice bit xor the random one, packed eight per byte (least significant
/// bit first).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceCorrectionsMsg {
    /// Index of the batch being derandomised.
    pub batch: u64,
    /// Number of correction bits.
    pub count: u64,
    /// `ceil(count / 8)` bytes; unused high bits of the last byte are zero.
    pub bits: Vec<u8>,
}

/// KOS derandomisation, sender to receiver: each chosen message pair masked
/// with the random-OT pads, swapped according to the correction bit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaskedPairsMsg {
    /// Index of the batch being derandomised.
    pub batch: u64,
    /// `[m_i^0 ^ K_i^{d_i}, m_i^1 ^ K_i^{1 ^ d_i}]` per OT.
    pub pairs: Vec<[Block; 2]>,
}

/// Canonical binary encoding of an OT message.
pub trait WireMessage: Sized {
    /// Tag byte that opens the encoding.
    const TAG: u8;
    /// Message name, for errors.
    const NAME: &'static str;
    /// The role (in the protocol defining the message) that sends it; the
    /// party blamed when decoding fails.
    const SENT_BY: Party;

    /// Length of [`WireMessage::encode`]'s output in bytes.
    fn encoded_len(&self) -> usize;
    /// Appends the encoding to `out`.
    fn encode_into(&self, out: &mut Vec<u8>);
    /// Decodes the body (after the tag byte).
    fn decode_body(r: &mut Reader<'_>) -> Result<Self, OtError>;

    /// The encoding as a fresh vector.
    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.encode_into(&mut out);
        out
    }

    /// Decodes a complete message; rejects bad tags, truncation and trailing
    /// bytes as [`PeerFault::Malformed`] by [`WireMessage::SENT_BY`].
    fn decode(bytes: &[u8]) -> Result<Self, OtError> {
        let mut r = Reader {
            bytes,
            message: Self::NAME,
            party: Self::SENT_BY,
        };
        if r.u8()? != Self::TAG {
            return Err(r.malformed("wrong tag"));
        }
        let msg = Self::decode_body(&mut r)?;
        if !r.bytes.is_empty() {
            return Err(r.malformed("trailing bytes"));
        }
        Ok(msg)
    }
}

/// A cursor over an encoded message that reports truncation as an error.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    message: &'static str,
    party: Party,
}

impl<'a> Reader<'a> {
    fn malformed(&self, reason: &'static str) -> OtError {
        OtError::peer(
            self.party,
            PeerFault::Malformed {
                message: self.message,
                reason,
            },
        )
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], OtError> {
        if self.bytes.len() < n {
            return Err(self.malformed("truncated"));
        }
        let (head, tail) = self.bytes.split_at(n);
        self.bytes = tail;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], OtError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, OtError> {
        Ok(self.array::<1>()?[0])
    }

    fn u64(&mut self) -> Result<u64, OtError> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    fn block(&mut self) -> Result<Block, OtError> {
        Ok(Block::from_bytes(self.array()?))
    }

    /// Reads a `u64` element count and checks that `count * elem_size` bytes
    /// remain, so that no allocation exceeds the input size.
    fn count(&mut self, elem_size: usize) -> Result<usize, OtError> {
        let n = self.u64()?;
        let n = usize::try_from(n).map_err(|_| self.malformed("length overflows usize"))?;
        match n.checked_mul(elem_size) {
            Some(len) if len <= self.bytes.len() => Ok(n),
            _ => Err(self.malformed("truncated")),
        }
    }

    fn blocks(&mut self, n: usize) -> Result<Vec<Block>, OtError> {
        let raw = self.take(n * 16)?;
        Ok(raw
            .chunks_exact(16)
            .map(|c| {
                let mut b = [0u8; 16];
                b.copy_from_slice(c);
                Block::from_bytes(b)
            })
            .collect())
    }

    fn block_pairs(&mut self) -> Result<Vec<[Block; 2]>, OtError> {
        let n = self.count(32)?;
        let raw = self.take(n * 32)?;
        Ok(raw
            .chunks_exact(32)
            .map(|c| {
                let mut b0 = [0u8; 16];
                let mut b1 = [0u8; 16];
                b0.copy_from_slice(&c[..16]);
                b1.copy_from_slice(&c[16..]);
                [Block::from_bytes(b0), Block::from_bytes(b1)]
            })
            .collect())
    }

    fn points(&mut self) -> Result<Vec<CompressedRistretto>, OtError> {
        let n = self.count(32)?;
        let raw = self.take(n * 32)?;
        Ok(raw
            .chunks_exact(32)
            .map(|c| {
                let mut p = [0u8; 32];
                p.copy_from_slice(c);
                CompressedRistretto(p)
            })
            .collect())
    }
}

fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn put_blocks(out: &mut Vec<u8>, blocks: &[Block]) {
    out.reserve(blocks.len() * 16);
    for b in blocks {
        out.extend_from_slice(&b.to_bytes());
    }
}

fn put_pairs(out: &mut Vec<u8>, pairs: &[[Block; 2]]) {
    put_u64(out, pairs.len() as u64);
    out.reserve(pairs.len() * 32);
    for [a, b] in pairs {
        out.extend_from_slice(&a.to_bytes());
        out.extend_from_slice(&b.to_bytes());
    }
}

impl WireMessage for SetupPointMsg {
    const TAG: u8 = 0x01;
    const NAME: &'static str = "SetupPointMsg";
    const SENT_BY: Party = Party::Sender;

    fn encoded_len(&self) -> usize {
        1 + 32
    }
    fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(Self::TAG);
        out.extend_from_slice(self.point.as_bytes());
    }
    fn decode_body(r: &mut Reader<'_>) -> Result<Self, OtError> {
        Ok(SetupPointMsg {
            point: CompressedRistretto(r.array()?),
        })
    }
}

impl WireMessage for ChoicePointsMsg {
    const TAG: u8 = 0x02;
    const NAME: &'static str = "ChoicePointsMsg";
    const SENT_BY: Party = Party::Receiver;

    fn encoded_len(&self) -> usize {
        1 + 8 + 32 * self.points.len()
    }
    fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(Self::TAG);
        put_u64(out, self.points.len() as u64);
        for p in &self.points {
            out.extend_from_slice(p.as_bytes());
        }
    }
    fn decode_body(r: &mut Reader<'_>) -> Result<Self, OtError> {
        Ok(ChoicePointsMsg {
            points: r.points()?,
        })
    }
}

impl WireMessage for CiphertextPairsMsg {
    const TAG: u8 = 0x03;
    const NAME: &'static str = "CiphertextPairsMsg";
    const SENT_BY: Party = Party::Sender;

    fn encoded_len(&self) -> usize {
        1 + 8 + 32 * self.ciphertexts.len()
    }
    fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(Self::TAG);
        put_pairs(out, &self.ciphertexts);
    }
    fn decode_body(r: &mut Reader<'_>) -> Result<Self, OtError> {
        Ok(CiphertextPairsMsg {
            ciphertexts: r.block_pairs()?,
        })
    }
}

impl WireMessage for ExtensionMatrixMsg {
    const TAG: u8 = 0x11;
    const NAME: &'static str = "ExtensionMatrixMsg";
    const SENT_BY: Party = Party::Receiver;

    fn encoded_len(&self) -> usize {
        1 + 8 + 8 + 16 + 16 + 8 + 16 * self.columns.len()
    }
    fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(Self::TAG);
        put_u64(out, self.batch);
        put_u64(out, self.count);
        out.extend_from_slice(&self.check_x.to_bytes());
        out.extend_from_slice(&self.check_t.to_bytes());
        put_u64(out, self.columns.len() as u64);
        put_blocks(out, &self.columns);
    }
    fn decode_body(r: &mut Reader<'_>) -> Result<Self, OtError> {
        let batch = r.u64()?;
        let count = r.u64()?;
        let check_x = r.block()?;
        let check_t = r.block()?;
        let n = r.count(16)?;
        let columns = r.blocks(n)?;
        Ok(ExtensionMatrixMsg {
            batch,
            count,
            columns,
            check_x,
            check_t,
        })
    }
}

impl WireMessage for ChoiceCorrectionsMsg {
    const TAG: u8 = 0x12;
    const NAME: &'static str = "ChoiceCorrectionsMsg";
    const SENT_BY: Party = Party::Receiver;

    fn encoded_len(&self) -> usize {
        1 + 8 + 8 + self.bits.len()
    }
    fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(Self::TAG);
        put_u64(out, self.batch);
        put_u64(out, self.count);
        out.extend_from_slice(&self.bits);
    }
    fn decode_body(r: &mut Reader<'_>) -> Result<Self, OtError> {
        let batch = r.u64()?;
        let count = r.u64()?;
        let nbytes = count.div_ceil(8);
        let nbytes = usize::try_from(nbytes).map_err(|_| r.malformed("length overflows usize"))?;
        let bits = r.take(nbytes)?.to_vec();
        let used = (count % 8) as u32;
        if used != 0 && bits.last().is_some_and(|&last| last >> used != 0) {
            return Err(r.malformed("nonzero padding bits"));
        }
        Ok(ChoiceCorrectionsMsg { batch, count, bits })
    }
}

impl WireMessage for MaskedPairsMsg {
    const TAG: u8 = 0x13;
    const NAME: &'static str = "MaskedPairsMsg";
    const SENT_BY: Party = Party::Sender;

    fn encoded_len(&self) -> usize {
        1 + 8 + 8 + 32 * self.pairs.len()
    }
    fn encode_into(&self, out: &mut Vec<u8>) {
        out.push(Self::TAG);
        put_u64(out, self.batch);
        put_pairs(out, &self.pairs);
    }
    fn decode_body(r: &mut Reader<'_>) -> Result<Self, OtError> {
        let batch = r.u64()?;
        let pairs = r.block_pairs()?;
        Ok(MaskedPairsMsg { batch, pairs })
    }
}

/// Packs bits eight per byte, least significant bit first.
pub(crate) fn pack_bits(bits: impl ExactSizeIterator<Item = bool>) -> Vec<u8> {
    let mut out = vec![0u8; bits.len().div_ceil(8)];
    for (i, b) in bits.enumerate() {
        out[i / 8] |= (b as u8) << (i % 8);
    }
    out
}

/// Bit `i` of a packed bit vector (caller checks bounds).
pub(crate) fn packed_bit(bytes: &[u8], i: usize) -> bool {
    (bytes[i / 8] >> (i % 8)) & 1 == 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip<M: WireMessage + PartialEq + core::fmt::Debug>(m: &M) {
        let enc = m.encode();
        assert_eq!(enc.len(), m.encoded_len());
        assert_eq!(&M::decode(&enc).unwrap(), m);
        // Every truncation and any trailing byte is rejected, without panic.
        for cut in 0..enc.len() {
            let e = M::decode(&enc[..cut]).unwrap_err();
            assert!(e.is_peer_misbehaviour());
            assert_eq!(e.blame(), Some(M::SENT_BY));
        }
        let mut long = enc.clone();
        long.push(0);
        assert!(M::decode(&long).is_err());
        let mut bad_tag = enc;
        bad_tag[0] ^= 0xff;
        assert!(M::decode(&bad_tag).is_err());
    }

    #[test]
    fn wire_roundtrips_and_rejects_truncation() {
        roundtrip(&SetupPointMsg {
            point: CompressedRistretto([7; 32]),
        });
        roundtrip(&ChoicePointsMsg {
            points: vec![CompressedRistretto([1; 32]), CompressedRistretto([2; 32])],
        });
        roundtrip(&CiphertextPairsMsg {
            ciphertexts: vec![[Block(1), Block(2)], [Block(3), Block(u128::MAX)]],
        });
        roundtrip(&ExtensionMatrixMsg {
            batch: 3,
            count: 5,
            columns: vec![Block(9); 3],
            check_x: Block(4),
            check_t: Block(5),
        });
        roundtrip(&ChoiceCorrectionsMsg {
            batch: 1,
            count: 11,
            bits: vec![0xff, 0x03],
        });
        roundtrip(&MaskedPairsMsg {
            batch: 2,
            pairs: vec![[Block(8), Block(9)]],
        });
    }

    #[test]
    fn huge_declared_lengths_are_rejected_without_allocation() {
        let mut enc = vec![ChoicePointsMsg::TAG];
        enc.extend_from_slice(&u64::MAX.to_le_bytes());
        assert!(ChoicePointsMsg::decode(&enc).is_err());
        let mut enc = vec![ChoiceCorrectionsMsg::TAG];
        enc.extend_from_slice(&0u64.to_le_bytes());
        enc.extend_from_slice(&u64::MAX.to_le_bytes());
        assert!(ChoiceCorrectionsMsg::decode(&enc).is_err());
        let mut enc = vec![ExtensionMatrixMsg::TAG];
        enc.extend_from_slice(&[0u8; 48]);
        enc.extend_from_slice(&(u64::MAX / 8).to_le_bytes());
        assert!(ExtensionMatrixMsg::decode(&enc).is_err());
    }

    #[test]
    fn bit_packing() {
        let bits = [true, false, true, true, false, false, false, false, true];
        let packed = pack_bits(bits.iter().copied());
        assert_eq!(packed, vec![0b0000_1101, 0b1]);
        for (i, &b) in bits.iter().enumerate() {
            assert_eq!(packed_bit(&packed, i), b);
        }
    }
}
