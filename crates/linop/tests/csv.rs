//! CSV tables: one test per malformed input (line number and wording asserted), quoting,
//! line endings, BOM, column selection, exact round trips and a seeded fuzz loop that must
//! never panic.

use cstk_linop::Error;
use cstk_linop::io::csv::{Table, parse_csv, read_csv};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn parse(text: &str) -> Table {
    parse_csv(text, Path::new("data.csv")).unwrap()
}

/// Parses `text`, expecting an [`Error::Format`]; returns its line and reason.
fn fail(text: &str) -> (Option<usize>, String) {
    match parse_csv(text, Path::new("data.csv")) {
        Err(Error::Format { path, line, reason }) => {
            assert_eq!(path, Path::new("data.csv"));
            (line, reason)
        }
        other => panic!("expected a format error for {text:?}, got {other:?}"),
    }
}

/// A scratch directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("cstk-csv-test-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn csv_basic_table() {
    let t = parse("a, b ,c\n1,2,3\n-4.5, 5e-3 ,+6\n");
    assert_eq!(t.names(), ["a", "b", "c"]);
    assert_eq!((t.nrows(), t.ncols()), (2, 3));
    assert_eq!(t.column(0), [1.0, -4.5]);
    assert_eq!(t.column(1), [2.0, 5e-3]);
    assert_eq!(t.column(2), [3.0, 6.0]);
    assert_eq!(t.get(1, 2), 6.0);
    assert_eq!(t.values(), [1.0, -4.5, 2.0, 5e-3, 3.0, 6.0]);
    let m = t.to_dmatrix();
    assert_eq!(m.shape(), (2, 3));
    assert_eq!(m[(1, 0)], -4.5);
    let (names, m2) = t.clone().into_parts();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(m2, m);
    assert_eq!(t.into_dmatrix(), m);
}

#[test]
fn csv_quoted_fields() {
    let text = "\"x, first\",\"say \"\"hi\"\"\", \"plain\" ,last\n\"1\",2, \"3\" ,4\n";
    let t = parse(text);
    assert_eq!(t.names(), ["x, first", "say \"hi\"", "plain", "last"]);
    assert_eq!(t.column(0), [1.0]);
    assert_eq!(t.column(2), [3.0]);
    // a field quoted in the data with a comma inside still counts as one field
    let t = parse("a,b\n\"1\",\"2\"\n");
    assert_eq!(t.column(1), [2.0]);
    let (line, reason) = fail("a,b\n1,\"2,5\"\n");
    assert_eq!(line, Some(2));
    assert_eq!(
        reason,
        r#"column "b" (2nd): cannot parse "2,5" as a number"#
    );
}

#[test]
fn csv_unterminated_quote_and_text_after_quote() {
    let (line, reason) = fail("a,b\n1,2\n3,\"4\n");
    assert_eq!(line, Some(3));
    assert!(
        reason.starts_with("unterminated quoted field (field 2)"),
        "{reason}"
    );
    let (line, reason) = fail("\"a\"x,b\n1,2\n");
    assert_eq!(line, Some(1));
    assert!(
        reason.starts_with(r#"unexpected text "x,b" after the closing quote of field 1"#),
        "{reason}"
    );
}

#[test]
fn csv_crlf_bom_blank_lines_and_delimiters() {
    let t = parse("\u{feff}a,b\r\n1,2\r\n\r\n3,4\r\n\r\n\r\n");
    assert_eq!(t.names(), ["a", "b"]);
    assert_eq!(t.column(1), [2.0, 4.0]);
    // leading blank lines: line numbers stay physical
    let (line, reason) = fail("\n\na,b\n1,2\n1\n");
    assert_eq!(line, Some(5));
    assert_eq!(reason, "1 field, expected 2 (as in the header on line 3)");
    // tab- and semicolon-separated files, detected from the header
    assert_eq!(parse("a\tb\n1\t2\n").column(1), [2.0]);
    assert_eq!(parse("a;b\n1;2\n").column(1), [2.0]);
    // a single column
    let t = parse("y\n1\n2\n");
    assert_eq!((t.nrows(), t.ncols()), (2, 1));
}

#[test]
fn csv_ragged_rows() {
    let mut text = String::from("a,b,c,d,e,f,g,h,i,j,k\n");
    for _ in 0..7 {
        text.push_str("0,1,2,3,4,5,6,7,8,9,10\n");
    }
    text.push_str("1,2,3,4\n");
    let (line, reason) = fail(&text);
    assert_eq!(line, Some(9));
    assert_eq!(reason, "4 fields, expected 11 (as in the header on line 1)");
    let (line, reason) = fail("a,b\n1,2,\n");
    assert_eq!(line, Some(2));
    assert_eq!(reason, "3 fields, expected 2 (as in the header on line 1)");
}

#[test]
fn csv_bad_cells() {
    let head = "age,sex,bmi\n";
    let cases = [
        (
            "1,2,abc",
            r#"column "bmi" (3rd): cannot parse "abc" as a number"#,
        ),
        (
            "1,,3",
            r#"column "sex" (2nd): empty cell (missing values are not supported)"#,
        ),
        (
            "1,2,  ",
            r#"column "bmi" (3rd): empty cell (missing values are not supported)"#,
        ),
        (
            "NaN,2,3",
            r#"column "age" (1st): "NaN" is not allowed (NaN)"#,
        ),
        (
            "1,nan,3",
            r#"column "sex" (2nd): "nan" is not allowed (NaN)"#,
        ),
        (
            "1,2,-inf",
            r#"column "bmi" (3rd): "-inf" is not allowed (infinite)"#,
        ),
        (
            "1,Infinity,3",
            r#"column "sex" (2nd): "Infinity" is not allowed (infinite)"#,
        ),
        (
            "1e400,2,3",
            r#"column "age" (1st): "1e400" is out of the range of f64"#,
        ),
        (
            "1,2,3 4",
            r#"column "bmi" (3rd): cannot parse "3 4" as a number"#,
        ),
    ];
    for (row, want) in cases {
        let text = format!("{head}1,2,3\r\n4,5,6\n{row}\n7,8,9\n");
        let (line, reason) = fail(&text);
        assert_eq!(line, Some(4), "{row}");
        assert_eq!(reason, want, "{row}");
        // the full message as the CLI prints it
        let msg = parse_csv(&text, Path::new("data.csv"))
            .unwrap_err()
            .to_string();
        assert_eq!(msg, format!("data.csv:4: {want}"));
    }
    // long cells are shortened in the message
    let long = "x".repeat(100);
    let (_, reason) = fail(&format!("a\n{long}\n"));
    assert!(
        reason.contains(&format!("\"{}…\"", "x".repeat(40))),
        "{reason}"
    );
}

#[test]
fn csv_bad_headers() {
    let (line, reason) = fail("a,b,a\n1,2,3\n");
    assert_eq!(line, Some(1));
    assert_eq!(
        reason,
        r#"duplicate column name "a": the 1st and 3rd columns"#
    );
    let (line, reason) = fail("\n a , \"a\" \n1,2\n");
    assert_eq!(line, Some(2));
    assert_eq!(
        reason,
        r#"duplicate column name "a": the 1st and 2nd columns"#
    );
    let (line, reason) = fail("a,,c\n1,2,3\n");
    assert_eq!(line, Some(1));
    assert_eq!(reason, "the 2nd column has an empty name in the header");
    // pandas' default index column gets a hint
    let (line, reason) = fail(",x0,x1\n0,1.5,2.5\n");
    assert_eq!(line, Some(1));
    assert!(
        reason.starts_with("the 1st column has an empty name in the header (an unnamed first column is often a row index"),
        "{reason}"
    );
    assert!(reason.contains("index=False"), "{reason}");
}

#[test]
fn csv_empty_file_and_header_only() {
    for text in ["", "\n\n", " \r\n", "\u{feff}"] {
        let (line, reason) = fail(text);
        assert_eq!(line, None, "{text:?}");
        assert_eq!(reason, "empty file: expected a header row of column names");
    }
    for text in ["a,b", "a,b\n", "\na,b\r\n\r\n"] {
        let (line, reason) = fail(text);
        assert_eq!(line, None, "{text:?}");
        assert!(
            reason.starts_with("no data rows (only the header on line "),
            "{reason}"
        );
    }
    assert_eq!(
        parse_csv("\na,b\n", Path::new("h.csv"))
            .unwrap_err()
            .to_string(),
        "h.csv: no data rows (only the header on line 2)"
    );
}

#[test]
fn csv_read_file_io_and_utf8_errors() {
    let dir = TempDir::new("read");
    let p = dir.0.join("data.csv");
    // missing file
    assert!(matches!(read_csv(&p), Err(Error::Io { .. })));
    // invalid UTF-8 on line 3, byte 3 of that line
    std::fs::write(&p, b"a,b\n1,2\n3,\xff4\n").unwrap();
    match read_csv(&p) {
        Err(Error::Format { line, reason, .. }) => {
            assert_eq!(line, Some(3));
            assert!(
                reason.starts_with("invalid UTF-8 at byte 3 of the line"),
                "{reason}"
            );
        }
        other => panic!("{other:?}"),
    }
    // Latin-1 in the header
    std::fs::write(&p, b"caf\xe9,b\n1,2\n").unwrap();
    let err = read_csv(&p).unwrap_err();
    assert!(matches!(err, Error::Format { line: Some(1), .. }), "{err}");
    // non-ASCII UTF-8 names are fine
    std::fs::write(&p, "café,β\r\n1,2\r\n").unwrap();
    let t = read_csv(&p).unwrap();
    assert_eq!(t.names(), ["café", "β"]);
    let msg = read_csv(&dir.0.join("nope.csv")).unwrap_err().to_string();
    assert!(msg.contains("nope.csv"), "{msg}");
}

#[test]
fn csv_take_column_by_name_index_and_missing() {
    let text = "age,sex,bmi,bp,s1,s2,s3,s4,s5,s6,target\n\
                1,2,3,4,5,6,7,8,9,10,11\n\
                12,13,14,15,16,17,18,19,20,21,22\n";
    let mut t = parse(text);
    assert_eq!(t.find_column("bmi").unwrap(), 2);
    assert_eq!(t.column_by("bp").unwrap(), [4.0, 15.0]);
    assert_eq!(t.take_column("target").unwrap(), [11.0, 22.0]);
    assert_eq!(t.ncols(), 10);
    assert_eq!(t.names().last().unwrap(), "s6");
    // by 0-based index, and from the end
    assert_eq!(t.take_column("1").unwrap(), [2.0, 13.0]);
    assert_eq!(t.names()[..3], ["age", "bmi", "bp"]);
    assert_eq!(t.take_column("-1").unwrap(), [10.0, 21.0]);
    assert_eq!(t.ncols(), 8);
    assert_eq!(t.to_dmatrix().ncols(), 8);
    assert_eq!(t.column(1), [3.0, 14.0]);

    // missing name: the table is unchanged and the error lists names
    let before = t.clone();
    let err = t.take_column("y").unwrap_err();
    assert_eq!(t, before);
    match &err {
        Error::InvalidParam { name, value, .. } => {
            assert_eq!((*name, value.as_str()), ("column", "\"y\""));
        }
        other => panic!("{other:?}"),
    }
    let msg = err.to_string();
    assert!(msg.contains(r#"there is no column named "y""#), "{msg}");
    assert!(
        msg.contains(r#""age", "bmi", "bp", "s1", "s2", "s3", "s4", "s5""#),
        "{msg}"
    );
    assert!(!msg.contains("…"), "{msg}");

    // out-of-range index
    let msg = t.take_column("8").unwrap_err().to_string();
    assert!(msg.contains("a 0-based column index in 0..8"), "{msg}");
    assert!(t.take_column("-9").is_err());

    // more names than shown: an ellipsis with the count
    let names: Vec<String> = (0..20).map(|k| format!("f{k}")).collect();
    let text = format!("{}\n{}\n", names.join(","), vec!["0"; 20].join(","));
    let msg = parse(&text).find_column("zzz").unwrap_err().to_string();
    assert!(msg.contains(r#""f7", … (20 columns)"#), "{msg}");
    assert!(!msg.contains("\"f8\""), "{msg}");

    // a header name that looks like an index wins over the index
    let mut t = parse("1,0\n10,20\n");
    assert_eq!(t.take_column("0").unwrap(), [20.0]);
    assert_eq!(t.take_column("0").unwrap(), [10.0]); // now an index
    assert_eq!(t.ncols(), 0);
}

#[test]
fn csv_values_round_trip_exactly() {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (m, n) = (37, 13);
    let values: Vec<f64> = (0..m * n)
        .map(|k| match k % 5 {
            0 => rng.random::<f64>() * 1e-300,
            1 => (rng.random::<f64>() - 0.5) * 1e300,
            2 => f64::from(rng.random_range(-1000..1000)),
            3 => -0.0,
            _ => rng.random::<f64>() - 0.5,
        })
        .collect();
    // row-major text with Rust's shortest round-trip formatting, and some in `{:e}`
    let mut text = (0..n)
        .map(|j| format!("c{j}"))
        .collect::<Vec<_>>()
        .join(",");
    text.push('\n');
    for i in 0..m {
        for j in 0..n {
            let v = values[i * n + j];
            if j > 0 {
                text.push(',');
            }
            if (i + j) % 2 == 0 {
                write!(text, "{v}").unwrap();
            } else {
                write!(text, "{v:e}").unwrap();
            }
        }
        text.push('\n');
    }
    let t = parse(&text);
    assert_eq!((t.nrows(), t.ncols()), (m, n));
    for i in 0..m {
        for j in 0..n {
            assert_eq!(
                t.get(i, j).to_bits(),
                values[i * n + j].to_bits(),
                "({i}, {j})"
            );
        }
    }
    // through a file, too
    let dir = TempDir::new("roundtrip");
    let p = dir.0.join("r.csv");
    std::fs::write(&p, &text).unwrap();
    assert_eq!(read_csv(&p).unwrap(), t);
    // and from_columns builds the same table
    let u = Table::from_columns(t.names().to_vec(), m, t.values().to_vec()).unwrap();
    assert_eq!(u, t);
}

#[test]
fn csv_from_columns_checks() {
    let names = || vec!["a".to_string(), "b".to_string()];
    assert!(matches!(
        Table::from_columns(names(), 2, vec![1.0; 3]),
        Err(Error::ShapeMismatch { .. })
    ));
    assert!(matches!(
        Table::from_columns(vec!["a".into(), String::new()], 1, vec![1.0; 2]),
        Err(Error::InvalidParam { .. })
    ));
    assert!(matches!(
        Table::from_columns(names(), 1, vec![1.0, f64::NAN]),
        Err(Error::NonFinite { .. })
    ));
    let t = Table::from_columns(Vec::new(), 0, Vec::new()).unwrap();
    assert_eq!((t.nrows(), t.ncols()), (0, 0));
}

#[test]
fn csv_fuzz_never_panics() {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let alphabet = [
        "a", "b", ",", ",", "\"", "\"\"", "1", "2.5", "-", "e", "\n", "\r\n", " ", "\t", ";",
        "nan", "inf", "é", "\u{feff}",
    ];
    for _ in 0..3000 {
        let len = rng.random_range(0..40);
        let text: String = (0..len)
            .map(|_| alphabet[rng.random_range(0..alphabet.len())])
            .collect();
        if let Ok(t) = parse_csv(&text, Path::new("f.csv")) {
            assert_eq!(t.values().len(), t.nrows() * t.ncols());
            assert!(t.values().iter().all(|v| v.is_finite()));
            assert!(t.nrows() > 0);
        }
    }
}

/// 1000 × 5000 (about 50 MB): run with `cargo test --release -p cstk-linop --test csv --
/// --ignored` to see the time.
#[test]
#[ignore = "large; timing check for release builds"]
fn csv_large_table_timing() {
    let (m, n) = (1000, 5000);
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let mut text = (0..n)
        .map(|j| format!("x{j}"))
        .collect::<Vec<_>>()
        .join(",");
    text.push('\n');
    for _ in 0..m {
        for j in 0..n {
            if j > 0 {
                text.push(',');
            }
            write!(text, "{}", rng.random::<f64>() - 0.5).unwrap();
        }
        text.push('\n');
    }
    let dir = TempDir::new("large");
    let p = dir.0.join("large.csv");
    std::fs::write(&p, &text).unwrap();
    let t0 = std::time::Instant::now();
    let t = read_csv(&p).unwrap();
    let secs = t0.elapsed().as_secs_f64();
    eprintln!(
        "read_csv: {} MB, {m} x {n} in {secs:.3} s",
        text.len() / 1_000_000
    );
    assert_eq!((t.nrows(), t.ncols()), (m, n));
}
