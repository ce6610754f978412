//! What cpal cannot do on a headless Pi, done with ALSA directly: list the capture devices
//! with their card names, rates and channel counts (`neckend --list-devices`), and set the
//! capture gain of the card's mixer from the board profile (`[audio] capture_gain_db`).

use std::ffi::CString;

use alsa::ctl::{Ctl, DeviceIter};
use alsa::mixer::{MilliBel, Mixer, Selem};
use alsa::pcm::{HwParams, PCM};
use alsa::{Direction, Round};

/// Rates offered when a device accepts them (the common ones of USB microphones and HATs).
const RATES: [u32; 8] = [8000, 16000, 22050, 32000, 44100, 48000, 96000, 192000];

/// A capture device as ALSA names it.
#[derive(Clone, Debug, PartialEq)]
pub struct CaptureDevice {
    /// The device id for `[audio] device` / `--device` (`hw:CARD,DEV`).
    pub id: String,
    /// The card's long name.
    pub card: String,
    /// The PCM device's name.
    pub name: String,
    /// Rates of [`RATES`] the device accepts (empty when it could not be opened: busy).
    pub rates: Vec<u32>,
    /// Channel counts it accepts (min, max).
    pub channels: Option<(u32, u32)>,
    /// Why its parameters could not be read, if so.
    pub problem: Option<String>,
}

/// Every capture PCM of every card.
pub fn capture_devices() -> Vec<CaptureDevice> {
    let mut out = Vec::new();
    for card in alsa::card::Iter::new().filter_map(Result::ok) {
        let index = card.get_index();
        let card_name = card
            .get_longname()
            .or_else(|_| card.get_name())
            .unwrap_or_else(|_| format!("card {index}"));
        let Ok(ctl) = Ctl::from_card(&card, false) else {
            continue;
        };
        for dev in DeviceIter::new(&ctl) {
            let Ok(info) = ctl.pcm_info(dev as u32, 0, Direction::Capture) else {
                continue; // a playback-only device
            };
            let id = format!("hw:{index},{dev}");
            let mut d = CaptureDevice {
                name: info.get_name().unwrap_or("").to_string(),
                card: card_name.clone(),
                id,
                rates: Vec::new(),
                channels: None,
                problem: None,
            };
            match read_params(&d.id) {
                Ok((rates, channels)) => (d.rates, d.channels) = (rates, Some(channels)),
                Err(e) => d.problem = Some(e),
            }
            out.push(d);
        }
    }
    out
}

fn read_params(id: &str) -> Result<(Vec<u32>, (u32, u32)), String> {
    let pcm = PCM::new(id, Direction::Capture, true).map_err(|e| e.to_string())?;
    let hw = HwParams::any(&pcm).map_err(|e| e.to_string())?;
    let rates = RATES
        .iter()
        .copied()
        .filter(|&r| hw.test_rate(r).is_ok())
        .collect();
    let channels = (
        hw.get_channels_min().map_err(|e| e.to_string())?,
        hw.get_channels_max().map_err(|e| e.to_string())?,
    );
    Ok((rates, channels))
}

/// The table `neckend --list-devices` prints.
pub fn device_table(devices: &[CaptureDevice]) -> String {
    if devices.is_empty() {
        return "no ALSA capture devices (is a USB microphone or audio HAT connected, and is \
                the user in the `audio` group?)\n"
            .into();
    }
    let mut s = format!(
        "{:<10} {:<9} {:<44} {}\n",
        "device", "channels", "card / device", "rates (Hz)"
    );
    for d in devices {
        let channels = d
            .channels
            .map_or("-".to_string(), |(a, b)| format!("{a}-{b}"));
        let rates = match &d.problem {
            Some(p) => format!("(cannot open: {p})"),
            None => d
                .rates
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(" "),
        };
        s.push_str(&format!(
            "{:<10} {:<9} {:<44} {}\n",
            d.id,
            channels,
            format!("{} / {}", d.card, d.name),
            rates
        ));
    }
    s
}

/// The mixer (card) of a capture device id: `hw:1,0` and `plughw:1,0` → `hw:1`; other names
/// (`default`, `sysdefault:CARD=Mic`) are opened as given.
pub fn mixer_name(device: &str) -> String {
    let tail = device
        .strip_prefix("plughw:")
        .or_else(|| device.strip_prefix("hw:"));
    match tail {
        Some(t) => format!("hw:{}", t.split(',').next().unwrap_or(t)),
        None => device.to_string(),
    }
}

/// Sets the capture gain of `device`'s card to `gain_db` (the nearest step at or below it) on
/// its first capture control ("Capture", "Mic", else any with a capture volume); returns a
/// line saying what was set. Errors name the device.
pub fn set_capture_gain(device: &str, gain_db: f32) -> Result<String, String> {
    let mixer_id = mixer_name(device);
    CString::new(mixer_id.clone()).map_err(|_| format!("capture device {device:?}: bad name"))?;
    let mixer = Mixer::new(&mixer_id, false)
        .map_err(|e| format!("capture gain: mixer {mixer_id} of device {device}: {e}"))?;
    let selems: Vec<Selem> = mixer
        .iter()
        .filter_map(Selem::new)
        .filter(|s| s.has_capture_volume())
        .collect();
    let name = |s: &Selem| s.get_id().get_name().unwrap_or("").to_string();
    let chosen = selems
        .iter()
        .find(|s| name(s) == "Capture")
        .or_else(|| selems.iter().find(|s| name(s).contains("Mic")))
        .or_else(|| selems.first())
        .ok_or_else(|| {
            format!("capture gain: mixer {mixer_id} of device {device} has no capture volume")
        })?;
    let (lo, hi) = chosen.get_capture_db_range();
    let want = MilliBel((gain_db * 100.0).round() as i64)
        .0
        .clamp(lo.0, hi.0);
    chosen
        .set_capture_db_all(MilliBel(want), Round::Floor)
        .map_err(|e| format!("capture gain: {mixer_id} \"{}\": {e}", name(chosen)))?;
    Ok(format!(
        "capture gain of {mixer_id} \"{}\" set to {:.1} dB (asked {gain_db:.1} dB; range {:.1} to {:.1} dB)",
        name(chosen),
        want as f32 / 100.0,
        lo.to_db(),
        hi.to_db()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_ids_name_their_cards_mixer() {
        assert_eq!(mixer_name("hw:1,0"), "hw:1");
        assert_eq!(mixer_name("plughw:2,1"), "hw:2");
        assert_eq!(mixer_name("default"), "default");
    }

    #[test]
    fn the_table_lists_devices_or_says_there_are_none() {
        assert!(device_table(&[]).contains("no ALSA capture devices"));
        let t = device_table(&[CaptureDevice {
            id: "hw:1,0".into(),
            card: "USB PnP Sound Device".into(),
            name: "USB Audio".into(),
            rates: vec![44100, 48000],
            channels: Some((1, 1)),
            problem: None,
        }]);
        assert!(t.contains("hw:1,0") && t.contains("44100 48000") && t.contains("USB PnP"));
    }

    #[test]
    fn listing_this_machines_cards_does_not_fail() {
        // A CI machine has no sound card; a Pi has one. Either way the listing returns.
        let devices = capture_devices();
        assert!(!device_table(&devices).is_empty());
    }
}
