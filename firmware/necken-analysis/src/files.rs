//! Which files are audio: the extensions symphonia is built to read here, and folder listings
//! by them (the host tool, the daemon's watched folder and the evaluation examples share these).

use std::path::{Path, PathBuf};

/// Extensions taken from folders (compared case-insensitively).
pub const AUDIO_EXTENSIONS: [&str; 9] = [
    "wav", "flac", "mp3", "ogg", "oga", "m4a", "mp4", "aac", "mkv",
];

/// True when the path has an audio extension.
pub fn is_audio_file(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Audio files in `dir`, sorted; with `recursive`, in its subfolders too (depth first, sorted).
pub fn audio_files_in(dir: &Path, recursive: bool) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    walk(dir, recursive, &mut out)?;
    Ok(out)
}

fn walk(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if recursive {
                walk(&p, true, out)?;
            }
        } else if is_audio_file(&p) {
            out.push(p);
        }
    }
    Ok(())
}
