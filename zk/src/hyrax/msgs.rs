//! Messages of the Hyrax layer: plain serde structs with canonical encodings.
//!
//! Points travel compressed and are decompressed (and so validated) once on
//! decode; [`Pt`] keeps both forms so that absorbing a received point into a
//! transcript costs no recompression. Scalars must be canonical. No message
//! carries an opening value: evaluations travel only as commitments.

use crate::encoding::{point_from_bytes, serde_scalar, serde_scalar_vec};
use crate::field::Fr;
use curve25519_dalek::ristretto::RistrettoPoint;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A ristretto255 point with its canonical compressed encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pt {
    bytes: [u8; 32],
    point: RistrettoPoint,
}

impl Pt {
    /// Wraps a point (compresses it once).
    pub fn new(point: RistrettoPoint) -> Self {
        Pt {
            bytes: point.compress().to_bytes(),
            point,
        }
    }

    /// Decodes and validates 32 bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, crate::error::EncodingError> {
        let point = point_from_bytes(bytes)?;
        let mut b = [0u8; 32];
        // The ristretto decoder accepts canonical encodings only, so the
        // input bytes are the canonical encoding.
        b.copy_from_slice(bytes);
        Ok(Pt { bytes: b, point })
    }

    /// The point.
    pub fn point(&self) -> &RistrettoPoint {
        &self.point
    }

    /// The canonical compressed encoding.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.bytes
    }
}

impl Serialize for Pt {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.bytes.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Pt {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let b: [u8; 32] = Deserialize::deserialize(d)?;
        // The ristretto decoder accepts canonical encodings only, so the
        // stored bytes are the input bytes.
        let point = point_from_bytes(&b).map_err(serde::de::Error::custom)?;
        Ok(Pt { bytes: b, point })
    }
}

/// A Hyrax commitment to a multilinear polynomial: one Pedersen vector
/// commitment per row of its evaluation matrix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PolyCommitment {
    /// Row commitments, row 0 first.
    pub rows: Vec<Pt>,
}

/// The linear-size zero-knowledge proof of dot product (Hyrax, Wahby et al.
/// S&P 2018, section 3.1 / appendix; Spartan section 6): for committed x and
/// committed y and a public a, <x, a> = y.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DotProductProof {
    /// delta = <d, G> + r_delta H.
    pub delta: Pt,
    /// beta = <a, d> G_val + r_beta H.
    pub beta: Pt,
    /// z = c x + d.
    #[serde(with = "serde_scalar_vec")]
    pub z: Vec<Fr>,
    /// z_delta = c r_x + r_delta.
    #[serde(with = "serde_scalar")]
    pub z_delta: Fr,
    /// z_beta = c r_y + r_beta.
    #[serde(with = "serde_scalar")]
    pub z_beta: Fr,
}

/// A zero-knowledge opening of a Hyrax commitment at a point to a committed
/// value: a proof of dot product between the eq-combined row and the
/// column weights.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpeningProof {
    /// The dot-product proof.
    pub dot: DotProductProof,
}
