//! ONNX `Elu` built from tract's fast element-wise ops.
//!
//! tract expands `Elu` into `x > 0 ? x : α(eˣ − 1)`: a comparison and a select, both run by
//! generic, broadcasting ndarray code. Streamed ten times a second (the beat network has an ELU
//! after every convolution), that select was the largest single cost of the daemon's beat
//! network. `max(x, 0) + α(e^min(x, 0) − 1)` is the same function from ops tract runs with its
//! SIMD kernels (min/max and the product by a constant, exp), and gives the same bits: for
//! x ≥ 0 the second term is α(e⁰ − 1) = 0 exactly, for x < 0 the first is 0 and the second
//! is computed as before.

use tract_onnx::model::{Onnx, ParsingContext};
use tract_onnx::pb::NodeProto;
use tract_onnx::tract_hir::internal::*;
use tract_onnx::tract_hir::tract_core::ops::math::{add, exp, max, min, mul, sub};

/// The ONNX parser every network here is read with: tract's, with `Elu` as [`SimdElu`].
pub(crate) fn onnx() -> Onnx {
    let mut onnx = tract_onnx::onnx();
    onnx.op_register.insert("Elu", simd_elu);
    onnx
}

fn simd_elu(
    _ctx: &ParsingContext,
    node: &NodeProto,
) -> TractResult<(Box<dyn InferenceOp>, Vec<String>)> {
    let alpha = node
        .attribute
        .iter()
        .find(|a| a.name == "alpha")
        .map_or(1.0, |a| a.f);
    Ok((expand(SimdElu(alpha)), vec![]))
}

/// `Elu(α)` wired as `max(x, 0) + α · (exp(min(x, 0)) − 1)`.
#[derive(Debug, Clone)]
struct SimdElu(f32);

impl Expansion for SimdElu {
    fn name(&self) -> StaticName {
        "SimdElu".into()
    }

    fn rules<'r, 'p: 'r, 's: 'r>(
        &'s self,
        s: &mut Solver<'r>,
        inputs: &'p [TensorProxy],
        outputs: &'p [TensorProxy],
    ) -> InferenceResult {
        check_input_arity(inputs, 1)?;
        check_output_arity(outputs, 1)?;
        s.equals(&inputs[0].datum_type, &outputs[0].datum_type)?;
        s.equals(&inputs[0].shape, &outputs[0].shape)?;
        Ok(())
    }

    fn wire(
        &self,
        name: &str,
        model: &mut TypedModel,
        inputs: &[OutletId],
    ) -> TractResult<TVec<OutletId>> {
        let scalar = |model: &mut TypedModel, what: &str, v: f32| -> TractResult<OutletId> {
            let fact = model.outlet_fact(inputs[0])?;
            let mut t = tensor0(v).cast_to_dt(fact.datum_type)?.into_owned();
            while t.rank() < fact.rank() {
                t.insert_axis(0)?;
            }
            model.add_const(format!("{name}.{what}"), t.into_arc_tensor())
        };
        let zero = scalar(model, "zero", 0.0)?;
        let one = scalar(model, "one", 1.0)?;
        let alpha = scalar(model, "alpha", self.0)?;
        let x = inputs[0];
        let pos = model.wire_node(format!("{name}.pos"), max(), &[x, zero])?;
        let neg = model.wire_node(format!("{name}.neg"), min(), &[x, zero])?;
        let e = model.wire_node(format!("{name}.exp"), exp(), &neg)?;
        let em1 = model.wire_node(format!("{name}.minus_one"), sub(), &[e[0], one])?;
        let scaled = model.wire_node(format!("{name}.mul_alpha"), mul(), &[alpha, em1[0]])?;
        model.wire_node(name.to_string(), add(), &[pos[0], scaled[0]])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tract_onnx::tract_hir::ops::activations::Elu;

    /// Runs `op` on `xs` through an inference model, typed and optimized as the networks are.
    fn run(op: Box<dyn InferenceOp>, xs: &[f32]) -> Vec<f32> {
        let mut model = InferenceModel::default();
        let x = model.add_source("x", f32::fact([xs.len()]).into()).unwrap();
        let y = model.wire_node("elu", op, &[x]).unwrap();
        let plan = model
            .with_output_outlets(&y)
            .and_then(|m| m.into_optimized())
            .and_then(|m| m.into_runnable())
            .unwrap();
        let out = plan.run(tvec!(tensor1(xs).into())).unwrap();
        let view = out[0].to_plain_array_view::<f32>().unwrap();
        view.iter().copied().collect()
    }

    #[test]
    fn equals_tracts_own_elu_bit_for_bit() {
        let mut xs: Vec<f32> = (-2000..=2000).map(|i| i as f32 * 0.01).collect();
        xs.extend([0.0, -0.0, 1e-30, -1e-30, -100.0, 88.0, f32::MIN_POSITIVE]);
        for alpha in [1.0, 0.3] {
            let stock = run(expand(Elu(alpha)), &xs);
            let ours = run(expand(SimdElu(alpha)), &xs);
            for ((x, a), b) in xs.iter().zip(&stock).zip(&ours) {
                assert_eq!(
                    a.to_bits(),
                    b.to_bits(),
                    "elu({x}) with alpha {alpha}: {a} vs {b}"
                );
            }
        }
    }
}
