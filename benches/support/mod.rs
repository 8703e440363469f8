//! Fixtures shared by the ranking benches.

use stridefit::catalogue::csv::{parse_insoles, parse_shoes, BUNDLED_INSOLES_CSV, BUNDLED_SHOES_CSV};
use stridefit::catalogue::Catalogue;

/// A catalogue of `n` shoes: the bundled ones repeated under new ids, with the bundled insoles.
pub fn catalogue_of(n: usize) -> Catalogue {
    let base = parse_shoes(BUNDLED_SHOES_CSV).expect("bundled shoes");
    let shoes = (0..n)
        .map(|i| {
            let mut s = base[i % base.len()].clone();
            s.id = format!("{}-{i}", s.id);
            s
        })
        .collect();
    Catalogue::new(shoes, parse_insoles(BUNDLED_INSOLES_CSV).expect("bundled insoles"))
}
