//! The proof-system extension point: one trait that every backend
//! implements, so the protocol and the benches name a backend only through
//! the configuration.
//!
//! Backends:
//! - [`Libspartan`]: the reference, a thin adapter over
//!   [`crate::spartan::NizkParams`] (behaviour unchanged).
//! - [`HyraxSpartan`]: zkagg's own Spartan NIZK ([`crate::nizk`]).
//!
//! [`Backend`] is the configuration value; [`AnyProvingKey`] and
//! [`AnyVerifyingKey`] dispatch on it for callers that select at run time.
//!
//! Statement binding is each backend's: both absorb a domain separator, the
//! key's shape digest and the public inputs into the caller's transcript
//! before any challenge. Proof bytes are decoded under a size cap with
//! canonical scalars and points and no trailing bytes.
//!
//! Not audited.

mod libspartan;
mod ours;

pub use libspartan::{Libspartan, LibspartanKey};
pub use ours::HyraxSpartan;

use crate::error::ProofError;
use crate::field::Fr;
use crate::r1cs::{Circuit, R1csShape};
use merlin::Transcript;
use serde::{Deserialize, Serialize};

/// A verifying key that names its statement by a short digest.
pub trait KeyDigest {
    /// SHA-256 of the key's shape description (bound into every transcript).
    fn digest(&self) -> [u8; 32];
}

/// A non-interactive proof system for R1CS shapes.
pub trait ProofSystem {
    /// Stable identifier of the backend (used in configs and reports).
    const ID: &'static str;
    /// What the prover needs for one shape.
    type ProvingKey: Send + Sync;
    /// What the verifier needs for one shape.
    type VerifyingKey: KeyDigest + Send + Sync;
    /// A proof.
    type Proof;

    /// Preprocesses a shape.
    fn setup(shape: &R1csShape) -> Result<(Self::ProvingKey, Self::VerifyingKey), ProofError>;

    /// Proves for an assignment (not checked: an unsatisfying assignment
    /// gives a proof that does not verify).
    fn prove_assignment(
        pk: &Self::ProvingKey,
        witness: &[Fr],
        inputs: &[Fr],
        transcript: &mut Transcript,
    ) -> Result<Self::Proof, ProofError>;

    /// Generates the witness of `circuit` (checked) and proves; returns the
    /// proof and the public inputs.
    fn prove<C: Circuit>(
        pk: &Self::ProvingKey,
        circuit: &C,
        transcript: &mut Transcript,
    ) -> Result<(Self::Proof, Vec<Fr>), ProofError> {
        let (w, x) = crate::spartan::generate_witness(circuit)?;
        // The witness is wiped when proving returns.
        let w = zeroize::Zeroizing::new(w);
        let p = Self::prove_assignment(pk, &w, &x, transcript)?;
        Ok((p, x))
    }

    /// The canonical encoding of a proof.
    fn encode_proof(proof: &Self::Proof) -> Vec<u8>;

    /// Decodes proof bytes for `vk` (size cap, canonical encodings).
    fn decode_proof(vk: &Self::VerifyingKey, bytes: &[u8]) -> Result<Self::Proof, ProofError>;

    /// Verifies a decoded proof.
    fn verify_proof(
        vk: &Self::VerifyingKey,
        proof: &Self::Proof,
        inputs: &[Fr],
        transcript: &mut Transcript,
    ) -> Result<(), ProofError>;

    /// Decodes and verifies proof bytes: an error on every malformed or
    /// invalid input, never a panic.
    fn verify(
        vk: &Self::VerifyingKey,
        proof: &[u8],
        inputs: &[Fr],
        transcript: &mut Transcript,
    ) -> Result<(), ProofError> {
        let p = Self::decode_proof(vk, proof)?;
        Self::verify_proof(vk, &p, inputs, transcript)
    }
}

/// The configured backend.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Backend {
    /// libspartan 0.9's NIZK (the reference).
    #[default]
    Libspartan,
    /// zkagg's own Spartan NIZK over Hyrax commitments.
    HyraxSpartan,
}

impl Backend {
    /// The backend's identifier.
    pub fn id(&self) -> &'static str {
        match self {
            Backend::Libspartan => Libspartan::ID,
            Backend::HyraxSpartan => HyraxSpartan::ID,
        }
    }
}

/// A proving key of whichever backend the configuration selects.
#[non_exhaustive]
pub enum AnyProvingKey {
    /// libspartan.
    Libspartan(<Libspartan as ProofSystem>::ProvingKey),
    /// Ours.
    HyraxSpartan(<HyraxSpartan as ProofSystem>::ProvingKey),
}

/// A verifying key of whichever backend the configuration selects.
#[non_exhaustive]
pub enum AnyVerifyingKey {
    /// libspartan.
    Libspartan(<Libspartan as ProofSystem>::VerifyingKey),
    /// Ours.
    HyraxSpartan(<HyraxSpartan as ProofSystem>::VerifyingKey),
}

/// Sets up `shape` with the configured backend.
pub fn setup(
    backend: Backend,
    shape: &R1csShape,
) -> Result<(AnyProvingKey, AnyVerifyingKey), ProofError> {
    Ok(match backend {
        Backend::Libspartan => {
            let (p, v) = Libspartan::setup(shape)?;
            (AnyProvingKey::Libspartan(p), AnyVerifyingKey::Libspartan(v))
        }
        Backend::HyraxSpartan => {
            let (p, v) = HyraxSpartan::setup(shape)?;
            (
                AnyProvingKey::HyraxSpartan(p),
                AnyVerifyingKey::HyraxSpartan(v),
            )
        }
    })
}

impl AnyProvingKey {
    /// The backend this key belongs to.
    pub fn backend(&self) -> Backend {
        match self {
            AnyProvingKey::Libspartan(_) => Backend::Libspartan,
            AnyProvingKey::HyraxSpartan(_) => Backend::HyraxSpartan,
        }
    }

    /// Proves for a ready assignment (not checked: an unsatisfying one gives
    /// a proof that does not verify); returns the proof bytes.
    pub fn prove_assignment(
        &self,
        witness: &[Fr],
        inputs: &[Fr],
        transcript: &mut Transcript,
    ) -> Result<Vec<u8>, ProofError> {
        match self {
            AnyProvingKey::Libspartan(pk) => Ok(Libspartan::encode_proof(
                &Libspartan::prove_assignment(pk, witness, inputs, transcript)?,
            )),
            AnyProvingKey::HyraxSpartan(pk) => Ok(HyraxSpartan::encode_proof(
                &HyraxSpartan::prove_assignment(pk, witness, inputs, transcript)?,
            )),
        }
    }

    /// Generates the witness and proves; returns the proof bytes and the public inputs.
    pub fn prove<C: Circuit>(
        &self,
        circuit: &C,
        transcript: &mut Transcript,
    ) -> Result<(Vec<u8>, Vec<Fr>), ProofError> {
        match self {
            AnyProvingKey::Libspartan(pk) => {
                let (p, x) = Libspartan::prove(pk, circuit, transcript)?;
                Ok((Libspartan::encode_proof(&p), x))
            }
            AnyProvingKey::HyraxSpartan(pk) => {
                let (p, x) = HyraxSpartan::prove(pk, circuit, transcript)?;
                Ok((HyraxSpartan::encode_proof(&p), x))
            }
        }
    }
}

impl AnyVerifyingKey {
    /// Decodes and verifies proof bytes.
    pub fn verify(
        &self,
        proof: &[u8],
        inputs: &[Fr],
        transcript: &mut Transcript,
    ) -> Result<(), ProofError> {
        match self {
            AnyVerifyingKey::Libspartan(vk) => Libspartan::verify(vk, proof, inputs, transcript),
            AnyVerifyingKey::HyraxSpartan(vk) => {
                HyraxSpartan::verify(vk, proof, inputs, transcript)
            }
        }
    }
}

impl KeyDigest for AnyVerifyingKey {
    fn digest(&self) -> [u8; 32] {
        match self {
            AnyVerifyingKey::Libspartan(vk) => vk.digest(),
            AnyVerifyingKey::HyraxSpartan(vk) => vk.digest(),
        }
    }
}

#[cfg(test)]
mod tests;
