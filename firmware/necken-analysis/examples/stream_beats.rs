//! Runs the causal streaming tracker over every audio file in a folder (frame by frame, as the
//! daemon would) and writes `<stem>.beats` files for the scorer.
//! usage: stream_beats CLIP_DIR OUT_DIR [LEAD_FRAMES]   (see `StreamingTracker::with_lead`)
use necken_rhythm::streaming::StreamingTracker;
use necken_rhythm::tracker::TrackerConfig;
use necken_rhythm::FRAME_RATE;

fn main() {
    let mut args = std::env::args().skip(1);
    let (dir, out) = match (args.next(), args.next()) {
        (Some(d), Some(o)) => (d, o),
        _ => {
            eprintln!("usage: stream_beats CLIP_DIR OUT_DIR [LEAD_FRAMES]");
            std::process::exit(2)
        }
    };
    let lead: usize = match args.next().map(|l| l.parse()) {
        None => 0,
        Some(Ok(l)) => l,
        Some(Err(_)) => {
            eprintln!("LEAD_FRAMES must be a whole number of frames");
            std::process::exit(2)
        }
    };
    std::fs::create_dir_all(&out).expect("output folder");
    let files = necken_analysis::audio_files_in(dir.as_ref(), false).expect("clip folder");
    let mut tracker_time = 0.0;
    let mut audio_time = 0.0;
    for path in files {
        let frames = match necken_analysis::file_frames(&path) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("{e}");
                continue;
            }
        };
        let mut tracker = StreamingTracker::new(TrackerConfig::streaming()).with_lead(lead);
        let start = std::time::Instant::now();
        let mut text = String::new();
        for f in &frames {
            if let Some(b) = tracker.push(f) {
                text.push_str(&format!(
                    "{:.3}\t{}\n",
                    b.frame as f32 / FRAME_RATE,
                    b.number
                ));
            }
        }
        tracker_time += start.elapsed().as_secs_f64();
        audio_time += frames.len() as f64 / FRAME_RATE as f64;
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        std::fs::write(format!("{out}/{stem}.beats"), text).expect("write beats");
    }
    eprintln!(
        "streaming tracker: {:.4} CPU s per audio s ({:.1} s of audio)",
        tracker_time / audio_time,
        audio_time
    );
}
