//! The tempo transitions of the Viterbi pass as bands of four, so that the best predecessor
//! of a tempo is found with short comparison trees instead of one long dependent chain (the
//! chain was the largest single cost of offline tracking).

/// Values compared at once.
const LANES: usize = 4;

/// Per target tempo, its source tempi (a contiguous run) and their log-probabilities, padded
/// to whole groups of [`LANES`] with impossible transitions.
pub(crate) struct TransitionBand {
    /// Per target tempo: first source tempo and index of its first group in `log_p`.
    rows: Vec<(usize, usize, usize)>,
    log_p: Vec<[f64; LANES]>,
}

impl TransitionBand {
    /// Bands from `transitions[to] = [(from, log p)]`, each row's sources ascending and
    /// contiguous (the tempo-change model falls off with the tempo ratio, so they are).
    pub(crate) fn new(transitions: &[Vec<(usize, f64)>]) -> TransitionBand {
        let mut rows = Vec::with_capacity(transitions.len());
        let mut log_p = Vec::new();
        for row in transitions {
            let first = row.first().map_or(0, |&(from, _)| from);
            let groups = row.len().div_ceil(LANES);
            rows.push((first, log_p.len(), groups));
            let mut padded = vec![f64::NEG_INFINITY; groups * LANES];
            for &(from, lp) in row {
                assert!(
                    from >= first && from - first < padded.len(),
                    "tempo transitions must be contiguous"
                );
                padded[from - first] = lp;
            }
            log_p.extend(padded.chunks_exact(LANES).map(|c| [c[0], c[1], c[2], c[3]]));
        }
        TransitionBand { rows, log_p }
    }

    /// Slots `ends` needs beyond the last tempo (read by padded groups, never chosen).
    pub(crate) fn padding(&self) -> usize {
        LANES
    }

    /// The best `ends[from] + log p(to | from)` and its `from`; ties go to the lowest `from`,
    /// as a scan in ascending order would. `ends` must hold [`TransitionBand::padding`] more
    /// slots than there are tempi (any finite values or −∞).
    #[inline]
    pub(crate) fn best_source(&self, to: usize, ends: &[f64]) -> (f64, usize) {
        let (first, at, groups) = self.rows[to];
        let (mut best, mut arg) = (f64::NEG_INFINITY, to);
        for g in 0..groups {
            let lp = &self.log_p[at + g];
            let e = &ends[first + g * LANES..first + (g + 1) * LANES];
            let v = [e[0] + lp[0], e[1] + lp[1], e[2] + lp[2], e[3] + lp[3]];
            let (a, ia) = if v[1] > v[0] { (v[1], 1) } else { (v[0], 0) };
            let (b, ib) = if v[3] > v[2] { (v[3], 3) } else { (v[2], 2) };
            let (m, im) = if b > a { (b, ib) } else { (a, ia) };
            if m > best {
                best = m;
                arg = first + g * LANES + im;
            }
        }
        (best, arg)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_band_finds_what_a_scan_of_the_row_finds() {
        let transitions: Vec<Vec<(usize, f64)>> = (0..9usize)
            .map(|to| {
                let lo = to.saturating_sub(2);
                let hi = (to + 3).min(9);
                (lo..hi)
                    .map(|f| (f, -((f as f64 - to as f64).abs())))
                    .collect()
            })
            .collect();
        let band = TransitionBand::new(&transitions);
        let mut ends = vec![f64::NEG_INFINITY; 9 + band.padding()];
        for trial in 0..50u32 {
            for (i, e) in ends.iter_mut().take(9).enumerate() {
                // Few distinct values, so that ties happen.
                *e = ((i as u32 * 7 + trial * 13) % 4) as f64;
            }
            for (to, row) in transitions.iter().enumerate() {
                let (mut best, mut arg) = (f64::NEG_INFINITY, to);
                for &(from, lp) in row {
                    if ends[from] + lp > best {
                        best = ends[from] + lp;
                        arg = from;
                    }
                }
                assert_eq!(band.best_source(to, &ends), (best, arg), "to {to}");
            }
        }
    }
}
