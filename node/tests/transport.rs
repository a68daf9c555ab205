//! Mutual TLS over loopback: who gets through and who is refused.

mod common;

use common::*;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use zkagg_aggregation::{AggregatorId, PartyId, ProviderId};
use zkagg_node::frame::{Control, WireMessage};
use zkagg_node::pki::{party_name, ConsortiumCa, Validity};
use zkagg_node::transport::{
    connect_with, Client, HandshakeFailure, Limits, PartyVerifier, Refusal,
};

const AGG0: PartyId = PartyId::Aggregator(AggregatorId(0));
const P0: PartyId = PartyId::Provider(ProviderId(0));

fn providers(p: PartyId) -> bool {
    matches!(p, PartyId::Provider(_))
}

fn aggregators(p: PartyId) -> bool {
    matches!(p, PartyId::Aggregator(_))
}

/// A refused client: the connection fails at some point, the server
/// records `want`, and the handler saw nothing.
async fn assert_refused(
    run: &mut Running,
    conn: Result<zkagg_node::transport::ClientConn, zkagg_node::transport::TransportError>,
    want: Refusal,
) {
    if let Ok(mut conn) = conn {
        // TLS 1.3: the client may finish before the server has checked its
        // certificate; the refusal then shows on the first exchange.
        let _ = conn
            .send(&WireMessage::Control(Control::Follow { from_seq: 0 }))
            .await;
        assert!(!matches!(conn.recv().await, Ok(Some(_))));
    }
    let stats = run.stats.clone();
    eventually("the refusal", || stats.refused() >= 1).await;
    assert_eq!(run.stats.refusals(), vec![want]);
    assert_eq!(run.stats.served(), 0);
    assert!(run.events.try_recv().is_err(), "handler saw a byte");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn honest_client_gets_through_as_the_party_its_certificate_names() {
    let pki = Pki::new();
    let mut run = start(&pki, AGG0, providers, fast_limits()).await;
    for i in 0..3 {
        let p = PartyId::Provider(ProviderId(i));
        honest_round_trip(&pki, &mut run, AGG0, p).await;
    }
    assert_eq!(run.stats.served(), 3);
    assert_eq!(run.stats.refused(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_without_certificate_is_refused() {
    let pki = Pki::new();
    let mut run = start(&pki, AGG0, providers, fast_limits()).await;
    let verifier = PartyVerifier::new(pki.ca.cert(), pki.id, AGG0).unwrap();
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(&[&rustls::version::TLS13])
    .unwrap()
    .dangerous()
    .with_custom_certificate_verifier(Arc::new(verifier))
    .with_no_client_auth();
    let conn = connect_with(Arc::new(cfg), run.addr, AGG0, fast_limits(), pki.caps()).await;
    assert_refused(
        &mut run,
        conn,
        Refusal::Handshake(HandshakeFailure::NoCertificate),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_certified_by_a_foreign_ca_is_refused() {
    let pki = Pki::new();
    let mut run = start(&pki, AGG0, providers, fast_limits()).await;
    let foreign = ConsortiumCa::generate("foreign", Validity::days_from_now(1)).unwrap();
    let id = foreign
        .issue(&pki.id, P0, Validity::days_from_now(1))
        .unwrap();
    let client = Client::new(
        &pki.config,
        pki.ca.cert().clone(),
        id,
        fast_limits(),
        pki.caps(),
    );
    let conn = client.connect(run.addr, AGG0).await;
    assert_refused(
        &mut run,
        conn,
        Refusal::Handshake(HandshakeFailure::UnknownIssuer),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_with_an_expired_certificate_is_refused() {
    let pki = Pki::new();
    let mut run = start(&pki, AGG0, providers, fast_limits()).await;
    let id = pki
        .ca
        .issue(&pki.id, P0, Validity::expired(Duration::from_secs(3600)))
        .unwrap();
    let client = Client::new(
        &pki.config,
        pki.ca.cert().clone(),
        id,
        fast_limits(),
        pki.caps(),
    );
    let conn = client.connect(run.addr, AGG0).await;
    assert_refused(
        &mut run,
        conn,
        Refusal::Handshake(HandshakeFailure::Expired),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provider_on_the_aggregator_to_aggregator_endpoint_is_refused() {
    let pki = Pki::new();
    let mut run = start(&pki, AGG0, aggregators, fast_limits()).await;
    let conn = pki.client(P0, fast_limits()).connect(run.addr, AGG0).await;
    assert_refused(&mut run, conn, Refusal::RoleNotAllowed(P0)).await;
    // The peer aggregator is served on the same endpoint.
    let agg1 = PartyId::Aggregator(AggregatorId(1));
    honest_round_trip(&pki, &mut run, AGG0, agg1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificates_naming_no_party_of_the_config_are_refused() {
    let pki = Pki::new();
    let mut run = start(&pki, AGG0, providers, fast_limits()).await;
    let ghost = PartyId::Provider(ProviderId(99));
    let conn = pki
        .client(ghost, fast_limits())
        .connect(run.addr, AGG0)
        .await;
    assert_refused(&mut run, conn, Refusal::UnknownParty(ghost)).await;

    let mut run = start(&pki, AGG0, providers, fast_limits()).await;
    let other = pki
        .ca
        .issue(&[9u8; 32], P0, Validity::days_from_now(1))
        .unwrap();
    let client = Client::new(
        &pki.config,
        pki.ca.cert().clone(),
        other,
        fast_limits(),
        pki.caps(),
    );
    let conn = client.connect(run.addr, AGG0).await;
    assert_refused(
        &mut run,
        conn,
        Refusal::Identity(zkagg_node::pki::PkiError::WrongConfigId),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_refuses_a_server_that_is_not_the_party_it_meant() {
    let pki = Pki::new();
    let run = start(&pki, AGG0, providers, fast_limits()).await;
    let agg1 = PartyId::Aggregator(AggregatorId(1));
    let r = pki.client(P0, fast_limits()).connect(run.addr, agg1).await;
    assert!(r.is_err(), "client accepted aggregator 0 as aggregator 1");
    // A server certificate from a foreign CA naming the right party.
    let foreign = ConsortiumCa::generate("foreign", Validity::days_from_now(1)).unwrap();
    let id = foreign
        .issue_with_names(
            "x",
            vec![party_name(&pki.id, AGG0)],
            Validity::days_from_now(1),
        )
        .unwrap();
    let fake = zkagg_node::transport::Server::new(
        pki.config.clone(),
        pki.ca.cert(),
        id,
        providers,
        fast_limits(),
        pki.caps(),
    )
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(fake.serve(listener, |_c| async {}, std::future::pending()));
    let r = pki.client(P0, fast_limits()).connect(addr, AGG0).await;
    assert!(r.is_err(), "client accepted a foreign server certificate");
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plaintext_client_is_dropped_at_the_handshake() {
    let pki = Pki::new();
    let mut run = start(&pki, AGG0, providers, fast_limits()).await;
    let mut tcp = TcpStream::connect(run.addr).await.unwrap();
    tcp.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\x00\x00\x02\x04\x00")
        .await
        .unwrap();
    let mut buf = [0u8; 256];
    // The server answers with at most an alert, then closes.
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        for _ in 0..100 {
            match tcp.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    assert!(closed.is_ok());
    let stats = run.stats.clone();
    eventually("the refusal", || stats.refused() >= 1).await;
    assert_eq!(
        run.stats.refusals(),
        vec![Refusal::Handshake(HandshakeFailure::NotTls)]
    );
    assert!(run.events.try_recv().is_err());
    honest_round_trip(&pki, &mut run, AGG0, P0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_half_open_connections_are_dropped_at_the_handshake_timeout() {
    let pki = Pki::new();
    let limits = Limits {
        handshake_timeout: Duration::from_millis(300),
        ..fast_limits()
    };
    let mut run = start(&pki, AGG0, providers, limits).await;
    let mut idle = Vec::with_capacity(200);
    for _ in 0..200 {
        idle.push(TcpStream::connect(run.addr).await.unwrap());
    }
    let opened = Instant::now();
    // An honest client gets through while the 200 hang.
    honest_round_trip(&pki, &mut run, AGG0, P0).await;
    // Every idle connection is closed by the server.
    let mut buf = [0u8; 16];
    for tcp in idle.iter_mut() {
        let r = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut buf)).await;
        assert!(
            matches!(r, Ok(Ok(0)) | Ok(Err(_))),
            "idle connection kept open"
        );
    }
    let elapsed = opened.elapsed();
    assert!(elapsed < Duration::from_secs(5), "took {elapsed:?}");
    let stats = run.stats.clone();
    eventually("200 timeouts", || stats.refused() >= 200).await;
    let refusals = run.stats.refusals();
    assert_eq!(refusals.len(), 200);
    assert!(refusals.iter().all(|r| *r == Refusal::HandshakeTimeout));
    honest_round_trip(&pki, &mut run, AGG0, P0).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_caps_are_refused() {
    let pki = Pki::new();
    let limits = Limits {
        max_per_peer: 1,
        max_connections: 2,
        ..fast_limits()
    };
    let mut run = start(&pki, AGG0, providers, limits).await;
    let client = pki.client(P0, limits);
    let mut first = client.connect(run.addr, AGG0).await.unwrap();
    first
        .send(&WireMessage::Control(Control::Stored))
        .await
        .unwrap();
    assert!(first.recv().await.unwrap().is_some());
    let second = client.connect(run.addr, AGG0).await;
    if let Ok(mut c) = second {
        let _ = c.send(&WireMessage::Control(Control::Stored)).await;
        assert!(!matches!(c.recv().await, Ok(Some(_))));
    }
    let stats = run.stats.clone();
    eventually("the refusal", || stats.refused() >= 1).await;
    assert_eq!(run.stats.refusals(), vec![Refusal::PeerLimit(P0)]);
    // Total cap: with `first` open and one half-open socket, a third is
    // dropped on accept.
    let _half = TcpStream::connect(run.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut third = TcpStream::connect(run.addr).await.unwrap();
    let mut buf = [0u8; 8];
    let r = tokio::time::timeout(Duration::from_secs(5), third.read(&mut buf)).await;
    assert!(matches!(r, Ok(Ok(0)) | Ok(Err(_))));
    eventually("over capacity", || {
        stats.refusals().contains(&Refusal::OverCapacity)
    })
    .await;
    drop(first);
    let _ = run.events.try_recv();
}
