//! The aggregator role: receives share deliveries from authenticated
//! providers, reads registrations and contributions from the bulletin (its
//! [`Ledger`]), runs the validity step (pi_zk, or the two-party bound check
//! with its peer aggregator through messages only), decides which
//! contributions to accept, and posts its partial sum over the round's
//! accepted set. Typestates: [`AggregatorRound`] -(decide)->
//! [`AggregatorDecided`] -(partial_sum)-> [`PartialSum`].

use crate::config::ValidityMode;
use crate::error::{AggError, Fault, Misuse};
use crate::ledger::{Ledger, OpenRound};
use crate::msgs::{
    AcceptedSet, Contribution, PartialSum, RejectReason, ShareDelivery, ValidityMessage,
    MAX_MESSAGE_BYTES,
};
use crate::party::{AggregatorId, ProviderId};
use crate::relation::{ProofContext, UpdateRelation, UpdateStatement};
use crate::setup::{Setup, SharingScheme};
use crate::validity::{TwoPcBinding, TwoPcReport, TwoPcSession};
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::traits::Identity;
use merlin::Transcript;
use rand_core::{CryptoRng, RngCore};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use zeroize::{Zeroize, ZeroizeOnDrop};
use zkagg_zk::link::{self, LinkProof, LinkStatement};
use zkagg_zk::pedersen::Commitment;
use zkagg_zk::Fr;

/// Most distinct share deliveries kept per provider and round; of these the
/// one that opens the provider's commitment C_s is used.
pub const MAX_DELIVERIES_PER_PROVIDER: usize = 2;

/// One received share, expanded. Zeroized on drop.
#[derive(Clone, PartialEq, Zeroize, ZeroizeOnDrop)]
struct Candidate {
    share: Vec<Fr>,
    blind: Fr,
}

/// Aggregator s collecting a round.
pub struct AggregatorRound<Rel, S> {
    id: AggregatorId,
    setup: Arc<Setup<Rel, S>>,
    round: u64,
    deliveries: BTreeMap<ProviderId, Vec<Candidate>>,
    malformed: BTreeSet<ProviderId>,
    validity: Option<TwoPcSession>,
    restored: Option<BTreeMap<ProviderId, bool>>,
}

impl<Rel, S> std::fmt::Debug for AggregatorRound<Rel, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AggregatorRound")
            .field("id", &self.id)
            .field("round", &self.round)
            .field("deliveries", &self.deliveries.len())
            .finish_non_exhaustive()
    }
}

/// The contribution of the open round `round` by `i`.
fn open_round<Rel: UpdateRelation, S>(
    ledger: &Ledger<Rel, S>,
    round: u64,
) -> Result<&OpenRound, AggError> {
    let open = ledger.open_round().ok_or(Misuse::NoOpenRound)?;
    if open.round() != round {
        return Err(Misuse::WrongRound {
            expected: open.round(),
            got: round,
        }
        .into());
    }
    Ok(open)
}

impl<Rel: UpdateRelation, S: SharingScheme> AggregatorRound<Rel, S> {
    /// Starts collecting round `round` as aggregator `id`.
    pub fn new(id: AggregatorId, setup: Arc<Setup<Rel, S>>, round: u64) -> Self {
        AggregatorRound {
            id,
            setup,
            round,
            deliveries: BTreeMap::new(),
            malformed: BTreeSet::new(),
            validity: None,
            restored: None,
        }
    }

    /// The aggregator's index.
    pub fn id(&self) -> AggregatorId {
        self.id
    }

    /// Receives this aggregator's share from `sender`, the provider the
    /// transport authenticated. The delivery must name that provider, this
    /// aggregator and this round. An identical repeat is ignored; up to
    /// [`MAX_DELIVERIES_PER_PROVIDER`] distinct ones are kept and the one that
    /// opens C_s is used.
    pub fn receive_share(&mut self, sender: ProviderId, d: ShareDelivery) -> Result<(), AggError> {
        if d.provider != sender {
            return Err(AggError::peer(sender, Fault::SenderMismatch));
        }
        if sender.index() >= self.setup.config().num_providers() {
            return Err(AggError::peer(sender, Fault::UnknownSender));
        }
        if d.aggregator != self.id {
            return Err(AggError::peer(sender, Fault::WrongRecipient));
        }
        if d.round != self.round {
            return Err(AggError::peer(sender, Fault::WrongRound));
        }
        if d.share.len() > MAX_MESSAGE_BYTES {
            return Err(AggError::peer(sender, Fault::MalformedShare));
        }
        let len = self.setup.vec_len();
        let s = self.id.index();
        let sharing = self.setup.sharing();
        let expanded = sharing
            .decode_share(s, &d.share, len)
            .and_then(|share| sharing.expand(s, &share, len));
        let Ok(share) = expanded else {
            self.malformed.insert(sender);
            return Err(AggError::peer(sender, Fault::MalformedShare));
        };
        let cand = Candidate {
            share,
            blind: d.blind,
        };
        let kept = self.deliveries.entry(sender).or_default();
        if kept.contains(&cand) {
            return Ok(());
        }
        if kept.len() >= MAX_DELIVERIES_PER_PROVIDER {
            return Err(AggError::peer(sender, Fault::TooManyDeliveries));
        }
        kept.push(cand);
        Ok(())
    }

    /// The share of provider `i` to use against contribution `c`: the
    /// first kept delivery that opens C_s (or the first, which then fails
    /// the opening check).
    fn select(&self, i: ProviderId, c: &Contribution) -> Result<&Candidate, RejectReason> {
        let kept = match self.deliveries.get(&i) {
            Some(k) if !k.is_empty() => k,
            _ if self.malformed.contains(&i) => return Err(RejectReason::MalformedShare),
            _ => return Err(RejectReason::NoShare),
        };
        let Some(cs) = c.share_commitments.get(self.id.index()) else {
            return Err(RejectReason::WrongCommitmentCount);
        };
        if kept.len() == 1 {
            return Ok(&kept[0]);
        }
        let gens = &self.setup.gens().pedersen;
        Ok(kept
            .iter()
            .find(|k| gens.verify_opening(cs, &k.share, &k.blind).is_ok())
            .unwrap_or(&kept[0]))
    }

    /// MPC validity mode: starts the two-party bound check with the peer
    /// aggregator over every contribution of the open round posted before
    /// `binding.upto_seq`, and returns the messages for the peer.
    /// Aggregator 0 garbles, aggregator 1 evaluates. Each aggregator inputs
    /// lambda_s times its share (mask coordinate excluded), so the check is
    /// on the reconstructed update. A new call is a fresh attempt: it
    /// replaces an unfinished session (messages of the old one are then
    /// refused as [`Fault::WrongSession`]).
    pub fn validity_start<R: RngCore + CryptoRng>(
        &mut self,
        ledger: &Ledger<Rel, S>,
        binding: &TwoPcBinding,
        rng: &mut R,
    ) -> Result<Vec<ValidityMessage>, AggError> {
        if self.setup.config().validity != ValidityMode::Mpc2pc {
            return Err(Misuse::WrongValidityMode.into());
        }
        if self.validity.as_ref().is_some_and(|v| v.is_done()) || self.restored.is_some() {
            return Err(Misuse::TwoPcOutOfOrder.into());
        }
        let open = open_round(ledger, self.round)?;
        let d = self.setup.config().dim as usize;
        let lambda = self.setup.lambda()[self.id.index()];
        let mut providers = Vec::new();
        let mut inputs = Vec::new();
        for (i, (seq, c)) in open.contributions() {
            if *seq >= binding.upto_seq {
                continue;
            }
            providers.push(*i);
            inputs.push(match self.select(*i, c) {
                Ok(k) => k.share[..d].iter().map(|x| lambda * x).collect(),
                Err(_) => vec![Fr::ZERO; d],
            });
        }
        let (session, out) = TwoPcSession::start(
            &self.setup,
            self.id,
            self.round,
            &binding.nonce,
            providers,
            inputs,
            rng,
        )?;
        self.validity = Some(session);
        Ok(out)
    }

    /// MPC validity mode: handles a message from the peer aggregator.
    pub fn validity_receive(
        &mut self,
        msg: ValidityMessage,
    ) -> Result<Vec<ValidityMessage>, AggError> {
        let session = self.validity.as_mut().ok_or(Misuse::TwoPcOutOfOrder)?;
        session.receive(msg)
    }

    /// Whether the validity step is finished (always true in ZK mode).
    pub fn validity_done(&self) -> bool {
        match self.setup.config().validity {
            ValidityMode::ZkProof => true,
            ValidityMode::Mpc2pc => {
                self.restored.is_some() || self.validity.as_ref().is_some_and(|v| v.is_done())
            }
        }
    }

    /// The current session's id (MPC mode, once started).
    pub fn validity_session(&self) -> Option<[u8; 32]> {
        self.validity.as_ref().map(|v| v.session_id())
    }

    /// The two-party check's verdict per provider checked (MPC mode), once
    /// done: what a service stores before anything derived from it is
    /// signed, so that a restart decides from the same verdicts.
    pub fn validity_verdicts(&self) -> Option<BTreeMap<ProviderId, bool>> {
        if let Some(r) = &self.restored {
            return Some(r.clone());
        }
        self.validity.as_ref().and_then(|v| v.verdicts())
    }

    /// MPC mode: decides from verdicts this aggregator stored earlier (a
    /// restart), instead of running the check again. Local input, trusted.
    pub fn restore_verdicts(&mut self, verdicts: BTreeMap<ProviderId, bool>) {
        self.validity = None;
        self.restored = Some(verdicts);
    }

    /// Cost of the two-party check (MPC mode, once done).
    pub fn validity_report(&self) -> Option<TwoPcReport> {
        self.validity.as_ref().and_then(|v| v.report())
    }

    fn context<'a>(
        &self,
        open: &'a OpenRound,
        ledger: &Ledger<Rel, S>,
        c: &'a Contribution,
    ) -> ProofContext<'a> {
        open.context(&self.setup, ledger.registrations(), c)
    }

    /// Checks every contribution of the open round: registration, share
    /// count, the share, pi_zk (ZK mode) or the 2PC verdict (MPC mode),
    /// pi_link and the share opening (one batched multiscalar
    /// multiplication; on failure each is checked once, to name whom to
    /// reject). Returns the decided state and the accepted-set message.
    pub fn decide<R: RngCore + CryptoRng>(
        mut self,
        ledger: &Ledger<Rel, S>,
        rng: &mut R,
    ) -> Result<(AggregatorDecided, AcceptedSet), AggError> {
        let setup = self.setup.clone();
        let open = open_round(ledger, self.round)?;
        let nagg = setup.config().num_aggregators();
        let verdicts = match setup.config().validity {
            ValidityMode::ZkProof => None,
            ValidityMode::Mpc2pc => Some(match self.restored.take() {
                Some(r) => r,
                None => self
                    .validity
                    .take()
                    .and_then(|v| v.verdicts())
                    .unwrap_or_default(),
            }),
        };
        let mut rejected: BTreeMap<ProviderId, RejectReason> = BTreeMap::new();
        let mut candidates: Vec<(ProviderId, &Contribution, &Candidate, ProofContext<'_>)> =
            Vec::new();
        for (i, (_, c)) in open.contributions() {
            let ctx = self.context(open, ledger, c);
            let reason = if setup.relation().needs_registration() && ctx.data_commitment.is_none() {
                Err(RejectReason::NoRegistration)
            } else if c.share_commitments.len() != nagg {
                Err(RejectReason::WrongCommitmentCount)
            } else if !setup.shares_consistent(&c.share_commitments) {
                Err(RejectReason::InconsistentShares)
            } else {
                self.select(*i, c)
            };
            let cand = match reason {
                Ok(k) => k,
                Err(r) => {
                    rejected.insert(*i, r);
                    continue;
                }
            };
            let valid = match &verdicts {
                None => setup
                    .relation()
                    .verify(&UpdateStatement::new(&ctx, c.y), &c.proof)
                    .map_err(|_| RejectReason::ProofRejected),
                Some(v) => match v.get(i) {
                    Some(true) => Ok(()),
                    Some(false) => Err(RejectReason::OutOfBound),
                    None => Err(RejectReason::BoundCheckNotRun),
                },
            };
            match valid {
                Ok(()) => candidates.push((*i, c, cand, ctx)),
                Err(r) => {
                    rejected.insert(*i, r);
                }
            }
        }
        let links: Vec<LinkItem<'_>> = candidates
            .iter()
            .map(|(_, c, _, ctx)| LinkItem::new(&setup, c, ctx))
            .collect();
        let openings: Vec<(Commitment, &[Fr], Fr)> = candidates
            .iter()
            .map(|(_, c, k, _)| {
                (
                    c.share_commitments[self.id.index()],
                    k.share.as_slice(),
                    k.blind,
                )
            })
            .collect();
        let fast = {
            let mut items: Vec<_> = links.iter().map(|l| l.item()).collect();
            matches!(
                link::batch_verify_with_openings(setup.gens(), &mut items, &openings, rng),
                Ok(true)
            )
        };
        let mut accepted_shares: BTreeMap<ProviderId, Candidate> = BTreeMap::new();
        for (k, (i, _, cand, _)) in candidates.iter().enumerate() {
            if !fast {
                // Each proof and opening checked once: linear, not quadratic.
                let (mut t, st, proof) = links[k].item();
                if link::verify(setup.gens(), &mut t, &st, proof).is_err() {
                    rejected.insert(*i, RejectReason::LinkRejected);
                    continue;
                }
                let (cs, x, r) = &openings[k];
                if setup.gens().pedersen.verify_opening(cs, x, r).is_err() {
                    rejected.insert(*i, RejectReason::ShareDoesNotOpen);
                    continue;
                }
            }
            accepted_shares.insert(*i, (*cand).clone());
        }
        let msg = AcceptedSet {
            round: self.round,
            aggregator: self.id,
            accepted: accepted_shares.keys().copied().collect(),
            rejected: rejected.into_iter().collect(),
        };
        Ok((
            AggregatorDecided {
                id: self.id,
                round: self.round,
                len: setup.vec_len(),
                shares: accepted_shares,
            },
            msg,
        ))
    }
}

/// One contribution's pi_link check: transcript, combined commitment, rho.
struct LinkItem<'a> {
    transcript: Transcript,
    csum: RistrettoPoint,
    rho: Fr,
    y: &'a Fr,
    len: usize,
    proof: &'a LinkProof,
}

impl<'a> LinkItem<'a> {
    fn new<Rel, S>(setup: &Setup<Rel, S>, c: &'a Contribution, ctx: &ProofContext<'_>) -> Self {
        // Candidates have exactly S commitments (checked in `decide`); the
        // identity never links to an honest statement's rho.
        let csum = setup
            .combine_commitments(&c.share_commitments)
            .map(|c| c.0)
            .unwrap_or(RistrettoPoint::identity());
        LinkItem {
            transcript: ctx.link_transcript(),
            csum,
            rho: ctx.rho(),
            y: &c.y,
            len: setup.vec_len(),
            proof: &c.link,
        }
    }

    fn item(&self) -> (Transcript, LinkStatement<'_>, &'a LinkProof) {
        (
            self.transcript.clone(),
            LinkStatement {
                C: &self.csum,
                rho: &self.rho,
                y: self.y,
                len: self.len,
            },
            self.proof,
        )
    }
}

/// An aggregator that has posted its accepted set. Its shares are
/// zeroized on drop.
pub struct AggregatorDecided {
    id: AggregatorId,
    round: u64,
    len: usize,
    shares: BTreeMap<ProviderId, Candidate>,
}

impl std::fmt::Debug for AggregatorDecided {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AggregatorDecided")
            .field("id", &self.id)
            .field("round", &self.round)
            .field("accepted", &self.shares.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl AggregatorDecided {
    /// This aggregator's accepted providers, ascending.
    pub fn accepted(&self) -> Vec<ProviderId> {
        self.shares.keys().copied().collect()
    }

    /// The partial sum over the round's accepted set: the intersection of
    /// every aggregator's set on the bulletin. Errors if a set is missing
    /// or the intersection names a provider this aggregator did not accept.
    pub fn partial_sum<Rel: UpdateRelation, S>(
        self,
        ledger: &Ledger<Rel, S>,
        num_aggregators: usize,
    ) -> Result<PartialSum, AggError> {
        let open = open_round(ledger, self.round)?;
        let accepted = open
            .intersection(num_aggregators)
            .ok_or(Misuse::AcceptedSetsMissing)?;
        self.sum_over(&accepted)
    }

    /// The partial sum over `accepted`, which must be strictly ascending and
    /// within this aggregator's accepted set.
    pub fn sum_over(&self, accepted: &[ProviderId]) -> Result<PartialSum, AggError> {
        if !accepted.windows(2).all(|w| w[0] < w[1]) {
            return Err(Misuse::NotAccepted.into());
        }
        let mut sum = vec![Fr::ZERO; self.len];
        let mut blind = Fr::ZERO;
        for i in accepted {
            let k = self.shares.get(i).ok_or(Misuse::NotAccepted)?;
            for (a, b) in sum.iter_mut().zip(&k.share) {
                *a += b;
            }
            blind += k.blind;
        }
        Ok(PartialSum {
            round: self.round,
            aggregator: self.id,
            sum,
            blind,
        })
    }
}
