//! Reductions over a ring of state probabilities in independent lanes, so that the compiler
//! vectorizes them (a single running value would be one long dependent chain).

/// Values reduced side by side.
const LANES: usize = 8;

/// `values` reduced with `op`, lane by lane from `init`, then the lanes and the remainder in
/// order.
#[inline]
fn fold_lanes(values: &[f32], init: f32, op: impl Fn(f32, f32) -> f32) -> f32 {
    let mut acc = [init; LANES];
    let chunks = values.chunks_exact(LANES);
    let rest = chunks.remainder();
    for c in chunks {
        for j in 0..LANES {
            acc[j] = op(acc[j], c[j]);
        }
    }
    acc.iter().chain(rest).fold(init, |a, &b| op(a, b))
}

/// Largest value of a ring.
pub(super) fn max_of(ring: &[f32]) -> f32 {
    fold_lanes(ring, f32::NEG_INFINITY, |a, b| if b > a { b } else { a })
}

/// Sum of a ring (the tune-change floor needs the total mass; f32 is ample for a floor).
pub(super) fn sum_of(ring: &[f32]) -> f32 {
    fold_lanes(ring, 0.0, |a, b| a + b)
}
