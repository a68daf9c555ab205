//! The consortium file and member folders: generate, load, and the typed,
//! line-aware refusals.

use std::net::SocketAddr;
use std::path::PathBuf;
use zkagg_aggregation::config::SharingConfig;
use zkagg_aggregation::{AggregatorId, PartyId, ProviderId};
use zkagg_node::config::{
    build_setup, demo_update, generate, AnySetup, ConfigFileError, Deadlines, GenerateParams,
    Member, NodeConfig, SIGNING_KEY,
};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("zkagg-node-cfg-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn params(sharing: SharingConfig) -> GenerateParams {
    let a = |p: u16| SocketAddr::from(([127, 0, 0, 1], p));
    GenerateParams {
        name: "cfg-test".into(),
        aggregators: 3,
        providers: 4,
        dim: 6,
        bits: 16,
        sharing,
        backend: zkagg_zk::proof_system::Backend::Libspartan,
        min_batch: 2,
        coordinator: a(7000),
        aggregator_addrs: vec![a(7001), a(7002), a(7003)],
        deadlines: Deadlines {
            start_ms: 1000,
            contributions_ms: 1000,
            accepted_sets_ms: 1000,
            partial_sums_ms: 1000,
            linger_ms: 0,
        },
        rounds: 2,
        seed: 1,
    }
}

#[test]
fn generated_consortium_loads_and_each_member_is_its_party() {
    let dir = temp_dir("gen");
    let g = generate(&dir, &params(SharingConfig::Shamir { threshold: 2 })).unwrap();
    let cfg = NodeConfig::load(&g.config_file).unwrap();
    assert_eq!(cfg.consortium, g.config.consortium);
    assert_eq!(
        cfg.operations.coordinator_db,
        dir.join("db/coordinator.sqlite")
    );
    let id = cfg.consortium.id();
    let c = Member::load(&g.coordinator, &cfg.consortium).unwrap();
    assert_eq!(c.party, PartyId::Coordinator);
    let a = Member::load(&g.aggregators[2], &cfg.consortium).unwrap();
    assert_eq!(a.party, PartyId::Aggregator(AggregatorId(2)));
    let p = Member::load(&g.providers[3], &cfg.consortium).unwrap();
    assert_eq!(p.party, PartyId::Provider(ProviderId(3)));
    assert!(matches!(
        build_setup(&cfg.consortium).unwrap(),
        AnySetup::BoundedShamir(s) if s.config_id() == id
    ));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        for f in [
            g.providers[0].join(SIGNING_KEY),
            g.providers[0].join("tls.key"),
        ] {
            let mode = std::fs::metadata(&f).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{} is readable by others", f.display());
        }
    }
    // Generating again over the same folder does not overwrite secrets.
    assert!(generate(&dir, &params(SharingConfig::Additive)).is_err());
    // Changing an operational value keeps the config id.
    let text = std::fs::read_to_string(&g.config_file)
        .unwrap()
        .replace("rounds = 2", "rounds = 5");
    let moved = NodeConfig::parse(&g.config_file, &text).unwrap();
    assert_eq!(moved.operations.rounds, 5);
    assert_eq!(moved.consortium.id(), id);

    // A signing key that is not the party's key is refused.
    std::fs::copy(
        g.providers[0].join(SIGNING_KEY),
        g.providers[1].join(SIGNING_KEY),
    )
    .unwrap();
    assert!(matches!(
        Member::load(&g.providers[1], &cfg.consortium),
        Err(ConfigFileError::Member { .. })
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bad_files_are_refused_with_their_line() {
    let dir = temp_dir("bad");
    let g = generate(&dir, &params(SharingConfig::Additive)).unwrap();
    let text = std::fs::read_to_string(&g.config_file).unwrap();
    let line_of = |needle: &str| {
        text.lines()
            .position(|l| l.contains(needle))
            .map(|n| n + 1)
            .unwrap()
    };
    // A key that is not hex: the error names the key's line.
    let key_line = line_of("coordinator_key");
    let bad = text.replacen("coordinator_key = \"", "coordinator_key = \"zz", 1);
    match NodeConfig::parse(&g.config_file, &bad) {
        Err(ConfigFileError::Syntax { line, .. }) => assert_eq!(line, key_line),
        other => panic!("{other:?}"),
    }
    // An unknown field.
    let dim_line = line_of("dim = ");
    let bad = text.replacen("dim = ", "dimension = ", 1);
    match NodeConfig::parse(&g.config_file, &bad) {
        Err(ConfigFileError::Syntax { line, .. }) => assert_eq!(line, dim_line),
        other => panic!("{other:?}"),
    }
    // Valid TOML, invalid consortium (min batch 0).
    let bad = text.replacen("min_batch = 2", "min_batch = 0", 1);
    assert!(matches!(
        NodeConfig::parse(&g.config_file, &bad),
        Err(ConfigFileError::Consortium { .. })
    ));
    // Operations that do not fit (one aggregator database missing).
    let bad = text.replacen("\"db/aggregator-2.sqlite\"", "", 1);
    assert!(NodeConfig::parse(&g.config_file, &bad).is_err());
    // A file over its cap is refused before it is parsed.
    let big = dir.join("big.toml");
    std::fs::write(
        &big,
        vec![b'#'; (zkagg_node::config::MAX_CONFIG_BYTES + 1) as usize],
    )
    .unwrap();
    assert!(matches!(
        NodeConfig::load(&big),
        Err(ConfigFileError::TooLarge { .. })
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn demo_updates_are_deterministic_and_in_range() {
    let a = demo_update(3, ProviderId(1), 0, 6, 16);
    assert_eq!(a, demo_update(3, ProviderId(1), 0, 6, 16));
    assert_ne!(a, demo_update(3, ProviderId(2), 0, 6, 16));
    assert_ne!(a, demo_update(3, ProviderId(1), 1, 6, 16));
    assert!(a.iter().all(|x| (-(1 << 14)..(1 << 14)).contains(x)));
}
