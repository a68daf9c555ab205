//! SQLite storage: the bulletin log, the outbox and received messages.

mod common;

use zkagg_aggregation::bulletin::{Bulletin, Entry};
use zkagg_aggregation::msgs::{PublicMessage, Registration, RoundHeader};
use zkagg_aggregation::sim::demo_keys;
use zkagg_aggregation::{AggregatorId, PartyId, ProviderId};
use zkagg_node::store::{Store, StoreError, Stored};
use zkagg_zk::Fr;

fn tmpdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("zkagg-node-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A bulletin with a registration per provider and a round header.
fn signed_entries() -> (Bulletin, Vec<Entry>) {
    let config = (*common::config()).clone();
    let mut b = Bulletin::new(config).unwrap();
    let providers = demo_keys(11, 2, 3);
    let coordinator = demo_keys(11, 0, 1);
    for (i, k) in providers.iter().enumerate() {
        let p = ProviderId(i as u32);
        let msg = PublicMessage::Registration(Registration {
            provider: p,
            data_commitment: Fr::from(i as u64 + 1),
        });
        b.post(PartyId::Provider(p), k, &msg).unwrap();
    }
    let msg = PublicMessage::RoundHeader(RoundHeader {
        round: 0,
        model: vec![0; 4],
    });
    b.post(PartyId::Coordinator, &coordinator[0], &msg).unwrap();
    let entries = b.entries().to_vec();
    (b, entries)
}

#[tokio::test]
async fn entries_round_trip_and_are_rechecked_on_load() {
    let dir = tmpdir("entries");
    let path = dir.join("bulletin.sqlite");
    let (b, entries) = signed_entries();
    let store = Store::open(&path).await.unwrap();
    assert_eq!(store.pragmas().await.unwrap(), ("wal".to_string(), 2));
    for e in &entries {
        store.append_entry(e).await.unwrap();
    }
    store.close().await;
    let store = Store::open(&path).await.unwrap();
    let loaded = store.load_bulletin(b.config().clone()).await.unwrap();
    assert_eq!(loaded.entries(), b.entries());
    assert_eq!(loaded.head(), b.head());
    assert_eq!(store.entries(2, 10).await.unwrap(), entries[2..].to_vec());
    store.close().await;

    // A changed byte in a stored payload is caught on load.
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute(
            "UPDATE entries SET payload = CAST(payload || x'00' AS BLOB) WHERE seq = 1",
            [],
        )
        .unwrap();
    }
    let store = Store::open(&path).await.unwrap();
    let err = store.load_bulletin(b.config().clone()).await.unwrap_err();
    assert!(matches!(err, StoreError::Undecodable("hash")), "{err:?}");
}

#[tokio::test]
async fn forged_rows_fail_the_recheck() {
    let dir = tmpdir("forged");
    let path = dir.join("bulletin.sqlite");
    let (b, entries) = signed_entries();
    let store = Store::open(&path).await.unwrap();
    // An entry with a bad signature but a consistent stored hash.
    let mut forged = entries[0].clone();
    forged.signature[0] ^= 1;
    store.append_entry(&forged).await.unwrap();
    let err = store.load_bulletin(b.config().clone()).await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { seq: 0, .. }), "{err:?}");
}

#[tokio::test]
async fn appends_at_the_wrong_seq_or_head_are_refused() {
    let dir = tmpdir("seq");
    let (_, entries) = signed_entries();
    let store = Store::open(dir.join("b.sqlite")).await.unwrap();
    let err = store.append_entry(&entries[1]).await.unwrap_err();
    assert!(matches!(
        err,
        StoreError::SeqConflict {
            expected: 0,
            got: 1
        }
    ));
    store.append_entry(&entries[0]).await.unwrap();
    let err = store.append_entry(&entries[0]).await.unwrap_err();
    assert!(matches!(
        err,
        StoreError::SeqConflict {
            expected: 1,
            got: 0
        }
    ));
    let mut wrong_prev = entries[1].clone();
    wrong_prev.prev = [0; 32];
    let err = store.append_entry(&wrong_prev).await.unwrap_err();
    assert!(matches!(err, StoreError::PrevMismatch));
    store.append_entry(&entries[1]).await.unwrap();
    assert_eq!(store.entries(0, 100).await.unwrap(), entries[..2].to_vec());
}

#[tokio::test]
async fn outbox_entries_written_before_sending_survive_a_reopen() {
    let dir = tmpdir("outbox");
    let path = dir.join("agg.sqlite");
    let coord = PartyId::Coordinator;
    let peer = PartyId::Aggregator(AggregatorId(1));
    let a = vec![1u8, 2, 3, 0, 255];
    let b = vec![9u8; 1000];
    let store = Store::open(&path).await.unwrap();
    let (id_a, s) = store
        .put_outbox(3, "accepted-set", coord, &a)
        .await
        .unwrap();
    assert_eq!(s, Stored::New);
    let (id_b, _) = store.put_outbox(3, "validity/0", peer, &b).await.unwrap();
    // The same message again is the same row; a different one is refused.
    assert_eq!(
        store
            .put_outbox(3, "accepted-set", coord, &a)
            .await
            .unwrap(),
        (id_a, Stored::AlreadyStored)
    );
    let err = store
        .put_outbox(3, "accepted-set", coord, &[7])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::OutboxConflict { round: 3, .. }));
    // "Crash" before sending: drop the handle, reopen.
    drop(store);
    let store = Store::open(&path).await.unwrap();
    let pending = store.pending().await.unwrap();
    assert_eq!(pending.len(), 2);
    assert_eq!(
        (pending[0].id, &pending[0].bytes, pending[0].dest),
        (id_a, &a, coord)
    );
    assert_eq!(
        (pending[1].id, &pending[1].bytes, pending[1].dest),
        (id_b, &b, peer)
    );
    assert_eq!(pending[1].kind, "validity/0");
    store.mark_sent(id_a).await.unwrap();
    store.close().await;
    let store = Store::open(&path).await.unwrap();
    let pending = store.pending().await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].bytes, b);
}

#[tokio::test]
async fn received_messages_are_idempotent_and_conflicts_typed() {
    let dir = tmpdir("received");
    let path = dir.join("agg.sqlite");
    let p = ProviderId(2);
    let store = Store::open(&path).await.unwrap();
    let share = b"share bytes".to_vec();
    assert_eq!(
        store.put_received(5, p, "share", &share).await.unwrap(),
        Stored::New
    );
    assert_eq!(
        store.put_received(5, p, "share", &share).await.unwrap(),
        Stored::AlreadyStored
    );
    let err = store
        .put_received(5, p, "share", b"other")
        .await
        .unwrap_err();
    assert!(matches!(
        err,
        StoreError::ReceivedConflict { round: 5, provider, .. } if provider == p
    ));
    // Other rounds, providers and kinds are other keys.
    for (r, q, k) in [
        (6, p, "share"),
        (5, ProviderId(1), "share"),
        (5, p, "contribution"),
    ] {
        assert_eq!(
            store.put_received(r, q, k, b"other").await.unwrap(),
            Stored::New
        );
    }
    store.close().await;
    let store = Store::open(&path).await.unwrap();
    assert_eq!(store.received(5, p, "share").await.unwrap(), Some(share));
    assert_eq!(store.received(7, p, "share").await.unwrap(), None);
}

#[tokio::test]
async fn evidence_is_kept_once_per_sequence_number_across_a_reopen() {
    let dir = tmpdir("evidence");
    let path = dir.join("aggregator.sqlite");
    let store = Store::open(&path).await.unwrap();
    assert_eq!(store.put_evidence(7, b"first").await.unwrap(), Stored::New);
    // Another pair at the same position does not replace the first.
    assert_eq!(
        store.put_evidence(7, b"second").await.unwrap(),
        Stored::AlreadyStored
    );
    assert_eq!(store.put_evidence(3, b"other").await.unwrap(), Stored::New);
    store.close().await;
    let store = Store::open(&path).await.unwrap();
    assert_eq!(
        store.evidence().await.unwrap(),
        vec![(3, b"other".to_vec()), (7, b"first".to_vec())]
    );
    store.close().await;
}

#[test]
fn the_head_exchange_answers_from_the_copy_without_reading_past_it() {
    use zkagg_node::service::heads::{answer, Answer, Query};
    let (b, entries) = signed_entries();
    let n = b.len();
    // At a length the copy has, its head there; beyond it, its own.
    let Answer::Head(1, h) = answer(&b, Query::HeadAt(1)) else {
        panic!("head at 1")
    };
    assert_eq!(h, entries[0].hash());
    let Answer::Head(0, h) = answer(&b, Query::HeadAt(0)) else {
        panic!("head at 0")
    };
    assert_eq!(h, b.config_id());
    let Answer::Head(len, h) = answer(&b, Query::HeadAt(u64::MAX)) else {
        panic!("own head")
    };
    assert_eq!((len, h), (n, b.head()));
    assert!(matches!(answer(&b, Query::EntryAt(n)), Answer::Entry(None)));
    assert!(matches!(
        answer(&b, Query::EntryAt(u64::MAX)),
        Answer::Entry(None)
    ));
    let Answer::Entry(Some(e)) = answer(&b, Query::EntryAt(0)) else {
        panic!("entry 0")
    };
    assert_eq!(e, entries[0]);
    // Only the coordinator's entries, only in the range.
    let Answer::Entries(c) = answer(&b, Query::CoordinatorEntries(0, n)) else {
        panic!("entries")
    };
    assert!(!c.is_empty());
    assert!(c.iter().all(|e| e.sender == PartyId::Coordinator));
    let Answer::Entries(none) = answer(&b, Query::CoordinatorEntries(0, c[0].seq)) else {
        panic!("entries")
    };
    assert!(none.is_empty());
    let Answer::Entries(far) = answer(&b, Query::CoordinatorEntries(u64::MAX, u64::MAX)) else {
        panic!("entries")
    };
    assert!(far.is_empty());
}
