//! Messages of the zero-knowledge sum-check and the Sigma proofs.
//! No message carries a claimed value: claims travel as commitments.

use crate::encoding::serde_scalar;
use crate::field::Fr;
use crate::hyrax::{DotProductProof, Pt};
use serde::{Deserialize, Serialize};

/// One round: the committed round polynomial, the committed next claim, and
/// the proof of dot product tying them to the previous claim.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundProof {
    /// <coefficients of g_j, K> + r H.
    pub comm_poly: Pt,
    /// g_j(r_j) G_val + r' H: the next claim.
    pub comm_claim: Pt,
    /// <coeffs, (2,1,..,1) + w (1, r_j, .., r_j^deg)> = e_{j-1} + w e_j.
    pub dot: DotProductProof,
}

/// A zero-knowledge sum-check proof: one [`RoundProof`] per variable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SumcheckProof {
    /// The rounds, first variable first.
    pub rounds: Vec<RoundProof>,
}

/// Proof of knowledge of an opening (x, r) of C = x G_val + r H
/// (Schnorr-style, two responses).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnowledgeProof {
    /// t1 G_val + t2 H.
    pub alpha: Pt,
    /// t1 + c x.
    #[serde(with = "serde_scalar")]
    pub z1: Fr,
    /// t2 + c r.
    #[serde(with = "serde_scalar")]
    pub z2: Fr,
}

/// Proof that Z commits to the product of the values committed in X and Y
/// (Hyrax, appendix A; Spartan section 6).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductProof {
    /// b1 G_val + b2 H.
    pub alpha: Pt,
    /// b3 G_val + b4 H.
    pub beta: Pt,
    /// b3 X + b5 H.
    pub delta: Pt,
    /// Responses z1..z5.
    #[serde(with = "five_scalars")]
    pub z: [Fr; 5],
}

/// Proof that a point D (a public linear combination of commitments) is a
/// multiple of H, i.e. commits to zero: how two commitments are shown to
/// hold the same value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EqualityProof {
    /// t H.
    pub alpha: Pt,
    /// t + c s where D = s H.
    #[serde(with = "serde_scalar")]
    pub z: Fr,
}

mod five_scalars {
    use crate::encoding::scalar_from_bytes;
    use crate::field::Fr;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(z: &[Fr; 5], s: S) -> Result<S::Ok, S::Error> {
        let b: [[u8; 32]; 5] = z.map(|x| x.to_bytes());
        b.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[Fr; 5], D::Error> {
        let b: [[u8; 32]; 5] = Deserialize::deserialize(d)?;
        let mut out = [Fr::ZERO; 5];
        for (o, bi) in out.iter_mut().zip(&b) {
            *o = scalar_from_bytes(bi).map_err(serde::de::Error::custom)?;
        }
        Ok(out)
    }
}
