//! A CSV loader for a provider's own data file.
//!
//! Format: comma-separated, the first line a header of column names; fields
//! may be double-quoted (a doubled quote inside quotes is a literal quote);
//! blank lines are skipped; CRLF line ends are accepted. The schema names the
//! feature columns (in model order) and the label column; other columns are
//! ignored. Every row must have as many cells as the header.

use super::error::DataError;
use super::real::{quantise, Overflow, RealDataset, Standardizer};
use super::scaling::Scaling;
use std::path::Path;
use zkagg_zk::field::FixedPoint;
use zkagg_zk::model::{Dataset, LabelKind};

/// Which columns hold the features (in model order) and the label.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CsvSchema {
    /// Feature column names, in the order the model uses them.
    pub features: Vec<String>,
    /// The label column name.
    pub label: String,
}

impl CsvSchema {
    /// A schema from column names.
    pub fn new<S: AsRef<str>>(features: &[S], label: &str) -> Self {
        CsvSchema {
            features: features.iter().map(|s| s.as_ref().to_string()).collect(),
            label: label.to_string(),
        }
    }
}

/// Longest cell of a CSV line, in bytes (a number or a name is far
/// shorter; an ignored free-text column may be long, not unbounded).
pub const MAX_CELL_BYTES: usize = 64 << 10;

/// Why a CSV line does not split into cells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SplitError {
    /// More than the cells allowed: how many the line has.
    TooWide(usize),
    /// A quote in the wrong place, or a cell too long: why.
    Cell(String),
}

/// Splits one CSV line into at most `max` cells (quotes handled, cells
/// trimmed), refusing before it stores them a line of more cells (counted,
/// not stored), a cell longer than [`MAX_CELL_BYTES`], a quote that opens
/// inside a cell, text after a closing quote and a quote left open (a
/// quoted field cannot span lines).
pub(crate) fn split_line(line: &str, max: usize) -> Result<Vec<String>, SplitError> {
    let mut cells = Vec::new();
    let mut cur = String::new();
    // Inside quotes; and whether this cell's closing quote was seen.
    let (mut quoted, mut closed) = (false, false);
    let mut count = 1;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' if quoted => (quoted, closed) = (false, true),
            '"' if closed || !cur.trim().is_empty() => {
                return Err(SplitError::Cell(format!(
                    "cell {count}: a quote inside an unquoted cell (quote the whole cell and double the quote)"
                )))
            }
            '"' => {
                cur.clear();
                quoted = true;
            }
            ',' if !quoted => {
                if count < max {
                    cells.push(std::mem::take(&mut cur).trim().to_string());
                } else {
                    cur.clear();
                }
                count += 1;
                closed = false;
            }
            c if closed && !c.is_whitespace() => {
                return Err(SplitError::Cell(format!(
                    "cell {count}: text after the closing quote"
                )))
            }
            _ if count > max => {}
            _ => {
                if cur.len() >= MAX_CELL_BYTES {
                    return Err(SplitError::Cell(format!(
                        "cell {count} is longer than {MAX_CELL_BYTES} bytes"
                    )));
                }
                cur.push(c)
            }
        }
    }
    if quoted {
        return Err(SplitError::Cell(format!(
            "cell {count}: a quote is not closed (a quoted cell must end on its line)"
        )));
    }
    if count > max {
        return Err(SplitError::TooWide(count));
    }
    cells.push(cur.trim().to_string());
    Ok(cells)
}

/// The error of line `line` (1-based) that did not split into `width` cells.
fn split_error(line: usize, width: usize, e: SplitError) -> DataError {
    match e {
        SplitError::TooWide(got) => DataError::WrongWidth {
            line,
            expected: width,
            got,
        },
        SplitError::Cell(reason) => DataError::Quoting { line, reason },
    }
}

/// The cells of line `line` (1-based), which must be `width`.
pub(crate) fn row_cells(line: usize, text: &str, width: usize) -> Result<Vec<String>, DataError> {
    let cells = split_line(text, width).map_err(|e| split_error(line, width, e))?;
    if cells.len() != width {
        return Err(DataError::WrongWidth {
            line,
            expected: width,
            got: cells.len(),
        });
    }
    Ok(cells)
}

/// A cell as an error shows it: at most 40 characters.
fn shown(cell: &str) -> String {
    match cell.char_indices().nth(40) {
        Some((at, _)) => format!("{}...", &cell[..at]),
        None => cell.to_string(),
    }
}

/// Cell `cell` of line `line`, column `column`, as a finite number.
pub(crate) fn number(line: usize, column: &str, cell: &str) -> Result<f64, DataError> {
    cell.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| DataError::NonNumeric {
            line,
            column: column.to_string(),
            cell: shown(cell),
        })
}

/// Most columns a CSV header may have (features, the label and extra
/// columns together).
pub const MAX_CSV_COLUMNS: usize = 1 << 14;

/// The non-blank lines of CSV text with their 1-based line numbers.
fn data_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim_end_matches('\r')))
        .filter(|(_, l)| !l.trim().is_empty())
}

/// Parses CSV text into a real-valued data set under `schema`.
pub fn parse_csv(text: &str, schema: &CsvSchema) -> Result<RealDataset, DataError> {
    parse_csv_capped(text, schema, usize::MAX)
}

/// [`parse_csv`] refusing more than `max_rows` data rows
/// ([`DataError::TooManyRows`]) and headers of more than
/// [`MAX_CSV_COLUMNS`] columns ([`DataError::TooLarge`]), both before the
/// rows are stored.
pub fn parse_csv_capped(
    text: &str,
    schema: &CsvSchema,
    max_rows: usize,
) -> Result<RealDataset, DataError> {
    // A byte-order mark (as spreadsheet programs write) is not part of a name.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = data_lines(text);
    let (header_line, header) = lines.next().ok_or(DataError::EmptyInput)?;
    // An upper bound (a comma may be quoted): no more cells can be stored.
    let columns = header.matches(',').count() + 1;
    if columns > MAX_CSV_COLUMNS {
        return Err(DataError::TooLarge {
            what: "CSV columns",
            limit: MAX_CSV_COLUMNS,
            got: columns,
        });
    }
    if let Some((line, _)) = data_lines(text).nth(max_rows.saturating_add(1)) {
        return Err(DataError::TooManyRows {
            line,
            max: max_rows,
        });
    }
    let names = split_line(header, columns).map_err(|e| split_error(header_line, columns, e))?;
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err(DataError::DuplicateColumn {
                line: header_line,
                name: n.clone(),
            });
        }
    }
    let find = |name: &str| -> Result<usize, DataError> {
        names
            .iter()
            .position(|n| n == name)
            .ok_or_else(|| DataError::MissingColumn {
                name: name.to_string(),
            })
    };
    let feat_idx = schema
        .features
        .iter()
        .map(|n| find(n))
        .collect::<Result<Vec<_>, _>>()?;
    let label_idx = find(&schema.label)?;
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    for (line, text) in lines {
        let cells = row_cells(line, text, names.len())?;
        let num = |i: usize| -> Result<f64, DataError> {
            let (column, cell) = names
                .get(i)
                .zip(cells.get(i))
                .ok_or(DataError::WrongWidth {
                    line,
                    expected: names.len(),
                    got: cells.len(),
                })?;
            number(line, column, cell)
        };
        rows.push(
            feat_idx
                .iter()
                .map(|&i| num(i))
                .collect::<Result<Vec<_>, _>>()?,
        );
        labels.push(num(label_idx)?);
    }
    if rows.is_empty() {
        return Err(DataError::NoRows);
    }
    Ok(RealDataset {
        feature_names: schema.features.clone(),
        rows,
        labels,
    })
}

/// Parses CSV text and quantises it strictly: features are standardised with
/// `standardizer` if given, then encoded in `format`; a value beyond the
/// fixed-point range is an error ([`DataError::OutOfRange`], with the line of
/// the file), as is a binary label other than 0/1.
pub fn parse_csv_fixed(
    text: &str,
    schema: &CsvSchema,
    format: FixedPoint,
    kind: LabelKind,
    standardizer: Option<&Standardizer>,
) -> Result<Dataset, DataError> {
    parse_csv_fixed_with(text, schema, format, kind, standardizer, Overflow::Error).map(|(d, _)| d)
}

/// [`parse_csv_fixed`] with a choice of what to do with values beyond the
/// fixed-point range ([`Overflow::Saturate`] winsorises them); returns the
/// data set and the number of saturated values.
pub fn parse_csv_fixed_with(
    text: &str,
    schema: &CsvSchema,
    format: FixedPoint,
    kind: LabelKind,
    standardizer: Option<&Standardizer>,
    overflow: Overflow,
) -> Result<(Dataset, usize), DataError> {
    let mut real = parse_csv(text, schema)?;
    if let Some(s) = standardizer {
        real = s.apply(&real)?;
    }
    quantise(&real, format, kind, overflow).map_err(|e| file_line(text, e))
}

/// Maps the row number of an error of [`quantise`] or [`Scaling::apply`]
/// (row index + 2) back to the file's line (blank lines are skipped).
fn file_line(text: &str, e: DataError) -> DataError {
    let at = |line: usize| {
        data_lines(text)
            .nth(line.saturating_sub(1))
            .map_or(line, |(l, _)| l)
    };
    match e {
        DataError::OutOfRange {
            line,
            column,
            value,
            min,
            max,
        } => DataError::OutOfRange {
            line: at(line),
            column,
            value,
            min,
            max,
        },
        DataError::BadLabel { line, value } => DataError::BadLabel {
            line: at(line),
            value,
        },
        DataError::NonFinite {
            line,
            column,
            value,
        } => DataError::NonFinite {
            line: at(line),
            column,
            value,
        },
        e => e,
    }
}

/// A provider's own CSV file under the consortium's data schema: the
/// columns `schema` names (by name, in any order; other columns are
/// ignored), at most `max_rows` data rows, every feature scaled with the
/// consortium's fixed `scaling` (and the label, for regression) and
/// quantised in `format`. A value beyond the fixed-point range after
/// scaling is winsorised and counted (as the built-in pipelines do); every
/// other defect is an error with the file's line: a missing or repeated
/// column, a row of the wrong width, a cell that is not a finite number, a
/// binary label other than 0 or 1, too many rows. Returns the data set and
/// the number of winsorised values.
pub fn parse_provider_csv(
    text: &str,
    schema: &CsvSchema,
    scaling: &Scaling,
    format: FixedPoint,
    kind: LabelKind,
    max_rows: usize,
) -> Result<(Dataset, usize), DataError> {
    let real = parse_csv_capped(text, schema, max_rows)?;
    let scaled = scaling.apply(&real).map_err(|e| file_line(text, e))?;
    quantise(&scaled, format, kind, Overflow::Saturate).map_err(|e| file_line(text, e))
}

/// Reads a CSV file and quantises it strictly (see [`parse_csv_fixed`]).
pub fn load_csv_file(
    path: &Path,
    schema: &CsvSchema,
    format: FixedPoint,
    kind: LabelKind,
    standardizer: Option<&Standardizer>,
) -> Result<Dataset, DataError> {
    let text = std::fs::read_to_string(path).map_err(|e| DataError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    })?;
    parse_csv_fixed(&text, schema, format, kind, standardizer)
}

/// Writes a real data set as CSV (header: the feature names, then `label`).
pub fn to_csv(data: &RealDataset, label: &str) -> String {
    let quote = |s: &str| {
        if s.contains([',', '"']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out: Vec<String> = data.feature_names.iter().map(|n| quote(n)).collect();
    out.push(quote(label));
    let mut s = out.join(",");
    s.push('\n');
    for (r, y) in data.rows.iter().zip(&data.labels) {
        let cells: Vec<String> = r
            .iter()
            .chain(std::iter::once(y))
            .map(|v| format!("{v}"))
            .collect();
        s.push_str(&cells.join(","));
        s.push('\n');
    }
    s
}
