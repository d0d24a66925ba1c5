//! The report page: tables carry the numbers (each cell marked with what it counts, so that
//! a test can read them back), charts beside them show the same numbers at a glance.

use std::fmt::Write;

use super::svg::{self, Segment};
use super::{Report, SCORE_BINS};
use crate::html::esc;
use crate::stage::manifest::Counts;

const MATCHED: &str = "#2e7d32";
const UNMATCHED: &str = "#f9a825";
const REJECTED: &str = "#c62828";
const REASONS: [(&str, &str); 3] = [
    ("no_candidate", "#8d6e63"),
    ("below_threshold", "#fb8c00"),
    ("ambiguous", "#6a1b9a"),
];

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#222}\
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}\
.meta{color:#555}table{border-collapse:collapse;margin:8px 0}th,td{padding:3px 10px;border-bottom:1px solid #eee;text-align:right}\
th:first-child{text-align:left}thead th{background:#f5f5f5}.label{font-size:12px}.value,.axis{font-size:11px;fill:#444}\
.row{display:flex;gap:24px;flex-wrap:wrap;align-items:flex-start}.bad{color:#c62828}";

pub fn page(r: &Report<'_>) -> String {
    let m = r.manifest;
    let mut out = String::with_capacity(32 * 1024);
    let _ = write!(
        out,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Run {id}</title><style>{STYLE}</style></head><body>\
<h1>Run <span id=\"run-id\">{id}</span></h1><p class=\"meta\">{started} → {finished} · matcher {version} · {companies} companies · {inputs} uploads{quarantined}</p>",
        id = esc(&m.run_id),
        started = esc(&m.started_at),
        finished = esc(&m.finished_at),
        version = esc(&m.version),
        companies = num(m.companies.count),
        inputs = m.inputs.len(),
        quarantined = if m.quarantined.is_empty() {
            String::new()
        } else {
            format!(
                " · <span class=\"bad\">{} quarantined</span>",
                m.quarantined.len()
            )
        },
    );
    totals(&mut out, &m.counts);
    partners(&mut out, r);
    reasons(&mut out, &m.counts);
    scores(&mut out, r);
    trend(&mut out, r);
    inputs(&mut out, r);
    out.push_str("</body></html>\n");
    out
}

fn totals(out: &mut String, c: &Counts) {
    out.push_str("<h2>Rows</h2><table id=\"totals\"><tbody>");
    for (name, value) in [
        ("input_rows", c.input_rows),
        ("matched", c.matched),
        ("unmatched", c.unmatched),
        ("rejected", c.rejected),
    ] {
        let _ = write!(
            out,
            "<tr><th>{}</th><td data-count=\"{name}\">{}</td><td>{}</td></tr>",
            name.replace('_', " "),
            num(value),
            share(value, c.input_rows)
        );
    }
    out.push_str("</tbody></table>");
}

fn partners(out: &mut String, r: &Report<'_>) {
    out.push_str("<h2>Per partner</h2><div class=\"row\"><table id=\"partners\"><thead><tr><th>partner</th><th>rows</th><th>matched</th><th>unmatched</th><th>rejected</th></tr></thead><tbody>");
    let mut rows = Vec::new();
    for (partner, c) in r.partners {
        let _ = write!(
            out,
            "<tr data-partner=\"{p}\"><th>{p}</th><td data-count=\"input_rows\">{}</td><td data-count=\"matched\">{}</td><td data-count=\"unmatched\">{}</td><td data-count=\"rejected\">{}</td></tr>",
            num(c.input_rows),
            num(c.matched),
            num(c.unmatched),
            num(c.rejected),
            p = esc(partner),
        );
        rows.push((partner.clone(), outcome_segments(c)));
    }
    out.push_str("</tbody></table>");
    out.push_str(&svg::bar_rows("Rows per partner by outcome", &rows));
    out.push_str("</div>");
}

fn outcome_segments(c: &Counts) -> Vec<Segment<'static>> {
    vec![
        Segment {
            name: "matched",
            value: c.matched,
            color: MATCHED,
        },
        Segment {
            name: "unmatched",
            value: c.unmatched,
            color: UNMATCHED,
        },
        Segment {
            name: "rejected",
            value: c.rejected,
            color: REJECTED,
        },
    ]
}

fn reasons(out: &mut String, c: &Counts) {
    out.push_str(
        "<h2>Why postings stayed unmatched</h2><div class=\"row\"><table id=\"reasons\"><tbody>",
    );
    let mut rows = Vec::new();
    for (reason, n) in &c.unmatched_by_reason {
        let color = REASONS
            .iter()
            .find(|(r, _)| r == reason)
            .map_or("#9e9e9e", |(_, c)| c);
        let _ = write!(
            out,
            "<tr><th>{r}</th><td data-reason=\"{r}\">{}</td><td>{}</td></tr>",
            num(*n),
            share(*n, c.unmatched),
            r = esc(reason)
        );
        rows.push((
            reason.clone(),
            vec![Segment {
                name: reason,
                value: *n,
                color,
            }],
        ));
    }
    out.push_str("</tbody></table>");
    out.push_str(&svg::bar_rows("Unmatched postings by reason", &rows));
    out.push_str("</div>");
}

fn scores(out: &mut String, r: &Report<'_>) {
    let labels: Vec<String> = SCORE_BINS
        .iter()
        .enumerate()
        .map(|(i, hi)| {
            let lo = if i == 0 { 0.0 } else { SCORE_BINS[i - 1] };
            format!("{lo}–{hi}")
        })
        .collect();
    let s = r.scores;
    out.push_str("<h2>Scores</h2><p class=\"meta\">Links by their probability; unmatched postings by their best candidate's score");
    let _ = write!(
        out,
        " ({} had no candidate at all).</p>",
        num(s.unmatched_without_candidate)
    );
    out.push_str("<div class=\"row\">");
    out.push_str(&svg::columns(
        "Score distribution",
        &labels,
        &[
            Segment {
                name: "matched",
                value: 0,
                color: MATCHED,
            },
            Segment {
                name: "unmatched (best candidate)",
                value: 0,
                color: UNMATCHED,
            },
        ],
        &[s.matched.to_vec(), s.unmatched_best.to_vec()],
        false,
    ));
    out.push_str("<table id=\"scores\"><thead><tr><th>score</th><th>matched</th><th>unmatched (best)</th></tr></thead><tbody>");
    for (i, label) in labels.iter().enumerate() {
        let _ = write!(
            out,
            "<tr><th>{label}</th><td>{}</td><td>{}</td></tr>",
            num(s.matched[i]),
            num(s.unmatched_best[i])
        );
    }
    out.push_str("</tbody></table></div>");
}

fn trend(out: &mut String, r: &Report<'_>) {
    let labels: Vec<String> = r
        .trend
        .iter()
        .map(|p| p.run_id.get(4..15).unwrap_or(&p.run_id).to_owned())
        .collect();
    let field = |f: fn(&Counts) -> u64| r.trend.iter().map(|p| f(&p.counts)).collect::<Vec<_>>();
    let _ = write!(
        out,
        "<h2>The last {} runs</h2><p class=\"meta\">Share of each run's rows by outcome, oldest first.</p>",
        r.trend.len()
    );
    out.push_str(&svg::columns(
        "Outcome shares over the last runs",
        &labels,
        &outcome_segments(&Counts::new()),
        &[
            field(|c| c.matched),
            field(|c| c.unmatched),
            field(|c| c.rejected),
        ],
        true,
    ));
    out.push_str("<table id=\"trend\"><thead><tr><th>run</th><th>rows</th><th>matched</th><th>unmatched</th><th>rejected</th></tr></thead><tbody>");
    for p in &r.trend {
        let c = &p.counts;
        let _ = write!(
            out,
            "<tr><th>{}</th><td>{}</td><td>{} ({})</td><td>{}</td><td>{}</td></tr>",
            esc(&p.run_id),
            num(c.input_rows),
            num(c.matched),
            share(c.matched, c.input_rows),
            num(c.unmatched),
            num(c.rejected)
        );
    }
    out.push_str("</tbody></table>");
}

fn inputs(out: &mut String, r: &Report<'_>) {
    let m = r.manifest;
    out.push_str("<h2>Uploads</h2><table id=\"inputs\"><thead><tr><th>upload</th><th>partner</th><th>rows</th><th>valid</th><th>rejected</th><th>encoding</th></tr></thead><tbody>");
    for i in &m.inputs {
        let _ = write!(
            out,
            "<tr><th>{}</th><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&i.upload_id),
            esc(&i.partner),
            num(i.rows),
            num(i.valid),
            num(i.rejected),
            esc(&i.encoding)
        );
    }
    for q in &m.quarantined {
        let _ = write!(
            out,
            "<tr class=\"bad\"><th>{}</th><td>{}</td><td colspan=\"4\">quarantined: {}</td></tr>",
            esc(&q.upload_id),
            esc(&q.partner),
            esc(&q.reason)
        );
    }
    out.push_str("</tbody></table>");
}

/// `12,345`.
fn num(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

fn share(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "–".into();
    }
    format!("{:.1}%", part as f64 * 100.0 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_by_thousands_and_text_is_escaped() {
        assert_eq!(num(0), "0");
        assert_eq!(num(999), "999");
        assert_eq!(num(1000), "1,000");
        assert_eq!(num(1234567), "1,234,567");
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }
}
