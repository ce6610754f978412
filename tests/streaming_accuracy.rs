//! The causal streaming tracker (the daemon's) on a subset of the dev corpus, frame by frame:
//! asserts floors on beat and downbeat F-measure.

use necken_rhythm::streaming::StreamingTracker;
use necken_rhythm::tracker::TrackerConfig;
use necken_rhythm::FRAME_RATE;
use necken_tests::{corpus_dev, f_measure, read_beats};

#[test]
fn streaming_tracker_follows_dev_clips() {
    let dev = corpus_dev();
    let mut clips: Vec<_> = std::fs::read_dir(&dev)
        .unwrap_or_else(|e| panic!("{}: {e}", dev.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ogg"))
        .collect();
    clips.sort();
    // Every fourth ogg clip (by name): 15 clips across the styles.
    let clips: Vec<_> = clips.into_iter().step_by(4).collect();
    let (mut f_sum, mut db_sum) = (0.0, 0.0);
    for path in &clips {
        let frames = necken_analysis::file_frames(path).unwrap_or_else(|e| panic!("{e}"));
        let mut tracker = StreamingTracker::new(TrackerConfig::default());
        let mut beats = Vec::new();
        for f in &frames {
            if let Some(b) = tracker.push(f) {
                beats.push((b.frame as f64 / FRAME_RATE as f64, b.number));
            }
        }
        let truth = read_beats(&path.with_extension("beats"));
        let f = f_measure(
            &truth.iter().map(|b| b.0).collect::<Vec<_>>(),
            &beats.iter().map(|b| b.0).collect::<Vec<_>>(),
        );
        let db = f_measure(
            &truth
                .iter()
                .filter(|b| b.1 == 1)
                .map(|b| b.0)
                .collect::<Vec<_>>(),
            &beats
                .iter()
                .filter(|b| b.1 == 1)
                .map(|b| b.0)
                .collect::<Vec<_>>(),
        );
        eprintln!("{} F {f:.3} DbF {db:.3}", path.display());
        f_sum += f;
        db_sum += db;
    }
    let n = clips.len() as f64;
    let (f, db) = (f_sum / n, db_sum / n);
    eprintln!(
        "streaming mean F {f:.3}, DbF {db:.3} over {} clips",
        clips.len()
    );
    // Measured on this subset: F 0.928, DbF 0.815 (docs/accuracy.md has the full dev set).
    assert!(
        f >= 0.88,
        "streaming beat F-measure {f:.3} below the 0.88 floor"
    );
    assert!(
        db >= 0.72,
        "streaming downbeat F-measure {db:.3} below the 0.72 floor"
    );
}
