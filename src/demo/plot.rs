//! The demo's pictures: the test metric per round (accuracy, or R^2 for
//! regression) beside its centralised baseline, and the time of each phase
//! per round as stacked bars. Each is written as SVG and as PNG.
//!
//! Text is rendered with the DejaVu Sans font shipped in `assets/fonts`
//! (Bitstream Vera licence, beside it) through `ab_glyph`, so the PNG renders
//! on a machine with no fonts installed; the SVG names the family
//! `sans-serif` and is laid out with the same metrics.

use plotters::coord::{CoordTranslate, Shift};
use plotters::prelude::*;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The font every plot uses (registered once per process).
const FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// The family name the plots ask for.
const FAMILY: &str = "sans-serif";
/// Size of each picture, in pixels.
const SIZE: (u32, u32) = (900, 540);

/// The colours of the phases, in order (a colour-blind-safe palette).
const PHASE_COLOURS: [RGBColor; 6] = [
    RGBColor(0, 114, 178),
    RGBColor(230, 159, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(86, 180, 233),
    RGBColor(213, 94, 0),
];

/// A plot that could not be drawn or written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlotError(String);

impl fmt::Display for PlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "plot: {}", self.0)
    }
}

impl std::error::Error for PlotError {}

fn err(e: impl fmt::Display) -> PlotError {
    PlotError(e.to_string())
}

/// The test metric of each released model.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricSeries {
    /// What is measured ("test accuracy", "test R^2").
    pub label: String,
    /// `(round, value)` for each released round, in order.
    pub points: Vec<(u64, f64)>,
    /// A reference line, e.g. a centralised float64 fit: `(label, value)`.
    pub baseline: Option<(String, f64)>,
}

/// The time each phase of one round took, in seconds.
#[derive(Clone, Debug, PartialEq)]
pub struct PhaseTimes {
    /// The round.
    pub round: u64,
    /// `(phase, seconds)`, in the order the phases run.
    pub phases: Vec<(String, f64)>,
}

fn register_font() -> Result<(), PlotError> {
    static DONE: OnceLock<Result<(), PlotError>> = OnceLock::new();
    DONE.get_or_init(|| {
        plotters::style::register_font(FAMILY, FontStyle::Normal, FONT)
            .map_err(|_| PlotError("the shipped font does not parse".into()))
    })
    .clone()
}

/// A chart on `root` with the caption and the margins every plot uses.
fn chart_on<'a, 'b, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, Shift>,
    caption: &str,
) -> ChartBuilder<'a, 'b, DB> {
    let mut b = ChartBuilder::on(root);
    b.caption(caption, (FAMILY, 24))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(64);
    b
}

/// The legend's key of a line series: a short stroke in `style`.
fn line_key(style: ShapeStyle) -> impl Fn((i32, i32)) -> PathElement<(i32, i32)> {
    move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style)
}

/// Draws the legend of every labelled series at `position`.
fn draw_legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
) -> Result<(), PlotError> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FAMILY, 14))
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .draw()
        .map_err(err)
}

/// Draws the metric per round onto `root`.
pub fn draw_metric<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    s: &MetricSeries,
) -> Result<(), PlotError> {
    register_font()?;
    root.fill(&WHITE).map_err(err)?;
    let last = s.points.iter().map(|p| p.0).max().unwrap_or(0);
    let values = s
        .points
        .iter()
        .map(|p| p.1)
        .chain(s.baseline.iter().map(|b| b.1));
    let (lo, hi) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let (lo, hi) = if lo.is_finite() && hi.is_finite() {
        let pad = ((hi - lo) * 0.1).max(0.01);
        (lo - pad, hi + pad)
    } else {
        (0.0, 1.0)
    };
    let mut chart = chart_on(root, &format!("{} per round", s.label))
        .build_cartesian_2d(0u64..last + 1, lo..hi)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("round")
        .y_desc(s.label.as_str())
        .label_style((FAMILY, 14))
        .axis_desc_style((FAMILY, 16))
        .draw()
        .map_err(err)?;
    let line = PHASE_COLOURS[0];
    chart
        .draw_series(LineSeries::new(
            s.points.iter().copied(),
            line.stroke_width(2),
        ))
        .map_err(err)?
        .label("zkagg (released models)")
        .legend(line_key(line.stroke_width(2)));
    chart
        .draw_series(s.points.iter().map(|&p| Circle::new(p, 3, line.filled())))
        .map_err(err)?;
    if let Some((label, v)) = &s.baseline {
        let base = PHASE_COLOURS[5];
        chart
            .draw_series(LineSeries::new(
                [(0, *v), (last + 1, *v)],
                base.stroke_width(1),
            ))
            .map_err(err)?
            .label(label.as_str())
            .legend(line_key(base.stroke_width(1)));
    }
    draw_legend(&mut chart, SeriesLabelPosition::LowerRight)?;
    root.present().map_err(err)
}

/// Draws the time per phase per round onto `root`, as stacked bars.
pub fn draw_phases<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    rounds: &[PhaseTimes],
) -> Result<(), PlotError> {
    register_font()?;
    root.fill(&WHITE).map_err(err)?;
    let mut names: Vec<&str> = Vec::new();
    for r in rounds {
        for (name, _) in &r.phases {
            if !names.contains(&name.as_str()) {
                names.push(name);
            }
        }
    }
    let top = rounds
        .iter()
        .map(|r| r.phases.iter().map(|p| p.1.max(0.0)).sum::<f64>())
        .fold(0.0f64, f64::max);
    // Headroom above the tallest bar for the legend (four rows in the
    // upper right), so that it never covers a bar.
    let top = if top > 0.0 { top * 1.4 } else { 1.0 };
    let last = rounds.iter().map(|r| r.round).max().unwrap_or(0);
    let mut chart = chart_on(root, "time per phase per round")
        .build_cartesian_2d((0u64..last).into_segmented(), 0.0..top)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_desc("round")
        .y_desc("seconds")
        .label_style((FAMILY, 14))
        .axis_desc_style((FAMILY, 16))
        .draw()
        .map_err(err)?;
    for (k, name) in names.iter().enumerate() {
        let colour = PHASE_COLOURS[k % PHASE_COLOURS.len()];
        let bars = rounds.iter().map(|r| {
            let below: f64 = r
                .phases
                .iter()
                .take_while(|p| p.0 != *name)
                .map(|p| p.1.max(0.0))
                .sum();
            let own = r
                .phases
                .iter()
                .find(|p| p.0 == *name)
                .map_or(0.0, |p| p.1.max(0.0));
            let mut bar = Rectangle::new(
                [
                    (SegmentValue::Exact(r.round), below),
                    (SegmentValue::Exact(r.round + 1), below + own),
                ],
                colour.filled(),
            );
            bar.set_margin(0, 0, 6, 6);
            bar
        });
        chart
            .draw_series(bars)
            .map_err(err)?
            .label(*name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled()));
    }
    draw_legend(&mut chart, SeriesLabelPosition::UpperRight)?;
    root.present().map_err(err)
}

/// Writes `metric.svg`, `metric.png`, `phases.svg` and `phases.png` into
/// `dir`; returns their paths.
pub fn write_plots(
    dir: &Path,
    metric: &MetricSeries,
    phases: &[PhaseTimes],
) -> Result<Vec<PathBuf>, PlotError> {
    let paths: Vec<PathBuf> = ["metric.svg", "metric.png", "phases.svg", "phases.png"]
        .iter()
        .map(|n| dir.join(n))
        .collect();
    draw_metric(
        &SVGBackend::new(&paths[0], SIZE).into_drawing_area(),
        metric,
    )?;
    draw_metric(
        &BitMapBackend::new(&paths[1], SIZE).into_drawing_area(),
        metric,
    )?;
    draw_phases(
        &SVGBackend::new(&paths[2], SIZE).into_drawing_area(),
        phases,
    )?;
    draw_phases(
        &BitMapBackend::new(&paths[3], SIZE).into_drawing_area(),
        phases,
    )?;
    Ok(paths)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metric() -> MetricSeries {
        MetricSeries {
            label: "test accuracy".into(),
            points: vec![(1, 0.62), (2, 0.91), (3, 0.965)],
            baseline: Some(("centralised float64".into(), 0.97)),
        }
    }

    fn phases() -> Vec<PhaseTimes> {
        (0..3)
            .map(|r| PhaseTimes {
                round: r,
                phases: vec![
                    ("collect".into(), 1.0 + r as f64),
                    ("verify".into(), 0.5),
                    ("decide".into(), 0.1),
                    ("close".into(), 0.05),
                ],
            })
            .collect()
    }

    #[test]
    fn svg_names_the_axes_and_the_series() {
        let mut svg = String::new();
        draw_metric(
            &SVGBackend::with_string(&mut svg, SIZE).into_drawing_area(),
            &metric(),
        )
        .unwrap();
        for needle in [
            "test accuracy per round",
            "round",
            "centralised float64",
            "<polyline",
        ] {
            assert!(svg.contains(needle), "missing {needle}");
        }
        let mut svg = String::new();
        draw_phases(
            &SVGBackend::with_string(&mut svg, SIZE).into_drawing_area(),
            &phases(),
        )
        .unwrap();
        for needle in [
            "time per phase per round",
            "collect",
            "verify",
            "decide",
            "close",
        ] {
            assert!(svg.contains(needle), "missing {needle}");
        }
        // Four phases times three rounds of bars, plus the legend boxes.
        assert!(svg.matches("<rect").count() >= 12);
    }

    #[test]
    fn png_text_is_rendered_with_the_shipped_font() {
        // A caption alone on a white picture: the glyphs must leave dark
        // pixels, which they do only if the font was found and parsed.
        let mut buf = vec![255u8; (SIZE.0 * SIZE.1 * 3) as usize];
        {
            let root = BitMapBackend::with_buffer(&mut buf, SIZE).into_drawing_area();
            root.fill(&WHITE).unwrap();
            register_font().unwrap();
            root.draw_text("zkagg", &(FAMILY, 40).into_text_style(&root), (10, 10))
                .unwrap();
            root.present().unwrap();
        }
        let dark = buf.chunks(3).filter(|p| p.iter().all(|&c| c < 128)).count();
        assert!(dark > 50, "{dark} dark pixels: the text was not drawn");
    }

    #[test]
    fn all_four_files_are_written_and_the_pngs_decode() {
        let dir = std::env::temp_dir().join(format!("zkagg-plot-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let paths = write_plots(&dir, &metric(), &phases()).unwrap();
        for p in &paths {
            let bytes = std::fs::read(p).unwrap();
            if p.extension().is_some_and(|e| e == "png") {
                assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "{}", p.display());
                // IHDR: width and height, big-endian, at bytes 16..24.
                assert_eq!(&bytes[16..20], &SIZE.0.to_be_bytes());
                assert_eq!(&bytes[20..24], &SIZE.1.to_be_bytes());
            } else {
                assert!(bytes.starts_with(b"<svg"), "{}", p.display());
            }
        }
        if std::env::var_os("ZKAGG_KEEP_PLOTS").is_none() {
            std::fs::remove_dir_all(&dir).unwrap();
        }
    }

    #[test]
    fn empty_and_degenerate_series_still_draw() {
        let mut svg = String::new();
        let empty = MetricSeries {
            label: "test R^2".into(),
            points: vec![],
            baseline: None,
        };
        draw_metric(
            &SVGBackend::with_string(&mut svg, SIZE).into_drawing_area(),
            &empty,
        )
        .unwrap();
        let mut svg = String::new();
        draw_phases(
            &SVGBackend::with_string(&mut svg, SIZE).into_drawing_area(),
            &[],
        )
        .unwrap();
    }
}
