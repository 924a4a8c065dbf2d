//! Rewrites of the models' graphs before tract optimises them, where tract 0.22 runs an operator
//! through a slow general path (measured with `perf` on the plate bench):
//!
//! - ONNX `Resize` (nearest, by whole factors) ran element by element through dynamic indices:
//!   a quarter of a read. It becomes [`RepeatPixels`] (tract's broadcast of the same took 14 %).
//! - Depthwise convolutions ran through tract's general per-pixel loop: a quarter of a read once
//!   `Resize` was gone. They become [`DepthwiseConv`], which adds whole rows per kernel tap.
//! - The recogniser's final softmax over 6,625 classes at every step; the decoder needs it only
//!   for the few steps it keeps (see [`crate::plate::recognize::Charset::decode`]).

use std::sync::Arc;

use gardu_kernels::{DepthwiseShape, depthwise_conv, repeat_pixels};
use tract_onnx::prelude::*;
use tract_onnx::tract_core::internal::{EvalOp, Op, StaticName, TypedOp};
use tract_onnx::tract_core::ops::cnn::{Conv, KernelFormat};
use tract_onnx::tract_core::ops::nn::DataFormat;

/// Nearest upsampling by whole factors replaced by [`RepeatPixels`].
pub fn upsampling_by_repeats(mut model: TypedModel) -> TractResult<TypedModel> {
    let resizes: Vec<usize> =
        model.nodes().iter().filter(|node| node.op.name() == "Resize").map(|node| node.id).collect();
    for id in resizes {
        let node = model.node(id);
        // The op's fields are private to tract-onnx; its Debug form names its modes. Nearest
        // rounding repeats each pixel with these two coordinate modes (and not with the others).
        let modes = format!("{:?}", node.op);
        let repeats = modes.contains("interpolator: Nearest")
            && ((modes.contains("coord_transformer: Asymmetric") && modes.contains("nearest: Floor"))
                || (modes.contains("coord_transformer: HalfPixel")
                    && modes.contains("nearest: RoundPrefer")));
        let (Some(from), Some(to)) =
            (concrete(&model, node.inputs[0])?, concrete(&model, OutletId::new(id, 0))?)
        else {
            continue;
        };
        let rank = from.len();
        let whole = rank >= 2
            && to.len() == rank
            && from[..rank - 2] == to[..rank - 2]
            && to[rank - 2] % from[rank - 2] == 0
            && to[rank - 1] % from[rank - 1] == 0;
        if !repeats || !whole || model.outlet_fact(node.inputs[0])?.datum_type != f32::datum_type() {
            continue;
        }
        let op = RepeatPixels {
            planes: from[..rank - 2].iter().product(),
            height: from[rank - 2],
            width: from[rank - 1],
            down: to[rank - 2] / from[rank - 2],
            across: to[rank - 1] / from[rank - 1],
            output_shape: to.into(),
        };
        replace_node(&mut model, id, op)?;
    }
    model.into_decluttered()
}

/// Nearest upsampling by whole factors of the last two axes: each pixel repeated `across` times
/// along its row, each row `down` times.
#[derive(Debug, Clone)]
pub struct RepeatPixels {
    planes: usize,
    height: usize,
    width: usize,
    down: usize,
    across: usize,
    output_shape: TVec<usize>,
}

impl Kernel for RepeatPixels {
    const NAME: &'static str = "RepeatPixels";

    fn output_shape(&self) -> &[usize] {
        &self.output_shape
    }

    fn run(&self, input: &[f32], output: &mut [f32]) -> TractResult<()> {
        anyhow::ensure!(input.len() == self.planes * self.height * self.width);
        repeat_pixels(input, self.width, self.down, self.across, output);
        Ok(())
    }
}

/// The recogniser's scores before its final softmax: the model's output moved to the softmax's
/// input.
pub fn without_final_softmax(mut model: TypedModel) -> TractResult<TypedModel> {
    let output = model.output_outlets()?[0];
    let node = model.node(output.node);
    if node.op.name() != "Softmax" {
        anyhow::bail!("the recognition model does not end in a softmax (it ends in {})", node.op.name());
    }
    let scores = node.inputs[0];
    model.set_output_outlets(&[scores])?;
    model.into_decluttered()
}

/// Every 2-D float depthwise convolution over one NCHW or CHW image, with constant kernel and
/// bias and no dilation, replaced by a [`DepthwiseConv`]. Others are left to tract.
pub fn depthwise_by_rows(mut model: TypedModel) -> TractResult<TypedModel> {
    let convs: Vec<usize> =
        model.nodes().iter().filter(|node| node.op_is::<Conv>()).map(|node| node.id).collect();
    for id in convs {
        let node = model.node(id);
        let Some(op) = depthwise_of(&model, node)? else {
            continue;
        };
        replace_node(&mut model, id, op)?;
    }
    model.into_decluttered()
}

/// Node `id` replaced by `kernel` on the node's first input.
fn replace_node<K: Kernel>(model: &mut TypedModel, id: usize, kernel: K) -> TractResult<()> {
    let node = model.node(id);
    let mut patch = TypedModelPatch::default();
    let input = patch.tap_model(model, node.inputs[0])?;
    let wire = patch.wire_node(node.name.clone(), KernelOp(kernel), &[input])?[0];
    patch.shunt_outside(model, OutletId::new(id, 0), wire)?;
    patch.apply(model)
}

fn concrete(model: &TypedModel, outlet: OutletId) -> TractResult<Option<Vec<usize>>> {
    Ok(model.outlet_fact(outlet)?.shape.as_concrete().map(|shape| shape.to_vec()))
}

/// The [`DepthwiseConv`] doing what `node` does, if it is a convolution that one can do.
fn depthwise_of(model: &TypedModel, node: &TypedNode) -> TractResult<Option<DepthwiseConv>> {
    let Some(conv) = node.op_as::<Conv>() else {
        return Ok(None);
    };
    let spec = &conv.pool_spec;
    let channels = spec.input_channels;
    let plain = conv.q_params.is_none()
        && conv.kernel_fmt == KernelFormat::OIHW
        && matches!(spec.data_format, DataFormat::NCHW | DataFormat::CHW)
        && conv.group == channels
        && spec.output_channels == channels
        && spec.kernel_shape.len() == 2
        && spec.dilations.as_ref().is_none_or(|d| d.iter().all(|&d| d == 1))
        && node.inputs.len() == 3
        && model.outlet_fact(node.inputs[0])?.datum_type == f32::datum_type();
    if !plain || channels < 2 {
        return Ok(None);
    }
    let (Some(input), Some(output)) =
        (concrete(model, node.inputs[0])?, concrete(model, OutletId::new(node.id, 0))?)
    else {
        return Ok(None);
    };
    let (Some(kernel), Some(bias)) =
        (model.outlet_fact(node.inputs[1])?.konst.clone(), model.outlet_fact(node.inputs[2])?.konst.clone())
    else {
        return Ok(None);
    };
    // One image, batch axis or none (tract drops a batch of one when it declutters).
    let (input, output) = match (input.as_slice(), output.as_slice()) {
        ([1, c, h, w], [1, oc, oh, ow]) | ([c, h, w], [oc, oh, ow]) => ([*c, *h, *w], [*oc, *oh, *ow]),
        _ => return Ok(None),
    };
    if input[0] != channels || output[0] != channels {
        return Ok(None);
    }
    let output_shape: TVec<usize> = concrete(model, OutletId::new(node.id, 0))?.unwrap_or_default().into();
    let (kh, kw) = (spec.kernel_shape[0], spec.kernel_shape[1]);
    let strides = spec.strides.clone().unwrap_or_else(|| tvec![1, 1]);
    let padding = spec.padding.compute(&input[1..], &spec.kernel_shape, &[1, 1], &strides);
    let shape = DepthwiseShape {
        channels,
        height: input[1],
        width: input[2],
        out_height: output[1],
        out_width: output[2],
        kernel: (kh, kw),
        stride: (strides[0], strides[1]),
        pad: (padding[0].pad_before, padding[1].pad_before),
    };
    if kernel.len() != channels * kh * kw || kernel.datum_type() != f32::datum_type() {
        return Ok(None);
    }
    let bias: Vec<f32> = match bias.cast_to::<f32>()?.as_slice::<f32>()? {
        [one] => vec![*one; channels],
        all if all.len() == channels => all.to_vec(),
        _ => return Ok(None),
    };
    Ok(Some(DepthwiseConv {
        shape,
        output_shape,
        weights: Arc::new(kernel.as_slice::<f32>()?.to_vec()),
        bias: Arc::new(bias),
    }))
}

/// A depthwise convolution (one kernel per channel) of a `[1, C, H, W]` or `[C, H, W]` image by
/// [`depthwise_conv`], which adds whole rows per kernel tap. Kernel `[C, 1, kh, kw]` and bias
/// `[C]` are constants.
#[derive(Debug, Clone)]
pub struct DepthwiseConv {
    shape: DepthwiseShape,
    /// The output's shape, with the input's batch axis or without.
    output_shape: TVec<usize>,
    weights: Arc<Vec<f32>>,
    bias: Arc<Vec<f32>>,
}

impl Kernel for DepthwiseConv {
    const NAME: &'static str = "DepthwiseByRows";

    fn output_shape(&self) -> &[usize] {
        &self.output_shape
    }

    fn run(&self, input: &[f32], output: &mut [f32]) -> TractResult<()> {
        let s = &self.shape;
        anyhow::ensure!(input.len() == s.channels * s.height * s.width);
        depthwise_conv(s, &self.weights, &self.bias, input, output);
        Ok(())
    }
}

/// What an operator of ours computes: one float tensor in, one of a fixed shape out.
trait Kernel: std::fmt::Debug + Clone + Send + Sync + 'static {
    /// The operator's name in tract's graph.
    const NAME: &'static str;

    /// The shape of the output.
    fn output_shape(&self) -> &[usize];

    /// Computes `output` (zeroed, as long as the output shape says) from `input`.
    fn run(&self, input: &[f32], output: &mut [f32]) -> TractResult<()>;
}

/// A [`Kernel`] as a tract operator.
#[derive(Debug, Clone)]
struct KernelOp<K: Kernel>(K);

impl<K: Kernel> Op for KernelOp<K> {
    fn name(&self) -> StaticName {
        K::NAME.into()
    }

    fn as_typed(&self) -> Option<&dyn TypedOp> {
        Some(self)
    }
}

impl<K: Kernel> EvalOp for KernelOp<K> {
    fn is_stateless(&self) -> bool {
        true
    }

    fn eval(&self, inputs: TVec<TValue>) -> TractResult<TVec<TValue>> {
        let input = inputs[0].as_slice::<f32>()?;
        let shape = self.0.output_shape();
        let mut output = vec![0.0f32; shape.iter().product()];
        self.0.run(input, &mut output)?;
        Ok(tvec!(Tensor::from_shape(shape, &output)?.into_tvalue()))
    }
}

impl<K: Kernel> TypedOp for KernelOp<K> {
    fn output_facts(&self, _inputs: &[&TypedFact]) -> TractResult<TVec<TypedFact>> {
        Ok(tvec!(f32::fact(self.0.output_shape())))
    }

    fn as_op(&self) -> &dyn Op {
        self
    }

    fn as_op_mut(&mut self) -> &mut dyn Op {
        self
    }
}
