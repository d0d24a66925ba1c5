//! The report's charts, as inline SVG written by hand: a few rectangles and labels need no
//! plotting library, and the page stays readable with scripts off.

use std::fmt::Write;

use crate::html::esc;

/// One coloured part of a bar.
pub struct Segment<'a> {
    pub name: &'a str,
    pub value: u64,
    pub color: &'a str,
}

/// One bar per row, its segments side by side, all bars on one scale (the longest row fills
/// the width); the row's total is written after it.
pub fn bar_rows(title: &str, rows: &[(String, Vec<Segment<'_>>)]) -> String {
    const WIDTH: f64 = 720.0;
    const LABEL: f64 = 170.0;
    const BAR: f64 = 22.0;
    const GAP: f64 = 10.0;
    let scale_to = rows
        .iter()
        .map(|(_, segs)| segs.iter().map(|s| s.value).sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let plot = WIDTH - LABEL - 70.0;
    let height = rows.len() as f64 * (BAR + GAP) + GAP;
    let mut out = open(title, WIDTH, height);
    for (i, (label, segments)) in rows.iter().enumerate() {
        let y = GAP + i as f64 * (BAR + GAP);
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" class="label">{}</text>"#,
            LABEL - 8.0,
            y + BAR * 0.7,
            esc(label)
        );
        let mut x = LABEL;
        let mut total = 0;
        for s in segments {
            let w = s.value as f64 / scale_to * plot;
            total += s.value;
            if s.value > 0 {
                let _ = write!(
                    out,
                    r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{BAR}" fill="{}"><title>{}: {}</title></rect>"#,
                    s.color,
                    esc(s.name),
                    s.value
                );
            }
            x += w;
        }
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" class="value">{total}</text>"#,
            x + 6.0,
            y + BAR * 0.7
        );
    }
    out.push_str("</svg>");
    out
}

/// Columns over `labels`: with `stacked`, each column holds its series on top of each other
/// scaled to 100 % (shares); otherwise the series stand side by side on one count scale.
pub fn columns(
    title: &str,
    labels: &[String],
    series: &[Segment<'_>],
    values: &[Vec<u64>],
    stacked: bool,
) -> String {
    const WIDTH: f64 = 720.0;
    const HEIGHT: f64 = 240.0;
    const LEFT: f64 = 50.0;
    const BOTTOM: f64 = 44.0;
    const TOP: f64 = 12.0;
    let plot_h = HEIGHT - BOTTOM - TOP;
    let slot = (WIDTH - LEFT - 10.0) / labels.len().max(1) as f64;
    let max = values
        .iter()
        .flat_map(|v| v.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let mut out = open(title, WIDTH, HEIGHT);
    let base = TOP + plot_h;
    let _ = write!(
        out,
        r##"<line x1="{LEFT}" y1="{base}" x2="{WIDTH}" y2="{base}" stroke="#888"/><text x="{:.1}" y="{:.1}" text-anchor="end" class="axis">{}</text><text x="{:.1}" y="{base:.1}" text-anchor="end" class="axis">0</text>"##,
        LEFT - 6.0,
        TOP + 10.0,
        if stacked {
            "100%".to_owned()
        } else {
            format!("{}", max as u64)
        },
        LEFT - 6.0,
    );
    for (i, label) in labels.iter().enumerate() {
        let x0 = LEFT + i as f64 * slot;
        let column: Vec<u64> = values
            .iter()
            .map(|v| v.get(i).copied().unwrap_or(0))
            .collect();
        let total = column.iter().sum::<u64>().max(1) as f64;
        let inner = slot * 0.8;
        let mut y = base;
        for (s, (&value, segment)) in column.iter().zip(series).enumerate() {
            let (x, w, h) = if stacked {
                (x0 + slot * 0.1, inner, value as f64 / total * plot_h)
            } else {
                let w = inner / series.len() as f64;
                (
                    x0 + slot * 0.1 + s as f64 * w,
                    w,
                    value as f64 / max * plot_h,
                )
            };
            let top = if stacked { y - h } else { base - h };
            if value > 0 {
                let _ = write!(
                    out,
                    r#"<rect x="{x:.1}" y="{top:.1}" width="{w:.1}" height="{h:.1}" fill="{}"><title>{} {}: {}</title></rect>"#,
                    segment.color,
                    esc(label),
                    esc(segment.name),
                    value
                );
            }
            y = top;
        }
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" class="axis">{}</text>"#,
            x0 + slot / 2.0,
            base + 16.0,
            esc(label)
        );
    }
    // The legend, under the axis labels.
    let mut x = LEFT;
    for s in series {
        let _ = write!(
            out,
            r#"<rect x="{x:.1}" y="{:.1}" width="10" height="10" fill="{}"/><text x="{:.1}" y="{:.1}" class="axis">{}</text>"#,
            HEIGHT - 14.0,
            s.color,
            x + 14.0,
            HEIGHT - 5.0,
            esc(s.name)
        );
        x += 24.0 + 7.0 * s.name.chars().count() as f64;
    }
    out.push_str("</svg>");
    out
}

fn open(title: &str, width: f64, height: f64) -> String {
    format!(
        r#"<svg width="{width}" height="{height:.0}" viewBox="0 0 {width} {height:.0}" role="img" aria-label="{0}"><title>{0}</title>"#,
        esc(title)
    )
}
