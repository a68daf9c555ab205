//! The CSV loader: a round trip, and one typed error per kind of bad input.

use zkagg_data::{
    load_csv_file, parse_csv, parse_csv_fixed, parse_csv_fixed_with, to_csv, CsvSchema, DataError,
    Overflow, RealDataset, Standardizer,
};
use zkagg_zk::field::FixedPoint;
use zkagg_zk::model::{Dataset, LabelKind};

const Q44: FixedPoint = FixedPoint {
    frac_bits: 4,
    total_bits: 8,
};

fn schema() -> CsvSchema {
    CsvSchema::new(&["a", "b"], "y")
}

fn fixed(text: &str) -> Result<Dataset, DataError> {
    parse_csv_fixed(text, &schema(), Q44, LabelKind::Binary, None)
}

#[test]
fn good_file_loads_with_reordered_and_extra_columns() {
    let text = "id,b,\"a\",y\r\n1, 0.5,-1.25,1\n\n2,7.9375,-8,0\n";
    let d = fixed(text).unwrap();
    assert_eq!(d.num_features(), 2);
    assert_eq!(d.features(), &[-20, 8, -128, 127]);
    assert_eq!(d.labels(), &[1, 0]);
}

#[test]
fn round_trip_through_to_csv() {
    let real = RealDataset {
        feature_names: vec!["a".into(), "b, with comma".into()],
        rows: vec![vec![1.5, -2.0], vec![0.0, 3.25]],
        labels: vec![1.0, 0.0],
    };
    let text = to_csv(&real, "y");
    let back = parse_csv(&text, &CsvSchema::new(&["a", "b, with comma"], "y")).unwrap();
    assert_eq!(back, real);
}

#[test]
fn missing_column() {
    assert_eq!(
        fixed("a,y\n1,0\n"),
        Err(DataError::MissingColumn { name: "b".into() })
    );
    assert_eq!(
        fixed("a,b\n1,0\n"),
        Err(DataError::MissingColumn { name: "y".into() })
    );
}

#[test]
fn duplicate_column() {
    assert_eq!(
        fixed("a,b,a,y\n1,2,3,0\n"),
        Err(DataError::DuplicateColumn {
            line: 1,
            name: "a".into()
        })
    );
}

#[test]
fn non_numeric_cells() {
    assert_eq!(
        fixed("a,b,y\n1,2,0\n1,abc,1\n"),
        Err(DataError::NonNumeric {
            line: 3,
            column: "b".into(),
            cell: "abc".into()
        })
    );
    assert!(matches!(
        fixed("a,b,y\n1,NaN,0\n"),
        Err(DataError::NonNumeric { .. })
    ));
    assert!(matches!(
        fixed("a,b,y\n1,inf,0\n"),
        Err(DataError::NonNumeric { .. })
    ));
    assert!(matches!(
        fixed("a,b,y\n1,,0\n"),
        Err(DataError::NonNumeric { .. })
    ));
}

#[test]
fn wrong_widths() {
    assert_eq!(
        fixed("a,b,y\n1,2,0\n1,2\n"),
        Err(DataError::WrongWidth {
            line: 3,
            expected: 3,
            got: 2
        })
    );
    assert!(matches!(
        fixed("a,b,y\n1,2,0,9\n"),
        Err(DataError::WrongWidth {
            line: 2,
            expected: 3,
            got: 4
        })
    ));
}

#[test]
fn a_row_of_many_cells_is_refused_with_its_count_without_storing_them() {
    // Fifty thousand cells where the header has three: counted, not stored.
    let text = format!("a,b,y\n1,2,0\n1,2,0{}\n", ",".repeat(50_000));
    assert_eq!(
        fixed(&text),
        Err(DataError::WrongWidth {
            line: 3,
            expected: 3,
            got: 50_003
        })
    );
    // One cell past the cap of a cell's length.
    let long = "1".repeat(zkagg_data::csv::MAX_CELL_BYTES + 1);
    assert!(matches!(
        fixed(&format!("a,b,y\n{long},2,0\n")),
        Err(DataError::Quoting { line: 2, ref reason }) if reason.contains("longer than")
    ));
    // A long bad cell is shown shortened.
    let long = "x".repeat(1000);
    match fixed(&format!("a,b,y\n{long},2,0\n")) {
        Err(e @ DataError::NonNumeric { .. }) => assert!(e.to_string().len() < 200, "{e}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn malformed_quotes_are_refused_with_their_line() {
    for (row, what) in [
        ("\"1,2,0", "not closed"),
        ("1\"5,2,0", "inside an unquoted cell"),
        ("\"1\"5,2,0", "after the closing quote"),
        ("\"1\" \"\",2,0", "inside an unquoted cell"),
    ] {
        match fixed(&format!("a,b,y\n1,2,0\n{row}\n")) {
            Err(DataError::Quoting { line: 3, reason }) => {
                assert!(reason.contains(what), "{row}: {reason}")
            }
            other => panic!("{row}: {other:?}"),
        }
    }
    // Well-formed quoting: a quoted comma, a doubled quote, spaces around.
    let d = parse_csv(
        "\"a,1\", \"b\"\"\" ,y\n \"1\" ,2,0\n",
        &CsvSchema::new(&["a,1", "b\""], "y"),
    )
    .unwrap();
    assert_eq!(d.rows, vec![vec![1.0, 2.0]]);
}

#[test]
fn values_beyond_the_fixed_point_range() {
    // Q4.4 holds [-8, 7.9375]; 7.97 rounds to 8.0, out of range.
    let err = fixed("a,b,y\n1,2,0\n\n-8.5,0,1\n").unwrap_err();
    assert!(
        matches!(&err, DataError::OutOfRange { line: 4, column, value, .. } if column == "a" && *value == -8.5),
        "{err:?}"
    );
    assert!(matches!(
        fixed("a,b,y\n0,7.97,1\n"),
        Err(DataError::OutOfRange { line: 2, .. })
    ));
    // After standardisation the check applies to the standardised value.
    let st = Standardizer {
        means: vec![0.0, 100.0],
        stds: vec![1.0, 1.0],
    };
    assert!(parse_csv_fixed(
        "a,b,y\n0,105,1\n",
        &schema(),
        Q44,
        LabelKind::Binary,
        Some(&st)
    )
    .is_ok());
    assert!(matches!(
        parse_csv_fixed(
            "a,b,y\n0,5,1\n",
            &schema(),
            Q44,
            LabelKind::Binary,
            Some(&st)
        ),
        Err(DataError::OutOfRange { .. })
    ));
}

#[test]
fn saturation_is_opt_in() {
    let (d, sat) = parse_csv_fixed_with(
        "a,b,y\n-8.5,9,1\n0,1,0\n",
        &schema(),
        Q44,
        LabelKind::Binary,
        None,
        Overflow::Saturate,
    )
    .unwrap();
    assert_eq!(sat, 2);
    assert_eq!(d.features(), &[-128, 127, 0, 16]);
}

#[test]
fn bad_labels_and_empty_inputs() {
    assert_eq!(
        fixed("a,b,y\n1,2,2\n"),
        Err(DataError::BadLabel {
            line: 2,
            value: 2.0
        })
    );
    assert_eq!(fixed(""), Err(DataError::EmptyInput));
    assert_eq!(fixed("a,b,y\n\n"), Err(DataError::NoRows));
    // Fixed-point labels (regression) are range-checked like features.
    assert!(matches!(
        parse_csv_fixed("a,b,y\n1,2,9\n", &schema(), Q44, LabelKind::Fixed, None),
        Err(DataError::OutOfRange { .. })
    ));
}

#[test]
fn missing_file_is_an_io_error() {
    let r = load_csv_file(
        std::path::Path::new("/nonexistent/zkagg/data.csv"),
        &schema(),
        Q44,
        LabelKind::Binary,
        None,
    );
    assert!(matches!(r, Err(DataError::Io { .. })));
}

#[test]
fn file_loads() {
    let dir = std::env::temp_dir().join(format!("zkagg-data-csv-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("shard.csv");
    std::fs::write(&path, "a,b,y\n1,2,1\n-1,-2,0\n").unwrap();
    let d = load_csv_file(&path, &schema(), Q44, LabelKind::Binary, None).unwrap();
    assert_eq!(d.labels(), &[1, 0]);
    std::fs::remove_dir_all(&dir).unwrap();
}

mod provider_csv {
    use super::*;
    use zkagg_data::{parse_provider_csv, provider_shards, Bundled, Scaling};

    /// x' = (x - 1) / 2 for both features; the binary label unscaled.
    fn scaling() -> Scaling {
        Scaling {
            features: vec!["a".into(), "b".into()],
            offset: vec![1.0, 1.0],
            scale: vec![2.0, 2.0],
            target_offset: 0.0,
            target_scale: 1.0,
        }
    }

    fn load(text: &str, max_rows: usize) -> Result<(Dataset, usize), DataError> {
        parse_provider_csv(
            text,
            &schema(),
            &scaling(),
            Q44,
            LabelKind::Binary,
            max_rows,
        )
    }

    #[test]
    fn scales_quantises_and_winsorises() {
        // a' = (3 - 1) / 2 = 1 -> 16; b' = (0 - 1) / 2 = -0.5 -> -8;
        // a' = (99 - 1) / 2 = 49 saturates to 127.
        let (d, saturated) = load("\u{feff}y,b,a\n1,0,3\n\n0,1,99\n", 10).unwrap();
        assert_eq!(d.features(), &[16, -8, 127, 0]);
        assert_eq!(d.labels(), &[1, 0]);
        assert_eq!(saturated, 1);
    }

    #[test]
    fn every_bad_row_names_its_line() {
        let cases: [(&str, DataError); 4] = [
            (
                "a,b,y\n1,2,0\n\n1,x,1\n",
                DataError::NonNumeric {
                    line: 4,
                    column: "b".into(),
                    cell: "x".into(),
                },
            ),
            (
                "a,b,y\n1,2,0\n1,2\n",
                DataError::WrongWidth {
                    line: 3,
                    expected: 3,
                    got: 2,
                },
            ),
            (
                "a,b,y\n1,2,0\n\n\n1,NaN,1\n",
                DataError::NonNumeric {
                    line: 5,
                    column: "b".into(),
                    cell: "NaN".into(),
                },
            ),
            (
                "a,b,y\n1,2,0\n\n1,2,0.5\n",
                DataError::BadLabel {
                    line: 4,
                    value: 0.5,
                },
            ),
        ];
        for (text, want) in cases {
            assert_eq!(load(text, 10).unwrap_err(), want, "{text:?}");
        }
    }

    #[test]
    fn rows_past_the_cap_are_refused_before_they_are_read() {
        let text = "a,b,y\n1,2,0\n1,2,1\n\n1,2,0\n";
        assert!(load(text, 3).is_ok());
        assert_eq!(
            load(text, 2).unwrap_err(),
            DataError::TooManyRows { line: 5, max: 2 }
        );
        let wide = format!(
            "{}\n",
            vec!["c"; zkagg_data::csv::MAX_CSV_COLUMNS + 1].join(",")
        );
        assert!(matches!(load(&wide, 2), Err(DataError::TooLarge { .. })));
    }

    #[test]
    fn a_header_that_does_not_match_the_schema_is_refused() {
        assert_eq!(
            load("a,B,y\n1,2,0\n", 10).unwrap_err(),
            DataError::MissingColumn { name: "b".into() }
        );
        assert_eq!(
            load("\na,b,b,y\n1,2,3,0\n", 10).unwrap_err(),
            DataError::DuplicateColumn {
                line: 2,
                name: "b".into()
            }
        );
        assert_eq!(load("", 10).unwrap_err(), DataError::EmptyInput);
        assert_eq!(load("a,b,y\n", 10).unwrap_err(), DataError::NoRows);
    }

    #[test]
    fn bundled_shards_are_deterministic_and_capped() {
        let b = Bundled::BreastCancer;
        let scaling = Scaling::from_schema_csv(b.schema_csv()).unwrap();
        let shards = |seed| {
            provider_shards(&b.load(), &scaling, Q44, b.label_kind(), 3, 7, seed)
                .unwrap()
                .shards
        };
        let s = shards(5);
        assert_eq!(s.len(), 3);
        assert!(s.iter().all(|d| d.num_samples() == 7));
        assert_eq!(s, shards(5));
        assert_ne!(s, shards(6));
        assert_eq!(Bundled::from_name("diabetes"), Some(Bundled::Diabetes));
        assert_eq!(Bundled::from_name("iris"), None);
    }
}
