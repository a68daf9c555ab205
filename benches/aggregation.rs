//! Aggregation overhead of the ZK path (issue 4 item 8): the bounded-vector
//! relation alone (no training), d signed 16-bit values, S = 2 aggregators,
//! beside Prio3SumVec (libprio 0.18) of the same length and bit count in the
//! same run.
//!
//! Measured, for each d:
//! - per provider: share + commit + prove (`commit(..).prove(..)`) with each
//!   NIZK backend side by side (`libspartan`, the reference, and
//!   `hyrax-spartan`, ours; the relation proves through the `ProofSystem`
//!   trait, the backend selected by its `Backend` value as in a config)
//!   and, where preprocessing is feasible, libspartan's SNARK (not a
//!   `ProofSystem` backend, a baseline); bytes uploaded =
//!   encoded public contribution + every encoded share delivery;
//! - per aggregator, per contribution: receive + decide (pi_zk, batched
//!   pi_link, batched share openings) + partial sum over P distinct
//!   precomputed contributions, divided by P;
//! - Prio3SumVec: client `shard` and its bytes (public share + both input
//!   shares, encoded); per aggregator `verify_init` + `verifier_shares_to_message`
//!   + `verify_next` + accumulating the output share, per report.
//!
//! Prio3SumVec measures unsigned values in [0, 2^16) (max_measurement
//! 65535), ours signed values in [-2^15, 2^15): the same 16 bits. Neither
//! side counts transport overhead (HPKE/AEAD, signatures, report metadata).
//!
//! Run: `cargo bench --bench aggregation`. A summary table of medians goes to
//! stderr at the end. Criterion runs 10 samples of everything up to
//! d = 10,000; beyond that a provider's time is the median of the P
//! precomputed contributions and each aggregator round is timed a few times
//! by hand (criterion's 10 samples plus warm-up of ~30 s rounds would take
//! most of an hour). The SNARK is always timed by hand: its prover takes
//! ~10 s at d = 1,000 and scales linearly. Knobs (environment):
//! - `ZKAGG_BENCH_DIMS=1000,10000` restricts the dimensions (default
//!   1000,10000,100000);
//! - `ZKAGG_BENCH_P100_MAX_D=N` amortises over P = 100 too for d <= N
//!   (default 1000);
//! - `ZKAGG_BENCH_CRITERION_MAX_D=N` (default 10000) and
//!   `ZKAGG_BENCH_MANUAL_REPS=N` (default 3): see above;
//! - `ZKAGG_BENCH_FLOOR=0` skips the floor measurement: each backend's NIZK
//!   verification of the bare range check (`RangeCheckCircuit`, 16
//!   constraints per value: no hash, no evaluation), through the trait, a
//!   lower bound on pi_zk verification for any circuit that range-checks d
//!   values bit by bit with that backend;
//! - `ZKAGG_BENCH_SNARK_MAX_D=N` runs the SNARK for d <= N (default 10000;
//!   its preprocessing at d = 100,000 does not finish in reasonable time or
//!   memory on a small machine) over `ZKAGG_BENCH_SNARK_P` contributions
//!   (default 2). Preprocessing is cached under `target/tmp/zkagg-snark-cache`.

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, Bencher, BenchmarkGroup, Criterion, SamplingMode,
};
use merlin::Transcript;
use prio::codec::Encode;
use prio::vdaf::prio3::{optimal_chunk_length, Prio3, Prio3SumVec};
use prio::vdaf::{Aggregatable, Aggregator as _, Client as _, VerifyTransition};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha20Rng;
use std::collections::BTreeMap;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use zkagg_aggregation::aggregator::AggregatorRound;
use zkagg_aggregation::config::ValidityMode;
use zkagg_aggregation::ledger::Ledger;
use zkagg_aggregation::msgs::{Contribution, PublicMessage, RoundHeader, ShareDelivery};
use zkagg_aggregation::relation::{BoundedVectorRelation, UpdateRelation, UpdateStatement};
use zkagg_aggregation::sim::{Consortium, ConsortiumBuilder};
use zkagg_aggregation::{AggregatorId, PartyId};
use zkagg_mpc::sharing::additive::Additive;
use zkagg_zk::circuits::RangeCheckCircuit;
use zkagg_zk::encoding::to_bytes;
use zkagg_zk::r1cs::{Circuit, ConstraintCounter};
use zkagg_zk::update::BoundedUpdateCircuit;

mod backends;
use backends::{label, shape_of, Ready, BACKENDS};

/// Signed bit width of every coordinate (Prio3: max_measurement 2^16 - 1).
const BITS: usize = 16;
/// Number of aggregators.
const S: usize = 2;
/// Contributions an aggregator round is amortised over.
const P_SMALL: usize = 10;
const P_LARGE: usize = 100;
const SEED: u64 = 0x5eed_a66e;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().replace('_', "").parse().ok())
        .unwrap_or(default)
}

fn dims() -> Vec<usize> {
    match std::env::var("ZKAGG_BENCH_DIMS") {
        Ok(v) => v
            .split(',')
            .filter_map(|x| x.trim().replace('_', "").parse().ok())
            .collect(),
        Err(_) => vec![1_000, 10_000, 100_000],
    }
}

/// d signed 16-bit values from a fixed seed.
fn update(d: usize, i: u64) -> Vec<i64> {
    let mut rng = ChaCha20Rng::seed_from_u64(SEED ^ ((d as u64) << 20) ^ i);
    let half = 1i64 << (BITS - 1);
    (0..d).map(|_| rng.gen_range(-half..half)).collect()
}

/// The same values shifted into [0, 2^16) for Prio3SumVec.
fn prio_measurement(delta: &[i64]) -> Vec<u128> {
    let half = 1i64 << (BITS - 1);
    delta.iter().map(|&x| (x + half) as u128).collect()
}

fn median(xs: &[Duration]) -> Option<Duration> {
    if xs.is_empty() {
        return None;
    }
    let mut v = xs.to_vec();
    v.sort();
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2
    })
}

/// Every timed iteration of every benchmark, by name, for the summary.
#[derive(Default)]
struct Record {
    times: BTreeMap<String, Vec<Duration>>,
    bytes: BTreeMap<String, usize>,
    notes: Vec<String>,
}

impl Record {
    fn median(&self, key: &str) -> Option<Duration> {
        self.times.get(key).and_then(|v| median(v))
    }
}

/// Runs `f` once per criterion iteration; `f` returns the time of the part
/// it measures (so per-iteration setup stays outside), which is also kept
/// for the summary.
fn timed(b: &mut Bencher<'_>, store: &mut Vec<Duration>, mut f: impl FnMut() -> Duration) {
    b.iter_custom(|iters| {
        let mut total = Duration::ZERO;
        for _ in 0..iters {
            let t = f();
            store.push(t);
            total += t;
        }
        total
    })
}

fn group<'a>(c: &'a mut Criterion, name: String) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3));
    g
}

type Cons = Consortium<BoundedVectorRelation, Additive>;

/// Builds a consortium of `n` providers over dimension `d` with the given relation.
fn consortium(rel: BoundedVectorRelation, d: usize, n: usize) -> Cons {
    ConsortiumBuilder::new(rel, Additive::new(S).expect("S >= 2"))
        .name("bench-aggregation")
        .providers(n)
        .validity(ValidityMode::ZkProof)
        .min_batch(1)
        .initial_model(vec![0; d])
        .seed(SEED)
        .build()
        .expect("consortium")
}

/// The public state aggregators read: round 0 open with these contributions.
fn ledger_with(
    cons: &Cons,
    header: &RoundHeader,
    ups: &[Upload],
) -> Ledger<BoundedVectorRelation, Additive> {
    let mut ledger = Ledger::new(cons.setup().clone());
    ledger
        .apply(
            0,
            PartyId::Coordinator,
            &PublicMessage::RoundHeader(header.clone()),
        )
        .expect("header");
    for (k, u) in ups.iter().enumerate() {
        ledger
            .apply(
                k as u64 + 1,
                PartyId::Provider(u.contribution.provider),
                &PublicMessage::Contribution(u.contribution.clone()),
            )
            .expect("contribution");
    }
    ledger
}

/// One provider's messages and their encoded sizes.
struct Upload {
    contribution: Contribution,
    deliveries: Vec<ShareDelivery>,
}

impl Upload {
    fn bytes(&self) -> (usize, Vec<usize>) {
        (
            to_bytes(&self.contribution).expect("encode").len(),
            self.deliveries
                .iter()
                .map(|d| to_bytes(d).expect("encode").len())
                .collect(),
        )
    }
    fn total_bytes(&self) -> usize {
        let (c, ds) = self.bytes();
        c + ds.iter().sum::<usize>()
    }
}

/// One aggregator's whole round over `ups`: receive, decide, partial sum.
/// The contributions are read from `ledger` (as from the bulletin).
fn aggregator_round(
    cons: &Cons,
    ledger: &Ledger<BoundedVectorRelation, Additive>,
    s: usize,
    ups: &[Upload],
    rng: &mut ChaCha20Rng,
) -> Duration {
    // Message copies are made outside the timed part.
    let shares: Vec<ShareDelivery> = ups.iter().map(|u| u.deliveries[s].clone()).collect();
    let start = Instant::now();
    let mut round = AggregatorRound::new(AggregatorId(s as u32), cons.setup().clone(), 0);
    for d in shares {
        round.receive_share(d.provider, d).expect("share");
    }
    let (decided, set) = round.decide(ledger, rng).expect("decide");
    assert_eq!(
        set.accepted.len(),
        ups.len(),
        "honest contributions rejected: {:?}",
        set.rejected
    );
    let sum = decided.sum_over(&set.accepted).expect("partial sum");
    let t = start.elapsed();
    black_box(sum);
    t
}

/// Times `f` `reps` times outside criterion (for cases where criterion's
/// 10 samples plus warm-up would take too long).
fn manual(store: &mut Vec<Duration>, reps: usize, mut f: impl FnMut() -> Duration) {
    for _ in 0..reps {
        store.push(f());
    }
}

/// How one proof mode is measured at one dimension.
struct Plan {
    /// A NIZK backend's [`label`] or "snark".
    mode: &'static str,
    /// Round sizes P the aggregator is amortised over.
    p_list: Vec<usize>,
    /// Run the provider and aggregator through criterion; otherwise the
    /// provider time is taken from the precomputed contributions and each
    /// aggregator round is timed `manual_reps` times.
    criterion: bool,
    manual_reps: usize,
}

/// Provider and aggregator measurements for one proof mode.
fn bench_zkagg(
    c: &mut Criterion,
    rec: &mut Record,
    plan: &Plan,
    rel: BoundedVectorRelation,
    d: usize,
    inputs: &[Vec<i64>],
) {
    let mode = plan.mode;
    let n = plan.p_list.iter().copied().max().unwrap_or(1).max(1);
    let cons = consortium(rel, d, n);
    let header = RoundHeader {
        round: 0,
        model: vec![0; d],
    };

    // Distinct contributions from providers 0..n, each one a timed
    // share + commit + prove.
    let start = Instant::now();
    let mut rng = ChaCha20Rng::seed_from_u64(SEED ^ 0xc0);
    let ups: Vec<Upload> = cons.providers()[..n]
        .iter()
        .zip(inputs)
        .map(|(p, input)| {
            let t = Instant::now();
            let (contribution, deliveries) = p
                .start_round(&header)
                .commit(input, &mut rng)
                .expect("commit")
                .prove(&mut rng)
                .expect("prove");
            rec.times
                .entry(format!("{mode}/{d}/provider_precompute"))
                .or_default()
                .push(t.elapsed());
            Upload {
                contribution,
                deliveries,
            }
        })
        .collect();
    eprintln!(
        "[d={d} {mode}] precomputed {n} contributions in {:.1?} (median {})",
        start.elapsed(),
        fmt_time(rec.median(&format!("{mode}/{d}/provider_precompute")))
    );
    let (cbytes, dbytes) = ups[0].bytes();
    let cont = &ups[0].contribution;
    eprintln!(
        "[d={d} {mode}] bytes/provider {} = contribution {cbytes} (pi_zk {}, pi_link {}, {} share commitments, h, y) + share deliveries {:?} (seed share, explicit share; each with its 32-byte blind)",
        ups[0].total_bytes(),
        cont.proof.len(),
        to_bytes(&cont.link).expect("encode").len(),
        cont.share_commitments.len(),
        dbytes
    );
    rec.bytes
        .insert(format!("{mode}/{d}/upload"), ups[0].total_bytes());

    // Breakdown: pi_zk verification alone, for one contribution (timed by
    // hand: 10 runs where criterion runs the rest, else `manual_reps`).
    {
        let store = rec
            .times
            .entry(format!("{mode}/{d}/pi_zk_verify"))
            .or_default();
        let setup = cons.setup();
        let ledger = ledger_with(&cons, &header, &ups[..1]);
        let open = ledger.open_round().expect("open");
        let cont = &ups[0].contribution;
        let ctx = open.context(setup, ledger.registrations(), cont);
        let statement = UpdateStatement::new(&ctx, cont.y);
        let verify = || {
            setup
                .relation()
                .verify(&statement, &cont.proof)
                .expect("pi_zk verifies")
        };
        verify(); // warm-up, untimed
        let reps = if plan.criterion { 10 } else { plan.manual_reps };
        manual(store, reps, || {
            let start = Instant::now();
            verify();
            start.elapsed()
        });
        eprintln!(
            "[d={d} {mode}] pi_zk verification alone: median {}",
            fmt_time(rec.median(&format!("{mode}/{d}/pi_zk_verify")))
        );
    }

    let mut g = group(c, format!("aggregation_d{d}"));
    // Per provider: share + commit + prove.
    if plan.criterion {
        let store = rec.times.entry(format!("{mode}/{d}/provider")).or_default();
        let provider = &cons.providers()[0];
        let input = &inputs[0];
        let mut rng = ChaCha20Rng::seed_from_u64(SEED ^ 0x9);
        g.bench_function(format!("provider_{mode}"), |b| {
            timed(b, store, || {
                let start = Instant::now();
                let out = provider
                    .start_round(&header)
                    .commit(input, &mut rng)
                    .expect("commit")
                    .prove(&mut rng)
                    .expect("prove");
                let t = start.elapsed();
                black_box(out);
                t
            })
        });
    }
    // Per aggregator: a whole round over P contributions.
    for &p in &plan.p_list {
        let ledger = ledger_with(&cons, &header, &ups[..p]);
        for s in 0..S {
            let key = format!("{mode}/{d}/aggregator{s}/P{p}");
            let store = rec.times.entry(key).or_default();
            let mut rng = ChaCha20Rng::seed_from_u64(SEED ^ 0xa ^ s as u64);
            if plan.criterion {
                g.bench_function(format!("aggregator{s}_{mode}_P{p}"), |b| {
                    timed(b, store, || {
                        aggregator_round(&cons, &ledger, s, &ups[..p], &mut rng)
                    })
                });
            } else {
                manual(store, plan.manual_reps, || {
                    aggregator_round(&cons, &ledger, s, &ups[..p], &mut rng)
                });
                eprintln!(
                    "[d={d} {mode}] aggregator {s}, P = {p}: {} rounds timed outside criterion, median {} per round",
                    plan.manual_reps,
                    fmt_time(median(store))
                );
            }
        }
    }
    g.finish();
}

/// Prio3SumVec of length d, 16 bits, 2 aggregators.
fn bench_prio3(c: &mut Criterion, rec: &mut Record, d: usize, delta: &[i64]) {
    let chunk = optimal_chunk_length(d * BITS);
    let vdaf: Prio3SumVec =
        Prio3::new_sum_vec(S as u8, (1u128 << BITS) - 1, d, chunk).expect("Prio3SumVec");
    let measurement = prio_measurement(delta);
    let ctx = b"zkagg bench";
    let nonce = [7u8; 16];
    let mut key_rng = ChaCha20Rng::seed_from_u64(SEED ^ 0x77);
    let mut verify_key = [0u8; 32];
    key_rng.fill(&mut verify_key);

    let (public, inputs) = vdaf.shard(ctx, &measurement, &nonce).expect("shard");
    let pub_bytes = public.get_encoded().expect("encode").len();
    let in_bytes: Vec<usize> = inputs
        .iter()
        .map(|x| x.get_encoded().expect("encode").len())
        .collect();
    let total = pub_bytes + in_bytes.iter().sum::<usize>();
    eprintln!(
        "[d={d} prio3] Prio3SumVec(len {d}, max_measurement {}, chunk_length {chunk}): bytes/report {total} = public share {pub_bytes} + input shares {in_bytes:?} (leader, helper)",
        (1u128 << BITS) - 1
    );
    rec.bytes.insert(format!("prio3/{d}/upload"), total);

    // Each aggregator's verifier share, for the other one's timed round.
    let shares: Vec<_> = (0..S)
        .map(|s| {
            vdaf.verify_init(&verify_key, ctx, s, &(), &nonce, &public, &inputs[s])
                .expect("verify_init")
                .1
        })
        .collect();

    let mut g = group(c, format!("aggregation_d{d}"));
    {
        let store = rec.times.entry(format!("prio3/{d}/shard")).or_default();
        g.bench_function("prio3_shard", |b| {
            timed(b, store, || {
                let start = Instant::now();
                let out = vdaf.shard(ctx, &measurement, &nonce).expect("shard");
                let t = start.elapsed();
                black_box(out);
                t
            })
        });
    }
    for (s, input) in inputs.iter().enumerate() {
        let store = rec
            .times
            .entry(format!("prio3/{d}/verify_init{s}"))
            .or_default();
        g.bench_function(format!("prio3_verify_init{s}"), |b| {
            timed(b, store, || {
                let start = Instant::now();
                let out = vdaf
                    .verify_init(&verify_key, ctx, s, &(), &nonce, &public, input)
                    .expect("verify_init");
                let t = start.elapsed();
                black_box(out);
                t
            })
        });
        // The whole per-report work of aggregator s.
        let store = rec
            .times
            .entry(format!("prio3/{d}/aggregator{s}"))
            .or_default();
        let mut agg = vdaf.aggregate_init(&());
        g.bench_function(format!("prio3_aggregator{s}"), |b| {
            timed(b, store, || {
                let start = Instant::now();
                let (state, mine) = vdaf
                    .verify_init(&verify_key, ctx, s, &(), &nonce, &public, input)
                    .expect("verify_init");
                let round: Vec<_> = (0..S)
                    .map(|j| {
                        if j == s {
                            mine.clone()
                        } else {
                            shares[j].clone()
                        }
                    })
                    .collect();
                let msg = vdaf
                    .verifier_shares_to_message(ctx, &(), round)
                    .expect("verifier message");
                match vdaf.verify_next(ctx, state, msg).expect("verify_next") {
                    VerifyTransition::Finish(out) => agg.accumulate(&out).expect("accumulate"),
                    VerifyTransition::Continue(..) => panic!("Prio3 verifies in one round"),
                }
                start.elapsed()
            })
        });
        black_box(agg);
    }
    g.finish();
}

fn fmt_bytes(b: Option<usize>) -> String {
    match b {
        Some(b) if b >= 1 << 20 => format!("{:.2} MiB", b as f64 / (1 << 20) as f64),
        Some(b) if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        Some(b) => format!("{b} B"),
        None => "-".into(),
    }
}

fn fmt_time(t: Option<Duration>) -> String {
    match t {
        Some(t) if t >= Duration::from_secs(1) => format!("{:.2} s", t.as_secs_f64()),
        Some(t) if t >= Duration::from_millis(1) => format!("{:.1} ms", t.as_secs_f64() * 1e3),
        Some(t) => format!("{:.0} us", t.as_secs_f64() * 1e6),
        None => "-".into(),
    }
}

fn ratio(a: Option<f64>, b: Option<f64>) -> String {
    match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.3}", a / b),
        _ => "-".into(),
    }
}

/// Median per-contribution time of the slower aggregator, amortised over P.
fn agg_per_contribution(rec: &Record, mode: &str, d: usize, p: usize) -> Option<Duration> {
    (0..S)
        .map(|s| rec.median(&format!("{mode}/{d}/aggregator{s}/P{p}")))
        .collect::<Option<Vec<_>>>()
        .and_then(|v| v.into_iter().max())
        .map(|t| t / p as u32)
}

/// Median provider time: criterion's runs if any, else the precomputed
/// contributions' (flagged).
fn provider_time(rec: &Record, mode: &str, d: usize) -> (Option<Duration>, bool) {
    match rec.median(&format!("{mode}/{d}/provider")) {
        Some(t) => (Some(t), false),
        None => (rec.median(&format!("{mode}/{d}/provider_precompute")), true),
    }
}

fn prio_agg(rec: &Record, d: usize) -> Option<Duration> {
    (0..S)
        .map(|s| rec.median(&format!("prio3/{d}/aggregator{s}")))
        .collect::<Option<Vec<_>>>()
        .and_then(|v| v.into_iter().max())
}

/// The proof modes in report order: each NIZK backend, then the SNARK.
fn modes() -> Vec<&'static str> {
    BACKENDS
        .iter()
        .map(|b| label(*b))
        .chain(["snark"])
        .collect()
}

fn summary(rec: &Record, dims: &[usize], snark_p: usize) {
    let secs = |t: Option<Duration>| t.map(|t| t.as_secs_f64());
    let flag = |t: (Option<Duration>, bool)| {
        format!(
            "{}{}",
            fmt_time(t.0),
            if t.1 && t.0.is_some() { "*" } else { "" }
        )
    };
    eprintln!();
    eprintln!("=== zkagg aggregation vs Prio3SumVec: bounded-vector relation (no training), signed 16-bit values, S = 2 aggregators ===");
    eprintln!("Medians over every timed iteration. B = bytes uploaded per provider (ours: encoded contribution + both encoded share deliveries;");
    eprintln!("Prio3: encoded public share + both input shares). agg/P = per-contribution time of the slower aggregator in a round of P");
    eprintln!("(receive + decide + partial sum, / P; P = {P_SMALL} for the NIZKs, {snark_p} for the SNARK). Prio3 agg = verify_init + verifier_shares_to_message");
    eprintln!("+ verify_next + accumulate per report, slower aggregator. floor = the mode's verification of the bare range check.");
    eprintln!("* = timed outside criterion (precomputed contributions or a few manual rounds).");
    eprintln!();
    eprintln!(
        "{:>6} {:>13} | {:>9} {:>6} | {:>9} | {:>9} {:>9} {:>9} {:>9} | {:>7} {:>9}",
        "d",
        "mode",
        "B",
        "B/P3",
        "prove",
        "pi_zk",
        "agg/P",
        "agg/100",
        "Prio3 agg",
        "agg/P3",
        "floor"
    );
    for &d in dims {
        let prio = rec.bytes.get(&format!("prio3/{d}/upload")).copied();
        let pa = prio_agg(rec, d);
        eprintln!(
            "{:>6} {:>13} | {:>9} {:>6} | {:>9} | {:>9} {:>9} {:>9} {:>9} | {:>7} {:>9}",
            d,
            "prio3",
            fmt_bytes(prio),
            "1",
            fmt_time(rec.median(&format!("prio3/{d}/shard"))),
            "-",
            "-",
            "-",
            fmt_time(pa),
            "1",
            "-"
        );
        for mode in modes() {
            let bytes = rec.bytes.get(&format!("{mode}/{d}/upload")).copied();
            if bytes.is_none() {
                continue;
            }
            let p = if mode == "snark" { snark_p } else { P_SMALL };
            let agg = agg_per_contribution(rec, mode, d, p);
            let manual = mode == "snark" || rec.median(&format!("{mode}/{d}/provider")).is_none();
            eprintln!(
                "{:>6} {:>13} | {:>9} {:>6} | {:>9} | {:>9} {:>9} {:>9} {:>9} | {:>7} {:>9}",
                d,
                mode,
                fmt_bytes(bytes),
                ratio(bytes.map(|x| x as f64), prio.map(|x| x as f64)),
                flag(provider_time(rec, mode, d)),
                flag((rec.median(&format!("{mode}/{d}/pi_zk_verify")), true)),
                flag((agg, manual)),
                fmt_time(agg_per_contribution(rec, mode, d, P_LARGE)),
                fmt_time(pa),
                ratio(secs(agg), secs(pa)),
                fmt_time(rec.median(&format!("floor-{mode}/{d}/verify"))),
            );
        }
    }
    eprintln!();
    eprintln!("Targets: bytes/provider <= 1/4 of Prio3SumVec's; aggregator time per contribution at d = 100000 <= Prio3SumVec's verification per aggregator.");
    for &d in dims {
        let prio = rec.bytes.get(&format!("prio3/{d}/upload")).copied();
        let pa = prio_agg(rec, d);
        for mode in modes() {
            if let (Some(o), Some(p)) = (rec.bytes.get(&format!("{mode}/{d}/upload")), prio) {
                let r = *o as f64 / p as f64;
                eprintln!(
                    "  d={d} {mode}: bytes ratio {r:.3} (target <= 0.25) -> {}",
                    if r <= 0.25 {
                        "met".to_string()
                    } else {
                        format!("MISSED by {:.2}x", r / 0.25)
                    }
                );
            }
            let p = if mode == "snark" { snark_p } else { P_SMALL };
            if let (Some(o), Some(pa)) = (agg_per_contribution(rec, mode, d, p), pa) {
                let r = o.as_secs_f64() / pa.as_secs_f64();
                let pizk = rec.median(&format!("{mode}/{d}/pi_zk_verify"));
                eprintln!(
                    "  d={d} {mode}: aggregator time ratio {r:.2}{} -> {}; pi_zk verification alone is {} of it",
                    if d == 100_000 { " (target <= 1)" } else { "" },
                    if r <= 1.0 { "met".to_string() } else { format!("MISSED by {r:.1}x") },
                    pizk.map(|t| format!("{:.0}%", 100.0 * t.as_secs_f64() / o.as_secs_f64()))
                        .unwrap_or_else(|| "-".into())
                );
            }
            if let (Some(f), Some(pa)) = (rec.median(&format!("floor-{mode}/{d}/verify")), pa) {
                eprintln!(
                    "  d={d} {mode} floor: NIZK verification of the bare range check alone takes {} = {:.2}x Prio3's aggregator time",
                    fmt_time(Some(f)),
                    f.as_secs_f64() / pa.as_secs_f64()
                );
            }
        }
    }
    for n in &rec.notes {
        eprintln!("Note: {n}");
    }
    eprintln!();
}

/// Each backend's NIZK verification of the bare range check at dimension d
/// (see the module documentation), through the trait: setup and one proof,
/// then `reps` timed verifies.
fn bench_range_floor(rec: &mut Record, d: usize, values: &[i64], reps: usize) {
    let circuit = RangeCheckCircuit {
        d,
        bits: BITS,
        values: Some(values.to_vec()),
    };
    let shape = shape_of(&RangeCheckCircuit::shape(d, BITS));
    let t = || Transcript::new(b"zkagg/bench/floor");
    for backend in BACKENDS {
        let mode = label(backend);
        let r = Ready::new(backend, &shape, &circuit, t);
        let store = rec
            .times
            .entry(format!("floor-{mode}/{d}/verify"))
            .or_default();
        manual(store, reps, || {
            let start = Instant::now();
            r.vk.verify(&r.proof, &r.inputs, &mut t())
                .expect("floor verifies");
            start.elapsed()
        });
        eprintln!(
            "[d={d} floor {mode}] range check alone ({} constraints): NIZK verify median {} (setup {:.1?}, prove {:.1?})",
            shape.num_cons,
            fmt_time(rec.median(&format!("floor-{mode}/{d}/verify"))),
            r.setup,
            r.prove
        );
    }
}

fn bench_aggregation(c: &mut Criterion) {
    let dims = dims();
    let p100_max = env_usize("ZKAGG_BENCH_P100_MAX_D", 1_000);
    let criterion_max = env_usize("ZKAGG_BENCH_CRITERION_MAX_D", 10_000);
    let manual_reps = env_usize("ZKAGG_BENCH_MANUAL_REPS", 3).max(1);
    let snark_max = env_usize("ZKAGG_BENCH_SNARK_MAX_D", 10_000);
    let snark_p = env_usize("ZKAGG_BENCH_SNARK_P", 2).max(1);
    let floor = env_usize("ZKAGG_BENCH_FLOOR", 1) != 0;
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("zkagg-snark-cache");
    let mut rec = Record::default();
    eprintln!(
        "zkagg aggregation bench: bounded-vector relation, signed {BITS}-bit values, S = {S} aggregators, additive sharing (one seed share, one explicit share); d in {dims:?}"
    );
    for &d in &dims {
        let mut counter = ConstraintCounter::new();
        BoundedUpdateCircuit::shape(d, BITS)
            .synthesize(&mut counter)
            .expect("synthesize");
        eprintln!(
            "[d={d}] relation: {} constraints ({:.1}/value), {} witnesses",
            counter.num_constraints(),
            counter.num_constraints() as f64 / d as f64,
            counter.num_witnesses()
        );
        let p_list = if d <= p100_max {
            vec![P_SMALL, P_LARGE]
        } else {
            vec![P_SMALL]
        };
        let n = p_list.iter().copied().max().unwrap_or(1).max(snark_p);
        let inputs: Vec<Vec<i64>> = (0..n as u64).map(|i| update(d, i)).collect();

        bench_prio3(c, &mut rec, d, &inputs[0]);

        for backend in BACKENDS {
            let plan = Plan {
                mode: label(backend),
                p_list: p_list.clone(),
                criterion: d <= criterion_max,
                manual_reps,
            };
            let start = Instant::now();
            let rel = BoundedVectorRelation::with_backend(d, BITS, backend).expect("NIZK setup");
            eprintln!("[d={d} {}] setup {:.1?}", plan.mode, start.elapsed());
            assert_eq!(rel.dim(), d);
            bench_zkagg(c, &mut rec, &plan, rel, d, &inputs);
        }
        if floor {
            let reps = if d <= criterion_max { 10 } else { manual_reps };
            bench_range_floor(&mut rec, d, &inputs[0], reps);
        }

        if d <= snark_max {
            let start = Instant::now();
            let rel = BoundedVectorRelation::new_snark(d, BITS, &cache).expect("SNARK setup");
            eprintln!(
                "[d={d} snark] preprocessing (or cache load from {}) {:.1?}",
                cache.display(),
                start.elapsed()
            );
            let snark = Plan {
                mode: "snark",
                p_list: vec![snark_p],
                criterion: false,
                manual_reps,
            };
            bench_zkagg(c, &mut rec, &snark, rel, d, &inputs);
        } else {
            let note = format!(
                "SNARK skipped at d = {d} (> ZKAGG_BENCH_SNARK_MAX_D = {snark_max}): its preprocessing does not finish in reasonable time/memory here"
            );
            eprintln!("[d={d} snark] {note}");
            rec.notes.push(note);
        }
    }
    summary(&rec, &dims, snark_p);
}

criterion_group!(benches, bench_aggregation);
criterion_main!(benches);
