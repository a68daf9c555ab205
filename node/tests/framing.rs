//! Bad frames over real mutual TLS: each a typed error on the server, the
//! connection closed, the server still serving.

mod common;

use common::*;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use zkagg_aggregation::{AggregatorId, PartyId, ProviderId};
use zkagg_node::frame::{FrameError, Kind};
use zkagg_node::transport::TransportError;
use zkagg_zk::EncodingError;

const AGG0: PartyId = PartyId::Aggregator(AggregatorId(0));
const P1: PartyId = PartyId::Provider(ProviderId(1));

fn providers(p: PartyId) -> bool {
    matches!(p, PartyId::Provider(_))
}

/// Sends raw bytes as application data from an authenticated provider and
/// returns the error the server's handler saw.
async fn server_error(pki: &Pki, run: &mut Running, bytes: &[u8], end: bool) -> FrameError {
    let client = pki.client(P1, fast_limits());
    let mut conn = client.connect(run.addr, AGG0).await.unwrap();
    let raw = conn.get_mut();
    let _ = raw.write_all(bytes).await;
    let _ = raw.flush().await;
    if end {
        let _ = raw.shutdown().await;
    }
    let (peer, got) = tokio::time::timeout(Duration::from_secs(5), run.events.recv())
        .await
        .expect("server saw nothing")
        .unwrap();
    assert_eq!(peer, P1);
    // The server closed the connection.
    let closed = tokio::time::timeout(Duration::from_secs(5), conn.recv()).await;
    assert!(matches!(closed, Ok(Ok(None)) | Ok(Err(_))));
    match got {
        Err(TransportError::Frame(e)) => e,
        other => panic!("expected a frame error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_frames_are_typed_errors_and_the_server_keeps_serving() {
    let pki = Pki::new();
    let mut run = start(&pki, AGG0, providers, fast_limits()).await;
    let caps = pki.caps();

    let e = server_error(&pki, &mut run, &[0xff, 0xff, 0xff, 0xff, 1], false).await;
    assert!(
        matches!(
            e,
            FrameError::Oversize {
                len: 0xffff_ffff,
                ..
            }
        ),
        "{e:?}"
    );
    honest_round_trip(&pki, &mut run, AGG0, P1).await;

    let mut over = ((caps.delivery + 2) as u32).to_be_bytes().to_vec();
    over.push(Kind::Delivery.tag());
    over.extend_from_slice(&[0u8; 64]);
    let e = server_error(&pki, &mut run, &over, false).await;
    assert!(
        matches!(e, FrameError::OverCap { kind: Kind::Delivery, len, cap }
            if len == caps.delivery as u64 + 1 && cap == caps.delivery as u64),
        "{e:?}"
    );

    let e = server_error(&pki, &mut run, &[0, 0, 0, 50, 4, 1, 2, 3], true).await;
    assert!(matches!(e, FrameError::Truncated { .. }), "{e:?}");

    let e = server_error(&pki, &mut run, &[0, 0, 0, 4, 4, 0, 1, 0], false).await;
    assert!(
        matches!(
            e,
            FrameError::Decode {
                kind: Kind::Control,
                error: EncodingError::TrailingBytes(1)
            }
        ),
        "{e:?}"
    );

    let e = server_error(&pki, &mut run, &[0, 0, 0, 2, 200, 0], false).await;
    assert!(matches!(e, FrameError::UnknownTag(200)), "{e:?}");

    let e = server_error(&pki, &mut run, &[0, 0, 0, 0], false).await;
    assert!(matches!(e, FrameError::Empty), "{e:?}");

    // A share delivery that does not decode.
    let e = server_error(&pki, &mut run, &[0, 0, 0, 3, 2, 0xff, 0xff], false).await;
    assert!(
        matches!(
            e,
            FrameError::Decode {
                kind: Kind::Delivery,
                ..
            }
        ),
        "{e:?}"
    );
    honest_round_trip(&pki, &mut run, AGG0, P1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_oversize_frames_leaves_the_server_serving() {
    let pki = Pki::new();
    let mut run = start(&pki, AGG0, providers, fast_limits()).await;
    let caps = pki.caps();
    let mut frame = ((caps.entry + 2) as u32).to_be_bytes().to_vec();
    frame.push(Kind::Entry.tag());
    for i in 0..100 {
        let bytes: &[u8] = if i % 2 == 0 {
            &frame
        } else {
            &[0x7f, 0xff, 0xff, 0xff]
        };
        let e = server_error(&pki, &mut run, bytes, false).await;
        assert!(
            matches!(
                e,
                FrameError::OverCap {
                    kind: Kind::Entry,
                    ..
                } | FrameError::Oversize { .. }
            ),
            "{e:?}"
        );
    }
    honest_round_trip(&pki, &mut run, AGG0, P1).await;
    assert_eq!(run.stats.refused(), 0);
}
