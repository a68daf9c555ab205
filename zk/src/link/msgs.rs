//! The linking proof as sent on the wire.

use crate::encoding::{serde_point, serde_point_vec, serde_scalar};
use crate::field::Fr;
use curve25519_dalek::ristretto::RistrettoPoint;
use serde::{Deserialize, Serialize};

/// A linking proof: (A, t, phi, L_1..L_k, R_1..R_k, a). Every point is
/// validated and every scalar is canonical when decoded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkProof {
    /// Commitment to the mask vector.
    #[serde(with = "serde_point")]
    pub A: RistrettoPoint,
    /// <u, b>.
    #[serde(with = "serde_scalar")]
    pub t: Fr,
    /// c r + s.
    #[serde(with = "serde_scalar")]
    pub phi: Fr,
    /// Left cross terms of the inner product argument.
    #[serde(with = "serde_point_vec")]
    pub L: Vec<RistrettoPoint>,
    /// Right cross terms.
    #[serde(with = "serde_point_vec")]
    pub R: Vec<RistrettoPoint>,
    /// The final folded scalar.
    #[serde(with = "serde_scalar")]
    pub a: Fr,
}

impl LinkProof {
    /// Largest encoding accepted: 64 rounds.
    pub const MAX_BYTES: usize = 32 * (2 * 64 + 1) + 32 * 3 + 16;

    /// Canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        crate::encoding::to_bytes(self).expect("encoding an in-memory proof cannot fail")
    }

    /// Decodes with a size cap, canonical scalars, valid points, no trailing bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, crate::EncodingError> {
        crate::encoding::from_bytes_capped(bytes, Self::MAX_BYTES)
    }
}
