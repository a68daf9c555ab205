//! `zkagg audit` on bulletin files of the in-process simulation: exit
//! codes, the party named, and the proof-of-contribution report, for people
//! and as JSON.

mod common;

use common::*;
use serde_json::Value;
use zkagg::aggregation::msgs::{Contribution, PartialSum, PublicMessage, ShareDelivery};
use zkagg::aggregation::sim::{Honest, Tamper};
use zkagg::aggregation::{AggregatorId, ProviderId};
use zkagg::zk::Fr;

/// Provider 1 posts a changed pi_link in every round.
struct BadLink;
impl Tamper for BadLink {
    fn contribution(&mut self, _r: u64, c: &mut Contribution, _d: &mut Vec<ShareDelivery>) {
        if c.provider == ProviderId(1) {
            c.link.t += Fr::ONE;
        }
    }
}

/// Aggregator 1 adds one to the first coordinate of its partial sum.
struct WrongPartialSum;
impl Tamper for WrongPartialSum {
    fn partial_sum(&mut self, p: &mut PartialSum) {
        if p.aggregator == AggregatorId(1) {
            p.sum[0] += Fr::ONE;
        }
    }
}

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn an_honest_run_passes_and_counts_every_provider() {
    let sim = simulate(2, &mut Honest);
    let (dir, cfg, b) = write_sim("honest", &sim);
    let (code, out, err) = audit(&cfg, &b, false);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(out.contains("verdict: PASS"), "{out}");
    assert!(
        out.contains("round 0: released, 3 accepted [0, 1, 2] [ok]"),
        "{out}"
    );
    let n = sim.bulletin().len();
    assert!(
        out.contains(&format!("{n} entries, 2 rounds closed")),
        "{out}"
    );
    assert!(
        out.contains(
            "    entries: header 0; accepted sets 4 (aggregator 0), 5 (aggregator 1); \
partial sums 6 (aggregator 0), 7 (aggregator 1); close 8"
        ),
        "{out}"
    );
    for i in 0..P {
        assert!(
            out.contains(&format!(
                "provider {i}: no registration; counted in rounds [0, 1]"
            )),
            "{out}"
        );
    }
    assert!(
        out.contains("final model (fixed-point weights): digest "),
        "{out}"
    );
    let (code, out, _) = audit(&cfg, &b, true);
    assert_eq!(code, Some(0));
    let v = json(&out);
    assert_eq!(v["ok"], true);
    assert_eq!(v["format"], 1);
    assert_eq!(v["rounds"].as_array().unwrap().len(), 2);
    assert_eq!(v["validity"], "public-proofs");
    assert_eq!(v["entries"], sim.bulletin().len());
    let model: Vec<i64> = serde_json::from_value(v["final_model"]["weights"].clone()).unwrap();
    assert_eq!(model, sim.model());
    for r in v["rounds"].as_array().unwrap() {
        assert!(r["audit_ms"].as_f64().unwrap() > 0.0);
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_cheating_provider_is_reported_rejected_with_the_reason() {
    let sim = simulate(1, &mut BadLink);
    let (dir, cfg, b) = write_sim("cheater", &sim);
    // The audit passes: the aggregators did their job.
    let (code, out, err) = audit(&cfg, &b, false);
    assert_eq!(code, Some(0), "{out}{err}");
    eprintln!("{out}");
    let contribution = sim
        .bulletin()
        .messages()
        .position(
            |(_, m)| matches!(m, PublicMessage::Contribution(c) if c.provider == ProviderId(1)),
        )
        .unwrap();
    let sets: Vec<usize> = sim
        .bulletin()
        .messages()
        .enumerate()
        .filter(|(_, (_, m))| matches!(m, PublicMessage::AcceptedSet(_)))
        .map(|(k, _)| k)
        .collect();
    let line = format!(
        "    round 0: rejected; contribution entry {contribution}; \
aggregator 0 rejected: pi_link rejected, confirmed by the record (entry {}); \
aggregator 1 rejected: pi_link rejected, confirmed by the record (entry {})",
        sets[0], sets[1]
    );
    assert!(out.contains(&line), "{line}\nnot in\n{out}");
    assert!(
        out.contains("provider 1: no registration; counted in rounds []"),
        "{out}"
    );
    assert!(
        out.contains("provider 0: no registration; counted in rounds [0]"),
        "{out}"
    );

    let (code, out, _) = audit(&cfg, &b, true);
    assert_eq!(code, Some(0));
    let v = json(&out);
    let p1 = &v["contributions"][1];
    assert_eq!(p1["provider"], 1);
    let r0 = &p1["rounds"][0];
    assert_eq!(r0["status"], "rejected");
    assert_eq!(r0["contribution"], contribution as u64);
    let decisions = r0["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), S);
    for (s, d) in decisions.iter().enumerate() {
        assert_eq!(d["aggregator"], s as u64);
        assert_eq!(d["entry"], sets[s] as u64);
        assert_eq!(d["decision"], "rejected");
        assert_eq!(d["reason"]["kind"], "link-rejected");
        assert_eq!(d["confirmed"], true);
    }
    assert_eq!(v["contributions"][0]["rounds"][0]["status"], "counted");
    assert_eq!(v["rounds"][0]["accepted"], serde_json::json!([0, 2]));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_wrong_partial_sum_fails_the_audit_and_names_the_aggregator() {
    let sim = simulate(1, &mut WrongPartialSum);
    let (dir, cfg, b) = write_sim("partial-sum", &sim);
    let (code, out, err) = audit(&cfg, &b, false);
    assert_eq!(code, Some(7), "{out}{err}");
    eprintln!("{out}");
    let close = sim.bulletin().len() - 1;
    assert!(
        out.contains(&format!("entry {close}, round 0: aggregator 1 to blame: posted a partial sum that does not open")),
        "{out}"
    );
    assert!(
        out.contains("verdict: FAIL (1 failure; first: aggregator 1"),
        "{out}"
    );
    assert!(out.contains("round 0: round-aborted (the partial sum of aggregator 1 does not open its commitments)"), "{out}");
    let (code, out, _) = audit(&cfg, &b, true);
    assert_eq!(code, Some(7));
    let v = json(&out);
    assert_eq!(v["ok"], false);
    let f = &v["failures"][0];
    assert_eq!(f["blame"]["role"], "aggregator");
    assert_eq!(f["blame"]["index"], 1);
    assert_eq!(f["fault"]["kind"], "partial-sum-invalid");
    assert_eq!(f["entry"], close);
    let _ = std::fs::remove_dir_all(dir);
}

/// Where `needle` first occurs in `hay`.
fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len()).position(|w| w == needle).unwrap()
}

#[test]
fn one_changed_byte_in_an_entry_names_the_coordinator_at_that_entry() {
    let sim = simulate(1, &mut Honest);
    let (dir, cfg, b) = write_sim("changed-byte", &sim);
    let mut bytes = std::fs::read(&b).unwrap();
    // A byte in the middle of provider 2's contribution.
    let k = sim
        .bulletin()
        .messages()
        .position(
            |(_, m)| matches!(m, PublicMessage::Contribution(c) if c.provider == ProviderId(2)),
        )
        .unwrap();
    let payload = &sim.bulletin().entries()[k].payload;
    let at = find(&bytes, payload) + payload.len() / 2;
    bytes[at] ^= 0x40;
    std::fs::write(&b, &bytes).unwrap();
    let (code, out, err) = audit(&cfg, &b, false);
    assert_eq!(code, Some(7), "{out}{err}");
    assert!(
        out.contains(&format!(
            "entry {k}, round 0: coordinator to blame: bad signature"
        )),
        "{out}"
    );
    assert!(out.contains("or the file was altered"), "{out}");
    let v = json(&audit(&cfg, &b, true).1);
    assert_eq!(v["failures"][0]["blame"]["role"], "coordinator");
    assert_eq!(v["failures"][0]["entry"], k as u64);
    assert_eq!(v["failures"][0]["fault"]["kind"], "entry-bad-signature");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_changed_byte_anywhere_never_passes_and_never_crashes() {
    let sim = simulate(1, &mut Honest);
    let (dir, cfg, b) = write_sim("any-byte", &sim);
    let good = std::fs::read(&b).unwrap();
    let n = good.len();
    for k in 0..12 {
        let at = (k * 7919 + 13) % n;
        let mut bytes = good.clone();
        bytes[at] ^= 0x01;
        std::fs::write(&b, &bytes).unwrap();
        let (code, out, err) = audit(&cfg, &b, false);
        // 7: an entry fails (a party is named); 8: the file does not decode
        // or is for another consortium (nobody can be named).
        assert!(
            matches!(code, Some(7) | Some(8)),
            "byte {at}: exit {code:?}\n{out}{err}"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_bad_bulletin_file_is_not_an_audit_failure() {
    let sim = simulate(1, &mut Honest);
    let (dir, cfg, b) = write_sim("bad-file", &sim);
    let good = std::fs::read(&b).unwrap();
    // Truncated.
    std::fs::write(&b, &good[..good.len() - 10]).unwrap();
    let (code, _, err) = audit(&cfg, &b, false);
    assert_eq!(code, Some(8), "{err}");
    assert!(err.contains("not a bulletin file"), "{err}");
    // Missing.
    let (code, _, err) = audit(&cfg, &dir.join("missing.bin"), false);
    assert_eq!(code, Some(8), "{err}");
    // Larger than the cap: refused before reading (a sparse file).
    let big = dir.join("big.bin");
    let f = std::fs::File::create(&big).unwrap();
    f.set_len((1u64 << 30) + 1).unwrap();
    let (code, _, err) = audit(&cfg, &big, false);
    assert_eq!(code, Some(8), "{err}");
    assert!(err.contains("larger than the cap"), "{err}");
    // Another consortium's bulletin.
    let other = simulate_other();
    std::fs::write(&b, other).unwrap();
    let (code, _, err) = audit(&cfg, &b, false);
    assert_eq!(code, Some(8), "{err}");
    assert!(err.contains("the bulletin is for consortium"), "{err}");
    let _ = std::fs::remove_dir_all(dir);
}

/// An empty bulletin of a consortium with other keys.
fn simulate_other() -> Vec<u8> {
    use zkagg::aggregation::relation::BoundedVectorRelation;
    use zkagg::aggregation::sim::ConsortiumBuilder;
    let rel = BoundedVectorRelation::new(D, BITS).unwrap();
    ConsortiumBuilder::new(
        rel,
        zkagg::mpc::sharing::additive::Additive::new(S).unwrap(),
    )
    .providers(P)
    .seed(12)
    .build()
    .unwrap()
    .bulletin()
    .to_bytes()
}

/// Audit time per round, from the binary's JSON report: a simulated run of
/// `ZKAGG_AUDIT_D` (default 100) dimensions, `ZKAGG_AUDIT_PROVIDERS`
/// (default 10) providers and 3 rounds. Run with
/// `cargo test --test audit_cli -- --ignored --nocapture audit_time`.
#[test]
#[ignore]
fn audit_time_per_round() {
    use zkagg::aggregation::relation::BoundedVectorRelation;
    use zkagg::aggregation::sim::ConsortiumBuilder;
    let env = |k: &str, d: usize| {
        std::env::var(k)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(d)
    };
    let (d, p) = (env("ZKAGG_AUDIT_D", 100), env("ZKAGG_AUDIT_PROVIDERS", 10));
    let rel = BoundedVectorRelation::new(d, BITS).unwrap();
    let mut sim = ConsortiumBuilder::new(
        rel,
        zkagg::mpc::sharing::additive::Additive::new(S).unwrap(),
    )
    .providers(p)
    .min_batch(2)
    .build()
    .unwrap();
    let ups: Vec<Vec<i64>> = (0..p as i64)
        .map(|i| {
            (0..d as i64)
                .map(|j| (i * 31 + j * 7) % 200 - 100)
                .collect()
        })
        .collect();
    for t in 0..3 {
        let inputs: Vec<Option<&Vec<i64>>> = ups.iter().map(Some).collect();
        let mut rng = <rand_chacha::ChaCha20Rng as rand::SeedableRng>::seed_from_u64(t);
        sim.run_round(&inputs, &mut Honest, &mut rng).unwrap();
    }
    let (dir, cfg, b) = write_sim("timing", &sim);
    let (code, out, _) = audit(&cfg, &b, true);
    assert_eq!(code, Some(0));
    let v = json(&out);
    let times: Vec<f64> = v["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["audit_ms"].as_f64().unwrap())
        .collect();
    let bytes = std::fs::metadata(&b).unwrap().len();
    eprintln!("d = {d}, {p} providers, S = {S}, bulletin {bytes} bytes: audit ms per round {times:?}, total {} ms", v["audit_ms"]);
    let _ = std::fs::remove_dir_all(dir);
}
