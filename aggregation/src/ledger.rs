//! The protocol's sequence rules over the bulletin, as a sans-IO state
//! machine that every party runs on the entries it sees.
//!
//! - A provider registers once; the first registration on the bulletin is
//!   the one everyone uses.
//! - The coordinator opens round t (the next number, no round open) with a
//!   model in the relation's range that equals the last released model
//!   (before any release, the config's initial model).
//! - While round t is open: one contribution per provider, one accepted set
//!   per aggregator (strictly ascending, accepting only providers whose
//!   contribution precedes it), one partial sum per aggregator that posted
//!   a set, only once the set phase is over (every accepted set is in, or
//!   the coordinator closed the phase with an [`AcceptedSetsClosed`] naming
//!   exactly the sets before it, at least t of them, after which no set is
//!   admitted) and only when the intersection of the counted sets reaches
//!   the minimum batch; every message carries round t.
//! - The coordinator closes round t.
//!
//! [`Ledger::apply`] returns a [`Stray`] for an entry that breaks a rule,
//! naming its poster. The coordinator refuses such entries; the auditor
//! records provider noise and skips it (it cannot change any outcome) and
//! reports any other stray entry as a failure of its poster; aggregators
//! skip them.

use crate::error::Fault;
use crate::msgs::{
    AcceptedSet, AcceptedSetsClosed, Contribution, PartialSum, PublicMessage, RoundClose,
    RoundHeader,
};
use crate::party::{AggregatorId, PartyId, ProviderId};
use crate::relation::{model_digest, ProofContext, UpdateRelation};
use crate::setup::Setup;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use zkagg_zk::Fr;

/// An entry that breaks a sequence rule, and who posted it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stray {
    /// The poster.
    pub party: PartyId,
    /// The rule it broke.
    pub fault: Fault,
}

impl Stray {
    /// Provider noise (a second registration or contribution, one outside
    /// or for another round): never able to change a round's outcome.
    pub fn is_provider_noise(&self) -> bool {
        matches!(self.party, PartyId::Provider(_))
    }
}

/// The public state of an open round, as posted so far.
#[derive(Clone, Debug)]
pub struct OpenRound {
    header: RoundHeader,
    header_seq: u64,
    model_digest: [u8; 32],
    contributions: BTreeMap<ProviderId, (u64, Contribution)>,
    sets: BTreeMap<AggregatorId, (u64, AcceptedSet)>,
    sets_closed: Option<(u64, AcceptedSetsClosed)>,
    sums: BTreeMap<AggregatorId, (u64, PartialSum)>,
}

impl OpenRound {
    /// The header.
    pub fn header(&self) -> &RoundHeader {
        &self.header
    }
    /// The round number.
    pub fn round(&self) -> u64 {
        self.header.round
    }
    /// The header's sequence number.
    pub fn header_seq(&self) -> u64 {
        self.header_seq
    }
    /// The digest of the round's model (computed once).
    pub fn model_digest(&self) -> &[u8; 32] {
        &self.model_digest
    }
    /// The round's contributions with their sequence numbers, by provider.
    pub fn contributions(&self) -> &BTreeMap<ProviderId, (u64, Contribution)> {
        &self.contributions
    }
    /// The accepted sets posted so far.
    pub fn accepted_sets(&self) -> &BTreeMap<AggregatorId, (u64, AcceptedSet)> {
        &self.sets
    }
    /// The partial sums posted so far.
    pub fn partial_sums(&self) -> &BTreeMap<AggregatorId, (u64, PartialSum)> {
        &self.sums
    }
    /// The proof context of contribution `c` of this round, from public
    /// data: the registered data commitment enters only for a relation
    /// that uses one.
    pub fn context<'a, Rel: UpdateRelation, S>(
        &'a self,
        setup: &Setup<Rel, S>,
        registrations: &BTreeMap<ProviderId, Fr>,
        c: &'a Contribution,
    ) -> ProofContext<'a> {
        ProofContext {
            config_id: setup.config_id(),
            round: self.round(),
            provider: c.provider,
            model: &self.header.model,
            model_digest: self.model_digest,
            data_commitment: if setup.relation().needs_registration() {
                registrations.get(&c.provider).copied()
            } else {
                None
            },
            h: c.h,
            share_commitments: &c.share_commitments,
        }
    }

    /// The coordinator's close of the set phase, if posted.
    pub fn sets_closed(&self) -> Option<&(u64, AcceptedSetsClosed)> {
        self.sets_closed.as_ref()
    }

    /// The aggregators whose accepted sets count, ascending, once the set
    /// phase is over: every aggregator when all `num_aggregators` sets are
    /// in, else those the coordinator's close names; `None` before.
    pub fn counted_sets(&self, num_aggregators: usize) -> Option<Vec<AggregatorId>> {
        match &self.sets_closed {
            Some((_, c)) => Some(c.aggregators.clone()),
            None if self.sets.len() == num_aggregators => Some(self.sets.keys().copied().collect()),
            None => None,
        }
    }

    /// The round's accepted set: the intersection of the counted accepted
    /// sets ([`counted_sets`](Self::counted_sets)), ascending; `None` while
    /// the set phase is not over.
    pub fn intersection(&self, num_aggregators: usize) -> Option<Vec<ProviderId>> {
        let counted = self.counted_sets(num_aggregators)?;
        let mut it = counted.iter().filter_map(|s| self.sets.get(s));
        let first = it.next()?;
        let mut acc: BTreeSet<ProviderId> = first.1.accepted.iter().copied().collect();
        for (_, s) in it {
            let other: BTreeSet<ProviderId> = s.accepted.iter().copied().collect();
            acc = acc.intersection(&other).copied().collect();
        }
        Some(acc.into_iter().collect())
    }
}

/// A round the coordinator closed, with everything posted in it.
#[derive(Clone, Debug)]
pub struct ClosedRound {
    /// The round's public state.
    pub round: OpenRound,
    /// The close.
    pub close: RoundClose,
    /// The close's sequence number.
    pub close_seq: u64,
}

/// What an applied entry was.
#[derive(Clone, Debug)]
pub enum Applied {
    /// A first registration.
    Registration,
    /// A round opened.
    Opened,
    /// A contribution, accepted set or partial sum of the open round.
    InRound,
    /// A round closed.
    Closed(Box<ClosedRound>),
}

/// The sequence state of a bulletin.
pub struct Ledger<Rel, S> {
    setup: Arc<Setup<Rel, S>>,
    registrations: BTreeMap<ProviderId, Fr>,
    next_round: u64,
    released: Option<Vec<i64>>,
    open: Option<OpenRound>,
}

impl<Rel: UpdateRelation, S> Ledger<Rel, S> {
    /// An empty ledger.
    pub fn new(setup: Arc<Setup<Rel, S>>) -> Self {
        Ledger {
            setup,
            registrations: BTreeMap::new(),
            next_round: 0,
            released: None,
            open: None,
        }
    }

    /// The registered data commitments (first registration wins).
    pub fn registrations(&self) -> &BTreeMap<ProviderId, Fr> {
        &self.registrations
    }

    /// The open round, if any.
    pub fn open_round(&self) -> Option<&OpenRound> {
        self.open.as_ref()
    }

    /// The number the next round header must carry.
    pub fn next_round(&self) -> u64 {
        self.next_round
    }

    /// The last released model (`None` before the first release).
    pub fn released_model(&self) -> Option<&[i64]> {
        self.released.as_deref()
    }

    /// Applies entry `seq` posted by `sender` (whose signature and sender
    /// role the bulletin checked). A [`Stray`] entry leaves the state unchanged.
    pub fn apply(
        &mut self,
        seq: u64,
        sender: PartyId,
        msg: &PublicMessage,
    ) -> Result<Applied, Stray> {
        let stray = |fault| Stray {
            party: sender,
            fault,
        };
        let cfg = self.setup.config();
        match msg {
            PublicMessage::Registration(r) => {
                if self.registrations.contains_key(&r.provider) {
                    return Err(stray(Fault::DuplicateRegistration));
                }
                self.registrations.insert(r.provider, r.data_commitment);
                Ok(Applied::Registration)
            }
            PublicMessage::RoundHeader(h) => {
                if self.open.is_some() || h.round != self.next_round {
                    return Err(stray(Fault::HeaderOutOfSequence));
                }
                if !self.setup.relation().model_in_range(&h.model) {
                    return Err(stray(Fault::HeaderModelOutOfRange));
                }
                // Before any release the round starts from the config's
                // initial model, so the coordinator cannot pick it.
                let expected = self.released.as_deref().unwrap_or(&cfg.initial_model);
                if expected != h.model.as_slice() {
                    return Err(stray(Fault::HeaderModelNotReleased));
                }
                self.open = Some(OpenRound {
                    model_digest: model_digest(&h.model),
                    header: h.clone(),
                    header_seq: seq,
                    contributions: BTreeMap::new(),
                    sets: BTreeMap::new(),
                    sets_closed: None,
                    sums: BTreeMap::new(),
                });
                Ok(Applied::Opened)
            }
            PublicMessage::Contribution(c) => {
                let open = self.open.as_mut().ok_or(stray(Fault::OutsideRound))?;
                if c.round != open.header.round {
                    return Err(stray(Fault::WrongRound));
                }
                if open.contributions.contains_key(&c.provider) {
                    return Err(stray(Fault::Duplicate));
                }
                open.contributions.insert(c.provider, (seq, c.clone()));
                Ok(Applied::InRound)
            }
            PublicMessage::AcceptedSet(a) => {
                let open = self.open.as_mut().ok_or(stray(Fault::OutsideRound))?;
                if a.round != open.header.round {
                    return Err(stray(Fault::WrongRound));
                }
                if open.sets.contains_key(&a.aggregator) {
                    return Err(stray(Fault::Duplicate));
                }
                if open.sets_closed.is_some() {
                    return Err(stray(Fault::AcceptedSetAfterClose));
                }
                let ascending = a.accepted.windows(2).all(|w| w[0] < w[1])
                    && a.rejected.windows(2).all(|w| w[0].0 < w[1].0);
                let known = a
                    .accepted
                    .iter()
                    .all(|i| open.contributions.contains_key(i));
                let disjoint = a.rejected.iter().all(|(i, _)| {
                    a.accepted.binary_search(i).is_err() && i.index() < cfg.num_providers()
                });
                if !(ascending && known && disjoint) {
                    return Err(stray(Fault::MalformedAcceptedSet));
                }
                open.sets.insert(a.aggregator, (seq, a.clone()));
                Ok(Applied::InRound)
            }
            PublicMessage::PartialSum(p) => {
                let open = self.open.as_mut().ok_or(stray(Fault::OutsideRound))?;
                if p.round != open.header.round {
                    return Err(stray(Fault::WrongRound));
                }
                if open.sums.contains_key(&p.aggregator) {
                    return Err(stray(Fault::Duplicate));
                }
                let Some(acc) = open.intersection(cfg.num_aggregators()) else {
                    return Err(stray(Fault::PartialSumBeforeAcceptedSets));
                };
                if !open.sets.contains_key(&p.aggregator) {
                    return Err(stray(Fault::PartialSumBeforeAcceptedSets));
                }
                if acc.len() < cfg.min_batch as usize {
                    return Err(stray(Fault::PartialSumBelowMinimumBatch));
                }
                if p.sum.len() != self.setup.vec_len() {
                    return Err(stray(Fault::MalformedPartialSum));
                }
                open.sums.insert(p.aggregator, (seq, p.clone()));
                Ok(Applied::InRound)
            }
            PublicMessage::AcceptedSetsClosed(c) => {
                let open = self.open.as_mut().ok_or(stray(Fault::OutsideRound))?;
                if c.round != open.header.round {
                    return Err(stray(Fault::WrongRound));
                }
                let posted: Vec<AggregatorId> = open.sets.keys().copied().collect();
                if open.sets_closed.is_some()
                    || c.aggregators != posted
                    || posted.len() < cfg.threshold()
                {
                    return Err(stray(Fault::BadSetsClose));
                }
                open.sets_closed = Some((seq, c.clone()));
                Ok(Applied::InRound)
            }
            PublicMessage::RoundClose(close) => {
                let Some(open) = self.open.take() else {
                    return Err(stray(Fault::OutsideRound));
                };
                if close.round != open.header.round {
                    self.open = Some(open);
                    return Err(stray(Fault::WrongRound));
                }
                self.next_round += 1;
                if let Some(m) = close.new_model() {
                    self.released = Some(m.to_vec());
                } else if self.released.is_none() {
                    // Nothing released yet: the next round starts from this model.
                    self.released = Some(open.header.model.clone());
                }
                Ok(Applied::Closed(Box::new(ClosedRound {
                    round: open,
                    close: close.clone(),
                    close_seq: seq,
                })))
            }
        }
    }
}
