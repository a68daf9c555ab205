//! The MPC validity step: the two aggregators' semi-honest two-party bound
//! check ([`zkagg_mpc::twopc::session`]) wrapped in protocol messages.
//!
//! Aggregator 0 garbles, aggregator 1 evaluates. Before a session both
//! agree on a [`TwoPcBinding`]: the bulletin prefix whose contributions are
//! checked and a nonce both contributed. The session id is
//! SHA-256("zkagg/2pc/v2" || config id || round || nonce || the providers
//! checked), every message carries it, and a message of another session (an
//! earlier attempt) is refused ([`Fault::WrongSession`]); so a session cut
//! off by a crash or a bad message is re-run from scratch with fresh
//! randomness and a fresh nonce. Each inputs
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
use zeroize::Zeroize;
use zkagg_mpc::ot::SessionId;
use zkagg_mpc::twopc::predicate::FieldSharing;
use zkagg_mpc::twopc::session::{session_shape, TwoPcParty, TwoPcRole};
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

/// What both aggregators agree on before a two-party check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TwoPcBinding {
    /// Only contributions at bulletin sequence numbers below this are checked.
    pub upto_seq: u64,
    /// A nonce both contributed (fresh per attempt).
    pub nonce: [u8; 32],
}

/// The largest two-party check payload of a consortium: the longest session
/// message for every provider's contribution, from the config alone.
pub fn max_payload<Rel: UpdateRelation, S>(setup: &Setup<Rel, S>) -> Result<usize, AggError> {
    let bound = setup.relation().bound();
    let range = BoundRange::new(bound.min, bound.max)?;
    let shape = session_shape::<FieldSharing>(
        setup.config().num_providers(),
        setup.config().dim as usize,
        &range,
    )?;
    Ok(usize::try_from(shape.max_encoded_len()).unwrap_or(usize::MAX))
}

/// One aggregator's side of the round's two-party check.
pub struct TwoPcSession {
    me: AggregatorId,
    peer: AggregatorId,
    round: u64,
    sid: [u8; 32],
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
        nonce: &[u8; 32],
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
        h.update(b"zkagg/2pc/v2");
        h.update(setup.config_id());
        h.update(round.to_le_bytes());
        h.update(nonce);
        h.update((providers.len() as u64).to_le_bytes());
        for p in &providers {
            h.update(p.0.to_le_bytes());
        }
        let sid: [u8; 32] = h.finalize().into();
        let mut seed = [0u8; 32];
        rng.fill_bytes(&mut seed);
        let mut party = TwoPcParty::new(role, SessionId(sid), range, inputs, seed)?;
        seed.zeroize();
        let first = party.start()?;
        let mut session = TwoPcSession {
            me,
            peer,
            round,
            sid,
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
                    session: self.sid,
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
        if msg.session != self.sid {
            return Err(AggError::peer(msg.from, Fault::WrongSession));
        }
        self.received += msg.payload.len() as u64;
        let out = self
            .party
            .handle(&msg.payload)
            .map_err(|_| AggError::peer(self.peer, Fault::TwoPc))?;
        Ok(self.wrap(out))
    }

    /// The session id.
    pub(crate) fn session_id(&self) -> [u8; 32] {
        self.sid
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
