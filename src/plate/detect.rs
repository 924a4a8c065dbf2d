//! From the text detector's probability map to plate-sized crops: threshold, connected components,
//! unclip (DB post-processing), boxes on one line merged, and the line widened to the plate border.

use image::GrayImage;

/// Pixels of the probability map above this are text.
pub const TEXT_THRESHOLD: f32 = 0.3;
/// A component whose mean probability is below this is dropped.
pub const BOX_THRESHOLD: f32 = 0.5;
/// DB's unclip ratio: how far a shrunk text kernel grows back to the text's outline.
pub const UNCLIP_RATIO: f32 = 1.6;

/// The detector's output: text probability per pixel, row by row.
#[derive(Debug, Clone)]
pub struct ProbMap {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `width * height` probabilities between 0 and 1.
    pub data: Vec<f32>,
}

/// An axis-aligned box around text, in pixels (right and bottom exclusive).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextBox {
    /// Left edge.
    pub left: f32,
    /// Top edge.
    pub top: f32,
    /// Right edge.
    pub right: f32,
    /// Bottom edge.
    pub bottom: f32,
    /// Mean text probability inside the component(s).
    pub score: f32,
}

impl TextBox {
    /// Width in pixels.
    pub fn width(&self) -> f32 {
        self.right - self.left
    }

    /// Height in pixels.
    pub fn height(&self) -> f32 {
        self.bottom - self.top
    }

    /// The same box shifted right by `dx` and down by `dy`.
    pub fn moved(&self, dx: f32, dy: f32) -> TextBox {
        TextBox {
            left: self.left + dx,
            right: self.right + dx,
            top: self.top + dy,
            bottom: self.bottom + dy,
            ..*self
        }
    }

    /// The same box with every coordinate multiplied by `sx` (x) and `sy` (y).
    pub fn scaled(&self, sx: f32, sy: f32) -> TextBox {
        TextBox {
            left: self.left * sx,
            right: self.right * sx,
            top: self.top * sy,
            bottom: self.bottom * sy,
            ..*self
        }
    }
}

/// Boxes of text in `map`: components of the thresholded map, scored, unclipped.
pub fn boxes_from_map(map: &ProbMap) -> Vec<TextBox> {
    let (w, h) = (map.width, map.height);
    if map.data.len() != w * h {
        return Vec::new();
    }
    let mut seen = vec![false; w * h];
    let mut stack = Vec::new();
    let mut boxes = Vec::new();
    for start in 0..w * h {
        if seen[start] || map.data[start] <= TEXT_THRESHOLD {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
        let (mut sum, mut count) = (0.0f32, 0usize);
        while let Some(at) = stack.pop() {
            let (x, y) = (at % w, at / w);
            x0 = x0.min(x);
            x1 = x1.max(x);
            y0 = y0.min(y);
            y1 = y1.max(y);
            sum += map.data[at];
            count += 1;
            let mut visit = |next: usize| {
                if !seen[next] && map.data[next] > TEXT_THRESHOLD {
                    seen[next] = true;
                    stack.push(next);
                }
            };
            if x > 0 {
                visit(at - 1);
            }
            if x + 1 < w {
                visit(at + 1);
            }
            if y > 0 {
                visit(at - w);
            }
            if y + 1 < h {
                visit(at + w);
            }
        }
        let (bw, bh) = ((x1 - x0 + 1) as f32, (y1 - y0 + 1) as f32);
        let score = sum / count as f32;
        if bw.min(bh) < 3.0 || score < BOX_THRESHOLD {
            continue;
        }
        // Unclip: the kernel grows by area × ratio / perimeter on every side.
        let grow = bw * bh * UNCLIP_RATIO / (2.0 * (bw + bh));
        boxes.push(TextBox {
            left: (x0 as f32 - grow).max(0.0),
            top: (y0 as f32 - grow).max(0.0),
            right: (x1 as f32 + 1.0 + grow).min(w as f32),
            bottom: (y1 as f32 + 1.0 + grow).min(h as f32),
            score,
        });
    }
    boxes
}

/// Merges boxes that sit on one line of similar height with small gaps, so a plate's region
/// letters, number and suffix become one line even when the detector split them.
pub fn merge_lines(mut boxes: Vec<TextBox>) -> Vec<TextBox> {
    boxes.sort_by(|a, b| a.left.total_cmp(&b.left));
    let mut merged = true;
    while merged {
        merged = false;
        'outer: for i in 0..boxes.len() {
            for j in i + 1..boxes.len() {
                if same_line(&boxes[i], &boxes[j]) {
                    let (a, b) = (boxes[i], boxes[j]);
                    let (wa, wb) = (a.width() * a.height(), b.width() * b.height());
                    boxes[i] = TextBox {
                        left: a.left.min(b.left),
                        top: a.top.min(b.top),
                        right: a.right.max(b.right),
                        bottom: a.bottom.max(b.bottom),
                        score: (a.score * wa + b.score * wb) / (wa + wb).max(1.0),
                    };
                    boxes.remove(j);
                    merged = true;
                    break 'outer;
                }
            }
        }
    }
    boxes
}

fn same_line(a: &TextBox, b: &TextBox) -> bool {
    let (ha, hb) = (a.height(), b.height());
    let (low, high) = (ha.min(hb), ha.max(hb));
    if low <= 0.0 || high / low > 1.6 {
        return false;
    }
    let overlap = a.bottom.min(b.bottom) - a.top.max(b.top);
    let gap = (a.left.max(b.left) - a.right.min(b.right)).max(0.0);
    overlap >= 0.6 * low && gap <= 1.2 * high
}

/// Widens a line to the plate's border on both sides: the detector can miss a lone region letter
/// ("D 1290 ABC" found as "1290 ABC"), and the plate's blank margin above and below the text runs
/// on to the border while letters do not reach into it.
pub fn widen_to_border(gray: &GrayImage, line: &TextBox) -> TextBox {
    let (iw, ih) = (gray.width() as i64, gray.height() as i64);
    let (top, bottom) = (line.top.round() as i64, line.bottom.round() as i64);
    let (left, right) = (line.left.round() as i64, line.right.round() as i64);
    let h = (bottom - top).max(1);
    if left < 0 || right > iw || top < 0 || bottom > ih || right - left < 2 {
        return *line;
    }
    let lum = |x: i64, y: i64| -> Option<i32> {
        (x >= 0 && y >= 0 && x < iw && y < ih).then(|| i32::from(gray.get_pixel(x as u32, y as u32).0[0]))
    };
    // Background: the median of the line's pixels (strokes cover less than half of a text line).
    let mut values: Vec<u8> = Vec::with_capacity(((right - left) * h) as usize);
    for y in top..bottom {
        for x in left..right {
            values.push(gray.get_pixel(x as u32, y as u32).0[0]);
        }
    }
    values.sort_unstable();
    let background = i32::from(values[values.len() / 2]);
    let (dark, light) = (i32::from(values[values.len() / 20]), i32::from(values[values.len() * 19 / 20]));
    let contrast = (background - dark).abs().max((light - background).abs());
    let tolerance = (contrast / 2).max(12);
    let near = |x: i64, y: i64| lum(x, y).is_some_and(|l| (l - background).abs() < tolerance);
    // Margin rows just outside the text that are plate background along the whole line.
    let probe_rows: Vec<i64> = [0.06f32, 0.12, 0.2]
        .iter()
        .flat_map(|&m| {
            let m = ((h as f32) * m).ceil() as i64;
            [top - m, bottom - 1 + m]
        })
        .filter(|&y| (left..right).step_by(2).all(|x| near(x, y)))
        .collect();
    if probe_rows.is_empty() {
        return *line;
    }
    let limit = (2.5 * h as f32) as i64;
    let scan = |from: i64, step: i64| -> i64 {
        let mut x = from;
        let mut misses = 0;
        for _ in 0..limit {
            let next = x + step;
            if probe_rows.iter().any(|&y| !near(next, y)) {
                misses += 1;
                if misses >= 2 {
                    break;
                }
            } else {
                misses = 0;
                x = next;
            }
        }
        x
    };
    let new_left = scan(left, -1);
    let new_right = scan(right - 1, 1) + 1;
    TextBox { left: new_left as f32, right: new_right as f32, ..*line }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Luma;

    fn map_with(rects: &[(usize, usize, usize, usize)]) -> ProbMap {
        let (width, height) = (200, 100);
        let mut data = vec![0.0; width * height];
        for &(x, y, w, h) in rects {
            for yy in y..y + h {
                for xx in x..x + w {
                    data[yy * width + xx] = 0.9;
                }
            }
        }
        ProbMap { width, height, data }
    }

    #[test]
    fn components_become_unclipped_boxes() {
        let boxes = boxes_from_map(&map_with(&[(20, 40, 40, 10), (150, 10, 2, 2)]));
        assert_eq!(boxes.len(), 1, "{boxes:?}");
        let b = boxes[0];
        // 40×10 kernel grows by 40·10·1.6 / 100 = 6.4 on every side.
        assert!((b.left - 13.6).abs() < 0.01 && (b.right - 66.4).abs() < 0.01, "{b:?}");
        assert!((b.top - 33.6).abs() < 0.01 && (b.bottom - 56.4).abs() < 0.01, "{b:?}");
    }

    #[test]
    fn boxes_on_one_line_merge_and_others_do_not() {
        let boxes = vec![
            TextBox { left: 60.0, top: 10.0, right: 120.0, bottom: 30.0, score: 0.9 },
            TextBox { left: 30.0, top: 11.0, right: 50.0, bottom: 31.0, score: 0.8 },
            TextBox { left: 30.0, top: 60.0, right: 100.0, bottom: 70.0, score: 0.8 },
        ];
        let lines = merge_lines(boxes);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert_eq!((lines[0].left, lines[0].right), (30.0, 120.0));
    }

    #[test]
    fn a_line_widens_over_a_lone_letter_up_to_the_border() {
        // White plate 10..190 × 20..80 with a black border, a letter at 30..40, text at 60..150.
        let mut gray = GrayImage::from_pixel(200, 100, Luma([90]));
        for y in 16..84 {
            for x in 6..194 {
                let border = !(10..190).contains(&x) || !(20..80).contains(&y);
                gray.put_pixel(x, y, Luma([if border { 0 } else { 250 }]));
            }
        }
        for y in 35..65 {
            for x in (30..40).chain((60..150).filter(|x| x % 12 < 5)) {
                gray.put_pixel(x, y, Luma([0]));
            }
        }
        let line = TextBox { left: 58.0, top: 33.0, right: 152.0, bottom: 67.0, score: 0.9 };
        let wide = widen_to_border(&gray, &line);
        assert!(wide.left <= 30.0 && wide.left >= 10.0, "{wide:?}");
        assert!(wide.right >= 152.0 && wide.right <= 190.0, "{wide:?}");
    }
}
