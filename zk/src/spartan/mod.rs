//! The Spartan backend: lowering R1CS shapes to Spartan instances, NIZK and
//! SNARK proving, and hardened verification.
//!
//! Relation: for a circuit shape (A, B, C) with n witness variables and m public
//! inputs, the prover knows w with (A z) o (B z) = C z for z = (w, 1, x).
//! Proofs are Spartan's (Setty, "Spartan: Efficient and general-purpose
//! zkSNARKs without trusted setup", CRYPTO 2020), crate `spartan` 0.9: the
//! NIZK mode (verifier linear in the circuit size, no preprocessing) and the
//! SNARK mode (preprocessed computation commitment, sublinear verifier). The
//! SNARK preprocessing is computed once per circuit shape and may be cached on
//! disk, keyed by the shape digest.
//!
//! Transcript binding: before Spartan sees the caller's merlin transcript we
//! append the domain separator, the shape digest and every public input
//! (Spartan 0.9 itself does not absorb the public inputs).
//!
//! Hardening (Spartan 0.9's verifier panics on some malformed proofs):
//! proof bytes are size-capped before decoding; trailing bytes and encodings
//! that do not re-encode identically are rejected; every scalar inside the
//! proof must be canonical (Spartan serialises its scalars as raw Montgomery
//! limbs, so this is checked by walking the proof); the claimed point lengths
//! of a NIZK must match the instance (otherwise the verifier would allocate
//! 2^len elements); and the verifier call itself runs under `catch_unwind`, a
//! panic becoming [`ProofError::VerifierPanicked`].
//!
//! Not audited.

mod inspect;

use crate::encoding;
use crate::error::{EncodingError, ProofError};
use crate::field::Fr;
use crate::r1cs::{Circuit, R1csShape, ShapeBuilder, WitnessGenerator};
use crate::transcript::{labels, TranscriptProtocol};
use libspartan::{
    ComputationCommitment, ComputationDecommitment, InputsAssignment, Instance, NIZKGens,
    SNARKGens, VarsAssignment, NIZK, SNARK,
};
use merlin::Transcript;
use serde::{Deserialize, Serialize};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// Largest proof encoding accepted (bytes). Spartan proofs for 2^24
/// constraints are well below this.
pub const MAX_PROOF_BYTES: usize = 4 << 20;

/// Sizes of a Spartan instance after padding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaddedSize {
    /// Constraints as synthesised.
    pub num_cons: usize,
    /// Witness variables as synthesised.
    pub num_vars: usize,
    /// Public inputs.
    pub num_inputs: usize,
    /// Constraints after padding to a power of two.
    pub num_cons_padded: usize,
    /// Variables after padding to a power of two (at least inputs + 1).
    pub num_vars_padded: usize,
    /// Largest non-zero count of A, B, C.
    pub max_nnz: usize,
}

impl PaddedSize {
    fn of(shape: &R1csShape) -> Self {
        PaddedSize {
            num_cons: shape.num_cons,
            num_vars: shape.num_vars,
            num_inputs: shape.num_inputs,
            num_cons_padded: shape.num_cons.max(2).next_power_of_two(),
            num_vars_padded: shape.num_vars.max(shape.num_inputs + 1).next_power_of_two(),
            max_nnz: shape.max_nnz(),
        }
    }
}

/// A circuit shape lowered to a Spartan instance.
pub struct SpartanInstance {
    inst: Instance,
    size: PaddedSize,
    digest: [u8; 32],
}

impl SpartanInstance {
    /// Lowers a shape to a Spartan instance.
    pub fn from_shape(shape: &R1csShape) -> Result<Self, ProofError> {
        let conv = |m: &[(usize, usize, Fr)]| -> Vec<(usize, usize, [u8; 32])> {
            m.iter().map(|(r, c, v)| (*r, *c, v.to_bytes())).collect()
        };
        let size = PaddedSize::of(shape);
        let inst = Instance::new(
            size.num_cons_padded,
            shape.num_vars,
            shape.num_inputs,
            &conv(&shape.a),
            &conv(&shape.b),
            &conv(&shape.c),
        )
        .map_err(|e| ProofError::Backend(format!("{e:?}")))?;
        Ok(SpartanInstance {
            inst,
            size,
            digest: shape.digest(),
        })
    }

    /// Synthesises `circuit` on the shape backend and lowers it.
    pub fn from_circuit<C: Circuit>(circuit: &C) -> Result<Self, ProofError> {
        let mut sb = ShapeBuilder::new();
        circuit.synthesize(&mut sb)?;
        Self::from_shape(&sb.finish())
    }

    /// The padded sizes.
    pub fn size(&self) -> PaddedSize {
        self.size
    }

    /// The shape digest.
    pub fn digest(&self) -> [u8; 32] {
        self.digest
    }

    /// Checks an assignment with Spartan's own satisfiability check.
    pub fn is_sat(&self, witness: &[Fr], inputs: &[Fr]) -> Result<bool, ProofError> {
        let (vars, ins) = self.assignments(witness, inputs)?;
        self.inst
            .is_sat(&vars, &ins)
            .map_err(|e| ProofError::Backend(format!("{e:?}")))
    }

    fn assignments(
        &self,
        witness: &[Fr],
        inputs: &[Fr],
    ) -> Result<(VarsAssignment, InputsAssignment), ProofError> {
        if witness.len() != self.size.num_vars {
            return Err(ProofError::ShapeMismatch(format!(
                "witness has {} variables, shape has {}",
                witness.len(),
                self.size.num_vars
            )));
        }
        let ins = self.inputs_assignment(inputs)?;
        let vars = VarsAssignment::new(&to_spartan_bytes(witness))
            .map_err(|e| ProofError::Backend(format!("{e:?}")))?;
        Ok((vars, ins))
    }

    /// The public inputs alone, as Spartan wants them (the verifier needs no
    /// witness-sized buffer).
    fn inputs_assignment(&self, inputs: &[Fr]) -> Result<InputsAssignment, ProofError> {
        inputs_assignment(&self.size, inputs)
    }

    fn check_inputs(&self, inputs: &[Fr]) -> Result<(), ProofError> {
        check_inputs(&self.size, inputs)
    }

    fn bind(&self, transcript: &mut Transcript, inputs: &[Fr]) {
        bind(transcript, &self.digest, inputs);
    }
}

fn check_inputs(size: &PaddedSize, inputs: &[Fr]) -> Result<(), ProofError> {
    if inputs.len() != size.num_inputs {
        return Err(ProofError::WrongInputCount {
            expected: size.num_inputs,
            got: inputs.len(),
        });
    }
    Ok(())
}

/// The public inputs alone, as Spartan wants them, after the count check.
fn inputs_assignment(size: &PaddedSize, inputs: &[Fr]) -> Result<InputsAssignment, ProofError> {
    check_inputs(size, inputs)?;
    InputsAssignment::new(&to_spartan_bytes(inputs))
        .map_err(|e| ProofError::Backend(format!("{e:?}")))
}

fn to_spartan_bytes(xs: &[Fr]) -> Vec<[u8; 32]> {
    xs.iter().map(|x| x.to_bytes()).collect()
}

/// Binds the caller's transcript to the shape and the public inputs before
/// Spartan sees it (Spartan 0.9 does not absorb public inputs itself).
fn bind(transcript: &mut Transcript, digest: &[u8; 32], inputs: &[Fr]) {
    transcript.domain_sep(labels::DS_SPARTAN);
    transcript.append_message(labels::SHAPE, digest);
    transcript.append_scalars(labels::PUBLIC_INPUT, inputs);
}

/// Generates the witness of `circuit`, checking every constraint. Returns
/// (witness, public inputs) or the first unsatisfied constraint.
pub fn generate_witness<C: Circuit>(circuit: &C) -> Result<(Vec<Fr>, Vec<Fr>), ProofError> {
    let mut wg = WitnessGenerator::new();
    circuit.synthesize(&mut wg)?;
    if let Some((index, gadget)) = wg.first_failure() {
        return Err(ProofError::Unsatisfied {
            index: *index,
            gadget: gadget.clone(),
        });
    }
    Ok(wg.into_assignment())
}

fn contain<T>(f: impl FnOnce() -> T) -> Result<T, ProofError> {
    quiet_panics();
    QUIET.with(|q| q.set(true));
    let r = catch_unwind(AssertUnwindSafe(f));
    QUIET.with(|q| q.set(false));
    r.map_err(|p| {
        let msg = p
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| p.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "non-string panic".into());
        ProofError::VerifierPanicked(msg)
    })
}

thread_local! {
    static QUIET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Installs (once) a panic hook that stays silent for panics contained by
/// [`contain`] on the calling thread and defers to the previous hook otherwise.
fn quiet_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !QUIET.with(|q| q.get()) {
                prev(info);
            }
        }));
    });
}

/// Decodes a Spartan proof object from bytes with every hardening check.
fn decode_proof<T: Serialize + serde::de::DeserializeOwned>(
    bytes: &[u8],
) -> Result<(T, inspect::Inspector), ProofError> {
    let proof: T = contain(|| encoding::from_bytes_capped::<T>(bytes, MAX_PROOF_BYTES))??;
    let ins = inspect::inspect(&proof).map_err(|e| EncodingError::Malformed(e.0))?;
    if ins.non_canonical {
        return Err(EncodingError::NonCanonicalScalar.into());
    }
    Ok((proof, ins))
}

/// Public parameters of the NIZK mode for one circuit shape.
pub struct NizkParams {
    inst: SpartanInstance,
    gens: NIZKGens,
}

/// A Spartan NIZK proof.
pub struct NizkProof(NIZK);

impl NizkProof {
    /// Canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        encoding::to_bytes(&self.0).expect("postcard encoding of an in-memory proof cannot fail")
    }

    /// Decodes with size cap, canonicity and trailing-byte checks. The point
    /// lengths are checked against the instance at verification.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProofError> {
        let (p, _) = decode_proof::<NIZK>(bytes)?;
        Ok(NizkProof(p))
    }
}

impl NizkParams {
    /// Sets up the NIZK for a circuit (shape synthesis, lowering, generators).
    pub fn setup<C: Circuit>(circuit: &C) -> Result<Self, ProofError> {
        Ok(Self::from_instance(SpartanInstance::from_circuit(circuit)?))
    }

    /// Wraps an already-lowered instance.
    pub fn from_instance(inst: SpartanInstance) -> Self {
        let s = inst.size;
        let gens = NIZKGens::new(s.num_cons_padded, s.num_vars_padded, s.num_inputs);
        NizkParams { inst, gens }
    }

    /// The instance.
    pub fn instance(&self) -> &SpartanInstance {
        &self.inst
    }

    /// Generates the witness (checked) and proves. Returns the proof and the public inputs.
    pub fn prove<C: Circuit>(
        &self,
        circuit: &C,
        transcript: &mut Transcript,
    ) -> Result<(NizkProof, Vec<Fr>), ProofError> {
        let (w, x) = generate_witness(circuit)?;
        let proof = self.prove_assignment(&w, &x, transcript)?;
        Ok((proof, x))
    }

    /// Proves for a given assignment (not checked: an unsatisfying assignment
    /// yields a proof that does not verify).
    pub fn prove_assignment(
        &self,
        witness: &[Fr],
        inputs: &[Fr],
        transcript: &mut Transcript,
    ) -> Result<NizkProof, ProofError> {
        let (vars, ins) = self.inst.assignments(witness, inputs)?;
        self.inst.bind(transcript, inputs);
        Ok(NizkProof(NIZK::prove(
            &self.inst.inst,
            vars,
            &ins,
            &self.gens,
            transcript,
        )))
    }

    /// Verifies a proof against public inputs, bound to `transcript`.
    pub fn verify(
        &self,
        proof: &NizkProof,
        inputs: &[Fr],
        transcript: &mut Transcript,
    ) -> Result<(), ProofError> {
        self.inst.check_inputs(inputs)?;
        // The claimed evaluation point must have the instance's dimensions.
        let ins = inspect::inspect(&proof.0).map_err(|e| EncodingError::Malformed(e.0))?;
        let want_rx = self.inst.size.num_cons_padded.trailing_zeros() as usize;
        let want_ry = (2 * self.inst.size.num_vars_padded).trailing_zeros() as usize;
        let r_lens: Vec<usize> = ins
            .seqs
            .iter()
            .filter(|(p, _)| p == "r")
            .map(|(_, l)| *l)
            .collect();
        if r_lens != [want_rx, want_ry] {
            return Err(ProofError::Rejected(format!(
                "claimed point lengths {r_lens:?}, expected [{want_rx}, {want_ry}]"
            )));
        }
        if ins.non_canonical {
            return Err(EncodingError::NonCanonicalScalar.into());
        }
        let x = self.inst.inputs_assignment(inputs)?;
        self.inst.bind(transcript, inputs);
        contain(|| proof.0.verify(&self.inst.inst, &x, transcript, &self.gens))?
            .map_err(|e| ProofError::Rejected(format!("{e:?}")))
    }

    /// Decodes and verifies proof bytes.
    pub fn verify_bytes(
        &self,
        bytes: &[u8],
        inputs: &[Fr],
        transcript: &mut Transcript,
    ) -> Result<(), ProofError> {
        self.verify(&NizkProof::from_bytes(bytes)?, inputs, transcript)
    }
}

/// The SNARK verifier key: generators and the computation commitment.
#[derive(Serialize, Deserialize)]
pub struct SnarkVerifierKey {
    size: PaddedSize,
    digest: [u8; 32],
    gens: SNARKGens,
    comm: ComputationCommitment,
}

/// SNARK proving parameters: the instance, its verifier key and the decommitment.
pub struct SnarkParams {
    inst: SpartanInstance,
    vk: SnarkVerifierKey,
    decomm: ComputationDecommitment,
}

#[derive(Serialize, Deserialize)]
struct SnarkCacheFile {
    version: u32,
    vk: SnarkVerifierKey,
    decomm: ComputationDecommitment,
}

const SNARK_CACHE_VERSION: u32 = 1;

/// A Spartan SNARK proof.
pub struct SnarkProof(SNARK);

impl SnarkProof {
    /// Canonical encoding.
    pub fn to_bytes(&self) -> Vec<u8> {
        encoding::to_bytes(&self.0).expect("postcard encoding of an in-memory proof cannot fail")
    }

    /// Decodes with size cap, canonicity and trailing-byte checks.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ProofError> {
        let (p, _) = decode_proof::<SNARK>(bytes)?;
        Ok(SnarkProof(p))
    }
}

impl SnarkParams {
    /// Preprocesses a circuit for the SNARK (expensive: do it once per shape).
    pub fn setup<C: Circuit>(circuit: &C) -> Result<Self, ProofError> {
        Self::from_instance(SpartanInstance::from_circuit(circuit)?)
    }

    /// Preprocesses an already-lowered instance.
    pub fn from_instance(inst: SpartanInstance) -> Result<Self, ProofError> {
        let s = inst.size;
        let gens = SNARKGens::new(
            s.num_cons_padded,
            s.num_vars_padded,
            s.num_inputs,
            s.max_nnz.max(1),
        );
        let (comm, decomm) = SNARK::encode(&inst.inst, &gens);
        let vk = SnarkVerifierKey {
            size: s,
            digest: inst.digest,
            gens,
            comm,
        };
        Ok(SnarkParams { inst, vk, decomm })
    }

    /// Loads the preprocessing for `circuit` from `dir` if a cache file for its
    /// shape digest exists there, otherwise computes it and writes the file.
    /// The file name is the hex shape digest; a file whose recorded digest or
    /// sizes differ from the circuit's is ignored and rewritten.
    pub fn load_or_create<C: Circuit>(circuit: &C, dir: &Path) -> Result<Self, ProofError> {
        let inst = SpartanInstance::from_circuit(circuit)?;
        let path = Self::cache_path(dir, &inst.digest);
        if let Ok(bytes) = std::fs::read(&path) {
            if let Ok(file) = postcard::from_bytes::<SnarkCacheFile>(&bytes) {
                if file.version == SNARK_CACHE_VERSION
                    && file.vk.digest == inst.digest
                    && file.vk.size == inst.size
                {
                    return Ok(SnarkParams {
                        inst,
                        vk: file.vk,
                        decomm: file.decomm,
                    });
                }
            }
        }
        let params = Self::from_instance(inst)?;
        params.save(dir)?;
        Ok(params)
    }

    fn cache_path(dir: &Path, digest: &[u8; 32]) -> PathBuf {
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        dir.join(format!("spartan-snark-{hex}.bin"))
    }

    /// Writes the preprocessing to `dir` (atomically, via a temporary file).
    pub fn save(&self, dir: &Path) -> Result<(), ProofError> {
        #[derive(Serialize)]
        struct Borrowed<'a> {
            version: u32,
            vk: &'a SnarkVerifierKey,
            decomm: &'a ComputationDecommitment,
        }
        let bytes = postcard::to_allocvec(&Borrowed {
            version: SNARK_CACHE_VERSION,
            vk: &self.vk,
            decomm: &self.decomm,
        })
        .map_err(|e| ProofError::Cache(e.to_string()))?;
        std::fs::create_dir_all(dir).map_err(|e| ProofError::Cache(e.to_string()))?;
        let path = Self::cache_path(dir, &self.inst.digest);
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        std::fs::write(&tmp, bytes).map_err(|e| ProofError::Cache(e.to_string()))?;
        std::fs::rename(&tmp, &path).map_err(|e| ProofError::Cache(e.to_string()))
    }

    /// The verifier key.
    pub fn verifier_key(&self) -> &SnarkVerifierKey {
        &self.vk
    }

    /// The instance.
    pub fn instance(&self) -> &SpartanInstance {
        &self.inst
    }

    /// Generates the witness (checked) and proves.
    pub fn prove<C: Circuit>(
        &self,
        circuit: &C,
        transcript: &mut Transcript,
    ) -> Result<(SnarkProof, Vec<Fr>), ProofError> {
        let (w, x) = generate_witness(circuit)?;
        let proof = self.prove_assignment(&w, &x, transcript)?;
        Ok((proof, x))
    }

    /// Proves for a given assignment.
    pub fn prove_assignment(
        &self,
        witness: &[Fr],
        inputs: &[Fr],
        transcript: &mut Transcript,
    ) -> Result<SnarkProof, ProofError> {
        let (vars, ins) = self.inst.assignments(witness, inputs)?;
        self.inst.bind(transcript, inputs);
        Ok(SnarkProof(SNARK::prove(
            &self.inst.inst,
            &self.vk.comm,
            &self.decomm,
            vars,
            &ins,
            &self.vk.gens,
            transcript,
        )))
    }
}

impl SnarkVerifierKey {
    /// The padded sizes.
    pub fn size(&self) -> PaddedSize {
        self.size
    }

    /// Verifies a SNARK proof against public inputs, bound to `transcript`.
    pub fn verify(
        &self,
        proof: &SnarkProof,
        inputs: &[Fr],
        transcript: &mut Transcript,
    ) -> Result<(), ProofError> {
        let x = inputs_assignment(&self.size, inputs)?;
        bind(transcript, &self.digest, inputs);
        contain(|| proof.0.verify(&self.comm, &x, transcript, &self.gens))?
            .map_err(|e| ProofError::Rejected(format!("{e:?}")))
    }

    /// Decodes and verifies proof bytes.
    pub fn verify_bytes(
        &self,
        bytes: &[u8],
        inputs: &[Fr],
        transcript: &mut Transcript,
    ) -> Result<(), ProofError> {
        self.verify(&SnarkProof::from_bytes(bytes)?, inputs, transcript)
    }
}

/// Spartan's synthetic instance of the given size, for benchmarks: returns
/// the raw instance, generators and a satisfying assignment, proven and
/// verified with Spartan's own API and no zkagg wrapping.
pub mod raw {
    pub use libspartan::{InputsAssignment, Instance, NIZKGens, VarsAssignment, NIZK};
}

#[cfg(test)]
mod tests;
