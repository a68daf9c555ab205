//! Coordinator equivocation: a fork of the bulletin is detected from the
//! head an aggregator signed at, two coordinator-signed entries at one
//! sequence number are conclusive evidence, and the auditor accepts it and
//! names the coordinator. Evidence that is not conclusive blames no one.

mod common;

use common::*;
use zkagg_aggregation::auditor::{AuditFault, Auditor};
use zkagg_aggregation::bulletin::Entry;
use zkagg_aggregation::config::ValidityMode;
use zkagg_aggregation::equivocation::{diverges, find, Equivocation, EvidenceError, HeadClaim};
use zkagg_aggregation::msgs::{AbortReason, PublicMessage, RoundClose, RoundOutcome};
use zkagg_aggregation::sim::{demo_keys, Honest};
use zkagg_aggregation::{AggregatorId, PartyId};

#[test]
fn two_coordinator_entries_at_one_seq_are_evidence_the_auditor_names() {
    let mut c = consortium(ValidityMode::Mpc2pc, 2, 3);
    let ups = updates();
    run(&mut c, &ups, &[true; P], &mut Honest);
    let honest: Vec<Entry> = c.bulletin().entries().to_vec();
    let cfg = c.setup().config().clone();
    let id = c.setup().config_id();
    // The coordinator (its key: the demo keys of seed 7) shows another
    // party a different close at the same position.
    let key = demo_keys(7, 0, 1).remove(0);
    let last = honest.last().unwrap().clone();
    let PublicMessage::RoundClose(close) = last.message().unwrap() else {
        panic!("the last entry is the close");
    };
    let other = RoundClose {
        outcome: RoundOutcome::Aborted(AbortReason::BelowMinimumBatch),
        ..close
    };
    let forged = Entry::sign(
        &id,
        last.seq,
        last.prev,
        PartyId::Coordinator,
        &key,
        &PublicMessage::RoundClose(other),
    )
    .unwrap();
    let mut fork = honest.clone();
    *fork.last_mut().unwrap() = forged.clone();
    // Aggregator 1 signed at the fork's head after the close: aggregator 0,
    // following the honest branch, sees the contradiction.
    let claim = HeadClaim {
        aggregator: AggregatorId(1),
        len: fork.len() as u64,
        head: forged.hash(),
    };
    assert_eq!(diverges(&honest, &id, &claim), Some(fork.len() as u64));
    assert_eq!(diverges(&fork, &id, &claim), None);
    let e = find(&honest, &fork).expect("evidence");
    assert_eq!(e.check(&cfg), Ok(last.seq));
    // The auditor following the honest branch accepts it and names the
    // coordinator.
    let mut a = Auditor::new(c.setup().clone()).unwrap();
    for entry in honest.iter().cloned() {
        a.entry(entry).unwrap();
    }
    let f = a.evidence(&e).unwrap();
    assert_eq!(
        (f.fault, f.blame, f.entry),
        (
            AuditFault::CoordinatorEquivocated,
            PartyId::Coordinator,
            Some(last.seq)
        )
    );
    let v = a.finish();
    assert!(!v.ok());
    assert_eq!(v.failures, vec![f]);
}

#[test]
fn evidence_that_is_not_conclusive_blames_no_one() {
    let mut c = consortium(ValidityMode::Mpc2pc, 2, 3);
    let ups = updates();
    run(&mut c, &ups, &[true; P], &mut Honest);
    let cfg = c.setup().config().clone();
    let id = c.setup().config_id();
    let entries = c.bulletin().entries().to_vec();
    let header = entries
        .iter()
        .find(|e| e.sender == PartyId::Coordinator)
        .unwrap()
        .clone();
    let provider = entries
        .iter()
        .find(|e| matches!(e.sender, PartyId::Provider(_)))
        .unwrap()
        .clone();
    let ev = |first: &Entry, second: &Entry| Equivocation {
        first: first.clone(),
        second: second.clone(),
    };
    assert_eq!(
        ev(&header, &header).check(&cfg),
        Err(EvidenceError::Identical)
    );
    assert_eq!(
        ev(&header, &provider).check(&cfg),
        Err(EvidenceError::NotCoordinator)
    );
    // A second entry "signed" at the header's position with a bad signature.
    let mut bad = header.clone();
    bad.payload = entries.last().unwrap().payload.clone();
    assert_eq!(
        ev(&header, &bad).check(&cfg),
        Err(EvidenceError::BadSignature)
    );
    // Signed by the coordinator at another position.
    let key = demo_keys(7, 0, 1).remove(0);
    let elsewhere = Entry::sign(
        &id,
        header.seq + 1,
        header.prev,
        PartyId::Coordinator,
        &key,
        &header.message().unwrap(),
    )
    .unwrap();
    assert_eq!(
        ev(&header, &elsewhere).check(&cfg),
        Err(EvidenceError::DifferentSeq)
    );
    // A provider signing twice at one position is no evidence, and two
    // copies that agree hold none.
    assert!(find(&entries, &entries).is_none());
    let mut a = Auditor::new(c.setup().clone()).unwrap();
    assert_eq!(
        a.evidence(&ev(&header, &provider)),
        Err(EvidenceError::NotCoordinator)
    );
    assert!(a.finish().failures.is_empty());
}
