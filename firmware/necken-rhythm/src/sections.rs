//! Sections on the bar grid: phrases of 8, 12, 16 or 32 bars (whichever divides the piece
//! most evenly), labelled by the similarity of their average spectra.

/// Section starts (frame indices) and labels, given bar start frames and a per-frame
/// fingerprint (coarse log spectrum).
pub fn bar_sections(bars: &[usize], fingerprint: &[[f32; 12]]) -> (Vec<usize>, Vec<String>) {
    if bars.len() < 4 {
        return (Vec::new(), Vec::new());
    }
    let total = bars.len();
    let mut phrase = [8usize, 12, 16, 32]
        .into_iter()
        .filter(|&p| p <= total)
        .min_by_key(|&p| {
            let rem = total % p;
            (rem.min(p - rem) * 1000 / p, p)
        })
        .unwrap_or(total.min(8));
    if total > 64 && phrase < 16 {
        phrase = 16;
    }
    let starts: Vec<usize> = bars.iter().step_by(phrase).copied().collect();
    let mut means: Vec<[f32; 12]> = Vec::new();
    for (i, &s) in starts.iter().enumerate() {
        let e = starts
            .get(i + 1)
            .copied()
            .unwrap_or(fingerprint.len())
            .min(fingerprint.len());
        let mut m = [0f32; 12];
        for f in &fingerprint[s.min(e)..e] {
            for (a, b) in m.iter_mut().zip(f) {
                *a += b;
            }
        }
        means.push(m);
    }
    let mut prototypes: Vec<[f32; 12]> = Vec::new();
    let labels = means
        .iter()
        .map(|m| {
            let found = prototypes.iter().position(|p| cosine(p, m) > 0.995);
            let k = match found {
                Some(k) => k,
                None => {
                    prototypes.push(*m);
                    prototypes.len() - 1
                }
            };
            let letter = (b'A' + (k.min(25)) as u8) as char;
            letter.to_string()
        })
        .collect();
    (starts, labels)
}

fn cosine(a: &[f32; 12], b: &[f32; 12]) -> f32 {
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let na: f32 = a.iter().map(|x| x * x).sum::<f32>().sqrt();
    let nb: f32 = b.iter().map(|x| x * x).sum::<f32>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        dot / (na * nb)
    }
}
