//! The report's charts, each drawn once for any plotters backend (PNG and SVG).

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Pixel size of every chart.
pub const SIZE: (u32, u32) = (1100, 380);

type Area<'a, DB> = DrawingArea<DB, Shift>;
type Drawn = Result<(), String>;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// The font family the charts use (registered from the bundled DejaVu Sans).
const FONT: &str = "sans-serif";

static DEJAVU: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Makes the bundled font known to plotters (once per process).
pub fn register_font() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        plotters::style::register_font(FONT, FontStyle::Normal, DEJAVU)
            .unwrap_or_else(|_| panic!("the bundled DejaVu Sans is a valid font"));
    });
}

/// The series' labels in a box.
fn legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    position: SeriesLabelPosition,
) -> Drawn {
    chart
        .configure_series_labels()
        .position(position)
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font((FONT, 13))
        .draw()
        .map_err(err)
}

/// One line per named series, each in its own colour and in the legend.
fn named_lines<'a, 'p, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    lines: impl Iterator<Item = (&'p str, &'p Vec<(f64, f64)>)>,
) -> Drawn {
    for (k, (name, points)) in lines.enumerate() {
        let color = Palette99::pick(k).to_rgba();
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                color.stroke_width(3),
            ))
            .map_err(err)?
            .label(name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color));
    }
    Ok(())
}

/// Envelope with the beat grid (light) and bar lines (dark).
pub fn rhythm<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    duration_s: f64,
    envelope: &[(f64, f64)],
    beats: &[f64],
    bars: &[f64],
) -> Drawn {
    root.fill(&WHITE).map_err(err)?;
    let top = envelope.iter().map(|p| p.1).fold(1e-6, f64::max) * 1.1;
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 20))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..duration_s.max(1.0), 0.0..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("seconds")
        .y_desc("RMS")
        .label_style((FONT, 13))
        .draw()
        .map_err(err)?;
    let light = RGBColor(200, 200, 215);
    chart
        .draw_series(
            beats
                .iter()
                .map(|&t| PathElement::new(vec![(t, 0.0), (t, top)], light.stroke_width(1))),
        )
        .map_err(err)?
        .label("beats")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], light));
    let bar = RGBColor(40, 40, 120);
    chart
        .draw_series(
            bars.iter()
                .map(|&t| PathElement::new(vec![(t, 0.0), (t, top)], bar.stroke_width(2))),
        )
        .map_err(err)?
        .label("bar lines (downbeats)")
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], bar.stroke_width(2)));
    chart
        .draw_series(LineSeries::new(
            envelope.iter().copied(),
            RED.stroke_width(2),
        ))
        .map_err(err)?
        .label("envelope")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], RED));
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    root.present().map_err(err)
}

/// Tempo (beats per minute) over time, with the track's tempo as a line.
pub fn tempo<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    duration_s: f64,
    points: &[(f64, f64)],
    track_bpm: Option<f64>,
) -> Drawn {
    root.fill(&WHITE).map_err(err)?;
    let (lo, hi) = points
        .iter()
        .map(|p| p.1)
        .chain(track_bpm)
        .fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let (lo, hi) = if lo > hi {
        (60.0, 180.0)
    } else {
        ((lo - 10.0).max(0.0), hi + 10.0)
    };
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 20))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..duration_s.max(1.0), lo..hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("seconds")
        .y_desc("beats per minute")
        .label_style((FONT, 13))
        .draw()
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(
            points.iter().copied(),
            BLUE.stroke_width(2),
        ))
        .map_err(err)?
        .label("tempo (median of 5 beats)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLUE));
    if let Some(t) = track_bpm {
        chart
            .draw_series(LineSeries::new(
                [(0.0, t), (duration_s, t)],
                BLACK.stroke_width(1),
            ))
            .map_err(err)?
            .label(format!("track tempo {t:.1}"))
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    root.present().map_err(err)
}

/// Probability of each style over time, one line per style.
pub fn styles_over_time<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    duration_s: f64,
    lines: &[(String, Vec<(f64, f64)>)],
) -> Drawn {
    root.fill(&WHITE).map_err(err)?;
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 20))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..duration_s.max(1.0), 0.0..1.0)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("seconds (end of a 20 s window)")
        .y_desc("probability")
        .label_style((FONT, 13))
        .draw()
        .map_err(err)?;
    named_lines(
        &mut chart,
        lines.iter().map(|(name, points)| (name.as_str(), points)),
    )?;
    legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    root.present().map_err(err)
}

/// The mean bar: onset strength per band through the bar (downbeat to downbeat), with the
/// track's beats where its beat shares put them.
pub fn mean_bar<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    bands: &[(&str, Vec<(f64, f64)>)],
    beats: &[f64],
) -> Drawn {
    root.fill(&WHITE).map_err(err)?;
    let top = bands
        .iter()
        .flat_map(|(_, p)| p.iter().map(|q| q.1))
        .fold(1.0f64, f64::max)
        * 1.1;
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 20))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..1.0, 0.0..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("share of the bar (downbeat to downbeat)")
        .y_desc("onset strength (mean 1 per band)")
        .label_style((FONT, 13))
        .draw()
        .map_err(err)?;
    named_lines(
        &mut chart,
        bands.iter().map(|(name, points)| (*name, points)),
    )?;
    chart
        .draw_series(
            beats
                .iter()
                .map(|&b| PathElement::new(vec![(b, 0.0), (b, top)], BLACK.stroke_width(1))),
        )
        .map_err(err)?
        .label("beats (the track's beat shares)")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK));
    legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    root.present().map_err(err)
}

/// Vertical bars with a name under each.
pub fn bars<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    y_desc: &str,
    items: &[(String, f64)],
) -> Drawn {
    root.fill(&WHITE).map_err(err)?;
    let top = items.iter().map(|i| i.1).fold(1.0, f64::max) * 1.15;
    let n = items.len().max(1);
    let names: Vec<String> = items.iter().map(|i| i.0.clone()).collect();
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 20))
        .margin(10)
        .x_label_area_size(45)
        .y_label_area_size(60)
        .build_cartesian_2d((0..n - 1).into_segmented(), 0.0..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => names.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .y_desc(y_desc)
        .label_style((FONT, 12))
        .draw()
        .map_err(err)?;
    chart
        .draw_series(items.iter().enumerate().map(|(i, (_, v))| {
            let mut bar = Rectangle::new(
                [
                    (SegmentValue::Exact(i), 0.0),
                    (SegmentValue::Exact(i + 1), *v),
                ],
                RGBColor(70, 110, 180).filled(),
            );
            bar.set_margin(0, 0, 6, 6);
            bar
        }))
        .map_err(err)?;
    chart
        .draw_series(
            items
                .iter()
                .enumerate()
                .filter(|(_, (_, v))| *v > 0.0)
                .map(|(i, (_, v))| {
                    Text::new(
                        format!("{v:.0}"),
                        (SegmentValue::CenterOf(i), *v + top * 0.02),
                        (FONT, 13),
                    )
                }),
        )
        .map_err(err)?;
    root.present().map_err(err)
}

/// A matrix of counts: rows down the left, columns along the bottom, each cell shaded by its
/// share of the row and labelled with its count.
pub fn matrix<DB: DrawingBackend>(
    root: &Area<DB>,
    title: &str,
    rows: &[String],
    cols: &[String],
    counts: &dyn Fn(usize, usize) -> usize,
) -> Drawn {
    root.fill(&WHITE).map_err(err)?;
    let (nr, nc) = (rows.len().max(1), cols.len().max(1));
    let mut chart = ChartBuilder::on(root)
        .caption(title, (FONT, 20))
        .margin(10)
        .x_label_area_size(45)
        .y_label_area_size(130)
        .build_cartesian_2d(0.0..nc as f64, 0.0..nr as f64)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(nc * 2 + 1)
        .y_labels(nr * 2 + 1)
        .x_label_formatter(&|x| label_at(cols, *x))
        .y_label_formatter(&|y| label_at(rows, nr as f64 - *y))
        .label_style((FONT, 12))
        .draw()
        .map_err(err)?;
    for r in 0..rows.len() {
        let total: usize = (0..cols.len()).map(|c| counts(r, c)).sum();
        for c in 0..cols.len() {
            let n = counts(r, c);
            let share = if total > 0 {
                n as f64 / total as f64
            } else {
                0.0
            };
            let shade = (255.0 * (1.0 - 0.8 * share)) as u8;
            let y0 = (nr - 1 - r) as f64;
            chart
                .draw_series([Rectangle::new(
                    [(c as f64, y0), (c as f64 + 1.0, y0 + 1.0)],
                    RGBColor(shade, shade, 255).filled(),
                )])
                .map_err(err)?;
            if n > 0 {
                chart
                    .draw_series([Text::new(
                        n.to_string(),
                        (c as f64 + 0.4, y0 + 0.6),
                        (FONT, 13),
                    )])
                    .map_err(err)?;
            }
        }
    }
    root.present().map_err(err)
}

/// The name whose cell centre is at `v` (cells are one unit wide), else nothing.
fn label_at(names: &[String], v: f64) -> String {
    let frac = v - v.floor();
    if (frac - 0.5).abs() > 0.01 {
        return String::new();
    }
    names.get(v.floor() as usize).cloned().unwrap_or_default()
}
