//! Catalogue files (CSV): shoes and insoles, parsed row by row through `tabular`.

use super::{
    ArchSupport, Category, Cushioning, Insole, InsoleCushioning, Rigidity, Shoe, ShoeStatus, Support, Terrain, Volume, WidthSet,
};
use crate::tabular::{Row, RowError, Table, TableError};

/// The catalogue shipped with the service, seeded into an empty database on first start.
pub const BUNDLED_SHOES_CSV: &[u8] = include_bytes!("../../data/shoes.csv");
pub const BUNDLED_INSOLES_CSV: &[u8] = include_bytes!("../../data/insoles.csv");

pub const SHOE_COLUMNS: &[&str] = &[
    "id", "brand", "model", "release_year", "category", "support", "cushioning", "terrain", "heel_stack_mm",
    "forefoot_stack_mm", "drop_mm", "weight_g", "price_usd", "widths", "plated", "source",
    "line", "status",
];
pub const INSOLE_COLUMNS: &[&str] =
    &["id", "brand", "model", "arch_support", "volume", "cushioning", "rigidity", "price_usd", "source"];

/// What a catalogue file holds, told apart by its header.
#[derive(Debug)]
pub enum CatalogueFile {
    Shoes(Vec<Shoe>),
    Insoles(Vec<Insole>),
}

pub type CsvError = TableError;

/// Columns a file may leave out (older catalogue files have none of them).
const OPTIONAL_COLUMNS: &[&str] = &["source", "line", "status"];

/// Required columns must be present; the optional ones may be left out.
fn rows<T: Send>(table: &Table, columns: &[&str], build: impl Fn(&Row) -> Result<T, RowError> + Sync) -> Result<Vec<T>, CsvError> {
    let required: Vec<&str> = columns.iter().copied().filter(|c| !OPTIONAL_COLUMNS.contains(c)).collect();
    table.require(&required)?;
    table.rows(build)
}

fn shoe_from_row(row: &Row) -> Result<Shoe, RowError> {
    let widths = WidthSet::parse_joined(&row.required("widths")?, '|').map_err(|reason| row.err("widths", reason))?;
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
        line: row.cell("line").map(str::to_owned),
        status: row.cell("status").map(|s| ShoeStatus::parse(s).map_err(|reason| row.err("status", reason))).transpose()?,
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
    let shoes = rows(&Table::from_csv(bytes)?, SHOE_COLUMNS, shoe_from_row)?;
    reject_duplicate_ids(shoes.iter().map(|s| s.id.as_str()))?;
    Ok(shoes)
}

pub fn parse_insoles(bytes: &[u8]) -> Result<Vec<Insole>, CsvError> {
    let insoles = rows(&Table::from_csv(bytes)?, INSOLE_COLUMNS, insole_from_row)?;
    reject_duplicate_ids(insoles.iter().map(|s| s.id.as_str()))?;
    Ok(insoles)
}

/// Reads a shoe or insole file, telling which from its header (`arch_support` marks insoles).
pub fn parse_catalogue_file(bytes: &[u8]) -> Result<CatalogueFile, CsvError> {
    let table = Table::from_csv(bytes)?;
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
