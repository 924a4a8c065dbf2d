//! Photos and slip previews on screen: each picture is uploaded once (by its id) and drawn to
//! fit a box, with a calm placeholder when there is none.

use std::collections::HashMap;

use egui::{Color32, ColorImage, CornerRadius, TextureHandle, TextureOptions, Vec2};

use crate::lane::worker::Picture;
use crate::ui::theme;

/// Textures of the pictures on screen, keyed by picture id; unused ones are freed each frame.
#[derive(Default)]
pub struct TextureCache {
    textures: HashMap<u64, TextureHandle>,
    used: Vec<u64>,
}

impl TextureCache {
    /// The texture of `picture`, uploading it the first time.
    pub fn texture(&mut self, ctx: &egui::Context, picture: &Picture) -> TextureHandle {
        self.used.push(picture.id);
        self.textures
            .entry(picture.id)
            .or_insert_with(|| {
                let image = &picture.image;
                let size = [image.width() as usize, image.height() as usize];
                let color = ColorImage::from_rgb(size, image.as_raw());
                ctx.load_texture(format!("picture-{}", picture.id), color, TextureOptions::LINEAR)
            })
            .clone()
    }

    /// Frees the textures no screen used this frame. Call once at the end of a frame.
    pub fn end_frame(&mut self) {
        let used = std::mem::take(&mut self.used);
        self.textures.retain(|id, _| used.contains(id));
    }
}

/// Draws `picture` to fit `size` (keeping its proportions), or a placeholder with `empty`.
pub fn photo_ui(
    ui: &mut egui::Ui,
    cache: &mut TextureCache,
    picture: Option<&Picture>,
    size: Vec2,
    empty: &str,
) -> egui::Response {
    match picture {
        Some(picture) => {
            let texture = cache.texture(ui.ctx(), picture);
            let [w, h] = texture.size();
            let scale = (size.x / w.max(1) as f32).min(size.y / h.max(1) as f32);
            let shown = Vec2::new(w as f32 * scale, h as f32 * scale);
            ui.allocate_ui(size, |ui| {
                ui.centered_and_justified(|ui| {
                    ui.add(egui::Image::new(&texture).fit_to_exact_size(shown).corner_radius(4))
                })
                .inner
            })
            .inner
        }
        None => {
            let (rect, response) = ui.allocate_exact_size(size, egui::Sense::hover());
            ui.painter().rect_filled(rect, CornerRadius::same(4), Color32::from_rgb(0xE5, 0xE8, 0xEC));
            ui.painter().text(
                rect.center(),
                egui::Align2::CENTER_CENTER,
                empty,
                egui::FontId::proportional(17.0),
                theme::MUTED,
            );
            response
        }
    }
}
