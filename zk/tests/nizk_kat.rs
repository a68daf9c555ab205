//! Known-answer transcripts of the Hyrax-Spartan NIZK: seeded proofs on
//! fixed circuits with their verifying-key digests, proof hashes and the
//! verifier's main challenges, as versioned JSON
//! (`tests/vectors/nizk/kat_v3.json`), including mutations that must fail.
//! These are regression vectors of this implementation (they pin the
//! transcript and encoding formats); there is no independent reference.
//!
//! Regenerate after a deliberate format change (and bump the version):
//! `ZKAGG_WRITE_KAT=1 cargo test -p zkagg-zk --test nizk_kat`.
//! Version 2: the verifying-key digest (domain `zkagg/nizk/vk/v2`) binds the
//! row layout of [`nizk::structured::aligned_row_layout`], which renumbers
//! the rows of the bounded-update vectors (Poseidon blocks padded to 512).
//! Version 3: the digest (domain `zkagg/nizk/vk/v3`) also binds the witness
//! layout of [`nizk::structured::aligned_col_layout`] (the Poseidon
//! permutations' 437 variables padded to 512 columns where they fit).

use merlin::Transcript;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zkagg_zk::circuits::RangeCheckCircuit;
use zkagg_zk::hyrax::BatchCheck;
use zkagg_zk::nizk::{self, NizkProof};
use zkagg_zk::r1cs::{Circuit, R1csShape, ShapeBuilder};
use zkagg_zk::spartan::generate_witness;
use zkagg_zk::update::{BoundedUpdateCircuit, BoundedUpdateWitness};
use zkagg_zk::Fr;

const PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/nizk/kat_v3.json"
);

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct File {
    version: u32,
    backend: String,
    transcript_label: String,
    vectors: Vec<Vector>,
}

#[derive(Serialize, Deserialize, Debug, PartialEq)]
struct Vector {
    circuit: String,
    d: usize,
    seed: u64,
    vk_digest: String,
    inputs: Vec<String>,
    proof_len: usize,
    proof_sha256: String,
    tau: Vec<String>,
    rx: Vec<String>,
    ry: Vec<String>,
    r_abc: Vec<String>,
    /// Byte positions whose flip (XOR 0x01) must make verification fail.
    must_fail_flips: Vec<usize>,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn hexs(v: &[Fr]) -> Vec<String> {
    v.iter().map(|x| hex(x.as_bytes())).collect()
}

fn shape_of<C: Circuit>(c: &C) -> R1csShape {
    let mut sb = ShapeBuilder::new();
    c.synthesize(&mut sb).unwrap();
    sb.finish()
}

fn transcript() -> Transcript {
    Transcript::new(b"zkagg/kat/nizk/v1")
}

fn make<C: Circuit>(name: &str, d: usize, seed: u64, shape: &C, c: &C) -> Vector {
    let (pk, vk) = nizk::setup(&shape_of(shape)).unwrap();
    let (w, x) = generate_witness(c).unwrap();
    let proof = pk
        .prove_with_rng(
            &w,
            &x,
            &mut transcript(),
            &mut ChaCha20Rng::seed_from_u64(seed),
        )
        .unwrap();
    let bytes = proof.to_bytes();
    let mut batch = BatchCheck::new(vk.generators(), ChaCha20Rng::seed_from_u64(0));
    let ch = vk
        .verify_into(&proof, &x, &mut transcript(), &mut batch)
        .unwrap();
    assert!(batch.verify());
    let flips = vec![0, 31, 32, bytes.len() / 2, bytes.len() - 1];
    for &i in &flips {
        let mut m = bytes.clone();
        m[i] ^= 1;
        assert!(vk.verify_bytes(&m, &x, &mut transcript()).is_err());
    }
    assert!(NizkProof::from_bytes(&bytes, &vk).is_ok());
    Vector {
        circuit: name.into(),
        d,
        seed,
        vk_digest: hex(&vk.digest()),
        inputs: hexs(&x),
        proof_len: bytes.len(),
        proof_sha256: hex(&Sha256::digest(&bytes)),
        tau: hexs(&ch.tau),
        rx: hexs(&ch.rx),
        ry: hexs(&ch.ry),
        r_abc: hexs(&ch.r_abc),
        must_fail_flips: flips,
    }
}

fn generate() -> File {
    let range = |d: usize| {
        let values: Vec<i64> = (0..d as i64).map(|i| (i * 7919) % 16 - 8).collect();
        (
            RangeCheckCircuit::shape(d, 4),
            RangeCheckCircuit {
                d,
                bits: 4,
                values: Some(values),
            },
        )
    };
    let update = |d: usize| {
        let w = BoundedUpdateWitness {
            delta: (0..d as i64).map(|i| i * 1000 - 500).collect(),
            beta: Fr::from(12345u64),
            salt: Fr::from(678u64),
        };
        (
            BoundedUpdateCircuit::shape(d, 16),
            BoundedUpdateCircuit::honest(16, w, Fr::from(31337u64)),
        )
    };
    let mut vectors = Vec::new();
    for (d, seed) in [(1usize, 1u64), (3, 2)] {
        let (s, c) = range(d);
        vectors.push(make("range_check_4bit", d, seed, &s, &c));
    }
    let (s, c) = update(2);
    vectors.push(make("bounded_update_16bit", 2, 3, &s, &c));
    File {
        version: 3,
        backend: zkagg_zk::proof_system::HyraxSpartan::ID.into(),
        transcript_label: "zkagg/kat/nizk/v1".into(),
        vectors,
    }
}

use zkagg_zk::proof_system::ProofSystem;

#[test]
fn known_answer_transcripts_match() {
    let got = generate();
    if std::env::var_os("ZKAGG_WRITE_KAT").is_some() {
        std::fs::write(PATH, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
    }
    let want: File = serde_json::from_str(&std::fs::read_to_string(PATH).unwrap()).unwrap();
    assert_eq!(want.version, 3);
    assert_eq!(got, want);
}
