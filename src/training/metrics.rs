//! Evaluation metrics. linfa has no ranking metrics, so NDCG and MRR are here, tested
//! against hand-computed values.

pub use crate::model::comparison::CalibrationBin;

/// Area under the ROC curve (Mann-Whitney U, ties counted half). `None` without both classes.
pub fn auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let mut pairs: Vec<(f64, bool)> = scores.iter().copied().zip(labels.iter().copied()).collect();
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (pos, neg) = (labels.iter().filter(|l| **l).count(), labels.iter().filter(|l| !**l).count());
    if pos == 0 || neg == 0 {
        return None;
    }
    // Average ranks over ties.
    let mut rank_sum_pos = 0.0;
    let mut i = 0;
    while i < pairs.len() {
        let mut j = i;
        while j + 1 < pairs.len() && pairs[j + 1].0 == pairs[i].0 {
            j += 1;
        }
        let avg_rank = (i + j) as f64 / 2.0 + 1.0;
        rank_sum_pos += pairs[i..=j].iter().filter(|p| p.1).count() as f64 * avg_rank;
        i = j + 1;
    }
    Some((rank_sum_pos - (pos * (pos + 1)) as f64 / 2.0) / (pos * neg) as f64)
}

/// Mean binary cross-entropy, with probabilities clipped away from 0 and 1.
pub fn log_loss(probabilities: &[f64], labels: &[bool]) -> f64 {
    if probabilities.is_empty() {
        return f64::NAN;
    }
    let eps = 1e-6;
    let total: f64 = probabilities
        .iter()
        .zip(labels)
        .map(|(p, y)| {
            let p = p.clamp(eps, 1.0 - eps);
            if *y { -p.ln() } else { -(1.0 - p).ln() }
        })
        .sum();
    total / probabilities.len() as f64
}

/// Ten equal-width bins of predicted probability, with the observed rate in each, and the
/// expected calibration error (count-weighted |predicted - observed|).
pub fn calibration(probabilities: &[f64], labels: &[bool]) -> (Vec<CalibrationBin>, f64) {
    let mut sums = [(0.0f64, 0.0f64, 0usize); 10];
    for (p, y) in probabilities.iter().zip(labels) {
        let bin = ((p * 10.0).floor() as usize).min(9);
        sums[bin].0 += p;
        sums[bin].1 += *y as u8 as f64;
        sums[bin].2 += 1;
    }
    let n = probabilities.len().max(1) as f64;
    let bins: Vec<CalibrationBin> = sums
        .iter()
        .filter(|s| s.2 > 0)
        .map(|s| CalibrationBin { predicted: s.0 / s.2 as f64, observed: s.1 / s.2 as f64, count: s.2 })
        .collect();
    let ece = bins.iter().map(|b| (b.predicted - b.observed).abs() * b.count as f64 / n).sum();
    (bins, ece)
}

/// NDCG@k with binary relevance, given the 1-based ranks of the relevant items.
pub fn ndcg_at_k(relevant_ranks: &[usize], k: usize) -> f64 {
    if relevant_ranks.is_empty() {
        return 0.0;
    }
    let gain = |rank: usize| 1.0 / ((rank as f64) + 1.0).log2();
    let dcg: f64 = relevant_ranks.iter().filter(|r| **r <= k).map(|r| gain(*r)).sum();
    let ideal: f64 = (1..=relevant_ranks.len().min(k)).map(gain).sum();
    dcg / ideal
}

/// NDCG@k with graded relevance (gain = grade) of items ordered by `keys` (higher first,
/// ties in input order), against the ideal order of the grades.
pub fn ndcg_graded_at_k(keys: &[f64], grades: &[f64], k: usize) -> f64 {
    let mut order: Vec<usize> = (0..keys.len()).collect();
    order.sort_by(|&a, &b| keys[b].total_cmp(&keys[a]).then(a.cmp(&b)));
    let discount = |pos: usize| 1.0 / ((pos as f64) + 2.0).log2();
    let dcg: f64 = order.iter().take(k).enumerate().map(|(pos, &i)| grades[i] * discount(pos)).sum();
    let mut ideal: Vec<f64> = grades.to_vec();
    ideal.sort_by(|a, b| b.total_cmp(a));
    let idcg: f64 = ideal.iter().take(k).enumerate().map(|(pos, g)| g * discount(pos)).sum();
    if idcg > 0.0 {
        dcg / idcg
    } else {
        0.0
    }
}

/// Reciprocal rank of the best-placed relevant item.
pub fn reciprocal_rank(relevant_ranks: &[usize]) -> f64 {
    relevant_ranks.iter().min().map_or(0.0, |r| 1.0 / *r as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_is_one_for_perfect_order_half_for_ties_and_zero_reversed() {
        assert_eq!(auc(&[0.1, 0.4, 0.35, 0.8], &[false, false, true, true]), Some(0.75));
        assert_eq!(auc(&[0.5, 0.5], &[false, true]), Some(0.5));
        assert_eq!(auc(&[0.9, 0.1], &[false, true]), Some(0.0));
        assert_eq!(auc(&[0.2, 0.3], &[true, true]), None);
    }

    #[test]
    fn log_loss_matches_hand_computation() {
        let ll = log_loss(&[0.8, 0.3], &[true, false]);
        let expected = (-(0.8f64).ln() - (0.7f64).ln()) / 2.0;
        assert!((ll - expected).abs() < 1e-12);
    }

    #[test]
    fn ndcg_of_one_relevant_item_at_rank_three_is_half() {
        // 1/log2(4) = 0.5; ideal is 1/log2(2) = 1.
        assert!((ndcg_at_k(&[3], 5) - 0.5).abs() < 1e-12);
        assert_eq!(ndcg_at_k(&[1], 5), 1.0);
        assert_eq!(ndcg_at_k(&[6], 5), 0.0);
    }

    #[test]
    fn ndcg_of_two_relevant_items_at_ranks_one_and_three() {
        let expected = (1.0 + 0.5) / (1.0 + 1.0 / 3f64.log2());
        assert!((ndcg_at_k(&[1, 3], 5) - expected).abs() < 1e-12);
    }

    #[test]
    fn graded_ndcg_is_one_in_the_ideal_order_and_matches_hand_computation() {
        assert_eq!(ndcg_graded_at_k(&[3.0, 2.0, 1.0], &[3.0, 0.0, 0.0], 5), 1.0);
        // Best item (grade 3) ranked second: 3/log2(3) over 3/log2(2).
        let v = ndcg_graded_at_k(&[1.0, 2.0], &[3.0, 0.0], 5);
        assert!((v - 1.0 / 3f64.log2()).abs() < 1e-12);
        assert_eq!(ndcg_graded_at_k(&[1.0, 2.0], &[0.0, 0.0], 5), 0.0);
    }

    #[test]
    fn reciprocal_rank_uses_the_best_placed_item() {
        assert_eq!(reciprocal_rank(&[4, 2]), 0.5);
        assert_eq!(reciprocal_rank(&[]), 0.0);
    }

    #[test]
    fn calibration_bins_report_observed_rates() {
        let (bins, ece) = calibration(&[0.05, 0.05, 0.95, 0.95], &[false, false, true, true]);
        assert_eq!(bins.len(), 2);
        assert!((ece - 0.05).abs() < 1e-12);
    }
}
