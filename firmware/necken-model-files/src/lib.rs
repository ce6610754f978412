//! # necken-model-files
//!
//! Every model file is checked against the `SHA256SUMS` manifest beside it before it is used:
//! a missing, truncated or altered file is a clear error naming it, never a silently different
//! model. The default models (the beat and embedding networks and the style head) are also
//! built into the binaries, checked against the repository's manifest, so `necken analyze` and
//! `neckend` work from any directory with no flags; a file of the same name in an install
//! root ([`install_roots`]) or named explicitly is used instead.
#![warn(missing_docs)]

use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// File name of the default beat/downbeat network.
pub const BEAT_NET: &str = "beat-tcn-v3.onnx";
/// File name of the default embedding and instrumental/vocal network.
pub const EMBED_NET: &str = "embed-cnn-v2.onnx";
/// File name of the default style head.
pub const STYLE_HEAD: &str = "style-head-v17.nkhead";

/// The repository's manifest, as built in.
const MANIFEST: &str = include_str!("../../../models/SHA256SUMS");

/// The built-in copies of the default models.
const BUNDLED: [(&str, &[u8]); 3] = [
    (BEAT_NET, include_bytes!("../../../models/beat-tcn-v3.onnx")),
    (
        EMBED_NET,
        include_bytes!("../../../models/embed-cnn-v2.onnx"),
    ),
    (
        STYLE_HEAD,
        include_bytes!("../../../models/style-head-v17.nkhead"),
    ),
];

/// Where a model comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelFile {
    /// A file, checked against the `SHA256SUMS` in its folder.
    Path(PathBuf),
    /// The copy built into the binary (one of [`BEAT_NET`], [`EMBED_NET`], [`STYLE_HEAD`]).
    Bundled(&'static str),
}

impl fmt::Display for ModelFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModelFile::Path(p) => write!(f, "{}", p.display()),
            ModelFile::Bundled(name) => write!(f, "built-in models/{name}"),
        }
    }
}

impl ModelFile {
    /// The model's id: its file stem (`beat-tcn-v1`).
    pub fn id(&self) -> String {
        let name: &Path = match self {
            ModelFile::Path(p) => p,
            ModelFile::Bundled(name) => Path::new(name),
        };
        name.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// A path for error messages (`<built-in>/NAME` for a bundled model).
    pub fn display_path(&self) -> PathBuf {
        match self {
            ModelFile::Path(p) => p.clone(),
            ModelFile::Bundled(name) => Path::new("<built-in>").join(name),
        }
    }

    /// The bytes of a file that has no manifest (a style head made by `necken train-head`
    /// checks its own format); a built-in copy is still checked.
    pub fn read_unlisted(&self) -> Result<Cow<'static, [u8]>, ModelFileError> {
        match self {
            ModelFile::Path(p) => std::fs::read(p)
                .map(Cow::Owned)
                .map_err(|e| ModelFileError {
                    path: p.clone(),
                    problem: e.to_string(),
                }),
            ModelFile::Bundled(_) => self.read().map(|(b, _)| b),
        }
    }

    /// The checked bytes and their SHA-256.
    pub fn read(&self) -> Result<(Cow<'static, [u8]>, [u8; 32]), ModelFileError> {
        match self {
            ModelFile::Path(p) => verified(p).map(|(b, d)| (Cow::Owned(b), d)),
            ModelFile::Bundled(name) => {
                let bytes = bundled(name).ok_or_else(|| ModelFileError {
                    path: self.display_path(),
                    problem: "no such built-in model".into(),
                })?;
                let digest = check(bytes, MANIFEST, name, &self.display_path(), "the built-in")?;
                Ok((Cow::Borrowed(bytes), digest))
            }
        }
    }
}

/// A model file that cannot be used; the message names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelFileError {
    /// The file.
    pub path: PathBuf,
    /// Why.
    pub problem: String,
}

impl fmt::Display for ModelFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "model {}: {}", self.path.display(), self.problem)
    }
}

impl std::error::Error for ModelFileError {}

/// The built-in copy of a default model.
pub fn bundled(name: &str) -> Option<&'static [u8]> {
    BUNDLED.iter().find(|(n, _)| *n == name).map(|(_, b)| *b)
}

/// The SHA-256 (hex) the built-in manifest lists for `name`.
pub fn bundled_sha256(name: &str) -> Option<String> {
    manifest_entry(MANIFEST, name)
}

/// Folders a relative model path is looked for in, after the working directory: the folder
/// of the executable and its parents up to three levels (an install root holding `models/`,
/// or the repository above `target/release/`), then `/usr/local/share/necken` and
/// `/usr/share/necken`.
pub fn install_roots() -> Vec<PathBuf> {
    let mut roots = Vec::new();
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.canonicalize().ok())
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        roots.extend(dir.ancestors().take(4).map(Path::to_path_buf));
    }
    roots.push("/usr/local/share/necken".into());
    roots.push("/usr/share/necken".into());
    roots
}

/// Where the model `path` is: as given when it exists (or is absolute), else relative to
/// the first of `roots` that holds it, else — when its file name is one of the default
/// models — the built-in copy (the same bytes: the checksum is checked either way). A path
/// found nowhere is returned as given, so that reading it names it.
pub fn locate(path: &Path, roots: &[PathBuf]) -> ModelFile {
    if path.is_absolute() || path.exists() {
        return ModelFile::Path(path.to_path_buf());
    }
    if let Some(found) = roots.iter().map(|r| r.join(path)).find(|p| p.exists()) {
        return ModelFile::Path(found);
    }
    let name = path.file_name().and_then(|n| n.to_str());
    match BUNDLED.iter().find(|(n, _)| Some(*n) == name) {
        Some((n, _)) => ModelFile::Bundled(n),
        None => ModelFile::Path(path.to_path_buf()),
    }
}

/// The default model `name`: `models/<name>` from the working directory or an install root,
/// else the built-in copy.
pub fn default_model(name: &'static str) -> ModelFile {
    locate(&Path::new("models").join(name), &install_roots())
}

/// Which model to use for one role (beat network, embedding network, style head).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModelChoice {
    /// None: run without it (asked for explicitly).
    Off,
    /// The default model of the role ([`default_model`]).
    Default,
    /// This file (relative paths are also looked for in the install roots).
    File(PathBuf),
}

impl ModelChoice {
    /// From a `--x-model PATH` / `--no-x-model` pair of flags (the `--no` flag wins).
    pub fn from_flags(path: Option<&Path>, off: bool) -> ModelChoice {
        match (off, path) {
            (true, _) => ModelChoice::Off,
            (false, Some(p)) => ModelChoice::File(p.to_path_buf()),
            (false, None) => ModelChoice::Default,
        }
    }

    /// From a profile value: empty = off.
    pub fn from_profile(path: &Path) -> ModelChoice {
        if path.as_os_str().is_empty() {
            ModelChoice::Off
        } else {
            ModelChoice::File(path.to_path_buf())
        }
    }

    /// The file this choice names, with `default_name` as the role's default and `roots` as
    /// the install roots for relative paths; `None` for [`ModelChoice::Off`].
    pub fn resolve(&self, default_name: &'static str, roots: &[PathBuf]) -> Option<ModelFile> {
        match self {
            ModelChoice::Off => None,
            ModelChoice::Default => Some(locate(&Path::new("models").join(default_name), roots)),
            ModelChoice::File(p) => Some(locate(p, roots)),
        }
    }
}

/// Reads `path` and checks it against `SHA256SUMS` in its folder; returns the bytes and their
/// SHA-256.
pub fn verified(path: &Path) -> Result<(Vec<u8>, [u8; 32]), ModelFileError> {
    let unreadable = |problem: String| ModelFileError {
        path: path.to_path_buf(),
        problem,
    };
    let bytes = std::fs::read(path).map_err(|e| unreadable(e.to_string()))?;
    let manifest_path = path.with_file_name("SHA256SUMS");
    let manifest = std::fs::read_to_string(&manifest_path)
        .map_err(|e| unreadable(format!("manifest {}: {e}", manifest_path.display())))?;
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| unreadable("no file name".into()))?;
    let digest = check(
        &bytes,
        &manifest,
        name,
        path,
        &manifest_path.display().to_string(),
    )?;
    Ok((bytes, digest))
}

fn manifest_entry(manifest: &str, name: &str) -> Option<String> {
    manifest
        .lines()
        .filter_map(|l| l.split_once("  "))
        .find(|(_, file)| file.trim() == name)
        .map(|(hash, _)| hash.trim().to_ascii_lowercase())
}

fn check(
    bytes: &[u8],
    manifest: &str,
    name: &str,
    path: &Path,
    manifest_name: &str,
) -> Result<[u8; 32], ModelFileError> {
    let fail = |problem: String| ModelFileError {
        path: path.to_path_buf(),
        problem,
    };
    let expected = manifest_entry(manifest, name)
        .ok_or_else(|| fail(format!("not listed in {manifest_name} manifest")))?;
    let digest: [u8; 32] = Sha256::digest(bytes).into();
    let actual: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    if actual != expected {
        return Err(fail(format!(
            "sha256 {actual} does not match {expected} in the manifest"
        )));
    }
    Ok(digest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_model_matches_the_manifest() {
        for name in [BEAT_NET, EMBED_NET, STYLE_HEAD] {
            let (bytes, digest) = ModelFile::Bundled(name).read().unwrap();
            assert!(bytes.len() > 1000, "{name}");
            let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(Some(hex), bundled_sha256(name));
        }
    }

    #[test]
    fn a_default_is_found_in_a_root_then_built_in_and_an_unknown_name_stays_a_path() {
        let dir = tempfile::tempdir().unwrap();
        let rel = Path::new("models").join(BEAT_NET);
        assert_eq!(
            locate(&rel, &[dir.path().to_path_buf()]),
            ModelFile::Bundled(BEAT_NET)
        );
        std::fs::create_dir_all(dir.path().join("models")).unwrap();
        std::fs::write(dir.path().join(&rel), b"x").unwrap();
        assert_eq!(
            locate(&rel, &[dir.path().to_path_buf()]),
            ModelFile::Path(dir.path().join(&rel))
        );
        // A file that is there but not in its manifest is an error naming it.
        let e = ModelFile::Path(dir.path().join(&rel)).read().unwrap_err();
        assert!(e.to_string().contains(BEAT_NET), "{e}");
        let other = Path::new("models/mine.onnx");
        assert_eq!(locate(other, &[]), ModelFile::Path(other.to_path_buf()));
    }

    #[test]
    fn an_altered_file_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(STYLE_HEAD);
        std::fs::write(&path, b"not the head").unwrap();
        std::fs::write(
            dir.path().join("SHA256SUMS"),
            format!("{}  {STYLE_HEAD}\n", bundled_sha256(STYLE_HEAD).unwrap()),
        )
        .unwrap();
        let e = verified(&path).unwrap_err();
        assert!(e.to_string().contains("does not match"), "{e}");
        assert_eq!(e.path, path);
    }
}
