//! The role services: tokio drivers of the sans-IO cores, one process per
//! member. They take the steps of `zkagg_aggregation::sim` in the same
//! order, across processes:
//!
//! 1. the coordinator opens round t on its bulletin;
//! 2. each provider, following the bulletin, computes its update, proves,
//!    posts its contribution and delivers share s to aggregator s;
//! 3. each aggregator stores every delivery before acknowledging it; at the
//!    contribution deadline (in the MPC mode after the two-party bound
//!    check with its peer, [`twopc`]) it decides and posts its accepted set;
//! 4. once the set phase is over (every set on the bulletin, or, with
//!    threshold sharing and an aggregator lost, the coordinator's
//!    `AcceptedSetsClosed` over the t or more that came by the deadline) and
//!    the intersection reaches the minimum batch, each aggregator posts its
//!    partial sum;
//! 5. the coordinator closes the round with `close_round` when every
//!    message is in or a deadline passed (released, or aborted with the
//!    reason on the bulletin).
//!
//! Every party verifies every entry it follows into its own `Bulletin` and
//! `Ledger`. Posting signs at the follower's head; a moved head is fetched
//! and the post retried (bounded). Not audited.

pub mod aggregator;
pub mod coordinator;
pub mod heads;
pub mod provider;
pub mod status;
pub mod twopc;

use crate::config::{ConfigFileError, Member, NodeConfig, SetupVisitor};
use crate::frame::{Control, FrameCaps, PostRefusal, WireMessage};
use crate::input::{DataSource, InputError, NodeRelation};
use crate::store::StoreError;
use crate::transport::{Client, Limits, TransportError};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;
use tokio::sync::{mpsc, watch};
use zkagg_aggregation::bulletin::{Bulletin, Entry};
use zkagg_aggregation::ledger::{Applied, Ledger};
use zkagg_aggregation::msgs::PublicMessage;
use zkagg_aggregation::relation::UpdateRelation;
use zkagg_aggregation::setup::Setup;
use zkagg_aggregation::{AggError, PartyId};

/// Errors of a service, by what an operator does about them.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ServiceError {
    /// The config file or the member folder.
    #[error("config: {0}")]
    Config(#[from] ConfigFileError),
    /// A provider's data: missing, unreadable, a bad row (with its line),
    /// or not the data it registered.
    #[error("data: {0}")]
    Data(#[from] InputError),
    /// The member folder is for another role.
    #[error("the member folder is {0}'s, not one of this role: give --member the folder of a member of this role, or run {0}'s role with it")]
    WrongRole(PartyId),
    /// The network: a peer unreachable past the retry bound, a listener
    /// that cannot bind.
    #[error("network: {0}")]
    Network(String),
    /// The durable store.
    #[error("store: {0}")]
    Store(#[from] StoreError),
    /// The protocol: a bad entry from the coordinator, a state that does
    /// not match the stored one.
    #[error("protocol: {0}")]
    Protocol(String),
    /// The coordinator refused a post (typed, so a caller can tell a late
    /// message from a bug).
    #[error("post refused: {0:?}")]
    Refused(PostRefusal),
}

impl ServiceError {
    /// The process exit code: 3 config (or data), 4 network, 5 protocol,
    /// 6 store.
    pub fn exit_code(&self) -> u8 {
        match self {
            ServiceError::Config(_) | ServiceError::Data(_) | ServiceError::WrongRole(_) => 3,
            ServiceError::Network(_) => 4,
            ServiceError::Protocol(_) | ServiceError::Refused(_) => 5,
            ServiceError::Store(_) => 6,
        }
    }
}

impl From<AggError> for ServiceError {
    fn from(e: AggError) -> Self {
        ServiceError::Protocol(e.to_string())
    }
}

impl From<TransportError> for ServiceError {
    fn from(e: TransportError) -> Self {
        ServiceError::Network(e.to_string())
    }
}

/// What every service starts from.
pub struct Context {
    /// The loaded consortium file.
    pub config: Arc<NodeConfig>,
    /// This member's secrets.
    pub member: Member,
    /// The member folder (a provider keeps its store there).
    pub member_dir: std::path::PathBuf,
    /// Transport limits.
    pub limits: Limits,
    /// Becomes `true` when the service must stop (SIGTERM).
    pub shutdown: watch::Receiver<bool>,
}

impl Context {
    /// The frame caps of the config.
    pub fn caps(&self) -> FrameCaps {
        FrameCaps::for_config(&self.config.consortium)
    }

    /// A client presenting this member's identity.
    pub fn client(&self) -> Client {
        Client::new(
            &self.config.consortium,
            self.member.ca.clone(),
            self.member.identity.clone(),
            self.limits,
            self.caps(),
        )
    }
}

/// Logs why a service closes a connection after `recv` failed or brought
/// a message its endpoint does not take, naming the rejection (the typed
/// error's variant): a bad frame is a warning; a peer that went away or
/// stayed idle is only a debug line.
pub fn log_closed(peer: PartyId, why: Result<&WireMessage, &TransportError>) {
    match why {
        Ok(m) => {
            tracing::warn!(%peer, kind = ?m.kind(), "unexpected message kind; connection closed")
        }
        Err(TransportError::Frame(crate::frame::FrameError::Io(e))) => {
            tracing::debug!(%peer, %e, "connection lost")
        }
        Err(TransportError::Timeout) => tracing::debug!(%peer, "connection idle; closed"),
        Err(e) => tracing::warn!(%peer, error = ?e, "bad frame; connection closed"),
    }
}

/// Limits for services: the follower idle timeout is covered by the
/// coordinator's heartbeats ([`HEARTBEAT`]).
pub fn service_limits() -> Limits {
    Limits {
        handshake_timeout: Duration::from_secs(5),
        read_timeout: Duration::from_secs(10),
        idle_timeout: Duration::from_secs(30),
        max_connections: 1024,
        max_per_peer: 8,
    }
}

/// How often the coordinator sends a heartbeat to an idle follower.
pub const HEARTBEAT: Duration = Duration::from_secs(2);

/// How long a party keeps trying to reach a peer before it gives up.
pub const RECONNECT_BOUND: Duration = Duration::from_secs(30);

/// Whether the shutdown flag is set.
pub fn stopping(rx: &watch::Receiver<bool>) -> bool {
    *rx.borrow()
}

/// Waits until the shutdown flag is set.
pub async fn until_stop(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|s| *s).await;
}

/// A party's verified copy of the bulletin and its ledger.
pub struct View<Rel, S> {
    /// The bulletin, every entry checked.
    pub bulletin: Bulletin,
    /// The sequence state.
    pub ledger: Ledger<Rel, S>,
}

impl<Rel: UpdateRelation, S> View<Rel, S> {
    /// An empty view.
    pub fn new(setup: &Arc<Setup<Rel, S>>) -> Result<Self, AggError> {
        Ok(View {
            bulletin: Bulletin::new(setup.config().clone())?,
            ledger: Ledger::new(setup.clone()),
        })
    }

    /// Checks and appends the next entry; a stray entry (one that breaks a
    /// sequence rule) is kept in the chain but not applied, as the sim does.
    pub fn apply(&mut self, e: Entry) -> Result<Option<Applied>, AggError> {
        let (seq, sender) = (e.seq, e.sender);
        let msg = self.bulletin.append(e)?;
        Ok(self.ledger.apply(seq, sender, msg).ok())
    }
}

/// The reconnect policy: jittered exponential backoff from 50 ms, doubling
/// up to 1 s between attempts, until the waits add up to `budget`.
pub fn reconnect_backoff(budget: Duration) -> backon::ExponentialBuilder {
    backon::ExponentialBuilder::new()
        .with_min_delay(Duration::from_millis(50))
        .with_max_delay(Duration::from_secs(1))
        .with_factor(2.0)
        .with_jitter()
        .without_max_times()
        .with_total_delay(Some(budget))
}

/// Follows the coordinator's bulletin on a task of its own, reconnecting
/// (from the next sequence number, with [`reconnect_backoff`]) after any
/// failure, and hands the entries over in order. The channel closes when
/// the coordinator stays unreachable for [`RECONNECT_BOUND`].
pub fn spawn_follower(client: Client, addr: SocketAddr) -> mpsc::UnboundedReceiver<Entry> {
    use backon::Retryable;
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut next = 0u64;
        loop {
            if tx.is_closed() {
                return;
            }
            let open = || async {
                let mut conn = client.connect(addr, PartyId::Coordinator).await?;
                let follow = WireMessage::Control(Control::Follow { from_seq: next });
                conn.send(&follow).await?;
                Ok::<_, TransportError>(conn)
            };
            let conn = open
                .retry(reconnect_backoff(RECONNECT_BOUND))
                .notify(|e, wait| tracing::debug!(%e, ?wait, "cannot reach the coordinator"))
                .await;
            let mut conn = match conn {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(%e, "coordinator unreachable, giving up");
                    return;
                }
            };
            loop {
                match conn.recv().await {
                    Ok(Some(WireMessage::Entry(e))) if e.seq == next => {
                        next += 1;
                        if tx.send(e).is_err() {
                            return;
                        }
                    }
                    Ok(Some(WireMessage::Control(Control::Heartbeat { .. }))) => {}
                    Ok(Some(_)) => {
                        tracing::warn!("unexpected message from the coordinator");
                        break;
                    }
                    Ok(None) => break,
                    Err(e) => {
                        tracing::debug!(%e, "follow connection failed");
                        break;
                    }
                }
            }
            // A coordinator that accepts and drops at once is not hammered.
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    rx
}

/// A connection for posting, reopened when it fails.
pub struct Poster {
    client: Client,
    addr: SocketAddr,
    conn: Option<crate::transport::ClientConn>,
}

/// Most attempts at posting one message.
pub const MAX_POST_ATTEMPTS: usize = 200;

impl Poster {
    /// A poster to the coordinator at `addr`.
    pub fn new(client: Client, addr: SocketAddr) -> Poster {
        Poster {
            client,
            addr,
            conn: None,
        }
    }

    /// Sends one signed entry; `Err` when the coordinator cannot be
    /// reached or answered badly (the connection is dropped).
    async fn send(&mut self, entry: Entry) -> Result<Result<u64, PostRefusal>, TransportError> {
        if self.conn.is_none() {
            self.conn = Some(self.client.connect(self.addr, PartyId::Coordinator).await?);
        }
        let Some(conn) = self.conn.as_mut() else {
            return Err(TransportError::Timeout);
        };
        let r = async {
            conn.send(&WireMessage::Entry(entry)).await?;
            match conn.recv().await? {
                Some(WireMessage::Control(Control::Posted { seq })) => Ok(Ok(seq)),
                Some(WireMessage::Control(Control::Refused(r))) => Ok(Err(r)),
                _ => Err(TransportError::Timeout),
            }
        }
        .await;
        if r.is_err() {
            self.conn = None;
        }
        r
    }

    /// Signs `msg` as `sender` at the view's head and posts it, until it is
    /// on the bulletin: a stale head waits for the follower to catch up and
    /// retries; `done` tells from the view whether the message is already
    /// posted (a lost answer, or a restart). An unreachable or busy
    /// coordinator is retried after the waits of [`reconnect_backoff`].
    /// Bounded by [`MAX_POST_ATTEMPTS`] and [`RECONNECT_BOUND`] of waiting.
    pub async fn post<Rel: UpdateRelation, S>(
        &mut self,
        view: &mut View<Rel, S>,
        entries: &mut mpsc::UnboundedReceiver<Entry>,
        key: &ed25519_dalek::SigningKey,
        sender: PartyId,
        msg: &PublicMessage,
        done: impl Fn(&View<Rel, S>) -> bool,
    ) -> Result<(), ServiceError> {
        use backon::BackoffBuilder;
        // The waits after an unreachable or busy coordinator.
        let mut waits = reconnect_backoff(RECONNECT_BOUND).build();
        for attempt in 0..MAX_POST_ATTEMPTS {
            drain(view, entries)?;
            if done(view) {
                return Ok(());
            }
            let b = &view.bulletin;
            let entry = Entry::sign(&b.config_id(), b.len(), b.head(), sender, key, msg)?;
            match self.send(entry).await {
                Ok(Ok(seq)) => {
                    tracing::debug!(seq, attempt, "posted");
                    // Our entry comes back through the follower.
                    return Ok(());
                }
                Ok(Err(PostRefusal::StaleHead { len })) => {
                    catch_up(view, entries, len).await?;
                }
                Ok(Err(PostRefusal::Unavailable)) => match waits.next() {
                    Some(wait) => tokio::time::sleep(wait).await,
                    None => return Err(ServiceError::Refused(PostRefusal::Unavailable)),
                },
                Ok(Err(r)) => {
                    return Err(ServiceError::Refused(r));
                }
                Err(e) => match waits.next() {
                    Some(wait) => {
                        tracing::debug!(%e, ?wait, "cannot post; retrying");
                        tokio::time::sleep(wait).await;
                    }
                    None => return Err(e.into()),
                },
            }
        }
        Err(ServiceError::Protocol("post: too many stale heads".into()))
    }
}

/// Applies every entry already received.
pub fn drain<Rel: UpdateRelation, S>(
    view: &mut View<Rel, S>,
    entries: &mut mpsc::UnboundedReceiver<Entry>,
) -> Result<(), ServiceError> {
    while let Ok(e) = entries.try_recv() {
        view.apply(e)?;
    }
    Ok(())
}

/// Waits (bounded) until the view has `len` entries.
pub async fn catch_up<Rel: UpdateRelation, S>(
    view: &mut View<Rel, S>,
    entries: &mut mpsc::UnboundedReceiver<Entry>,
    len: u64,
) -> Result<(), ServiceError> {
    let deadline = tokio::time::Instant::now() + RECONNECT_BOUND;
    while view.bulletin.len() < len {
        match tokio::time::timeout_at(deadline, entries.recv()).await {
            Ok(Some(e)) => {
                view.apply(e)?;
            }
            Ok(None) => return Err(ServiceError::Network("coordinator unreachable".into())),
            Err(_) => return Err(ServiceError::Network("follower is not catching up".into())),
        }
    }
    Ok(())
}

/// The next entry, applied; `None` at shutdown.
pub async fn next_entry<Rel: UpdateRelation, S>(
    view: &mut View<Rel, S>,
    entries: &mut mpsc::UnboundedReceiver<Entry>,
    shutdown: &mut watch::Receiver<bool>,
    wake: Option<tokio::time::Instant>,
) -> Result<Option<()>, ServiceError> {
    let sleep = async {
        match wake {
            Some(t) => tokio::time::sleep_until(t).await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        e = entries.recv() => match e {
            Some(e) => {
                view.apply(e)?;
                drain(view, entries)?;
                Ok(Some(()))
            }
            None => Err(ServiceError::Network("coordinator unreachable".into())),
        },
        _ = sleep => Ok(Some(())),
        _ = until_stop(shutdown) => Ok(None),
    }
}

/// A role to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The coordinator, with the faults it is told to commit.
    Coordinator(coordinator::CoordinatorFaults),
    /// An aggregator, with the faults it is told to commit.
    Aggregator(aggregator::AggregatorFaults),
    /// A provider, with the faults it is told to commit.
    Provider(provider::ProviderFaults),
}

async fn run_setup<Rel, S>(
    role: Role,
    ctx: Context,
    setup: Setup<Rel, S>,
    data: Option<DataSource>,
) -> Result<(), ServiceError>
where
    Rel: NodeRelation,
    S: zkagg_aggregation::setup::SharingScheme + Send + Sync + 'static,
{
    let setup = Arc::new(setup);
    match role {
        Role::Coordinator(faults) => coordinator::run(ctx, setup, faults).await,
        Role::Aggregator(faults) => aggregator::run(ctx, setup, faults).await,
        Role::Provider(faults) => {
            let PartyId::Provider(me) = ctx.member.party else {
                return Err(ServiceError::WrongRole(ctx.member.party));
            };
            let input = setup.relation().provider_input(
                &ctx.config,
                me,
                &ctx.member.signing,
                data.as_ref(),
            )?;
            provider::run(ctx, setup, input, faults).await
        }
    }
}

/// Runs a role with the setup's concrete types.
struct RunRole {
    role: Role,
    ctx: Context,
    data: Option<DataSource>,
}

impl SetupVisitor for RunRole {
    type Output = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), ServiceError>>>>;

    fn visit<Rel, S>(self, setup: Setup<Rel, S>) -> Self::Output
    where
        Rel: NodeRelation,
        S: zkagg_aggregation::setup::SharingScheme + Send + Sync + 'static,
    {
        Box::pin(run_setup(self.role, self.ctx, setup, self.data))
    }
}

/// Loads the consortium file and the member folder and runs `role` until
/// it is done or `shutdown` becomes `true`.
pub async fn run(
    role: Role,
    config_file: &std::path::Path,
    member_dir: &std::path::Path,
    shutdown: watch::Receiver<bool>,
) -> Result<(), ServiceError> {
    run_with_data(role, config_file, member_dir, None, shutdown).await
}

/// [`run`] with a provider's data source (R_train).
pub async fn run_with_data(
    role: Role,
    config_file: &std::path::Path,
    member_dir: &std::path::Path,
    data: Option<DataSource>,
    shutdown: watch::Receiver<bool>,
) -> Result<(), ServiceError> {
    let config = NodeConfig::load(config_file)?;
    let member = Member::load(member_dir, &config.consortium)?;
    let expected = matches!(
        (role, member.party),
        (Role::Coordinator(_), PartyId::Coordinator)
            | (Role::Aggregator(_), PartyId::Aggregator(_))
            | (Role::Provider(_), PartyId::Provider(_))
    );
    if !expected {
        return Err(ServiceError::WrongRole(member.party));
    }
    tracing::info!(party = %member.party, config_id = %crate::pki::party_name(&config.consortium.id(), member.party), "member loaded");
    let setup = crate::config::build_setup(&config.consortium)?;
    let ctx = Context {
        config: Arc::new(config),
        member,
        member_dir: member_dir.to_path_buf(),
        limits: service_limits(),
        shutdown,
    };
    setup.visit(RunRole { role, ctx, data }).await
}
