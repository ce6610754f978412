//! Runs the beat network with tract on every clip of a folder, feeds its activations (alone or
//! mixed with the DSP ones) to the offline bar-pointer tracker and writes `<stem>.beats` for
//! the scorer; prints the network's CPU time per audio second.
//! With `--streaming` the causal streaming tracker (the daemon's) takes the frames one by one
//! instead of the offline tracker.
//! usage: eval_beat_net MODEL.onnx CLIP_DIR OUT_DIR [NN_SHARE] [--streaming]
use std::time::Instant;

use necken_models::BeatNet;
use necken_rhythm::activation::Activations;
use necken_rhythm::learned::mix_activations;
use necken_rhythm::streaming::StreamingTracker;
use necken_rhythm::tracker::{BarPointerTracker, TrackerConfig};
use necken_rhythm::FRAME_RATE;

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let streaming = args.iter().any(|a| a == "--streaming");
    args.retain(|a| a != "--streaming");
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
        // The streaming tracker hears the causal network, as in the daemon; the offline
        // tracker the whole-piece output (the offline network when the file has one).
        let nn = if streaming {
            let mut stream = net.stream(500).expect("a streamable network");
            let mut out = Vec::with_capacity(frames.len());
            for b in bands.chunks_exact(BeatNet::BANDS) {
                stream.push(b, &mut out).expect("inference");
            }
            stream.finish(&mut out).expect("inference");
            out
        } else {
            net.activations(&bands).expect("inference")
        };
        net_time += t.elapsed().as_secs_f64();
        audio += frames.len() as f64 / FRAME_RATE as f64;
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        if streaming {
            let mut tracker = StreamingTracker::new(TrackerConfig::streaming());
            let text: String = frames
                .iter()
                .zip(&nn)
                .filter_map(|(f, &n)| tracker.push_mixed(f, n, share))
                .map(|b| format!("{:.3}\t{}\n", b.frame as f32 / FRAME_RATE, b.number))
                .collect();
            std::fs::write(format!("{}/{stem}.beats", args[2]), text).expect("write beats");
            continue;
        }
        let dsp = Activations::from_frames(&frames);
        let act = mix_activations(&dsp, &nn, share);
        let r = tracker.track(&act);
        let text: String = r
            .beat_frames
            .iter()
            .zip(&r.beat_numbers)
            .map(|(&f, &k)| format!("{:.3}\t{k}\n", f as f32 / FRAME_RATE))
            .collect();
        std::fs::write(format!("{}/{stem}.beats", args[2]), text).expect("write beats");
    }
    eprintln!(
        "beat network: {:.4} CPU s per audio s ({audio:.0} s of audio)",
        net_time / audio
    );
}
