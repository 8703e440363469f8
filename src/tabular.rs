//! Reading import files (CSV or Parquet) with polars, cell by cell as text, so every bad
//! row is reported with its line and column instead of being coerced or dropped. Large
//! files are read in batches of rows (`Batches`), so memory follows the batch, not the file.

use std::io::{BufRead, Cursor};

use polars::prelude::*;

use crate::validation::FieldError;

/// One problem in an import file. `line` counts the header as line 1 (row 1 is line 2).
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct RowError {
    pub line: usize,
    pub field: String,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("the file is not readable {format}: {detail}")]
    Unreadable { format: &'static str, detail: String },
    #[error("missing column '{0}'")]
    MissingColumn(String),
    #[error("{} row(s) rejected; first: line {}, {}: {}", .0.len(), .0[0].line, .0[0].field, .0[0].reason)]
    InvalidRows(Vec<RowError>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Csv,
    Parquet,
}

impl FileFormat {
    /// Parquet files start with the magic bytes `PAR1`; anything else is read as CSV.
    pub fn sniff(bytes: &[u8]) -> Self {
        if bytes.starts_with(b"PAR1") {
            FileFormat::Parquet
        } else {
            FileFormat::Csv
        }
    }
}

/// Text cells of a file, by column name.
pub struct Table {
    columns: Vec<(String, Vec<Option<String>>)>,
    height: usize,
    /// Rows of the file before this table (a batch's place in its file), for line numbers.
    offset: usize,
}

fn unreadable(format: &'static str) -> impl Fn(PolarsError) -> TableError {
    move |e| TableError::Unreadable { format, detail: e.to_string() }
}

impl Table {
    pub fn read(bytes: &[u8]) -> Result<Self, TableError> {
        match FileFormat::sniff(bytes) {
            FileFormat::Csv => Self::from_csv(bytes),
            FileFormat::Parquet => Self::from_parquet(bytes),
        }
    }

    pub fn from_csv(bytes: &[u8]) -> Result<Self, TableError> {
        let df = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .into_reader_with_file_handle(Cursor::new(bytes))
            .finish()
            .map_err(unreadable("CSV"))?;
        Self::from_frame(&df, "CSV")
    }

    pub fn from_parquet(bytes: &[u8]) -> Result<Self, TableError> {
        let df = ParquetReader::new(Cursor::new(bytes)).finish().map_err(unreadable("Parquet"))?;
        Self::from_frame(&df, "Parquet")
    }

    fn from_frame(df: &DataFrame, format: &'static str) -> Result<Self, TableError> {
        let mut columns = Vec::with_capacity(df.width());
        for col in df.columns() {
            let text = col.cast(&DataType::String).map_err(unreadable(format))?;
            let values = text
                .str()
                .map_err(unreadable(format))?
                .iter()
                .map(|v| v.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned))
                .collect();
            columns.push((col.name().to_string(), values));
        }
        Ok(Self { columns, height: df.height(), offset: 0 })
    }

    pub fn has(&self, column: &str) -> bool {
        self.columns.iter().any(|(n, _)| n == column)
    }

    pub fn require(&self, columns: &[&str]) -> Result<(), TableError> {
        match columns.iter().find(|c| !self.has(c)) {
            Some(missing) => Err(TableError::MissingColumn((*missing).to_owned())),
            None => Ok(()),
        }
    }

    pub fn height(&self) -> usize {
        self.height
    }

    pub fn row(&self, index: usize) -> Row<'_> {
        Row { line: self.offset + index + 2, index, table: self }
    }

    /// Rows of the file before this one (0 unless it is a later batch).
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// Builds one item per row (rows are checked in parallel, results kept in file order);
    /// collects every row's error and fails if there is any.
    pub fn rows<T: Send>(&self, build: impl Fn(&Row) -> Result<T, RowError> + Sync) -> Result<Vec<T>, TableError> {
        let mut items = Vec::with_capacity(self.height);
        let mut errors = Vec::new();
        for result in self.results(build) {
            match result {
                Ok(item) => items.push(item),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(items)
        } else {
            Err(TableError::InvalidRows(errors))
        }
    }

    /// Each row's item or error, in file order (rows are checked in parallel).
    pub fn results<T: Send>(&self, build: impl Fn(&Row) -> Result<T, RowError> + Sync) -> Vec<Result<T, RowError>> {
        use rayon::prelude::*;
        (0..self.height).into_par_iter().map(|index| build(&self.row(index))).collect()
    }
}

/// Cells of one row, with errors naming the line and column.
pub struct Row<'a> {
    pub line: usize,
    index: usize,
    table: &'a Table,
}

impl Row<'_> {
    pub fn cell(&self, name: &str) -> Option<&str> {
        self.table.columns.iter().find(|(n, _)| n == name).and_then(|(_, v)| v[self.index].as_deref())
    }

    pub fn err(&self, field: &str, reason: impl Into<String>) -> RowError {
        RowError { line: self.line, field: field.to_owned(), reason: reason.into() }
    }

    pub fn required(&self, name: &str) -> Result<String, RowError> {
        self.cell(name).map(str::to_owned).ok_or_else(|| self.err(name, "is required"))
    }

    pub fn number(&self, name: &str) -> Result<Option<f64>, RowError> {
        self.cell(name)
            .map(|s| s.parse::<f64>().map_err(|_| self.err(name, format!("'{s}' is not a number"))))
            .transpose()
    }

    pub fn parsed<T>(&self, name: &str, parse: fn(&str) -> Result<T, String>) -> Result<T, RowError> {
        parse(&self.required(name)?).map_err(|reason| self.err(name, reason))
    }

    pub fn optional<T>(&self, name: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<Option<T>, RowError> {
        self.cell(name).map(|s| parse(s).map_err(|reason| self.err(name, reason))).transpose()
    }

    pub fn boolean(&self, name: &str) -> Result<bool, RowError> {
        match self.cell(name).map(str::to_ascii_lowercase).as_deref() {
            None | Some("false") | Some("0") | Some("no") => Ok(false),
            Some("true") | Some("1") | Some("yes") => Ok(true),
            Some(other) => Err(self.err(name, format!("'{other}' is not true or false"))),
        }
    }

    pub fn lift(&self, e: FieldError) -> RowError {
        self.err(&e.field, e.reason)
    }
}

/// Rows per batch when a file is read in batches: big enough that each batch's database
/// writes and parallel checks are efficient, small enough that memory stays flat.
pub const BATCH_ROWS: usize = 20_000;

/// A file's rows, one `Table` at a time, each knowing where it starts in the file (so
/// errors name the same lines as when the whole file is read at once). The first batch is
/// always returned, even for a file with a header and no rows, so its columns can be checked.
pub struct Batches<'a> {
    source: BatchSource<'a>,
    batch_rows: usize,
    offset: usize,
    started: bool,
}

enum BatchSource<'a> {
    /// CSV: the header line, then records cut at newlines outside quotes and handed to
    /// polars with the header, so each batch parses exactly as the whole file would.
    Csv { reader: Box<dyn BufRead + Send + 'a>, header: Vec<u8>, done: bool },
    /// Parquet: row slices (polars decodes only the row groups a slice touches).
    Parquet { open: Box<dyn Fn() -> Box<dyn polars::io::mmap::MmapBytesReader + 'a> + Send + 'a>, rows: usize },
}

impl<'a> Batches<'a> {
    /// Batches of a file in memory (CSV or Parquet, sniffed).
    pub fn from_bytes(bytes: &'a [u8], batch_rows: usize) -> Result<Self, TableError> {
        match FileFormat::sniff(bytes) {
            FileFormat::Csv => Self::csv(Box::new(Cursor::new(bytes)), batch_rows),
            FileFormat::Parquet => Self::parquet(Box::new(move || Box::new(Cursor::new(bytes))), batch_rows),
        }
    }

    /// Batches of a file on disk, read as they are needed (CSV or Parquet, sniffed).
    pub fn from_path(path: &'a std::path::Path, batch_rows: usize) -> std::io::Result<Result<Self, TableError>> {
        let mut file = std::fs::File::open(path)?;
        let mut magic = [0u8; 4];
        let n = std::io::Read::read(&mut file, &mut magic)?;
        std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(0))?;
        if FileFormat::sniff(&magic[..n]) == FileFormat::Parquet {
            // Opened again per slice; a file that vanishes mid-import fails that batch.
            let open = move || -> Box<dyn polars::io::mmap::MmapBytesReader + 'a> {
                match std::fs::File::open(path) {
                    Ok(f) => Box::new(f),
                    Err(_) => Box::new(Cursor::new(Vec::new())),
                }
            };
            Ok(Self::parquet(Box::new(open), batch_rows))
        } else {
            Ok(Self::csv(Box::new(std::io::BufReader::with_capacity(1 << 20, file)), batch_rows))
        }
    }

    fn csv(mut reader: Box<dyn BufRead + Send + 'a>, batch_rows: usize) -> Result<Self, TableError> {
        let mut header = Vec::new();
        let (_, done) = read_records(&mut reader, &mut header, 1).map_err(|e| TableError::Unreadable { format: "CSV", detail: e.to_string() })?;
        Ok(Self { source: BatchSource::Csv { reader, header, done }, batch_rows: batch_rows.max(1), offset: 0, started: false })
    }

    fn parquet(open: Box<dyn Fn() -> Box<dyn polars::io::mmap::MmapBytesReader + 'a> + Send + 'a>, batch_rows: usize) -> Result<Self, TableError> {
        let rows = ParquetReader::new(open()).num_rows().map_err(unreadable("Parquet"))?;
        Ok(Self { source: BatchSource::Parquet { open, rows }, batch_rows: batch_rows.max(1), offset: 0, started: false })
    }

    /// The next batch, or `None` once the file is read.
    pub fn next_batch(&mut self) -> Result<Option<Table>, TableError> {
        let first = !self.started;
        self.started = true;
        let mut table = match &mut self.source {
            BatchSource::Csv { reader, header, done } => {
                if *done && !first {
                    return Ok(None);
                }
                let mut chunk = header.clone();
                if !*done {
                    let (_, eof) = read_records(reader, &mut chunk, self.batch_rows)
                        .map_err(|e| TableError::Unreadable { format: "CSV", detail: e.to_string() })?;
                    *done = eof;
                }
                Table::from_csv(&chunk)?
            }
            BatchSource::Parquet { open, rows } => {
                if self.offset >= *rows && !first {
                    return Ok(None);
                }
                let len = self.batch_rows.min(*rows - self.offset);
                let df = ParquetReader::new(open()).with_slice(Some((self.offset, len))).finish().map_err(unreadable("Parquet"))?;
                Table::from_frame(&df, "Parquet")?
            }
        };
        table.offset = self.offset;
        self.offset += table.height;
        Ok(Some(table))
    }
}

/// Appends up to `records` CSV records (whole lines; a newline inside quotes does not end
/// one) to `out`. Returns how many were read and whether the input is exhausted.
fn read_records(reader: &mut dyn BufRead, out: &mut Vec<u8>, records: usize) -> std::io::Result<(usize, bool)> {
    let mut count = 0;
    let mut quoted = false;
    loop {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            // A last record without a newline still counts.
            let partial = out.last().is_some_and(|&b| b != b'\n');
            return Ok((count + partial as usize, true));
        }
        let mut taken = buf.len();
        let mut hit = false;
        for (i, &b) in buf.iter().enumerate() {
            match b {
                b'"' => quoted = !quoted,
                b'\n' if !quoted => {
                    count += 1;
                    if count == records {
                        taken = i + 1;
                        hit = true;
                        break;
                    }
                }
                _ => {}
            }
        }
        out.extend_from_slice(&buf[..taken]);
        reader.consume(taken);
        if hit {
            let eof = reader.fill_buf()?.is_empty();
            return Ok((count, eof));
        }
    }
}
