//! The auditor's proof-of-contribution report on simulated bulletins with
//! honest and cheating parties: every provider's registration, per round
//! whether it was counted or why not, and the entries a third party checks.

mod common;

use common::*;
use std::collections::BTreeMap;
use zkagg_aggregation::auditor::report::{ContributionStatus, Decision, ProviderReport};
use zkagg_aggregation::auditor::{audit, audit_bytes, AuditFault, Verdict};
use zkagg_aggregation::bulletin::Bulletin;
use zkagg_aggregation::config::ValidityMode;
use zkagg_aggregation::msgs::{AbortReason, AcceptedSet, PublicMessage, RejectReason};
use zkagg_aggregation::sim::{Honest, RoundReport, Tamper};
use zkagg_aggregation::{AggregatorId, PartyId, ProviderId};

/// Every entry number the report gives points at the message it says.
fn entries_point_at_their_messages(b: &Bulletin, v: &Verdict) {
    for p in &v.contributions.providers {
        if let Some(reg) = p.registration {
            match b.message(reg.entry) {
                Some(PublicMessage::Registration(r)) => {
                    assert_eq!(
                        (r.provider, r.data_commitment),
                        (p.provider, reg.data_commitment)
                    );
                }
                other => panic!("entry {} is {other:?}", reg.entry),
            }
        }
        for line in &p.rounds {
            if let Some(seq) = line.contribution {
                match b.message(seq) {
                    Some(PublicMessage::Contribution(c)) => {
                        assert_eq!((c.provider, c.round), (p.provider, line.round));
                    }
                    other => panic!("entry {seq} is {other:?}"),
                }
            }
            for d in &line.decisions {
                match b.message(d.entry) {
                    Some(PublicMessage::AcceptedSet(a)) => {
                        assert_eq!((a.aggregator, a.round), (d.aggregator, line.round));
                    }
                    other => panic!("entry {} is {other:?}", d.entry),
                }
            }
        }
    }
    for r in &v.rounds {
        assert!(
            matches!(b.message(r.entries.header), Some(PublicMessage::RoundHeader(h)) if h.round == r.round)
        );
        let close = r.entries.close.unwrap();
        assert!(
            matches!(b.message(close), Some(PublicMessage::RoundClose(c)) if c.round == r.round)
        );
        for (s, seq) in &r.entries.partial_sums {
            assert!(
                matches!(b.message(*seq), Some(PublicMessage::PartialSum(p)) if p.aggregator == *s)
            );
        }
    }
}

/// The rejections in the report of `round` equal the simulation's.
fn rejections_match(v: &Verdict, r: &RoundReport) {
    let mut seen: BTreeMap<ProviderId, Vec<(AggregatorId, RejectReason)>> = BTreeMap::new();
    for p in &v.contributions.providers {
        let line = p.round(r.round).unwrap();
        for d in &line.decisions {
            if let Decision::Rejected(why) = d.decision {
                seen.entry(p.provider)
                    .or_default()
                    .push((d.aggregator, why));
            }
        }
    }
    assert_eq!(seen, r.rejected);
}

fn report(v: &Verdict, i: u32) -> &ProviderReport {
    v.contributions.provider(pid(i)).unwrap()
}

fn run_one(tamper: &mut dyn Tamper, present: &[bool]) -> (C, RoundReport, Verdict) {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let r = run(&mut c, &updates(), present, tamper);
    let v = audited(&c);
    entries_point_at_their_messages(c.bulletin(), &v);
    rejections_match(&v, &r);
    (c, r, v)
}

#[test]
fn honest_rounds_count_every_provider_with_checkable_entries() {
    let c = two_rounds();
    let v = audited(&c);
    assert!(v.ok(), "{:?}", v.failures);
    entries_point_at_their_messages(c.bulletin(), &v);
    assert_eq!(v.contributions.providers.len(), P);
    for p in &v.contributions.providers {
        assert_eq!(p.counted_rounds(), vec![0, 1]);
        assert!(
            p.registration.is_none(),
            "bounded vectors need no registration"
        );
        for line in &p.rounds {
            assert_eq!(line.decisions.len(), S);
            assert!(line
                .decisions
                .iter()
                .all(|d| d.decision == Decision::Accepted && d.confirmed.is_none()));
        }
        assert!(p.ignored.is_empty());
    }
    for r in &v.rounds {
        assert_eq!(r.entries.accepted_sets.len(), S);
        assert_eq!(r.entries.partial_sums.len(), S);
    }
    // Deterministic, and the same from the saved bytes.
    assert_eq!(v, audited(&c));
    assert_eq!(v, audit_bytes(c.setup(), &c.bulletin().to_bytes()));
}

#[test]
fn a_provider_with_a_bad_link_is_rejected_by_every_aggregator_and_the_record_confirms_it() {
    let (_, r, v) = run_one(&mut TwoBadLinks, &[true; P]);
    assert!(v.ok(), "{:?}", v.failures);
    for cheater in [1, 3] {
        let line = report(&v, cheater).round(0).unwrap().clone();
        assert_eq!(line.status, ContributionStatus::Rejected);
        assert_eq!(line.decisions.len(), S);
        for d in &line.decisions {
            assert_eq!(d.decision, Decision::Rejected(RejectReason::LinkRejected));
            assert_eq!(d.confirmed, Some(true), "the record shows pi_link fails");
        }
    }
    for honest in [0, 2, 4] {
        assert_eq!(report(&v, honest).counted_rounds(), vec![0]);
    }
    assert_eq!(r.accepted, pids(&[0, 2, 4]));
}

#[test]
fn a_share_that_does_not_open_is_a_rejection_only_its_aggregator_can_attest() {
    let (_, _, v) = run_one(&mut BadOpening, &[true; P]);
    assert!(v.ok(), "{:?}", v.failures);
    let line = report(&v, 2).round(0).unwrap();
    assert_eq!(line.status, ContributionStatus::Rejected);
    let d0 = line.decisions[0];
    assert_eq!(
        (d0.aggregator, d0.decision, d0.confirmed),
        (
            AggregatorId(0),
            Decision::Rejected(RejectReason::ShareDoesNotOpen),
            None
        )
    );
    assert!(line.decisions[1..]
        .iter()
        .all(|d| d.decision == Decision::Accepted));
}

#[test]
fn an_absent_provider_did_not_submit() {
    let (_, _, v) = run_one(&mut Honest, &[true, true, true, false, true]);
    assert!(v.ok());
    let line = report(&v, 3).round(0).unwrap();
    assert_eq!(line.status, ContributionStatus::NotSubmitted);
    assert_eq!(line.contribution, None);
    assert!(line.decisions.is_empty());
}

#[test]
fn a_wrong_partial_sum_aborts_the_round_for_every_accepted_provider() {
    let (_, _, v) = run_one(&mut WrongPartialSum, &[true; P]);
    assert!(!v.ok());
    let why = AbortReason::PartialSumInvalid(AggregatorId(1));
    for p in &v.contributions.providers {
        assert_eq!(
            p.round(0).unwrap().status,
            ContributionStatus::RoundAborted(why)
        );
        assert!(p.counted_rounds().is_empty());
    }
}

/// Aggregator 2 rejects honest provider 0 claiming its pi_zk fails.
struct FalseRejection;
impl Tamper for FalseRejection {
    fn accepted_set(&mut self, a: &mut AcceptedSet) {
        if a.aggregator == AggregatorId(2) {
            a.accepted.retain(|i| *i != ProviderId(0));
            a.rejected
                .insert(0, (ProviderId(0), RejectReason::ProofRejected));
        }
    }
}

#[test]
fn a_rejection_the_record_contradicts_blames_its_aggregator() {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let r = run(&mut c, &updates(), &[true; P], &mut FalseRejection);
    assert_eq!(r.accepted, pids(&[1, 2, 3, 4]));
    let v = audited(&c);
    entries_point_at_their_messages(c.bulletin(), &v);
    let f = v
        .first_failure()
        .expect("a false rejection must fail the audit");
    assert_eq!(
        (f.fault, f.blame),
        (
            AuditFault::RejectionContradicted(ProviderId(0)),
            PartyId::Aggregator(AggregatorId(2))
        )
    );
    let line = report(&v, 0).round(0).unwrap();
    assert_eq!(line.status, ContributionStatus::Rejected);
    assert_eq!(f.entry, Some(line.decisions[2].entry));
    assert_eq!(line.decisions[2].confirmed, Some(false));
    assert!(!v.rounds[0].ok);
}

#[test]
fn provider_noise_is_listed_under_its_provider() {
    // What a coordinator that let noise through would publish (the sim's
    // coordinator refuses it).
    let c = two_rounds();
    let mut msgs = messages(c.bulletin());
    with_provider_noise(&mut msgs, &second_registration());
    let b = rebuild(c.bulletin().config(), &msgs);
    let v = audit(c.setup(), &b);
    assert!(v.ok(), "{:?}", v.failures);
    entries_point_at_their_messages(&b, &v);
    let p1 = report(&v, 1);
    let reg = p1.registration.expect("the first registration stands");
    assert_eq!(reg.entry, 1);
    let ignored: Vec<u64> = p1.ignored.iter().map(|n| n.entry).collect();
    assert_eq!(ignored, vec![2]);
    let p3: Vec<u64> = report(&v, 3).ignored.iter().map(|n| n.entry).collect();
    assert_eq!(p3, vec![0, 4]);
    assert_eq!(report(&v, 3).counted_rounds(), vec![0, 1]);
    for i in [0, 2, 4] {
        assert!(report(&v, i).ignored.is_empty());
        assert!(report(&v, i).registration.is_none());
    }
}

#[test]
fn a_round_left_open_is_reported_open() {
    let c = two_rounds();
    let mut msgs = messages(c.bulletin());
    msgs.pop(); // round 1's close
    let b = rebuild(c.bulletin().config(), &msgs);
    let v = audit(c.setup(), &b);
    assert!(v.ok());
    assert_eq!(v.open_round, Some(1));
    for p in &v.contributions.providers {
        assert_eq!(p.counted_rounds(), vec![0]);
        let line = p.round(1).unwrap();
        assert_eq!(line.status, ContributionStatus::RoundOpen);
        assert!(line.contribution.is_some());
        assert_eq!(line.decisions.len(), S);
    }
}

#[test]
fn below_the_minimum_batch_the_contributions_are_reported_aborted() {
    let c = small_then_full();
    let v = audited(&c);
    assert!(v.ok());
    entries_point_at_their_messages(c.bulletin(), &v);
    for i in 0..P as u32 {
        let expect0 = if i < 2 {
            ContributionStatus::RoundAborted(AbortReason::BelowMinimumBatch)
        } else {
            ContributionStatus::NotSubmitted
        };
        assert_eq!(report(&v, i).round(0).unwrap().status, expect0);
        assert_eq!(report(&v, i).counted_rounds(), vec![1]);
    }
}
