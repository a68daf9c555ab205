//! The aggregator-to-aggregator channel of the MPC validity mode: one
//! attempt of the two-party bound check over a mutually authenticated
//! connection of its own.
//!
//! **Endpoint.** Aggregator s listens on `operations.aggregator_peers[s]`
//! with a [`Server`](crate::transport::Server) that admits only the other
//! aggregators' certificates: a provider, the coordinator or a foreign CA
//! is refused in the handshake, before any application byte. The dialer
//! checks that the server is the aggregator it wants. Frames are capped by
//! [`twopc_caps`]: the longest session message for every provider's
//! contribution, from the config.
//!
//! **Attempt.** The dialer sends [`Control::TwoPcOpen`] (round, its
//! bulletin length, a fresh nonce), the listener answers with its own. The
//! checked prefix is the longer bulletin (both catch up to it), unless a
//! side already stored verdicts over a prefix (`fixed_upto`): then that
//! one. The session nonce is SHA-256 of both nonces, so each attempt is a
//! fresh session with fresh randomness, and its id binds round, prefix and
//! nonce. Then the session messages flow until both verdicts are known.
//!
//! **Heads.** Each opening carries the sender's bulletin length and head;
//! once both copies reach that length, a head the receiver's copy
//! contradicts means the coordinator showed the two aggregators different
//! bulletins (`zkagg_aggregation::equivocation`): logged as an error and
//! refused (`BrokenChain`). The entries that make it conclusive evidence
//! for the auditor are exchanged by the head exchange of both modes
//! ([`super::heads`]).
//!
//! **Rejections.** A message for another round, of another session (an
//! earlier attempt), naming another sender than the authenticated peer, or
//! that the session refuses (a replay or anything out of order poisons it)
//! is a named rejection: logged as `two-party message refused` with the
//! [`Fault`], answered with [`Control::ValidityRefused`], and the
//! connection is closed; the process goes on and a fresh attempt may
//! follow. Every wait is bounded by the attempt's deadline.
//!
//! **Crash safety.** The verdicts are written durably (with the prefix)
//! before anything derived from them is signed: the accepted set is decided
//! from the stored verdicts, and a restarted aggregator that finds them
//! never runs the check again for itself. Without stored verdicts nothing
//! derived from a session was signed, so the check is re-run from scratch
//! (new nonce, new randomness); an aggregator that has its verdicts serves
//! such a re-run for its peer over the stored prefix and checks that the
//! verdicts agree. Not audited.

use super::{catch_up, ServiceError, View};
use crate::frame::{CapBounds, Control, FrameCaps, WireMessage};
use crate::transport::{Conn, TransportError};
use rand_chacha::rand_core::RngCore;
use rand_chacha::ChaCha20Rng;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;
use tokio::time::{timeout_at, Instant};
use zkagg_aggregation::aggregator::AggregatorRound;
use zkagg_aggregation::bulletin::Entry;
use zkagg_aggregation::config::ConsortiumConfig;
use zkagg_aggregation::equivocation::{diverges, HeadClaim};
use zkagg_aggregation::error::Fault;
use zkagg_aggregation::msgs::ValidityMessage;
use zkagg_aggregation::relation::UpdateRelation;
use zkagg_aggregation::setup::{Setup, SharingScheme};
use zkagg_aggregation::validity::{max_payload, TwoPcBinding};
use zkagg_aggregation::{AggError, AggregatorId, PartyId, ProviderId};
use zkagg_zk::encoding;

/// The frame caps of the aggregator-to-aggregator channel.
pub fn twopc_caps<Rel: UpdateRelation, S>(
    config: &ConsortiumConfig,
    setup: &Setup<Rel, S>,
) -> Result<FrameCaps, AggError> {
    Ok(FrameCaps::with_bounds(
        config,
        CapBounds {
            proof: 0,
            validity_payload: max_payload(setup)?,
        },
    ))
}

/// Verdicts an aggregator stored, with the prefix they cover.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StoredVerdicts {
    /// Contributions below this sequence number were checked.
    pub upto_seq: u64,
    /// The verdict per provider checked.
    pub verdicts: Vec<(ProviderId, bool)>,
}

impl StoredVerdicts {
    /// The verdicts as a map.
    pub fn map(&self) -> BTreeMap<ProviderId, bool> {
        self.verdicts.iter().copied().collect()
    }

    /// Encodes for the store.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ServiceError> {
        Ok(encoding::to_bytes(self).map_err(AggError::from)?)
    }

    /// Decodes from the store (capped, canonical).
    pub fn from_bytes(bytes: &[u8], providers: usize) -> Result<Self, ServiceError> {
        let cap = 32usize.saturating_add(providers.saturating_mul(8));
        encoding::from_bytes_capped(bytes, cap)
            .map_err(|_| ServiceError::Protocol("stored verdicts do not decode".into()))
    }
}

/// Test faults of the evaluator's first message, one per attempt of round
/// 0 in this order, then honest attempts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BadMessage {
    /// The message names the next round.
    WrongRound,
    /// The message names the peer as its sender.
    WrongSender,
    /// The message is sent twice.
    Replayed,
    /// The message carries the previous attempt's session id.
    StaleSession,
}

/// The bad messages an aggregator told to misbehave sends, in order.
pub const BAD_MESSAGES: [BadMessage; 4] = [
    BadMessage::WrongRound,
    BadMessage::WrongSender,
    BadMessage::Replayed,
    BadMessage::StaleSession,
];

/// Why an attempt ended without verdicts.
#[derive(Debug)]
pub enum AttemptError {
    /// The peer misbehaved: a named rejection (sent to it, and logged).
    Refused(Fault),
    /// The peer refused one of ours.
    RefusedByPeer(Fault),
    /// The connection failed or a wait passed its deadline.
    Transport(TransportError),
    /// A local failure (the store, the view, the protocol state).
    Local(ServiceError),
}

impl From<TransportError> for AttemptError {
    fn from(e: TransportError) -> Self {
        AttemptError::Transport(e)
    }
}

impl From<ServiceError> for AttemptError {
    fn from(e: ServiceError) -> Self {
        AttemptError::Local(e)
    }
}

/// Which side of the connection this aggregator is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// It connected and opens first.
    Dialer,
    /// It accepted the connection.
    Listener,
}

/// What one attempt needs besides the connection.
pub struct Attempt<'a, Rel, S> {
    /// This aggregator.
    pub me: AggregatorId,
    /// The open round.
    pub round: u64,
    /// Which side it is.
    pub side: Side,
    /// The prefix of stored verdicts, if any.
    pub fixed_upto: Option<u64>,
    /// When the attempt gives up.
    pub deadline: Instant,
    /// The bad message to send, if told to.
    pub bad: Option<BadMessage>,
    /// The previous attempt's session id (for [`BadMessage::StaleSession`]).
    pub last_session: Option<[u8; 32]>,
    /// The aggregator's view and its follower.
    pub view: &'a mut View<Rel, S>,
    /// The follower's entries.
    pub entries: &'a mut mpsc::UnboundedReceiver<Entry>,
}

async fn recv_by<T: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<T>,
    deadline: Instant,
) -> Result<WireMessage, AttemptError> {
    match timeout_at(deadline, conn.recv()).await {
        Err(_) => Err(TransportError::Timeout.into()),
        Ok(Err(e)) => Err(e.into()),
        Ok(Ok(None)) => Err(TransportError::Timeout.into()),
        Ok(Ok(Some(m))) => Ok(m),
    }
}

async fn send_by<T: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<T>,
    msg: &WireMessage,
    deadline: Instant,
) -> Result<(), AttemptError> {
    match timeout_at(deadline, conn.send(msg)).await {
        Err(_) => Err(TransportError::Timeout.into()),
        Ok(r) => Ok(r?),
    }
}

/// Refuses: logs the named rejection, tells the peer, closes.
async fn refuse<T: AsyncRead + AsyncWrite + Unpin>(
    conn: &mut Conn<T>,
    round: u64,
    fault: Fault,
    deadline: Instant,
) -> AttemptError {
    tracing::warn!(round, peer = %conn.peer(), ?fault, "two-party message refused");
    let _ = send_by(
        conn,
        &WireMessage::Control(Control::ValidityRefused(fault)),
        deadline,
    )
    .await;
    AttemptError::Refused(fault)
}

/// Runs one attempt over `conn` on `agg` (built from this aggregator's
/// stored shares for the round); returns the agreed prefix and the
/// verdicts. The caller closes the connection.
pub async fn run_attempt<T, Rel, S>(
    conn: &mut Conn<T>,
    a: Attempt<'_, Rel, S>,
    agg: &mut AggregatorRound<Rel, S>,
    rng: &mut ChaCha20Rng,
) -> Result<StoredVerdicts, AttemptError>
where
    T: AsyncRead + AsyncWrite + Unpin,
    Rel: UpdateRelation,
    S: SharingScheme,
{
    let PartyId::Aggregator(peer) = conn.peer() else {
        return Err(refuse(conn, a.round, Fault::UnknownSender, a.deadline).await);
    };
    let mut nonce = [0u8; 32];
    rng.fill_bytes(&mut nonce);
    let mine = WireMessage::Control(Control::TwoPcOpen {
        round: a.round,
        bulletin_len: a.view.bulletin.len(),
        head: a.view.bulletin.head(),
        nonce,
        fixed_upto: a.fixed_upto,
    });
    if a.side == Side::Dialer {
        send_by(conn, &mine, a.deadline).await?;
    }
    let (their_round, their_len, their_head, their_nonce, their_fixed) =
        match recv_by(conn, a.deadline).await? {
            WireMessage::Control(Control::TwoPcOpen {
                round,
                bulletin_len,
                head,
                nonce,
                fixed_upto,
            }) => (round, bulletin_len, head, nonce, fixed_upto),
            WireMessage::Control(Control::ValidityRefused(f)) => {
                return Err(AttemptError::RefusedByPeer(f))
            }
            _ => return Err(refuse(conn, a.round, Fault::MalformedPayload, a.deadline).await),
        };
    if their_round != a.round {
        return Err(refuse(conn, a.round, Fault::WrongRound, a.deadline).await);
    }
    let upto = match (a.fixed_upto, their_fixed) {
        (Some(x), Some(y)) if x != y => {
            return Err(refuse(conn, a.round, Fault::TwoPc, a.deadline).await)
        }
        (Some(x), _) | (None, Some(x)) => x,
        (None, None) => their_len.max(a.view.bulletin.len()),
    };
    if a.side == Side::Listener {
        send_by(conn, &mine, a.deadline).await?;
    }
    // A peer cannot make this aggregator wait past the attempt's deadline
    // for entries that never come.
    match timeout_at(a.deadline, catch_up(a.view, a.entries, upto)).await {
        Ok(r) => r?,
        Err(_) => return Err(TransportError::Timeout.into()),
    }
    // Both copies now reach the peer's length: the heads must agree there.
    let claim = HeadClaim {
        aggregator: peer,
        len: their_len,
        head: their_head,
    };
    let b = &a.view.bulletin;
    if let Some(len) = diverges(b.entries(), &b.config_id(), &claim) {
        tracing::error!(
            round = a.round,
            %peer,
            len,
            "the peer's head contradicts this copy of the bulletin: the coordinator forked it"
        );
        return Err(refuse(conn, a.round, Fault::BrokenChain, a.deadline).await);
    }
    let (dialer_nonce, listener_nonce) = match a.side {
        Side::Dialer => (nonce, their_nonce),
        Side::Listener => (their_nonce, nonce),
    };
    let mut h = Sha256::new();
    h.update(b"zkagg/2pc-nonce/v1");
    h.update(dialer_nonce);
    h.update(listener_nonce);
    let binding = TwoPcBinding {
        upto_seq: upto,
        nonce: h.finalize().into(),
    };
    let first = agg
        .validity_start(&a.view.ledger, &binding, rng)
        .map_err(ServiceError::from)?;
    send_session(conn, &a, first, agg.validity_session()).await?;
    while !agg.validity_done() {
        let m = match recv_by(conn, a.deadline).await? {
            WireMessage::Validity(m) => m,
            WireMessage::Control(Control::ValidityRefused(f)) => {
                return Err(AttemptError::RefusedByPeer(f))
            }
            _ => return Err(refuse(conn, a.round, Fault::MalformedPayload, a.deadline).await),
        };
        // The transport authenticated the peer: the message must name it.
        if m.from != peer {
            return Err(refuse(conn, a.round, Fault::SenderMismatch, a.deadline).await);
        }
        let out = match agg.validity_receive(m) {
            Ok(out) => out,
            Err(e) => {
                let fault = e.blame().map_or(Fault::TwoPc, |(_, f)| f);
                return Err(refuse(conn, a.round, fault, a.deadline).await);
            }
        };
        for o in out {
            send_by(conn, &WireMessage::Validity(o), a.deadline).await?;
        }
    }
    let verdicts = agg
        .validity_verdicts()
        .unwrap_or_default()
        .into_iter()
        .collect();
    Ok(StoredVerdicts {
        upto_seq: upto,
        verdicts,
    })
}

/// Sends the session's first messages, misbehaving if told to.
async fn send_session<T: AsyncRead + AsyncWrite + Unpin, Rel, S>(
    conn: &mut Conn<T>,
    a: &Attempt<'_, Rel, S>,
    msgs: Vec<ValidityMessage>,
    session: Option<[u8; 32]>,
) -> Result<(), AttemptError> {
    for mut m in msgs {
        let mut times = 1;
        match a.bad {
            None => {}
            Some(BadMessage::WrongRound) => m.round += 1,
            Some(BadMessage::WrongSender) => m.from = m.to,
            Some(BadMessage::Replayed) => times = 2,
            Some(BadMessage::StaleSession) => {
                // The previous attempt's id (or, with none, another one).
                m.session = a.last_session.unwrap_or_else(|| {
                    let mut x = session.unwrap_or_default();
                    x[0] ^= 1;
                    x
                })
            }
        }
        if let Some(b) = a.bad {
            tracing::warn!(round = a.round, bad = ?b, "sending a bad two-party message (fault injection)");
        }
        for _ in 0..times {
            send_by(conn, &WireMessage::Validity(m.clone()), a.deadline).await?;
        }
    }
    Ok(())
}
