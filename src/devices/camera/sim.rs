//! A simulated camera that draws a real JPEG: a road, a car with its plate when a vehicle is
//! there, and the booth and time stamped on top. It runs on the same worker as real cameras, so
//! its delay and breakage exercise the real timeout paths.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono_tz::Tz;
use image::{Rgb, RgbImage};

use crate::clock::Clock;
use crate::devices::camera::jpeg::{Frame, PhotoSettings};
use crate::devices::camera::worker::{CaptureWorker, FrameSource, SourceFactory};
use crate::devices::camera::{CAMERA_NAME, Camera, Jpeg};
use crate::devices::draw::{self, BLACK, Face, TextStyle, WHITE};
use crate::devices::{DeviceError, DeviceStatus};

/// Size of the simulated sensor.
pub const SCENE_WIDTH: u32 = 1280;
/// Height of the simulated sensor.
pub const SCENE_HEIGHT: u32 = 720;

/// What the simulated camera sees and how it behaves; changed from the simulation controls.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SceneState {
    plate: Option<String>,
    broken: bool,
    delay: Duration,
}

/// A camera with no hardware behind it.
pub struct SimulatedCamera {
    worker: CaptureWorker,
    scene: Arc<Mutex<SceneState>>,
}

impl SimulatedCamera {
    /// A simulated camera at `booth`, stamping times from `clock` in `time_zone`; each capture
    /// takes `delay` before the picture is drawn.
    pub fn new(
        booth: impl Into<String>,
        time_zone: Tz,
        settings: PhotoSettings,
        delay: Duration,
        timeout: Duration,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let scene = Arc::new(Mutex::new(SceneState { plate: None, broken: false, delay }));
        let booth = booth.into();
        let factory: SourceFactory = {
            let (scene, clock) = (Arc::clone(&scene), Arc::clone(&clock));
            Arc::new(move || {
                Ok(Box::new(SceneSource {
                    scene: Arc::clone(&scene),
                    clock: Arc::clone(&clock),
                    booth: booth.clone(),
                    time_zone,
                }) as Box<dyn FrameSource>)
            })
        };
        Self { worker: CaptureWorker::new("simulated", settings, None, timeout, factory, clock), scene }
    }

    /// Puts a vehicle with this plate in front of the camera, or clears the lane (`None`).
    pub fn set_vehicle(&self, plate: Option<String>) {
        lock(&self.scene).plate = plate;
    }

    /// Breaks the camera (captures fail as if unplugged) or mends it.
    pub fn set_broken(&self, broken: bool) {
        lock(&self.scene).broken = broken;
    }

    /// Changes how long a capture takes; longer than the capture timeout simulates a hang.
    pub fn set_delay(&self, delay: Duration) {
        lock(&self.scene).delay = delay;
    }
}

impl Camera for SimulatedCamera {
    fn capture(&self, timeout: Duration) -> Result<Jpeg, DeviceError> {
        self.worker.capture(timeout)
    }

    fn preview(&self) -> Option<Jpeg> {
        self.worker.preview()
    }

    fn status(&self) -> DeviceStatus {
        self.worker.status()
    }
}

fn lock(scene: &Mutex<SceneState>) -> std::sync::MutexGuard<'_, SceneState> {
    scene.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

struct SceneSource {
    scene: Arc<Mutex<SceneState>>,
    clock: Arc<dyn Clock>,
    booth: String,
    time_zone: Tz,
}

impl FrameSource for SceneSource {
    fn grab(&mut self, _timeout: Duration) -> Result<Frame, DeviceError> {
        let scene = lock(&self.scene).clone();
        if !scene.delay.is_zero() {
            std::thread::sleep(scene.delay);
        }
        if scene.broken {
            return Err(DeviceError::NotConnected {
                device: CAMERA_NAME.to_string(),
                port: "simulated".into(),
            });
        }
        let stamp =
            self.clock.now().with_timezone(&self.time_zone).format("%Y-%m-%d %H:%M:%S %Z").to_string();
        Ok(Frame::Rgb(draw_scene(&self.booth, &stamp, scene.plate.as_deref())))
    }
}

/// Where the plate sits in a [`draw_scene`] picture: left, top, width, height.
pub const PLATE_BOX: (u32, u32, u32, u32) = (510, 520, 260, 70);

/// Draws the booth's view: sky, road, and a car seen from the front with `plate` on it.
pub fn draw_scene(booth: &str, stamp: &str, plate: Option<&str>) -> RgbImage {
    let mut img = RgbImage::from_fn(SCENE_WIDTH, SCENE_HEIGHT, |_, y| {
        if y < 300 {
            // Sky fading towards the horizon.
            let t = y as f32 / 300.0;
            Rgb([(120.0 + 70.0 * t) as u8, (160.0 + 50.0 * t) as u8, (205.0 + 25.0 * t) as u8])
        } else {
            Rgb([72, 72, 78])
        }
    });
    // Kerb and the dashed lane line.
    draw::fill_rect(&mut img, 0, 300, 1280, 12, Rgb([170, 170, 160]));
    for i in 0..8 {
        draw::fill_rect(&mut img, 40 + i * 160, 680, 90, 10, Rgb([230, 230, 220]));
    }
    // The booth's barrier arm on the right.
    draw::fill_rect(&mut img, 1120, 200, 60, 200, Rgb([200, 200, 40]));
    draw::fill_rect(&mut img, 980, 230, 140, 14, Rgb([220, 40, 40]));
    if let Some(plate) = plate {
        draw_car(&mut img, plate);
    }
    // Overlay band with booth and time, as IP cameras stamp their pictures.
    draw::fill_rect(&mut img, 0, 0, 1280, 48, BLACK);
    let overlay = TextStyle::new(Face::Sans, 32.0).colored(WHITE);
    draw::draw_text(&mut img, &overlay, 16.0, 6.0, &format!("{booth}  {stamp}"));
    let label = "GARDU SIM";
    let width = draw::text_width_px(&overlay, label);
    draw::draw_text(&mut img, &overlay, 1264.0 - width, 6.0, label);
    img
}

fn draw_car(img: &mut RgbImage, plate: &str) {
    // Body colour from the plate, so different cars look different but the same car does not.
    let hash = plate.bytes().fold(2166136261u32, |h, b| (h ^ u32::from(b)).wrapping_mul(16777619));
    let palette = [
        Rgb([180, 30, 30]),
        Rgb([30, 60, 150]),
        Rgb([220, 220, 220]),
        Rgb([40, 40, 40]),
        Rgb([150, 150, 155]),
        Rgb([30, 110, 60]),
    ];
    let body = palette[(hash % palette.len() as u32) as usize];
    // Wheels, then body, cabin, windscreen, lights, grille.
    for x in [370, 830] {
        draw::fill_rect(img, x, 560, 80, 90, Rgb([20, 20, 20]));
    }
    draw::fill_rect(img, 340, 400, 600, 220, body);
    draw::fill_rect(img, 420, 250, 440, 160, body);
    draw::fill_rect(img, 450, 275, 380, 120, Rgb([60, 80, 100]));
    for x in [400, 880] {
        draw::fill_ellipse(img, x, 450, 45, 25, Rgb([250, 245, 200]));
    }
    draw::fill_rect(img, 500, 440, 280, 50, Rgb([25, 25, 25]));
    // The plate: white with a black border and black characters, as current Indonesian plates.
    let (left, top, width, height) = PLATE_BOX;
    let (left, top, width, height) = (i64::from(left), i64::from(top), i64::from(width), i64::from(height));
    draw::fill_rect(img, left, top, width, height, BLACK);
    draw::fill_rect(img, left + 4, top + 4, width - 8, height - 8, WHITE);
    let mut style = TextStyle::mono(44.0).bolded(true);
    let text_width = draw::text_width_px(&style, plate);
    if text_width > (width - 20) as f32 {
        style.size_px *= (width - 20) as f32 / text_width;
    }
    let text_width = draw::text_width_px(&style, plate);
    let text_height = draw::line_height_px(&style);
    draw::draw_text(
        img,
        &style,
        left as f32 + (width as f32 - text_width) / 2.0,
        top as f32 + (height as f32 - text_height) / 2.0,
        plate,
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::devices::LinkState;
    use crate::devices::camera::jpeg::decode_jpeg;
    use chrono::{TimeZone, Utc};

    fn camera() -> SimulatedCamera {
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2024, 3, 15, 1, 30, 5).unwrap()));
        SimulatedCamera::new(
            "IN1",
            chrono_tz::Asia::Jakarta,
            PhotoSettings::default(),
            Duration::ZERO,
            Duration::from_secs(5),
            clock,
        )
    }

    fn dark_share(img: &RgbImage, (left, top, width, height): (u32, u32, u32, u32)) -> f32 {
        let mut dark = 0;
        for y in top..top + height {
            for x in left..left + width {
                if img.get_pixel(x, y).0.iter().all(|&c| c < 80) {
                    dark += 1;
                }
            }
        }
        dark as f32 / (width * height) as f32
    }

    #[test]
    fn photographs_a_car_with_its_plate() {
        let camera = camera();
        camera.set_vehicle(Some("B 1234 XYZ".into()));
        let jpeg = camera.capture(Duration::from_secs(5)).unwrap();
        assert_eq!((jpeg.width, jpeg.height), (1280, 720));
        let img = decode_jpeg(&jpeg.bytes).unwrap();
        // Inside the plate's white field: some black characters, mostly white.
        let (l, t, w, h) = PLATE_BOX;
        let inner = (l + 10, t + 10, w - 20, h - 20);
        let share = dark_share(&img, inner);
        assert!(share > 0.05 && share < 0.6, "dark share {share}");
        assert_eq!(camera.status().state, LinkState::Connected);
    }

    #[test]
    fn an_empty_lane_has_no_plate() {
        let img = draw_scene("IN1", "2024-03-15 08:30:05 WIB", None);
        let (l, t, w, h) = PLATE_BOX;
        for y in t..t + h {
            for x in l..l + w {
                assert_eq!(img.get_pixel(x, y), &Rgb([72, 72, 78]), "road at {x},{y}");
            }
        }
    }

    #[test]
    fn pictures_depend_only_on_booth_time_and_plate() {
        let a = draw_scene("IN1", "2024-03-15 08:30:05 WIB", Some("B 1 A"));
        let b = draw_scene("IN1", "2024-03-15 08:30:05 WIB", Some("B 1 A"));
        let c = draw_scene("IN1", "2024-03-15 08:30:06 WIB", Some("B 1 A"));
        let d = draw_scene("IN1", "2024-03-15 08:30:05 WIB", Some("B 2 A"));
        assert!(a == b);
        assert!(a != c, "time stamp drawn");
        assert!(a != d, "plate drawn");
    }

    #[test]
    fn broken_and_slow_cameras_fail_like_real_ones() {
        let camera = camera();
        camera.set_broken(true);
        let err = camera.capture(Duration::from_secs(5)).unwrap_err();
        assert!(matches!(err, DeviceError::NotConnected { .. }), "{err:?}");
        camera.set_broken(false);
        camera.set_delay(Duration::from_millis(400));
        let err = camera.capture(Duration::from_millis(20)).unwrap_err();
        assert!(matches!(err, DeviceError::Timeout { .. }), "{err:?}");
        camera.set_delay(Duration::ZERO);
        assert!(camera.capture(Duration::from_secs(5)).is_ok());
    }

    #[test]
    fn scaled_to_the_configured_width() {
        let clock = Arc::new(ManualClock::new(Utc::now()));
        let camera = SimulatedCamera::new(
            "OUT1",
            chrono_tz::Asia::Jakarta,
            PhotoSettings { max_width: 640, jpeg_quality: 60 },
            Duration::ZERO,
            Duration::from_secs(5),
            clock,
        );
        let jpeg = camera.capture(Duration::from_secs(5)).unwrap();
        assert_eq!((jpeg.width, jpeg.height), (640, 360));
    }
}
