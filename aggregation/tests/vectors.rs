//! Protocol test vectors: versioned JSON files under `tests/vectors/`, run by
//! one generic harness ([`vectors`]).
//!
//! Every file has `"version": 1` and a `"kind"`:
//!
//! * `"kat"` (known answers, `tests/vectors/kat/`): config ids, rho and the
//!   three Fiat-Shamir transcripts of fixed contexts, the canonical encoding
//!   of every message kind, and the signed entries of a seeded bulletin. The
//!   harness recomputes each file from fixed seeds and compares the text
//!   byte for byte, so any change to an encoding, a derivation, a domain
//!   separator or a signature is caught.
//! * `"must_fail"` (`tests/vectors/must_fail/`): one per cheat of
//!   `tests/adversarial.rs` and per defect of `tests/defects.rs`. The
//!   harness maps the scenario name to a function that runs the cheat and
//!   compares the outcome (rejections with provider and aggregators, refused
//!   `(party, Fault)`, the round's result, the auditor's failures with the
//!   blamed party, or a local error) with the file's `expect`, using `==` on
//!   the enums (serde round trip; `AuditFault`, `ConfigError` and `Misuse`
//!   have no serde derive and are compared in their `Debug` form).
//!
//! Determinism: pi_zk (Spartan) draws blinding from the OS inside the proof
//! system, so a ZK-mode contribution, and every bulletin entry after it, is
//! not reproducible. The ZK-mode vectors therefore only record what does not
//! depend on pi_zk (h, the share commitments, rho, the transcripts); the
//! encodings and the bulletin come from a seeded MPC-mode run (no pi_zk,
//! every coin from the seeded rng, ed25519 signatures deterministic).
//!
//! Regenerate after an intended change (then review the diff: a changed
//! must-fail outcome is a behaviour change, not a formality):
//!
//! ```text
//! cargo test -p zkagg-aggregation --test vectors -- --ignored regenerate_vectors
//! ```

mod common;

use common::*;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use zkagg_aggregation::auditor::{audit, audit_bytes, Verdict};
use zkagg_aggregation::bulletin::Bulletin;
use zkagg_aggregation::config::{SharingConfig, ValidityMode};
use zkagg_aggregation::error::Fault;
use zkagg_aggregation::ledger::Ledger;
use zkagg_aggregation::msgs::{
    decode_delivery, decode_public, decode_validity, AcceptedSetsClosed, Contribution,
    PublicMessage, Registration, RejectReason, RoundHeader, RoundOutcome, ShareDelivery,
    ValidityMessage,
};
use zkagg_aggregation::relation::{
    model_digest, BoundedVectorRelation, UpdateRelation, BOUNDED_MODEL_MAX,
};
use zkagg_aggregation::setup::{Setup, SharingScheme};
use zkagg_aggregation::sim::{Consortium, Honest, RoundReport, Tamper};
use zkagg_aggregation::{AggError, AggregatorId, PartyId, ProviderId};
use zkagg_mpc::sharing::additive::Additive;
use zkagg_mpc::sharing::shamir::Shamir;
use zkagg_zk::encoding;
use zkagg_zk::pedersen::Commitment;
use zkagg_zk::transcript::TranscriptProtocol;
use zkagg_zk::Fr;

/// The vector format version this harness reads and writes.
const VERSION: u32 = 1;

/// The label of the challenge drawn from each transcript in the KAT.
const KAT_LABEL: &[u8] = b"kat";

/// Seed of the rng of the KAT runs.
const KAT_RNG_SEED: u64 = 0x7a6b_6167;

// ------------------------------------------------------------------ files

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

fn kat_path(name: &str) -> PathBuf {
    vectors_dir().join("kat").join(format!("{name}.json"))
}

fn must_fail_path(name: &str) -> PathBuf {
    vectors_dir().join("must_fail").join(format!("{name}.json"))
}

/// Every `.json` file under the vectors folder (one level of subfolders).
fn vector_files() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs = vec![vectors_dir()];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The canonical text of a vector file: pretty JSON (struct field order)
/// and a final newline.
fn render<T: Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap() + "\n"
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(2 * bytes.len());
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd-length hex");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}

fn scalar_hex(x: &Fr) -> String {
    hex(x.as_bytes())
}

fn point_hex(c: &Commitment) -> String {
    hex(c.0.compress().as_bytes())
}

// ------------------------------------------------------------ the harness

/// The one generic harness: every file is read, its version checked and
/// dispatched on its kind; every known KAT and scenario must have a file.
#[test]
fn vectors() {
    let files = vector_files();
    let mut kats = BTreeSet::new();
    let mut scenarios = BTreeSet::new();
    let mut must_fail = Vec::new();
    let mut bad = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: not JSON: {e}", path.display()));
        assert_eq!(
            v["version"].as_u64(),
            Some(u64::from(VERSION)),
            "{}: unsupported version",
            path.display()
        );
        match v["kind"].as_str() {
            Some("kat") => {
                let name = v["name"].as_str().expect("a KAT has a name");
                let (_, generate) = KATS
                    .iter()
                    .find(|(n, _)| *n == name)
                    .unwrap_or_else(|| panic!("{}: unknown KAT {name}", path.display()));
                let fresh = generate();
                if text != fresh {
                    bad.push(format!(
                        "{}: known answers changed (an encoding or derivation changed?); {}",
                        path.display(),
                        first_difference(&text, &fresh)
                    ));
                }
                assert!(kats.insert(name.to_string()), "KAT {name} twice");
            }
            Some("must_fail") => {
                let file: MustFailFile =
                    serde_json::from_value(v).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert!(
                    scenarios.insert(file.scenario.clone()),
                    "scenario {} twice",
                    file.scenario
                );
                must_fail.push((path.clone(), file));
            }
            other => panic!("{}: unknown kind {other:?}", path.display()),
        }
    }
    for (name, _) in KATS {
        assert!(kats.contains(*name), "KAT {name} has no vector file");
    }
    for s in SCENARIOS {
        assert!(
            scenarios.contains(s.name),
            "scenario {} has no vector file",
            s.name
        );
    }
    let jobs: Vec<(&'static Scenario, Outcome)> = must_fail
        .into_iter()
        .map(|(path, file)| {
            let s = SCENARIOS
                .iter()
                .find(|s| s.name == file.scenario)
                .unwrap_or_else(|| {
                    panic!("{}: unknown scenario {}", path.display(), file.scenario)
                });
            assert!(
                file.expect != Outcome::default(),
                "{}: a must-fail vector must expect something",
                path.display()
            );
            (s, file.expect)
        })
        .collect();
    let actual = run_all(jobs.iter().map(|(s, _)| *s).collect());
    for ((s, expect), got) in jobs.iter().zip(actual) {
        if *expect != got {
            bad.push(format!(
                "scenario {}:\n--- expected\n{}--- actual\n{}",
                s.name,
                render(expect),
                render(&got)
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "{}\nIf the change is intended, regenerate (see the top of tests/vectors.rs) \
         and review the diff.",
        bad.join("\n")
    );
}

/// The first line where the stored and the recomputed text differ.
fn first_difference(stored: &str, fresh: &str) -> String {
    let mut a = stored.lines();
    let mut b = fresh.lines();
    for line in 1.. {
        match (a.next(), b.next()) {
            (Some(x), Some(y)) if x == y => continue,
            (None, None) => break,
            (x, y) => {
                return format!(
                    "first difference at line {line}:\n  stored:     {}\n  recomputed: {}",
                    x.unwrap_or("<end of file>"),
                    y.unwrap_or("<end of file>")
                )
            }
        }
    }
    "texts differ only in line endings".into()
}

/// Writes every vector file from the current code. Run on purpose only:
/// `cargo test -p zkagg-aggregation --test vectors -- --ignored regenerate_vectors`.
#[test]
#[ignore = "writes tests/vectors/; run on purpose after an intended change"]
fn regenerate_vectors() {
    for dir in ["kat", "must_fail"] {
        std::fs::create_dir_all(vectors_dir().join(dir)).unwrap();
    }
    for (name, generate) in KATS {
        std::fs::write(kat_path(name), generate()).unwrap();
    }
    let outcomes = run_all(SCENARIOS.iter().collect());
    for (s, expect) in SCENARIOS.iter().zip(outcomes) {
        assert!(
            expect != Outcome::default(),
            "scenario {} produced no outcome at all",
            s.name
        );
        let file = MustFailFile {
            version: VERSION,
            kind: "must_fail".into(),
            scenario: s.name.into(),
            source: s.source.into(),
            description: s.description.into(),
            expect,
        };
        std::fs::write(must_fail_path(s.name), render(&file)).unwrap();
    }
}

/// Runs scenarios on a few threads (each builds its own consortium).
fn run_all(list: Vec<&'static Scenario>) -> Vec<Outcome> {
    let next = AtomicUsize::new(0);
    let out: Mutex<Vec<Option<Outcome>>> = Mutex::new(vec![None; list.len()]);
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 4);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let k = next.fetch_add(1, Ordering::Relaxed);
                let Some(s) = list.get(k) else { break };
                let o = (s.run)();
                out.lock().unwrap()[k] = Some(o);
            });
        }
    });
    out.into_inner()
        .unwrap()
        .into_iter()
        .map(|o| o.expect("every scenario ran"))
        .collect()
}

// ------------------------------------------------------------------- KATs

type KatFn = fn() -> String;

const KATS: &[(&str, KatFn)] = &[
    ("config_ids", kat_config_ids),
    ("transcripts", kat_transcripts),
    ("messages", kat_messages),
    ("bulletin", kat_bulletin),
];

#[derive(Serialize)]
struct KatFile<T> {
    version: u32,
    kind: &'static str,
    name: &'static str,
    description: &'static str,
    vectors: T,
}

fn kat<T: Serialize>(name: &'static str, description: &'static str, vectors: T) -> String {
    render(&KatFile {
        version: VERSION,
        kind: "kat",
        name,
        description,
        vectors,
    })
}

/// The fixed test consortium: bounded vectors (d = 6, 16 bits), 5
/// providers, demo keys of seed 7, minimum batch 3, model (100, ..., 100).
fn fixed<Sh: SharingScheme>(
    sharing: Sh,
    validity: ValidityMode,
) -> Consortium<BoundedVectorRelation, Sh> {
    build(sharing, validity, 3)
}

#[derive(Serialize)]
struct ConfigIdVector {
    name: &'static str,
    sharing: SharingConfig,
    validity: ValidityMode,
    config_id: String,
}

fn config_id_vector<Sh: SharingScheme>(
    name: &'static str,
    sharing: Sh,
    validity: ValidityMode,
) -> ConfigIdVector {
    let c = fixed(sharing, validity);
    let config = c.setup().config();
    assert_eq!(c.setup().config_id(), config.id());
    ConfigIdVector {
        name,
        sharing: config.sharing,
        validity: config.validity,
        config_id: hex(&config.id()),
    }
}

fn kat_config_ids() -> String {
    kat(
        "config_ids",
        "SHA-256(\"zkagg/config/v1\" || postcard(config)) of the fixed test consortium \
         (name \"test\", BoundedVectorRelation::new(6, 16), 5 providers, demo keys of seed 7, \
         min batch 3, initial model [100; 6]) under several sharing schemes and validity modes",
        vec![
            config_id_vector(
                "additive_3_zk",
                Additive::new(3).unwrap(),
                ValidityMode::ZkProof,
            ),
            config_id_vector(
                "shamir_2_of_3_zk",
                Shamir::new(2, 3).unwrap(),
                ValidityMode::ZkProof,
            ),
            config_id_vector(
                "additive_2_mpc",
                Additive::new(2).unwrap(),
                ValidityMode::Mpc2pc,
            ),
            config_id_vector(
                "shamir_2_of_2_mpc",
                Shamir::new(2, 2).unwrap(),
                ValidityMode::Mpc2pc,
            ),
        ],
    )
}

#[derive(Serialize)]
struct TranscriptVector {
    provider: ProviderId,
    h: String,
    share_commitments: Vec<String>,
    rho: String,
    proof_challenge: String,
    link_challenge: String,
}

#[derive(Serialize)]
struct TranscriptVectors {
    config_id: String,
    round: u64,
    model_digest: String,
    challenge_label: &'static str,
    contexts: Vec<TranscriptVector>,
}

/// Runs one honest round with the KAT rng; returns the consortium.
fn kat_round<Sh: SharingScheme>(
    c: &mut Consortium<BoundedVectorRelation, Sh>,
    ups: &[Vec<i64>],
    tamper: &mut dyn Tamper,
) -> RoundReport {
    let inputs: Vec<Option<&Vec<i64>>> = ups.iter().map(Some).collect();
    let mut rng = ChaCha20Rng::seed_from_u64(KAT_RNG_SEED);
    c.run_round(&inputs, tamper, &mut rng).unwrap()
}

/// A finished run shared by several vectors (computed once per process).
struct Run {
    setup: Arc<Setup<BoundedVectorRelation, Additive>>,
    bulletin: Bulletin,
}

fn cached(cell: &'static OnceLock<Run>, make: fn() -> C) -> &'static Run {
    cell.get_or_init(|| {
        let c = make();
        Run {
            setup: c.setup().clone(),
            bulletin: c.bulletin().clone(),
        }
    })
}

/// One honest round of the fixed consortium (Additive(3), ZK mode), KAT coins.
fn honest_round() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    cached(&RUN, || {
        let mut c = fixed(Additive::new(3).unwrap(), ValidityMode::ZkProof);
        kat_round(&mut c, &updates(), &mut Honest);
        c
    })
}

/// [`two_rounds`], computed once.
fn two_rounds_run() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    cached(&RUN, two_rounds)
}

/// [`small_then_full`], computed once.
fn small_then_full_run() -> &'static Run {
    static RUN: OnceLock<Run> = OnceLock::new();
    cached(&RUN, small_then_full)
}

fn transcripts_of<Sh: SharingScheme>(
    setup: &Arc<Setup<BoundedVectorRelation, Sh>>,
    bulletin: &Bulletin,
) -> TranscriptVectors {
    // Replay round 0 up to its close into a fresh ledger: the open round
    // holds the header and the contributions, as an aggregator sees them.
    let mut ledger = Ledger::new(setup.clone());
    for (seq, (party, msg)) in bulletin.messages().enumerate() {
        if matches!(msg, PublicMessage::RoundClose(_)) {
            break;
        }
        ledger.apply(seq as u64, party, msg).unwrap();
    }
    let open = ledger.open_round().expect("round 0 is open");
    let contexts = open
        .contributions()
        .values()
        .map(|(_, contribution)| {
            let ctx = open.context(setup, ledger.registrations(), contribution);
            TranscriptVector {
                provider: ctx.provider(),
                h: scalar_hex(&ctx.h()),
                share_commitments: ctx.share_commitments().iter().map(point_hex).collect(),
                rho: scalar_hex(&ctx.rho()),
                proof_challenge: scalar_hex(&ctx.proof_transcript().challenge_scalar(KAT_LABEL)),
                link_challenge: scalar_hex(&ctx.link_transcript().challenge_scalar(KAT_LABEL)),
            }
        })
        .collect();
    TranscriptVectors {
        config_id: hex(&setup.config_id()),
        round: open.round(),
        model_digest: hex(&model_digest(&open.header().model)),
        challenge_label: "kat",
        contexts,
    }
}

fn kat_transcripts() -> String {
    // ZK mode: h and the share commitments come from the seeded rng (pi_zk,
    // which is not reproducible, enters none of these transcripts' inputs).
    let zk = honest_round();
    let mut shamir = fixed(Shamir::new(2, 3).unwrap(), ValidityMode::ZkProof);
    kat_round(&mut shamir, &updates(), &mut Honest);
    #[derive(Serialize)]
    struct Both {
        additive_3_zk: TranscriptVectors,
        shamir_2_of_3_zk: TranscriptVectors,
    }
    kat(
        "transcripts",
        "Round 0 of the fixed consortium (ZK mode), every provider's update from \
         tests/common updates(), provider and aggregator coins from \
         ChaCha20Rng::seed_from_u64(0x7a6b6167): for each contribution's ProofContext, \
         rho() and challenge_scalar(b\"kat\") of proof_transcript() and of link_transcript()",
        Both {
            additive_3_zk: transcripts_of(&zk.setup, &zk.bulletin),
            shamir_2_of_3_zk: transcripts_of(shamir.setup(), shamir.bulletin()),
        },
    )
}

/// Records the private messages of a run.
#[derive(Default)]
struct Recorder {
    deliveries: Vec<ShareDelivery>,
    validity: Vec<ValidityMessage>,
}

impl Tamper for Recorder {
    fn contribution(&mut self, _round: u64, _c: &mut Contribution, d: &mut Vec<ShareDelivery>) {
        self.deliveries.extend(d.iter().cloned());
    }
    fn validity_message(&mut self, m: &mut ValidityMessage) {
        self.validity.push(m.clone());
    }
}

/// The seeded MPC-mode run behind the message and bulletin KATs: S = 2
/// additive, provider 1's first coordinate out of bound (so the accepted
/// sets carry a rejection).
fn mpc_kat_run() -> &'static MpcRun {
    static RUN: OnceLock<MpcRun> = OnceLock::new();
    RUN.get_or_init(|| {
        let mut c = fixed(Additive::new(2).unwrap(), ValidityMode::Mpc2pc);
        let mut ups = updates();
        ups[1][0] = 40_000;
        let mut rec = Recorder::default();
        let r = kat_round(&mut c, &ups, &mut rec);
        assert_eq!(r.accepted, pids(&[0, 2, 3, 4]), "{r:?}");
        MpcRun {
            bulletin: c.bulletin().clone(),
            accepted: r.accepted,
            outcome: r.outcome,
            rec,
        }
    })
}

/// The seeded MPC-mode run, computed once.
struct MpcRun {
    bulletin: Bulletin,
    accepted: Vec<ProviderId>,
    outcome: Option<RoundOutcome>,
    rec: Recorder,
}

#[derive(Serialize)]
struct MessageVector {
    kind: &'static str,
    /// What the bytes encode: the `PublicMessage` posted to the bulletin,
    /// or the private message itself.
    encodes: &'static str,
    len: usize,
    /// The bytes (hex), or their SHA-256 if longer than 4 KiB.
    #[serde(skip_serializing_if = "Option::is_none")]
    hex: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
}

fn message_vector(kind: &'static str, encodes: &'static str, bytes: Vec<u8>) -> MessageVector {
    use sha2::Digest;
    let big = bytes.len() > 4096;
    MessageVector {
        kind,
        encodes,
        len: bytes.len(),
        hex: (!big).then(|| hex(&bytes)),
        sha256: big.then(|| hex(&sha2::Sha256::digest(&bytes))),
    }
}

fn public_vector(kind: &'static str, msg: &PublicMessage) -> MessageVector {
    let bytes = encoding::to_bytes(msg).unwrap();
    assert_eq!(&decode_public(&bytes).unwrap(), msg, "{kind} round trip");
    message_vector(kind, "PublicMessage", bytes)
}

fn kat_messages() -> String {
    let run = mpc_kat_run();
    let rec = &run.rec;
    let first = |want: &str| {
        run.bulletin
            .messages()
            .map(|(_, m)| m)
            .find(|m| {
                let kind = match m {
                    PublicMessage::Registration(_) => "Registration",
                    PublicMessage::RoundHeader(_) => "RoundHeader",
                    PublicMessage::Contribution(_) => "Contribution",
                    PublicMessage::AcceptedSet(_) => "AcceptedSet",
                    PublicMessage::PartialSum(_) => "PartialSum",
                    PublicMessage::RoundClose(_) => "RoundClose",
                    PublicMessage::AcceptedSetsClosed(_) => "AcceptedSetsClosed",
                };
                kind == want
            })
            .unwrap_or_else(|| panic!("no {want} on the bulletin"))
            .clone()
    };
    // Bounded vectors need no registration: a fixed one, by hand.
    let registration = PublicMessage::Registration(Registration {
        provider: ProviderId(1),
        data_commitment: Fr::from(0x0123_4567_89ab_cdefu64),
    });
    // The set phase closed with aggregators 0 and 2 (fixed, by hand).
    let sets_closed = PublicMessage::AcceptedSetsClosed(AcceptedSetsClosed {
        round: 3,
        aggregators: vec![AggregatorId(0), AggregatorId(2)],
    });
    let delivery = rec.deliveries.first().expect("a share delivery").clone();
    let d_bytes = encoding::to_bytes(&delivery).unwrap();
    assert!(decode_delivery(&d_bytes).unwrap() == delivery);
    let mut out = vec![
        public_vector("Registration", &registration),
        public_vector("RoundHeader", &first("RoundHeader")),
        public_vector("Contribution", &first("Contribution")),
        public_vector("AcceptedSet", &first("AcceptedSet")),
        public_vector("PartialSum", &first("PartialSum")),
        public_vector("RoundClose", &first("RoundClose")),
        public_vector("AcceptedSetsClosed", &sets_closed),
        message_vector("ShareDelivery", "ShareDelivery", d_bytes),
    ];
    for from in [AggregatorId(0), AggregatorId(1)] {
        let m = rec
            .validity
            .iter()
            .find(|m| m.from == from)
            .expect("a validity message from each aggregator");
        let bytes = encoding::to_bytes(m).unwrap();
        assert_eq!(&decode_validity(&bytes).unwrap(), m);
        out.push(message_vector("ValidityMessage", "ValidityMessage", bytes));
    }
    kat(
        "messages",
        "Canonical (postcard) encodings: a fixed Registration (provider 1, c_D = \
         0x0123456789abcdef); a fixed AcceptedSetsClosed (round 3, aggregators 0 and 2); the \
         first RoundHeader, Contribution, AcceptedSet, PartialSum and \
         RoundClose on the bulletin of the seeded MPC-mode run (fixed consortium with Additive(2), \
         Mpc2pc, updates() with provider 1's first coordinate 40000, coins from \
         ChaCha20Rng::seed_from_u64(0x7a6b6167)); that run's first ShareDelivery and the first \
         ValidityMessage from each aggregator",
        out,
    )
}

#[derive(Serialize)]
struct EntryVector {
    seq: u64,
    sender: PartyId,
    prev: String,
    payload: String,
    signature: String,
    hash: String,
}

#[derive(Serialize)]
struct BulletinVectors {
    config_id: String,
    entries: Vec<EntryVector>,
    head: String,
    accepted: Vec<ProviderId>,
    outcome: Option<RoundOutcome>,
    file_sha256: String,
}

fn kat_bulletin() -> String {
    use sha2::Digest;
    let run = mpc_kat_run();
    let b = &run.bulletin;
    let entries = b
        .entries()
        .iter()
        .map(|e| {
            // Ed25519 is deterministic: the demo key re-signs to the same bytes.
            let again = zkagg_aggregation::bulletin::Entry::sign(
                &b.config_id(),
                e.seq,
                e.prev,
                e.sender,
                &signing_key(e.sender, 2),
                &e.message().unwrap(),
            )
            .unwrap();
            assert!(again == *e, "entry {} re-signs differently", e.seq);
            EntryVector {
                seq: e.seq,
                sender: e.sender,
                prev: hex(&e.prev),
                payload: hex(&e.payload),
                signature: hex(&e.signature),
                hash: hex(&e.hash()),
            }
        })
        .collect();
    kat(
        "bulletin",
        "Every entry of the seeded MPC-mode run's bulletin (see the messages KAT): prev, \
         payload, the sender's ed25519 signature (demo keys of seed 7) and the entry hash; \
         the head, the round's result and the SHA-256 of Bulletin::to_bytes()",
        BulletinVectors {
            config_id: hex(&b.config_id()),
            entries,
            head: hex(&b.head()),
            accepted: run.accepted.clone(),
            outcome: run.outcome.clone(),
            file_sha256: hex(&sha2::Sha256::digest(b.to_bytes())),
        },
    )
}

#[test]
fn hex_round_trips() {
    let b: Vec<u8> = (0..=255u8).collect();
    assert_eq!(unhex(&hex(&b)), b);
    assert_eq!(hex(&[0x0f, 0xa0]), "0fa0");
}

// -------------------------------------------------------- must-fail files

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct MustFailFile {
    version: u32,
    kind: String,
    scenario: String,
    /// The test this vector pins down.
    source: String,
    description: String,
    expect: Outcome,
}

/// Everything a scenario observes. Empty fields are left out of the file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Outcome {
    /// Rejected providers with every aggregator's reason (round report).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    rejected: Vec<Rejection>,
    /// Messages refused live, with the party blamed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    refused: Vec<Refusal>,
    /// Providers that could not produce a contribution (`Debug` of the error).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    failed_providers: Vec<FailedProvider>,
    /// The round's accepted set and outcome.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    round: Option<RoundResult>,
    /// The auditor's verdict on the bulletin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    audit: Option<AuditResult>,
    /// A local error blamed on no one (`Debug` of a `ConfigError` or `Misuse`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    local_error: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rejection {
    provider: ProviderId,
    by: Vec<AggregatorReason>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AggregatorReason {
    aggregator: AggregatorId,
    reason: RejectReason,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Refusal {
    party: PartyId,
    fault: Fault,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct FailedProvider {
    provider: ProviderId,
    error: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoundResult {
    round: u64,
    accepted: Vec<ProviderId>,
    outcome: Option<RoundOutcome>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditResult {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    failures: Vec<AuditFailureV>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    notes: Vec<AuditNoteV>,
    rounds_checked: usize,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditFailureV {
    entry: Option<u64>,
    round: Option<u64>,
    /// `Debug` of the `AuditFault` (it has no serde derive).
    fault: String,
    blame: PartyId,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AuditNoteV {
    entry: u64,
    party: PartyId,
    fault: Fault,
}

fn audit_result(v: &Verdict) -> AuditResult {
    AuditResult {
        failures: v
            .failures
            .iter()
            .map(|f| AuditFailureV {
                entry: f.entry,
                round: f.round,
                fault: format!("{:?}", f.fault),
                blame: f.blame,
            })
            .collect(),
        notes: v
            .notes
            .iter()
            .map(|n| AuditNoteV {
                entry: n.entry,
                party: n.party,
                fault: n.fault,
            })
            .collect(),
        rounds_checked: v.rounds_checked(),
    }
}

fn refusals(list: &[(PartyId, Fault)]) -> Vec<Refusal> {
    list.iter()
        .map(|&(party, fault)| Refusal { party, fault })
        .collect()
}

/// The outcome of a simulated round, with the audit of the whole bulletin.
fn observe<Sh: SharingScheme>(
    c: &Consortium<BoundedVectorRelation, Sh>,
    r: &RoundReport,
) -> Outcome {
    Outcome {
        rejected: r
            .rejected
            .iter()
            .map(|(p, by)| Rejection {
                provider: *p,
                by: by
                    .iter()
                    .map(|&(aggregator, reason)| AggregatorReason { aggregator, reason })
                    .collect(),
            })
            .collect(),
        refused: refusals(&r.refused),
        failed_providers: r
            .failed_providers
            .iter()
            .map(|(p, e)| FailedProvider {
                provider: *p,
                error: format!("{e:?}"),
            })
            .collect(),
        round: Some(RoundResult {
            round: r.round,
            accepted: r.accepted.clone(),
            outcome: r.outcome.clone(),
        }),
        audit: Some(audit_result(&audited(c))),
        local_error: None,
    }
}

fn audit_only(v: &Verdict) -> Outcome {
    Outcome {
        audit: Some(audit_result(v)),
        ..Outcome::default()
    }
}

fn local_error(e: impl std::fmt::Debug) -> Outcome {
    Outcome {
        local_error: Some(format!("{e:?}")),
        ..Outcome::default()
    }
}

// -------------------------------------------------------------- scenarios

struct Scenario {
    name: &'static str,
    source: &'static str,
    description: &'static str,
    run: fn() -> Outcome,
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "shares_sum_to_another_vector",
        source: "adversarial.rs shares_summing_to_another_vector_are_rejected",
        description: "Provider 1 re-shares a changed vector (its last share opens its new \
                      commitment): the changed commitment changes rho, pi_zk fails at every \
                      aggregator.",
        run: shares_sum_to_another_vector,
    },
    Scenario {
        name: "share_does_not_open",
        source: "adversarial.rs a_share_that_does_not_open_its_commitment_is_named",
        description: "Provider 2's share to aggregator 0 has a wrong blinding: only aggregator 0 \
                      rejects it.",
        run: share_does_not_open,
    },
    Scenario {
        name: "copied_proof",
        source: "adversarial.rs a_proof_copied_under_another_id_is_rejected",
        description: "Provider 4 posts provider 3's contribution under its own id (and sends no \
                      shares).",
        run: copied_proof,
    },
    Scenario {
        name: "replay_same_round",
        source: "adversarial.rs a_contribution_replayed_in_the_same_round_is_refused_and_the_first_stands",
        description: "Provider 0 posts its contribution twice in one round: the second is \
                      refused, the first stands.",
        run: replay_same_round,
    },
    Scenario {
        name: "replay_next_round_verbatim",
        source: "adversarial.rs a_contribution_replayed_in_the_next_round_is_refused_or_rejected",
        description: "In round 1 provider 2 replays its round-0 contribution verbatim: refused \
                      (wrong round).",
        run: replay_next_round_verbatim,
    },
    Scenario {
        name: "replay_next_round_relabelled",
        source: "adversarial.rs a_contribution_replayed_in_the_next_round_is_refused_or_rejected",
        description: "In round 1 provider 2 replays its round-0 contribution with the round \
                      number changed: on the bulletin, but it has no share.",
        run: replay_next_round_relabelled,
    },
    Scenario {
        name: "out_of_bound_cannot_be_proven",
        source: "adversarial.rs an_out_of_bound_update_cannot_be_proven_and_is_excluded",
        description: "Provider 3's update has a coordinate beyond 16 signed bits: the honest \
                      prover refuses, the rest aggregates.",
        run: out_of_bound_cannot_be_proven,
    },
    Scenario {
        name: "forged_out_of_bound_proof",
        source: "adversarial.rs an_out_of_bound_update_with_a_forged_proof_is_named",
        description: "Provider 3 proves an out-of-bound update with an unchecked witness: pi_zk \
                      fails at every aggregator.",
        run: forged_out_of_bound_proof,
    },
    Scenario {
        name: "mpc_out_of_bound",
        source: "adversarial.rs mpc_mode_rejects_an_out_of_bound_update_without_client_proofs",
        description: "MPC mode (S = 2): provider 1's out-of-bound update is rejected by the \
                      two-party bound check.",
        run: mpc_out_of_bound,
    },
    Scenario {
        name: "wrong_partial_sum",
        source: "adversarial.rs a_wrong_partial_sum_aborts_the_round_and_the_auditor_names_the_aggregator",
        description: "Aggregator 1 posts a changed partial sum: the round aborts and the \
                      auditor names aggregator 1.",
        run: wrong_partial_sum,
    },
    Scenario {
        name: "below_minimum_batch",
        source: "adversarial.rs below_the_minimum_batch_nothing_is_released",
        description: "Three accepted contributions with minimum batch 4: nothing is released.",
        run: below_minimum_batch,
    },
    Scenario {
        name: "saved_bulletin_last_byte_flipped",
        source: "adversarial.rs one_changed_byte_anywhere_in_a_saved_bulletin_is_rejected",
        description: "The last byte of a saved bulletin (the close's signature) is flipped: the \
                      auditor blames the coordinator.",
        run: saved_bulletin_last_byte_flipped,
    },
    Scenario {
        name: "saved_bulletin_truncated",
        source: "adversarial.rs one_changed_byte_anywhere_in_a_saved_bulletin_is_rejected",
        description: "A saved bulletin one byte short does not decode.",
        run: saved_bulletin_truncated,
    },
    Scenario {
        name: "mpc_shamir_2_of_2_rigged_dealer",
        source: "defects.rs defect1_mpc_with_shamir_checks_the_reconstruction_not_the_plain_sum",
        description: "MPC mode with Shamir 2-of-2: provider 2 deals shares whose plain sum is 5 \
                      but whose reconstruction is 10^9; the bound check rejects it.",
        run: mpc_shamir_2_of_2_rigged_dealer,
    },
    Scenario {
        name: "setup_relation_mismatch",
        source: "defects.rs defect2_setup_refuses_a_relation_or_sharing_other_than_the_config_names",
        description: "A 32-bit relation run under a config naming 16 bits is refused.",
        run: setup_relation_mismatch,
    },
    Scenario {
        name: "setup_sharing_mismatch",
        source: "defects.rs defect2_setup_refuses_a_relation_or_sharing_other_than_the_config_names",
        description: "Shamir 2-of-3 run under a config naming additive sharing is refused.",
        run: setup_sharing_mismatch,
    },
    Scenario {
        name: "second_registration_live",
        source: "defects.rs defect3_provider_noise_is_refused_at_append_and_skipped_by_the_auditor",
        description: "Provider 1 registers twice in a round: the coordinator refuses the second; \
                      the round is unaffected.",
        run: second_registration_live,
    },
    Scenario {
        name: "provider_noise_in_audit",
        source: "defects.rs defect3_provider_noise_is_refused_at_append_and_skipped_by_the_auditor",
        description: "A coordinator let provider noise through (a contribution outside a round, \
                      a second registration, a contribution for another round): the auditor \
                      notes each and still checks every round.",
        run: provider_noise_in_audit,
    },
    Scenario {
        name: "duplicate_accepted_set",
        source: "defects.rs defect4_an_aggregator_posting_its_accepted_set_twice_is_blamed",
        description: "Aggregator 1's accepted set appears twice on the bulletin: the auditor \
                      blames aggregator 1 at the second.",
        run: duplicate_accepted_set,
    },
    Scenario {
        name: "withheld_partial_sum",
        source: "defects.rs defect4_an_aggregator_withholding_its_partial_sum_is_blamed",
        description: "Aggregator 2 withholds its partial sum: the round aborts, blamed on it.",
        run: withheld_partial_sum,
    },
    Scenario {
        name: "stray_partial_sum_after_close",
        source: "defects.rs defect4_stray_partial_sums_are_rejected_and_the_poster_blamed",
        description: "Aggregator 0 posts a partial sum after round 0 closed.",
        run: stray_partial_sum_after_close,
    },
    Scenario {
        name: "stray_partial_sum_other_round",
        source: "defects.rs defect4_stray_partial_sums_are_rejected_and_the_poster_blamed",
        description: "Aggregator 0 posts, in round 0, a partial sum carrying round 1's number.",
        run: stray_partial_sum_other_round,
    },
    Scenario {
        name: "stray_partial_sum_below_minimum_batch",
        source: "defects.rs defect4_stray_partial_sums_are_rejected_and_the_poster_blamed",
        description: "Aggregator 0 posts a partial sum in round 0, whose accepted set is below \
                      the minimum batch.",
        run: stray_partial_sum_below_minimum_batch,
    },
    Scenario {
        name: "header_model_i64_max",
        source: "defects.rs defect5_an_out_of_range_header_model_is_blamed_on_the_coordinator",
        description: "A round header whose model is i64::MAX everywhere.",
        run: header_model_i64_max,
    },
    Scenario {
        name: "header_model_wrong_length",
        source: "defects.rs defect5_an_out_of_range_header_model_is_blamed_on_the_coordinator",
        description: "A round header whose model has d - 1 weights.",
        run: header_model_wrong_length,
    },
    Scenario {
        name: "header_model_above_max",
        source: "defects.rs defect5_an_out_of_range_header_model_is_blamed_on_the_coordinator",
        description: "A round header whose model is BOUNDED_MODEL_MAX + 1 everywhere.",
        run: header_model_above_max,
    },
    Scenario {
        name: "model_update_overflow",
        source: "defects.rs defect5_the_model_update_is_checked_arithmetic",
        description: "The model update on i64::MAX weights with a huge sum overflows: checked.",
        run: model_update_overflow,
    },
    Scenario {
        name: "share_in_another_providers_name",
        source: "defects.rs defect6_a_share_delivered_in_another_providers_name_is_refused",
        description: "Provider 1 delivers garbage shares in provider 0's name to every \
                      aggregator: each delivery is refused, blamed on provider 1.",
        run: share_in_another_providers_name,
    },
    Scenario {
        name: "bad_own_delivery_first",
        source: "defects.rs defect6_of_two_own_deliveries_the_one_that_opens_is_kept",
        description: "Provider 4 sends aggregator 1 a bad delivery before the good one: the bad \
                      one must not displace the good one (nobody is rejected).",
        run: bad_own_delivery_first,
    },
    Scenario {
        name: "contribution_signed_by_another_party",
        source: "defects.rs defect6_a_contribution_signed_by_another_party_is_refused",
        description: "Provider 3 signs and posts provider 0's contribution: refused.",
        run: contribution_signed_by_another_party,
    },
    Scenario {
        name: "weak_config_key",
        source: "defects.rs defect7_weak_and_duplicate_keys_are_refused",
        description: "Provider 2's key is the identity point (small order).",
        run: weak_config_key,
    },
    Scenario {
        name: "duplicate_config_key",
        source: "defects.rs defect7_weak_and_duplicate_keys_are_refused",
        description: "Provider 3's key is aggregator 0's key.",
        run: duplicate_config_key,
    },
    Scenario {
        name: "non_strict_signature",
        source: "defects.rs defect7_a_signature_that_only_verifies_non_strictly_is_refused",
        description: "The first entry's signature with s + l (non-canonical s).",
        run: non_strict_signature,
    },
    Scenario {
        name: "two_bad_links",
        source: "defects.rs defect8_two_bad_links_in_a_batch_are_both_found_in_one_pass",
        description: "Providers 1 and 3 post a changed pi_link: both are found in one batch.",
        run: two_bad_links,
    },
    Scenario {
        name: "partial_sum_over_provider_twice",
        source: "defects.rs defect8_a_partial_sum_over_a_provider_listed_twice_is_refused",
        description: "A partial sum over an accepted set listing provider 0 twice is refused \
                      locally.",
        run: partial_sum_over_provider_twice,
    },
    Scenario {
        name: "mpc_bound_edges",
        source: "defects.rs defect8_one_bound_everywhere_minus_two_to_the_b_minus_1_is_accepted_in_both_modes",
        description: "MPC mode: -2^15 and 2^15 - 1 are accepted, -2^15 - 1 (provider 2) is \
                      rejected.",
        run: mpc_bound_edges,
    },
];

// ---------------------------------------------- adversarial.rs, the cheats

fn shares_sum_to_another_vector() -> Outcome {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let gens = c.setup().gens().pedersen.clone();
    let r = run(&mut c, &updates(), &[true; P], &mut WrongSum { gens });
    observe(&c, &r)
}

fn share_does_not_open() -> Outcome {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let r = run(&mut c, &updates(), &[true; P], &mut BadOpening);
    observe(&c, &r)
}

fn copied_proof() -> Outcome {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let r = run(
        &mut c,
        &updates(),
        &[true, true, true, true, false],
        &mut CopyProof { seen: None },
    );
    observe(&c, &r)
}

fn replay_same_round() -> Outcome {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let r = run(
        &mut c,
        &updates(),
        &[true; P],
        &mut ReplaySame { seen: None },
    );
    observe(&c, &r)
}

fn replay_next_round(relabel: bool) -> Outcome {
    let (c, _, r) = replayed_next_round(relabel);
    observe(&c, &r)
}

fn replay_next_round_verbatim() -> Outcome {
    replay_next_round(false)
}

fn replay_next_round_relabelled() -> Outcome {
    replay_next_round(true)
}

fn out_of_bound_cannot_be_proven() -> Outcome {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let mut ups = updates();
    ups[3][2] = 40_000; // beyond 16 signed bits
    let r = run(&mut c, &ups, &[true; P], &mut Honest);
    observe(&c, &r)
}

fn forged_out_of_bound_proof() -> Outcome {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let ups = updates();
    let mut t = forged_out_of_bound(&c, &ups);
    let r = run(&mut c, &ups, &[true, true, true, false, true], &mut t);
    observe(&c, &r)
}

fn mpc_out_of_bound() -> Outcome {
    let mut c = consortium(ValidityMode::Mpc2pc, 2, 3);
    let mut ups = updates();
    ups[1][0] = 40_000; // beyond the bound 2^15 - 1
    let r = run(&mut c, &ups, &[true; P], &mut Honest);
    observe(&c, &r)
}

fn wrong_partial_sum() -> Outcome {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let r = run(&mut c, &updates(), &[true; P], &mut WrongPartialSum);
    observe(&c, &r)
}

fn below_minimum_batch() -> Outcome {
    let mut c = consortium(ValidityMode::ZkProof, S, 4);
    let r = run(
        &mut c,
        &updates(),
        &[true, true, true, false, false],
        &mut Honest,
    );
    observe(&c, &r)
}

fn saved_bulletin(change: fn(&mut Vec<u8>)) -> Outcome {
    let base = honest_round();
    let mut bytes = base.bulletin.to_bytes();
    change(&mut bytes);
    audit_only(&audit_bytes(&base.setup, &bytes))
}

fn saved_bulletin_last_byte_flipped() -> Outcome {
    saved_bulletin(|b| {
        let last = b.len() - 1;
        b[last] ^= 0x01;
    })
}

fn saved_bulletin_truncated() -> Outcome {
    saved_bulletin(|b| {
        b.pop();
    })
}

// ------------------------------------------------- defects.rs, the defects

fn mpc_shamir_2_of_2_rigged_dealer() -> Outcome {
    let mut c = build(Shamir::new(2, 2).unwrap(), ValidityMode::Mpc2pc, 3);
    let ups = updates();
    let mut t = rigged_dealer(&c, &ups);
    let r = run(&mut c, &ups, &[true, true, false, true, true], &mut t);
    observe(&c, &r)
}

fn setup_relation_mismatch() -> Outcome {
    let c = consortium(ValidityMode::ZkProof, S, 3);
    let wide = BoundedVectorRelation::new(D, 32).unwrap();
    match Setup::new(c.setup().config().clone(), wide, Additive::new(S).unwrap()) {
        Err(AggError::Config(e)) => local_error(e),
        Err(e) => local_error(e),
        Ok(_) => Outcome::default(),
    }
}

fn setup_sharing_mismatch() -> Outcome {
    let c = consortium(ValidityMode::ZkProof, S, 3);
    match Setup::new(
        c.setup().config().clone(),
        BoundedVectorRelation::new(D, BITS).unwrap(),
        Shamir::new(2, S).unwrap(),
    ) {
        Err(AggError::Config(e)) => local_error(e),
        Err(e) => local_error(e),
        Ok(_) => Outcome::default(),
    }
}

fn second_registration_live() -> Outcome {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let r = run(
        &mut c,
        &updates(),
        &[true; P],
        &mut Noise(second_registration()),
    );
    observe(&c, &r)
}

fn provider_noise_in_audit() -> Outcome {
    let c = two_rounds_run();
    let mut msgs = messages(&c.bulletin);
    with_provider_noise(&mut msgs, &second_registration());
    audit_only(&audit(&c.setup, &rebuild(c.setup.config(), &msgs)))
}

fn duplicate_accepted_set() -> Outcome {
    let c = two_rounds_run();
    let mut msgs = messages(&c.bulletin);
    with_second_accepted_set(&mut msgs);
    audit_only(&audit(&c.setup, &rebuild(c.setup.config(), &msgs)))
}

fn withheld_partial_sum() -> Outcome {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let r = run(&mut c, &updates(), &[true; P], &mut Withhold);
    observe(&c, &r)
}

fn stray_partial_sum_at(which: Stray) -> Outcome {
    // Round 0 below the minimum batch (nothing released), round 1 normal.
    let c = small_then_full_run();
    let mut msgs = messages(&c.bulletin);
    let (at, p) = stray_partial_sum(&msgs, which);
    msgs.insert(at, (agg(0), PublicMessage::PartialSum(p)));
    audit_only(&audit(&c.setup, &rebuild(c.setup.config(), &msgs)))
}

fn stray_partial_sum_after_close() -> Outcome {
    stray_partial_sum_at(Stray::AfterClose)
}

fn stray_partial_sum_other_round() -> Outcome {
    stray_partial_sum_at(Stray::OtherRound)
}

fn stray_partial_sum_below_minimum_batch() -> Outcome {
    stray_partial_sum_at(Stray::BelowMinimumBatch)
}

fn header_model(model: Vec<i64>) -> Outcome {
    let c = consortium(ValidityMode::ZkProof, S, 3);
    let msgs = vec![(
        PartyId::Coordinator,
        PublicMessage::RoundHeader(RoundHeader { round: 0, model }),
    )];
    let setup = c.setup();
    audit_only(&audit(setup, &rebuild(setup.config(), &msgs)))
}

fn header_model_i64_max() -> Outcome {
    header_model(vec![i64::MAX; D])
}

fn header_model_wrong_length() -> Outcome {
    header_model(vec![0; D - 1])
}

fn header_model_above_max() -> Outcome {
    header_model(vec![BOUNDED_MODEL_MAX + 1; D])
}

fn model_update_overflow() -> Outcome {
    let r = BoundedVectorRelation::new(D, BITS).unwrap();
    let w = vec![i64::MAX; D];
    let sum = vec![i128::from(i64::MAX) * 4; D];
    match r.update_model(&w, &sum, 1) {
        Err(AggError::Misuse(e)) => local_error(e),
        Err(e) => local_error(e),
        Ok(_) => Outcome::default(),
    }
}

fn share_in_another_providers_name() -> Outcome {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let r = run(&mut c, &updates(), &[true; P], &mut Framer);
    observe(&c, &r)
}

fn bad_own_delivery_first() -> Outcome {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let r = run(&mut c, &updates(), &[true; P], &mut Twice);
    observe(&c, &r)
}

fn contribution_signed_by_another_party() -> Outcome {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let r = run(&mut c, &updates(), &[true; P], &mut Relay(None));
    observe(&c, &r)
}

fn weak_config_key() -> Outcome {
    let c = consortium(ValidityMode::ZkProof, S, 3);
    let mut weak = c.setup().config().clone();
    // The identity point: small order; with R = identity and s = 0 it
    // "verifies" any message under non-strict verification.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    weak.provider_keys[2] = identity;
    match weak.validate() {
        Err(e) => local_error(e),
        Ok(_) => Outcome::default(),
    }
}

fn duplicate_config_key() -> Outcome {
    let c = consortium(ValidityMode::ZkProof, S, 3);
    let mut dup = c.setup().config().clone();
    dup.provider_keys[3] = dup.aggregator_keys[0];
    match dup.validate() {
        Err(e) => local_error(e),
        Ok(_) => Outcome::default(),
    }
}

fn non_strict_signature() -> Outcome {
    // A valid signature with s + l (non-canonical s) must not verify.
    let (config, mut entries) = Bulletin::decode_file(&honest_round().bulletin.to_bytes()).unwrap();
    let mut sig = entries[0].signature;
    non_canonical_s(&mut sig);
    entries[0].signature = sig;
    let mut b = Bulletin::new(config).unwrap();
    match b.append(entries.remove(0)) {
        Err(e) => Outcome {
            refused: refusals(&e.blame().into_iter().collect::<Vec<_>>()),
            local_error: e.blame().is_none().then(|| format!("{e:?}")),
            ..Outcome::default()
        },
        Ok(_) => Outcome::default(),
    }
}

fn two_bad_links() -> Outcome {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let r = run(&mut c, &updates(), &[true; P], &mut TwoBadLinks);
    observe(&c, &r)
}

fn partial_sum_over_provider_twice() -> Outcome {
    // Re-run aggregator 0's decision on round 0's public data.
    let base = honest_round();
    let (decided, set) = fresh_aggregator_decides(&base.setup, &base.bulletin);
    // No shares were delivered to this fresh aggregator: all rejected.
    assert!(set.accepted.is_empty());
    match decided.sum_over(&pids(&[0, 0])) {
        Err(AggError::Misuse(e)) => local_error(e),
        Err(e) => local_error(e),
        Ok(_) => Outcome::default(),
    }
}

fn mpc_bound_edges() -> Outcome {
    let mut c = consortium(ValidityMode::Mpc2pc, 2, 3);
    let mut ups = updates();
    ups[0][1] = -32768; // -2^15: in the signed 16-bit range
    ups[1][1] = 32767;
    ups[2][1] = -32769; // just outside (no proof needed to send it)
    let r = run(&mut c, &ups, &[true; P], &mut Honest);
    observe(&c, &r)
}
