//! Runs the offline bar-pointer tracker with beat/downbeat activations computed elsewhere (a
//! neural network's `<stem>.act` files: f32 beat, downbeat per frame) in place of, or mixed
//! with, the DSP activations, and writes `<stem>.beats` for the scorer. Evaluation of the
//! neural activation models against the DSP front end.
//! usage: track_activations CLIP_DIR ACT_DIR OUT_DIR [NN_SHARE]
//! NN_SHARE (default 1): 1 = network only, 0 = DSP only, between = weighted mean.
use necken_rhythm::activation::Activations;
use necken_rhythm::tracker::{BarPointerTracker, TrackerConfig};
use necken_rhythm::FRAME_RATE;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: track_activations CLIP_DIR ACT_DIR OUT_DIR [NN_SHARE]");
        std::process::exit(2);
    }
    let (clips, acts, out) = (&args[0], &args[1], &args[2]);
    let share: f32 = args
        .get(3)
        .map_or(1.0, |s| s.parse().expect("NN_SHARE is a number"));
    std::fs::create_dir_all(out).expect("output folder");
    let tracker = BarPointerTracker::new(TrackerConfig::default());
    let files = necken_analysis::audio_files_in(clips.as_ref(), false).expect("clip folder");
    for path in files {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let act_path = std::path::Path::new(acts).join(format!("{stem}.act"));
        let Ok(bytes) = std::fs::read(&act_path) else {
            eprintln!("{}: no activation file", act_path.display());
            continue;
        };
        let nn: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        let frames = necken_analysis::file_frames(&path).expect("decodable clip");
        let dsp = Activations::from_frames(&frames);
        let n = dsp.len().min(nn.len() / 2);
        let mix = |d: f32, k: f32| share * k + (1.0 - share) * d;
        let act = Activations {
            beat: (0..n).map(|i| mix(dsp.beat[i], nn[2 * i])).collect(),
            downbeat: (0..n)
                .map(|i| mix(dsp.downbeat[i], nn[2 * i + 1]))
                .collect(),
            harmonic: dsp.harmonic[..n].to_vec(),
        };
        let r = tracker.track(&act);
        let text: String = r
            .beat_frames
            .iter()
            .zip(&r.beat_numbers)
            .map(|(&f, &k)| format!("{:.3}\t{k}\n", f as f32 / FRAME_RATE))
            .collect();
        std::fs::write(format!("{out}/{stem}.beats"), text).expect("write beats");
    }
}
