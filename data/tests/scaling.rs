//! The fixed public feature scaling: constructors, the schema parser's
//! typed errors, the bundled schemas, the diabetes loader, `prepare_scaled`
//! and the least-squares baseline.

use zkagg_data::scaling::{MAX_SCHEMA_BYTES, MAX_SCHEMA_FEATURES, STD_MULTIPLE};
use zkagg_data::{
    breast_cancer, diabetes, prepare, prepare_scaled, quantise, r_squared, DataError,
    LinearBaseline, Overflow, RealDataset, Scaling, Schema, SchemaEntry, ShardSizes, SplitOptions,
};
use zkagg_zk::model::{LabelKind, TrainConfig};

fn data(names: &[&str], rows: Vec<Vec<f64>>, labels: Vec<f64>) -> RealDataset {
    RealDataset {
        feature_names: names.iter().map(|s| s.to_string()).collect(),
        rows,
        labels,
    }
}

#[test]
fn ranges_map_to_minus_one_one() {
    let s = Scaling::from_ranges(&[(0.0, 10.0), (-3.0, 1.0)]).unwrap();
    assert_eq!(s.offset, vec![5.0, -1.0]);
    assert_eq!(s.scale, vec![5.0, 2.0]);
    let d = data(
        &["a", "b"],
        vec![vec![0.0, 1.0], vec![10.0, -3.0], vec![5.0, 0.0]],
        vec![0.0, 1.0, 1.0],
    );
    let out = s.apply(&d).unwrap();
    assert_eq!(
        out.rows,
        vec![vec![-1.0, 1.0], vec![1.0, -1.0], vec![0.0, 0.5]]
    );
    assert_eq!(out.labels, d.labels, "the identity target leaves labels");
    assert_eq!(Scaling::identity(2).apply(&d).unwrap(), d);

    for bad in [
        (1.0, 1.0),
        (2.0, 1.0),
        (f64::NAN, 1.0),
        (0.0, f64::INFINITY),
    ] {
        assert!(
            matches!(
                Scaling::from_ranges(&[(0.0, 1.0), bad]),
                Err(DataError::BadRange { line: None, ref feature, .. }) if feature == "1"
            ),
            "{bad:?}"
        );
    }
    // Wide finite ranges do not overflow.
    let wide = Scaling::from_ranges(&[(-f64::MAX, f64::MAX)]).unwrap();
    assert_eq!((wide.offset[0], wide.scale[0]), (0.0, f64::MAX));
}

#[test]
fn target_scaling_round_trips() {
    let s = Scaling::identity(1).with_target_range(25.0, 345.0).unwrap();
    assert_eq!((s.target_offset, s.target_scale), (185.0, 160.0));
    let d = data(&["a"], vec![vec![0.0], vec![0.0]], vec![25.0, 265.0]);
    assert_eq!(s.apply(&d).unwrap().labels, vec![-1.0, 0.5]);
    assert_eq!(s.unscale_target(s.scale_target(100.0)), 100.0);
    assert!(matches!(
        Scaling::identity(1).with_target_range(3.0, 3.0),
        Err(DataError::BadRange { .. })
    ));
}

#[test]
fn apply_rejects_bad_inputs_and_invalid_scalings() {
    let s = Scaling::from_ranges(&[(0.0, 2.0), (0.0, 2.0)]).unwrap();
    let d = data(&["a", "b"], vec![vec![1.0, 1.0]], vec![0.0]);
    assert!(matches!(
        s.apply(&data(&["a"], vec![vec![1.0]], vec![0.0])),
        Err(DataError::FeatureCount {
            expected: 2,
            got: 1
        })
    ));
    let nan = data(
        &["a", "b"],
        vec![vec![1.0, 1.0], vec![1.0, f64::NAN]],
        vec![0.0, 0.0],
    );
    assert!(matches!(
        s.apply(&nan),
        Err(DataError::NonFinite { line: 3, ref column, .. }) if column == "b"
    ));
    let inf_label = data(&["a", "b"], vec![vec![1.0, 1.0]], vec![f64::INFINITY]);
    assert!(matches!(
        s.apply(&inf_label),
        Err(DataError::NonFinite { line: 2, ref column, .. }) if column == "label"
    ));
    for (o, c) in [
        (0.0, 0.0),
        (0.0, -1.0),
        (f64::NAN, 1.0),
        (0.0, f64::INFINITY),
    ] {
        let mut bad = s.clone();
        bad.offset[1] = o;
        bad.scale[1] = c;
        assert!(
            matches!(bad.apply(&d), Err(DataError::BadScaling { .. })),
            "{o} {c}"
        );
    }
    let mut bad = s.clone();
    bad.target_scale = 0.0;
    assert!(matches!(
        bad.validate(),
        Err(DataError::BadScaling { ref what, .. }) if what == "target"
    ));
    let mut bad = s.clone();
    bad.scale.pop();
    assert!(matches!(
        bad.validate(),
        Err(DataError::FeatureCount { .. })
    ));
    // A named scaling checks the data's column names.
    let named = Scaling::from_schema_csv("feature,min,max\na,0,2\nb,0,2\n").unwrap();
    assert!(named.apply(&d).is_ok());
    let swapped = data(&["b", "a"], vec![vec![1.0, 1.0]], vec![0.0]);
    assert!(matches!(
        named.apply(&swapped),
        Err(DataError::FeatureName { index: 0, .. })
    ));
}

#[test]
fn scaling_serde_round_trips() {
    let s = diabetes::schema();
    let json = serde_json::to_string(&s).unwrap();
    assert!(json.contains("\"target_scale\""));
    let back: Scaling = serde_json::from_str(&json).unwrap();
    // serde_json's default float parser may be one ulp off.
    let close = |a: &[f64], b: &[f64]| {
        a.len() == b.len()
            && a.iter()
                .zip(b)
                .all(|(x, y)| (x - y).abs() <= 4.0 * f64::EPSILON * x.abs().max(y.abs()))
    };
    assert_eq!(back.features, s.features);
    assert!(close(&back.offset, &s.offset) && close(&back.scale, &s.scale));
    assert!(close(
        &[back.target_offset, back.target_scale],
        &[s.target_offset, s.target_scale]
    ));
}

#[test]
fn schema_csv_parses_comments_roles_and_quotes() {
    let text = "# a comment\n\nfeature,min,max,role\r\n\"x, quoted\",-1,3,feature\ny,0,1\t,feature\n# another\nscore,25,345,target\n";
    let s = Scaling::from_schema_csv(text).unwrap();
    assert_eq!(s.features, vec!["x, quoted".to_string(), "y".into()]);
    assert_eq!(s.offset, vec![1.0, 0.5]);
    assert_eq!(s.scale, vec![2.0, 0.5]);
    assert_eq!((s.target_offset, s.target_scale), (185.0, 160.0));
    // Without a role column every row is a feature and the target is left.
    let s = Scaling::from_schema_csv("feature,min,max\na,0,4\n").unwrap();
    assert_eq!((s.offset[0], s.scale[0]), (2.0, 2.0));
    assert_eq!((s.target_offset, s.target_scale), (0.0, 1.0));
}

#[test]
fn schema_csv_mean_std_columns_scale_by_two_std() {
    assert_eq!(STD_MULTIPLE, 2.0);
    // Mean/std where given (both cells), the range where both are empty.
    let text = "feature,min,max,mean,std,role\na,0,10,3,1.5,feature\nb,-3,1,,,feature\nscore,25,345,150,80,target\n";
    let s = Scaling::from_schema_csv(text).unwrap();
    assert_eq!(s.offset, vec![3.0, -1.0]);
    assert_eq!(s.scale, vec![3.0, 2.0]);
    assert_eq!((s.target_offset, s.target_scale), (150.0, 160.0));
    let schema = Schema::parse(text).unwrap();
    assert_eq!(schema.entries().len(), 3);
    assert_eq!(schema.entries()[0].mean_std, Some((3.0, 1.5)));
    assert_eq!(
        (schema.entries()[0].min, schema.entries()[0].max),
        (0.0, 10.0)
    );
    assert_eq!(schema.entries()[1].mean_std, None);
    assert_eq!(schema.target().unwrap().name, "score");
    assert_eq!(schema.features().count(), 2);
    assert_eq!(schema.scaling(), s);
    // Without a role column.
    let s = Scaling::from_schema_csv("feature,min,max,mean,std\na,0,4,1,0.5\n").unwrap();
    assert_eq!((s.offset[0], s.scale[0]), (1.0, 1.0));
    assert_eq!((s.target_offset, s.target_scale), (0.0, 1.0));
    let d = data(&["a"], vec![vec![0.0], vec![3.0]], vec![0.0, 1.0]);
    assert_eq!(s.apply(&d).unwrap().rows, vec![vec![-1.0], vec![2.0]]);
}

#[test]
fn schema_csv_errors_are_typed_and_line_numbered() {
    let err = |t: &str| Scaling::from_schema_csv(t).unwrap_err();
    // A byte-order mark before the header is not part of it.
    assert!(Scaling::from_schema_csv("\u{feff}feature,min,max\na,0,1\n").is_ok());
    // The header's message lists every accepted form.
    let e = err("feature,lo,hi\na,0,1\n").to_string();
    assert!(e.contains("`feature,min,max,mean,std,role`"), "{e}");
    // A row of far too many cells, and a quote left open.
    assert!(matches!(
        err(&format!("feature,min,max\na,0,1{}\n", ",".repeat(100_000))),
        DataError::WrongWidth {
            line: 2,
            expected: 3,
            got: 100_003
        }
    ));
    assert!(matches!(
        err("feature,min,max\n\"a,0,1\n"),
        DataError::Quoting { line: 2, .. }
    ));
    assert_eq!(err(""), DataError::EmptyInput);
    assert_eq!(err("# only a comment\n"), DataError::EmptyInput);
    assert!(matches!(
        err("# c\nname,lo,hi\n"),
        DataError::SchemaHeader { line: 2, .. }
    ));
    assert!(matches!(
        err("feature,min,max\n"),
        DataError::SchemaRow { line: 1, .. }
    ));
    assert!(matches!(
        err("feature,min,max\na,0,1\nb,0\n"),
        DataError::WrongWidth {
            line: 3,
            expected: 3,
            got: 2
        }
    ));
    for cell in ["NaN", "inf", "-inf", "x", ""] {
        assert!(
            matches!(
                err(&format!("feature,min,max\na,0,1\n\nb,{cell},1\n")),
                DataError::NonNumeric { line: 4, ref column, .. } if column == "min"
            ),
            "{cell}"
        );
    }
    assert!(matches!(
        err("feature,min,max\na,0,NaN\n"),
        DataError::NonNumeric { line: 2, ref column, .. } if column == "max"
    ));
    assert!(matches!(
        err("feature,min,max\na,0,1\nb,2,1\n"),
        DataError::BadRange { line: Some(3), ref feature, min, max } if feature == "b" && min == 2.0 && max == 1.0
    ));
    assert!(matches!(
        err("feature,min,max\na,1,1\n"),
        DataError::BadRange { line: Some(2), .. }
    ));
    assert!(matches!(
        err("feature,min,max\na,0,1\nb,0,1\na,0,2\n"),
        DataError::DuplicateFeature { line: 4, first: 2, ref name } if name == "a"
    ));
    assert!(matches!(
        err("feature,min,max,role\na,0,1,feature\ny,0,1,target\ny,0,1,feature\n"),
        DataError::DuplicateFeature {
            line: 4,
            first: 3,
            ..
        }
    ));
    assert!(matches!(
        err("feature,min,max,role\na,0,1,feature\ny,0,1,target\nz,0,1,target\n"),
        DataError::SchemaRow { line: 4, .. }
    ));
    assert!(matches!(
        err("feature,min,max,role\na,0,1,label\n"),
        DataError::SchemaRow { line: 2, .. }
    ));
    assert!(matches!(
        err("feature,min,max\n,0,1\n"),
        DataError::SchemaRow { line: 2, .. }
    ));
    // mean/std: both or neither, finite, and possible within [min, max].
    assert!(matches!(
        err("feature,min,max,mean\na,0,1,0.5\n"),
        DataError::SchemaHeader { line: 1, .. }
    ));
    assert!(matches!(
        err("feature,min,max,mean,std\na,0,1,0.5\n"),
        DataError::WrongWidth {
            line: 2,
            expected: 5,
            got: 4
        }
    ));
    for row in ["a,0,1,0.5,", "a,0,1,,0.1"] {
        assert!(
            matches!(
                err(&format!("feature,min,max,mean,std\n{row}\n")),
                DataError::SchemaRow { line: 2, .. }
            ),
            "{row}"
        );
    }
    for (row, column) in [
        ("a,0,1,NaN,0.1", "mean"),
        ("a,0,1,0.5,inf", "std"),
        ("a,0,1,x,0.1", "mean"),
    ] {
        assert!(
            matches!(
                err(&format!("feature,min,max,mean,std\nb,0,1,0.5,0.1\n{row}\n")),
                DataError::NonNumeric { line: 3, column: ref c, .. } if c == column
            ),
            "{row}"
        );
    }
    for row in [
        "a,0,1,1.5,0.1",
        "a,0,1,-0.1,0.1",
        "a,0,1,0.5,0",
        "a,0,1,0.5,-0.1",
        "a,0,1,0.5,0.6",
    ] {
        assert!(
            matches!(
                err(&format!("feature,min,max,mean,std\n{row}\n")),
                DataError::SchemaRow { line: 2, .. }
            ),
            "{row}"
        );
    }
    // The range is still checked when mean/std are given.
    assert!(matches!(
        err("feature,min,max,mean,std\na,1,0,0.5,0.1\n"),
        DataError::BadRange { line: Some(2), .. }
    ));
    assert!(matches!(
        err("feature,min,max,mean,std,role\na,0,1,0.5,0.1,label\n"),
        DataError::SchemaRow { line: 2, .. }
    ));
    // The largest std a range allows is accepted, even for huge ranges.
    assert!(Scaling::from_schema_csv("feature,min,max,mean,std\na,0,1,0.5,0.5\n").is_ok());
    let huge = format!(
        "feature,min,max,mean,std\na,{},{},0,{}\n",
        -f64::MAX,
        f64::MAX,
        f64::MAX
    );
    assert!(matches!(err(&huge), DataError::SchemaRow { line: 2, .. }));
    let long = format!("feature,min,max\n{},0,1\n", "n".repeat(257));
    assert!(matches!(err(&long), DataError::SchemaRow { line: 2, .. }));
}

#[test]
fn schema_csv_is_size_capped() {
    let big = format!("feature,min,max\n{}", "#".repeat(MAX_SCHEMA_BYTES));
    assert!(matches!(
        Scaling::from_schema_csv(&big),
        Err(DataError::TooLarge {
            what: "schema bytes",
            ..
        })
    ));
    let mut many = String::from("feature,min,max\n");
    for i in 0..=MAX_SCHEMA_FEATURES {
        many.push_str(&format!("f{i},0,1\n"));
    }
    assert!(matches!(
        Scaling::from_schema_csv(&many),
        Err(DataError::TooLarge {
            what: "schema features",
            ..
        })
    ));
    let ranges = vec![(0.0, 1.0); MAX_SCHEMA_FEATURES + 1];
    assert!(matches!(
        Scaling::from_ranges(&ranges),
        Err(DataError::TooLarge { .. })
    ));
}

/// Every row of each full public data set lies within its bundled schema's
/// [min, max], the ranges are tight, the schema's mean/std are the data
/// set's (population std) to their rounding, the schema names the data
/// set's columns in order, and the scaling is the mean/std one.
#[test]
fn bundled_schemas_cover_the_full_data_sets() {
    for (d, text, s) in [
        (
            breast_cancer::load(),
            breast_cancer::SCHEMA_CSV,
            breast_cancer::schema(),
        ),
        (diabetes::load(), diabetes::SCHEMA_CSV, diabetes::schema()),
    ] {
        let schema = Schema::parse(text).unwrap();
        assert_eq!(schema.scaling(), s);
        assert_eq!(s.features, d.feature_names);
        s.validate().unwrap();
        let mut columns: Vec<(&SchemaEntry, Vec<f64>)> = schema
            .features()
            .enumerate()
            .map(|(j, e)| (e, d.rows.iter().map(|r| r[j]).collect()))
            .collect();
        if let Some(t) = schema.target() {
            columns.push((t, d.labels.clone()));
        } else {
            assert_eq!(s.apply(&d).unwrap().labels, d.labels);
        }
        for (e, col) in columns {
            let n = col.len() as f64;
            let lo = col.iter().cloned().fold(f64::INFINITY, f64::min);
            let hi = col.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            assert!(e.min <= lo && hi <= e.max, "{}: [{lo}, {hi}]", e.name);
            // Rounded outward by at most about 1% of the width on each side.
            let w = e.max - e.min;
            assert!(
                lo - e.min < 0.025 * w && e.max - hi < 0.025 * w,
                "{}: [{lo}, {hi}] in [{}, {}]",
                e.name,
                e.min,
                e.max
            );
            let mean = col.iter().sum::<f64>() / n;
            let std = (col.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt();
            let (m, sd) = e.mean_std.expect("the bundled schemas give mean/std");
            // Rounded to the step of the std's fourth significant digit.
            let step = 10f64.powi(std.log10().floor() as i32 - 3);
            assert!(
                (m - mean).abs() <= step / 2.0 + 1e-12 && (sd - std).abs() <= step / 2.0 + 1e-12,
                "{}: schema ({m}, {sd}), data ({mean}, {std})",
                e.name
            );
            assert_eq!((e.offset, e.scale), (m, STD_MULTIPLE * sd));
        }
    }
}

/// With k = STD_MULTIPLE, the public data sets' extremes fit the bundled
/// configurations' data formats, except for one diabetes value.
#[test]
fn bundled_scalings_fit_the_data_formats() {
    let count = |d: &RealDataset, s: &Scaling, cfg: &TrainConfig, kind: LabelKind| {
        quantise(
            &s.apply(d).unwrap(),
            cfg.data_format,
            kind,
            Overflow::Saturate,
        )
        .unwrap()
        .1
    };
    let bc = breast_cancer::load();
    let cfg = TrainConfig::breast_cancer(1);
    assert_eq!(
        count(&bc, &breast_cancer::schema(), &cfg, LabelKind::Binary),
        0
    );
    // The schema's own [min, max] fit too: every value the ranges allow.
    for e in Schema::parse(breast_cancer::SCHEMA_CSV).unwrap().entries() {
        for x in [e.min, e.max] {
            assert!(
                cfg.data_format.encode((x - e.offset) / e.scale).is_ok(),
                "{}",
                e.name
            );
        }
    }
    // S2's maximum is 4.18 standard deviations above its mean: 2.09 scaled,
    // beyond Q1.6's largest value 127/64. Nothing else saturates.
    let db = diabetes::load();
    let dcfg = TrainConfig::diabetes(1);
    assert_eq!(count(&db, &diabetes::schema(), &dcfg, LabelKind::Fixed), 1);
}

#[test]
fn diabetes_is_442_by_10_with_a_continuous_target() {
    let d = diabetes::load();
    assert_eq!(d.len(), diabetes::ROWS);
    assert_eq!(d.num_features(), diabetes::FEATURES);
    assert!(d.rows.iter().all(|r| r.len() == 10));
    let (lo, hi) = d
        .labels
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &y| {
            (a.min(y), b.max(y))
        });
    assert_eq!((lo, hi), (25.0, 346.0));
    let mean = d.labels.iter().sum::<f64>() / d.len() as f64;
    assert!((mean - 152.13).abs() < 0.01, "{mean}");
    let s = diabetes::schema();
    assert_eq!(s.num_features(), 10);
    assert_eq!(s.features[2], "BMI");
}

#[test]
fn prepare_scaled_uses_the_same_rows_as_prepare_and_no_statistics() {
    let d = breast_cancer::load();
    let cfg = TrainConfig::breast_cancer(91);
    let opts = SplitOptions {
        test_fraction: 0.2,
        shards: ShardSizes::Equal(5),
        seed: 9,
        format: cfg.data_format,
        labels: LabelKind::Binary,
    };
    let s = breast_cancer::schema();
    let a = prepare_scaled(&d, &opts, &s).unwrap();
    let b = prepare(&d, &opts).unwrap();
    assert_eq!(a.test_raw.len(), b.test_real.len());
    assert_eq!(a.test_raw.labels, b.test_real.labels);
    assert_eq!(a.test_real, s.apply(&a.test_raw).unwrap());
    assert_eq!(a.train_real, s.apply(&a.train_raw).unwrap());
    assert_eq!(a.scaling, s);
    assert_eq!(a.saturated, 0);
    assert!(a.shards.iter().all(|sh| sh.num_samples() == 91));
    // Each shard is the scaling of the provider's own rows alone: scaling a
    // shard on its own gives the same fixed-point data.
    let again = prepare_scaled(&d, &opts, &s).unwrap();
    assert_eq!(again.shards, a.shards);

    // Regression: the target is scaled into the fixed-point labels.
    let dd = diabetes::load();
    let dcfg = TrainConfig::diabetes(71);
    let p = prepare_scaled(
        &dd,
        &SplitOptions {
            labels: LabelKind::Fixed,
            format: dcfg.data_format,
            ..opts.clone()
        },
        &diabetes::schema(),
    )
    .unwrap();
    assert!(p.shards.iter().all(|sh| sh.num_samples() <= 71));
    let y0 = p.test.labels()[0] as f64 / dcfg.data_format.scale();
    let back = p.scaling.unscale_target(y0);
    let step = p.scaling.target_scale / dcfg.data_format.scale();
    assert!((back - p.test_raw.labels[0]).abs() <= step / 2.0 + 1e-9);
    // A binary data set with a target scaling is rejected, not mangled.
    let bad = s.clone().with_target_range(0.0, 2.0).unwrap();
    assert!(matches!(
        prepare_scaled(&d, &opts, &bad),
        Err(DataError::BadLabel { .. })
    ));
}

#[test]
fn least_squares_recovers_an_exact_linear_model() {
    let rows: Vec<Vec<f64>> = (0..20)
        .map(|i| vec![i as f64, ((i * 7) % 5) as f64, ((i * i) % 11) as f64])
        .collect();
    let labels: Vec<f64> = rows
        .iter()
        .map(|r| 2.0 * r[0] - 3.0 * r[1] + 0.5 * r[2] + 4.0)
        .collect();
    let d = data(&["a", "b", "c"], rows, labels);
    let ols = LinearBaseline::fit(&d).unwrap();
    for (w, e) in ols.weights.iter().zip([2.0, -3.0, 0.5, 4.0]) {
        assert!((w - e).abs() < 1e-9, "{:?}", ols.weights);
    }
    assert!((ols.r_squared(&d) - 1.0).abs() < 1e-12);
    assert_eq!(r_squared(&[1.0, 2.0, 3.0], &[2.0, 2.0, 2.0]), 0.0);
    // Collinear columns (b = 2a) are singular.
    let col = data(
        &["a", "b"],
        (0..5).map(|i| vec![i as f64, 2.0 * i as f64]).collect(),
        vec![0.0; 5],
    );
    assert_eq!(LinearBaseline::fit(&col), Err(DataError::Singular));
    assert_eq!(
        LinearBaseline::fit(&data(&["a"], vec![], vec![])),
        Err(DataError::NoRows)
    );
}
