//! Numeric CSV tables with a header row: the input of feature selection (one column is the
//! target, the others the features), as `pandas.read_csv` would load a numeric data set.
//!
//! ```text
//! age,sex,bmi,"blood pressure",target
//! 0.038,0.051,0.062,0.022,151
//! -0.002,-0.045,-0.051,-0.026,75
//! ```
//!
//! | rule | what is accepted |
//! |---|---|
//! | header | required: the first non-blank line; names are trimmed, may be quoted, must be non-empty and distinct |
//! | delimiter | `,`; a header without a comma but with a tab (or else a `;`) makes that the delimiter |
//! | quoting | RFC 4180 double quotes: `"a,b"` is one field, `""` inside quotes is a `"`; a quoted field cannot span lines |
//! | cells | decimal numbers as Rust's `f64::from_str` reads them (`1`, `-2.5`, `3e-4`, `+.5`), trimmed, optionally quoted |
//! | lines | `\n` or `\r\n` endings; blank lines are skipped anywhere (as pandas does); a UTF-8 byte-order mark is ignored |
//!
//! Stricter than pandas: empty cells, `NaN`, `inf` and numbers beyond the range of `f64` are
//! errors rather than missing values, because every solver downstream rejects them and the
//! line that holds them is the most useful thing to report. Every problem is an
//! [`Error::Format`] naming the file and the 1-based physical line, and the column by name
//! and position where one is involved, e.g.
//! `data.csv:17: column "bmi" (3rd): cannot parse "abc" as a number`.
//!
//! The values are stored column by column (as [`DMatrix`]), so [`Table::column`] is a slice
//! and [`Table::into_dmatrix`] does not copy.
//!
//! ```
//! use cstk_linop::io::csv::parse_csv;
//! use std::path::Path;
//! let text = "x1,x2,\"y, target\"\n1,2,3\n4,5,6\n";
//! let mut t = parse_csv(text, Path::new("data.csv"))?;
//! assert_eq!((t.nrows(), t.ncols()), (2, 3));
//! let y = t.take_column("y, target")?; // by name, or by 0-based index: "2"
//! assert_eq!(y, [3.0, 6.0]);
//! assert_eq!(t.names(), ["x1", "x2"]);
//! let x = t.into_dmatrix(); // 2 × 2 features
//! assert_eq!(x[(1, 0)], 4.0);
//! # Ok::<(), cstk_linop::Error>(())
//! ```

use crate::{Error, Result};
use nalgebra::DMatrix;
use std::collections::HashMap;
use std::path::Path;

/// How many characters of a cell or name an error message shows.
const SHOW_CHARS: usize = 40;
/// How many column names an unknown-column error lists.
const SHOW_NAMES: usize = 8;

/// A numeric table read from CSV: named columns of `f64`, `nrows × ncols`, every value
/// finite.
///
/// ```
/// use cstk_linop::io::csv::parse_csv;
/// use std::path::Path;
/// let t = parse_csv("a,b\n1,2\n3,4\n5,6\n", Path::new("t.csv"))?;
/// assert_eq!(t.column(1), [2.0, 4.0, 6.0]);
/// assert_eq!(t.column_by("a")?, [1.0, 3.0, 5.0]);
/// assert_eq!(t.get(2, 0), 5.0);
/// # Ok::<(), cstk_linop::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    names: Vec<String>,
    nrows: usize,
    /// Column-major: column `j` is `data[j * nrows..(j + 1) * nrows]`.
    data: Vec<f64>,
}

impl Table {
    /// A table from its column names and column-major values (`data.len()` must be
    /// `nrows * names.len()`).
    ///
    /// # Errors
    /// [`Error::ShapeMismatch`] when the length of `data` does not match;
    /// [`Error::InvalidParam`] for an empty or repeated name;
    /// [`Error::NonFinite`] for a NaN or infinite value.
    ///
    /// ```
    /// use cstk_linop::io::csv::Table;
    /// let t = Table::from_columns(vec!["u".into(), "v".into()], 2, vec![1.0, 2.0, 3.0, 4.0])?;
    /// assert_eq!(t.column(1), [3.0, 4.0]);
    /// assert!(Table::from_columns(vec!["u".into(), "u".into()], 1, vec![1.0, 2.0]).is_err());
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn from_columns(names: Vec<String>, nrows: usize, data: Vec<f64>) -> Result<Table> {
        let want = nrows.checked_mul(names.len());
        if want != Some(data.len()) {
            return Err(Error::ShapeMismatch {
                context: "Table::from_columns".into(),
                expected: format!("{nrows} × {} = {} values", names.len(), want.unwrap_or(0)),
                got: format!("{} values", data.len()),
            });
        }
        let mut seen = HashMap::with_capacity(names.len());
        for (j, name) in names.iter().enumerate() {
            if name.is_empty() || seen.insert(name.as_str(), j).is_some() {
                return Err(Error::InvalidParam {
                    name: "names",
                    value: format!("{name:?} (column {j})"),
                    expected: "non-empty, distinct column names".into(),
                });
            }
        }
        if let Some(k) = data.iter().position(|v| !v.is_finite()) {
            return Err(Error::NonFinite {
                context: "Table::from_columns".into(),
                position: format!("row {}, column {:?}", k % nrows, names[k / nrows]),
                value: data[k].to_string(),
            });
        }
        Ok(Table { names, nrows, data })
    }

    /// Number of data rows.
    #[must_use]
    pub fn nrows(&self) -> usize {
        self.nrows
    }

    /// Number of columns.
    #[must_use]
    pub fn ncols(&self) -> usize {
        self.names.len()
    }

    /// The column names, in file order.
    #[must_use]
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// All values, column-major (column `j` at `j * nrows..(j + 1) * nrows`).
    #[must_use]
    pub fn values(&self) -> &[f64] {
        &self.data
    }

    /// The value in row `i`, column `j`.
    ///
    /// # Panics
    /// When `i >= nrows` or `j >= ncols`.
    #[must_use]
    #[track_caller]
    pub fn get(&self, i: usize, j: usize) -> f64 {
        assert!(
            i < self.nrows && j < self.ncols(),
            "Table::get({i}, {j}) out of bounds for a {} × {} table",
            self.nrows,
            self.ncols()
        );
        self.data[j * self.nrows + i]
    }

    /// Column `j` (0-based).
    ///
    /// # Panics
    /// When `j >= ncols`.
    #[must_use]
    #[track_caller]
    pub fn column(&self, j: usize) -> &[f64] {
        assert!(
            j < self.ncols(),
            "Table::column({j}) out of bounds for a table of {} columns",
            self.ncols()
        );
        &self.data[j * self.nrows..(j + 1) * self.nrows]
    }

    /// The index of the column that `spec` names: a header name (exact match), or else, when
    /// it parses as an integer, a 0-based index (negative counts from the end: `-1` is the
    /// last column).
    ///
    /// # Errors
    /// [`Error::InvalidParam`] (parameter `column`) when no name matches and `spec` is not
    /// an index in range; the message lists the first few names.
    ///
    /// ```
    /// use cstk_linop::io::csv::parse_csv;
    /// use std::path::Path;
    /// let t = parse_csv("a,b,c\n1,2,3\n", Path::new("t.csv"))?;
    /// assert_eq!(t.find_column("b")?, 1);
    /// assert_eq!(t.find_column("0")?, 0);
    /// assert_eq!(t.find_column("-1")?, 2);
    /// let err = t.find_column("y").unwrap_err().to_string();
    /// assert!(err.contains(r#"no column named "y""#) && err.contains(r#""a", "b", "c""#), "{err}");
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn find_column(&self, spec: &str) -> Result<usize> {
        if let Some(j) = self.names.iter().position(|n| n == spec) {
            return Ok(j);
        }
        let n = self.ncols();
        let shown: Vec<String> = self
            .names
            .iter()
            .take(SHOW_NAMES)
            .map(|s| show(s))
            .collect();
        let more = if n > SHOW_NAMES {
            format!(", … ({n} columns)")
        } else {
            String::new()
        };
        match spec.trim().parse::<i64>() {
            Ok(k) => {
                let j = if k < 0 { n as i64 + k } else { k };
                if (0..n as i64).contains(&j) {
                    return Ok(j as usize);
                }
                Err(Error::InvalidParam {
                    name: "column",
                    value: show(spec),
                    expected: format!(
                        "a 0-based column index in 0..{n} (or -{n}..-1 from the end), \
                         or a header name: {}{more}",
                        shown.join(", ")
                    ),
                })
            }
            Err(_) => Err(Error::InvalidParam {
                name: "column",
                value: show(spec),
                expected: format!(
                    "a header name or a 0-based index, but there is no column named {}; \
                     the columns are {}{more}",
                    show(spec),
                    shown.join(", ")
                ),
            }),
        }
    }

    /// The column that `spec` names (see [`find_column`](Self::find_column)).
    ///
    /// # Errors
    /// As [`find_column`](Self::find_column).
    pub fn column_by(&self, spec: &str) -> Result<&[f64]> {
        Ok(self.column(self.find_column(spec)?))
    }

    /// Removes column `j` and returns its name and values.
    ///
    /// # Panics
    /// When `j >= ncols`.
    ///
    /// ```
    /// use cstk_linop::io::csv::parse_csv;
    /// use std::path::Path;
    /// let mut t = parse_csv("a,b,c\n1,2,3\n4,5,6\n", Path::new("t.csv"))?;
    /// let (name, values) = t.remove_column(1);
    /// assert_eq!((name.as_str(), values), ("b", vec![2.0, 5.0]));
    /// assert_eq!((t.names(), t.column(1)), (&["a".to_string(), "c".to_string()][..], &[3.0, 6.0][..]));
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    #[track_caller]
    pub fn remove_column(&mut self, j: usize) -> (String, Vec<f64>) {
        assert!(
            j < self.ncols(),
            "Table::remove_column({j}) out of bounds for a table of {} columns",
            self.ncols()
        );
        let values = self
            .data
            .drain(j * self.nrows..(j + 1) * self.nrows)
            .collect();
        (self.names.remove(j), values)
    }

    /// Removes the column that `spec` names (see [`find_column`](Self::find_column)) and
    /// returns its values: typically the target `y`, leaving the features.
    ///
    /// # Errors
    /// As [`find_column`](Self::find_column); the table is unchanged then.
    ///
    /// ```
    /// use cstk_linop::io::csv::parse_csv;
    /// use std::path::Path;
    /// let mut t = parse_csv("a,y,b\n1,10,2\n3,30,4\n", Path::new("t.csv"))?;
    /// assert_eq!(t.take_column("y")?, [10.0, 30.0]);
    /// assert_eq!(t.names(), ["a", "b"]);
    /// assert_eq!(t.take_column("0")?, [1.0, 3.0]); // no column is named "0": an index
    /// assert!(t.take_column("y").is_err());
    /// # Ok::<(), cstk_linop::Error>(())
    /// ```
    pub fn take_column(&mut self, spec: &str) -> Result<Vec<f64>> {
        let j = self.find_column(spec)?;
        Ok(self.remove_column(j).1)
    }

    /// The values as an `nrows × ncols` matrix (a copy).
    #[must_use]
    pub fn to_dmatrix(&self) -> DMatrix<f64> {
        DMatrix::from_column_slice(self.nrows, self.ncols(), &self.data)
    }

    /// The values as an `nrows × ncols` matrix, without copying.
    #[must_use]
    pub fn into_dmatrix(self) -> DMatrix<f64> {
        DMatrix::from_vec(self.nrows, self.names.len(), self.data)
    }

    /// The column names and the matrix, without copying.
    #[must_use]
    pub fn into_parts(self) -> (Vec<String>, DMatrix<f64>) {
        let m = DMatrix::from_vec(self.nrows, self.names.len(), self.data);
        (self.names, m)
    }
}

/// Reads a numeric CSV file with a header row (see the [module docs](self) for the rules).
///
/// The whole file is read into memory; a 1000 × 5000 table (about 50 MB of text) takes
/// well under a second in a release build.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read; [`Error::Format`] naming the file and the
/// 1-based line for an empty file, a file with no data rows, bytes that are not UTF-8, an
/// empty or repeated column name, a row with the wrong number of fields, an unterminated
/// quote, and a cell that is empty, not a number, NaN, infinite or out of range of `f64`.
///
/// ```
/// use cstk_linop::io::csv::read_csv;
/// let dir = std::env::temp_dir().join(format!("cstk-doc-csv-{}", std::process::id()));
/// std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("data.csv");
/// std::fs::write(&path, "a,b\r\n1,2\r\n3,abc\r\n").unwrap();
/// let err = read_csv(&path).unwrap_err().to_string();
/// assert!(err.ends_with(r#"data.csv:3: column "b" (2nd): cannot parse "abc" as a number"#), "{err}");
/// std::fs::write(&path, "a,b\r\n1,2\r\n3,4\r\n").unwrap();
/// assert_eq!(read_csv(&path)?.column(1), [2.0, 4.0]);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), cstk_linop::Error>(())
/// ```
pub fn read_csv(path: &Path) -> Result<Table> {
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let text = match std::str::from_utf8(&bytes) {
        Ok(text) => text,
        Err(e) => {
            let at = e.valid_up_to();
            let line = 1 + bytes[..at].iter().filter(|&&b| b == b'\n').count();
            let line_start = bytes[..at]
                .iter()
                .rposition(|&b| b == b'\n')
                .map_or(0, |p| p + 1);
            return Err(format_err(
                path,
                line,
                format!(
                    "invalid UTF-8 at byte {} of the line; CSV files are read as UTF-8 \
                     (re-save the file with UTF-8 encoding)",
                    at - line_start + 1
                ),
            ));
        }
    };
    parse_csv(text, path)
}

/// [`read_csv`] from text in memory; `path` is used only in error messages.
///
/// # Errors
/// As [`read_csv`] (without the I/O and UTF-8 errors).
///
/// ```
/// use cstk_linop::io::csv::parse_csv;
/// use std::path::Path;
/// let t = parse_csv("\u{feff} \"a\" ;b\n1;2\n", Path::new("t.csv"))?; // BOM, quotes, `;`
/// assert_eq!(t.names(), ["a", "b"]);
/// let err = parse_csv("a,b,c\n1,2,3\n1,2\n", Path::new("t.csv")).unwrap_err();
/// assert_eq!(err.to_string(), "t.csv:3: 2 fields, expected 3 (as in the header on line 1)");
/// # Ok::<(), cstk_linop::Error>(())
/// ```
pub fn parse_csv(text: &str, path: &Path) -> Result<Table> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text
        .split('\n')
        .enumerate()
        .map(|(k, l)| (k + 1, l.strip_suffix('\r').unwrap_or(l)))
        .filter(|(_, l)| !l.trim().is_empty());

    let Some((header_line, header)) = lines.next() else {
        return Err(Error::Format {
            path: path.to_path_buf(),
            line: None,
            reason: "empty file: expected a header row of column names".into(),
        });
    };
    let delim = detect_delimiter(header);
    let mut fields: Vec<Field<'_>> = Vec::new();
    split_fields(header, delim, &mut fields).map_err(|r| format_err(path, header_line, r))?;
    let names = header_names(&fields).map_err(|r| format_err(path, header_line, r))?;
    let ncols = names.len();

    // Row-major while reading; transposed once at the end.
    let mut rows: Vec<f64> = Vec::new();
    let mut nrows = 0usize;
    for (line_no, line) in lines {
        split_fields(line, delim, &mut fields).map_err(|r| format_err(path, line_no, r))?;
        if fields.len() != ncols {
            return Err(format_err(
                path,
                line_no,
                format!(
                    "{} field{}, expected {ncols} (as in the header on line {header_line})",
                    fields.len(),
                    if fields.len() == 1 { "" } else { "s" }
                ),
            ));
        }
        if nrows == 0 {
            // A good guess of the row count from the length of the first row.
            let guess = (text.len() / (line.len() + 1).max(1)).clamp(1, 1 << 20);
            rows.reserve(guess.saturating_mul(ncols));
        }
        for (j, f) in fields.iter().enumerate() {
            let v = parse_cell(f).map_err(|r| {
                format_err(
                    path,
                    line_no,
                    format!("column {} ({}): {r}", show(&names[j]), ordinal(j + 1)),
                )
            })?;
            rows.push(v);
        }
        nrows += 1;
    }
    if nrows == 0 {
        return Err(Error::Format {
            path: path.to_path_buf(),
            line: None,
            reason: format!("no data rows (only the header on line {header_line})"),
        });
    }
    Ok(Table {
        names,
        nrows,
        data: transpose(&rows, nrows, ncols),
    })
}

/// The delimiter, decided from the header line: a comma if it has one, else a tab, else a
/// semicolon, else a comma (a one-column file).
fn detect_delimiter(header: &str) -> u8 {
    [b',', b'\t', b';']
        .into_iter()
        .find(|&d| header.as_bytes().contains(&d))
        .unwrap_or(b',')
}

/// One field of a line: the text (between the quotes for a quoted field, with any `""`
/// still doubled) and whether it contains a `""` escape.
#[derive(Clone, Copy, Debug)]
struct Field<'a> {
    text: &'a str,
    quoted: bool,
    escaped: bool,
}

/// Splits `line` at `delim` into `out` (cleared first), honouring RFC 4180 quotes.
/// Unquoted fields are kept untrimmed; spaces around a quoted field are dropped.
fn split_fields<'a>(line: &'a str, delim: u8, out: &mut Vec<Field<'a>>) -> Result<(), String> {
    out.clear();
    let bytes = line.as_bytes();
    if !bytes.contains(&b'"') {
        // Fast path: `delim` is ASCII, so every split point is a char boundary.
        out.extend(line.split(char::from(delim)).map(|text| Field {
            text,
            quoted: false,
            escaped: false,
        }));
        return Ok(());
    }
    let mut pos = 0;
    loop {
        // `pos` is at the start of a field.
        let rest = &bytes[pos..];
        let lead = rest
            .iter()
            .take_while(|&&b| b == b' ' || (b == b'\t' && delim != b'\t'))
            .count();
        if rest.get(lead) == Some(&b'"') {
            let start = pos + lead + 1;
            let mut k = start;
            let mut escaped = false;
            let end = loop {
                match bytes.get(k) {
                    None => {
                        return Err(format!(
                            "unterminated quoted field (field {}): a closing \" is missing \
                             (quoted fields cannot span lines)",
                            out.len() + 1
                        ));
                    }
                    Some(b'"') if bytes.get(k + 1) == Some(&b'"') => {
                        escaped = true;
                        k += 2;
                    }
                    Some(b'"') => break k,
                    Some(_) => k += 1,
                }
            };
            out.push(Field {
                text: &line[start..end],
                quoted: true,
                escaped,
            });
            let mut k = end + 1;
            while matches!(bytes.get(k), Some(&b) if (b == b' ' || b == b'\t') && b != delim) {
                k += 1;
            }
            match bytes.get(k) {
                None => return Ok(()),
                Some(&b) if b == delim => pos = k + 1,
                Some(_) => {
                    return Err(format!(
                        "unexpected text {} after the closing quote of field {}; \
                         a \" inside a quoted field is written \"\"",
                        show(&line[k..]),
                        out.len()
                    ));
                }
            }
        } else {
            match rest.iter().position(|&b| b == delim) {
                Some(d) => {
                    out.push(Field {
                        text: &line[pos..pos + d],
                        quoted: false,
                        escaped: false,
                    });
                    pos += d + 1;
                }
                None => {
                    out.push(Field {
                        text: &line[pos..],
                        quoted: false,
                        escaped: false,
                    });
                    return Ok(());
                }
            }
        }
    }
}

/// The column names of the header fields: unquoted, trimmed, non-empty and distinct.
fn header_names(fields: &[Field<'_>]) -> Result<Vec<String>, String> {
    let mut names = Vec::with_capacity(fields.len());
    let mut seen: HashMap<String, usize> = HashMap::with_capacity(fields.len());
    for (j, f) in fields.iter().enumerate() {
        let raw = f.text.trim();
        let name = if f.escaped {
            raw.replace("\"\"", "\"")
        } else {
            raw.to_string()
        };
        if name.is_empty() {
            let hint = if j == 0 && !f.quoted {
                " (an unnamed first column is often a row index, as pandas writes by default: \
                 drop it, or write the file with index=False)"
            } else {
                ""
            };
            return Err(format!(
                "the {} column has an empty name in the header{hint}",
                ordinal(j + 1)
            ));
        }
        if let Some(&first) = seen.get(&name) {
            return Err(format!(
                "duplicate column name {}: the {} and {} columns",
                show(&name),
                ordinal(first + 1),
                ordinal(j + 1)
            ));
        }
        seen.insert(name.clone(), j);
        names.push(name);
    }
    Ok(names)
}

/// A cell's value, or why it is not a finite number.
fn parse_cell(f: &Field<'_>) -> Result<f64, String> {
    let s = f.text.trim();
    if s.is_empty() {
        return Err("empty cell (missing values are not supported)".into());
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(v) if v.is_nan() => Err(format!("{} is not allowed (NaN)", show(s))),
        Ok(_)
            if s.bytes()
                .any(|b| b.is_ascii_alphabetic() && b != b'e' && b != b'E') =>
        {
            Err(format!("{} is not allowed (infinite)", show(s)))
        }
        Ok(_) => Err(format!("{} is out of the range of f64", show(s))),
        Err(_) => Err(format!("cannot parse {} as a number", show(s))),
    }
}

/// Row-major `rows` (`nrows × ncols`) to column-major, in cache-friendly blocks.
fn transpose(rows: &[f64], nrows: usize, ncols: usize) -> Vec<f64> {
    const B: usize = 32;
    let mut out = vec![0.0; rows.len()];
    for i0 in (0..nrows).step_by(B) {
        for j0 in (0..ncols).step_by(B) {
            for i in i0..(i0 + B).min(nrows) {
                let row = &rows[i * ncols..(i + 1) * ncols];
                for j in j0..(j0 + B).min(ncols) {
                    out[j * nrows + i] = row[j];
                }
            }
        }
    }
    out
}

fn format_err(path: &Path, line: usize, reason: impl Into<String>) -> Error {
    Error::Format {
        path: path.to_path_buf(),
        line: Some(line),
        reason: reason.into(),
    }
}

/// A name or cell as shown in an error: double-quoted and escaped, at most
/// [`SHOW_CHARS`] characters.
fn show(s: &str) -> String {
    match s.char_indices().nth(SHOW_CHARS) {
        Some((cut, _)) => format!("\"{}…\"", s[..cut].escape_debug()),
        None => format!("\"{}\"", s.escape_debug()),
    }
}

/// `1st`, `2nd`, `3rd`, `4th`, …, `11th`, `12th`, `13th`, `21st`, …
fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111, 112]
            .into_iter()
            .map(ordinal)
            .collect();
        assert_eq!(
            got,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st",
                "111th", "112th"
            ]
        );
    }

    #[test]
    fn transpose_blocks() {
        let (m, n) = (70, 45);
        let rows: Vec<f64> = (0..m * n).map(|k| k as f64).collect();
        let cols = transpose(&rows, m, n);
        for i in 0..m {
            for j in 0..n {
                assert_eq!(cols[j * m + i], rows[i * n + j]);
            }
        }
    }
}
