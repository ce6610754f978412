//! Writes the front end's log band magnitudes of every audio file in a folder as
//! `<stem>.bands` (little-endian u32 frame count, u32 band count, then frames × bands f16),
//! the input of the neural activation models' training (`scripts/train_beat_net.py`).
//! usage: dump_bands CLIP_DIR OUT_DIR
use std::path::Path;

use necken_analysis::{decode_file, AudioSink, FrameStream};
use necken_rhythm::frontend::FrameFeatures;

struct Collect {
    stream: Option<FrameStream>,
    frames: Vec<FrameFeatures>,
}

impl AudioSink for Collect {
    fn start(&mut self, rate: u32, channels: usize) -> Result<(), String> {
        self.stream = Some(FrameStream::new(rate, channels)?.with_bands());
        Ok(())
    }
    fn samples(&mut self, interleaved: &[f32]) {
        let frames = &mut self.frames;
        if let Some(s) = &mut self.stream {
            s.push(interleaved, &mut |f| frames.push(f));
        }
    }
}

fn dump(path: &Path, out: &Path) -> Result<(), String> {
    let mut c = Collect {
        stream: None,
        frames: Vec::new(),
    };
    decode_file(path, &mut c).map_err(|e| e.to_string())?;
    let frames = &mut c.frames;
    if let Some(s) = &mut c.stream {
        s.finish(&mut |f| frames.push(f));
    }
    let bands = c
        .frames
        .first()
        .and_then(|f| f.bands.as_ref())
        .map_or(0, |b| b.len());
    let mut bytes = Vec::with_capacity(8 + c.frames.len() * bands * 2);
    bytes.extend((c.frames.len() as u32).to_le_bytes());
    bytes.extend((bands as u32).to_le_bytes());
    for f in &c.frames {
        for v in f.bands.as_deref().unwrap_or(&[]) {
            bytes.extend(half::f16::from_f32(*v).to_le_bytes());
        }
    }
    std::fs::write(out, bytes).map_err(|e| format!("{}: {e}", out.display()))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (dir, out) = match (args.next(), args.next()) {
        (Some(d), Some(o)) => (d, o),
        _ => {
            eprintln!("usage: dump_bands CLIP_DIR OUT_DIR");
            std::process::exit(2)
        }
    };
    std::fs::create_dir_all(&out).expect("output folder");
    let files = necken_analysis::audio_files_in(dir.as_ref(), false).expect("clip folder");
    for path in files {
        let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
        let target = Path::new(&out).join(format!("{stem}.bands"));
        if let Err(e) = dump(&path, &target) {
            eprintln!("{}: {e}", path.display());
        }
    }
}
