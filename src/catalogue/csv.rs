//! Reading catalogue files (CSV) with polars. Every cell is read as text and parsed
//! here, so a bad row is reported with its line and column instead of being coerced.

use std::io::Cursor;

use polars::prelude::*;

use super::{ArchSupport, Category, Cushioning, Insole, InsoleCushioning, Rigidity, Shoe, Support, Terrain, Volume, Width};
use crate::fitting::FieldError;

/// The catalogue shipped with the service, seeded into an empty database on first start.
pub const BUNDLED_SHOES_CSV: &[u8] = include_bytes!("../../data/shoes.csv");
pub const BUNDLED_INSOLES_CSV: &[u8] = include_bytes!("../../data/insoles.csv");

pub const SHOE_COLUMNS: &[&str] = &[
    "id", "brand", "model", "release_year", "category", "support", "cushioning", "terrain", "heel_stack_mm",
    "forefoot_stack_mm", "drop_mm", "weight_g", "price_usd", "widths", "plated", "source",
];
pub const INSOLE_COLUMNS: &[&str] =
    &["id", "brand", "model", "arch_support", "volume", "cushioning", "rigidity", "price_usd", "source"];

/// One problem in an import file. `line` counts the header as line 1.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct RowError {
    pub line: usize,
    pub field: String,
    pub reason: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("the file is not readable CSV: {0}")]
    Unreadable(String),
    #[error("missing column '{0}'")]
    MissingColumn(String),
    #[error("{} row(s) rejected; first: line {}, {}: {}", .0.len(), .0[0].line, .0[0].field, .0[0].reason)]
    InvalidRows(Vec<RowError>),
}

/// What a catalogue file holds, told apart by its header.
#[derive(Debug)]
pub enum CatalogueFile {
    Shoes(Vec<Shoe>),
    Insoles(Vec<Insole>),
}

/// Text cells of a CSV file, by column name.
struct Table {
    df: DataFrame,
}

impl Table {
    fn read(bytes: &[u8]) -> Result<Self, CsvError> {
        let df = CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(0))
            .into_reader_with_file_handle(Cursor::new(bytes))
            .finish()
            .map_err(|e| CsvError::Unreadable(e.to_string()))?;
        Ok(Self { df })
    }

    fn has(&self, column: &str) -> bool {
        self.df.column(column).is_ok()
    }

    fn require(&self, columns: &[&str]) -> Result<(), CsvError> {
        match columns.iter().find(|c| !self.has(c)) {
            Some(missing) => Err(CsvError::MissingColumn((*missing).to_owned())),
            None => Ok(()),
        }
    }

    /// Column as trimmed optional strings (empty cells are `None`).
    fn text(&self, column: &str) -> Result<Vec<Option<String>>, CsvError> {
        let col = self.df.column(column).map_err(|_| CsvError::MissingColumn(column.to_owned()))?;
        let strings = col.str().map_err(|e| CsvError::Unreadable(e.to_string()))?;
        Ok(strings
            .iter()
            .map(|v| v.map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned))
            .collect())
    }

    fn height(&self) -> usize {
        self.df.height()
    }
}

/// Cells of one row, with errors naming the line and column.
struct Row<'a> {
    line: usize,
    index: usize,
    columns: &'a [(String, Vec<Option<String>>)],
}

impl Row<'_> {
    fn cell(&self, name: &str) -> Option<&str> {
        self.columns.iter().find(|(n, _)| n == name).and_then(|(_, v)| v[self.index].as_deref())
    }

    fn err(&self, field: &str, reason: impl Into<String>) -> RowError {
        RowError { line: self.line, field: field.to_owned(), reason: reason.into() }
    }

    fn required(&self, name: &str) -> Result<String, RowError> {
        self.cell(name).map(str::to_owned).ok_or_else(|| self.err(name, "is required"))
    }

    fn number(&self, name: &str) -> Result<Option<f64>, RowError> {
        self.cell(name)
            .map(|s| s.parse::<f64>().map_err(|_| self.err(name, format!("'{s}' is not a number"))))
            .transpose()
    }

    fn parsed<T>(&self, name: &str, parse: fn(&str) -> Result<T, String>) -> Result<T, RowError> {
        parse(&self.required(name)?).map_err(|reason| self.err(name, reason))
    }

    fn boolean(&self, name: &str) -> Result<bool, RowError> {
        match self.cell(name).map(str::to_ascii_lowercase).as_deref() {
            None | Some("false") | Some("0") | Some("no") => Ok(false),
            Some("true") | Some("1") | Some("yes") => Ok(true),
            Some(other) => Err(self.err(name, format!("'{other}' is not true or false"))),
        }
    }

    fn lift(&self, e: FieldError) -> RowError {
        self.err(&e.field, e.reason)
    }
}

fn rows<T>(table: &Table, columns: &[&str], build: impl Fn(&Row) -> Result<T, RowError>) -> Result<Vec<T>, CsvError> {
    table.require(&columns[..columns.len() - 1])?;
    let cells: Vec<(String, Vec<Option<String>>)> = columns
        .iter()
        .filter(|c| table.has(c))
        .map(|c| table.text(c).map(|v| ((*c).to_owned(), v)))
        .collect::<Result<_, _>>()?;
    let mut items = Vec::with_capacity(table.height());
    let mut errors = Vec::new();
    for index in 0..table.height() {
        let row = Row { line: index + 2, index, columns: &cells };
        match build(&row) {
            Ok(item) => items.push(item),
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(CsvError::InvalidRows(errors))
    }
}

fn shoe_from_row(row: &Row) -> Result<Shoe, RowError> {
    let widths = row
        .required("widths")?
        .split('|')
        .map(|w| Width::parse(w).map_err(|reason| row.err("widths", reason)))
        .collect::<Result<Vec<_>, _>>()?;
    let release_year = row
        .cell("release_year")
        .map(|s| s.parse::<f64>().map(|y| y as i32).map_err(|_| row.err("release_year", format!("'{s}' is not a year"))))
        .transpose()?;
    let shoe = Shoe {
        id: row.required("id")?,
        brand: row.required("brand")?,
        model: row.required("model")?,
        release_year,
        category: row.parsed("category", Category::parse)?,
        support: row.parsed("support", Support::parse)?,
        cushioning: row.parsed("cushioning", Cushioning::parse)?,
        terrain: row.parsed("terrain", Terrain::parse)?,
        heel_stack_mm: row.number("heel_stack_mm")?,
        forefoot_stack_mm: row.number("forefoot_stack_mm")?,
        drop_mm: row.number("drop_mm")?,
        weight_g: row.number("weight_g")?,
        price_usd: row.number("price_usd")?,
        widths,
        plated: row.boolean("plated")?,
        source: row.cell("source").map(str::to_owned),
    };
    shoe.validate().map_err(|e| row.lift(e))?;
    Ok(shoe)
}

fn insole_from_row(row: &Row) -> Result<Insole, RowError> {
    let insole = Insole {
        id: row.required("id")?,
        brand: row.required("brand")?,
        model: row.required("model")?,
        arch_support: row.parsed("arch_support", ArchSupport::parse)?,
        volume: row.parsed("volume", Volume::parse)?,
        cushioning: row.parsed("cushioning", InsoleCushioning::parse)?,
        rigidity: row.parsed("rigidity", Rigidity::parse)?,
        price_usd: row.number("price_usd")?,
        source: row.cell("source").map(str::to_owned),
    };
    insole.validate().map_err(|e| row.lift(e))?;
    Ok(insole)
}

fn reject_duplicate_ids<'a>(ids: impl Iterator<Item = &'a str>) -> Result<(), CsvError> {
    let mut seen = std::collections::HashSet::new();
    let errors: Vec<RowError> = ids
        .enumerate()
        .filter(|(_, id)| !seen.insert(*id))
        .map(|(i, id)| RowError { line: i + 2, field: "id".into(), reason: format!("'{id}' appears more than once") })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(CsvError::InvalidRows(errors))
    }
}

pub fn parse_shoes(bytes: &[u8]) -> Result<Vec<Shoe>, CsvError> {
    let shoes = rows(&Table::read(bytes)?, SHOE_COLUMNS, shoe_from_row)?;
    reject_duplicate_ids(shoes.iter().map(|s| s.id.as_str()))?;
    Ok(shoes)
}

pub fn parse_insoles(bytes: &[u8]) -> Result<Vec<Insole>, CsvError> {
    let insoles = rows(&Table::read(bytes)?, INSOLE_COLUMNS, insole_from_row)?;
    reject_duplicate_ids(insoles.iter().map(|s| s.id.as_str()))?;
    Ok(insoles)
}

/// Reads a shoe or insole file, telling which from its header (`arch_support` marks insoles).
pub fn parse_catalogue_file(bytes: &[u8]) -> Result<CatalogueFile, CsvError> {
    let table = Table::read(bytes)?;
    if table.has("arch_support") {
        parse_insoles(bytes).map(CatalogueFile::Insoles)
    } else {
        parse_shoes(bytes).map(CatalogueFile::Shoes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_catalogue_has_eighty_shoes_from_ten_brands_and_twelve_insoles() {
        let shoes = parse_shoes(BUNDLED_SHOES_CSV).unwrap();
        let brands: std::collections::HashSet<_> = shoes.iter().map(|s| s.brand.as_str()).collect();
        assert!(shoes.len() >= 80, "{} shoes", shoes.len());
        assert!(brands.len() >= 10, "{} brands", brands.len());
        for support in Support::ALL {
            assert!(shoes.iter().any(|s| s.support == *support), "no {support:?} shoe");
        }
        for terrain in [Terrain::Road, Terrain::Trail] {
            assert!(shoes.iter().any(|s| s.terrain == terrain), "no {terrain:?} shoe");
        }
        assert!(parse_insoles(BUNDLED_INSOLES_CSV).unwrap().len() >= 12);
    }

    #[test]
    fn every_bad_row_is_reported_with_its_line_and_column() {
        let csv = "id,brand,model,release_year,category,support,cushioning,terrain,heel_stack_mm,forefoot_stack_mm,drop_mm,weight_g,price_usd,widths,plated,source\n\
                   a-1,A,One,2024,daily,neutral,high,road,36,28,8,250,140,standard,false,x\n\
                   a-2,A,Two,2024,daily,sideways,high,road,36,28,8,250,140,standard,false,x\n\
                   a-3,A,Three,2024,daily,neutral,high,road,36,28,8,250,cheap,standard,false,x\n";
        let Err(CsvError::InvalidRows(errors)) = parse_shoes(csv.as_bytes()) else { panic!("expected row errors") };
        assert_eq!(errors.len(), 2);
        assert_eq!((errors[0].line, errors[0].field.as_str()), (3, "support"));
        assert_eq!((errors[1].line, errors[1].field.as_str()), (4, "price_usd"));
    }

    #[test]
    fn a_file_without_a_required_column_is_refused_by_name() {
        let err = parse_shoes(b"id,brand\na,b\n").unwrap_err();
        assert!(matches!(err, CsvError::MissingColumn(c) if c == "model"));
    }

    #[test]
    fn insole_files_are_told_apart_from_shoe_files_by_header() {
        assert!(matches!(parse_catalogue_file(BUNDLED_INSOLES_CSV).unwrap(), CatalogueFile::Insoles(_)));
        assert!(matches!(parse_catalogue_file(BUNDLED_SHOES_CSV).unwrap(), CatalogueFile::Shoes(_)));
    }
}
