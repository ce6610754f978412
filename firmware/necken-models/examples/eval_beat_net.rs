//! Runs the beat network with tract on every clip of a folder, feeds its activations (alone or
//! mixed with the DSP ones) to the offline bar-pointer tracker and writes `<stem>.beats` for
//! the scorer; prints the network's CPU time per audio second.
//! usage: eval_beat_net MODEL.onnx CLIP_DIR OUT_DIR [NN_SHARE]
use std::time::Instant;

use necken_models::BeatNet;
use necken_rhythm::activation::Activations;
use necken_rhythm::tracker::{BarPointerTracker, TrackerConfig};
use necken_rhythm::FRAME_RATE;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 3 {
        eprintln!("usage: eval_beat_net MODEL.onnx CLIP_DIR OUT_DIR [NN_SHARE]");
        std::process::exit(2);
    }
    let net = BeatNet::load(args[0].as_ref()).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    let share: f32 = args.get(3).map_or(1.0, |s| s.parse().expect("NN_SHARE"));
    std::fs::create_dir_all(&args[2]).expect("output folder");
    let tracker = BarPointerTracker::new(TrackerConfig::default());
    let files = necken_analysis::audio_files_in(args[1].as_ref(), false).expect("clip folder");
    let (mut net_time, mut audio) = (0.0, 0.0);
    for path in files {
        let frames = necken_analysis::file_frames_with_bands(&path).expect("decodable clip");
        let bands: Vec<f32> = frames
            .iter()
            .flat_map(|f| f.bands.as_deref().unwrap_or(&[]).iter().copied())
            .collect();
        let t = Instant::now();
        let nn = net.activations(&bands).expect("inference");
        net_time += t.elapsed().as_secs_f64();
        audio += frames.len() as f64 / FRAME_RATE as f64;
        let dsp = Activations::from_frames(&frames);
        let n = dsp.len().min(nn.len());
        let mix = |d: f32, k: f32| share * k + (1.0 - share) * d;
        let act = Activations {
            beat: (0..n).map(|i| mix(dsp.beat[i], nn[i][0])).collect(),
            downbeat: (0..n).map(|i| mix(dsp.downbeat[i], nn[i][1])).collect(),
            harmonic: dsp.harmonic[..n].to_vec(),
        };
        let r = tracker.track(&act);
        let text: String = r
            .beat_frames
            .iter()
            .zip(&r.beat_numbers)
            .map(|(&f, &k)| format!("{:.3}\t{k}\n", f as f32 / FRAME_RATE))
            .collect();
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        std::fs::write(format!("{}/{stem}.beats", args[2]), text).expect("write beats");
    }
    eprintln!(
        "beat network: {:.4} CPU s per audio s ({audio:.0} s of audio)",
        net_time / audio
    );
}
