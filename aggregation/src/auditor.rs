//! The auditor: checks a bulletin end to end from public data alone.
//!
//! For every round: the accepted set is the intersection of the posted
//! sets; below the minimum batch no partial sum and no model is released;
//! every accepted contribution's pi_zk and pi_link verify; each partial sum
//! opens the sum of the accepted providers' commitments to that aggregator's
//! shares; and the posted new model equals the recomputed one, which is also
//! the next round's model. The verdict names the first failing item and the
//! party to blame.

use crate::aggregator::context;
use crate::bulletin::Bulletin;
use crate::config::{PartyId, ValidityMode};
use crate::coordinator::{intersect, new_model};
use crate::msgs::{AcceptedSet, Contribution, PartialSum, PublicMessage, RoundHeader};
use crate::relation::{model_digest, UpdateRelation};
use crate::setup::Setup;
use std::collections::BTreeMap;
use zkagg_mpc::sharing::SecretSharing;
use zkagg_zk::link::{self, LinkStatement};
use zkagg_zk::pedersen::Commitment;
use zkagg_zk::Fr;

/// The first failure found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditFailure {
    /// The bulletin entry (sequence number), if the failure is tied to one.
    pub entry: Option<u64>,
    /// What failed.
    pub item: String,
    /// The party to blame.
    pub blame: PartyId,
}

/// The auditor's verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// Rounds fully checked.
    pub rounds_checked: u64,
    /// Rounds that released a model.
    pub rounds_released: u64,
    /// The last released model.
    pub final_model: Option<Vec<i64>>,
    /// The first failure, if any.
    pub failure: Option<AuditFailure>,
}

impl Verdict {
    /// Whether the bulletin passed.
    pub fn ok(&self) -> bool {
        self.failure.is_none()
    }
}

#[derive(Default)]
struct RoundState {
    header: Option<RoundHeader>,
    contributions: BTreeMap<u32, (u64, Contribution)>,
    sets: Vec<AcceptedSet>,
    sums: Vec<(u64, PartialSum)>,
}

/// Audits a saved bulletin's bytes: decoding and signature/chain failures
/// blame the coordinator, which keeps the bulletin.
pub fn audit_bytes<Rel: UpdateRelation, S: SecretSharing>(
    setup: &Setup<Rel, S>,
    bytes: &[u8],
) -> Verdict {
    match Bulletin::from_bytes(bytes) {
        Ok(b) => audit(setup, &b),
        Err(e) => Verdict {
            rounds_checked: 0,
            rounds_released: 0,
            final_model: None,
            failure: Some(AuditFailure {
                entry: None,
                item: format!("bulletin does not load: {e}"),
                blame: PartyId::Coordinator,
            }),
        },
    }
}

/// Audits a loaded bulletin against the public parameters.
pub fn audit<Rel: UpdateRelation, S: SecretSharing>(
    setup: &Setup<Rel, S>,
    bulletin: &Bulletin,
) -> Verdict {
    let mut v = Verdict {
        rounds_checked: 0,
        rounds_released: 0,
        final_model: None,
        failure: None,
    };
    if bulletin.config_id() != setup.config_id {
        v.failure = Some(AuditFailure {
            entry: None,
            item: "bulletin is for another config".into(),
            blame: PartyId::Coordinator,
        });
        return v;
    }
    let mut registrations: BTreeMap<u32, Fr> = BTreeMap::new();
    let mut st = RoundState::default();
    let mut expected_model: Option<Vec<i64>> = None;
    let fail = |v: &mut Verdict, entry: Option<u64>, item: String, blame: PartyId| {
        v.failure = Some(AuditFailure { entry, item, blame });
    };
    for (seq, (sender, msg)) in bulletin.messages().enumerate() {
        let seq = seq as u64;
        match msg {
            PublicMessage::Registration(r) => {
                if registrations
                    .insert(r.provider, r.data_commitment)
                    .is_some()
                {
                    fail(&mut v, Some(seq), "second registration".into(), sender);
                    return v;
                }
            }
            PublicMessage::RoundHeader(h) => {
                if st.header.is_some() {
                    fail(
                        &mut v,
                        Some(seq),
                        "round header before the previous round closed".into(),
                        sender,
                    );
                    return v;
                }
                if let Some(m) = &expected_model {
                    if &h.model != m {
                        fail(
                            &mut v,
                            Some(seq),
                            format!(
                                "round {} starts from a model other than the released one",
                                h.round
                            ),
                            sender,
                        );
                        return v;
                    }
                }
                st = RoundState {
                    header: Some(h.clone()),
                    ..Default::default()
                };
            }
            PublicMessage::Contribution(c) => {
                let Some(h) = &st.header else {
                    fail(
                        &mut v,
                        Some(seq),
                        "contribution outside a round".into(),
                        sender,
                    );
                    return v;
                };
                if c.round != h.round {
                    // A replay from another round: never accepted; only an
                    // aggregator accepting it is a failure (checked below).
                    continue;
                }
                // A second contribution in the same round is a replay; keep the first.
                st.contributions
                    .entry(c.provider)
                    .or_insert((seq, c.clone()));
            }
            PublicMessage::AcceptedSet(a) => st.sets.push(a.clone()),
            PublicMessage::PartialSum(p) => st.sums.push((seq, p.clone())),
            PublicMessage::RoundClose(close) => {
                let Some(h) = st.header.take() else {
                    fail(
                        &mut v,
                        Some(seq),
                        "round close outside a round".into(),
                        sender,
                    );
                    return v;
                };
                if close.round != h.round {
                    fail(
                        &mut v,
                        Some(seq),
                        "round close for another round".into(),
                        sender,
                    );
                    return v;
                }
                let digest = model_digest(&h.model);
                let sets: Vec<&AcceptedSet> =
                    st.sets.iter().filter(|s| s.round == h.round).collect();
                let acc = match intersect(setup.config.num_aggregators(), h.round, &sets) {
                    Ok(a) => a,
                    Err(e) => {
                        fail(
                            &mut v,
                            Some(seq),
                            format!("accepted sets: {e}"),
                            PartyId::Coordinator,
                        );
                        return v;
                    }
                };
                if acc != close.accepted {
                    fail(
                        &mut v,
                        Some(seq),
                        "round's accepted set is not the intersection".into(),
                        sender,
                    );
                    return v;
                }
                // Every accepted contribution verifies.
                for i in &acc {
                    let Some((cseq, c)) = st.contributions.get(i) else {
                        let blame = sets
                            .iter()
                            .find(|s| s.accepted.contains(i))
                            .map(|s| PartyId::Aggregator(s.aggregator))
                            .unwrap_or(sender);
                        fail(
                            &mut v,
                            Some(seq),
                            format!("accepted provider {i} has no contribution this round"),
                            blame,
                        );
                        return v;
                    };
                    let ctx = context(setup, &h, &digest, &registrations, c);
                    let rho = ctx.rho();
                    if setup.config.validity == ValidityMode::ZkProof {
                        if let Err(e) = setup.relation.verify(&ctx, &rho, &c.y, &c.proof) {
                            fail(
                                &mut v,
                                Some(*cseq),
                                format!("accepted contribution's pi_zk fails: {e}"),
                                PartyId::Provider(*i),
                            );
                            return v;
                        }
                    }
                    let Some(csum) = setup.combine_commitments(&c.share_commitments) else {
                        fail(
                            &mut v,
                            Some(*cseq),
                            "accepted contribution has the wrong number of share commitments"
                                .into(),
                            PartyId::Provider(*i),
                        );
                        return v;
                    };
                    let stmt = LinkStatement {
                        C: &csum.0,
                        rho: &rho,
                        y: &c.y,
                        len: setup.vec_len(),
                    };
                    if link::verify(&setup.gens, &mut ctx.link_transcript(), &stmt, &c.link)
                        .is_err()
                    {
                        fail(
                            &mut v,
                            Some(*cseq),
                            "accepted contribution's pi_link fails".into(),
                            PartyId::Provider(*i),
                        );
                        return v;
                    }
                }
                let released = acc.len() >= setup.config.min_batch as usize;
                let sums: Vec<&(u64, PartialSum)> =
                    st.sums.iter().filter(|(_, p)| p.round == h.round).collect();
                if !released {
                    if let Some((pseq, p)) = sums.first() {
                        fail(
                            &mut v,
                            Some(*pseq),
                            "partial sum released below the minimum batch".into(),
                            PartyId::Aggregator(p.aggregator),
                        );
                        return v;
                    }
                    if close.new_model.is_some() {
                        fail(
                            &mut v,
                            Some(seq),
                            "model released below the minimum batch".into(),
                            sender,
                        );
                        return v;
                    }
                    v.rounds_checked += 1;
                    expected_model = Some(h.model.clone());
                    continue;
                }
                // Each partial sum opens the sum of the accepted commitments.
                for (pseq, p) in &sums {
                    let s = p.aggregator as usize;
                    let target: Commitment = acc
                        .iter()
                        .map(|i| st.contributions[i].1.share_commitments[s])
                        .sum();
                    if p.sum.len() != setup.vec_len()
                        || setup
                            .gens
                            .pedersen
                            .verify_opening(&target, &p.sum, &p.blind)
                            .is_err()
                    {
                        fail(&mut v, Some(*pseq), format!("partial sum of aggregator {s} does not open the accepted commitments"), PartyId::Aggregator(p.aggregator));
                        return v;
                    }
                }
                let sum_refs: Vec<&PartialSum> = sums.iter().map(|(_, p)| p).collect();
                let m = match new_model(setup, &h, &acc, &sum_refs) {
                    Ok(m) => m,
                    Err(e) => {
                        fail(
                            &mut v,
                            Some(seq),
                            format!("cannot recompute the model: {e}"),
                            PartyId::Coordinator,
                        );
                        return v;
                    }
                };
                if close.new_model.as_ref() != Some(&m) {
                    fail(
                        &mut v,
                        Some(seq),
                        "posted model differs from the recomputed one".into(),
                        sender,
                    );
                    return v;
                }
                v.rounds_checked += 1;
                v.rounds_released += 1;
                v.final_model = Some(m.clone());
                expected_model = Some(m);
            }
        }
    }
    v
}
