//! The NIZK proof message. It carries commitments, Sigma proofs and
//! sum-check rounds only: no claimed evaluation (A z, B z, C z at rx, the
//! witness at ry) is ever serialised.

use crate::hyrax::{OpeningProof, PolyCommitment, Pt};
use crate::sumcheck::{EqualityProof, KnowledgeProof, ProductProof, SumcheckProof};
use serde::{Deserialize, Serialize};

/// A Spartan NIZK proof over Hyrax commitments.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NizkProof {
    /// Hyrax row commitments to the witness.
    pub comm_w: PolyCommitment,
    /// Outer sum-check of eq(tau, x) (Az(x) Bz(x) - Cz(x)), degree 3.
    pub outer: SumcheckProof,
    /// Commitments to Az~(rx), Bz~(rx), Cz~(rx) and Az~(rx) Bz~(rx).
    pub comm_abc: [Pt; 4],
    /// Knowledge of the opening of the Cz~(rx) commitment.
    pub pok_c: KnowledgeProof,
    /// The product of the Az and Bz claims.
    pub prod: ProductProof,
    /// The outer sum-check's final claim equals eq(tau, rx) (AB - C).
    pub eq_outer: EqualityProof,
    /// Inner sum-check of (r_A A~ + r_B B~ + r_C C~)(rx, y) z~(y), degree 2.
    pub inner: SumcheckProof,
    /// Commitment to w~(ry[1..]).
    pub comm_w_eval: Pt,
    /// Hyrax opening of the witness commitment at ry[1..] to that value.
    pub open_w: OpeningProof,
    /// The inner sum-check's final claim equals M(rx, ry) z~(ry).
    pub eq_inner: EqualityProof,
}
