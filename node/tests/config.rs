//! The consortium file and member folders: generate, load, and the typed,
//! line-aware refusals.

use std::net::SocketAddr;
use std::path::PathBuf;
use zkagg_aggregation::config::{RelationConfig, SharingConfig};
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
        relation: RelationConfig::BoundedVector { bits: 16 },
        data: None,
        initial_model: None,
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
    // Valid TOML, invalid consortium (min batch 0): named at its line.
    let bad = text.replacen("min_batch = 2", "min_batch = 0", 1);
    match NodeConfig::parse(&g.config_file, &bad) {
        Err(ConfigFileError::Syntax { line, message, .. }) => {
            assert_eq!(line, line_of("min_batch = "), "{message}");
            assert!(message.contains("min_batch"), "{message}");
        }
        other => panic!("{other:?}"),
    }
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

/// An R_train consortium: logistic regression on 3 features with a
/// hand-given scaling (awkward floats included) and a non-zero initial model.
fn train_params() -> GenerateParams {
    use zkagg_aggregation::config::{DataSchema, ModelKind, ScaledColumn};
    let mut train = zkagg_zk::model::TrainConfig::breast_cancer_compact(5);
    train.num_features = 3;
    let col = |name: &str, offset: f64, scale: f64| ScaledColumn {
        name: name.into(),
        offset,
        scale,
    };
    GenerateParams {
        dim: 4,
        relation: RelationConfig::Train {
            model: ModelKind::Logistic,
            train,
        },
        data: Some(DataSchema {
            features: vec![
                col("mean radius", 14.127, 7.042),
                col("x \"quoted\", with comma", 0.1 + 0.2, 1e-300),
                col("z", -0.0, 1.7976931348623157e308),
            ],
            label: col("diagnosis", 0.0, 1.0),
        }),
        initial_model: Some(vec![-3, 0, 7, 100]),
        ..params(SharingConfig::Shamir { threshold: 2 })
    }
}

#[test]
fn a_train_config_round_trips_exactly_and_its_id_binds_every_part() {
    let dir = temp_dir("train");
    let g = generate(&dir, &train_params()).unwrap();
    let text = std::fs::read_to_string(&g.config_file).unwrap();
    let cfg = NodeConfig::parse(&g.config_file, &text).unwrap();
    assert_eq!(cfg.consortium, g.config.consortium);
    let again = NodeConfig::parse(&g.config_file, &cfg.to_toml()).unwrap();
    assert_eq!(again.consortium, cfg.consortium);
    // Bit-exact floats, the sign of zero included.
    let data = cfg.consortium.data.as_ref().unwrap();
    assert_eq!(data.features[1].offset.to_bits(), (0.1f64 + 0.2).to_bits());
    assert_eq!(data.features[2].offset.to_bits(), (-0.0f64).to_bits());
    assert!(matches!(
        build_setup(&cfg.consortium).unwrap(),
        AnySetup::LogisticShamir(s) if s.config_id() == cfg.consortium.id()
    ));
    // Linear regression, additive sharing, zkagg's own backend.
    let mut linear = cfg.consortium.clone();
    if let RelationConfig::Train { model, .. } = &mut linear.relation {
        *model = zkagg_aggregation::config::ModelKind::Linear;
    }
    linear.data.as_mut().unwrap().label.scale = 3.5;
    linear.sharing = SharingConfig::Additive;
    linear.proof_system = zkagg_aggregation::config::ProofSystemConfig::Nizk(
        zkagg_zk::proof_system::Backend::HyraxSpartan,
    );
    let round_trip = NodeConfig {
        consortium: linear.clone(),
        operations: cfg.operations.clone(),
    };
    let back = NodeConfig::parse(&g.config_file, &round_trip.to_toml()).unwrap();
    assert_eq!(back.consortium, linear);
    assert!(matches!(
        build_setup(&linear).unwrap(),
        AnySetup::LinearAdditive(s) if s.config_id() == linear.id()
    ));
    let id = cfg.consortium.id();
    for (from, to) in [
        ("offset = 14.127", "offset = 14.128"),
        ("name = \"diagnosis\"", "name = \"label\""),
        ("model = \"logistic\"", "model = \"linear\""),
        ("clip_bound = 1024", "clip_bound = 1023"),
        ("max_samples = 5", "max_samples = 6"),
        (
            "initial_model = [-3, 0, 7, 100]",
            "initial_model = [-3, 0, 7, 101]",
        ),
    ] {
        assert!(text.contains(from), "{from} not in\n{text}");
        let changed = NodeConfig::parse(&g.config_file, &text.replacen(from, to, 1)).unwrap();
        assert_ne!(changed.consortium.id(), id, "{from} -> {to}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_bad_train_value_names_its_key_and_line() {
    let dir = temp_dir("train-bad");
    let g = generate(&dir, &train_params()).unwrap();
    let text = std::fs::read_to_string(&g.config_file).unwrap();
    let expect = |from: &str, to: &str, key: &str| {
        let bad = text.replacen(from, to, 1);
        // The line of the replacement's last line.
        let at = text.find(from).unwrap();
        let line = text[..at].matches('\n').count() + 1 + to.matches('\n').count();
        match NodeConfig::parse(&g.config_file, &bad) {
            Err(ConfigFileError::Syntax {
                line: l, message, ..
            }) => {
                assert_eq!(l, line, "{from} -> {to}: {message}");
                assert!(message.contains(key), "{from} -> {to}: {message}");
            }
            other => panic!("{from} -> {to}: {other:?}"),
        }
    };
    expect("clip_bound = 1024", "clip_bound = 0", "clip_bound");
    expect("clip_bound = 1024", "clip_bound = \"big\"", "clip_bound");
    expect("max_samples = 5", "max_samples = 0", "max_samples");
    expect("num_features = 3", "num_features = 4", "num_features");
    expect("model = \"logistic\"", "model = \"forest\"", "model");
    expect("scale = 7.042", "scale = -7.042", "scale");
    expect("offset = 14.127", "offset = nan", "offset");
    expect("name = \"z\"", "name = \"mean radius\"", "name");
    expect("name = \"diagnosis\"", "name = \"\"", "name");
    expect(
        "initial_model = [-3, 0, 7, 100]",
        "initial_model = [-3, 0, 7, 1000000]",
        "initial_model",
    );
    expect(
        "initial_model = [-3, 0, 7, 100]",
        "initial_model = [-3, 0, 7]",
        "initial_model",
    );
    expect("kind = \"train\"", "kind = \"train\"\nbits = 16", "bits");
    // A binary label is not scaled.
    let label = text.find("name = \"diagnosis\"").unwrap();
    let bad = format!(
        "{}{}",
        &text[..label],
        text[label..].replacen("scale = 1.0", "scale = 2.0", 1)
    );
    match NodeConfig::parse(&g.config_file, &bad) {
        Err(ConfigFileError::Syntax { message, .. }) => {
            assert!(message.contains("binary label"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// `text` with `from` replaced by `to` (which must be in it).
fn replaced(text: &str, from: &str, to: &str) -> String {
    assert!(text.contains(from), "{from} not in\n{text}");
    text.replacen(from, to, 1)
}

#[test]
fn every_bad_value_is_refused_at_its_key_and_line() {
    let dir = temp_dir("bad-values");
    let g = generate(&dir, &params(SharingConfig::Shamir { threshold: 2 })).unwrap();
    let text = std::fs::read_to_string(&g.config_file).unwrap();
    let line_of = |needle: &str| {
        text.lines()
            .position(|l| l.contains(needle))
            .map(|n| n + 1)
            .unwrap()
    };
    let expect = |bad: String, at: &str, words: &str| match NodeConfig::parse(&g.config_file, &bad)
    {
        Err(ConfigFileError::Syntax { line, message, .. }) => {
            assert_eq!(line, line_of(at), "{at}: {message}");
            assert!(message.contains(words), "{at}: {message}");
        }
        other => panic!("{at}: {other:?}"),
    };
    let keys = text
        .lines()
        .find(|l| l.starts_with("provider_keys"))
        .unwrap()
        .to_owned();
    let version = text.lines().find(|l| l.starts_with("version = ")).unwrap();
    // A key of another party: named at the repeat; a `+` is not a hex
    // digit (`from_str_radix` would take it).
    let k0 = keys.split('"').nth(1).unwrap().to_owned();
    let k1 = keys.split('"').nth(3).unwrap().to_owned();
    let plus = format!("+{}", &k0[1..]);
    // (what is replaced, by what, the line named, words of the message)
    let cases: [(&str, &str, &str, &str); 13] = [
        (
            "min_batch = 2",
            "min_batch = 5",
            "min_batch = ",
            "exceeds the 4 providers",
        ),
        (
            &keys,
            "provider_keys = []",
            "provider_keys",
            "at least one provider",
        ),
        (
            "threshold = 2",
            "threshold = 4",
            "threshold = ",
            "threshold 4 not in 1..=3",
        ),
        (
            "threshold = 2",
            "threshold = 0",
            "threshold = ",
            "threshold 0",
        ),
        ("rounds = 2", "rounds = 0", "rounds = ", "at least 1"),
        (
            "contributions_ms = 1000",
            "contributions_ms = 0",
            "contributions_ms",
            "not in 1..=3600000",
        ),
        (
            "linger_ms = 0",
            "linger_ms = 99999999999",
            "linger_ms",
            "not in 0..=3600000",
        ),
        (
            "127.0.0.1:7002",
            "127.0.0.1:7000",
            "127.0.0.1:7002",
            "given to two services",
        ),
        (
            "db/aggregator-1.sqlite",
            "db/aggregator-0.sqlite",
            "db/aggregator-1.sqlite",
            "named twice",
        ),
        (
            version,
            "version = 99",
            "version = ",
            "unsupported version 99",
        ),
        (&k1, &k0, "provider_keys", "also listed for another party"),
        (&k0, &plus, "provider_keys", "64 hex digits"),
        (
            "proof_system = \"libspartan\"",
            "proof_system = \"libspartan-snark\"",
            "proof_system",
            "do not run libspartan-snark",
        ),
    ];
    for (from, to, at, words) in cases {
        expect(replaced(&text, from, to), at, words);
    }
    // A feature count past u64 never overflows: the model layer's message.
    let t = generate(&dir.join("train"), &train_params()).unwrap();
    let train = std::fs::read_to_string(&t.config_file).unwrap();
    let huge = replaced(
        &train,
        "num_features = 3",
        "num_features = 18446744073709551615",
    );
    match NodeConfig::parse(&t.config_file, &huge) {
        Err(ConfigFileError::Syntax { message, .. }) => {
            assert!(message.contains("not in 1..=4096"), "{message}")
        }
        other => panic!("{other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_file_that_is_not_utf8_is_refused_at_its_first_bad_byte_and_a_bom_is_read() {
    let dir = temp_dir("utf8");
    let g = generate(&dir, &params(SharingConfig::Additive)).unwrap();
    let text = std::fs::read_to_string(&g.config_file).unwrap();
    let mut bytes = b"\xef\xbb\xbf".to_vec();
    bytes.extend_from_slice(text.as_bytes());
    std::fs::write(&g.config_file, &bytes).unwrap();
    assert_eq!(
        NodeConfig::load(&g.config_file).unwrap().consortium,
        g.config.consortium
    );
    let mut bytes = b"[consortium]\nname = \"ab".to_vec();
    bytes.extend_from_slice(b"\xff\xfe\"\n");
    std::fs::write(&g.config_file, &bytes).unwrap();
    match NodeConfig::load(&g.config_file) {
        Err(
            e @ ConfigFileError::NotUtf8 {
                line: 2,
                column: 11,
                ..
            },
        ) => {
            assert!(e.to_string().contains("save the file as UTF-8"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_member_folder_mixing_members_or_consortia_is_refused_by_file() {
    let dir = temp_dir("mixed");
    let g = generate(&dir.join("a"), &params(SharingConfig::Additive)).unwrap();
    let other = generate(&dir.join("b"), &params(SharingConfig::Additive)).unwrap();
    let cfg = &g.config.consortium;
    let folder = dir.join("member");
    // Provider 0's folder with one file taken from elsewhere.
    let with = |file: &str, from: &std::path::Path| {
        let _ = std::fs::remove_dir_all(&folder);
        std::fs::create_dir_all(&folder).unwrap();
        for f in ["signing.key", "tls.key", "tls.crt", "ca.crt"] {
            std::fs::copy(g.providers[0].join(f), folder.join(f)).unwrap();
        }
        std::fs::copy(from.join(file), folder.join(file)).unwrap();
        Member::load(&folder, cfg).unwrap_err().to_string()
    };
    let e = with("tls.key", &g.providers[1]);
    assert!(
        e.contains("tls.key") && e.contains("not the key of the certificate"),
        "{e}"
    );
    let e = with("tls.crt", &g.providers[1]);
    assert!(
        e.contains("tls.key") && e.contains("not the key of the certificate"),
        "{e}"
    );
    let e = with("ca.crt", &other.providers[0]);
    assert!(
        e.contains("tls.crt") && e.contains("does not verify against the CA"),
        "{e}"
    );
    let e = with("tls.crt", &other.providers[0]);
    assert!(
        e.contains("tls.crt") && e.contains("another consortium"),
        "{e}"
    );
    let e = with("signing.key", &g.providers[1]);
    assert!(
        e.contains("signing.key") && e.contains("is not provider 0's key"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
