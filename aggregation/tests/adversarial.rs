//! Adversarial protocol tests: one per cheat. Each asserts the exact
//! rejection reason and the exact party, and that the honest contributions
//! still aggregate to exactly the plaintext sum (or, for aggregator cheats,
//! that the auditor names the aggregator).

mod common;

use common::*;
use zkagg_aggregation::auditor::{audit_bytes, AuditFault, ValidityCheck};
use zkagg_aggregation::config::ValidityMode;
use zkagg_aggregation::error::Fault;
use zkagg_aggregation::msgs::{AbortReason, PublicMessage, RejectReason, RoundOutcome};
use zkagg_aggregation::relation::{BoundedVectorRelation, UpdateRelation};
use zkagg_aggregation::sim::Honest;
use zkagg_aggregation::{AggError, AggregatorId, PartyId, ProviderId};
use zkagg_mpc::sharing::additive::Additive;

#[test]
fn honest_round_aggregates_exactly_and_audits() {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let ups = updates();
    let before = c.model().to_vec();
    let r = run(&mut c, &ups, &[true; P], &mut Honest);
    assert_eq!(r.accepted, pids(&[0, 1, 2, 3, 4]));
    assert!(r.refused.is_empty(), "{:?}", r.refused);
    assert_eq!(
        r.new_model(),
        Some(&expected_model(&before, &ups, &pids(&[0, 1, 2, 3, 4]))[..])
    );
    let r2 = run(&mut c, &ups, &[true; P], &mut Honest);
    assert_eq!(r2.accepted.len(), P);
    // Moved as bytes, the bulletin audits.
    let v = audit_bytes(c.setup(), &c.bulletin().to_bytes());
    assert!(v.ok(), "{:?}", v.failures);
    assert_eq!(v.rounds_released(), 2);
    assert_eq!(v.validity, ValidityCheck::PublicProofs);
    assert_eq!(v.final_model.as_deref(), Some(c.model()));
}

#[test]
fn shares_summing_to_another_vector_are_rejected() {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let ups = updates();
    let before = c.model().to_vec();
    let gens = c.setup().gens().pedersen.clone();
    let r = run(&mut c, &ups, &[true; P], &mut WrongSum { gens });
    // Changing a commitment changes rho, so pi_zk is checked first and fails.
    rejected_by_all(&r, 1, RejectReason::ProofRejected, S);
    honest_rest_aggregate(&c, &before, &r, &ups, 1);
}

#[test]
fn a_share_that_does_not_open_its_commitment_is_named() {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let ups = updates();
    let before = c.model().to_vec();
    let r = run(&mut c, &ups, &[true; P], &mut BadOpening);
    // Only aggregator 0 holds the bad share.
    assert_eq!(
        reasons(&r, 2),
        vec![(AggregatorId(0), RejectReason::ShareDoesNotOpen)]
    );
    honest_rest_aggregate(&c, &before, &r, &ups, 2);
}

#[test]
fn a_proof_copied_under_another_id_is_rejected() {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let ups = updates();
    let before = c.model().to_vec();
    let r = run(
        &mut c,
        &ups,
        &[true, true, true, true, false],
        &mut CopyProof { seen: None },
    );
    // Provider 4 sent no shares (checked before its proofs, bound to provider 3).
    rejected_by_all(&r, 4, RejectReason::NoShare, S);
    let honest = pids(&[0, 1, 2, 3]);
    assert_eq!(r.accepted, honest);
    assert_eq!(
        r.new_model(),
        Some(&expected_model(&before, &ups, &honest)[..])
    );
    assert!(audited(&c).ok());
}

#[test]
fn a_contribution_replayed_in_the_same_round_is_refused_and_the_first_stands() {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let ups = updates();
    let before = c.model().to_vec();
    let r = run(&mut c, &ups, &[true; P], &mut ReplaySame { seen: None });
    assert_eq!(
        r.refused,
        vec![(PartyId::Provider(ProviderId(0)), Fault::Duplicate)]
    );
    all_aggregate(&r, &before, &ups);
    assert!(audited(&c).ok());
}

#[test]
fn a_contribution_replayed_in_the_next_round_is_refused_or_rejected() {
    for relabel in [false, true] {
        let ups = updates();
        let (c, before, r) = replayed_next_round(relabel);
        if relabel {
            // Relabelled: on the bulletin, but it has no share this round.
            rejected_by_all(&r, 2, RejectReason::NoShare, S);
        } else {
            assert_eq!(
                r.refused,
                vec![(PartyId::Provider(ProviderId(2)), Fault::WrongRound)]
            );
        }
        honest_rest_aggregate(&c, &before, &r, &ups, 2);
    }
}

#[test]
fn an_out_of_bound_update_cannot_be_proven_and_is_excluded() {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let mut ups = updates();
    ups[3][2] = 40_000; // beyond 16 signed bits
    let before = c.model().to_vec();
    let r = run(&mut c, &ups, &[true; P], &mut Honest);
    assert_eq!(r.failed_providers.len(), 1);
    assert_eq!(r.failed_providers[0].0, ProviderId(3));
    assert!(matches!(r.failed_providers[0].1, AggError::Proof(_)));
    let honest = pids(&[0, 1, 2, 4]);
    assert_eq!(r.accepted, honest);
    assert_eq!(
        r.new_model(),
        Some(&expected_model(&before, &ups, &honest)[..])
    );
}

#[test]
fn an_out_of_bound_update_with_a_forged_proof_is_named() {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let ups = updates();
    let before = c.model().to_vec();
    let mut t = forged_out_of_bound(&c, &ups);
    let r = run(&mut c, &ups, &[true, true, true, false, true], &mut t);
    rejected_by_all(&r, 3, RejectReason::ProofRejected, S);
    honest_rest_aggregate(&c, &before, &r, &ups, 3);
}

#[test]
fn mpc_mode_rejects_an_out_of_bound_update_without_client_proofs() {
    // S = 2, no client proofs: the aggregators' garbled-circuit bound check
    // on their shares is the validity check.
    let mut c = consortium(ValidityMode::Mpc2pc, 2, 3);
    let mut ups = updates();
    ups[1][0] = 40_000; // beyond the bound 2^15 - 1
    let before = c.model().to_vec();
    let r = run(&mut c, &ups, &[true; P], &mut Honest);
    assert!(
        r.failed_providers.is_empty(),
        "no proof is needed in MPC mode"
    );
    rejected_by_all(&r, 1, RejectReason::OutOfBound, 2);
    let cost = r.twopc.expect("the 2PC ran").cost;
    assert!(cost.bytes_sent > 0 && cost.bytes_received > 0 && cost.rounds > 0);
    honest_rest_aggregate(&c, &before, &r, &ups, 1);
    assert_eq!(audited(&c).validity, ValidityCheck::AttestedByAggregators);
}

#[test]
fn a_wrong_partial_sum_aborts_the_round_and_the_auditor_names_the_aggregator() {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let ups = updates();
    let r = run(&mut c, &ups, &[true; P], &mut WrongPartialSum);
    assert_eq!(
        r.outcome,
        Some(RoundOutcome::Aborted(AbortReason::PartialSumInvalid(
            AggregatorId(1)
        )))
    );
    let v = audited(&c);
    let f = v.first_failure().expect("auditor must reject");
    assert_eq!(
        (f.fault, f.blame),
        (
            AuditFault::PartialSumInvalid,
            PartyId::Aggregator(AggregatorId(1))
        )
    );
}

#[test]
fn below_the_minimum_batch_nothing_is_released() {
    let mut c = consortium(ValidityMode::ZkProof, S, 4);
    let ups = updates();
    let before = c.model().to_vec();
    let r = run(&mut c, &ups, &[true, true, true, false, false], &mut Honest);
    assert_eq!(r.accepted.len(), 3);
    assert_eq!(
        r.outcome,
        Some(RoundOutcome::Aborted(AbortReason::BelowMinimumBatch))
    );
    assert_eq!(c.model(), &before[..]);
    let partial_sums = c
        .bulletin()
        .messages()
        .filter(|(_, m)| matches!(m, PublicMessage::PartialSum(_)))
        .count();
    assert_eq!(partial_sums, 0);
    assert!(audited(&c).ok());
}

#[test]
fn one_changed_byte_anywhere_in_a_saved_bulletin_is_rejected() {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let ups = updates();
    run(&mut c, &ups, &[true; P], &mut Honest);
    let bytes = c.bulletin().to_bytes();
    assert!(audit_bytes(c.setup(), &bytes).ok());
    // Every byte of the config and entry headers, and a spread of payload bytes.
    let mut positions: Vec<usize> = (0..bytes.len().min(600)).collect();
    positions.extend((600..bytes.len()).step_by(41));
    positions.push(bytes.len() - 1);
    for i in positions {
        let mut m = bytes.clone();
        m[i] ^= 0x01;
        let v = audit_bytes(c.setup(), &m);
        let f = v
            .first_failure()
            .unwrap_or_else(|| panic!("byte {i} changed and the auditor accepted"));
        assert_eq!(f.blame, PartyId::Coordinator, "byte {i}: {f:?}");
    }
    let mut short = bytes.clone();
    short.pop();
    assert!(!audit_bytes(c.setup(), &short).ok());
}

#[test]
fn shamir_sharing_plugs_in_without_driver_changes() {
    use zkagg_mpc::sharing::shamir::Shamir;
    let mut c = build(Shamir::new(2, 3).unwrap(), ValidityMode::ZkProof, 3);
    let ups = updates();
    let before = c.model().to_vec();
    let r = run(&mut c, &ups, &[true; P], &mut Honest);
    all_aggregate(&r, &before, &ups);
    let v = audit_bytes(c.setup(), &c.bulletin().to_bytes());
    assert!(v.ok(), "{:?}", v.failures);
}

#[test]
fn our_proof_system_plugs_in_through_the_config() {
    use zkagg_aggregation::config::ProofSystemConfig;
    use zkagg_aggregation::sim::ConsortiumBuilder;
    use zkagg_zk::proof_system::Backend;
    let rel = BoundedVectorRelation::with_backend(D, BITS, Backend::HyraxSpartan).unwrap();
    assert_eq!(
        rel.proof_system(),
        ProofSystemConfig::Nizk(Backend::HyraxSpartan)
    );
    let mut c = ConsortiumBuilder::new(rel, Additive::new(S).unwrap())
        .providers(P)
        .min_batch(3)
        .initial_model(vec![100; D])
        .seed(7)
        .build()
        .unwrap();
    let ups = updates();
    let before = c.model().to_vec();
    let r = run(&mut c, &ups, &[true; P], &mut Honest);
    assert_eq!(r.accepted, pids(&[0, 1, 2, 3, 4]));
    assert_eq!(
        r.new_model(),
        Some(&expected_model(&before, &ups, &pids(&[0, 1, 2, 3, 4]))[..])
    );
    assert!(audited(&c).ok());
    // The config names the backend: a libspartan relation is refused.
    assert!(matches!(
        zkagg_aggregation::setup::Setup::new(
            c.setup().config().clone(),
            BoundedVectorRelation::new(D, BITS).unwrap(),
            Additive::new(S).unwrap()
        ),
        Err(AggError::Config(
            zkagg_aggregation::error::ConfigError::RelationMismatch
        ))
    ));
}
