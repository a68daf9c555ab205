//! Peak memory (max RSS) of proving and verifying the 16-bit range check at
//! d = 100,000 (2^21 constraints) for both [`ProofSystem`] backends, each
//! phase in a child process of its own (Linux only: it reads `VmHWM` from
//! `/proc/self/status` and resets it through `/proc/self/clear_refs`):
//! `cargo test --release -p zkagg-zk --test nizk_memory -- --ignored --nocapture max_rss`
//! (`ZKAGG_RSS_D` sets d; default 100,000).
//!
//! Each child sets up the keys, then resets the peak, then runs the phase:
//! "phase peak" is the most resident memory during the phase (keys and
//! inputs included), "peak before the phase" the most during setup and
//! witness generation.
//!
//! Measured (2 cores, 2026-12-02, witness-column layout in): prove 626 MB
//! ours against 1,554 MB libspartan, verify 147 MB against 599 MB.

use merlin::Transcript;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::process::Command;
use zkagg_zk::circuits::RangeCheckCircuit;
use zkagg_zk::proof_system::{HyraxSpartan, Libspartan, ProofSystem};
use zkagg_zk::r1cs::{Circuit, ShapeBuilder};
use zkagg_zk::spartan::generate_witness;

const ROLE: &str = "ZKAGG_RSS_ROLE";
const PROOF: &str = "ZKAGG_RSS_PROOF";

fn status_kb(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn reset_peak() {
    // "5" resets the peak resident set size (Linux >= 4.0).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

fn d() -> usize {
    std::env::var("ZKAGG_RSS_D")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000)
}

fn run_child<P: ProofSystem>(phase: &str, proof_path: &str) {
    let d = d();
    let mut sb = ShapeBuilder::new();
    RangeCheckCircuit::shape(d, 16).synthesize(&mut sb).unwrap();
    let shape = sb.finish();
    let (pk, vk) = P::setup(&shape).unwrap();
    drop(shape);
    let mut rng = ChaCha20Rng::seed_from_u64(42);
    let c = RangeCheckCircuit {
        d,
        bits: 16,
        values: Some((0..d).map(|_| rng.gen_range(-32768..32768)).collect()),
    };
    let (w, x) = generate_witness(&c).unwrap();
    let setup_peak = status_kb("VmHWM:");
    match phase {
        "prove" => {
            drop(vk);
            reset_peak();
            let p = P::prove_assignment(&pk, &w, &x, &mut Transcript::new(b"rss")).unwrap();
            let phase_peak = status_kb("VmHWM:");
            std::fs::write(proof_path, P::encode_proof(&p)).unwrap();
            println!("RSS {} prove: phase peak {phase_peak} kB", P::ID);
        }
        _ => {
            let bytes = std::fs::read(proof_path).unwrap();
            drop((pk, w));
            reset_peak();
            P::verify(&vk, &bytes, &x, &mut Transcript::new(b"rss")).unwrap();
            let phase_peak = status_kb("VmHWM:");
            println!("RSS {} verify: phase peak {phase_peak} kB", P::ID);
        }
    }
    println!(
        "RSS {} {phase}: peak before the phase (setup) {setup_peak} kB",
        P::ID
    );
}

/// The child's entry point (does nothing unless started by `max_rss`).
#[test]
#[ignore = "run by max_rss in a child process"]
fn rss_child() {
    let (Ok(role), Ok(path)) = (std::env::var(ROLE), std::env::var(PROOF)) else {
        return;
    };
    match role.split_once(':') {
        Some(("ours", phase)) => run_child::<HyraxSpartan>(phase, &path),
        Some(("libspartan", phase)) => run_child::<Libspartan>(phase, &path),
        _ => panic!("unknown role {role}"),
    }
}

#[test]
#[ignore = "slow: a measurement at 2^21 in child processes, use --release"]
fn max_rss() {
    let exe = std::env::current_exe().unwrap();
    for backend in ["ours", "libspartan"] {
        let path =
            std::env::temp_dir().join(format!("zkagg-rss-{}-{backend}.proof", std::process::id()));
        for phase in ["prove", "verify"] {
            let out = Command::new(&exe)
                .args(["--ignored", "--exact", "rss_child", "--nocapture"])
                .env(ROLE, format!("{backend}:{phase}"))
                .env(PROOF, &path)
                .output()
                .unwrap();
            assert!(out.status.success(), "{backend} {phase} failed");
            for line in String::from_utf8_lossy(&out.stdout).lines() {
                if line.starts_with("RSS ") {
                    eprintln!("d={}: {line}", d());
                }
            }
        }
        let _ = std::fs::remove_file(&path);
    }
}
