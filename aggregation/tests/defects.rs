//! One test (or more) per defect of the groundwork review ("Groundwork
//! before services", section 2). Each asserts the exact reason or fault
//! and the exact party.

mod common;

use common::*;
use ed25519_dalek::SigningKey;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use zkagg_aggregation::auditor::{audit, AuditFault};
use zkagg_aggregation::bulletin::Bulletin;
use zkagg_aggregation::config::{ConsortiumConfig, SharingConfig, ValidityMode};
use zkagg_aggregation::error::{ConfigError, Fault, Misuse};
use zkagg_aggregation::msgs::{
    AbortReason, Contribution, PartialSum, PublicMessage, Registration, RejectReason, RoundHeader,
    RoundOutcome, ShareDelivery,
};
use zkagg_aggregation::relation::{BoundedVectorRelation, UpdateRelation, BOUNDED_MODEL_MAX};
use zkagg_aggregation::setup::{Setup, SharingScheme};
use zkagg_aggregation::sim::{demo_keys, Honest, Injection, Phase, Tamper};
use zkagg_aggregation::{AggError, AggregatorId, PartyId, ProviderId};
use zkagg_mpc::sharing::additive::Additive;
use zkagg_mpc::sharing::msgs::ShamirShare;
use zkagg_mpc::sharing::shamir::Shamir;
use zkagg_mpc::sharing::{SecretSharing, SharingError};
use zkagg_zk::Fr;

// ------------------------------------------------------------------ helpers

/// The key of `party` in the test consortium (demo keys, seed 7).
fn key(party: PartyId) -> SigningKey {
    match party {
        PartyId::Coordinator => demo_keys(7, 0, 1).remove(0),
        PartyId::Aggregator(s) => demo_keys(7, 1, S).remove(s.index()),
        PartyId::Provider(i) => demo_keys(7, 2, P).remove(i.index()),
    }
}

/// A bulletin with exactly `msgs`, each signed by its sender: what a
/// coordinator that skips the sequence rules would publish.
fn rebuild(config: &ConsortiumConfig, msgs: &[(PartyId, PublicMessage)]) -> Bulletin {
    let mut b = Bulletin::new(config.clone()).unwrap();
    for (p, m) in msgs {
        b.post(*p, &key(*p), m).unwrap();
    }
    b
}

fn messages(c: &C) -> Vec<(PartyId, PublicMessage)> {
    c.bulletin()
        .messages()
        .map(|(p, m)| (p, m.clone()))
        .collect()
}

fn two_rounds() -> C {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let ups = updates();
    run(&mut c, &ups, &[true; P], &mut Honest);
    run(&mut c, &ups, &[true; P], &mut Honest);
    c
}

fn agg(s: u32) -> PartyId {
    PartyId::Aggregator(AggregatorId(s))
}

fn prov(i: u32) -> PartyId {
    PartyId::Provider(ProviderId(i))
}

// -------------------------------------- 1. MPC validity with Shamir sharing

/// Shamir 2-of-2 (points 1 and 2, lambda = (2, -1)) whose dealer picks the
/// line so that the plain sum of the shares is 5 for every coordinate:
/// x_1 = v + a, x_2 = v + 2a with 2v + 3a = 5. The reconstruction is v.
struct RiggedShamir(Shamir);

impl SecretSharing for RiggedShamir {
    type Share = ShamirShare;
    fn num_parties(&self) -> usize {
        2
    }
    fn threshold(&self) -> usize {
        2
    }
    fn share<R: rand_core::RngCore + rand_core::CryptoRng + ?Sized>(
        &self,
        v: &[Fr],
        _rng: &mut R,
    ) -> Result<Vec<ShamirShare>, SharingError> {
        let three_inv = Fr::from(3u8).invert();
        let (mut x1, mut x2) = (Vec::new(), Vec::new());
        for vj in v {
            let a = (Fr::from(5u8) - vj - vj) * three_inv;
            x1.push(vj + a);
            x2.push(vj + a + a);
        }
        Ok(vec![ShamirShare(x1), ShamirShare(x2)])
    }
    fn validate_share(&self, p: usize, s: &ShamirShare, len: usize) -> Result<(), SharingError> {
        self.0.validate_share(p, s, len)
    }
    fn expand(&self, p: usize, s: &ShamirShare, len: usize) -> Result<Vec<Fr>, SharingError> {
        self.0.expand(p, s, len)
    }
    fn reconstruction_coefficients(&self, parties: &[usize]) -> Result<Vec<Fr>, SharingError> {
        self.0.reconstruction_coefficients(parties)
    }
}

impl SharingScheme for RiggedShamir {
    fn config(&self) -> SharingConfig {
        self.0.config()
    }
}

struct RiggedDealer {
    cheater: zkagg_aggregation::provider::Provider<BoundedVectorRelation, RiggedShamir>,
    update: Vec<i64>,
    model: Vec<i64>,
}

impl Tamper for RiggedDealer {
    fn inject(&mut self, round: u64, phase: Phase) -> Vec<Injection> {
        if phase != Phase::AfterContributions {
            return Vec::new();
        }
        let header = RoundHeader {
            round,
            model: self.model.clone(),
        };
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let (c, d) = self
            .cheater
            .start_round(&header)
            .commit(&self.update, &mut rng)
            .unwrap()
            .prove(&mut rng)
            .unwrap();
        let id = self.cheater.id();
        let mut out = vec![Injection::Post {
            signer: PartyId::Provider(id),
            msg: PublicMessage::Contribution(c),
        }];
        out.extend(d.into_iter().map(|delivery| Injection::Deliver {
            sender: id,
            delivery,
        }));
        out
    }
}

#[test]
fn defect1_mpc_with_shamir_2_of_2_accepts_honest_providers() {
    let mut c = build(Shamir::new(2, 2).unwrap(), ValidityMode::Mpc2pc, 3);
    let ups = updates();
    let before = c.model().to_vec();
    let r = run(&mut c, &ups, &[true; P], &mut Honest);
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert_eq!(r.accepted, pids(&[0, 1, 2, 3, 4]));
    assert_eq!(
        r.new_model(),
        Some(&expected_model(&before, &ups, &pids(&[0, 1, 2, 3, 4]))[..])
    );
    assert!(audited(&c).ok());
}

#[test]
fn defect1_mpc_with_shamir_checks_the_reconstruction_not_the_plain_sum() {
    let mut c = build(Shamir::new(2, 2).unwrap(), ValidityMode::Mpc2pc, 3);
    let ups = updates();
    let before = c.model().to_vec();
    let setup = std::sync::Arc::new(
        Setup::new(
            c.setup().config().clone(),
            BoundedVectorRelation::new(D, BITS).unwrap(),
            RiggedShamir(Shamir::new(2, 2).unwrap()),
        )
        .unwrap(),
    );
    let mut huge = ups[2].clone();
    huge[0] = 1_000_000_000; // reconstruction 10^9, plain share sum 5
    let key = c.providers()[2].signing_key().clone();
    let mut t = RiggedDealer {
        cheater: zkagg_aggregation::provider::Provider::new(ProviderId(2), key, setup),
        update: huge,
        model: before.clone(),
    };
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
    let reg = PublicMessage::Registration(Registration {
        provider: ProviderId(1),
        data_commitment: Fr::ONE,
    });
    struct Noise(PublicMessage);
    impl Tamper for Noise {
        fn inject(&mut self, _r: u64, phase: Phase) -> Vec<Injection> {
            if phase != Phase::AfterContributions {
                return Vec::new();
            }
            vec![
                Injection::Post {
                    signer: PartyId::Provider(ProviderId(1)),
                    msg: self.0.clone(),
                },
                Injection::Post {
                    signer: PartyId::Provider(ProviderId(1)),
                    msg: self.0.clone(),
                },
            ]
        }
    }
    let r = run(&mut c, &updates(), &[true; P], &mut Noise(reg.clone()));
    assert_eq!(r.refused, vec![(prov(1), Fault::DuplicateRegistration)]);
    assert_eq!(r.accepted.len(), P);

    // A coordinator that let noise through: a second registration, a
    // contribution outside a round and one for another round, in round 0.
    let mut msgs = messages(&c);
    let contribution = msgs
        .iter()
        .find_map(|(_, m)| match m {
            PublicMessage::Contribution(x) if x.provider == ProviderId(3) => Some(x.clone()),
            _ => None,
        })
        .unwrap();
    let mut other_round = contribution.clone();
    other_round.round = 7;
    msgs.insert(
        0,
        (prov(3), PublicMessage::Contribution(contribution.clone())),
    );
    msgs.insert(1, (prov(1), reg.clone()));
    msgs.insert(2, (prov(1), reg));
    msgs.insert(4, (prov(3), PublicMessage::Contribution(other_round)));
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
    let mut msgs = messages(&c);
    let (k, set) = msgs
        .iter()
        .enumerate()
        .find_map(|(k, (_, m))| match m {
            PublicMessage::AcceptedSet(a) if a.aggregator == AggregatorId(1) => {
                Some((k, a.clone()))
            }
            _ => None,
        })
        .unwrap();
    let mut second = set.clone();
    second.accepted.pop();
    msgs.insert(k + 1, (agg(1), PublicMessage::AcceptedSet(second)));
    let v = audit(c.setup(), &rebuild(c.setup().config(), &msgs));
    let f = v.first_failure().unwrap();
    assert_eq!(
        (f.entry, f.fault, f.blame),
        (
            Some(k as u64 + 1),
            AuditFault::Entry(Fault::Duplicate),
            agg(1)
        )
    );
    assert_eq!(v.rounds_checked(), 2, "later rounds are still checked");
}

#[test]
fn defect4_an_aggregator_withholding_its_partial_sum_is_blamed() {
    struct Withhold;
    impl Tamper for Withhold {
        fn withhold_partial_sum(&mut self, s: AggregatorId) -> bool {
            s == AggregatorId(2)
        }
    }
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
    let mut c = consortium(ValidityMode::ZkProof, S, 4);
    let ups = updates();
    run(
        &mut c,
        &ups,
        &[true, true, false, false, false],
        &mut Honest,
    );
    run(&mut c, &ups, &[true; P], &mut Honest);
    let msgs = messages(&c);
    let sum = msgs
        .iter()
        .find_map(|(_, m)| match m {
            PublicMessage::PartialSum(p) if p.aggregator == AggregatorId(0) => Some(p.clone()),
            _ => None,
        })
        .unwrap();
    let close0 = msgs
        .iter()
        .position(|(_, m)| matches!(m, PublicMessage::RoundClose(_)))
        .unwrap();
    let set0 = msgs
        .iter()
        .position(
            |(_, m)| matches!(m, PublicMessage::AcceptedSet(a) if a.aggregator == AggregatorId(2)),
        )
        .unwrap();
    let cases: Vec<(usize, PartialSum, Fault)> = vec![
        // After round 0 closed.
        (
            close0 + 1,
            PartialSum {
                round: 0,
                ..sum.clone()
            },
            Fault::OutsideRound,
        ),
        // In round 0, carrying round 1's number.
        (
            set0 + 1,
            PartialSum {
                round: 1,
                ..sum.clone()
            },
            Fault::WrongRound,
        ),
        // In round 0, below its minimum batch.
        (
            set0 + 1,
            PartialSum {
                round: 0,
                ..sum.clone()
            },
            Fault::PartialSumBelowMinimumBatch,
        ),
    ];
    for (at, p, fault) in cases {
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
    struct Framer;
    impl Tamper for Framer {
        fn inject(&mut self, round: u64, phase: Phase) -> Vec<Injection> {
            if phase != Phase::AfterContributions {
                return Vec::new();
            }
            // Provider 1 sends garbage in provider 0's name to every aggregator.
            (0..S as u32)
                .map(|s| Injection::Deliver {
                    sender: ProviderId(1),
                    delivery: ShareDelivery {
                        round,
                        provider: ProviderId(0),
                        aggregator: AggregatorId(s),
                        share: vec![0xff; 40],
                        blind: Fr::ONE,
                    },
                })
                .collect()
        }
    }
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let r = run(&mut c, &updates(), &[true; P], &mut Framer);
    assert_eq!(r.refused, vec![(prov(1), Fault::SenderMismatch); S]);
    assert_eq!(r.accepted, pids(&[0, 1, 2, 3, 4]));
    assert!(audited(&c).ok());
}

#[test]
fn defect6_of_two_own_deliveries_the_one_that_opens_is_kept() {
    struct Twice;
    impl Tamper for Twice {
        fn contribution(&mut self, _r: u64, c: &mut Contribution, d: &mut Vec<ShareDelivery>) {
            if c.provider == ProviderId(4) {
                let mut bad = d[1].clone();
                bad.blind += Fr::ONE;
                d.insert(1, bad); // the bad one arrives first
            }
        }
    }
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let r = run(&mut c, &updates(), &[true; P], &mut Twice);
    assert!(r.rejected.is_empty(), "{:?}", r.rejected);
    assert_eq!(r.accepted, pids(&[0, 1, 2, 3, 4]));
}

#[test]
fn defect6_a_contribution_signed_by_another_party_is_refused() {
    struct Relay(Option<Contribution>);
    impl Tamper for Relay {
        fn contribution(&mut self, _r: u64, c: &mut Contribution, _d: &mut Vec<ShareDelivery>) {
            if c.provider == ProviderId(0) {
                self.0 = Some(c.clone());
            }
        }
        fn inject(&mut self, _r: u64, phase: Phase) -> Vec<Injection> {
            if phase != Phase::AfterContributions {
                return Vec::new();
            }
            vec![Injection::Post {
                signer: PartyId::Provider(ProviderId(3)),
                msg: PublicMessage::Contribution(self.0.clone().unwrap()),
            }]
        }
    }
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
    // Add l = 2^252 + 27742317777372353535851937790883648493 to s (little-endian).
    let l: [u8; 32] = [
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde,
        0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
    ];
    let mut carry = 0u16;
    for k in 0..32 {
        let t = sig[32 + k] as u16 + l[k] as u16 + carry;
        sig[32 + k] = t as u8;
        carry = t >> 8;
    }
    entries[0].signature = sig;
    let mut b = Bulletin::new(config).unwrap();
    let err = b.append(entries.remove(0)).unwrap_err();
    assert_eq!(err.blame().map(|(_, f)| f), Some(Fault::BadSignature));
}

// ------------------------------------------------------------ 8. the rest

#[test]
fn defect8_two_bad_links_in_a_batch_are_both_found_in_one_pass() {
    struct TwoBadLinks;
    impl Tamper for TwoBadLinks {
        fn contribution(&mut self, _r: u64, c: &mut Contribution, _d: &mut Vec<ShareDelivery>) {
            if c.provider == ProviderId(1) || c.provider == ProviderId(3) {
                c.link.t += Fr::ONE;
            }
        }
    }
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let r = run(&mut c, &updates(), &[true; P], &mut TwoBadLinks);
    rejected_by_all(&r, 1, RejectReason::LinkRejected, S);
    rejected_by_all(&r, 3, RejectReason::LinkRejected, S);
    assert_eq!(r.accepted, pids(&[0, 2, 4]));
    assert!(audited(&c).ok());
}

#[test]
fn defect8_a_partial_sum_over_a_provider_listed_twice_is_refused() {
    use zkagg_aggregation::aggregator::AggregatorRound;
    use zkagg_aggregation::ledger::Ledger;
    let mut c = consortium(ValidityMode::ZkProof, S, 1);
    run(&mut c, &updates(), &[true; P], &mut Honest);
    // Re-run aggregator 0's decision on round 0's public data.
    let setup = c.setup().clone();
    let mut ledger = Ledger::new(setup.clone());
    for (seq, (p, m)) in c.bulletin().messages().enumerate() {
        if matches!(m, PublicMessage::RoundClose(_)) {
            break;
        }
        if !matches!(
            m,
            PublicMessage::AcceptedSet(_) | PublicMessage::PartialSum(_)
        ) {
            ledger.apply(seq as u64, p, m).unwrap();
        }
    }
    let round = AggregatorRound::new(AggregatorId(0), setup, 0);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let (decided, set) = round.decide(&ledger, &mut rng).unwrap();
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
