//! Fork detection between aggregators, in both validity modes: each
//! aggregator compares its copy of the bulletin with every other
//! aggregator's, and a fork shown by the coordinator becomes evidence
//! (`zkagg_aggregation::equivocation`) that each of them stores.
//!
//! **Channel.** The aggregator's own endpoint (the one providers deliver
//! shares to) also admits the other aggregators, for the messages of this
//! module only; a provider sending them, or an aggregator sending a
//! delivery, is refused by name and its connection closed.
//!
//! **Head exchange.** After each round close in its copy, and once more
//! after the last one, an aggregator sends each other aggregator
//! [`Control::HeadAt`] (its length and head); the peer answers
//! [`Control::HeadIs`] with its own head at that length, or at its own
//! length if it is shorter. Both sides compare at the common length: equal
//! heads mean equal prefixes (the chain hashes every entry), and the
//! prefix is agreed; a different head is a fork, logged as an error by
//! name (`the coordinator forked the bulletin`).
//!
//! **Evidence exchange.** On a fork, the side that saw it sends each of
//! its coordinator-signed entries beyond the agreed prefix, as an `Entry`
//! frame; the peer answers with its own entry at that sequence number. A
//! pair of coordinator entries at one sequence number that differ is
//! checked ([`Equivocation::check`]: both strictly signed by the
//! coordinator, one position, different) by each side on its own; if it
//! holds, it is stored in the aggregator's database (table `evidence`),
//! written to an export file beside it (`<db>.equivocation-<seq>`, for
//! `zkagg audit --evidence`) and logged by name (`coordinator
//! equivocation: evidence stored`). Anything else (an entry not signed by
//! the coordinator, the same entry twice) is refused by name (`evidence
//! refused`) and stored nowhere.
//!
//! **Ending.** After the last round the aggregator lingers until every
//! other aggregator has been compared with it at its final length (either
//! side may have done the comparison) or a fork with it is on record, at
//! most [`FINAL_BOUND`] past the coordinator's linger; the queries on its
//! copy are answered by its main loop throughout, so the exchange never
//! holds the copy. Not audited.

use super::{Context, ServiceError};
use crate::frame::{Control, WireMessage};
use crate::store::{Store, Stored};
use crate::transport::{Client, Conn};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::{timeout, Instant};
use zkagg_aggregation::bulletin::{Bulletin, Entry};
use zkagg_aggregation::config::ConsortiumConfig;
use zkagg_aggregation::equivocation::Equivocation;
use zkagg_aggregation::{AggregatorId, PartyId};

/// How long the final exchange may go on past the coordinator's linger.
pub const FINAL_BOUND: Duration = Duration::from_secs(2);

/// How long one exchange with one peer may take.
const EXCHANGE_BOUND: Duration = Duration::from_secs(3);

/// How long a query on the copy waits for the main loop.
const QUERY_BOUND: Duration = Duration::from_secs(5);

/// A question about this aggregator's copy of the bulletin.
#[derive(Clone, Copy, Debug)]
pub enum Query {
    /// The length and head at `min(len, own length)`.
    HeadAt(u64),
    /// The entry at a sequence number.
    EntryAt(u64),
    /// The coordinator's entries from one sequence number up to (not
    /// including) another.
    CoordinatorEntries(u64, u64),
}

/// The answer to a [`Query`].
#[derive(Clone, Debug)]
pub enum Answer {
    /// A length and the head there.
    Head(u64, [u8; 32]),
    /// An entry, if the copy has it.
    Entry(Option<Entry>),
    /// Entries.
    Entries(Vec<Entry>),
}

/// A query with the channel for its answer.
pub type Asked = (Query, oneshot::Sender<Answer>);

/// Answers a query from a copy of the bulletin (no I/O).
pub fn answer(b: &Bulletin, q: Query) -> Answer {
    let entries = b.entries();
    let head_at = |len: u64| -> [u8; 32] {
        match len.checked_sub(1) {
            None => b.config_id(),
            Some(i) => usize::try_from(i)
                .ok()
                .and_then(|i| entries.get(i))
                .map_or_else(|| b.head(), Entry::hash),
        }
    };
    match q {
        Query::HeadAt(len) => {
            let len = len.min(b.len());
            Answer::Head(len, head_at(len))
        }
        Query::EntryAt(seq) => Answer::Entry(
            usize::try_from(seq)
                .ok()
                .and_then(|i| entries.get(i))
                .cloned(),
        ),
        Query::CoordinatorEntries(from, upto) => Answer::Entries(
            entries
                .iter()
                .skip(usize::try_from(from).unwrap_or(usize::MAX))
                .take_while(|e| e.seq < upto)
                .filter(|e| e.sender == PartyId::Coordinator)
                .cloned()
                .collect(),
        ),
    }
}

/// What this aggregator knows of its copy compared with a peer's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PeerState {
    /// The copies agree on this many entries.
    Agreed(u64),
    /// The copies differ after this many entries (a fork, no evidence yet).
    Forked(u64),
    /// Evidence of the fork is stored.
    Evidence,
}

/// The head exchange of one aggregator, shared by its endpoint (answering
/// peers) and its watcher (asking them).
pub struct Heads {
    me: AggregatorId,
    config: ConsortiumConfig,
    store: Store,
    db: PathBuf,
    queries: mpsc::Sender<Asked>,
    peers: std::sync::Mutex<BTreeMap<AggregatorId, PeerState>>,
}

/// Why an exchange with a peer stopped.
#[derive(Debug, thiserror::Error)]
enum ExchangeError {
    /// The network, or the peer answered badly.
    #[error("peer: {0}")]
    Peer(String),
    /// The main loop did not answer (it is busy or stopped).
    #[error("this aggregator's main loop did not answer")]
    Local,
}

impl Heads {
    /// The exchange of aggregator `me`, whose main loop answers `queries`.
    pub fn new(
        me: AggregatorId,
        config: ConsortiumConfig,
        store: Store,
        db: PathBuf,
        queries: mpsc::Sender<Asked>,
    ) -> Arc<Heads> {
        Arc::new(Heads {
            me,
            config,
            store,
            db,
            queries,
            peers: Default::default(),
        })
    }

    async fn ask(&self, q: Query) -> Result<Answer, ExchangeError> {
        let (tx, rx) = oneshot::channel();
        self.queries
            .send((q, tx))
            .await
            .map_err(|_| ExchangeError::Local)?;
        match timeout(QUERY_BOUND, rx).await {
            Ok(Ok(a)) => Ok(a),
            _ => Err(ExchangeError::Local),
        }
    }

    async fn head_at(&self, len: u64) -> Result<(u64, [u8; 32]), ExchangeError> {
        match self.ask(Query::HeadAt(len)).await? {
            Answer::Head(l, h) => Ok((l, h)),
            _ => Err(ExchangeError::Local),
        }
    }

    fn state(&self, peer: AggregatorId) -> Option<PeerState> {
        self.peers.lock().ok()?.get(&peer).copied()
    }

    /// Records what a comparison showed: agreement only grows, a fork
    /// stays, evidence is final.
    fn settle(&self, peer: AggregatorId, new: PeerState) {
        let Ok(mut m) = self.peers.lock() else {
            return;
        };
        let s = m.entry(peer).or_insert(PeerState::Agreed(0));
        *s = match (*s, new) {
            (PeerState::Evidence, _) | (_, PeerState::Evidence) => PeerState::Evidence,
            (PeerState::Forked(a), PeerState::Forked(b)) => PeerState::Forked(a.min(b)),
            (PeerState::Forked(a), _) | (_, PeerState::Forked(a)) => PeerState::Forked(a),
            (PeerState::Agreed(a), PeerState::Agreed(b)) => PeerState::Agreed(a.max(b)),
        };
    }

    /// The prefix agreed with `peer` (0 if none is known).
    fn agreed(&self, peer: AggregatorId) -> u64 {
        match self.state(peer) {
            Some(PeerState::Agreed(n)) => n,
            _ => 0,
        }
    }

    /// Whether nothing more is to learn from `peer` at length `len`.
    fn settled(&self, peer: AggregatorId, len: u64) -> bool {
        matches!(self.state(peer), Some(PeerState::Agreed(n)) if n >= len)
            || self.state(peer) == Some(PeerState::Evidence)
    }

    fn fork_seen(&self, peer: AggregatorId, len: u64) {
        if !matches!(
            self.state(peer),
            Some(PeerState::Forked(_) | PeerState::Evidence)
        ) {
            tracing::error!(
                me = self.me.0,
                %peer,
                len,
                "a peer aggregator's head contradicts this copy of the bulletin: the coordinator forked the bulletin"
            );
        }
        self.settle(peer, PeerState::Forked(len));
    }

    /// Checks two entries at one sequence number from `peer`'s copy and
    /// this one; conclusive evidence is stored, exported and logged, and
    /// anything else refused by name. Returns whether it was conclusive.
    async fn consider(&self, peer: AggregatorId, mine: Entry, theirs: Entry) -> bool {
        let ev = Equivocation {
            first: mine,
            second: theirs,
        };
        let seq = match ev.check(&self.config) {
            Ok(seq) => seq,
            Err(error) => {
                tracing::warn!(%peer, seq = ev.second.seq, %error, "evidence refused");
                return false;
            }
        };
        match self.store_evidence(seq, &ev).await {
            Ok(path) => {
                tracing::error!(
                    %peer,
                    seq,
                    file = %path.display(),
                    "coordinator equivocation: evidence stored (two coordinator-signed entries at one sequence number)"
                );
                self.settle(peer, PeerState::Evidence);
                true
            }
            Err(e) => {
                tracing::error!(%e, seq, "cannot store the evidence");
                false
            }
        }
    }

    /// Stores the evidence in the database (the first at a sequence number
    /// is kept) and writes the stored one to its export file.
    async fn store_evidence(&self, seq: u64, ev: &Equivocation) -> Result<PathBuf, ServiceError> {
        let bytes = ev.to_bytes()?;
        let bytes = match self.store.put_evidence(seq, &bytes).await? {
            Stored::New => bytes,
            Stored::AlreadyStored => self
                .store
                .evidence()
                .await?
                .into_iter()
                .find_map(|(s, b)| (s == seq).then_some(b))
                .unwrap_or(bytes),
        };
        let path = evidence_file(&self.db, seq);
        crate::export::write_atomic_async(&path, bytes).await?;
        Ok(path)
    }

    /// Serves an aggregator peer's connection on this aggregator's
    /// endpoint: head questions and entries, until it closes.
    pub async fn serve<T: AsyncRead + AsyncWrite + Unpin>(
        self: Arc<Self>,
        mut conn: Conn<T>,
        status: &super::status::StatusBoard,
    ) {
        let PartyId::Aggregator(peer) = conn.peer() else {
            return;
        };
        loop {
            let reply = match conn.recv().await {
                Ok(Some(WireMessage::Control(Control::Status))) => match status.report() {
                    Some(s) => WireMessage::Control(Control::StatusReport(s)),
                    None => return,
                },
                Ok(Some(WireMessage::Control(Control::HeadAt { len, head }))) => {
                    let Ok((l, h)) = self.head_at(len).await else {
                        return;
                    };
                    if l == len {
                        if h == head {
                            self.settle(peer, PeerState::Agreed(len));
                        } else {
                            self.fork_seen(peer, len);
                        }
                    }
                    WireMessage::Control(Control::HeadIs { len: l, head: h })
                }
                Ok(Some(WireMessage::Entry(theirs))) => {
                    let Ok(Answer::Entry(mine)) = self.ask(Query::EntryAt(theirs.seq)).await else {
                        return;
                    };
                    match mine {
                        Some(mine) => {
                            if mine.sender == PartyId::Coordinator && mine.hash() != theirs.hash() {
                                self.consider(peer, mine.clone(), theirs).await;
                            }
                            WireMessage::Entry(mine)
                        }
                        None => {
                            let Ok((l, h)) = self.head_at(u64::MAX).await else {
                                return;
                            };
                            WireMessage::Control(Control::HeadIs { len: l, head: h })
                        }
                    }
                }
                Ok(None) => return,
                Ok(Some(WireMessage::Delivery(_))) => {
                    return super::aggregator::refuse_delivery_from(conn.peer())
                }
                Ok(Some(m)) => return super::log_closed(conn.peer(), Ok(&m)),
                Err(e) => return super::log_closed(conn.peer(), Err(&e)),
            };
            if conn.send(&reply).await.is_err() {
                return;
            }
        }
    }

    /// One exchange with `peer`: compares heads at the common length, and
    /// on a fork exchanges the coordinator's entries beyond the agreed
    /// prefix. Returns the length compared at.
    async fn exchange(
        &self,
        client: &Client,
        peer: AggregatorId,
        addr: SocketAddr,
    ) -> Result<u64, ExchangeError> {
        let (len, head) = self.head_at(u64::MAX).await?;
        let bad = |e: String| ExchangeError::Peer(e);
        let mut conn = client
            .connect(addr, PartyId::Aggregator(peer))
            .await
            .map_err(|e| bad(e.to_string()))?;
        let ask = WireMessage::Control(Control::HeadAt { len, head });
        conn.send(&ask).await.map_err(|e| bad(e.to_string()))?;
        let (m, theirs) = match conn.recv().await {
            Ok(Some(WireMessage::Control(Control::HeadIs { len: m, head }))) if m <= len => {
                (m, head)
            }
            other => return Err(bad(format!("unexpected answer: {other:?}"))),
        };
        let (_, mine) = self.head_at(m).await?;
        if mine == theirs {
            self.settle(peer, PeerState::Agreed(m));
            return Ok(m);
        }
        self.fork_seen(peer, m);
        let from = self.agreed(peer);
        let Answer::Entries(own) = self.ask(Query::CoordinatorEntries(from, m)).await? else {
            return Err(ExchangeError::Local);
        };
        for e in own {
            let h = e.hash();
            conn.send(&WireMessage::Entry(e.clone()))
                .await
                .map_err(|e| bad(e.to_string()))?;
            match conn.recv().await {
                Ok(Some(WireMessage::Entry(t))) if t.seq == e.seq => {
                    if t.hash() != h
                        && t.sender == PartyId::Coordinator
                        && self.consider(peer, e, t).await
                    {
                        break;
                    }
                }
                Ok(Some(WireMessage::Control(Control::HeadIs { .. }))) => break,
                other => return Err(bad(format!("unexpected answer: {other:?}"))),
            }
        }
        conn.close().await;
        Ok(m)
    }
}

/// The export file of the evidence at `seq`, beside the database `db`.
pub fn evidence_file(db: &std::path::Path, seq: u64) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".equivocation-{seq}"));
    db.with_file_name(name)
}

/// When the watcher compares: after each round close (`last` false), and
/// once after the last one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Trigger {
    /// Round closes seen.
    pub closes: u64,
    /// Every round is closed: compare at the final length, then stop.
    pub last: bool,
}

/// Compares this aggregator's copy with every peer's at each trigger, on a
/// task of its own; `done` becomes `true` after the last comparison.
pub fn spawn_watcher(
    heads: Arc<Heads>,
    ctx: &Context,
    mut trigger: watch::Receiver<Trigger>,
    done: watch::Sender<bool>,
) {
    let client = ctx.client();
    let me = heads.me;
    let peers: Vec<(AggregatorId, SocketAddr)> = (0..ctx.config.consortium.num_aggregators()
        as u32)
        .map(AggregatorId)
        .filter(|&s| s != me)
        .filter_map(|s| ctx.config.aggregator_addr(s).map(|a| (s, a)))
        .collect();
    let bound =
        crate::config::Deadlines::ms(ctx.config.operations.deadlines.linger_ms) + FINAL_BOUND;
    tokio::spawn(async move {
        loop {
            if trigger.changed().await.is_err() {
                return;
            }
            let t = *trigger.borrow_and_update();
            if !t.last {
                for &(peer, addr) in &peers {
                    if heads.state(peer) == Some(PeerState::Evidence) {
                        continue;
                    }
                    exchange_logged(&heads, &client, peer, addr, EXCHANGE_BOUND).await;
                }
                continue;
            }
            let end = Instant::now() + bound;
            loop {
                let Ok((len, _)) = heads.head_at(u64::MAX).await else {
                    break;
                };
                let pending: Vec<_> = peers
                    .iter()
                    .filter(|(p, _)| !heads.settled(*p, len))
                    .copied()
                    .collect();
                if pending.is_empty() {
                    tracing::info!(len, "every aggregator's head compared");
                    break;
                }
                if Instant::now() >= end {
                    let names: Vec<u32> = pending.iter().map(|(p, _)| p.0).collect();
                    tracing::warn!(len, aggregators = ?names, "heads not compared at the final length before the bound");
                    break;
                }
                for (peer, addr) in pending {
                    let left = end.saturating_duration_since(Instant::now());
                    exchange_logged(&heads, &client, peer, addr, left.min(EXCHANGE_BOUND)).await;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            let _ = done.send(true);
            return;
        }
    });
}

/// One bounded exchange; a failure is only a debug line (the next trigger
/// or retry tries again).
async fn exchange_logged(
    heads: &Heads,
    client: &Client,
    peer: AggregatorId,
    addr: SocketAddr,
    bound: Duration,
) {
    match timeout(bound, heads.exchange(client, peer, addr)).await {
        Ok(Ok(len)) => tracing::debug!(%peer, len, "heads compared"),
        Ok(Err(e)) => tracing::debug!(%peer, error = %e, "head exchange ended"),
        Err(_) => tracing::debug!(%peer, "head exchange timed out"),
    }
}
