//! Shared by the benches: every NIZK backend through the `ProofSystem`
//! trait only, selected by a [`Backend`] value (as the configuration
//! selects it), so that both are measured on the same instance in the same
//! run and no bench reaches past the trait.

// Each bench uses the part it needs.
#![allow(dead_code)]

use merlin::Transcript;
use std::time::{Duration, Instant};
use zkagg_zk::proof_system::{self, AnyProvingKey, AnyVerifyingKey, Backend, KeyDigest};
use zkagg_zk::r1cs::{Circuit, R1csShape, ShapeBuilder};
use zkagg_zk::Fr;

/// Both backends, in report order: the reference first.
pub const BACKENDS: [Backend; 2] = [Backend::Libspartan, Backend::HyraxSpartan];

/// The shape a circuit builds.
pub fn shape_of<C: Circuit>(c: &C) -> R1csShape {
    let mut sb = ShapeBuilder::new();
    c.synthesize(&mut sb).expect("shape");
    sb.finish()
}

/// One backend set up on one shape, with one proof made and checked (and
/// the times of those first runs).
pub struct Ready {
    /// The backend.
    pub backend: Backend,
    /// Its proving key.
    pub pk: AnyProvingKey,
    /// Its verifying key.
    pub vk: AnyVerifyingKey,
    /// An honest proof.
    pub proof: Vec<u8>,
    /// Its public inputs.
    pub inputs: Vec<Fr>,
    /// Setup time.
    pub setup: Duration,
    /// First prove (witness generation included).
    pub prove: Duration,
    /// First verify (decoding included).
    pub verify: Duration,
}

impl Ready {
    /// Sets up `shape` with `backend`, proves `circuit` once and verifies
    /// the proof; `t` makes the transcript both sides start from.
    pub fn new<C: Circuit>(
        backend: Backend,
        shape: &R1csShape,
        circuit: &C,
        t: impl Fn() -> Transcript,
    ) -> Self {
        let start = Instant::now();
        let (pk, vk) = proof_system::setup(backend, shape).expect("setup");
        let setup = start.elapsed();
        let start = Instant::now();
        let (proof, inputs) = pk.prove(circuit, &mut t()).expect("prove");
        let prove = start.elapsed();
        let start = Instant::now();
        vk.verify(&proof, &inputs, &mut t()).expect("verify");
        let verify = start.elapsed();
        Ready {
            backend,
            pk,
            vk,
            proof,
            inputs,
            setup,
            prove,
            verify,
        }
    }

    /// Prints sizes and the first runs' times to stderr.
    pub fn report(&self, name: &str, shape: &R1csShape) {
        let digest: String = self.vk.digest()[..4]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        eprintln!(
            "{name} [{}]: {} constraints, {} witnesses; proof {} B; vk digest {digest}..; setup {:.2?}, first prove {:.2?}, first verify {:.2?}",
            self.backend.id(),
            shape.num_cons,
            shape.num_vars,
            self.proof.len(),
            self.setup,
            self.prove,
            self.verify
        );
    }
}

/// A short name of a backend for report keys and tables.
pub fn label(backend: Backend) -> &'static str {
    match backend {
        Backend::Libspartan => "libspartan",
        Backend::HyraxSpartan => "hyrax-spartan",
        _ => backend.id(),
    }
}
