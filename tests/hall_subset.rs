//! A small hall subset kept above floors: eight generated clips (held-out training renders,
//! never dev) played into other rooms than dev-hall's, with crowd babble, footsteps, claps and
//! cheap, phone or clipping microphones (`tests/fixtures/hall/labels.csv` says which), analyzed
//! with the models the binaries ship by default. A change that makes necken worse in the hall
//! fails here; the floors sit a little under what the shipped models measure.

use std::path::PathBuf;

use necken_analysis::AnalysisOptions;
use necken_core::artifact::Profile;
use necken_core::notation::interpret;
use necken_core::style::Style;
use necken_engine::analyze_file;
use necken_models::{ModelChoices, ModelSet};
use necken_tests::{f_measure, read_beats};

fn clips() -> Vec<(PathBuf, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/hall");
    std::fs::read_to_string(dir.join("labels.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (dir.join(c[1]), c[2].to_string())
        })
        .collect()
}

#[test]
fn the_default_models_hold_up_in_the_hall_subset() {
    let set = ModelSet::load(&ModelChoices::defaults(), &[]).unwrap();
    let mut options = AnalysisOptions::new(Profile::Standard);
    options.beat_model = set.beat.clone().map(|m| m as _);
    options.embedding_model = set.embed.clone().map(|m| m as _);
    let head = set.head.clone().expect("a default head");
    let clips = clips();
    assert_eq!(clips.len(), 8);
    let (mut f_sum, mut family_right, mut style_right, mut confident_wrong) = (0.0, 0, 0, 0);
    for (path, style) in &clips {
        let truth = read_beats(&path.with_extension("beats"));
        let ternary = truth.iter().map(|b| b.1).max() == Some(3);
        let a = analyze_file(path, &options).unwrap_or_else(|e| panic!("{e}"));
        let reading = interpret(&a.artifacts, &Default::default(), Some(&head));
        let beats = reading.artifacts.beats.as_ref().expect("music has beats");
        let f = f_measure(&truth.iter().map(|b| b.0).collect::<Vec<_>>(), &beats.times);
        f_sum += f;
        let meter = reading.artifacts.rhythm.beats_per_bar;
        family_right += usize::from(meter.map(|m| m == 3) == Some(ternary));
        let c = &reading.classification;
        let right = Style::from_name(style) == Some(c.style);
        style_right += usize::from(right);
        confident_wrong += usize::from(!right && c.confidence >= 0.8);
        eprintln!(
            "{style:16} F {f:.3} meter {meter:?} style {} ({:.2})",
            c.style.name(),
            c.confidence
        );
    }
    let f = f_sum / clips.len() as f64;
    eprintln!(
        "hall subset: F {f:.3}, bar family {family_right}/8, style {style_right}/8, \
         wrong at confidence >= 0.8 {confident_wrong}/8"
    );
    assert!(f >= FLOOR_F, "beat F {f:.3} below {FLOOR_F}");
    assert!(family_right >= FLOOR_FAMILY, "bar family {family_right}/8");
    assert!(style_right >= FLOOR_STYLE, "style {style_right}/8");
    assert!(
        confident_wrong <= 1,
        "{confident_wrong} confident wrong styles"
    );
}

// Measured with beat-tcn-v2, embed-cnn-v1 and style-head-v3: F 0.867, bar family 8/8, style
// 6/8 (two answered "unknown"), no confident wrong style. The models before them (beat-tcn-v1,
// style-head-v2) measured F 0.759, 7/8, 3/8 and two confident wrong styles: they fail here.
// With embed-cnn-v2 and style-head-v4, and the tracker's hall constants of 2026-12-06
// (placement reach 0.05, tempo prior strength 4): F 0.904, 8/8, 6/8, none confident and wrong;
// the constants before them measured F 0.867 and fail the beat floor. With beat-tcn-v3 and
// style-head-v9 (the mean bar; 2026-12-06): F 0.905, 8/8, 6/8 (vals and mazurka "unknown"),
// none confident and wrong; with the tracker's leaning mazurka bars and style-head-v10:
// F 0.936, 8/8, 6/8, none confident and wrong; with style-head-v11 (2026-12-07): F 0.936,
// 8/8, 7/8, none confident and wrong; with style-head-v12 and v13 (2026-12-07, ninth
// session) the same.
const FLOOR_F: f64 = 0.88;
const FLOOR_FAMILY: usize = 7;
const FLOOR_STYLE: usize = 5;
