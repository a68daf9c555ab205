//! End to end over loopback mTLS: providers post to the coordinator's
//! bulletin, an aggregator follows and verifies every entry, the
//! coordinator restarts from its store.

mod common;

use common::*;
use std::time::Duration;
use tokio::net::TcpListener;
use zkagg_aggregation::bulletin::{Bulletin, Entry};
use zkagg_aggregation::error::Fault;
use zkagg_aggregation::msgs::{PublicMessage, Registration};
use zkagg_aggregation::sim::demo_keys;
use zkagg_aggregation::{AggregatorId, PartyId, ProviderId};
use zkagg_node::bulletin_service::{follow, post, start_follow, BulletinService};
use zkagg_node::frame::PostRefusal;
use zkagg_node::store::Store;
use zkagg_node::transport::Server;
use zkagg_zk::Fr;

fn registration(i: u32) -> PublicMessage {
    PublicMessage::Registration(Registration {
        provider: ProviderId(i),
        data_commitment: Fr::from(u64::from(i) + 10),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn providers_post_and_an_aggregator_follows_and_verifies() {
    let pki = Pki::new();
    let dir = std::env::temp_dir().join(format!("zkagg-node-{}-service", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("coordinator.sqlite");
    let service = BulletinService::open((*pki.config).clone(), Store::open(&path).await.unwrap())
        .await
        .unwrap();
    let server = Server::new(
        pki.config.clone(),
        pki.ca.cert(),
        pki.identity(PartyId::Coordinator),
        |_| true,
        fast_limits(),
        pki.caps(),
    )
    .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let svc = service.clone();
    let task = tokio::spawn(
        server.serve(listener, move |conn| svc.clone().serve(conn), async {
            let _ = stopped.await;
        }),
    );

    let agg = PartyId::Aggregator(AggregatorId(0));
    let mut mirror = Bulletin::new((*pki.config).clone()).unwrap();
    let mut follower = pki
        .client(agg, fast_limits())
        .connect(addr, PartyId::Coordinator)
        .await
        .unwrap();
    start_follow(&mut follower, &mirror).await.unwrap();

    let keys = demo_keys(11, 2, 3);
    let id = pki.id;
    let p = |i: u32| PartyId::Provider(ProviderId(i));
    let mut c0 = pki
        .client(p(0), fast_limits())
        .connect(addr, PartyId::Coordinator)
        .await
        .unwrap();
    let e0 = Entry::sign(&id, 0, id, p(0), &keys[0], &registration(0)).unwrap();
    assert_eq!(post(&mut c0, e0.clone()).await.unwrap(), Ok(0));

    let mut c1 = pki
        .client(p(1), fast_limits())
        .connect(addr, PartyId::Coordinator)
        .await
        .unwrap();
    // Signed at a stale head.
    let stale = Entry::sign(&id, 0, id, p(1), &keys[1], &registration(1)).unwrap();
    assert_eq!(
        post(&mut c1, stale).await.unwrap(),
        Err(PostRefusal::StaleHead { len: 1 })
    );
    // Provider 1 posting provider 2's registration.
    let other = Entry::sign(&id, 1, e0.hash(), p(2), &keys[2], &registration(2)).unwrap();
    assert_eq!(
        post(&mut c1, other).await.unwrap(),
        Err(PostRefusal::SenderNotPeer)
    );
    // A bad signature.
    let mut bad = Entry::sign(&id, 1, e0.hash(), p(1), &keys[1], &registration(1)).unwrap();
    bad.signature[5] ^= 4;
    assert_eq!(
        post(&mut c1, bad).await.unwrap(),
        Err(PostRefusal::Fault(Fault::BadSignature))
    );
    let e1 = Entry::sign(&id, 1, e0.hash(), p(1), &keys[1], &registration(1)).unwrap();
    assert_eq!(post(&mut c1, e1).await.unwrap(), Ok(1));

    for want in 0..2 {
        let seq = tokio::time::timeout(Duration::from_secs(5), follow(&mut follower, &mut mirror))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(seq, want);
    }
    assert_eq!(mirror.len(), 2);
    c0.close().await;
    c1.close().await;
    follower.close().await;
    let _ = stop.send(());
    task.await.unwrap();

    // Restart: the coordinator reloads and re-checks the same log.
    drop(service);
    let reopened = Store::open(&path).await.unwrap();
    let back = reopened.load_bulletin((*pki.config).clone()).await.unwrap();
    assert_eq!(back.head(), mirror.head());
    assert_eq!(back.entries(), mirror.entries());
}
