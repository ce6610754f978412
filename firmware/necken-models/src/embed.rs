//! The embedding network: log-mel patches → a 200-dimensional embedding and
//! instrumental/vocal probabilities per patch.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use necken_rhythm::learned::{EmbeddingModel, PatchEmbeddings};
use necken_rhythm::mel::{MEL_BANDS, PATCH_FRAMES};
use tract_onnx::prelude::*;

use crate::{checked, Checked, ModelError, ModelFile};

/// An embedding network (`models/embed-cnn-v2.onnx`, the default, or v1), trained by
/// `scripts/models/train_embed_net.py`.
pub struct EmbedNet {
    plan: Arc<TypedRunnableModel>,
    dim: usize,
    path: PathBuf,
    id: String,
    sha256_prefix: [u8; 8],
}

impl EmbedNet {
    /// Loads and checks the model: its input must be `[patches, 96, 187]` log-mel and it must
    /// give an embedding and two vocal probabilities per patch.
    pub fn load(path: &Path) -> Result<EmbedNet, ModelError> {
        Self::open(&ModelFile::Path(path.to_path_buf()))
    }

    /// Loads and checks the model from a file or the built-in copy.
    pub fn open(file: &ModelFile) -> Result<EmbedNet, ModelError> {
        let Checked {
            path,
            bytes,
            id,
            sha256_prefix,
        } = checked(file)?;
        let path = path.as_path();
        let invalid = |problem: String| ModelError::Invalid {
            path: path.to_path_buf(),
            problem,
        };
        let mut model = crate::elu::onnx()
            .model_for_read(&mut &bytes[..])
            .map_err(|e| invalid(format!("{e:#}")))?;
        let patches = model.symbols.sym("patches");
        model
            .set_input_fact(
                0,
                f32::fact([patches.to_dim(), MEL_BANDS.to_dim(), PATCH_FRAMES.to_dim()]).into(),
            )
            .map_err(|e| invalid(format!("{e:#}")))?;
        let plan = model
            .into_optimized()
            .and_then(|m| m.into_runnable())
            .map_err(|e| invalid(format!("{e:#}")))?;
        let mut net = EmbedNet {
            plan,
            dim: 0,
            path: path.to_path_buf(),
            id,
            sha256_prefix,
        };
        // One silent patch tells the embedding size and proves the graph runs.
        let probe = net.embed(&vec![0.0; MEL_BANDS * PATCH_FRAMES])?;
        net.dim = probe.embeddings[0].len();
        if net.dim == 0 {
            return Err(invalid("the embedding output is empty".into()));
        }
        Ok(net)
    }

    /// The model file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs patches of [`MEL_BANDS`] × [`PATCH_FRAMES`] log-mel values (band-major, back to
    /// back; the length must be a whole number of patches).
    pub fn embed(&self, patches: &[f32]) -> Result<PatchEmbeddings, ModelError> {
        let invalid = |problem: String| ModelError::Invalid {
            path: self.path.clone(),
            problem,
        };
        let per = MEL_BANDS * PATCH_FRAMES;
        if patches.is_empty() || !patches.len().is_multiple_of(per) {
            return Err(invalid(format!(
                "{} values are not a whole number of {per}-value patches",
                patches.len()
            )));
        }
        let n = patches.len() / per;
        let input = Tensor::from_shape(&[n, MEL_BANDS, PATCH_FRAMES], patches)
            .map_err(|e| invalid(format!("{e:#}")))?;
        let out = self
            .plan
            .run(tvec!(input.into()))
            .map_err(|e| invalid(format!("{e:#}")))?;
        if out.len() < 2 {
            return Err(invalid(format!("{} outputs, expected 2", out.len())));
        }
        let values = |t: &TValue| -> Result<Vec<f32>, ModelError> {
            Ok(t.to_plain_array_view::<f32>()
                .map_err(|e| invalid(format!("{e:#}")))?
                .iter()
                .copied()
                .collect())
        };
        let (embedding, vocal) = (values(&out[0])?, values(&out[1])?);
        // An empty embedding output would pass the multiple test and make chunks of 0.
        if vocal.len() != 2 * n || embedding.is_empty() || !embedding.len().is_multiple_of(n) {
            return Err(invalid(format!(
                "outputs of {} and {} values for {n} patches",
                embedding.len(),
                vocal.len()
            )));
        }
        Ok(PatchEmbeddings {
            embeddings: embedding
                .chunks_exact(embedding.len() / n)
                .map(<[f32]>::to_vec)
                .collect(),
            vocal: vocal.chunks_exact(2).map(|c| [c[0], c[1]]).collect(),
        })
    }
}

impl EmbeddingModel for EmbedNet {
    fn id(&self) -> &str {
        &self.id
    }

    fn sha256_prefix(&self) -> [u8; 8] {
        self.sha256_prefix
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn embed(&self, patches: &[f32]) -> Result<PatchEmbeddings, String> {
        EmbedNet::embed(self, patches).map_err(|e| e.to_string())
    }
}
