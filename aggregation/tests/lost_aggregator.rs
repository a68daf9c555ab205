//! A lost aggregator: with Shamir t-of-n the round closes with the partial
//! sums of the aggregators present (at least t) and the auditor records the
//! absent one in a note; with additive sharing it aborts with the reason
//! and the auditor blames the absent aggregator. A dealer whose shares are
//! not on one polynomial (so that a subset would reconstruct something
//! other than the proven update) is rejected by every aggregator.

mod common;

use common::*;
use zkagg_aggregation::auditor::AuditFault;
use zkagg_aggregation::config::ValidityMode;
use zkagg_aggregation::error::Fault;
use zkagg_aggregation::msgs::{AbortReason, PublicMessage, RejectReason, RoundOutcome};
use zkagg_aggregation::relation::BoundedVectorRelation;
use zkagg_aggregation::sim::{Honest, Tamper};
use zkagg_aggregation::{AggregatorId, PartyId};
use zkagg_mpc::sharing::msgs::ShamirShare;
use zkagg_mpc::sharing::shamir::Shamir;
use zkagg_zk::Fr;

/// Aggregator `lost` posts nothing from the accepted set on (`after_set`:
/// it posts its set, then nothing).
struct Lost {
    lost: AggregatorId,
    after_set: bool,
}

impl Tamper for Lost {
    fn lose_aggregator(&mut self, s: AggregatorId) -> bool {
        !self.after_set && s == self.lost
    }
    fn withhold_partial_sum(&mut self, s: AggregatorId) -> bool {
        s == self.lost
    }
}

fn notes_absent(v: &zkagg_aggregation::auditor::Verdict) -> Vec<PartyId> {
    v.notes
        .iter()
        .filter(|n| n.fault == Fault::AbsentFromRound)
        .map(|n| n.party)
        .collect()
}

#[test]
fn shamir_2_of_3_releases_without_a_lost_aggregator_and_the_audit_notes_it() {
    for after_set in [false, true] {
        let mut c = build(Shamir::new(2, 3).unwrap(), ValidityMode::ZkProof, 3);
        let ups = updates();
        let before = c.model().to_vec();
        let mut t = Lost {
            lost: AggregatorId(1),
            after_set,
        };
        let r = run(&mut c, &ups, &[true; P], &mut t);
        all_aggregate(&r, &before, &ups);
        // The set phase was closed by the coordinator only when a set was missing.
        let closed = c
            .bulletin()
            .messages()
            .any(|(_, m)| matches!(m, PublicMessage::AcceptedSetsClosed(_)));
        assert_eq!(closed, !after_set);
        let v = audited(&c);
        assert!(v.ok(), "{:?}", v.failures);
        assert_eq!(v.rounds_released(), 1);
        assert_eq!(notes_absent(&v), vec![PartyId::Aggregator(AggregatorId(1))]);
        // The next round runs with every aggregator again.
        let before = c.model().to_vec();
        let r = run(&mut c, &ups, &[true; P], &mut Honest);
        all_aggregate(&r, &before, &ups);
        let v = audited(&c);
        assert!(v.ok(), "{:?}", v.failures);
        assert_eq!(notes_absent(&v).len(), 1);
    }
}

#[test]
fn additive_sharing_aborts_without_a_lost_aggregator_and_the_audit_blames_it() {
    for (after_set, reason, fault) in [
        (
            false,
            AbortReason::AcceptedSetWithheld(AggregatorId(2)),
            AuditFault::AcceptedSetWithheld,
        ),
        (
            true,
            AbortReason::PartialSumWithheld(AggregatorId(2)),
            AuditFault::PartialSumWithheld,
        ),
    ] {
        let mut c = consortium(ValidityMode::ZkProof, S, 3);
        let ups = updates();
        let mut t = Lost {
            lost: AggregatorId(2),
            after_set,
        };
        let r = run(&mut c, &ups, &[true; P], &mut t);
        assert_eq!(r.outcome, Some(RoundOutcome::Aborted(reason)));
        // No close of the set phase with additive sharing (t = S).
        assert!(!c
            .bulletin()
            .messages()
            .any(|(_, m)| matches!(m, PublicMessage::AcceptedSetsClosed(_))));
        let v = audited(&c);
        let f = v.first_failure().expect("the lost aggregator is blamed");
        assert_eq!(
            (f.fault, f.blame),
            (fault, PartyId::Aggregator(AggregatorId(2)))
        );
    }
}

#[test]
fn shamir_2_of_3_with_two_aggregators_lost_aborts() {
    struct TwoLost;
    impl Tamper for TwoLost {
        fn lose_aggregator(&mut self, s: AggregatorId) -> bool {
            s.0 >= 1
        }
    }
    let mut c = build(Shamir::new(2, 3).unwrap(), ValidityMode::ZkProof, 3);
    let r = run(&mut c, &updates(), &[true; P], &mut TwoLost);
    assert_eq!(
        r.outcome,
        Some(RoundOutcome::Aborted(AbortReason::AcceptedSetWithheld(
            AggregatorId(1)
        )))
    );
    let v = audited(&c);
    assert_eq!(
        v.first_failure().map(|f| (f.fault, f.blame)),
        Some((
            AuditFault::AcceptedSetWithheld,
            PartyId::Aggregator(AggregatorId(1))
        ))
    );
}

/// A 2-of-3 dealer whose shares reconstruct the update from all three
/// aggregators (so pi_link, over all three, verifies) but a huge first
/// coordinate from aggregators 0 and 1 alone. Blinds (length-1 vectors)
/// are dealt honestly.
struct OffPolynomial;

impl Deal for OffPolynomial {
    fn deal(&self, v: &[Fr]) -> Option<Vec<ShamirShare>> {
        if v.len() == 1 {
            return None;
        }
        // Points 1, 2, 3; all-three coefficients (3, -3, 1).
        let (mut x0, mut x1, mut x2) = (Vec::new(), Vec::new(), Vec::new());
        for (j, vj) in v.iter().enumerate() {
            let target = if j == 0 {
                Fr::from(1_000_000_000u64)
            } else {
                *vj
            };
            // f(1) = a, f(2) = b with 2a - b = target; x2 = v - 3a + 3b.
            let a = Fr::from(7u64);
            let b = a + a - target;
            x0.push(a);
            x1.push(b);
            x2.push(vj - Fr::from(3u64) * a + Fr::from(3u64) * b);
        }
        Some(vec![ShamirShare(x0), ShamirShare(x1), ShamirShare(x2)])
    }
}

#[test]
fn shares_off_one_polynomial_are_rejected_by_every_aggregator_and_the_rest_release() {
    let mut c = build(Shamir::new(2, 3).unwrap(), ValidityMode::ZkProof, 3);
    let ups = updates();
    let before = c.model().to_vec();
    let mut cheat = OutsideProvider::new(
        &c,
        4,
        BoundedVectorRelation::new(D, BITS).unwrap(),
        RiggedDealer {
            inner: Shamir::new(2, 3).unwrap(),
            dealer: OffPolynomial,
        },
        ups[4].clone(),
    );
    let mut present = [true; P];
    present[4] = false;
    let r = run(&mut c, &ups, &present, &mut cheat);
    rejected_by_all(&r, 4, RejectReason::InconsistentShares, S);
    honest_rest_aggregate(&c, &before, &r, &ups, 4);
}

#[test]
fn a_close_of_the_set_phase_must_name_exactly_the_sets_before_it_and_at_least_t() {
    use zkagg_aggregation::ledger::{Ledger, Stray};
    use zkagg_aggregation::msgs::{AcceptedSet, AcceptedSetsClosed, RoundHeader};
    let c = build(Shamir::new(2, 3).unwrap(), ValidityMode::ZkProof, 3);
    let mut l = Ledger::new(c.setup().clone());
    let coord = PartyId::Coordinator;
    let header = PublicMessage::RoundHeader(RoundHeader {
        round: 0,
        model: vec![100; D],
    });
    l.apply(0, coord, &header).unwrap();
    let set = |s: u32| {
        PublicMessage::AcceptedSet(AcceptedSet {
            round: 0,
            aggregator: AggregatorId(s),
            accepted: Vec::new(),
            rejected: Vec::new(),
        })
    };
    let close = |a: &[u32]| {
        PublicMessage::AcceptedSetsClosed(AcceptedSetsClosed {
            round: 0,
            aggregators: a.iter().copied().map(AggregatorId).collect(),
        })
    };
    let bad = Err(Stray {
        party: coord,
        fault: Fault::BadSetsClose,
    });
    l.apply(1, PartyId::Aggregator(AggregatorId(0)), &set(0))
        .unwrap();
    // One set is below t = 2.
    assert_eq!(l.apply(2, coord, &close(&[0])).map(|_| ()), bad);
    l.apply(2, PartyId::Aggregator(AggregatorId(1)), &set(1))
        .unwrap();
    assert!(l.open_round().unwrap().intersection(3).is_none());
    // Naming a set that is not there, or leaving one out.
    assert_eq!(l.apply(3, coord, &close(&[0, 1, 2])).map(|_| ()), bad);
    assert_eq!(l.apply(3, coord, &close(&[1])).map(|_| ()), bad);
    l.apply(3, coord, &close(&[0, 1])).unwrap();
    assert_eq!(l.open_round().unwrap().intersection(3), Some(Vec::new()));
    // Twice, and a set after it.
    assert_eq!(l.apply(4, coord, &close(&[0, 1])).map(|_| ()), bad);
    assert_eq!(
        l.apply(4, PartyId::Aggregator(AggregatorId(2)), &set(2))
            .map(|_| ()),
        Err(Stray {
            party: PartyId::Aggregator(AggregatorId(2)),
            fault: Fault::AcceptedSetAfterClose,
        })
    );
}
