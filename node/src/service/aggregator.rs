//! The aggregator service: receives share deliveries over mTLS from
//! providers only, stores each in the `received` table before it
//! acknowledges it, follows the bulletin verifying every entry, decides at
//! the contribution deadline (or as soon as every provider that can
//! contribute has its contribution on the bulletin and its share stored)
//! and posts its accepted set, then its partial sum once every set is on
//! the bulletin.
//!
//! Crash safety: each message is written to the outbox (its encoded
//! `PublicMessage`) before it is posted, and never recomputed differently:
//! after a restart the decision is re-derived from the stored shares and
//! must encode to the stored bytes, which are then posted. Entries are
//! signed at the current head with ed25519 (deterministic), so the same
//! message at the same head is the same bytes.
//!
//! MPC validity mode: before deciding, the aggregator runs the two-party
//! bound check with its peer over their own channel ([`super::twopc`]) and
//! writes the verdicts (a write-once outbox record of kind
//! `twopc-verdicts`, never sent) before the accepted set derived from them.
//! A restart finding stored verdicts decides from them; one that finds none
//! signed nothing derived from the check, which is then re-run from
//! scratch with fresh randomness. Aggregator 1 dials aggregator 0 at its
//! decision time; aggregator 0 waits for it, and dials aggregator 1 itself
//! once aggregator 1's set is on the bulletin (aggregator 1 then has its
//! verdicts and serves the re-run). An attempt that fails (a named
//! rejection, a lost connection) is retried until the check's deadline
//! (half the accepted-set deadline); past it the aggregator decides with
//! no verdicts, so it accepts nothing.

use super::heads::{self, Heads, Trigger};
use super::twopc::{
    run_attempt, twopc_caps, Attempt, AttemptError, BadMessage, Side, StoredVerdicts, BAD_MESSAGES,
};
use super::{next_entry, spawn_follower, Context, Poster, ServiceError, View};
use crate::frame::{Control, PostRefusal, WireMessage};
use crate::store::{Store, StoreError, Stored};
use crate::transport::{Client, Conn, Server};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::time::Instant;
use zkagg_aggregation::aggregator::{AggregatorDecided, AggregatorRound};
use zkagg_aggregation::bulletin::Entry;
use zkagg_aggregation::config::ValidityMode;
use zkagg_aggregation::error::Fault;
use zkagg_aggregation::msgs::{decode_delivery, decode_public, PublicMessage, ShareDelivery};
use zkagg_aggregation::relation::UpdateRelation;
use zkagg_aggregation::setup::{Setup, SharingScheme};
use zkagg_aggregation::{AggregatorId, PartyId, ProviderId};
use zkagg_zk::encoding;

/// The `received` kind of a share delivery.
const SHARE: &str = "share";
/// The outbox kind of an accepted set.
const ACCEPTED_SET: &str = "accepted-set";
/// The outbox kind of a partial sum.
const PARTIAL_SUM: &str = "partial-sum";
/// The outbox kind of the two-party check's verdicts (a write-once record
/// of what the accepted set is derived from; never sent).
const VERDICTS: &str = "twopc-verdicts";

/// Handles one provider connection: each delivery is checked against the
/// authenticated sender and this aggregator, stored, then acknowledged.
/// The rounds a delivery may be for: from the open round (deliveries for
/// closed rounds are useless) up to the last round to run, which bounds
/// what a provider can make this aggregator store.
#[derive(Debug)]
struct RoundWindow {
    current: AtomicU64,
    rounds: u64,
    /// Signalled when a new share is stored, so that the round can be
    /// decided as soon as every expected provider is in.
    stored: tokio::sync::Notify,
    /// The fault [`AggregatorFaults::stall_while_receiving`].
    stall_receiving: Option<u64>,
    /// Set (before the share is stored) once that round's first share
    /// comes: the drive loop then never decides.
    stalled: std::sync::atomic::AtomicBool,
    /// The drive loop's latest status, answered on the endpoint.
    status: super::status::StatusBoard,
}

impl RoundWindow {
    fn admits(&self, round: u64) -> bool {
        round >= self.current.load(Ordering::SeqCst) && round < self.rounds
    }
}

async fn serve_deliveries<T: AsyncRead + AsyncWrite + Unpin>(
    me: AggregatorId,
    store: Store,
    window: Arc<RoundWindow>,
    mut conn: Conn<T>,
) {
    // Every member may ask for the status; only providers deliver.
    let peer = conn.peer();
    let provider = match peer {
        PartyId::Provider(i) => Some(i),
        _ => None,
    };
    loop {
        let reply = match conn.recv().await {
            Ok(Some(WireMessage::Control(Control::Status))) => match window.status.report() {
                Some(s) => Control::StatusReport(s),
                None => return,
            },
            Ok(Some(WireMessage::Delivery(_))) if provider.is_none() => {
                return refuse_delivery_from(peer)
            }
            Ok(Some(WireMessage::Delivery(d))) => {
                let Some(sender) = provider else { return };
                if d.provider != sender {
                    Control::DeliveryRefused(Fault::SenderMismatch)
                } else if d.aggregator != me {
                    Control::DeliveryRefused(Fault::WrongRecipient)
                } else if !window.admits(d.round) {
                    Control::DeliveryRefused(Fault::WrongRound)
                } else {
                    let stall = window.stall_receiving == Some(d.round);
                    if stall {
                        window.stalled.store(true, Ordering::SeqCst);
                    }
                    match encoding::to_bytes(&d) {
                        Err(_) => Control::DeliveryRefused(Fault::MalformedShare),
                        Ok(bytes) => match store.put_received(d.round, sender, SHARE, &bytes).await
                        {
                            Ok(Stored::New) => {
                                tracing::debug!(round = d.round, %sender, "share stored");
                                if stall {
                                    tracing::warn!(
                                        round = d.round,
                                        "stalling while receiving (fault injection)"
                                    );
                                }
                                window.stored.notify_one();
                                Control::Stored
                            }
                            Ok(Stored::AlreadyStored) => Control::AlreadyStored,
                            Err(StoreError::ReceivedConflict { .. }) => {
                                Control::DeliveryRefused(Fault::TooManyDeliveries)
                            }
                            Err(e) => {
                                tracing::error!(%e, "cannot store a share");
                                return;
                            }
                        },
                    }
                }
            }
            Ok(None) => return,
            Ok(Some(m)) => return super::log_closed(peer, Ok(&m)),
            Err(e) => return super::log_closed(peer, Err(&e)),
        };
        match &reply {
            Control::DeliveryRefused(fault) => {
                tracing::warn!(%peer, ?fault, "delivery refused")
            }
            Control::AlreadyStored => tracing::info!(%peer, "delivery already stored"),
            _ => {}
        }
        if conn.send(&WireMessage::Control(reply)).await.is_err() {
            return;
        }
    }
}

/// A share delivery from a member that is not a provider (the endpoint
/// admits every member, for the status answer): nothing is stored, the
/// connection is closed without an answer.
pub(super) fn refuse_delivery_from(peer: PartyId) {
    tracing::warn!(%peer, "delivery refused: only providers deliver; connection closed");
}

/// Test faults an aggregator can be told to commit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AggregatorFaults {
    /// In this round, stop right after the accepted set is in the outbox
    /// and before it is posted, until the process is killed or stopped (so
    /// a test can SIGKILL it between deciding and posting).
    pub stall_after_decide: Option<u64>,
    /// MPC mode, as the evaluator (aggregator 1): in round 0, open the
    /// first attempts of the two-party check with each bad message of
    /// [`BAD_MESSAGES`] in turn, then run honestly.
    pub bad_twopc_messages: bool,
    /// MPC mode: in this round, stop once the two-party check gave this
    /// aggregator its verdicts and before they are stored, until the
    /// process is killed (so a test can SIGKILL it mid-check).
    pub stall_before_storing_verdicts: Option<u64>,
    /// In this round, once the first share is stored, keep receiving but
    /// never decide, until the process is killed (so a test can SIGKILL it
    /// while receiving).
    pub stall_while_receiving: Option<u64>,
    /// In this round, stop once the accepted set is on the bulletin and
    /// before the partial sum, until the process is killed.
    pub stall_after_posting_set: Option<u64>,
}

/// The aggregator's progress in the open round.
struct RoundState {
    round: u64,
    decide_at: Instant,
    decided: Option<AggregatorDecided>,
    /// The partial sum was derived (the decision is then used up): the
    /// round is not decided again, which would re-check every
    /// contribution while the others sum.
    summed: bool,
}

/// Runs aggregator s until the last round is closed or the shutdown flag
/// is set.
pub async fn run<Rel, S>(
    ctx: Context,
    setup: Arc<Setup<Rel, S>>,
    faults: AggregatorFaults,
) -> Result<(), ServiceError>
where
    Rel: UpdateRelation + Send + Sync + 'static,
    S: SharingScheme + Send + Sync + 'static,
{
    let PartyId::Aggregator(me) = ctx.member.party else {
        return Err(ServiceError::WrongRole(ctx.member.party));
    };
    let ops = &ctx.config.operations;
    let db = ops
        .aggregator_dbs
        .get(me.index())
        .ok_or(ServiceError::WrongRole(ctx.member.party))?;
    let store = Store::open(db).await?;
    let addr = ctx
        .config
        .aggregator_addr(me)
        .ok_or(ServiceError::WrongRole(ctx.member.party))?;
    // Every member (for the status answer); deliveries from providers
    // only, head comparison from the other aggregators only.
    let server = Server::new(
        Arc::new(ctx.config.consortium.clone()),
        &ctx.member.ca,
        ctx.member.identity.clone(),
        |_| true,
        ctx.limits,
        ctx.caps(),
    )?;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| ServiceError::Network(format!("bind {addr}: {e}")))?;
    tracing::info!(%addr, aggregator = me.0, "aggregator listening");
    let (done_tx, mut done_rx) = tokio::sync::watch::channel(false);
    let mut stop_server = ctx.shutdown.clone();
    let st = store.clone();
    let window = Arc::new(RoundWindow {
        current: AtomicU64::new(0),
        rounds: ops.rounds,
        stored: tokio::sync::Notify::new(),
        stall_receiving: faults.stall_while_receiving,
        stalled: Default::default(),
        status: super::status::StatusBoard::new(ctx.member.party),
    });
    let w = window.clone();
    let (queries_tx, queries) = mpsc::channel(16);
    let heads = Heads::new(
        me,
        ctx.config.consortium.clone(),
        store.clone(),
        db.clone(),
        queries_tx,
    );
    let (trigger, trigger_rx) = tokio::sync::watch::channel(Trigger::default());
    let (heads_done_tx, heads_done) = tokio::sync::watch::channel(false);
    heads::spawn_watcher(heads.clone(), &ctx, trigger_rx, heads_done_tx);
    let server_task = tokio::spawn(server.serve(
        listener,
        move |conn| {
            let (st, w, h) = (st.clone(), w.clone(), heads.clone());
            async move {
                match conn.peer() {
                    PartyId::Aggregator(s) if s != me => h.serve(conn, &w.status).await,
                    _ => serve_deliveries(me, st, w, conn).await,
                }
            }
        },
        async move {
            tokio::select! {
                _ = super::until_stop(&mut stop_server) => {}
                _ = super::until_stop(&mut done_rx) => {}
            }
        },
    ));
    let mut peer_task = None;
    let peer = if setup.config().validity == ValidityMode::Mpc2pc {
        let caps = twopc_caps(setup.config(), &setup)?;
        let paddr = ops
            .aggregator_peers
            .get(me.index())
            .copied()
            .ok_or_else(|| ServiceError::Protocol("no two-party endpoint address".into()))?;
        let peer_server = Server::new(
            Arc::new(ctx.config.consortium.clone()),
            &ctx.member.ca,
            ctx.member.identity.clone(),
            move |p| matches!(p, PartyId::Aggregator(s) if s != me),
            ctx.limits,
            caps,
        )?;
        let listener = TcpListener::bind(paddr)
            .await
            .map_err(|e| ServiceError::Network(format!("bind {paddr}: {e}")))?;
        tracing::info!(addr = %paddr, "two-party endpoint listening");
        let (tx, rx) = mpsc::channel(4);
        let mut stop_peer = ctx.shutdown.clone();
        let mut done_peer = done_tx.subscribe();
        peer_task = Some(tokio::spawn(peer_server.serve(
            listener,
            move |conn| {
                let tx = tx.clone();
                async move {
                    // A full queue (a peer opening many connections) drops it.
                    let _ = tx.try_send(conn);
                }
            },
            async move {
                tokio::select! {
                    _ = super::until_stop(&mut stop_peer) => {}
                    _ = super::until_stop(&mut done_peer) => {}
                }
            },
        )));
        let client = Client::new(
            &ctx.config.consortium,
            ctx.member.ca.clone(),
            ctx.member.identity.clone(),
            ctx.limits,
            caps,
        );
        Some(Peer {
            rx,
            client,
            addrs: ops.aggregator_peers.clone(),
            bad_attempts: if faults.bad_twopc_messages {
                BAD_MESSAGES.len()
            } else {
                0
            },
            sent_bad: 0,
            pending: std::collections::VecDeque::new(),
            last_session: None,
            stall_before_storing: faults.stall_before_storing_verdicts,
        })
    } else {
        None
    };
    let hx = HeadsLoop {
        queries,
        trigger,
        done: heads_done,
        closes: 0,
    };
    let r = drive(&ctx, setup, me, &store, &window, faults, peer, hx).await;
    let _ = done_tx.send(true);
    let _ = server_task.await;
    if let Some(t) = peer_task {
        let _ = t.await;
    }
    r
}

/// Whether every provider that can contribute this round (every
/// registered one, or every one when the relation needs no registration)
/// has its contribution on the bulletin and its share stored here: then
/// waiting for the deadline cannot change the decision.
async fn everyone_in<Rel: UpdateRelation, S>(
    setup: &Setup<Rel, S>,
    view: &View<Rel, S>,
    store: &Store,
    round: u64,
) -> Result<bool, ServiceError> {
    let Some(open) = view.ledger.open_round() else {
        return Ok(false);
    };
    let expected: Vec<ProviderId> = if setup.relation().needs_registration() {
        view.ledger.registrations().keys().copied().collect()
    } else {
        (0..setup.config().num_providers() as u32)
            .map(ProviderId)
            .collect()
    };
    if expected.is_empty() {
        return Ok(false);
    }
    // The bulletin first (no I/O): the store is read only once every
    // expected contribution is posted.
    if !expected
        .iter()
        .all(|i| open.contributions().contains_key(i))
    {
        return Ok(false);
    }
    for i in expected {
        if store.received(round, i, SHARE).await?.is_none() {
            return Ok(false);
        }
    }
    Ok(true)
}

type PeerConn = crate::transport::ServerConn;

/// How many connections the peer opened early are kept for this
/// aggregator's check (the endpoint's queue holds as many again).
const PENDING_PEER_CONNS: usize = 4;

/// The MPC mode's channel to the peer aggregator.
struct Peer {
    rx: mpsc::Receiver<PeerConn>,
    /// Connections the peer opened before this aggregator ran its own
    /// check (it decided first, or this one's copy of the bulletin lags):
    /// kept, oldest first, and served when the check runs.
    pending: std::collections::VecDeque<PeerConn>,
    client: Client,
    addrs: Vec<SocketAddr>,
    bad_attempts: usize,
    sent_bad: usize,
    last_session: Option<[u8; 32]>,
    stall_before_storing: Option<u64>,
}

/// What an attempt of the two-party check runs on.
struct CheckCtx<'a, Rel, S> {
    setup: &'a Arc<Setup<Rel, S>>,
    store: &'a Store,
    me: AggregatorId,
    round: u64,
    deadline: Instant,
}

/// Builds the round from this aggregator's stored shares (only those of
/// `only`, if given), refusing none silently: a stored share the core
/// refuses is logged.
async fn load_round<Rel, S>(
    setup: &Arc<Setup<Rel, S>>,
    store: &Store,
    me: AggregatorId,
    round: u64,
    only: Option<&[ProviderId]>,
) -> Result<AggregatorRound<Rel, S>, ServiceError>
where
    Rel: UpdateRelation,
    S: SharingScheme,
{
    let mut agg = AggregatorRound::new(me, setup.clone(), round);
    for i in (0..setup.config().num_providers() as u32).map(ProviderId) {
        if only.is_some_and(|a| !a.contains(&i)) {
            continue;
        }
        let Some(bytes) = store.received(round, i, SHARE).await? else {
            continue;
        };
        let d: ShareDelivery = match decode_delivery(&bytes) {
            Ok(d) => d,
            Err(_) => continue,
        };
        if let Err(e) = agg.receive_share(i, d) {
            tracing::warn!(%e, provider = i.0, "stored share refused");
        }
    }
    Ok(agg)
}

async fn stored_verdicts<Rel, S>(
    c: &CheckCtx<'_, Rel, S>,
) -> Result<Option<StoredVerdicts>, ServiceError> {
    let n = c.setup.config().num_providers();
    match c
        .store
        .outbox_message(c.round, VERDICTS, PartyId::Aggregator(c.me))
        .await?
    {
        Some(b) => Ok(Some(StoredVerdicts::from_bytes(&b, n)?)),
        None => Ok(None),
    }
}

/// Writes the verdicts (durable when this returns), before anything
/// derived from them is signed.
async fn put_verdicts<Rel, S>(
    c: &CheckCtx<'_, Rel, S>,
    v: &StoredVerdicts,
) -> Result<(), ServiceError> {
    let (id, _) = c
        .store
        .put_outbox(c.round, VERDICTS, PartyId::Aggregator(c.me), &v.to_bytes()?)
        .await?;
    c.store.mark_sent(id).await?;
    tracing::info!(
        round = c.round,
        upto = v.upto_seq,
        checked = v.verdicts.len(),
        "two-party verdicts stored"
    );
    Ok(())
}

/// One attempt over `conn`, on the round rebuilt from the stored shares.
#[allow(clippy::too_many_arguments)]
async fn attempt<T, Rel, S>(
    c: &CheckCtx<'_, Rel, S>,
    peer: &mut Peer,
    mut conn: Conn<T>,
    side: Side,
    fixed_upto: Option<u64>,
    view: &mut View<Rel, S>,
    entries: &mut mpsc::UnboundedReceiver<Entry>,
    rng: &mut ChaCha20Rng,
) -> Result<StoredVerdicts, ServiceError>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    Rel: UpdateRelation,
    S: SharingScheme,
{
    let mut agg = load_round(c.setup, c.store, c.me, c.round, None).await?;
    let bad: Option<BadMessage> =
        if c.round == 0 && c.me.0 == 1 && peer.sent_bad < peer.bad_attempts {
            BAD_MESSAGES.get(peer.sent_bad).copied()
        } else {
            None
        };
    if bad.is_some() {
        peer.sent_bad += 1;
    }
    let a = Attempt {
        me: c.me,
        round: c.round,
        side,
        fixed_upto,
        deadline: c.deadline,
        bad,
        last_session: peer.last_session,
        view,
        entries,
    };
    let r = run_attempt(&mut conn, a, &mut agg, rng).await;
    peer.last_session = agg.validity_session();
    conn.close().await;
    match r {
        Ok(v) => Ok(v),
        Err(AttemptError::Local(e)) => Err(e),
        Err(e) => Err(ServiceError::Protocol(format!(
            "two-party attempt failed: {e:?}"
        ))),
    }
}

/// Serves an attempt the peer opened. Without stored verdicts the result
/// is stored; with them it is a re-run for the peer over the stored
/// prefix, and the verdicts must agree.
#[allow(clippy::too_many_arguments)]
async fn serve_incoming<Rel, S>(
    c: &CheckCtx<'_, Rel, S>,
    peer: &mut Peer,
    conn: PeerConn,
    view: &mut View<Rel, S>,
    entries: &mut mpsc::UnboundedReceiver<Entry>,
    rng: &mut ChaCha20Rng,
) -> Result<Option<StoredVerdicts>, ServiceError>
where
    Rel: UpdateRelation,
    S: SharingScheme,
{
    let stored = stored_verdicts(c).await?;
    let fixed = stored.as_ref().map(|v| v.upto_seq);
    match attempt(c, peer, conn, Side::Listener, fixed, view, entries, rng).await {
        Ok(v) => match stored {
            None => {
                put_verdicts(c, &v).await?;
                Ok(Some(v))
            }
            Some(s) => {
                if s != v {
                    tracing::warn!(
                        round = c.round,
                        "a re-run gave other verdicts than the stored ones"
                    );
                } else {
                    tracing::info!(round = c.round, "served a re-run of the two-party check");
                }
                Ok(Some(s))
            }
        },
        Err(ServiceError::Protocol(e)) => {
            tracing::info!(round = c.round, %e, "two-party attempt ended");
            Ok(stored)
        }
        Err(e) => Err(e),
    }
}

/// Waits the next delay of `waits` (the step to the deadline once they run
/// out), never past `deadline`.
async fn pause(waits: &mut impl Iterator<Item = std::time::Duration>, deadline: Instant) {
    let next = waits
        .next()
        .map_or(deadline, |d| (Instant::now() + d).min(deadline));
    tokio::time::sleep_until(next).await;
}

/// The verdicts of the round: stored ones, or a fresh check with the peer
/// (retried until the deadline), stored before returning; empty verdicts
/// (accept nothing) past the deadline.
async fn obtain_verdicts<Rel, S>(
    c: &CheckCtx<'_, Rel, S>,
    peer: &mut Peer,
    view: &mut View<Rel, S>,
    entries: &mut mpsc::UnboundedReceiver<Entry>,
    rng: &mut ChaCha20Rng,
) -> Result<StoredVerdicts, ServiceError>
where
    Rel: UpdateRelation,
    S: SharingScheme,
{
    if let Some(v) = stored_verdicts(c).await? {
        return Ok(v);
    }
    let other = AggregatorId(1 - c.me.0.min(1));
    use backon::BackoffBuilder;
    // Retries of the dial back off (jittered, bounded by the deadline).
    let mut waits =
        super::reconnect_backoff(c.deadline.saturating_duration_since(Instant::now())).build();
    while Instant::now() < c.deadline {
        super::drain(view, entries)?;
        let peer_decided = view
            .ledger
            .open_round()
            .is_some_and(|o| o.round() == c.round && o.accepted_sets().contains_key(&other));
        if c.me.0 == 1 || peer_decided {
            let Some(addr) = peer.addrs.get(other.index()).copied() else {
                break;
            };
            let conn = match tokio::time::timeout_at(
                c.deadline,
                peer.client.connect(addr, PartyId::Aggregator(other)),
            )
            .await
            {
                Ok(Ok(conn)) => conn,
                Ok(Err(e)) => {
                    tracing::debug!(%e, "peer aggregator unreachable");
                    pause(&mut waits, c.deadline).await;
                    continue;
                }
                Err(_) => break,
            };
            match attempt(c, peer, conn, Side::Dialer, None, view, entries, rng).await {
                Ok(v) => {
                    if peer.stall_before_storing == Some(c.round) {
                        tracing::warn!(
                            round = c.round,
                            "stalling before storing the verdicts (fault injection)"
                        );
                        std::future::pending::<()>().await;
                    }
                    put_verdicts(c, &v).await?;
                    return Ok(v);
                }
                Err(ServiceError::Protocol(e)) => {
                    tracing::info!(round = c.round, %e, "two-party attempt ended; retrying");
                    pause(&mut waits, c.deadline).await;
                }
                Err(e) => return Err(e),
            }
        } else {
            let wait = (Instant::now() + std::time::Duration::from_millis(200)).min(c.deadline);
            let conn = match peer.pending.pop_front() {
                Some(conn) => Some(conn),
                None => tokio::select! {
                    conn = peer.rx.recv() => conn,
                    _ = tokio::time::sleep_until(wait) => None,
                },
            };
            match conn {
                Some(conn) => {
                    if let Some(v) = serve_incoming(c, peer, conn, view, entries, rng).await? {
                        return Ok(v);
                    }
                }
                // The endpoint stopped: wait out the step instead of spinning.
                None => tokio::time::sleep_until(wait).await,
            }
        }
    }
    tracing::warn!(
        round = c.round,
        "no two-party verdicts by the deadline: accepting nothing"
    );
    let v = StoredVerdicts {
        upto_seq: view.bulletin.len(),
        verdicts: Vec::new(),
    };
    put_verdicts(c, &v).await?;
    Ok(v)
}

/// The main loop's side of the head exchange ([`heads`]): it answers the
/// queries on its copy and triggers the comparisons.
struct HeadsLoop {
    queries: mpsc::Receiver<heads::Asked>,
    trigger: tokio::sync::watch::Sender<Trigger>,
    done: tokio::sync::watch::Receiver<bool>,
    closes: u64,
}

impl HeadsLoop {
    /// Triggers a comparison when a round closed in the view.
    fn after_entries<Rel: UpdateRelation, S>(&mut self, view: &View<Rel, S>) {
        let closes = view.ledger.next_round();
        if closes != self.closes {
            self.closes = closes;
            self.trigger.send_replace(Trigger {
                closes,
                last: false,
            });
        }
    }

    /// After the last round: the final comparison, answering queries until
    /// it is done (bounded).
    async fn linger<Rel: UpdateRelation, S>(
        &mut self,
        view: &View<Rel, S>,
        bound: std::time::Duration,
        shutdown: &mut tokio::sync::watch::Receiver<bool>,
    ) {
        self.trigger.send_replace(Trigger {
            closes: view.ledger.next_round(),
            last: true,
        });
        let end = Instant::now() + bound;
        loop {
            tokio::select! {
                q = self.queries.recv() => match q {
                    Some((q, tx)) => {
                        let _ = tx.send(heads::answer(&view.bulletin, q));
                    }
                    None => return,
                },
                _ = self.done.wait_for(|d| *d) => return,
                _ = tokio::time::sleep_until(end) => return,
                _ = super::until_stop(shutdown) => return,
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn drive<Rel, S>(
    ctx: &Context,
    setup: Arc<Setup<Rel, S>>,
    me: AggregatorId,
    store: &Store,
    window: &RoundWindow,
    faults: AggregatorFaults,
    mut peer: Option<Peer>,
    mut hx: HeadsLoop,
) -> Result<(), ServiceError>
where
    Rel: UpdateRelation + Send + Sync + 'static,
    S: SharingScheme + Send + Sync + 'static,
{
    let ops = &ctx.config.operations;
    let cfg = setup.config().clone();
    let nagg = cfg.num_aggregators();
    let mut view = View::new(&setup)?;
    let mut entries = spawn_follower(ctx.client(), ops.coordinator);
    let mut poster = Poster::new(ctx.client(), ops.coordinator);
    let mut shutdown = ctx.shutdown.clone();
    let mut state: Option<RoundState> = None;
    let mut rng = ChaCha20Rng::from_entropy();
    let party = PartyId::Aggregator(me);
    let check_window = crate::config::Deadlines::ms(ops.deadlines.accepted_sets_ms / 2);
    loop {
        let wake = state.as_ref().map(|s| s.decide_at);
        // A new share may complete the round: wake for it while undecided.
        let undecided = state.as_ref().is_some_and(|s| s.decided.is_none());
        let incoming = match peer.as_mut() {
            Some(p) => tokio::select! {
                r = next_entry(&mut view, &mut entries, &mut shutdown, wake) => {
                    if r?.is_none() {
                        tracing::info!("stopping");
                        return Ok(());
                    }
                    None
                }
                c = p.rx.recv(), if !p.rx.is_closed() || !p.rx.is_empty() => c,
                _ = window.stored.notified(), if undecided => None,
                Some((q, tx)) = hx.queries.recv() => {
                    let _ = tx.send(heads::answer(&view.bulletin, q));
                    continue;
                }
            },
            None => {
                let next = tokio::select! {
                    r = next_entry(&mut view, &mut entries, &mut shutdown, wake) => r?,
                    _ = window.stored.notified(), if undecided => Some(()),
                    Some((q, tx)) = hx.queries.recv() => {
                        let _ = tx.send(heads::answer(&view.bulletin, q));
                        continue;
                    }
                };
                if next.is_none() {
                    tracing::info!("stopping");
                    return Ok(());
                }
                None
            }
        };
        window
            .status
            .update(&view.bulletin, &view.ledger, (nagg, ops.rounds));
        if let (Some(conn), Some(p)) = (incoming, peer.as_mut()) {
            // The peer opened the check, or asks for a re-run. Once this
            // aggregator has its verdicts for the open round it serves at
            // once (over the stored prefix); before, the connection waits
            // for this aggregator's own check, which serves it first.
            if let Some(st) = state.as_ref().filter(|s| {
                view.ledger
                    .open_round()
                    .is_some_and(|o| o.round() == s.round)
            }) {
                let c = CheckCtx {
                    setup: &setup,
                    store,
                    me,
                    round: st.round,
                    deadline: Instant::now() + check_window,
                };
                if stored_verdicts(&c).await?.is_some() {
                    serve_incoming(&c, p, conn, &mut view, &mut entries, &mut rng).await?;
                    continue;
                }
            }
            if p.pending.len() >= PENDING_PEER_CONNS {
                // The oldest is the likeliest to be given up by the peer.
                p.pending.pop_front();
            }
            p.pending.push_back(conn);
            continue;
        }
        hx.after_entries(&view);
        if view.ledger.next_round() >= ops.rounds && view.ledger.open_round().is_none() {
            tracing::info!("every round closed");
            let bound = crate::config::Deadlines::ms(ops.deadlines.linger_ms)
                + heads::FINAL_BOUND
                + std::time::Duration::from_secs(1);
            hx.linger(&view, bound, &mut shutdown).await;
            return Ok(());
        }
        let Some(open) = view.ledger.open_round() else {
            state = None;
            continue;
        };
        let round = open.round();
        if state.as_ref().map(|s| s.round) != Some(round) {
            tracing::info!(round, "round seen");
            window.current.store(round, Ordering::SeqCst);
            state = Some(RoundState {
                round,
                decide_at: Instant::now()
                    + crate::config::Deadlines::ms(ops.deadlines.contributions_ms),
                decided: None,
                summed: false,
            });
        }
        let Some(st) = state.as_mut() else { continue };
        // A decision made before a restart: the one in the outbox (written
        // before posting), else the one on the bulletin.
        let stored_set = match store
            .outbox_message(round, ACCEPTED_SET, PartyId::Coordinator)
            .await?
        {
            Some(b) => match decode_public(&b) {
                Ok(PublicMessage::AcceptedSet(a)) => Some(a),
                _ => return Err(ServiceError::Protocol("stored accepted set".into())),
            },
            None => open.accepted_sets().get(&me).map(|(_, a)| a.clone()),
        };
        let posted = open.accepted_sets().contains_key(&me);
        let due = Instant::now() >= st.decide_at
            || stored_set.is_some()
            || (st.decided.is_none() && everyone_in(&setup, &view, store, round).await?);
        // Read after `due`: a share that made the round due set it first.
        if window.stalled.load(Ordering::SeqCst) {
            super::until_stop(&mut shutdown).await;
            return Ok(());
        }
        if st.decided.is_none() && !st.summed && due {
            // Re-deriving a stored decision: wait until the view has every
            // contribution it accepted, and load only those shares, so that
            // what arrived after the decision cannot change it.
            if let Some(a) = &stored_set {
                if !a
                    .accepted
                    .iter()
                    .all(|i| open.contributions().contains_key(i))
                {
                    continue;
                }
            }
            let verdicts = match peer.as_mut() {
                None => None,
                Some(p) => {
                    let c = CheckCtx {
                        setup: &setup,
                        store,
                        me,
                        round,
                        deadline: Instant::now().max(st.decide_at) + check_window,
                    };
                    if stored_set.is_some() {
                        // Stored before the set: a restart decides from them.
                        Some(
                            stored_verdicts(&c)
                                .await?
                                .map(|v| v.map())
                                .unwrap_or_default(),
                        )
                    } else {
                        let v = obtain_verdicts(&c, p, &mut view, &mut entries, &mut rng).await?;
                        Some(v.map())
                    }
                }
            };
            let only = stored_set.as_ref().map(|a| a.accepted.clone());
            // Loading the stored shares and checking every contribution:
            // logged as `verify_ms` (the verify phase of the measurements).
            let checking = Instant::now();
            let mut agg = load_round(&setup, store, me, round, only.as_deref()).await?;
            if let Some(v) = verdicts {
                agg.restore_verdicts(v);
            }
            let (decided, set) = agg.decide(&view.ledger, &mut rng)?;
            let verify_ms = checking.elapsed().as_millis() as u64;
            let set = match stored_set {
                Some(a) if a.accepted == decided.accepted() => {
                    tracing::info!(round, "stored decision re-derived");
                    a
                }
                Some(_) => {
                    return Err(ServiceError::Protocol(
                        "the stored shares do not give the stored decision".into(),
                    ))
                }
                None => set,
            };
            let msg = PublicMessage::AcceptedSet(set);
            let bytes = encoding::to_bytes(&msg).map_err(zkagg_aggregation::AggError::from)?;
            // Written before it is sent; a different decision is refused.
            let (id, _) = store
                .put_outbox(round, ACCEPTED_SET, PartyId::Coordinator, &bytes)
                .await?;
            tracing::info!(round, accepted = ?decided.accepted(), verify_ms, "decided");
            st.decided = Some(decided);
            if faults.stall_after_decide == Some(round) {
                tracing::warn!(round, "stalling after deciding (fault injection)");
                super::until_stop(&mut shutdown).await;
                return Ok(());
            }
            if !posted {
                // Done once it is on the bulletin, or too late to matter:
                // the round closed, or the coordinator closed the set phase
                // without it (threshold sharing, this aggregator was slow).
                let r = poster
                    .post(
                        &mut view,
                        &mut entries,
                        &ctx.member.signing,
                        party,
                        &msg,
                        |v| {
                            v.ledger.open_round().is_none_or(|o| {
                                o.round() != round
                                    || o.accepted_sets().contains_key(&me)
                                    || o.sets_closed().is_some()
                            })
                        },
                    )
                    .await;
                match r {
                    Ok(()) => {}
                    Err(ServiceError::Refused(PostRefusal::Fault(
                        f
                        @ (Fault::AcceptedSetAfterClose | Fault::OutsideRound | Fault::WrongRound),
                    ))) => {
                        tracing::warn!(round, fault = ?f, "accepted set too late; the round goes on without it");
                    }
                    Err(e) => return Err(e),
                }
            }
            store.mark_sent(id).await?;
            if faults.stall_after_posting_set == Some(round) {
                tracing::warn!(
                    round,
                    "stalling after posting the accepted set (fault injection)"
                );
                super::until_stop(&mut shutdown).await;
                return Ok(());
            }
            continue;
        }
        let Some(open) = view.ledger.open_round() else {
            continue;
        };
        let Some(acc) = open.intersection(nagg) else {
            continue;
        };
        // Only an aggregator whose set counts sums (a set refused after the
        // coordinator closed the phase does not).
        if acc.len() < cfg.min_batch as usize
            || open.partial_sums().contains_key(&me)
            || !open.accepted_sets().contains_key(&me)
        {
            continue;
        }
        let Some(decided) = st.decided.take() else {
            continue;
        };
        st.summed = true;
        let msg = PublicMessage::PartialSum(decided.partial_sum(&view.ledger, nagg)?);
        let bytes = encoding::to_bytes(&msg).map_err(zkagg_aggregation::AggError::from)?;
        let (id, _) = store
            .put_outbox(round, PARTIAL_SUM, PartyId::Coordinator, &bytes)
            .await?;
        let stored = store
            .outbox_message(round, PARTIAL_SUM, PartyId::Coordinator)
            .await?
            .map(|b| decode_public(&b));
        if !matches!(stored, Some(Ok(ref m)) if *m == msg) {
            return Err(ServiceError::Protocol("stored partial sum differs".into()));
        }
        poster
            .post(
                &mut view,
                &mut entries,
                &ctx.member.signing,
                party,
                &msg,
                |v| {
                    v.ledger
                        .open_round()
                        .is_none_or(|o| o.round() != round || o.partial_sums().contains_key(&me))
                },
            )
            .await?;
        store.mark_sent(id).await?;
        tracing::info!(round, "partial sum posted");
    }
}
