//! Bulletins a cheating coordinator could publish: the demo keys to sign
//! them, honest runs to start from, and the edits the tests make to them.
#![allow(dead_code)]

use super::{consortium, run, updates, C, P, S};
use ed25519_dalek::SigningKey;
use rand::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::sync::Arc;
use zkagg_aggregation::aggregator::{AggregatorDecided, AggregatorRound};
use zkagg_aggregation::bulletin::Bulletin;
use zkagg_aggregation::config::{ConsortiumConfig, ValidityMode};
use zkagg_aggregation::ledger::Ledger;
use zkagg_aggregation::msgs::{AcceptedSet, PartialSum, PublicMessage};
use zkagg_aggregation::relation::BoundedVectorRelation;
use zkagg_aggregation::setup::Setup;
use zkagg_aggregation::sim::{demo_keys, Honest};
use zkagg_aggregation::{AggregatorId, PartyId, ProviderId};
use zkagg_mpc::sharing::additive::Additive;

/// The public messages of a bulletin, each with its sender.
pub type Messages = Vec<(PartyId, PublicMessage)>;

/// Aggregator `s` as a party.
pub fn agg(s: u32) -> PartyId {
    PartyId::Aggregator(AggregatorId(s))
}

/// Provider `i` as a party.
pub fn prov(i: u32) -> PartyId {
    PartyId::Provider(ProviderId(i))
}

/// The demo key of `party` in a seed-7 consortium of `aggregators` aggregators.
pub fn signing_key(party: PartyId, aggregators: usize) -> SigningKey {
    match party {
        PartyId::Coordinator => demo_keys(7, 0, 1).remove(0),
        PartyId::Aggregator(s) => demo_keys(7, 1, aggregators).remove(s.index()),
        PartyId::Provider(i) => demo_keys(7, 2, P).remove(i.index()),
    }
}

/// The key of `party` in the test consortium (demo keys, seed 7, S = 3).
pub fn key(party: PartyId) -> SigningKey {
    signing_key(party, S)
}

/// A bulletin with exactly `msgs`, each signed by its sender: what a
/// coordinator that skips the sequence rules would publish.
pub fn rebuild(config: &ConsortiumConfig, msgs: &[(PartyId, PublicMessage)]) -> Bulletin {
    let mut b = Bulletin::new(config.clone()).unwrap();
    for (p, m) in msgs {
        b.post(*p, &key(*p), m).unwrap();
    }
    b
}

/// Every message of `b` with its sender, in bulletin order.
pub fn messages(b: &Bulletin) -> Messages {
    b.messages().map(|(p, m)| (p, m.clone())).collect()
}

/// Two honest rounds of the test consortium (ZK mode, S = 3, minimum batch 3).
pub fn two_rounds() -> C {
    let mut c = consortium(ValidityMode::ZkProof, S, 3);
    let ups = updates();
    run(&mut c, &ups, &[true; P], &mut Honest);
    run(&mut c, &ups, &[true; P], &mut Honest);
    c
}

/// Minimum batch 4: round 0 with two providers (nothing released), round 1
/// with all five.
pub fn small_then_full() -> C {
    let mut c = consortium(ValidityMode::ZkProof, S, 4);
    let ups = updates();
    run(
        &mut c,
        &ups,
        &[true, true, false, false, false],
        &mut Honest,
    );
    run(&mut c, &ups, &[true; P], &mut Honest);
    c
}

/// A coordinator that let provider noise through, in round 0: provider 3's
/// contribution outside a round (entry 0), `reg` twice (entries 1 and 2) and
/// provider 3's contribution for round 7 (entry 4).
pub fn with_provider_noise(msgs: &mut Messages, reg: &PublicMessage) {
    let contribution = msgs
        .iter()
        .find_map(|(_, m)| match m {
            PublicMessage::Contribution(x) if x.provider == ProviderId(3) => Some(x.clone()),
            _ => None,
        })
        .unwrap();
    let mut other_round = contribution.clone();
    other_round.round = 7;
    msgs.insert(0, (prov(3), PublicMessage::Contribution(contribution)));
    msgs.insert(1, (prov(1), reg.clone()));
    msgs.insert(2, (prov(1), reg.clone()));
    msgs.insert(4, (prov(3), PublicMessage::Contribution(other_round)));
}

/// Aggregator 1 posts a second accepted set (its first minus the last
/// provider) right after its first; returns the second's position.
pub fn with_second_accepted_set(msgs: &mut Messages) -> usize {
    let (k, set): (usize, AcceptedSet) = msgs
        .iter()
        .enumerate()
        .find_map(|(k, (_, m))| match m {
            PublicMessage::AcceptedSet(a) if a.aggregator == AggregatorId(1) => {
                Some((k, a.clone()))
            }
            _ => None,
        })
        .unwrap();
    let mut second = set;
    second.accepted.pop();
    msgs.insert(k + 1, (agg(1), PublicMessage::AcceptedSet(second)));
    k + 1
}

/// Where aggregator 0 posts a stray partial sum into [`small_then_full`].
#[derive(Clone, Copy, Debug)]
pub enum Stray {
    /// After round 0 closed.
    AfterClose,
    /// In round 0, carrying round 1's number.
    OtherRound,
    /// In round 0, below its minimum batch.
    BelowMinimumBatch,
}

/// Aggregator 0's round-1 partial sum, changed for `which`, and where it goes.
pub fn stray_partial_sum(msgs: &Messages, which: Stray) -> (usize, PartialSum) {
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
    let (at, round) = match which {
        Stray::AfterClose => (close0 + 1, 0),
        Stray::OtherRound => (set0 + 1, 1),
        Stray::BelowMinimumBatch => (set0 + 1, 0),
    };
    (at, PartialSum { round, ..sum })
}

/// Adds l = 2^252 + 27742317777372353535851937790883648493 to the s half of
/// an ed25519 signature (little-endian): valid only non-strictly.
pub fn non_canonical_s(sig: &mut [u8; 64]) {
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
}

/// A fresh aggregator 0 (no shares delivered) decides round 0 on the
/// public data of `bulletin` (everything before the first accepted set
/// or partial sum up to the close).
pub fn fresh_aggregator_decides(
    setup: &Arc<Setup<BoundedVectorRelation, Additive>>,
    bulletin: &Bulletin,
) -> (AggregatorDecided, AcceptedSet) {
    let mut ledger = Ledger::new(setup.clone());
    for (seq, (p, m)) in bulletin.messages().enumerate() {
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
    let round = AggregatorRound::new(AggregatorId(0), setup.clone(), 0);
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    round.decide(&ledger, &mut rng).unwrap()
}
