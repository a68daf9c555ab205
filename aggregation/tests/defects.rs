//! One test (or more) per defect of the groundwork review ("Groundwork
//! before services", section 2). Each asserts the exact reason or fault
//! and the exact party.

mod common;

use common::*;
use zkagg_aggregation::auditor::{audit, AuditFault};
use zkagg_aggregation::bulletin::Bulletin;
use zkagg_aggregation::config::{SharingConfig, ValidityMode};
use zkagg_aggregation::error::{ConfigError, Fault, Misuse};
use zkagg_aggregation::msgs::{
    AbortReason, PublicMessage, RejectReason, RoundHeader, RoundOutcome,
};
use zkagg_aggregation::relation::{BoundedVectorRelation, UpdateRelation, BOUNDED_MODEL_MAX};
use zkagg_aggregation::setup::Setup;
use zkagg_aggregation::sim::Honest;
use zkagg_aggregation::{AggError, AggregatorId, PartyId, ProviderId};
use zkagg_mpc::sharing::additive::Additive;
use zkagg_mpc::sharing::shamir::Shamir;

// -------------------------------------- 1. MPC validity with Shamir sharing

#[test]
fn defect1_mpc_with_shamir_2_of_2_accepts_honest_providers() {
    let mut c = build(Shamir::new(2, 2).unwrap(), ValidityMode::Mpc2pc, 3);
    let ups = updates();
    let before = c.model().to_vec();
    let r = run(&mut c, &ups, &[true; P], &mut Honest);
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    all_aggregate(&r, &before, &ups);
    assert!(audited(&c).ok());
}

#[test]
fn defect1_mpc_with_shamir_checks_the_reconstruction_not_the_plain_sum() {
    let mut c = build(Shamir::new(2, 2).unwrap(), ValidityMode::Mpc2pc, 3);
    let ups = updates();
    let before = c.model().to_vec();
    let mut t = rigged_dealer(&c, &ups);
    let r = run(&mut c, &ups, &[true, true, false, true, true], &mut t);
    rejected_by_all(&r, 2, RejectReason::OutOfBound, 2);
    honest_rest_aggregate(&c, &before, &r, &ups, 2);
}

// ------------------------------------------- 2. the config binds what is run

#[test]
fn defect2_setup_refuses_a_relation_or_sharing_other_than_the_config_names() {
    let c = consortium(ValidityMode::ZkProof, S, 3);
    let config = c.setup().config().clone(); // says 16 bits, additive
    let wide = BoundedVectorRelation::new(D, 32).unwrap();
    assert!(matches!(
        Setup::new(config.clone(), wide, Additive::new(S).unwrap()),
        Err(AggError::Config(ConfigError::RelationMismatch))
    ));
    assert!(matches!(
        Setup::new(
            config.clone(),
            BoundedVectorRelation::new(D, BITS).unwrap(),
            Shamir::new(2, S).unwrap()
        ),
        Err(AggError::Config(ConfigError::SharingMismatch))
    ));
    // The config id binds the sharing scheme and its threshold.
    let mut other = config.clone();
    other.sharing = SharingConfig::Shamir { threshold: 2 };
    assert_ne!(other.id(), config.id());
    let mut other2 = other.clone();
    other2.sharing = SharingConfig::Shamir { threshold: 3 };
    assert_ne!(other2.id(), other.id());
}

#[test]
fn defect2_the_relation_describes_itself_and_its_bound() {
    let r = BoundedVectorRelation::new(D, BITS).unwrap();
    assert_eq!(
        r.config(),
        zkagg_aggregation::config::RelationConfig::BoundedVector { bits: 16 }
    );
    // The same interval as the circuit (signed 16 bits) in both modes.
    assert_eq!((r.bound().min, r.bound().max), (-32768, 32767));
}

// --------------------------------------- 3. one provider cannot stop the audit

#[test]
fn defect3_provider_noise_is_refused_at_append_and_skipped_by_the_auditor() {
    let mut c = two_rounds();
    // Live: the coordinator refuses a second registration.
    let reg = second_registration();
    let r = run(&mut c, &updates(), &[true; P], &mut Noise(reg.clone()));
    assert_eq!(r.refused, vec![(prov(1), Fault::DuplicateRegistration)]);
    assert_eq!(r.accepted.len(), P);

    // A coordinator that let noise through: a second registration, a
    // contribution outside a round and one for another round, in round 0.
    let mut msgs = messages(c.bulletin());
    with_provider_noise(&mut msgs, &reg);
    // The registration admitted live in round 2 is now the second one.
    let live = msgs
        .iter()
        .rposition(|(_, m)| matches!(m, PublicMessage::Registration(_)))
        .unwrap() as u64;
    let b = rebuild(c.setup().config(), &msgs);
    let v = audit(c.setup(), &b);
    assert!(v.ok(), "{:?}", v.failures);
    assert_eq!(v.rounds_checked(), 3, "every later round is still checked");
    let notes: Vec<(u64, PartyId, Fault)> = v
        .notes
        .iter()
        .map(|n| (n.entry, n.party, n.fault))
        .collect();
    assert_eq!(
        notes,
        vec![
            (0, prov(3), Fault::OutsideRound),
            (2, prov(1), Fault::DuplicateRegistration),
            (4, prov(3), Fault::WrongRound),
            (live, prov(1), Fault::DuplicateRegistration),
        ]
    );
}

// ------------------------------------------------- 4. blame and stray entries

#[test]
fn defect4_an_aggregator_posting_its_accepted_set_twice_is_blamed() {
    let c = two_rounds();
    let mut msgs = messages(c.bulletin());
    let at = with_second_accepted_set(&mut msgs);
    let v = audit(c.setup(), &rebuild(c.setup().config(), &msgs));
    let f = v.first_failure().unwrap();
    assert_eq!(
        (f.entry, f.fault, f.blame),
        (Some(at as u64), AuditFault::Entry(Fault::Duplicate), agg(1))
    );
    assert_eq!(v.rounds_checked(), 2, "later rounds are still checked");
}

#[test]
fn defect4_an_aggregator_withholding_its_partial_sum_is_blamed() {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let before = c.model().to_vec();
    let r = run(&mut c, &updates(), &[true; P], &mut Withhold);
    assert_eq!(
        r.outcome,
        Some(RoundOutcome::Aborted(AbortReason::PartialSumWithheld(
            AggregatorId(2)
        )))
    );
    assert_eq!(c.model(), &before[..]);
    let v = audited(&c);
    let f = v.first_failure().unwrap();
    assert_eq!((f.fault, f.blame), (AuditFault::PartialSumWithheld, agg(2)));
}

#[test]
fn defect4_stray_partial_sums_are_rejected_and_the_poster_blamed() {
    // Round 0 below the minimum batch (nothing released), round 1 normal.
    let c = small_then_full();
    let msgs = messages(c.bulletin());
    let cases = [
        (Stray::AfterClose, Fault::OutsideRound),
        (Stray::OtherRound, Fault::WrongRound),
        (Stray::BelowMinimumBatch, Fault::PartialSumBelowMinimumBatch),
    ];
    for (which, fault) in cases {
        let (at, p) = stray_partial_sum(&msgs, which);
        let mut m = msgs.clone();
        m.insert(at, (agg(0), PublicMessage::PartialSum(p)));
        let v = audit(c.setup(), &rebuild(c.setup().config(), &m));
        let f = v
            .first_failure()
            .unwrap_or_else(|| panic!("{fault:?} not found"));
        assert_eq!(
            (f.entry, f.fault, f.blame),
            (Some(at as u64), AuditFault::Entry(fault), agg(0))
        );
    }
}

// ------------------------------------------ 5. arithmetic on chosen models

#[test]
fn defect5_an_out_of_range_header_model_is_blamed_on_the_coordinator() {
    let c = consortium(ValidityMode::ZkProof, S, 3);
    for model in [
        vec![i64::MAX; D],
        vec![0; D - 1],
        vec![BOUNDED_MODEL_MAX + 1; D],
    ] {
        let msgs = vec![(
            PartyId::Coordinator,
            PublicMessage::RoundHeader(RoundHeader { round: 0, model }),
        )];
        let v = audit(c.setup(), &rebuild(c.setup().config(), &msgs));
        let f = v.first_failure().unwrap();
        assert_eq!(
            (f.fault, f.blame),
            (
                AuditFault::Entry(Fault::HeaderModelOutOfRange),
                PartyId::Coordinator
            )
        );
    }
}

#[test]
fn defect5_the_model_update_is_checked_arithmetic() {
    let r = BoundedVectorRelation::new(D, BITS).unwrap();
    let w = vec![i64::MAX; D];
    let sum = vec![i128::from(i64::MAX) * 4; D];
    assert!(matches!(
        r.update_model(&w, &sum, 1),
        Err(AggError::Misuse(Misuse::ModelOverflow))
    ));
    assert!(r.update_model(&w, &sum[..1], 1).is_err());
    assert!(r.update_model(&w, &sum, 0).is_err());
}

// -------------------------------------------- 6. share deliveries have a sender

#[test]
fn defect6_a_share_delivered_in_another_providers_name_is_refused() {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let r = run(&mut c, &updates(), &[true; P], &mut Framer);
    assert_eq!(r.refused, vec![(prov(1), Fault::SenderMismatch); S]);
    assert_eq!(r.accepted, pids(&[0, 1, 2, 3, 4]));
    assert!(audited(&c).ok());
}

#[test]
fn defect6_of_two_own_deliveries_the_one_that_opens_is_kept() {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let r = run(&mut c, &updates(), &[true; P], &mut Twice);
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert_eq!(r.accepted, pids(&[0, 1, 2, 3, 4]));
}

#[test]
fn defect6_a_contribution_signed_by_another_party_is_refused() {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let r = run(&mut c, &updates(), &[true; P], &mut Relay(None));
    assert_eq!(r.refused, vec![(prov(3), Fault::WrongSender)]);
    assert_eq!(r.accepted, pids(&[0, 1, 2, 3, 4]));
}

// ------------------------------------------------------------ 7. ed25519 keys

#[test]
fn defect7_weak_and_duplicate_keys_are_refused() {
    let c = consortium(ValidityMode::ZkProof, S, 3);
    let mut weak = c.setup().config().clone();
    // The identity point: small order; with R = identity and s = 0 it
    // "verifies" any message under non-strict verification.
    let mut identity = [0u8; 32];
    identity[0] = 1;
    weak.provider_keys[2] = identity;
    assert_eq!(weak.validate(), Err(ConfigError::WeakKey(prov(2))));
    let mut dup = c.setup().config().clone();
    dup.provider_keys[3] = dup.aggregator_keys[0];
    assert_eq!(dup.validate(), Err(ConfigError::DuplicateKey(prov(3))));
}

#[test]
fn defect7_a_signature_that_only_verifies_non_strictly_is_refused() {
    // A valid signature with s + l (non-canonical s) must not verify.
    let c = two_rounds();
    let bytes = c.bulletin().to_bytes();
    let (config, mut entries) = Bulletin::decode_file(&bytes).unwrap();
    let mut sig = entries[0].signature;
    non_canonical_s(&mut sig);
    entries[0].signature = sig;
    let mut b = Bulletin::new(config).unwrap();
    let err = b.append(entries.remove(0)).unwrap_err();
    assert_eq!(err.blame().map(|(_, f)| f), Some(Fault::BadSignature));
}

// ------------------------------------------------------------ 8. the rest

#[test]
fn defect8_two_bad_links_in_a_batch_are_both_found_in_one_pass() {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let r = run(&mut c, &updates(), &[true; P], &mut TwoBadLinks);
    rejected_by_all(&r, 1, RejectReason::LinkRejected, S);
    rejected_by_all(&r, 3, RejectReason::LinkRejected, S);
    assert_eq!(r.accepted, pids(&[0, 2, 4]));
    assert!(audited(&c).ok());
}

#[test]
fn defect8_a_partial_sum_over_a_provider_listed_twice_is_refused() {
    let mut c = consortium(ValidityMode::ZkProof, S, 1);
    run(&mut c, &updates(), &[true; P], &mut Honest);
    // Re-run aggregator 0's decision on round 0's public data.
    let (decided, set) = fresh_aggregator_decides(c.setup(), c.bulletin());
    // No shares were delivered to this fresh aggregator: all rejected.
    assert!(set.accepted.is_empty());
    assert!(matches!(
        decided.sum_over(&pids(&[0, 0])),
        Err(AggError::Misuse(Misuse::NotAccepted))
    ));
}

#[test]
fn defect8_one_bound_everywhere_minus_two_to_the_b_minus_1_is_accepted_in_both_modes() {
    for mode in [ValidityMode::ZkProof, ValidityMode::Mpc2pc] {
        let s = if mode == ValidityMode::Mpc2pc { 2 } else { S };
        let mut c = consortium(mode, s, 3);
        let mut ups = updates();
        ups[0][1] = -32768; // -2^15: in the signed 16-bit range
        ups[1][1] = 32767;
        if mode == ValidityMode::Mpc2pc {
            ups[2][1] = -32769; // just outside (no proof needed to send it)
        }
        let r = run(&mut c, &ups, &[true; P], &mut Honest);
        assert!(
            r.accepted.contains(&ProviderId(0)),
            "{mode:?}: {:?}",
            r.rejected
        );
        assert!(
            r.accepted.contains(&ProviderId(1)),
            "{mode:?}: {:?}",
            r.rejected
        );
        if mode == ValidityMode::Mpc2pc {
            rejected_by_all(&r, 2, RejectReason::OutOfBound, 2);
        }
    }
}

// ------------------------------ the round-0 model is the config's, bound by its id

#[test]
fn the_first_header_must_carry_the_configs_initial_model() {
    use zkagg_aggregation::coordinator::Coordinator;
    use zkagg_aggregation::sim::demo_keys;
    let c = consortium(ValidityMode::ZkProof, S, 3);
    let setup = c.setup().clone();
    assert_eq!(setup.config().initial_model, vec![100; D]);
    let key = demo_keys(7, 0, 1).remove(0);
    let mut coord = Coordinator::new(setup.clone(), key).unwrap();
    // Any other in-range model is refused, naming the coordinator.
    let e = coord
        .open_round_with(RoundHeader {
            round: 0,
            model: vec![0; D],
        })
        .unwrap_err();
    assert_eq!(
        e.blame(),
        Some((PartyId::Coordinator, Fault::HeaderModelNotReleased))
    );
    assert_eq!(coord.open_round().unwrap().model, vec![100; D]);
    // The initial model is in the config id, and must fit the relation.
    let mut other = setup.config().clone();
    other.initial_model[0] = 101;
    assert_ne!(other.id(), setup.config().id());
    other.initial_model.pop();
    assert_eq!(other.validate(), Err(ConfigError::InitialModel));
}
