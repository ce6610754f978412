//! Style labels for stored tracks: a CSV with `clip` (the audio file's stem) and `style`
//! columns, as the corpus generators write them.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use necken_core::style::Style;

use crate::commands::CliResult;

/// The file stem a label's `clip` is matched against.
pub fn stem_of(source_path: &str) -> String {
    Path::new(source_path)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Reads the `clip` → style pairs of every file (a later file's clip wins).
pub fn read_all_labels(paths: &[PathBuf]) -> CliResult<HashMap<String, Style>> {
    let mut labels = HashMap::new();
    for path in paths {
        labels.extend(read_labels(path)?);
    }
    Ok(labels)
}

/// Reads `clip` → style.
pub fn read_labels(path: &Path) -> CliResult<HashMap<String, Style>> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or("empty labels file")?
        .split(',')
        .collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .ok_or_else(|| format!("{}: no `{name}` column", path.display()))
    };
    let (ci, si) = (col("clip")?, col("style")?);
    let mut out = HashMap::new();
    for (i, line) in lines.enumerate() {
        // The generator quotes titles with commas; clip and style come before any quoted field.
        let fields: Vec<&str> = line.split(',').collect();
        let (Some(clip), Some(style)) = (fields.get(ci), fields.get(si)) else {
            return Err(format!("{}: line {} is short", path.display(), i + 2).into());
        };
        let style = Style::from_name(style).ok_or_else(|| {
            format!(
                "{}: line {}: unknown style {style:?}",
                path.display(),
                i + 2
            )
        })?;
        out.insert(clip.to_string(), style);
    }
    Ok(out)
}
