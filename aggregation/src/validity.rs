//! The MPC validity step: the two aggregators' semi-honest two-party bound
//! check ([`zkagg_mpc::twopc::session`]) wrapped in protocol messages.
//!
//! Aggregator 0 garbles, aggregator 1 evaluates. The session id is
//! SHA-256("zkagg/2pc/v1" || config id || round || the providers checked),
//! so both must agree on the bulletin's contributions; each inputs
//! lambda_s times its share of Delta (the mask coordinate excluded), so the
//! circuit tests the reconstructed update against the relation's interval
//! for any linear sharing. Validity in this mode is not publicly
//! verifiable: the auditor can only record the aggregators' verdicts.

use crate::error::{AggError, Fault};
use crate::msgs::ValidityMessage;
use crate::party::{AggregatorId, ProviderId};
use crate::relation::UpdateRelation;
use crate::setup::Setup;
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use zkagg_mpc::ot::SessionId;
use zkagg_mpc::twopc::session::{TwoPcParty, TwoPcRole};
use zkagg_mpc::twopc::BoundRange;
use zkagg_zk::Fr;

/// What the two-party check cost one aggregator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TwoPcReport {
    /// Bytes of session messages sent.
    pub bytes_sent: u64,
    /// Bytes of session messages received.
    pub bytes_received: u64,
    /// One-way flows.
    pub rounds: u32,
    /// AND gates garbled.
    pub and_gates: u64,
    /// Oblivious transfers.
    pub ots: u64,
}

/// One aggregator's side of the round's two-party check.
pub struct TwoPcSession {
    me: AggregatorId,
    peer: AggregatorId,
    round: u64,
    providers: Vec<ProviderId>,
    party: TwoPcParty,
    sent: u64,
    received: u64,
}

impl TwoPcSession {
    /// Starts the session; returns it and the first messages for the peer.
    pub(crate) fn start<Rel: UpdateRelation, S, R: RngCore + CryptoRng>(
        setup: &Setup<Rel, S>,
        me: AggregatorId,
        round: u64,
        providers: Vec<ProviderId>,
        inputs: Vec<Vec<Fr>>,
        rng: &mut R,
    ) -> Result<(Self, Vec<ValidityMessage>), AggError> {
        let (role, peer) = if me.0 == 0 {
            (TwoPcRole::Garbler, AggregatorId(1))
        } else {
            (TwoPcRole::Evaluator, AggregatorId(0))
        };
        let bound = setup.relation().bound();
        let range = BoundRange::new(bound.min, bound.max)?;
        let mut h = Sha256::new();
        h.update(b"zkagg/2pc/v1");
        h.update(setup.config_id());
        h.update(round.to_le_bytes());
        h.update((providers.len() as u64).to_le_bytes());
        for p in &providers {
            h.update(p.0.to_le_bytes());
        }
        let sid = SessionId(h.finalize().into());
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        let mut party = TwoPcParty::new(role, sid, range, inputs, seed)?;
        let first = party.start()?;
        let mut session = TwoPcSession {
            me,
            peer,
            round,
            providers,
            party,
            sent: 0,
            received: 0,
        };
        let out = session.wrap(first);
        Ok((session, out))
    }

    fn wrap(&mut self, payloads: Vec<Vec<u8>>) -> Vec<ValidityMessage> {
        payloads
            .into_iter()
            .map(|payload| {
                self.sent += payload.len() as u64;
                ValidityMessage {
                    round: self.round,
                    from: self.me,
                    to: self.peer,
                    payload,
                }
            })
            .collect()
    }

    /// Handles a message from the peer (authenticated by the transport as
    /// `msg.from`); returns the replies.
    pub(crate) fn receive(
        &mut self,
        msg: ValidityMessage,
    ) -> Result<Vec<ValidityMessage>, AggError> {
        if msg.from != self.peer {
            return Err(AggError::peer(msg.from, Fault::SenderMismatch));
        }
        if msg.to != self.me {
            return Err(AggError::peer(msg.from, Fault::WrongRecipient));
        }
        if msg.round != self.round {
            return Err(AggError::peer(msg.from, Fault::WrongRound));
        }
        self.received += msg.payload.len() as u64;
        let out = self
            .party
            .handle(&msg.payload)
            .map_err(|_| AggError::peer(self.peer, Fault::TwoPc))?;
        Ok(self.wrap(out))
    }

    /// Whether both verdicts are known.
    pub(crate) fn is_done(&self) -> bool {
        self.party.is_done()
    }

    /// The verdict per provider, once done.
    pub(crate) fn verdicts(&self) -> Option<BTreeMap<ProviderId, bool>> {
        let v = self.party.verdicts()?;
        Some(
            self.providers
                .iter()
                .copied()
                .zip(v.iter().copied())
                .collect(),
        )
    }

    /// The cost, once done.
    pub(crate) fn report(&self) -> Option<TwoPcReport> {
        if !self.is_done() {
            return None;
        }
        let c = self.party.cost();
        Some(TwoPcReport {
            bytes_sent: self.sent,
            bytes_received: self.received,
            rounds: c.rounds,
            and_gates: c.and_gates,
            ots: c.ots,
        })
    }
}
