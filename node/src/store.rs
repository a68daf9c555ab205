//! Durable state in SQLite: the bulletin's entries, an aggregator's outbox
//! and the private messages it received.
//!
//! Every database runs on one dedicated thread ([`Store`] is the async
//! handle: jobs go over a channel, answers come back on a oneshot), so no
//! blocking call runs on the async threads. The database is opened with
//! `journal_mode=WAL` and `synchronous=FULL`: with NORMAL a power loss can
//! drop the last commits, and a party could then sign a different entry at
//! the same sequence number (a fork).
//!
//! - `entries`: appended inside `BEGIN IMMEDIATE`, only at seq = current
//!   length and after the stored head; [`Store::load_bulletin`] re-checks
//!   every entry through [`Bulletin::append`].
//! - `outbox`: a signed message is written ([`Store::put_outbox`]) before
//!   it is sent and re-sent byte for byte after a restart
//!   ([`Store::pending`]), never recomputed.
//! - `received`: keyed by (round, provider, kind); an identical replay is
//!   [`Stored::AlreadyStored`], a different second one a
//!   [`StoreError::ReceivedConflict`].
//! - `evidence`: an aggregator's evidence of coordinator equivocation, one
//!   per sequence number, the first kept ([`Store::put_evidence`]); the
//!   caller checked it.

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use sha2::{Digest, Sha256};
use std::path::Path;
use thiserror::Error;
use tokio::sync::{mpsc, oneshot, watch};
use zkagg_aggregation::bulletin::{Bulletin, Entry};
use zkagg_aggregation::config::ConsortiumConfig;
use zkagg_aggregation::{AggError, PartyId, ProviderId};
use zkagg_zk::encoding;

/// Errors of the store.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    /// SQLite failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The database thread is gone.
    #[error("the database thread stopped")]
    Closed,
    /// An append at a sequence number other than the current length.
    #[error("append at seq {got}, the log has {expected} entries")]
    SeqConflict {
        /// The current length.
        expected: u64,
        /// The entry's seq.
        got: u64,
    },
    /// An append whose prev is not the stored head.
    #[error("entry does not follow the stored head")]
    PrevMismatch,
    /// A stored entry failed its re-check on load (the database was
    /// changed, or written by something else).
    #[error("stored entry {seq} fails its check: {error}")]
    Corrupt {
        /// The entry.
        seq: u64,
        /// Why.
        error: AggError,
    },
    /// A stored column does not decode.
    #[error("stored {0} does not decode")]
    Undecodable(&'static str),
    /// A second, different message for one (round, provider, kind).
    #[error("a different {kind} of {provider} in round {round} is already stored")]
    ReceivedConflict {
        /// Round.
        round: u64,
        /// Provider.
        provider: ProviderId,
        /// Kind.
        kind: String,
    },
    /// A second, different outbox message for one (round, kind, dest).
    #[error("a different {kind} to {dest} in round {round} is already in the outbox")]
    OutboxConflict {
        /// Round.
        round: u64,
        /// Kind.
        kind: String,
        /// Destination.
        dest: PartyId,
    },
}

/// Result of an idempotent write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stored {
    /// Newly stored.
    New,
    /// The identical bytes were already stored.
    AlreadyStored,
}

/// An unsent (or sent) outbox message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxItem {
    /// Row id.
    pub id: i64,
    /// Round.
    pub round: u64,
    /// What it is (the caller's name, e.g. "accepted-set").
    pub kind: String,
    /// Where it goes.
    pub dest: PartyId,
    /// The exact bytes to send.
    pub bytes: Vec<u8>,
}

type Job = Box<dyn FnOnce(&mut Connection) + Send>;

/// The async handle of a database running on its own thread. Dropping
/// every handle stops the thread and closes the database.
#[derive(Clone, Debug)]
pub struct Store {
    jobs: mpsc::Sender<Job>,
    done: watch::Receiver<bool>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS entries(
    seq INTEGER PRIMARY KEY, prev BLOB NOT NULL, sender BLOB NOT NULL,
    payload BLOB NOT NULL, sig BLOB NOT NULL, hash BLOB NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS outbox(
    id INTEGER PRIMARY KEY, round INTEGER NOT NULL, kind TEXT NOT NULL,
    dest BLOB NOT NULL, bytes BLOB NOT NULL, sent INTEGER NOT NULL DEFAULT 0,
    UNIQUE(round, kind, dest));
CREATE TABLE IF NOT EXISTS received(
    round INTEGER NOT NULL, provider INTEGER NOT NULL, kind TEXT NOT NULL,
    bytes BLOB NOT NULL, hash BLOB NOT NULL,
    PRIMARY KEY(round, provider, kind));
CREATE TABLE IF NOT EXISTS evidence(
    seq INTEGER PRIMARY KEY, bytes BLOB NOT NULL);
";

fn party_bytes(p: PartyId) -> Vec<u8> {
    // Plain data: the encoding cannot fail.
    encoding::to_bytes(&p).unwrap_or_default()
}

fn party_from(bytes: &[u8]) -> Result<PartyId, StoreError> {
    encoding::from_bytes_capped(bytes, 16).map_err(|_| StoreError::Undecodable("party"))
}

fn u64_col(v: i64) -> Result<u64, StoreError> {
    u64::try_from(v).map_err(|_| StoreError::Undecodable("integer"))
}

fn i64_col(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Undecodable("integer"))
}

impl Store {
    /// Opens (or creates) the database at `path` on a thread of its own.
    pub async fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        let (ready_tx, ready_rx) = oneshot::channel();
        let (jobs, mut rx) = mpsc::channel::<Job>(64);
        let (done_tx, done) = watch::channel(false);
        std::thread::Builder::new()
            .name("zkagg-sqlite".into())
            .spawn(move || {
                let mut conn = match Self::init(&path) {
                    Ok(c) => {
                        let _ = ready_tx.send(Ok(()));
                        c
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                while let Some(job) = rx.blocking_recv() {
                    job(&mut conn);
                }
                drop(conn);
                let _ = done_tx.send(true);
            })
            .map_err(|_| StoreError::Closed)?;
        ready_rx.await.map_err(|_| StoreError::Closed)??;
        Ok(Store { jobs, done })
    }

    fn init(path: &Path) -> Result<Connection, StoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let mode: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Undecodable("journal mode"));
        }
        conn.execute_batch("PRAGMA synchronous=FULL;")?;
        conn.execute_batch(SCHEMA)?;
        Ok(conn)
    }

    /// Runs `f` on the database thread.
    async fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<R, StoreError> + Send + 'static,
    ) -> Result<R, StoreError> {
        let (tx, rx) = oneshot::channel();
        let job: Job = Box::new(move |conn| {
            let _ = tx.send(f(conn));
        });
        self.jobs.send(job).await.map_err(|_| StoreError::Closed)?;
        rx.await.map_err(|_| StoreError::Closed)?
    }

    /// The journal mode and synchronous level in force (for checks).
    pub async fn pragmas(&self) -> Result<(String, i64), StoreError> {
        self.call(|c| {
            let mode: String = c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
            let sync: i64 = c.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
            Ok((mode, sync))
        })
        .await
    }

    /// Appends `entry` at the end of the log: only at seq = current length
    /// and after the stored head, inside `BEGIN IMMEDIATE`. The caller has
    /// checked the entry against the bulletin.
    pub async fn append_entry(&self, entry: &Entry) -> Result<(), StoreError> {
        let e = entry.clone();
        let hash = entry.hash();
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let len: i64 = tx.query_row("SELECT COUNT(*) FROM entries", [], |r| r.get(0))?;
            let len = u64_col(len)?;
            if e.seq != len {
                return Err(StoreError::SeqConflict {
                    expected: len,
                    got: e.seq,
                });
            }
            if len > 0 {
                let head: Vec<u8> = tx.query_row(
                    "SELECT hash FROM entries WHERE seq = ?1",
                    [i64_col(len - 1)?],
                    |r| r.get(0),
                )?;
                if head[..] != e.prev[..] {
                    return Err(StoreError::PrevMismatch);
                }
            }
            tx.execute(
                "INSERT INTO entries(seq, prev, sender, payload, sig, hash)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    i64_col(e.seq)?,
                    &e.prev[..],
                    party_bytes(e.sender),
                    &e.payload,
                    &e.signature[..],
                    &hash[..]
                ],
            )?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    /// The stored entries from `from_seq` on (at most `max`).
    pub async fn entries(&self, from_seq: u64, max: usize) -> Result<Vec<Entry>, StoreError> {
        self.call(move |c| {
            let mut st = c.prepare(
                "SELECT seq, prev, sender, payload, sig FROM entries
                 WHERE seq >= ?1 ORDER BY seq LIMIT ?2",
            )?;
            let rows = st.query_map(
                params![i64_col(from_seq)?, i64::try_from(max).unwrap_or(i64::MAX)],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, Vec<u8>>(1)?,
                        r.get::<_, Vec<u8>>(2)?,
                        r.get::<_, Vec<u8>>(3)?,
                        r.get::<_, Vec<u8>>(4)?,
                    ))
                },
            )?;
            let mut out = Vec::new();
            for row in rows {
                let (seq, prev, sender, payload, sig) = row?;
                out.push(Entry {
                    seq: u64_col(seq)?,
                    prev: prev
                        .try_into()
                        .map_err(|_| StoreError::Undecodable("prev"))?,
                    sender: party_from(&sender)?,
                    payload,
                    signature: sig
                        .try_into()
                        .map_err(|_| StoreError::Undecodable("signature"))?,
                });
            }
            Ok(out)
        })
        .await
    }

    /// Loads the bulletin, re-checking every stored entry (chain,
    /// signature, payload, sender) and that each stored hash is the
    /// entry's.
    pub async fn load_bulletin(&self, config: ConsortiumConfig) -> Result<Bulletin, StoreError> {
        let mut b = Bulletin::new(config).map_err(|error| StoreError::Corrupt { seq: 0, error })?;
        let hashes: Vec<Vec<u8>> = self
            .call(|c| {
                let mut st = c.prepare("SELECT hash FROM entries ORDER BY seq")?;
                let rows = st.query_map([], |r| r.get(0))?;
                Ok(rows.collect::<Result<Vec<Vec<u8>>, _>>()?)
            })
            .await?;
        const PAGE: usize = 1024;
        let mut next = 0u64;
        loop {
            let page = self.entries(next, PAGE).await?;
            let n = page.len();
            for e in page {
                let seq = e.seq;
                let stored = hashes.get(seq as usize).map(Vec::as_slice);
                if stored != Some(&e.hash()[..]) {
                    return Err(StoreError::Undecodable("hash"));
                }
                b.append(e)
                    .map_err(|error| StoreError::Corrupt { seq, error })?;
            }
            next = b.len();
            if n < PAGE {
                return Ok(b);
            }
        }
    }

    /// Writes a message to the outbox before it is sent (durable when this
    /// returns). The identical message again is [`Stored::AlreadyStored`]
    /// with the first id; a different one for the same (round, kind, dest)
    /// is refused, so a restarted party re-sends instead of re-signing.
    pub async fn put_outbox(
        &self,
        round: u64,
        kind: &str,
        dest: PartyId,
        bytes: &[u8],
    ) -> Result<(i64, Stored), StoreError> {
        let kind = kind.to_owned();
        let bytes = bytes.to_vec();
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let d = party_bytes(dest);
            let existing: Option<(i64, Vec<u8>)> = tx
                .query_row(
                    "SELECT id, bytes FROM outbox WHERE round = ?1 AND kind = ?2 AND dest = ?3",
                    params![i64_col(round)?, &kind, &d],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let out = match existing {
                Some((id, b)) if b == bytes => (id, Stored::AlreadyStored),
                Some(_) => return Err(StoreError::OutboxConflict { round, kind, dest }),
                None => {
                    tx.execute(
                        "INSERT INTO outbox(round, kind, dest, bytes, sent)
                         VALUES (?1, ?2, ?3, ?4, 0)",
                        params![i64_col(round)?, &kind, &d, &bytes],
                    )?;
                    (tx.last_insert_rowid(), Stored::New)
                }
            };
            tx.commit()?;
            Ok(out)
        })
        .await
    }

    /// The outbox message for (round, kind, dest), sent or not.
    pub async fn outbox_message(
        &self,
        round: u64,
        kind: &str,
        dest: PartyId,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let kind = kind.to_owned();
        self.call(move |c| {
            Ok(c.query_row(
                "SELECT bytes FROM outbox WHERE round = ?1 AND kind = ?2 AND dest = ?3",
                params![i64_col(round)?, &kind, &party_bytes(dest)],
                |r| r.get(0),
            )
            .optional()?)
        })
        .await
    }

    /// The unsent outbox messages, in the order they were written.
    pub async fn pending(&self) -> Result<Vec<OutboxItem>, StoreError> {
        self.call(|c| {
            let mut st = c.prepare(
                "SELECT id, round, kind, dest, bytes FROM outbox WHERE sent = 0 ORDER BY id",
            )?;
            let rows = st.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Vec<u8>>(3)?,
                    r.get::<_, Vec<u8>>(4)?,
                ))
            })?;
            let mut out = Vec::new();
            for row in rows {
                let (id, round, kind, dest, bytes) = row?;
                out.push(OutboxItem {
                    id,
                    round: u64_col(round)?,
                    kind,
                    dest: party_from(&dest)?,
                    bytes,
                });
            }
            Ok(out)
        })
        .await
    }

    /// Marks an outbox message as sent (acknowledged by its recipient).
    pub async fn mark_sent(&self, id: i64) -> Result<(), StoreError> {
        self.call(move |c| {
            c.execute("UPDATE outbox SET sent = 1 WHERE id = ?1", [id])?;
            Ok(())
        })
        .await
    }

    /// Stores a received private message under (round, provider, kind).
    pub async fn put_received(
        &self,
        round: u64,
        provider: ProviderId,
        kind: &str,
        bytes: &[u8],
    ) -> Result<Stored, StoreError> {
        let kind = kind.to_owned();
        let bytes = bytes.to_vec();
        let hash: [u8; 32] = Sha256::digest(&bytes).into();
        self.call(move |c| {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let existing: Option<Vec<u8>> = tx
                .query_row(
                    "SELECT hash FROM received WHERE round = ?1 AND provider = ?2 AND kind = ?3",
                    params![i64_col(round)?, provider.0, &kind],
                    |r| r.get(0),
                )
                .optional()?;
            let out = match existing {
                Some(h) if h[..] == hash[..] => Stored::AlreadyStored,
                Some(_) => {
                    return Err(StoreError::ReceivedConflict {
                        round,
                        provider,
                        kind,
                    })
                }
                None => {
                    tx.execute(
                        "INSERT INTO received(round, provider, kind, bytes, hash)
                         VALUES (?1, ?2, ?3, ?4, ?5)",
                        params![i64_col(round)?, provider.0, &kind, &bytes, &hash[..]],
                    )?;
                    Stored::New
                }
            };
            tx.commit()?;
            Ok(out)
        })
        .await
    }

    /// The stored message for (round, provider, kind), if any.
    pub async fn received(
        &self,
        round: u64,
        provider: ProviderId,
        kind: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let kind = kind.to_owned();
        self.call(move |c| {
            Ok(c.query_row(
                "SELECT bytes FROM received WHERE round = ?1 AND provider = ?2 AND kind = ?3",
                params![i64_col(round)?, provider.0, &kind],
                |r| r.get(0),
            )
            .optional()?)
        })
        .await
    }

    /// Stores evidence of coordinator equivocation at `seq` (encoded; the
    /// caller checked it). Evidence already stored at `seq` is kept:
    /// [`Stored::AlreadyStored`].
    pub async fn put_evidence(&self, seq: u64, bytes: &[u8]) -> Result<Stored, StoreError> {
        let bytes = bytes.to_vec();
        self.call(move |c| {
            let n = c.execute(
                "INSERT OR IGNORE INTO evidence(seq, bytes) VALUES (?1, ?2)",
                params![i64_col(seq)?, &bytes],
            )?;
            Ok(if n == 1 {
                Stored::New
            } else {
                Stored::AlreadyStored
            })
        })
        .await
    }

    /// The stored evidence, by sequence number.
    pub async fn evidence(&self) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        self.call(|c| {
            let mut st = c.prepare("SELECT seq, bytes FROM evidence ORDER BY seq")?;
            let rows = st.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?)))?;
            let mut out = Vec::new();
            for row in rows {
                let (seq, bytes) = row?;
                out.push((u64_col(seq)?, bytes));
            }
            Ok(out)
        })
        .await
    }

    /// Drops this handle and waits until the database is closed (once
    /// every clone of the handle is dropped and the queued jobs ran).
    pub async fn close(self) {
        let mut done = self.done.clone();
        drop(self);
        let _ = done.wait_for(|d| *d).await;
    }
}
