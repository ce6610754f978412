//! The embedding network over a piece's mel patches, and its per-patch output put into the
//! artifacts (mean embedding and vocal scores, with the full profile their series).

use std::sync::Arc;
use std::time::{Duration, Instant};

use necken_core::artifact::*;
use necken_rhythm::learned::{EmbeddingModel, PatchEmbeddings};
use necken_rhythm::mel::{MelPatcher, MEL_BANDS, PATCH_FRAMES, PATCH_HOP_S};

/// Patches per embedding inference: batching amortizes tract's per-call cost, and 8 patches
/// of input are 0.6 MB.
const EMBED_BATCH: usize = 8;

/// The embedding network run over a file's mel patches as they complete.
pub struct EmbedRun {
    model: Arc<dyn EmbeddingModel>,
    patcher: MelPatcher,
    batch_patches: usize,
    batch: Vec<f32>,
    out: PatchEmbeddings,
    time: Duration,
    error: Option<String>,
}

impl EmbedRun {
    /// A run of `model` over a new piece of audio.
    pub fn new(model: Arc<dyn EmbeddingModel>) -> EmbedRun {
        EmbedRun {
            model,
            patcher: MelPatcher::new(),
            batch_patches: EMBED_BATCH,
            batch: Vec::with_capacity(EMBED_BATCH * MEL_BANDS * PATCH_FRAMES),
            out: PatchEmbeddings::default(),
            time: Duration::ZERO,
            error: None,
        }
    }

    /// Runs each patch as soon as it is complete (live audio: the rolling windows read the
    /// results so far) instead of in batches.
    pub fn patch_by_patch(mut self) -> EmbedRun {
        self.batch_patches = 1;
        self
    }

    /// The per-patch results so far (patch k covers seconds `[k, k + 1) · PATCH_HOP_S` of the
    /// audio pushed).
    pub fn results(&self) -> &PatchEmbeddings {
        &self.out
    }

    /// Takes the next mel frame.
    pub fn push(&mut self, frame: &[f32; MEL_BANDS]) {
        let batch = &mut self.batch;
        let mut completed = false;
        self.patcher.push(frame, &mut |p| {
            batch.extend_from_slice(p);
            completed = true;
        });
        if completed && self.batch.len() >= self.batch_patches * MEL_BANDS * PATCH_FRAMES {
            self.run();
        }
    }

    fn run(&mut self) {
        if self.batch.is_empty() || self.error.is_some() {
            self.batch.clear();
            return;
        }
        let t = Instant::now();
        match self.model.embed(&self.batch) {
            Ok(r) => {
                self.out.embeddings.extend(r.embeddings);
                self.out.vocal.extend(r.vocal);
            }
            Err(e) => self.error = Some(e),
        }
        self.batch.clear();
        self.time += t.elapsed();
    }

    /// The audio ended: runs what is left (a piece shorter than a patch gets one padded
    /// patch) and gives the per-patch results, or the network's error.
    pub fn finish(mut self) -> Result<(PatchEmbeddings, Duration), String> {
        let batch = &mut self.batch;
        self.patcher.finish(&mut |p| batch.extend_from_slice(p));
        self.run();
        match self.error {
            Some(e) => Err(e),
            None => Ok((self.out, self.time)),
        }
    }

    /// The model.
    pub fn model(&self) -> &Arc<dyn EmbeddingModel> {
        &self.model
    }
}

/// The element-wise mean of equally long rows (at least one).
fn mean_of(rows: &[&[f32]]) -> Vec<f32> {
    let k = rows.len() as f32;
    let mut mean = vec![0f32; rows[0].len()];
    for row in rows {
        for (m, v) in mean.iter_mut().zip(*row) {
            *m += v / k;
        }
    }
    mean
}

/// Patches per value of the full profile's embedding and vocal series (≈ 12 s).
pub const SERIES_PATCHES: usize = 4;

/// Puts an embedding network's per-patch output into the artifacts: the mean embedding and
/// mean vocal scores, with the full profile their series over groups of [`SERIES_PATCHES`]
/// patches, and the model in the provenance. Audio too short to give any patch leaves them absent.
pub fn attach_embeddings(
    artifacts: &mut RawArtifacts,
    model: &dyn EmbeddingModel,
    result: PatchEmbeddings,
) {
    let n = result.embeddings.len();
    if n == 0 || result.vocal.len() != n {
        return;
    }
    let vocal: Vec<&[f32]> = result.vocal.iter().map(|v| v.as_slice()).collect();
    let embeddings: Vec<&[f32]> = result.embeddings.iter().map(Vec::as_slice).collect();
    let pair = |m: Vec<f32>| [m[0], m[1]];
    // The full profile keeps one vector per SERIES_PATCHES patches (12 s), not per patch: a
    // 200-value vector every 3 s would be 4 KB a minute, past the full profile's size budget.
    let full = artifacts.profile == Profile::Full;
    let hop_s = PATCH_HOP_S * SERIES_PATCHES as f32;
    let series =
        |rows: &[&[f32]]| -> Vec<Vec<f32>> { rows.chunks(SERIES_PATCHES).map(mean_of).collect() };
    let overall = pair(mean_of(&vocal));
    artifacts.vocal = Some(VocalScores {
        instrumental: overall[0],
        vocal: overall[1],
        segments: full.then(|| Series {
            hop_s,
            values: series(&vocal).into_iter().map(pair).collect(),
        }),
    });
    artifacts.embedding = Some(Embedding {
        model: model.id().to_string(),
        mean: mean_of(&embeddings),
        segments: full.then(|| Series {
            hop_s,
            values: series(&embeddings),
        }),
    });
    artifacts.provenance.models.push(ModelRef {
        id: model.id().to_string(),
        sha256_prefix: model.sha256_prefix(),
    });
}
