//! The host–device protocol that moves stored tracks off a device (`necken pull`) and a style
//! head onto it (`necken push-model`), over MQTT request/response topics (docs/mqtt.md,
//! *Pull and push*). Both sides use these types, so the two cannot drift apart.
//!
//! A host sends a JSON [`Request`] on `<prefix>pull/req/<client_id>` (or `model/req/...`);
//! the device answers on `<prefix>pull/resp/<client_id>` with a binary [`Page`] of the records
//! written after the request's `after` sequence number, at most `max_bytes` of them, followed
//! by the SHA-256 of the page. The host stores a page durably before it asks for the next one
//! (`after` = the page's `through`), so a pull that is cut off continues where it stopped and
//! a second pull moves only what is new.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::TrackMeta;

/// Protocol version carried by every request and page.
pub const PROTOCOL: u32 = 1;

/// Largest page a device sends unless the host asks for less.
pub const MAX_PAGE_BYTES: u64 = 1 << 20;

/// How far a request's `ts` may lie from the device's clock when requests are signed.
pub const MAX_CLOCK_SKEW_S: u64 = 300;

/// Topic suffixes under the device prefix; `<client_id>` follows each.
pub mod topic {
    /// Pull requests (`pull`, `ack`).
    pub const PULL_REQUEST: &str = "pull/req/";
    /// Pull responses ([`super::Page`]).
    pub const PULL_RESPONSE: &str = "pull/resp/";
    /// Model pushes (`push_model`, `reset_model`).
    pub const MODEL_REQUEST: &str = "model/req/";
    /// Model push answers ([`super::ModelAnswer`]).
    pub const MODEL_RESPONSE: &str = "model/resp/";
    /// The device's retained description (`DeviceInfo` in neckend's messages).
    pub const INFO: &str = "info";
}

/// What a host asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    /// The records written after `after`.
    Pull,
    /// Nothing to send: the host holds every record through `after` (the device's retention
    /// then removes those first).
    Ack,
    /// Replace the style head with `model_hex`.
    PushModel,
    /// Drop a pushed head: the board profile's head decides again.
    ResetModel,
}

impl Op {
    /// True for the ops of the model topic.
    pub fn is_model(self) -> bool {
        matches!(self, Op::PushModel | Op::ResetModel)
    }
}

/// A host's request (JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// [`PROTOCOL`].
    pub protocol: u32,
    /// What is asked.
    pub op: Op,
    /// Chosen by the host; the answer repeats it.
    pub req_id: String,
    /// The host's MQTT client id; must match the topic's last level.
    pub client_id: String,
    /// Sequence number the host already holds everything through (0 = nothing).
    pub after: u64,
    /// Largest page the host wants.
    pub max_bytes: u64,
    /// Unix time (s) the request was made.
    pub ts: u64,
    /// `push_model`: the head file, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_hex: Option<String>,
    /// `push_model`: SHA-256 of the head file, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_sha256: Option<String>,
    /// HMAC-SHA256 of [`Request::signed_text`] under the shared key, hex; required when the
    /// device has a key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac: Option<String>,
}

impl Request {
    /// A request of `op` made now, carrying `model` (push) and signed with `key` when given.
    pub fn new(
        op: Op,
        req_id: String,
        client_id: &str,
        after: u64,
        max_bytes: u64,
        model: Option<&[u8]>,
        key: Option<&[u8]>,
    ) -> Request {
        let mut r = Request {
            protocol: PROTOCOL,
            op,
            req_id,
            client_id: client_id.into(),
            after,
            max_bytes,
            ts: unix_s(),
            model_hex: model.map(hex),
            model_sha256: model.map(sha256_hex),
            mac: None,
        };
        if let Some(k) = key {
            r.sign(k);
        }
        r
    }

    /// The text the MAC covers: every field but the MAC, the model by its checksum.
    pub fn signed_text(&self) -> String {
        format!(
            "necken-sync/{}\n{:?}\n{}\n{}\n{}\n{}\n{}\n{}",
            self.protocol,
            self.op,
            self.req_id,
            self.client_id,
            self.after,
            self.max_bytes,
            self.ts,
            self.model_sha256.as_deref().unwrap_or("")
        )
    }

    /// Sets `mac` with `key`.
    pub fn sign(&mut self, key: &[u8]) {
        self.mac = Some(hex(&mac_of(key, self.signed_text().as_bytes())));
    }

    /// Checks `mac` against `key` and `ts` against `now` (± [`MAX_CLOCK_SKEW_S`]).
    pub fn verify(&self, key: &[u8], now: u64) -> Result<(), String> {
        let Some(mac) = self.mac.as_deref().and_then(unhex) else {
            return Err("the request is not signed (this device requires a shared key)".into());
        };
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key");
        m.update(self.signed_text().as_bytes());
        m.verify_slice(&mac)
            .map_err(|_| "the request's signature does not match (wrong shared key)")?;
        if self.ts.abs_diff(now) > MAX_CLOCK_SKEW_S {
            return Err(format!(
                "the request is {} s away from the device's clock (at most {MAX_CLOCK_SKEW_S})",
                self.ts.abs_diff(now)
            ));
        }
        Ok(())
    }
}

fn mac_of(key: &[u8], text: &[u8]) -> Vec<u8> {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).expect("HMAC takes any key");
    m.update(text);
    m.finalize().into_bytes().to_vec()
}

/// One stored track as it travels: the device's metadata (with the device's sequence number)
/// and the artifact record, byte for byte.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PulledRecord {
    /// Metadata as stored on the device.
    pub meta: TrackMeta,
    /// The encoded artifact record.
    pub artifacts: Vec<u8>,
}

/// A device's answer to a pull or ack (binary: postcard, then the SHA-256 of that).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Page {
    /// [`PROTOCOL`].
    pub protocol: u32,
    /// The request's `req_id`.
    pub req_id: String,
    /// The device's id.
    pub device_id: String,
    /// Why nothing was sent (refused, bad request); `None` when the request was served.
    pub error: Option<String>,
    /// Records written after the request's `after`, in write order.
    pub records: Vec<PulledRecord>,
    /// The host holds everything through this sequence number once it stored the page.
    pub through: u64,
    /// The device's latest sequence number when the page was made.
    pub device_seq: u64,
    /// Tracks stored on the device.
    pub device_tracks: u64,
    /// More records wait after `through`.
    pub more: bool,
}

impl Page {
    /// A refusal or error answer.
    pub fn error(req_id: &str, device_id: &str, error: String) -> Page {
        Page {
            protocol: PROTOCOL,
            req_id: req_id.into(),
            device_id: device_id.into(),
            error: Some(error),
            records: Vec::new(),
            through: 0,
            device_seq: 0,
            device_tracks: 0,
            more: false,
        }
    }

    /// The wire form: postcard body, then its SHA-256.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = postcard::to_stdvec(self).expect("a page always encodes");
        let sum = Sha256::digest(&out);
        out.extend_from_slice(&sum);
        out
    }

    /// Checks the checksum and decodes.
    pub fn decode(bytes: &[u8]) -> Result<Page, String> {
        if bytes.len() < 32 {
            return Err(format!("a page of {} bytes is too short", bytes.len()));
        }
        let (body, sum) = bytes.split_at(bytes.len() - 32);
        if Sha256::digest(body).as_slice() != sum {
            return Err("page checksum mismatch (damaged in transit)".into());
        }
        let page: Page = postcard::from_bytes(body).map_err(|e| format!("page: {e}"))?;
        if page.protocol != PROTOCOL {
            return Err(format!(
                "the device speaks pull protocol {}, this host {PROTOCOL}",
                page.protocol
            ));
        }
        Ok(page)
    }
}

/// A device's answer to `push_model` (JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelAnswer {
    /// The request's `req_id`.
    pub req_id: String,
    /// The device's id.
    pub device_id: String,
    /// True when the head is in use (and kept across restarts).
    pub ok: bool,
    /// The pushed head now in use when `ok`; `None` after a reset (the profile's decides)
    /// and when the push was refused (the running head stays).
    pub head: Option<String>,
    /// Why the head was not taken.
    pub error: Option<String>,
}

/// Lower-case hex of bytes.
pub use necken_core::neckenml::hex;

/// Bytes of a hex string; `None` when it is not hex.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Unix time, seconds (requests' `ts`; the device's clock for checking it).
pub fn unix_s() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// SHA-256 of bytes, hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TrackId;
    use necken_core::artifact::Profile;

    fn request() -> Request {
        Request {
            protocol: PROTOCOL,
            op: Op::Pull,
            req_id: "r1".into(),
            client_id: "necken-host".into(),
            after: 41,
            max_bytes: 4096,
            ts: 1_800_000_000,
            model_hex: None,
            model_sha256: None,
            mac: None,
        }
    }

    #[test]
    fn a_signed_request_verifies_and_any_change_breaks_it() {
        let mut r = request();
        assert!(r.verify(b"key", r.ts).unwrap_err().contains("not signed"));
        r.sign(b"key");
        r.verify(b"key", r.ts + 10).unwrap();
        assert!(r.verify(b"other", r.ts).unwrap_err().contains("wrong"));
        assert!(r.verify(b"key", r.ts + 301).unwrap_err().contains("clock"));
        let mut moved = r.clone();
        moved.after = 0;
        assert!(moved.verify(b"key", r.ts).is_err());
        let json = serde_json::to_string(&r).unwrap();
        let back: Request = serde_json::from_str(&json).unwrap();
        back.verify(b"key", r.ts).unwrap();
    }

    #[test]
    fn pages_round_trip_and_damage_is_caught() {
        let page = Page {
            protocol: PROTOCOL,
            req_id: "r1".into(),
            device_id: "hall1".into(),
            error: None,
            records: vec![PulledRecord {
                meta: TrackMeta {
                    id: TrackId([7; 16]),
                    source_path: "live:hw:1,0#3".into(),
                    tags: Default::default(),
                    duration_s: 180.0,
                    analyzed_at: 5,
                    audio_fingerprint: [1; 8],
                    profile: Profile::Standard,
                    seq: 42,
                },
                artifacts: vec![1, 2, 3],
            }],
            through: 42,
            device_seq: 50,
            device_tracks: 9,
            more: true,
        };
        let bytes = page.encode();
        assert_eq!(Page::decode(&bytes).unwrap(), page);
        for i in [0, bytes.len() / 2, bytes.len() - 1] {
            let mut bad = bytes.clone();
            bad[i] ^= 0x10;
            assert!(Page::decode(&bad).unwrap_err().contains("checksum"));
        }
        assert!(Page::decode(&bytes[..10]).is_err());
    }

    #[test]
    fn hex_round_trips() {
        assert_eq!(unhex(&hex(&[0, 15, 255])).unwrap(), vec![0, 15, 255]);
        assert!(unhex("abc").is_none() && unhex("zz").is_none());
    }
}
