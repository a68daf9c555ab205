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

use super::{next_entry, spawn_follower, Context, Poster, ServiceError, View};
use crate::frame::{Control, WireMessage};
use crate::store::{Store, StoreError, Stored};
use crate::transport::{Conn, Server};
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::time::Instant;
use zkagg_aggregation::aggregator::{AggregatorDecided, AggregatorRound};
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
    let PartyId::Provider(sender) = conn.peer() else {
        return;
    };
    loop {
        let reply = match conn.recv().await {
            Ok(Some(WireMessage::Delivery(d))) => {
                if d.provider != sender {
                    Control::DeliveryRefused(Fault::SenderMismatch)
                } else if d.aggregator != me {
                    Control::DeliveryRefused(Fault::WrongRecipient)
                } else if !window.admits(d.round) {
                    Control::DeliveryRefused(Fault::WrongRound)
                } else {
                    match encoding::to_bytes(&d) {
                        Err(_) => Control::DeliveryRefused(Fault::MalformedShare),
                        Ok(bytes) => match store.put_received(d.round, sender, SHARE, &bytes).await
                        {
                            Ok(Stored::New) => {
                                tracing::debug!(round = d.round, %sender, "share stored");
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
            Ok(Some(m)) => return super::log_closed(sender.into(), Ok(&m)),
            Err(e) => return super::log_closed(sender.into(), Err(&e)),
        };
        match &reply {
            Control::DeliveryRefused(fault) => {
                tracing::warn!(peer = %sender, ?fault, "delivery refused")
            }
            Control::AlreadyStored => tracing::info!(peer = %sender, "delivery already stored"),
            _ => {}
        }
        if conn.send(&WireMessage::Control(reply)).await.is_err() {
            return;
        }
    }
}

/// Test faults an aggregator can be told to commit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AggregatorFaults {
    /// In this round, stop right after the accepted set is in the outbox
    /// and before it is posted, until the process is killed or stopped (so
    /// a test can SIGKILL it between deciding and posting).
    pub stall_after_decide: Option<u64>,
}

/// The aggregator's progress in the open round.
struct RoundState {
    round: u64,
    decide_at: Instant,
    decided: Option<AggregatorDecided>,
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
    let server = Server::new(
        Arc::new(ctx.config.consortium.clone()),
        &ctx.member.ca,
        ctx.member.identity.clone(),
        |p| matches!(p, PartyId::Provider(_)),
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
    });
    let w = window.clone();
    let server_task = tokio::spawn(server.serve(
        listener,
        move |conn| serve_deliveries(me, st.clone(), w.clone(), conn),
        async move {
            tokio::select! {
                _ = super::until_stop(&mut stop_server) => {}
                _ = super::until_stop(&mut done_rx) => {}
            }
        },
    ));
    let r = drive(&ctx, setup, me, &store, &window, faults).await;
    let _ = done_tx.send(true);
    let _ = server_task.await;
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
    for i in expected {
        if !open.contributions().contains_key(&i)
            || store.received(round, i, SHARE).await?.is_none()
        {
            return Ok(false);
        }
    }
    Ok(true)
}

async fn drive<Rel, S>(
    ctx: &Context,
    setup: Arc<Setup<Rel, S>>,
    me: AggregatorId,
    store: &Store,
    window: &RoundWindow,
    faults: AggregatorFaults,
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
    loop {
        let wake = state.as_ref().map(|s| s.decide_at);
        let undecided = state.as_ref().is_some_and(|s| s.decided.is_none());
        let next = tokio::select! {
            r = next_entry(&mut view, &mut entries, &mut shutdown, wake) => r?,
            _ = window.stored.notified(), if undecided => Some(()),
        };
        if next.is_none() {
            tracing::info!("stopping");
            return Ok(());
        }
        if view.ledger.next_round() >= ops.rounds && view.ledger.open_round().is_none() {
            tracing::info!("every round closed");
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
        if st.decided.is_none() && due {
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
            let mut agg = AggregatorRound::new(me, setup.clone(), round);
            for i in (0..cfg.num_providers() as u32).map(ProviderId) {
                if stored_set
                    .as_ref()
                    .is_some_and(|a| !a.accepted.contains(&i))
                {
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
            let (decided, set) = agg.decide(&view.ledger, &mut rng)?;
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
            tracing::info!(round, accepted = ?decided.accepted(), "decided");
            st.decided = Some(decided);
            if faults.stall_after_decide == Some(round) {
                tracing::warn!(round, "stalling after deciding (fault injection)");
                super::until_stop(&mut shutdown).await;
                return Ok(());
            }
            if !posted {
                poster
                    .post(
                        &mut view,
                        &mut entries,
                        &ctx.member.signing,
                        party,
                        &msg,
                        |v| {
                            v.ledger.open_round().is_some_and(|o| {
                                o.round() == round && o.accepted_sets().contains_key(&me)
                            })
                        },
                    )
                    .await?;
            }
            store.mark_sent(id).await?;
            continue;
        }
        let Some(open) = view.ledger.open_round() else {
            continue;
        };
        let Some(acc) = open.intersection(nagg) else {
            continue;
        };
        if acc.len() < cfg.min_batch as usize || open.partial_sums().contains_key(&me) {
            continue;
        }
        let Some(decided) = st.decided.take() else {
            continue;
        };
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
