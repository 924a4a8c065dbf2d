//! A simulated camera that draws a real JPEG: a road, a car with its plate when a vehicle is
//! there, and the booth and time stamped on top. It runs on the same worker as real cameras, so
//! its delay and breakage exercise the real timeout paths. With variety on (a seed), each vehicle
//! gets a random look from [`scene`](super::scene): plate colours, two-line and motorbike plates,
//! night, blur, tilt, distance.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono_tz::Tz;
use image::{Rgb, RgbImage};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::clock::Clock;
use crate::devices::camera::jpeg::{Frame, PhotoSettings};
use crate::devices::camera::scene::{self, Look, Subject};
use crate::devices::camera::worker::{CaptureWorker, FrameSource, SourceFactory};
use crate::devices::camera::{CAMERA_NAME, Camera, Jpeg};
use crate::devices::draw::{self, BLACK, Face, TextStyle, WHITE};
use crate::devices::{DeviceError, DeviceStatus};
use crate::domain::plate::PlateZone;

/// Size of the simulated sensor.
pub const SCENE_WIDTH: u32 = 1280;
/// Height of the simulated sensor.
pub const SCENE_HEIGHT: u32 = 720;

/// What the simulated camera sees and how it behaves; changed from the simulation controls.
#[derive(Debug, Clone)]
struct SceneState {
    subject: Subject,
    broken: bool,
    delay: Duration,
    /// Draws each new vehicle's look when variety is on; `None` draws every car plainly.
    variety: Option<StdRng>,
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
        let scene =
            Arc::new(Mutex::new(SceneState { subject: Subject::Empty, broken: false, delay, variety: None }));
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

    /// Puts a vehicle with this plate in front of the camera, or clears the lane (`None`). With
    /// variety on, the vehicle gets the next random look; otherwise a plain car.
    pub fn set_vehicle(&self, plate: Option<String>) {
        let mut scene = lock(&self.scene);
        scene.subject = match plate {
            None => Subject::Empty,
            Some(plate) => {
                let look = match scene.variety.as_mut() {
                    Some(rng) => {
                        // One vehicle in four comes in the dark, in a blur, tilted or far away.
                        let degraded = rand::Rng::random_bool(rng, 0.25);
                        Look::random(rng, degraded)
                    }
                    None => Look::plain(),
                };
                Subject::Vehicle { plate: Some(plate), look }
            }
        };
    }

    /// Puts exactly this in front of the camera: a vehicle with a chosen look, one without a
    /// plate, or nobody.
    pub fn set_subject(&self, subject: Subject) {
        lock(&self.scene).subject = subject;
    }

    /// Turns random looks on with `seed` (the same seed gives the same looks in the same order)
    /// or off (`None`: plain cars).
    pub fn set_variety(&self, seed: Option<u64>) {
        lock(&self.scene).variety = seed.map(StdRng::seed_from_u64);
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
        Ok(Frame::Rgb(draw_subject_scene(&self.booth, &stamp, &scene.subject)))
    }
}

/// Where plates appear in the simulated camera's pictures, with room to spare: the lane in front
/// of the stop line, where a car's or motorbike's plate lands at any distance, tilt and size the
/// scenes draw (x 510–770, y 380–615 of 1280×720). The camera's stamped band is outside it.
pub const PLATE_ZONE: PlateZone = PlateZone { left: 0.25, top: 0.45, width: 0.5, height: 0.5 };

/// Where the plate sits in a [`draw_scene`] picture: left, top, width, height.
pub const PLATE_BOX: (u32, u32, u32, u32) = (510, 520, 260, 70);

/// Draws the booth's view: sky, road, and a plain car seen from the front with `plate` on it.
pub fn draw_scene(booth: &str, stamp: &str, plate: Option<&str>) -> RgbImage {
    let subject = match plate {
        Some(plate) => Subject::Vehicle { plate: Some(plate.to_string()), look: Look::plain() },
        None => Subject::Empty,
    };
    draw_subject_scene(booth, stamp, &subject)
}

/// Draws the booth's view with `subject` in the lane.
pub fn draw_subject_scene(booth: &str, stamp: &str, subject: &Subject) -> RgbImage {
    let mut img = draw::filled(SCENE_WIDTH, SCENE_HEIGHT, Rgb([72, 72, 78]));
    for y in 0..300 {
        // Sky fading towards the horizon.
        let t = y as f32 / 300.0;
        let sky = Rgb([(120.0 + 70.0 * t) as u8, (160.0 + 50.0 * t) as u8, (205.0 + 25.0 * t) as u8]);
        draw::fill_rect(&mut img, 0, y, i64::from(SCENE_WIDTH), 1, sky);
    }
    // Kerb and the dashed lane line.
    draw::fill_rect(&mut img, 0, 300, 1280, 12, Rgb([170, 170, 160]));
    for i in 0..8 {
        draw::fill_rect(&mut img, 40 + i * 160, 680, 90, 10, Rgb([230, 230, 220]));
    }
    // The booth's barrier arm on the right.
    draw::fill_rect(&mut img, 1120, 200, 60, 200, Rgb([200, 200, 40]));
    draw::fill_rect(&mut img, 980, 230, 140, 14, Rgb([220, 40, 40]));
    scene::draw_subject(&mut img, subject);
    // Overlay band with booth and time, as IP cameras stamp their pictures.
    draw::fill_rect(&mut img, 0, 0, 1280, 48, BLACK);
    let overlay = TextStyle::new(Face::Sans, 32.0).colored(WHITE);
    draw::draw_text(&mut img, &overlay, 16.0, 6.0, &format!("{booth}  {stamp}"));
    let label = "GARDU SIM";
    let width = draw::text_width_px(&overlay, label);
    draw::draw_text(&mut img, &overlay, 1264.0 - width, 6.0, label);
    img
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
    fn every_plate_the_scenes_draw_lies_in_the_plate_zone() {
        // The reader looks only inside the zone: a plate drawn outside it would never be read.
        let (zl, zt, zw, zh) = PLATE_ZONE.pixels(SCENE_WIDTH, SCENE_HEIGHT);
        let (zr, zb) = (zl + zw, zt + zh);
        let mut rng = StdRng::seed_from_u64(5);
        let mut looks: Vec<Look> = (0..2000).map(|i| Look::random(&mut rng, i % 2 == 0)).collect();
        looks.push(Look::plain());
        for look in looks {
            let (l, t, r, b) = scene::plate_bounds(&look);
            let margin = 16.0;
            assert!(
                l >= zl as f32 + margin && t >= zt as f32 + margin,
                "plate at {l},{t} outside the zone's top left {zl},{zt}: {look:?}"
            );
            assert!(
                r <= zr as f32 - margin && b <= zb as f32 - margin,
                "plate to {r},{b} outside the zone's bottom right {zr},{zb}: {look:?}"
            );
        }
        // The camera's stamped band (the top 48 rows) is outside it.
        assert!(zt > 48);
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
