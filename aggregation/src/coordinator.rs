//! The coordinator: keeps the bulletin, opens rounds and closes them. It
//! sees only public data; [`expected_close`] is the close that follows from
//! a round's entries, and the auditor recomputes it.
//!
//! [`Coordinator::submit`] is the append gate: an entry must extend the
//! chain, verify under its sender's key, and obey the [`Ledger`]'s
//! sequence rules; anything else is refused with the poster named, so
//! provider noise never reaches the bulletin.

use crate::bulletin::{Bulletin, Entry};
use crate::error::{AggError, ConfigError, Misuse};
use crate::ledger::{Applied, Ledger, OpenRound};
use crate::msgs::{
    AbortReason, AcceptedSetsClosed, PublicMessage, RoundClose, RoundHeader, RoundOutcome,
};
use crate::party::{AggregatorId, PartyId};
use crate::relation::UpdateRelation;
use crate::setup::{Setup, SharingScheme};
use ed25519_dalek::SigningKey;
use std::sync::Arc;
use zkagg_zk::field::to_i128;
use zkagg_zk::pedersen::Commitment;
use zkagg_zk::Fr;

/// The close that follows from an open round's public entries. The
/// counted sets are every aggregator's when all S are in, else those named
/// by the coordinator's [`AcceptedSetsClosed`]
/// (at least t, see the [`Ledger`]):
/// 1. a set phase that is not over aborts, blaming the first aggregator
///    whose set is missing;
/// 2. an intersection of the counted sets below the minimum batch aborts;
/// 3. fewer than t partial sums from the counted aggregators abort,
///    blaming the first of them whose sum is missing (with additive
///    sharing t = S: any missing sum aborts);
/// 4. a partial sum that does not open the sum of its accepted
///    commitments aborts, blaming its aggregator;
/// 5. otherwise the model is reconstructed from the partial sums present,
///    with the scheme's coefficients for exactly those aggregators, and
///    released (an aggregate outside the integer range aborts). Accepted
///    contributions pass the scheme's public consistency check
///    ([`Setup::shares_consistent`]), so every qualified subset
///    reconstructs the same, proven, update.
pub fn expected_close<Rel: UpdateRelation, S: SharingScheme>(
    setup: &Setup<Rel, S>,
    open: &OpenRound,
) -> RoundClose {
    let cfg = setup.config();
    let nagg = cfg.num_aggregators();
    let round = open.round();
    let abort = |accepted, reason| RoundClose {
        round,
        accepted,
        outcome: RoundOutcome::Aborted(reason),
    };
    let (Some(counted), Some(accepted)) = (open.counted_sets(nagg), open.intersection(nagg)) else {
        let missing = (0..nagg as u32)
            .map(AggregatorId)
            .find(|s| !open.accepted_sets().contains_key(s))
            .unwrap_or(AggregatorId(0));
        return abort(Vec::new(), AbortReason::AcceptedSetWithheld(missing));
    };
    if accepted.len() < cfg.min_batch as usize {
        return abort(accepted, AbortReason::BelowMinimumBatch);
    }
    let present: Vec<AggregatorId> = counted
        .iter()
        .copied()
        .filter(|s| open.partial_sums().contains_key(s))
        .collect();
    let withheld = counted
        .iter()
        .copied()
        .find(|s| !open.partial_sums().contains_key(s));
    let lambda = if present.len() >= cfg.threshold() {
        setup.lambda_for(&present).ok()
    } else {
        None
    };
    let Some(lambda) = lambda else {
        let s = withheld.unwrap_or(AggregatorId(0));
        return abort(accepted, AbortReason::PartialSumWithheld(s));
    };
    let len = setup.vec_len();
    let mut v = vec![Fr::ZERO; len];
    for (s, lambda) in present.iter().copied().zip(lambda) {
        let Some((_, p)) = open.partial_sums().get(&s) else {
            return abort(accepted, AbortReason::PartialSumWithheld(s));
        };
        // The ledger admits only partial sums of length d + 1, after every
        // accepted set, and accepted providers all have contributions.
        let target: Option<Commitment> = accepted
            .iter()
            .map(|i| {
                open.contributions()
                    .get(i)
                    .and_then(|(_, c)| c.share_commitments.get(s.index()).copied())
            })
            .sum();
        let opens = target.is_some_and(|t| {
            setup
                .gens()
                .pedersen
                .verify_opening(&t, &p.sum, &p.blind)
                .is_ok()
        });
        if !opens || p.sum.len() != len {
            return abort(accepted, AbortReason::PartialSumInvalid(s));
        }
        for (a, b) in v.iter_mut().zip(&p.sum) {
            *a += lambda * b;
        }
    }
    let lifted: Option<Vec<i128>> = v[..len - 1].iter().map(to_i128).collect();
    let model = lifted.and_then(|sum| {
        setup
            .relation()
            .update_model(&open.header().model, &sum, accepted.len())
            .ok()
    });
    match model {
        Some(m) => RoundClose {
            round,
            accepted,
            outcome: RoundOutcome::Released(m),
        },
        None => abort(accepted, AbortReason::AggregateOutOfRange),
    }
}

/// The coordinator's state: its key, the bulletin and its ledger.
pub struct Coordinator<Rel, S> {
    setup: Arc<Setup<Rel, S>>,
    key: SigningKey,
    bulletin: Bulletin,
    ledger: Ledger<Rel, S>,
}

impl<Rel: UpdateRelation, S: SharingScheme> Coordinator<Rel, S> {
    /// A coordinator with an empty bulletin; `key` must be the config's
    /// coordinator key.
    pub fn new(setup: Arc<Setup<Rel, S>>, key: SigningKey) -> Result<Self, AggError> {
        if key.verifying_key().to_bytes() != setup.config().coordinator_key {
            return Err(ConfigError::InvalidKey(PartyId::Coordinator).into());
        }
        Ok(Coordinator {
            bulletin: Bulletin::new(setup.config().clone())?,
            ledger: Ledger::new(setup.clone()),
            setup,
            key,
        })
    }

    /// The bulletin.
    pub fn bulletin(&self) -> &Bulletin {
        &self.bulletin
    }

    /// The sequence state.
    pub fn ledger(&self) -> &Ledger<Rel, S> {
        &self.ledger
    }

    /// Appends an entry signed by another party, or refuses it: a broken
    /// chain or bad signature, a message its sender may not post, or one
    /// that breaks a sequence rule (blaming the poster). Returns its
    /// sequence number.
    pub fn submit(&mut self, entry: Entry) -> Result<u64, AggError> {
        let msg = self.bulletin.check(&entry)?;
        let seq = entry.seq;
        self.ledger
            .apply(seq, entry.sender, &msg)
            .map_err(|s| AggError::peer(s.party, s.fault))?;
        self.bulletin.append_checked(entry, msg);
        Ok(seq)
    }

    fn post(&mut self, msg: PublicMessage) -> Result<Applied, AggError> {
        let entry = Entry::sign(
            &self.setup.config_id(),
            self.bulletin.len(),
            self.bulletin.head(),
            PartyId::Coordinator,
            &self.key,
            &msg,
        )?;
        let checked = self.bulletin.check(&entry)?;
        let applied = self
            .ledger
            .apply(entry.seq, PartyId::Coordinator, &checked)
            .map_err(|s| AggError::peer(s.party, s.fault))?;
        self.bulletin.append_checked(entry, checked);
        Ok(applied)
    }

    /// Opens the next round: from the last released model, or from the
    /// config's initial model before any round closed.
    pub fn open_round(&mut self) -> Result<RoundHeader, AggError> {
        let initial = &self.setup.config().initial_model;
        let header = RoundHeader {
            round: self.ledger.next_round(),
            model: self.ledger.released_model().unwrap_or(initial).to_vec(),
        };
        self.post(PublicMessage::RoundHeader(header.clone()))?;
        Ok(header)
    }

    /// Opens a round with a model of the caller's choosing (tests of a
    /// cheating coordinator); the ledger still refuses an invalid one.
    pub fn open_round_with(&mut self, header: RoundHeader) -> Result<(), AggError> {
        self.post(PublicMessage::RoundHeader(header)).map(|_| ())
    }

    /// Ends the accepted-set phase with the sets posted so far (at least
    /// t of them: threshold sharing with an aggregator lost), so that the
    /// partial sums can follow; the ledger refuses it with fewer than t.
    pub fn close_accepted_sets(&mut self) -> Result<AcceptedSetsClosed, AggError> {
        let open = self.ledger.open_round().ok_or(Misuse::NoOpenRound)?;
        let c = AcceptedSetsClosed {
            round: open.round(),
            aggregators: open.accepted_sets().keys().copied().collect(),
        };
        self.post(PublicMessage::AcceptedSetsClosed(c.clone()))?;
        Ok(c)
    }

    /// Closes the open round with the close that follows from the bulletin.
    pub fn close_round(&mut self) -> Result<RoundClose, AggError> {
        let open = self.ledger.open_round().ok_or(Misuse::NoOpenRound)?;
        let close = expected_close(&self.setup, open);
        self.post(PublicMessage::RoundClose(close.clone()))?;
        Ok(close)
    }

    /// Posts a close of the caller's choosing (tests of a cheating coordinator).
    pub fn close_round_with(&mut self, close: RoundClose) -> Result<(), AggError> {
        self.post(PublicMessage::RoundClose(close)).map(|_| ())
    }
}
