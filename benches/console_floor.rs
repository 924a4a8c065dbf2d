//! The floor under `gardu bench console`: what the same window costs with nothing of Gardu in
//! it. eframe with the same renderer (glow) and the same size, 1366×768, one heading, a label
//! and a button; after 3 s it prints its resident memory and closes:
//!
//! `console_floor rss_mb=X`
//!
//! Run it as the console bench runs: `xvfb-run -a -s "-screen 0 1366x768x24" cargo bench
//! --bench console_floor`. Under Xvfb most of it is Mesa's software OpenGL (llvmpipe), which
//! the console pays too. Linux only (`/proc`); elsewhere it prints 0.

use std::time::{Duration, Instant};

/// How long the window runs before it is measured.
const SETTLE: Duration = Duration::from_secs(3);

fn main() -> eframe::Result {
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        eprintln!("console_floor needs a display: run it under xvfb-run (see the file's comment)");
        return Ok(());
    }
    let started = Instant::now();
    let mut measured = false;
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("console floor")
            .with_inner_size([1366.0, 768.0]),
        ..Default::default()
    };
    eframe::run_ui_native("gardu-console-floor", options, move |ui, _frame| {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.heading("Gardu");
            ui.label("The same window with nothing of Gardu in it.");
            let _ = ui.button("OK");
        });
        if !measured && started.elapsed() >= SETTLE {
            measured = true;
            println!("console_floor rss_mb={:.1}", gardu::ui::bench::rss_mb());
            ui.ctx().send_viewport_cmd(egui::ViewportCommand::Close);
        }
        ui.ctx().request_repaint_after(Duration::from_millis(100));
    })
}
