//! Predicted against observed precision: the links grouped by the probability the engine gave
//! them. A calibrated engine's links at 0.99 are right 99 times in 100, whatever the size of
//! the master; a band whose observed precision falls short of its prediction says which way
//! the weights are off.

use rustc_hash::FxHashMap;

use super::{Prediction, Truth};

/// Links whose probability lies in [from, to).
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    pub from: f64,
    pub to: f64,
    pub links: usize,
    pub correct: usize,
    /// Mean probability the engine gave these links.
    pub predicted: f64,
}

impl Band {
    pub fn observed(&self) -> f64 {
        if self.links == 0 {
            0.0
        } else {
            self.correct as f64 / self.links as f64
        }
    }
}

const EDGES: [f64; 9] = [0.0, 0.5, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 1.000_001];

/// The calibration table of the predictions that carry a score; empty bands are left out.
pub fn calibration(predictions: &[Prediction], truth: &[Truth]) -> Vec<Band> {
    let by_id: FxHashMap<&str, &Truth> = truth.iter().map(|t| (t.posting_id.as_str(), t)).collect();
    let mut bands: Vec<Band> = EDGES
        .windows(2)
        .map(|w| Band {
            from: w[0],
            to: w[1].min(1.0),
            links: 0,
            correct: 0,
            predicted: 0.0,
        })
        .collect();
    for p in predictions {
        let Some(score) = p.score else { continue };
        let Some(i) = EDGES.windows(2).position(|w| score >= w[0] && score < w[1]) else {
            continue;
        };
        let right = by_id
            .get(p.posting_id.as_str())
            .and_then(|t| t.corporate_number)
            == Some(p.corporate_number);
        let b = &mut bands[i];
        b.links += 1;
        b.correct += usize::from(right);
        b.predicted += score;
    }
    bands.retain(|b| b.links > 0);
    for b in &mut bands {
        b.predicted /= b.links as f64;
    }
    bands
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::company::CorporateNumber;

    fn number() -> CorporateNumber {
        CorporateNumber::parse("7000012050002").unwrap()
    }

    #[test]
    fn links_fall_into_their_band_and_count_as_right_only_when_the_truth_agrees() {
        let truth: Vec<Truth> = (0..4)
            .map(|i| Truth {
                posting_id: format!("P{i}"),
                corporate_number: (i != 3).then(number),
                variations: vec![],
            })
            .collect();
        let pred = |i: usize, score: f64| Prediction {
            posting_id: format!("P{i}"),
            corporate_number: number(),
            score: Some(score),
        };
        let bands = calibration(
            &[pred(0, 0.992), pred(1, 0.994), pred(3, 0.993), pred(2, 1.0)],
            &truth,
        );
        assert_eq!(bands.len(), 2);
        assert_eq!(
            (bands[0].from, bands[0].links, bands[0].correct),
            (0.99, 3, 2)
        );
        assert!((bands[0].predicted - 0.993).abs() < 1e-9);
        assert_eq!(
            (bands[1].from, bands[1].links, bands[1].correct),
            (0.999, 1, 1)
        );
    }
}
