//! The head file, its window reading and its checks.

use super::*;
use crate::vector::{FEATURE_DIM, FEATURE_VERSION};

pub(crate) fn tiny_head() -> StyleHead {
    let classes = vec![Style::Polska, Style::Polka];
    let mut weights = vec![0f32; 2 * FEATURE_DIM];
    // Ternary confidence (dim 213) votes polska, against polka.
    weights[213] = 4.0;
    weights[FEATURE_DIM + 213] = -4.0;
    StyleHead {
        id: "test".into(),
        feature_version: FEATURE_VERSION,
        classes,
        feature_mean: vec![0.0; FEATURE_DIM],
        feature_scale: vec![1.0; FEATURE_DIM],
        layers: vec![Dense {
            inputs: FEATURE_DIM as u32,
            outputs: 2,
            weights,
            bias: vec![0.0, 0.0],
            relu: false,
        }],
        trained_on: "hand-made".into(),
        embedding_model: None,
        window_temperature: 1.0,
        window_model: None,
    }
}

/// Windows read with the window temperature: the same order of styles, less sure when it
/// is above 1; the temperature survives the file; a `NKHEAD02` head reads windows as
/// tracks; a temperature that is no positive number is refused.
#[test]
fn windows_are_read_with_the_window_temperature() {
    let mut head = tiny_head();
    head.window_temperature = 2.0;
    let back = StyleHead::from_bytes(&head.to_bytes()).unwrap();
    assert_eq!(back.window_temperature, 2.0);
    let mut x = vec![0f32; FEATURE_DIM];
    x[213] = 0.5;
    let (track, window) = (back.predict(&x), back.for_windows().predict(&x));
    assert_eq!(track[0].0, window[0].0);
    assert!(
        window[0].1 < track[0].1 && window[0].1 > 0.5,
        "{track:?} {window:?}"
    );
    assert_eq!(back.for_windows().window_temperature, 1.0);
    let v10 = StyleHead::from_bytes(include_bytes!("../../../../models/style-head-v10.nkhead"));
    let v10 = v10.unwrap();
    assert_eq!(v10.window_temperature, 1.0);
    assert_eq!(v10.for_windows().layers, v10.layers);
    // The default head was calibrated on window-length excerpts: less sure on them.
    let v13 = StyleHead::from_bytes(include_bytes!("../../../../models/style-head-v13.nkhead"));
    let v13 = v13.unwrap();
    assert!(
        (v13.window_temperature - 1.667).abs() < 0.001,
        "{}",
        v13.window_temperature
    );
    // An `NKHEAD03` head has no window model, and keeps what it was read as when written again.
    assert!(v13.window_model.is_none());
    assert_eq!(StyleHead::from_bytes(&v13.to_bytes()).unwrap(), v13);
    head.window_temperature = 0.0;
    assert!(matches!(
        StyleHead::from_bytes(&head.to_bytes()),
        Err(HeadError::Shape(_))
    ));
}

/// A head with a window model reads windows with it (and the window temperature) and tracks
/// with its track model; the window model survives the file, and one of the wrong shape is
/// refused with the model named.
#[test]
fn windows_are_read_by_the_window_model_when_the_head_has_one() {
    let mut head = tiny_head();
    let mut window = head.layers.clone();
    // The window model votes the other way on the same feature.
    window[0].weights[213] = -2.0;
    window[0].weights[FEATURE_DIM + 213] = 2.0;
    head.window_model = Some(WindowModel {
        feature_mean: vec![0.0; FEATURE_DIM],
        feature_scale: vec![1.0; FEATURE_DIM],
        layers: window,
        trained_on: "hand-made windows".into(),
    });
    head.window_temperature = 2.0;
    let bytes = head.to_bytes();
    assert_eq!(&bytes[..8], b"NKHEAD04");
    let back = StyleHead::from_bytes(&bytes).unwrap();
    assert_eq!(back, head);
    let mut x = vec![0f32; FEATURE_DIM];
    x[213] = 1.0;
    let track = back.predict(&x);
    let windows = back.for_windows();
    assert!(windows.window_model.is_none());
    let window = windows.predict(&x);
    let top = |p: &[(Style, f32)]| p.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1));
    assert_eq!(top(&track).unwrap().0, Style::Polska);
    let (style, p) = top(&window).unwrap();
    assert_eq!(style, Style::Polka);
    // Logits of 2 and -2 divided by 2: softmax of (1, -1).
    let expected = 1.0 / (1.0 + (-2f32).exp());
    assert!((p - expected).abs() < 1e-5, "{window:?}");
    let mut bad = head.clone();
    bad.window_model.as_mut().unwrap().feature_scale.pop();
    match StyleHead::from_bytes(&bad.to_bytes()) {
        Err(HeadError::Shape(e)) => assert!(e.starts_with("window model:"), "{e}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn head_file_round_trips_and_predicts() {
    let head = tiny_head();
    let back = StyleHead::from_bytes(&head.to_bytes()).unwrap();
    let mut x = vec![0f32; FEATURE_DIM];
    x[213] = 0.9;
    let p = back.predict(&x);
    assert_eq!(p[0].0, Style::Polska);
    assert!(p[0].1 > 0.9, "{p:?}");
}

#[test]
fn the_bundled_heads_say_whether_they_need_an_embedding() {
    let v1 = StyleHead::from_bytes(include_bytes!("../../../../models/style-head-v1.nkhead"));
    let v2 = StyleHead::from_bytes(include_bytes!("../../../../models/style-head-v2.nkhead"));
    assert!(!v1.unwrap().expects_embedding());
    assert!(v2.unwrap().expects_embedding());
}

/// `NKHEAD01` heads name `embed-cnn-v1` when they read an embedding; v4 (`NKHEAD02`) names
/// its own network; a head reads tracks of its network (int8 or float) and tracks without
/// an embedding, never another network's.
#[test]
fn heads_name_the_embedding_network_they_read() {
    let v1 = StyleHead::from_bytes(include_bytes!("../../../../models/style-head-v1.nkhead"));
    let v3 = StyleHead::from_bytes(include_bytes!("../../../../models/style-head-v3.nkhead"));
    let v4 = StyleHead::from_bytes(include_bytes!("../../../../models/style-head-v4.nkhead"));
    let (v1, v3, v4) = (v1.unwrap(), v3.unwrap(), v4.unwrap());
    assert_eq!(v1.embedding_model, None);
    assert_eq!(v3.embedding_model.as_deref(), Some("embed-cnn-v1"));
    assert_eq!(v4.embedding_model.as_deref(), Some("embed-cnn-v2"));
    assert!(v4.reads(Some("embed-cnn-v2")) && v4.reads(Some("embed-cnn-v2-int8")));
    assert!(v4.reads(None));
    assert!(!v4.reads(Some("embed-cnn-v1")) && !v3.reads(Some("embed-cnn-v2-int8")));
    assert!(v1.reads(Some("embed-cnn-v2")));
    // Written again, a v1-format head keeps what it was read as.
    assert_eq!(StyleHead::from_bytes(&v3.to_bytes()).unwrap(), v3);
}

/// A version-1 head (226 dimensions) reads the start of today's vector, which is its own
/// layout: the mean bar after it changes nothing for it.
#[test]
fn a_version_one_head_reads_its_prefix_of_the_version_two_vector() {
    let v4 = StyleHead::from_bytes(include_bytes!("../../../../models/style-head-v4.nkhead"));
    let v4 = v4.unwrap();
    assert_eq!(v4.feature_version, 1);
    let a = crate::synth::synthetic_artifacts(
        Style::Mazurka,
        90.0,
        crate::artifact::Profile::Standard,
        11,
    );
    let mut f = crate::features::derive(&a);
    assert_eq!(f.feature_vector.len(), FEATURE_DIM);
    assert_eq!(
        f.feature_vector[FEATURE_DIM - 1],
        1.0,
        "the mean bar is flagged"
    );
    let with_bar = v4.predict(&f.feature_vector);
    let prefix = v4.predict(&f.feature_vector[..crate::vector::V1_DIM]);
    f.feature_vector[crate::vector::V1_DIM..]
        .iter_mut()
        .for_each(|v| *v = 7.0);
    assert_eq!(with_bar, prefix);
    assert_eq!(v4.predict(&f.feature_vector), prefix);
}

/// The default head learned from tracks with a mean bar; a track stored without one is read
/// with the head's training means there, not with zeros.
#[test]
fn a_track_without_a_mean_bar_is_read_with_the_heads_means_there() {
    let head = StyleHead::from_bytes(include_bytes!("../../../../models/style-head-v10.nkhead"));
    let head = head.unwrap();
    assert_eq!(head.feature_version, 2);
    assert!(head.expects_bar_pattern());
    let mut a = crate::synth::synthetic_artifacts(
        Style::Hambo,
        90.0,
        crate::artifact::Profile::Standard,
        4,
    );
    a.bar_pattern = None;
    let x = crate::features::derive(&a).feature_vector;
    assert_eq!(x[BAR_FLAG], 0.0);
    let mut at_means = x.clone();
    at_means[V1_DIM..].copy_from_slice(&head.feature_mean[V1_DIM..]);
    let (absent, means) = (head.predict(&x), head.predict(&at_means));
    for ((s1, p1), (s2, p2)) in absent.iter().zip(&means) {
        assert_eq!(s1, s2);
        assert!((p1 - p2).abs() < 1e-5, "{absent:?} {means:?}");
    }
}

#[test]
fn corrupt_or_mismatched_heads_are_refused() {
    let bytes = tiny_head().to_bytes();
    assert_eq!(
        StyleHead::from_bytes(&bytes[..bytes.len() - 1]),
        Err(HeadError::Checksum)
    );
    assert_eq!(StyleHead::from_bytes(b"garbage"), Err(HeadError::BadMagic));
    let mut old = tiny_head();
    old.feature_version = 0;
    assert!(matches!(
        StyleHead::from_bytes(&old.to_bytes()),
        Err(HeadError::FeatureVersion { found: 0, .. })
    ));
    let mut bad = tiny_head();
    bad.layers[0].bias.pop();
    assert!(matches!(
        StyleHead::from_bytes(&bad.to_bytes()),
        Err(HeadError::Shape(_))
    ));
}
