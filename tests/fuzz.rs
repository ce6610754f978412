//! The fuzz targets of `necken_tests::fuzz` at a size CI affords (20 000 inputs each); the
//! million-input runs are `cargo run --release -p necken-tests --example fuzz_inputs`, recorded
//! in docs/reliability.md.

use necken_tests::fuzz::{corpus, fuzz, targets};

#[test]
fn no_decoder_panics_on_mutated_inputs() {
    for (name, dir, target) in targets() {
        let seeds = corpus(dir);
        // Every seed is valid: the corpus itself is accepted.
        for (k, s) in seeds.iter().enumerate() {
            assert!(
                target(s),
                "{name}: seed {k} of fixtures/fuzz/{dir} is rejected"
            );
        }
        let mut run = |b: &[u8]| target(b);
        let r = fuzz(&seeds, 20_000, 7, &mut run);
        assert_eq!(
            r.panics,
            0,
            "{name}: {} panics; first input {:?}",
            r.panics,
            r.first_panic
                .map(|b| String::from_utf8_lossy(&b).into_owned())
        );
        // The mutations reach past the first validity check often enough to mean something.
        assert!(r.accepted > 0, "{name}: nothing accepted");
    }
}
