//! The aggregator role: collects contributions and shares for a round,
//! decides which to accept, and posts its partial sum over the round's
//! accepted set. Typestates: [`AggregatorRound`] -(decide)->
//! [`AggregatorDecided`] -(partial_sum)-> [`PartialSum`].

use crate::config::{PartyId, ValidityMode};
use crate::error::AggError;
use crate::msgs::{
    AcceptedSet, Contribution, PartialSum, RoundHeader, ShareDelivery, MAX_MESSAGE_BYTES,
};
use crate::relation::{model_digest, ProofContext, UpdateRelation};
use crate::setup::Setup;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::Identity;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use std::collections::BTreeMap;
use std::sync::Arc;
use zkagg_mpc::sharing::SecretSharing;
use zkagg_zk::link::{self, LinkStatement};
use zkagg_zk::pedersen::Commitment;
use zkagg_zk::Fr;

/// Aggregator s collecting a round.
pub struct AggregatorRound<Rel, S> {
    s: u32,
    setup: Arc<Setup<Rel, S>>,
    header: RoundHeader,
    model_digest: [u8; 32],
    registrations: BTreeMap<u32, Fr>,
    contributions: BTreeMap<u32, Contribution>,
    shares: BTreeMap<u32, (Vec<Fr>, Fr)>,
    rejected: BTreeMap<u32, String>,
    mpc_verdicts: BTreeMap<u32, bool>,
}

impl<Rel: UpdateRelation, S: SecretSharing> AggregatorRound<Rel, S> {
    /// Starts collecting round `header.round` as aggregator `s`, with the
    /// providers' registered data commitments.
    pub fn new(
        s: u32,
        setup: Arc<Setup<Rel, S>>,
        header: RoundHeader,
        registrations: BTreeMap<u32, Fr>,
    ) -> Self {
        AggregatorRound {
            s,
            setup,
            model_digest: model_digest(&header.model),
            header,
            registrations,
            contributions: BTreeMap::new(),
            shares: BTreeMap::new(),
            rejected: BTreeMap::new(),
            mpc_verdicts: BTreeMap::new(),
        }
    }

    fn reject(&mut self, provider: u32, reason: String) {
        self.rejected.entry(provider).or_insert(reason);
    }

    /// Receives a public contribution. A second contribution from the same
    /// provider in a round (a replay) gets the provider rejected; one for
    /// another round is ignored and reported.
    pub fn receive_contribution(&mut self, c: Contribution) -> Result<(), AggError> {
        let party = PartyId::Provider(c.provider);
        if c.provider as usize >= self.setup.config.provider_keys.len() {
            return Err(AggError::UnknownParty(party));
        }
        if c.round != self.header.round {
            self.reject(
                c.provider,
                format!("replayed contribution from round {}", c.round),
            );
            return Err(AggError::Misbehaved {
                party,
                reason: format!(
                    "contribution for round {} in round {}",
                    c.round, self.header.round
                ),
            });
        }
        if self.contributions.contains_key(&c.provider) {
            self.reject(
                c.provider,
                "replayed contribution: a second contribution in the same round".into(),
            );
            return Err(AggError::Misbehaved {
                party,
                reason: "replayed contribution".into(),
            });
        }
        self.contributions.insert(c.provider, c);
        Ok(())
    }

    /// Receives this aggregator's share from a provider (decoded with caps).
    pub fn receive_share(&mut self, d: ShareDelivery) -> Result<(), AggError> {
        let party = PartyId::Provider(d.provider);
        if d.aggregator != self.s || d.round != self.header.round {
            return Err(AggError::Misbehaved {
                party,
                reason: "share for another aggregator or round".into(),
            });
        }
        if self.shares.contains_key(&d.provider) {
            self.reject(d.provider, "two shares in one round".into());
            return Err(AggError::Misbehaved {
                party,
                reason: "two shares in one round".into(),
            });
        }
        if d.share.len() > MAX_MESSAGE_BYTES {
            self.reject(d.provider, "oversized share".into());
            return Err(AggError::Misbehaved {
                party,
                reason: "oversized share".into(),
            });
        }
        let len = self.setup.vec_len();
        let expanded = self
            .setup
            .sharing
            .decode_share(self.s as usize, &d.share, len)
            .and_then(|share| self.setup.sharing.expand(self.s as usize, &share, len));
        match expanded {
            Ok(x) => {
                self.shares.insert(d.provider, (x, d.blind));
                Ok(())
            }
            Err(e) => {
                self.reject(d.provider, format!("malformed share: {e}"));
                Err(AggError::Misbehaved {
                    party,
                    reason: e.to_string(),
                })
            }
        }
    }

    /// The explicit share vector received from `provider` (for the MPC path).
    pub fn share_of(&self, provider: u32) -> Option<&[Fr]> {
        self.shares.get(&provider).map(|(x, _)| x.as_slice())
    }

    /// Records the outcome of the two-party bound check for a provider (MPC mode).
    pub fn record_mpc_verdict(&mut self, provider: u32, in_bound: bool) {
        self.mpc_verdicts.insert(provider, in_bound);
    }

    /// Checks every contribution: pi_zk (ZK mode) or the 2PC verdict (MPC
    /// mode), pi_link (batched), and that the shares open this aggregator's
    /// commitments (one batched multiscalar multiplication). Returns the
    /// decided state and the accepted-set message.
    pub fn decide<R: RngCore + CryptoRng>(
        mut self,
        rng: &mut R,
    ) -> (AggregatorDecided<Rel, S>, AcceptedSet) {
        let setup = self.setup.clone();
        let nagg = setup.config.num_aggregators();
        let mut candidates: Vec<u32> = Vec::new();
        let providers: Vec<u32> = self.contributions.keys().copied().collect();
        for i in providers {
            if self.rejected.contains_key(&i) {
                continue;
            }
            let c = &self.contributions[&i];
            if c.share_commitments.len() != nagg {
                self.reject(
                    i,
                    format!(
                        "{} share commitments for {nagg} aggregators",
                        c.share_commitments.len()
                    ),
                );
                continue;
            }
            if !self.shares.contains_key(&i) {
                self.reject(i, "no share received".into());
                continue;
            }
            let ctx = context(
                &setup,
                &self.header,
                &self.model_digest,
                &self.registrations,
                c,
            );
            let rho = ctx.rho();
            let verdict = match setup.config.validity {
                ValidityMode::ZkProof => setup
                    .relation
                    .verify(&ctx, &rho, &c.y, &c.proof)
                    .map_err(|e| format!("pi_zk rejected: {e}")),
                ValidityMode::Mpc2pc => match self.mpc_verdicts.get(&i) {
                    Some(true) => Ok(()),
                    Some(false) => Err("2PC bound check: out of bound".to_string()),
                    None => Err("2PC bound check not run".to_string()),
                },
            };
            match verdict {
                Ok(()) => candidates.push(i),
                Err(reason) => self.reject(i, reason),
            }
        }
        // pi_link and the share openings of every candidate in one
        // multiscalar multiplication; only if that fails do the separate
        // batches below run, to find whom to reject.
        if !self.links_and_openings_hold(&setup, &candidates, rng) {
            candidates = self.batch_link(&setup, candidates, rng);
            self.batch_openings(&setup, &mut candidates, rng);
        }
        let msg = AcceptedSet {
            round: self.header.round,
            aggregator: self.s,
            accepted: candidates.clone(),
            rejected: self.rejected.iter().map(|(i, r)| (*i, r.clone())).collect(),
        };
        (
            AggregatorDecided {
                s: self.s,
                round: self.header.round,
                accepted: candidates,
                shares: self.shares,
                _p: core::marker::PhantomData,
            },
            msg,
        )
    }

    /// For each candidate: its pi_link transcript, the combined commitment
    /// C = sum_s lambda_s C_s and rho.
    fn link_inputs(
        &self,
        setup: &Setup<Rel, S>,
        candidates: &[u32],
    ) -> Vec<(Transcript, Commitment, Fr)> {
        candidates
            .iter()
            .map(|i| {
                let c = &self.contributions[i];
                let ctx = context(
                    setup,
                    &self.header,
                    &self.model_digest,
                    &self.registrations,
                    c,
                );
                // Candidates have exactly S commitments (checked in `decide`);
                // the identity never links to an honest statement's rho.
                let csum = setup
                    .combine_commitments(&c.share_commitments)
                    .unwrap_or(Commitment(RistrettoPoint::identity()));
                (ctx.link_transcript(), csum, ctx.rho())
            })
            .collect()
    }

    /// This aggregator's (C_s, share, blind) for each candidate.
    fn openings(&self, candidates: &[u32]) -> Vec<(Commitment, &[Fr], Fr)> {
        candidates
            .iter()
            .map(|i| {
                let (x, r) = &self.shares[i];
                (
                    self.contributions[i].share_commitments[self.s as usize],
                    x.as_slice(),
                    *r,
                )
            })
            .collect()
    }

    /// The fast path: every candidate's pi_link and share opening in one
    /// multiscalar multiplication.
    fn links_and_openings_hold<R: RngCore + CryptoRng>(
        &self,
        setup: &Setup<Rel, S>,
        candidates: &[u32],
        rng: &mut R,
    ) -> bool {
        let inputs = self.link_inputs(setup, candidates);
        let mut items = self.link_items(setup, candidates, &inputs);
        let openings = self.openings(candidates);
        matches!(
            link::batch_verify_with_openings(&setup.gens, &mut items, &openings, rng),
            Ok(true)
        )
    }

    fn link_items<'a>(
        &'a self,
        setup: &Setup<Rel, S>,
        candidates: &[u32],
        inputs: &'a [(Transcript, Commitment, Fr)],
    ) -> Vec<(Transcript, LinkStatement<'a>, &'a zkagg_zk::link::LinkProof)> {
        candidates
            .iter()
            .zip(inputs)
            .map(|(i, (t, csum, rho))| {
                let c = &self.contributions[i];
                (
                    t.clone(),
                    LinkStatement {
                        C: &csum.0,
                        rho,
                        y: &c.y,
                        len: setup.vec_len(),
                    },
                    &c.link,
                )
            })
            .collect()
    }

    /// Share openings, batched; rejects each candidate whose share does not
    /// open its commitment.
    fn batch_openings<R: RngCore + CryptoRng>(
        &mut self,
        setup: &Setup<Rel, S>,
        candidates: &mut Vec<u32>,
        rng: &mut R,
    ) {
        loop {
            let result = setup
                .gens
                .pedersen
                .batch_verify_openings(&self.openings(candidates), rng);
            match result {
                Ok(()) => return,
                Err(zkagg_zk::pedersen::PedersenError::BadOpening { index }) => {
                    let i = candidates.remove(index);
                    self.reject(i, format!("share does not open commitment C_{}", self.s));
                }
                Err(e) => {
                    for i in candidates.drain(..) {
                        self.rejected.insert(i, e.to_string());
                    }
                    return;
                }
            }
        }
    }

    /// pi_link, batched; rejects each candidate whose proof fails.
    fn batch_link<R: RngCore + CryptoRng>(
        &mut self,
        setup: &Setup<Rel, S>,
        mut candidates: Vec<u32>,
        rng: &mut R,
    ) -> Vec<u32> {
        loop {
            let inputs = self.link_inputs(setup, &candidates);
            let mut items = self.link_items(setup, &candidates, &inputs);
            match link::batch_verify(&setup.gens, &mut items, rng) {
                Ok(()) => return candidates,
                Err(link::LinkError::Rejected { index }) => {
                    drop(items);
                    let i = candidates.remove(index);
                    self.reject(i, "pi_link rejected".into());
                }
                Err(_) => {
                    // A structural error (wrong rounds) on some proof: check one by one.
                    let mut keep = Vec::new();
                    for (k, (mut t, st, proof)) in items.into_iter().enumerate() {
                        if link::verify(&setup.gens, &mut t, &st, proof).is_ok() {
                            keep.push(candidates[k]);
                        }
                    }
                    for i in candidates.drain(..) {
                        if !keep.contains(&i) {
                            self.rejected.insert(i, "pi_link rejected".into());
                        }
                    }
                    return keep;
                }
            }
        }
    }
}

/// The proof context of a contribution, from public data.
pub(crate) fn context<'a, Rel, S>(
    setup: &Setup<Rel, S>,
    header: &'a RoundHeader,
    model_digest: &[u8; 32],
    registrations: &BTreeMap<u32, Fr>,
    c: &'a Contribution,
) -> ProofContext<'a> {
    ProofContext {
        config_id: setup.config_id,
        round: header.round,
        provider: c.provider,
        model: &header.model,
        model_digest: *model_digest,
        data_commitment: registrations.get(&c.provider).copied(),
        h: c.h,
        share_commitments: &c.share_commitments,
    }
}

/// An aggregator that has posted its accepted set.
pub struct AggregatorDecided<Rel, S> {
    s: u32,
    round: u64,
    accepted: Vec<u32>,
    shares: BTreeMap<u32, (Vec<Fr>, Fr)>,
    #[allow(dead_code)]
    _p: core::marker::PhantomData<(Rel, S)>,
}

impl<Rel, S> AggregatorDecided<Rel, S> {
    /// This aggregator's accepted providers.
    pub fn accepted(&self) -> &[u32] {
        &self.accepted
    }

    /// The partial sum over the round's accepted set (the intersection of
    /// every aggregator's set). Errors if that set names a provider this
    /// aggregator did not accept.
    pub fn partial_sum(self, round_accepted: &[u32]) -> Result<PartialSum, AggError> {
        let len = self
            .shares
            .values()
            .next()
            .map(|(x, _)| x.len())
            .unwrap_or(0);
        let mut sum = vec![Fr::ZERO; len];
        let mut blind = Fr::ZERO;
        for i in round_accepted {
            if !self.accepted.contains(i) {
                return Err(AggError::Misuse(format!(
                    "provider {i} is not in aggregator {}'s accepted set",
                    self.s
                )));
            }
            let (x, r) = &self.shares[i];
            for (a, b) in sum.iter_mut().zip(x) {
                *a += b;
            }
            blind += r;
        }
        Ok(PartialSum {
            round: self.round,
            aggregator: self.s,
            sum,
            blind,
        })
    }
}
