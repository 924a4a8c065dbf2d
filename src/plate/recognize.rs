//! The recogniser's side: its character list, and CTC greedy decoding limited to what a plate can
//! hold (A–Z, 0–9, space).

/// The recogniser's classes: class 0 is CTC's blank, class `i` is `characters[i - 1]`, and the
/// last class is a space (PaddleOCR's `use_space_char`).
#[derive(Debug, Clone)]
pub struct Charset {
    /// Character of each class; `None` for the blank and for characters a plate never holds.
    classes: Vec<Option<char>>,
}

impl Charset {
    /// Builds the class table from the model's `character` metadata (one character a line).
    pub fn from_metadata(character: &str) -> Charset {
        let mut classes = vec![None];
        for entry in character.split('\n') {
            let mut chars = entry.chars();
            let c = match (chars.next(), chars.next()) {
                (Some(c), None) => Some(c),
                _ => None,
            };
            classes.push(c.filter(|c| c.is_ascii_uppercase() || c.is_ascii_digit()));
        }
        // A trailing newline leaves an empty entry; it is not a class of its own.
        if character.ends_with('\n') {
            classes.pop();
        }
        classes.push(Some(' '));
        Charset { classes }
    }

    /// Number of classes the model's output must have.
    pub fn len(&self) -> usize {
        self.classes.len()
    }

    /// True when the table holds no class but the blank and the space.
    pub fn is_empty(&self) -> bool {
        self.classes.iter().filter(|c| c.is_some()).count() <= 1
    }

    /// Greedy CTC decoding of `scores` (`steps × classes`, row by row; the model's raw scores,
    /// before its softmax) over the allowed classes: the best class per step, repeats collapsed,
    /// blanks dropped. The confidence is the mean softmax probability of the characters kept,
    /// computed for those steps only.
    pub fn decode(&self, scores: &[f32], classes: usize) -> (String, f32) {
        if classes != self.classes.len() || classes == 0 {
            return (String::new(), 0.0);
        }
        let mut text = String::new();
        let mut total = 0.0f32;
        let mut kept = 0usize;
        let mut previous = 0usize;
        for step in scores.chunks_exact(classes) {
            let mut best = (0usize, step[0]);
            for (class, &score) in step.iter().enumerate().skip(1) {
                if self.classes[class].is_some() && score > best.1 {
                    best = (class, score);
                }
            }
            let (class, score) = best;
            if class != 0
                && class != previous
                && let Some(c) = self.classes[class]
            {
                text.push(c);
                total += softmax_of(step, score);
                kept += 1;
            }
            previous = class;
        }
        let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
        let confidence = if kept == 0 { 0.0 } else { total / kept as f32 };
        (text, confidence)
    }
}

/// The softmax probability of `score` among a step's `scores`.
fn softmax_of(scores: &[f32], score: f32) -> f32 {
    let top = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f32 = scores.iter().map(|&s| (s - top).exp()).sum();
    (score - top).exp() / sum
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Raw scores whose softmax gives each step's class probability `p` and the rest of the mass
    /// to '中' (class 4, never on a plate).
    fn scores(classes: usize, picks: &[(usize, f32)]) -> Vec<f32> {
        let mut probs = vec![0.0f32; classes * picks.len()];
        for (step, &(class, p)) in picks.iter().enumerate() {
            probs[step * classes + class] = p;
            probs[step * classes + 4] += 1.0 - p;
        }
        probs.iter().map(|p| p.ln()).collect()
    }

    #[test]
    fn decodes_collapsing_repeats_and_limiting_to_plate_characters() {
        // Classes: blank, 'a', 'B', '1', '中', space.
        let charset = Charset::from_metadata("a\nB\n1\n中");
        assert_eq!(charset.len(), 6);
        let scores =
            scores(6, &[(2, 0.9), (2, 0.9), (0, 0.9), (5, 0.8), (3, 0.7), (0, 0.9), (3, 0.7), (1, 0.9)]);
        let (text, confidence) = charset.decode(&scores, 6);
        assert_eq!(text, "B 11");
        assert!((confidence - (0.9 + 0.8 + 0.7 + 0.7) / 4.0).abs() < 1e-5, "{confidence}");
    }

    #[test]
    fn a_disallowed_best_class_gives_way_to_the_best_allowed_one() {
        let charset = Charset::from_metadata("a\nB\n1\n中");
        let mut probs = [0.0f32; 6];
        probs[4] = 0.6; // '中'
        probs[3] = 0.3; // '1'
        probs[0] = 0.1;
        let scores: Vec<f32> = probs.iter().map(|p| p.ln()).collect();
        let (text, confidence) = charset.decode(&scores, 6);
        assert_eq!(text, "1");
        assert!((confidence - 0.3).abs() < 1e-5, "{confidence}");
        assert_eq!(charset.decode(&scores, 5), (String::new(), 0.0));
    }
}
