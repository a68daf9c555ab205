//! zkagg's own backend: the Spartan NIZK of [`crate::nizk`] behind
//! [`ProofSystem`]. Prover randomness and verifier weights come from the
//! operating system's RNG; the seeded twins are
//! [`ProvingKey::prove_with_rng`] and [`VerifyingKey::verify_with_rng`].

use super::{KeyDigest, ProofSystem};
use crate::error::ProofError;
use crate::field::Fr;
use crate::nizk::{self, NizkProof, ProvingKey, VerifyingKey};
use crate::r1cs::R1csShape;
use merlin::Transcript;
use rand_core::OsRng;

/// Spartan over Hyrax commitments, written for zkagg.
#[derive(Clone, Copy, Debug)]
pub struct HyraxSpartan;

impl KeyDigest for VerifyingKey {
    fn digest(&self) -> [u8; 32] {
        VerifyingKey::digest(self)
    }
}

impl ProofSystem for HyraxSpartan {
    const ID: &'static str = "zkagg-hyrax-spartan-v1";
    type ProvingKey = ProvingKey;
    type VerifyingKey = VerifyingKey;
    type Proof = NizkProof;

    fn setup(shape: &R1csShape) -> Result<(ProvingKey, VerifyingKey), ProofError> {
        Ok(nizk::setup(shape)?)
    }

    fn prove_assignment(
        pk: &ProvingKey,
        witness: &[Fr],
        inputs: &[Fr],
        transcript: &mut Transcript,
    ) -> Result<NizkProof, ProofError> {
        Ok(pk.prove_with_rng(witness, inputs, transcript, &mut OsRng)?)
    }

    fn encode_proof(proof: &NizkProof) -> Vec<u8> {
        proof.to_bytes()
    }

    fn decode_proof(vk: &VerifyingKey, bytes: &[u8]) -> Result<NizkProof, ProofError> {
        Ok(NizkProof::from_bytes(bytes, vk)?)
    }

    fn verify_proof(
        vk: &VerifyingKey,
        proof: &NizkProof,
        inputs: &[Fr],
        transcript: &mut Transcript,
    ) -> Result<(), ProofError> {
        Ok(vk.verify(proof, inputs, transcript)?)
    }
}
