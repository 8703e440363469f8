//! Reading import files (CSV or Parquet) with polars, cell by cell as text, so every bad
//! row is reported with its line and column instead of being coerced or dropped.

use std::io::Cursor;

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
        Ok(Self { columns, height: df.height() })
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
        Row { line: index + 2, index, table: self }
    }

    /// Builds one item per row (rows are checked in parallel, results kept in file order);
    /// collects every row's error and fails if there is any.
    pub fn rows<T: Send>(&self, build: impl Fn(&Row) -> Result<T, RowError> + Sync) -> Result<Vec<T>, TableError> {
        use rayon::prelude::*;
        let results: Vec<Result<T, RowError>> = (0..self.height).into_par_iter().map(|index| build(&self.row(index))).collect();
        let mut items = Vec::with_capacity(self.height);
        let mut errors = Vec::new();
        for result in results {
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
