//! The reference backend: a thin adapter over [`crate::spartan`]'s NIZK
//! mode, whose behaviour (binding, hardening, panics contained) is unchanged.

use super::{KeyDigest, ProofSystem};
use crate::error::ProofError;
use crate::field::Fr;
use crate::r1cs::R1csShape;
use crate::spartan::{NizkParams, NizkProof, SpartanInstance};
use merlin::Transcript;
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// libspartan 0.9's NIZK behind [`ProofSystem`].
#[derive(Clone, Copy, Debug)]
pub struct Libspartan;

/// Key of the libspartan backend (prover and verifier share the parameters).
#[derive(Clone)]
pub struct LibspartanKey {
    params: Arc<NizkParams>,
    digest: [u8; 32],
}

impl core::fmt::Debug for LibspartanKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LibspartanKey")
            .field("size", &self.params.instance().size())
            .field("digest", &self.digest)
            .finish()
    }
}

impl LibspartanKey {
    /// The wrapped parameters.
    pub fn params(&self) -> &NizkParams {
        &self.params
    }
}

impl KeyDigest for LibspartanKey {
    fn digest(&self) -> [u8; 32] {
        self.digest
    }
}

impl ProofSystem for Libspartan {
    const ID: &'static str = "libspartan-0.9-nizk";
    type ProvingKey = LibspartanKey;
    type VerifyingKey = LibspartanKey;
    type Proof = NizkProof;

    fn setup(shape: &R1csShape) -> Result<(LibspartanKey, LibspartanKey), ProofError> {
        let inst = SpartanInstance::from_shape(shape)?;
        let mut h = Sha256::new();
        h.update(b"zkagg/proof-system/libspartan/v1");
        h.update(inst.digest());
        let key = LibspartanKey {
            digest: h.finalize().into(),
            params: Arc::new(NizkParams::from_instance(inst)),
        };
        Ok((key.clone(), key))
    }

    fn prove_assignment(
        pk: &LibspartanKey,
        witness: &[Fr],
        inputs: &[Fr],
        transcript: &mut Transcript,
    ) -> Result<NizkProof, ProofError> {
        pk.params.prove_assignment(witness, inputs, transcript)
    }

    fn encode_proof(proof: &NizkProof) -> Vec<u8> {
        proof.to_bytes()
    }

    fn decode_proof(_vk: &LibspartanKey, bytes: &[u8]) -> Result<NizkProof, ProofError> {
        NizkProof::from_bytes(bytes)
    }

    fn verify_proof(
        vk: &LibspartanKey,
        proof: &NizkProof,
        inputs: &[Fr],
        transcript: &mut Transcript,
    ) -> Result<(), ProofError> {
        vk.params.verify(proof, inputs, transcript)
    }
}
