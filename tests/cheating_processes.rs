//! A consortium of `zkagg` processes on loopback (written by `zkagg init`)
//! with three honest providers and one cheating one, told to by the hidden
//! `zkagg provider --cheat KIND --cheat-round N`. Every aggregator that
//! can see the cheat rejects the cheater's contribution of that round with
//! its reason; the round releases what the in-process simulation releases
//! without the cheater; and `zkagg audit` on the coordinator's exported
//! bulletin passes (the aggregators did their job) and reports, as JSON
//! and for people, the cheater rejected in that round with each
//! aggregator's reason, at entry numbers that point at its contribution
//! and at each accepted set, and counted in its honest round like every
//! honest provider.

mod common;

use common::procs::{
    bundled_shards, init_ok, on_free_ports, released, rtrain_deadlines, rtrain_sim_without,
    simulated_release_without, Group,
};
use common::{audit, s, temp_dir};
use serde_json::Value;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;
use zkagg::aggregation::bulletin::Bulletin;
use zkagg::aggregation::msgs::{PublicMessage, RejectReason};
use zkagg::aggregation::{AggregatorId, PartyId, ProviderId};
use zkagg::mpc::sharing::additive::Additive;
use zkagg_node::config::{Deadlines, NodeConfig};

const PROVIDERS: u32 = 4;
/// The cheating provider.
const CHEATER: ProviderId = ProviderId(3);
const AGGREGATORS: usize = 2;
const ROUNDS: u64 = 2;

/// One consortium at a time: the machine is small.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// A finished run: its folder, consortium file and config, and the
/// bulletin the coordinator exported.
struct Run {
    dir: PathBuf,
    file: PathBuf,
    cfg: NodeConfig,
    bulletin_file: PathBuf,
    bulletin: Bulletin,
}

/// `zkagg init DIR --providers 4 --rounds 2 FLAGS` with the
/// services moved to free ports and `deadlines`; then every member as a
/// process (providers with `data`, the cheater also with `--cheat KIND
/// --cheat-round ROUND`), each of which must exit 0 within `bound`.
fn run(
    name: &str,
    flags: &[&str],
    deadlines: Deadlines,
    data: &[&str],
    (kind, round): (&str, u64),
    bound: Duration,
) -> Run {
    let dir = temp_dir(name);
    let file = dir.join("consortium.toml");
    let (providers, rounds) = (PROVIDERS.to_string(), ROUNDS.to_string());
    let sizes = ["--providers", &providers, "--rounds", &rounds];
    let cfg = init_ok(&dir, &[&sizes[..], flags].concat());
    let cfg = on_free_ports(&file, cfg, deadlines);
    let member = |m: &str| dir.join("members").join(m);
    let mut group = Group::new(&dir);
    let conf = s(&file);
    let coordinator = member("coordinator");
    group.start(
        "coordinator",
        &["coordinator", "--config", conf, "--member", s(&coordinator)],
    );
    for a in 0..AGGREGATORS {
        let m = member(&format!("aggregator-{a}"));
        let args = ["aggregator", "--config", conf, "--member", s(&m)];
        group.start(&format!("aggregator-{a}"), &args);
    }
    let round_arg = round.to_string();
    for i in 0..PROVIDERS {
        let m = member(&format!("provider-{i}"));
        let mut args = vec!["provider", "--config", conf, "--member", s(&m)];
        args.extend_from_slice(data);
        if ProviderId(i) == CHEATER {
            args.extend(["--cheat", kind, "--cheat-round", round_arg.as_str()]);
        }
        group.start(&format!("provider-{i}"), &args);
    }
    let statuses = group.finish(bound);
    for (n, st) in &statuses {
        assert!(
            st.is_some_and(|st| st.success()),
            "{n}: {st:?}\n{}",
            group.tails(30)
        );
    }
    let cheater_log = group.log(&format!("provider-{}", CHEATER.0));
    assert!(
        cheater_log.contains("cheating (fault injection)"),
        "{cheater_log}"
    );
    let bulletin_file = cfg.operations.bulletin_file.clone().unwrap();
    let bulletin = Bulletin::from_bytes(&std::fs::read(&bulletin_file).unwrap()).unwrap();
    Run {
        dir,
        file,
        cfg,
        bulletin_file,
        bulletin,
    }
}

/// `zkagg audit` of the run's bulletin (`--json` if `json`): must pass.
fn audit_run(run: &Run, json: bool) -> String {
    let (code, out, err) = audit(&run.file, &run.bulletin_file, json);
    assert_eq!(code, Some(0), "{out}{err}");
    out
}

/// The reason's kind in the audit's JSON document.
fn kind(r: RejectReason) -> &'static str {
    match r {
        RejectReason::ProofRejected => "proof-rejected",
        RejectReason::ShareDoesNotOpen => "share-does-not-open",
        other => panic!("not a reason these cheats earn: {other:?}"),
    }
}

/// Whether the auditor can check the reason on the public record.
fn public(r: RejectReason) -> bool {
    r == RejectReason::ProofRejected
}

/// The run's bulletin and audit against what a cheater caught in `round`
/// must give: `want[s]` is aggregator s's decision on its contribution
/// (`None`: accepted), `models` the simulation's released models without
/// the cheater in that round.
fn check(run: &Run, round: u64, want: &[Option<RejectReason>], models: &[Option<Vec<i64>>]) {
    let b = &run.bulletin;
    assert_eq!(released(b), models, "released models");
    assert!(models.iter().all(Option::is_some));
    let v: Value = serde_json::from_str(&audit_run(run, true)).unwrap();
    assert_eq!(v["ok"], true);
    let honest: Vec<u32> = (0..PROVIDERS).filter(|i| *i != CHEATER.0).collect();
    for t in 0..ROUNDS {
        let accepted: Vec<u32> =
            serde_json::from_value(v["rounds"][t as usize]["accepted"].clone()).unwrap();
        let all: Vec<u32> = (0..PROVIDERS).collect();
        assert_eq!(&accepted, if t == round { &honest } else { &all });
    }
    let last: Vec<i64> = serde_json::from_value(v["final_model"]["weights"].clone()).unwrap();
    assert_eq!(Some(last), models.last().cloned().flatten());

    // Every provider: counted, but the cheater in its round.
    for i in 0..PROVIDERS {
        let p = &v["contributions"][i as usize];
        assert_eq!(p["provider"], i);
        for t in 0..ROUNDS {
            let status = p["rounds"][t as usize]["status"].as_str();
            let caught = ProviderId(i) == CHEATER && t == round;
            let want = if caught { "rejected" } else { "counted" };
            assert_eq!(status, Some(want), "provider {i}, round {t}");
        }
    }

    // The cheater's round: its contribution's entry and each aggregator's
    // decision at the entry of its accepted set, read back from the file.
    let line = &v["contributions"][CHEATER.0 as usize]["rounds"][round as usize];
    let at = |seq: &Value| {
        let seq = seq.as_u64().unwrap();
        assert_eq!(b.entries()[seq as usize].seq, seq);
        (
            seq,
            b.entries()[seq as usize].sender,
            b.message(seq).unwrap(),
        )
    };
    let (contribution, sender, msg) = at(&line["contribution"]);
    assert_eq!(sender, PartyId::Provider(CHEATER));
    assert!(
        matches!(msg, PublicMessage::Contribution(c) if c.provider == CHEATER && c.round == round),
        "entry {contribution} is {msg:?}"
    );
    let decisions = line["decisions"].as_array().unwrap();
    assert_eq!(decisions.len(), AGGREGATORS);
    let mut text_line = format!("    round {round}: rejected; contribution entry {contribution}");
    for (a, (d, want)) in decisions.iter().zip(want).enumerate() {
        assert_eq!(d["aggregator"], a);
        let (seq, sender, msg) = at(&d["entry"]);
        let id = AggregatorId(a as u32);
        assert_eq!(sender, PartyId::Aggregator(id));
        let PublicMessage::AcceptedSet(set) = msg else {
            panic!("entry {seq} is {msg:?}")
        };
        assert_eq!((set.aggregator, set.round), (id, round));
        match want {
            Some(r) => {
                assert!(set.rejected.contains(&(CHEATER, *r)), "{set:?}");
                assert!(!set.accepted.contains(&CHEATER));
                assert_eq!(d["decision"], "rejected");
                assert_eq!(d["reason"]["kind"], kind(*r));
                assert_eq!(d["reason"]["detail"], r.detail());
                let confirmed = if public(*r) {
                    Value::Bool(true)
                } else {
                    Value::Null
                };
                assert_eq!(d["confirmed"], confirmed);
                let by_record = if public(*r) {
                    ", confirmed by the record"
                } else {
                    ""
                };
                text_line.push_str(&format!(
                    "; aggregator {a} rejected: {}{by_record} (entry {seq})",
                    r.detail()
                ));
            }
            None => {
                assert!(set.accepted.contains(&CHEATER), "{set:?}");
                assert_eq!(d["decision"], "accepted");
                assert_eq!(d["reason"], Value::Null);
                text_line.push_str(&format!("; aggregator {a} accepted (entry {seq})"));
            }
        }
    }

    // The report for people says the same.
    let report = audit_run(run, false);
    assert!(report.contains("verdict: PASS"), "{report}");
    assert!(
        report.lines().any(|l| l == text_line),
        "{text_line}\nnot in\n{report}"
    );
    let counted: Vec<u64> = (0..ROUNDS).filter(|t| *t != round).collect();
    let provider_line = report
        .lines()
        .find(|l| l.starts_with(&format!("  provider {}: ", CHEATER.0)))
        .unwrap();
    assert!(
        provider_line.ends_with(&format!("; counted in rounds {counted:?}")),
        "{provider_line}"
    );
}

/// Deadlines of the bounded-vector runs: each round closes as soon as
/// every share is in, so these are bounds, not waits.
fn bounded_deadlines() -> Deadlines {
    Deadlines {
        start_ms: 30_000,
        contributions_ms: 20_000,
        accepted_sets_ms: 20_000,
        partial_sums_ms: 20_000,
        linger_ms: 300,
    }
}

/// The bounded-vector consortium (d = 4, 16 bits) with the cheater's
/// `kind` in `round`, checked against `want`; returns its bulletin.
fn bounded_run(name: &str, kind: &str, round: u64, want: &[Option<RejectReason>]) -> Bulletin {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let r = run(
        name,
        &["--dim", "4", "--bits", "16"],
        bounded_deadlines(),
        &[],
        (kind, round),
        Duration::from_secs(60),
    );
    let models = simulated_release_without(
        Additive::new(AGGREGATORS).unwrap(),
        (4, 16, r.cfg.operations.seed),
        PROVIDERS,
        &|t, i| t == round && ProviderId(i) == CHEATER,
        ROUNDS,
    );
    check(&r, round, want, &models);
    let _ = std::fs::remove_dir_all(&r.dir);
    r.bulletin
}

#[test]
fn a_corrupted_proof_is_rejected_by_every_aggregator_and_the_audit_confirms_it() {
    let p = Some(RejectReason::ProofRejected);
    let b = bounded_run("cheat-proof", "corrupt-proof", 1, &[p, p]);
    // The flipped bit leaves a proof that decodes (libspartan, `zkagg
    // init`'s default): verification refuses it, not the decoder.
    let proof = b
        .messages()
        .find_map(|(_, m)| match m {
            PublicMessage::Contribution(c) if c.provider == CHEATER && c.round == 1 => {
                Some(c.proof.clone())
            }
            _ => None,
        })
        .unwrap();
    assert!(zkagg::zk::spartan::NizkProof::from_bytes(&proof).is_ok());
}

#[test]
fn a_share_that_does_not_open_its_commitment_is_rejected_by_its_aggregator() {
    let bad = Some(RejectReason::ShareDoesNotOpen);
    bounded_run("cheat-share", "bad-share", 0, &[bad, None]);
}

#[test]
fn an_rtrain_provider_posting_the_negated_update_with_the_honest_proof_is_rejected() {
    let _one = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let bc = ["--dataset", "breast-cancer"];
    let r = run(
        "cheat-rtrain",
        &[&bc[..], &["--max-samples", "6"]].concat(),
        rtrain_deadlines(),
        &bc,
        ("negated-update", 0),
        Duration::from_secs(120),
    );
    let shards = bundled_shards(&r.cfg);
    let (models, _) = rtrain_sim_without(&r.cfg, &shards, &|t, i| t == 0 && i == CHEATER.index());
    let models: Vec<Option<Vec<i64>>> = models.into_iter().map(Some).collect();
    let p = Some(RejectReason::ProofRejected);
    check(&r, 0, &[p, p], &models);
    let _ = std::fs::remove_dir_all(&r.dir);
}
