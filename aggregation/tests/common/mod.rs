//! Shared helpers of the aggregation tests: a bounded-vector consortium of
//! five providers and its plaintext expectations.
#![allow(dead_code)]

pub mod bulletins;
pub mod cheats;

// Each test binary uses only some of these; unused ones are not a defect.
#[allow(unused_imports)]
pub use bulletins::*;
#[allow(unused_imports)]
pub use cheats::*;

use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkagg_aggregation::auditor::{audit, Verdict};
use zkagg_aggregation::config::ValidityMode;
use zkagg_aggregation::msgs::RejectReason;
use zkagg_aggregation::relation::BoundedVectorRelation;
use zkagg_aggregation::setup::SharingScheme;
use zkagg_aggregation::sim::{Consortium, ConsortiumBuilder, RoundReport, Tamper};
use zkagg_aggregation::{AggregatorId, ProviderId};
use zkagg_mpc::sharing::additive::Additive;

pub const D: usize = 6;
pub const BITS: usize = 16;
pub const P: usize = 5;
pub const S: usize = 3;

pub type C = Consortium<BoundedVectorRelation, Additive>;

pub fn pid(i: u32) -> ProviderId {
    ProviderId(i)
}

pub fn pids(v: &[u32]) -> Vec<ProviderId> {
    v.iter().copied().map(ProviderId).collect()
}

pub fn build<Sh: SharingScheme>(
    sharing: Sh,
    validity: ValidityMode,
    min_batch: u32,
) -> Consortium<BoundedVectorRelation, Sh> {
    ConsortiumBuilder::new(BoundedVectorRelation::new(D, BITS).unwrap(), sharing)
        .name("test")
        .providers(P)
        .validity(validity)
        .min_batch(min_batch)
        .initial_model(vec![100; D])
        .seed(7)
        .build()
        .unwrap()
}

pub fn consortium(validity: ValidityMode, aggregators: usize, min_batch: u32) -> C {
    build(Additive::new(aggregators).unwrap(), validity, min_batch)
}

pub fn updates() -> Vec<Vec<i64>> {
    (0..P as i64)
        .map(|i| {
            (0..D as i64)
                .map(|j| (i + 1) * 100 - j * 37 - 250)
                .collect()
        })
        .collect()
}

/// w + floor(sum of the given providers' updates / count).
pub fn expected_model(model: &[i64], ups: &[Vec<i64>], who: &[ProviderId]) -> Vec<i64> {
    (0..D)
        .map(|j| {
            let s: i64 = who.iter().map(|i| ups[i.index()][j]).sum();
            model[j] + s.div_euclid(who.len() as i64)
        })
        .collect()
}

pub fn run<Sh: SharingScheme>(
    c: &mut Consortium<BoundedVectorRelation, Sh>,
    ups: &[Vec<i64>],
    present: &[bool],
    tamper: &mut dyn Tamper,
) -> RoundReport {
    let inputs: Vec<Option<&Vec<i64>>> = ups
        .iter()
        .zip(present)
        .map(|(u, &p)| p.then_some(u))
        .collect();
    let round = c.bulletin().len();
    let mut rng = ChaCha20Rng::seed_from_u64(round + 99);
    c.run_round(&inputs, tamper, &mut rng).unwrap()
}

/// The exact reasons every aggregator gave for rejecting `provider`.
pub fn reasons(r: &RoundReport, provider: u32) -> Vec<(AggregatorId, RejectReason)> {
    r.rejected.get(&pid(provider)).cloned().unwrap_or_default()
}

/// Every aggregator rejected `provider` for `why`.
pub fn rejected_by_all(r: &RoundReport, provider: u32, why: RejectReason, s: usize) {
    let expect: Vec<(AggregatorId, RejectReason)> =
        (0..s as u32).map(|a| (AggregatorId(a), why)).collect();
    assert_eq!(reasons(r, provider), expect, "{r:?}");
    assert!(!r.accepted.contains(&pid(provider)));
}

pub fn audited<Sh: SharingScheme>(c: &Consortium<BoundedVectorRelation, Sh>) -> Verdict {
    audit(c.setup(), c.bulletin())
}

/// Every provider was accepted and the new model is exactly `before` plus
/// the mean of all their updates.
pub fn all_aggregate(r: &RoundReport, before: &[i64], ups: &[Vec<i64>]) {
    let all: Vec<ProviderId> = (0..P as u32).map(pid).collect();
    assert_eq!(r.accepted, all);
    assert_eq!(r.new_model(), Some(&expected_model(before, ups, &all)[..]));
}

pub fn honest_rest_aggregate<Sh: SharingScheme>(
    c: &Consortium<BoundedVectorRelation, Sh>,
    before: &[i64],
    r: &RoundReport,
    ups: &[Vec<i64>],
    cheater: u32,
) {
    let honest: Vec<ProviderId> = (0..P as u32).filter(|&i| i != cheater).map(pid).collect();
    assert_eq!(r.accepted, honest);
    assert_eq!(
        r.new_model(),
        Some(&expected_model(before, ups, &honest)[..])
    );
    let v = audited(c);
    assert!(v.ok(), "{:?}", v.failures);
}
