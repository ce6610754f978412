//! Prints `frame beat downbeat` activations of an audio file, for diagnostics.
fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: dump_activations FILE");
    let act = necken_analysis::file_activations(path.as_ref()).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(1)
    });
    for (i, (b, d)) in act.beat.iter().zip(&act.downbeat).enumerate() {
        println!("{i} {b:.4} {d:.4}");
    }
}
