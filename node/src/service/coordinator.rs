//! The coordinator service: serves the bulletin (posts go through
//! `Coordinator::submit`, so the ledger's sequence rules apply; followers
//! get every entry from a sequence number on, with heartbeats while idle)
//! and runs the round schedule with a deadline on every wait. Every entry
//! is stored durably before it is announced; on restart the stored log is
//! re-submitted entry by entry (chain, signatures and sequence rules
//! re-checked) and an open round is resumed.

use super::{until_stop, Context, ServiceError, HEARTBEAT};
use crate::config::Deadlines;
use crate::frame::{Control, PostRefusal, WireMessage};
use crate::store::Store;
use crate::transport::{Conn, Server};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{watch, Mutex};
use tokio::time::Instant;
use zkagg_aggregation::bulletin::Entry;
use zkagg_aggregation::coordinator::Coordinator;
use zkagg_aggregation::msgs::{AbortReason, PublicMessage, RoundClose, RoundOutcome};
use zkagg_aggregation::relation::UpdateRelation;
use zkagg_aggregation::setup::{Setup, SharingScheme};
use zkagg_aggregation::{AggError, AggregatorId, PartyId, ProviderId};

/// Entries sent to a follower per store read.
const FOLLOW_PAGE: usize = 64;

/// Test faults the coordinator can be told to commit.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CoordinatorFaults {
    /// Equivocate: show the last aggregator another close of the last
    /// round (aborted, nothing accepted), signed at the same sequence
    /// number as the close everyone else gets. The last entry, so its copy
    /// stays a valid chain: a fork only the head exchange reveals.
    pub equivocate_last_close: bool,
}

/// Who is shown another close of which round, signed with what.
struct Fork {
    to: PartyId,
    round: u64,
    key: ed25519_dalek::SigningKey,
    config_id: [u8; 32],
}

impl Fork {
    /// The entry `to` is shown instead of `e`, if it is the forked close.
    fn instead(&self, peer: PartyId, e: &Entry) -> Option<Entry> {
        if peer != self.to || e.sender != PartyId::Coordinator {
            return None;
        }
        let PublicMessage::RoundClose(close) = e.message().ok()? else {
            return None;
        };
        if close.round != self.round {
            return None;
        }
        let other = RoundClose {
            round: close.round,
            accepted: Vec::new(),
            outcome: RoundOutcome::Aborted(AbortReason::BelowMinimumBatch),
        };
        let forged = Entry::sign(
            &self.config_id,
            e.seq,
            e.prev,
            PartyId::Coordinator,
            &self.key,
            &PublicMessage::RoundClose(other),
        )
        .ok()?;
        tracing::warn!(seq = e.seq, %peer, "showing another close (fault injection: equivocation)");
        Some(forged)
    }
}

/// The coordinator's state shared by its connections and its schedule.
pub struct CoordinatorService<Rel, S> {
    coordinator: Mutex<Coordinator<Rel, S>>,
    store: Store,
    len: watch::Sender<u64>,
    followers: std::sync::Mutex<BTreeSet<PartyId>>,
    failed: AtomicBool,
    fork: Option<Fork>,
    started: std::time::Instant,
    /// The rounds to run (for the status answer).
    rounds: u64,
    /// Whether providers register a data commitment before contributing.
    registering: bool,
}

impl<Rel, S> CoordinatorService<Rel, S>
where
    Rel: UpdateRelation + Send + Sync + 'static,
    S: SharingScheme + Send + Sync + 'static,
{
    /// Opens the service over `store`, re-submitting every stored entry;
    /// `rounds` is the number of rounds to run.
    pub async fn open(
        setup: Arc<Setup<Rel, S>>,
        key: ed25519_dalek::SigningKey,
        store: Store,
        rounds: u64,
    ) -> Result<Arc<Self>, ServiceError> {
        Self::open_with(setup, key, store, rounds, None).await
    }

    async fn open_with(
        setup: Arc<Setup<Rel, S>>,
        key: ed25519_dalek::SigningKey,
        store: Store,
        rounds: u64,
        fork: Option<Fork>,
    ) -> Result<Arc<Self>, ServiceError> {
        let started = std::time::Instant::now();
        let registering = setup.relation().needs_registration();
        let mut coordinator = Coordinator::new(setup, key)?;
        let mut next = 0u64;
        loop {
            let page = store.entries(next, 1024).await?;
            let n = page.len();
            for e in page {
                let seq = e.seq;
                coordinator
                    .submit(e)
                    .map_err(|e| ServiceError::Protocol(format!("stored entry {seq}: {e}")))?;
            }
            next = coordinator.bulletin().len();
            if n < 1024 {
                break;
            }
        }
        tracing::info!(entries = next, "bulletin reloaded and re-checked");
        let (len, _) = watch::channel(next);
        Ok(Arc::new(CoordinatorService {
            coordinator: Mutex::new(coordinator),
            store,
            len,
            followers: Default::default(),
            failed: AtomicBool::new(false),
            fork,
            started,
            rounds,
            registering,
        }))
    }

    /// Opens the service committing `faults` (tests), with the rounds it
    /// runs.
    pub async fn open_faulty(
        setup: Arc<Setup<Rel, S>>,
        key: ed25519_dalek::SigningKey,
        store: Store,
        faults: CoordinatorFaults,
        rounds: u64,
    ) -> Result<Arc<Self>, ServiceError> {
        let config_id = setup.config_id();
        let to = PartyId::Aggregator(AggregatorId(
            setup.config().num_aggregators().saturating_sub(1) as u32,
        ));
        let fork = (faults.equivocate_last_close && rounds > 0).then(|| Fork {
            to,
            round: rounds - 1,
            key: key.clone(),
            config_id,
        });
        Self::open_with(setup, key, store, rounds, fork).await
    }

    /// The coordinator's status answer.
    pub async fn status(&self) -> super::status::ServiceStatus {
        let c = self.coordinator.lock().await;
        let nagg = c.bulletin().config().num_aggregators();
        super::status::snapshot(
            PartyId::Coordinator,
            self.started,
            c.bulletin(),
            c.ledger(),
            (nagg, self.rounds),
        )
    }

    /// Posts `entry` on behalf of the authenticated `peer`.
    pub async fn post(&self, peer: PartyId, entry: Entry) -> Result<u64, PostRefusal> {
        if entry.sender != peer {
            return Err(PostRefusal::SenderNotPeer);
        }
        if self.failed.load(Ordering::SeqCst) {
            return Err(PostRefusal::Unavailable);
        }
        let mut c = self.coordinator.lock().await;
        let b = c.bulletin();
        if entry.seq != b.len() || entry.prev != b.head() {
            return Err(PostRefusal::StaleHead { len: b.len() });
        }
        let stored = entry.clone();
        let seq = match c.submit(entry) {
            Ok(seq) => seq,
            Err(AggError::Peer { fault, .. }) => return Err(PostRefusal::Fault(fault)),
            Err(_) => return Err(PostRefusal::Unavailable),
        };
        self.persist(&stored)
            .await
            .map_err(|_| PostRefusal::Unavailable)?;
        self.len.send_replace(c.bulletin().len());
        Ok(seq)
    }

    /// Stores an entry already in memory. A failure leaves memory ahead of
    /// the store: the service refuses everything from then on and stops.
    async fn persist(&self, e: &Entry) -> Result<(), ServiceError> {
        if let Err(err) = self.store.append_entry(e).await {
            tracing::error!(%err, seq = e.seq, "store append failed; stopping");
            self.failed.store(true, Ordering::SeqCst);
            self.len.send_modify(|_| {});
            return Err(err.into());
        }
        Ok(())
    }

    /// Stores and announces the coordinator's own newest entry.
    async fn publish_last(&self, c: &Coordinator<Rel, S>) -> Result<(), ServiceError> {
        let Some(e) = c.bulletin().entries().last() else {
            return Ok(());
        };
        self.persist(e).await?;
        self.len.send_replace(c.bulletin().len());
        Ok(())
    }

    /// Serves one connection: posts are answered with `Posted` or
    /// `Refused`; after `Follow` the peer is sent entries as they come, and
    /// a heartbeat while the bulletin does not move.
    pub async fn serve<T: AsyncRead + AsyncWrite + Unpin>(self: Arc<Self>, mut conn: Conn<T>) {
        let mut next: Option<u64> = None;
        let mut len = self.len.subscribe();
        let mut beat = tokio::time::interval(HEARTBEAT);
        loop {
            if let Some(from) = next {
                let have = *len.borrow_and_update();
                if from < have {
                    let Ok(page) = self.store.entries(from, FOLLOW_PAGE).await else {
                        return;
                    };
                    for e in page {
                        next = Some(e.seq + 1);
                        let e = match self.fork.as_ref().and_then(|f| f.instead(conn.peer(), &e)) {
                            Some(forged) => forged,
                            None => e,
                        };
                        if conn.send(&WireMessage::Entry(e)).await.is_err() {
                            return;
                        }
                    }
                    continue;
                }
            }
            let msg = tokio::select! {
                m = conn.recv() => m,
                c = len.changed(), if next.is_some() => {
                    if c.is_err() || self.failed.load(Ordering::SeqCst) {
                        return;
                    }
                    continue;
                }
                _ = beat.tick(), if next.is_some() => {
                    let have = *len.borrow();
                    let hb = WireMessage::Control(Control::Heartbeat { len: have });
                    if conn.send(&hb).await.is_err() {
                        return;
                    }
                    continue;
                }
            };
            let reply = match msg {
                Ok(Some(WireMessage::Control(Control::Status))) => {
                    Control::StatusReport(self.status().await)
                }
                // The coordinator's own certificate (its operator's status
                // command) may ask for the status only.
                Ok(Some(m)) if conn.peer() == PartyId::Coordinator => {
                    return super::log_closed(conn.peer(), Ok(&m))
                }
                Ok(Some(WireMessage::Entry(e))) => match self.post(conn.peer(), e).await {
                    Ok(seq) => Control::Posted { seq },
                    Err(r) => {
                        tracing::warn!(peer = %conn.peer(), refusal = ?r, "post refused");
                        Control::Refused(r)
                    }
                },
                Ok(Some(WireMessage::Control(Control::Follow { from_seq }))) => {
                    if let Ok(mut f) = self.followers.lock() {
                        f.insert(conn.peer());
                    }
                    next = Some(from_seq);
                    continue;
                }
                // A follower sends nothing: its idle timeout is not an error.
                Err(crate::transport::TransportError::Timeout) if next.is_some() => continue,
                Ok(None) => return,
                Ok(Some(m)) => return super::log_closed(conn.peer(), Ok(&m)),
                Err(e) => return super::log_closed(conn.peer(), Err(&e)),
            };
            if conn.send(&WireMessage::Control(reply)).await.is_err() {
                return;
            }
        }
    }

    fn all_following(&self, aggregators: usize, providers: usize) -> bool {
        let Ok(f) = self.followers.lock() else {
            return false;
        };
        (0..aggregators as u32).all(|s| f.contains(&PartyId::Aggregator(AggregatorId(s))))
            && (0..providers as u32).all(|i| f.contains(&PartyId::Provider(ProviderId(i))))
    }

    /// Whether the first round may open as far as registrations go: the
    /// relation needs none, a round was already opened, or every provider
    /// has registered.
    async fn all_registered(&self, providers: usize) -> bool {
        let c = self.coordinator.lock().await;
        let l = c.ledger();
        !self.registering
            || l.next_round() > 0
            || l.open_round().is_some()
            || l.registrations().len() >= providers
    }

    /// Waits until `cond` holds on the coordinator's state, the deadline
    /// passes or the service stops; returns whether it must stop.
    async fn wait_until(
        &self,
        deadline: Instant,
        shutdown: &mut watch::Receiver<bool>,
        cond: impl Fn(&Coordinator<Rel, S>) -> bool,
    ) -> Result<bool, ServiceError> {
        let mut len = self.len.subscribe();
        loop {
            if self.failed.load(Ordering::SeqCst) {
                return Err(ServiceError::Protocol("the store failed".into()));
            }
            if cond(&*self.coordinator.lock().await) {
                return Ok(false);
            }
            tokio::select! {
                _ = len.changed() => {}
                _ = tokio::time::sleep_until(deadline) => return Ok(false),
                _ = until_stop(shutdown) => return Ok(true),
            }
        }
    }

    /// Writes the bulletin file ([`crate::export::write_atomic`], blocking
    /// file I/O, so on the blocking pool, off the async threads).
    async fn write_bulletin_file(&self, path: &std::path::Path) -> Result<(), ServiceError> {
        let bytes = self.coordinator.lock().await.bulletin().to_bytes();
        crate::export::write_atomic_async(path, bytes).await
    }

    /// Runs the round schedule.
    async fn schedule(
        self: &Arc<Self>,
        ctx: &Context,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<(), ServiceError> {
        let ops = &ctx.config.operations;
        let cfg = &ctx.config.consortium;
        let (nagg, nprov) = (cfg.num_aggregators(), cfg.num_providers());
        let min_batch = cfg.min_batch as usize;
        let d: Deadlines = ops.deadlines;
        // Before the first round, give every member the time to follow
        // and, if the relation commits to data, every provider the time to
        // register: an aggregator decides early once every registered
        // provider is in, so a round 0 opened while registrations still
        // arrive would close with only the first few.
        let start = Instant::now() + Deadlines::ms(d.start_ms);
        loop {
            let following = self.all_following(nagg, nprov);
            let registered = self.all_registered(nprov).await;
            if following && registered {
                break;
            }
            if Instant::now() >= start {
                tracing::warn!(
                    following,
                    registered,
                    "start deadline passed before every member followed and registered"
                );
                break;
            }
            tokio::select! {
                _ = tokio::time::sleep(std::time::Duration::from_millis(20)) => {}
                _ = until_stop(&mut shutdown) => return Ok(()),
            }
        }
        loop {
            let header_time = {
                let mut c = self.coordinator.lock().await;
                match c.ledger().open_round() {
                    Some(open) => {
                        tracing::info!(round = open.round(), "resuming an open round");
                    }
                    None => {
                        if c.ledger().next_round() >= ops.rounds {
                            break;
                        }
                        let h = c.open_round()?;
                        self.publish_last(&c).await?;
                        tracing::info!(round = h.round, "round opened");
                    }
                }
                Instant::now()
            };
            let sets_deadline =
                header_time + Deadlines::ms(d.contributions_ms) + Deadlines::ms(d.accepted_sets_ms);
            let all_sets = |c: &Coordinator<Rel, S>| {
                c.ledger()
                    .open_round()
                    .is_some_and(|o| o.accepted_sets().len() == nagg)
            };
            if self
                .wait_until(sets_deadline, &mut shutdown, all_sets)
                .await?
            {
                return Ok(());
            }
            {
                // Threshold sharing with an aggregator lost: end the set
                // phase with the t or more sets that came.
                let mut c = self.coordinator.lock().await;
                let posted = c
                    .ledger()
                    .open_round()
                    .filter(|o| o.sets_closed().is_none())
                    .map_or(0, |o| o.accepted_sets().len());
                if posted < nagg && posted >= cfg.threshold() {
                    let closed = c.close_accepted_sets()?;
                    self.publish_last(&c).await?;
                    tracing::info!(
                        round = closed.round,
                        sets = ?closed.aggregators,
                        "accepted-set phase closed without every aggregator"
                    );
                }
            }
            let enough = {
                let c = self.coordinator.lock().await;
                c.ledger()
                    .open_round()
                    .and_then(|o| o.intersection(nagg))
                    .is_some_and(|a| a.len() >= min_batch)
            };
            if enough {
                let sums_deadline = Instant::now() + Deadlines::ms(d.partial_sums_ms);
                let all_sums = |c: &Coordinator<Rel, S>| {
                    c.ledger().open_round().is_some_and(|o| {
                        o.counted_sets(nagg)
                            .is_some_and(|k| o.partial_sums().len() >= k.len())
                    })
                };
                if self
                    .wait_until(sums_deadline, &mut shutdown, all_sums)
                    .await?
                {
                    return Ok(());
                }
            }
            {
                let mut c = self.coordinator.lock().await;
                let close = c.close_round()?;
                self.publish_last(&c).await?;
                tracing::info!(
                    round = close.round,
                    accepted = close.accepted.len(),
                    outcome = ?close.outcome,
                    "round closed"
                );
            }
            if let Some(p) = &ops.bulletin_file {
                self.write_bulletin_file(p).await?;
            }
        }
        if let Some(p) = &ops.bulletin_file {
            self.write_bulletin_file(p).await?;
        }
        tracing::info!(rounds = ops.rounds, "every round closed; lingering");
        tokio::select! {
            _ = tokio::time::sleep(Deadlines::ms(d.linger_ms)) => {}
            _ = until_stop(&mut shutdown) => {}
        }
        Ok(())
    }
}

/// Runs the coordinator until every round is closed (and the linger
/// passed) or the shutdown flag is set.
pub async fn run<Rel, S>(
    ctx: Context,
    setup: Arc<Setup<Rel, S>>,
    faults: CoordinatorFaults,
) -> Result<(), ServiceError>
where
    Rel: UpdateRelation + Send + Sync + 'static,
    S: SharingScheme + Send + Sync + 'static,
{
    if ctx.member.party != PartyId::Coordinator {
        return Err(ServiceError::WrongRole(ctx.member.party));
    }
    let store = Store::open(&ctx.config.operations.coordinator_db).await?;
    let svc = CoordinatorService::open_faulty(
        setup,
        ctx.member.signing.clone(),
        store,
        faults,
        ctx.config.operations.rounds,
    )
    .await?;
    // Every member; the coordinator's own certificate for the status only.
    let server = Server::new(
        Arc::new(ctx.config.consortium.clone()),
        &ctx.member.ca,
        ctx.member.identity.clone(),
        |_| true,
        ctx.limits,
        ctx.caps(),
    )?;
    let addr = ctx.config.operations.coordinator;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| ServiceError::Network(format!("bind {addr}: {e}")))?;
    tracing::info!(%addr, "coordinator listening");
    let mut stop_server = ctx.shutdown.clone();
    let (done_tx, mut done_rx) = watch::channel(false);
    let s2 = svc.clone();
    let server_task =
        tokio::spawn(
            server.serve(listener, move |conn| s2.clone().serve(conn), async move {
                tokio::select! {
                    _ = until_stop(&mut stop_server) => {}
                    _ = until_stop(&mut done_rx) => {}
                }
            }),
        );
    let r = svc.schedule(&ctx, ctx.shutdown.clone()).await;
    let _ = done_tx.send(true);
    let _ = server_task.await;
    r
}
