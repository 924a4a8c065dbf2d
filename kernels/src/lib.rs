//! Gardu's hot numeric loops, in a crate of their own so that debug builds (the tests) compile
//! them optimised (`[profile.dev.package.gardu-kernels]`): unoptimised, the plate reader's
//! convolutions doubled the time of its tests.
//!
//! Plain slices in, plain slices out; the plate reader wires them into its models as operators.

/// The geometry of a depthwise convolution of one NCHW image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DepthwiseShape {
    /// Channels in and out.
    pub channels: usize,
    /// Input height.
    pub height: usize,
    /// Input width.
    pub width: usize,
    /// Output height.
    pub out_height: usize,
    /// Output width.
    pub out_width: usize,
    /// Kernel height and width.
    pub kernel: (usize, usize),
    /// Stride down and across.
    pub stride: (usize, usize),
    /// Zero padding above and to the left.
    pub pad: (usize, usize),
}

/// A depthwise convolution (one kernel per channel) of one image, computed a row at a time: for
/// each output row and each kernel tap, the input row shifted by the tap is added to the output
/// row, a loop the compiler vectorises.
///
/// `input` is `C × H × W` and `output` `C × OH × OW`, row by row; `weights` `C × kh × kw`;
/// `bias` one value a channel.
pub fn depthwise_conv(
    shape: &DepthwiseShape,
    weights: &[f32],
    bias: &[f32],
    input: &[f32],
    output: &mut [f32],
) {
    let DepthwiseShape { channels, height, width, out_height, out_width, kernel: (kh, kw), stride, pad } =
        *shape;
    let (plane_in, plane_out) = (height * width, out_height * out_width);
    debug_assert_eq!(input.len(), channels * plane_in);
    debug_assert_eq!(output.len(), channels * plane_out);
    // Output columns whose input column `ox·sx + kx − left` falls inside the row, per tap.
    let columns: Vec<(usize, usize)> = (0..kw)
        .map(|kx| {
            let first = pad.1.saturating_sub(kx).div_ceil(stride.1);
            let end =
                if width + pad.1 > kx { ((width + pad.1 - kx - 1) / stride.1 + 1).min(out_width) } else { 0 };
            (first, end)
        })
        .collect();
    for c in 0..channels {
        let image = &input[c * plane_in..(c + 1) * plane_in];
        let taps = &weights[c * kh * kw..(c + 1) * kh * kw];
        let out = &mut output[c * plane_out..(c + 1) * plane_out];
        out.fill(bias[c]);
        for (oy, row_out) in out.chunks_exact_mut(out_width).enumerate() {
            for ky in 0..kh {
                let Some(iy) = (oy * stride.0 + ky).checked_sub(pad.0).filter(|&iy| iy < height) else {
                    continue;
                };
                let row_in = &image[iy * width..(iy + 1) * width];
                for (kx, &(first, end)) in columns.iter().enumerate() {
                    if first >= end {
                        continue;
                    }
                    let weight = taps[ky * kw + kx];
                    let row_out = &mut row_out[first..end];
                    let start = first * stride.1 + kx - pad.1;
                    if stride.1 == 1 {
                        for (o, &i) in row_out.iter_mut().zip(&row_in[start..start + (end - first)]) {
                            *o += weight * i;
                        }
                    } else {
                        for (o, &i) in row_out.iter_mut().zip(row_in[start..].iter().step_by(stride.1)) {
                            *o += weight * i;
                        }
                    }
                }
            }
        }
    }
}

/// Nearest upsampling by whole factors of images `width` wide (`input` row by row, image after
/// image): each pixel repeated `across` times along its row, each row `down` times. `output`
/// holds `down · across` times as many values.
pub fn repeat_pixels(input: &[f32], width: usize, down: usize, across: usize, output: &mut [f32]) {
    let row_out = width * across;
    let rows_in = input.chunks_exact(width);
    let rows_out = output.chunks_exact_mut(row_out * down);
    for (row, block) in rows_in.zip(rows_out) {
        let (first, rest) = block.split_at_mut(row_out);
        for (&value, out) in row.iter().zip(first.chunks_exact_mut(across)) {
            out.fill(value);
        }
        for copy in rest.chunks_exact_mut(row_out) {
            copy.copy_from_slice(first);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The textbook loop: every output pixel sums its taps, skipping the padding.
    fn reference(s: &DepthwiseShape, weights: &[f32], bias: &[f32], input: &[f32]) -> Vec<f32> {
        let (kh, kw) = s.kernel;
        let mut out = vec![0.0; s.channels * s.out_height * s.out_width];
        for c in 0..s.channels {
            for oy in 0..s.out_height {
                for ox in 0..s.out_width {
                    let mut sum = bias[c];
                    for ky in 0..kh {
                        for kx in 0..kw {
                            let iy = (oy * s.stride.0 + ky) as isize - s.pad.0 as isize;
                            let ix = (ox * s.stride.1 + kx) as isize - s.pad.1 as isize;
                            if (0..s.height as isize).contains(&iy) && (0..s.width as isize).contains(&ix) {
                                sum += weights[c * kh * kw + ky * kw + kx]
                                    * input[c * s.height * s.width + iy as usize * s.width + ix as usize];
                            }
                        }
                    }
                    out[(c * s.out_height + oy) * s.out_width + ox] = sum;
                }
            }
        }
        out
    }

    #[test]
    fn repeats_each_pixel_across_and_each_row_down() {
        // Two images of 2 × 2, three times as wide and twice as high.
        let input = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0];
        let mut output = vec![0.0; 48];
        repeat_pixels(&input, 2, 2, 3, &mut output);
        let row = |a: f32, b: f32| [a, a, a, b, b, b];
        let expected: Vec<f32> = [
            row(1., 2.),
            row(1., 2.),
            row(3., 4.),
            row(3., 4.),
            row(5., 6.),
            row(5., 6.),
            row(7., 8.),
            row(7., 8.),
        ]
        .concat();
        assert_eq!(output, expected);
    }

    #[test]
    fn adds_rows_to_what_every_pixel_summing_its_taps_gives() {
        // Kernels 3 and 5, strides 1 and 2, the padding the models use, odd and even sizes.
        for (k, stride, pad, height, width) in [
            (3, 1, 1, 7, 9),
            (3, 2, 1, 7, 9),
            (5, 1, 2, 6, 11),
            (5, 2, 2, 10, 8),
            (3, 2, 0, 9, 9),
            (1, 1, 0, 3, 4),
        ] {
            let out = |n: usize| (n + 2 * pad - k) / stride + 1;
            let s = DepthwiseShape {
                channels: 3,
                height,
                width,
                out_height: out(height),
                out_width: out(width),
                kernel: (k, k),
                stride: (stride, stride),
                pad: (pad, pad),
            };
            let input: Vec<f32> =
                (0..3 * height * width).map(|i| ((i * 37) % 23) as f32 / 7.0 - 1.5).collect();
            let weights: Vec<f32> = (0..3 * k * k).map(|i| ((i * 11) % 13) as f32 / 5.0 - 1.2).collect();
            let bias = [0.5, -0.25, 2.0];
            let mut output = vec![f32::NAN; 3 * s.out_height * s.out_width];
            depthwise_conv(&s, &weights, &bias, &input, &mut output);
            let expected = reference(&s, &weights, &bias, &input);
            for (i, (got, want)) in output.iter().zip(&expected).enumerate() {
                assert!(
                    (got - want).abs() < 1e-4,
                    "k{k} s{stride} p{pad} {height}×{width} at {i}: {got} vs {want}"
                );
            }
        }
    }
}
