//! Engine benchmark and quality loop: reads a company master, postings and (optionally) a
//! truth file, builds the index, links every posting, and prints the timings, wall, peak
//! memory (VmHWM), postings/s and the evaluation figures. Targets at 5 M companies / 200 k
//! postings on 2 cores: wall < 60 s, peak < 3 GB.
//!
//! ```text
//! cargo bench -p matcher --bench link -- <companies.csv> <postings.csv> [truth.csv]
//! ```
//! or with `LINK_COMPANIES`, `LINK_POSTINGS`, `LINK_TRUTH` in the environment.
//! `LINK_MISSES=N` also prints up to N wrong or missed postings with the engine's decision.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use matcher::company::{CompanyCsvReader, read_companies_csv};
use matcher::engine::{Decision, INDEX_CHUNK, IndexBuilder, Thresholds, link_all};
use matcher::eval::{evaluate, predictions, read_postings, read_truth, singled_out};

fn main() -> Result<()> {
    // `cargo bench` passes "--bench"; only paths count.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let arg = |i: usize, env: &str| {
        args.get(i)
            .cloned()
            .or_else(|| std::env::var(env).ok())
            .map(PathBuf::from)
    };
    let (Some(companies_path), Some(postings_path)) =
        (arg(0, "LINK_COMPANIES"), arg(1, "LINK_POSTINGS"))
    else {
        bail!(
            "usage: link <companies.csv> <postings.csv> [truth.csv] (or LINK_COMPANIES, LINK_POSTINGS, LINK_TRUTH)"
        );
    };
    let truth_path = arg(2, "LINK_TRUTH");

    // The master streams into the index builder a chunk at a time, as the match stage reads it.
    let t0 = Instant::now();
    let file = std::fs::File::open(&companies_path)
        .with_context(|| format!("reading {}", companies_path.display()))?;
    let mut builder = IndexBuilder::default();
    let mut chunk = Vec::with_capacity(INDEX_CHUNK);
    let mut rejects = 0usize;
    for row in CompanyCsvReader::new(std::io::BufReader::with_capacity(1 << 20, file))? {
        match row? {
            Ok(company) => chunk.push(company),
            Err(_) => rejects += 1,
        }
        if chunk.len() == INDEX_CHUNK {
            builder.add(&chunk);
            chunk.clear();
        }
    }
    builder.add(&chunk);
    drop(chunk);
    let (postings, rejected_postings) = read_postings(&postings_path)?;
    let read = t0.elapsed();
    println!(
        "read         {:>8.3} s  ({} companies, {} rejected; {} postings, {} rejected)",
        read.as_secs_f64(),
        builder.len(),
        rejects,
        postings.len(),
        rejected_postings
    );

    let t1 = Instant::now();
    let index = builder.finish();
    let build = t1.elapsed();
    println!("index build  {:>8.3} s", build.as_secs_f64());

    let thresholds = Thresholds::default();
    let t2 = Instant::now();
    let decisions = link_all(&index, &postings, &thresholds);
    let matching = t2.elapsed();
    println!(
        "matching     {:>8.3} s  ({:.0} postings/s, {} threads)",
        matching.as_secs_f64(),
        postings.len() as f64 / matching.as_secs_f64(),
        rayon::current_num_threads()
    );
    println!(
        "wall         {:>8.3} s  (read, index and match)",
        t0.elapsed().as_secs_f64()
    );
    println!("peak RSS     {}", peak_rss());

    let mut methods = std::collections::BTreeMap::<String, usize>::new();
    for d in &decisions {
        let k = match d {
            Decision::Matched(l) => format!("matched:{}", l.method),
            Decision::Unmatched(m) => format!("unmatched:{}", m.reason.as_str()),
        };
        *methods.entry(k).or_default() += 1;
    }
    for (k, n) in &methods {
        println!("  {k:<34} {n}");
    }

    let Some(truth_path) = truth_path else {
        return Ok(());
    };
    let truth = read_truth(&truth_path)?;
    let predictions = predictions(&postings, &decisions);
    let mut report = evaluate(&predictions, &truth);
    drop(index);
    // Read again for the ceiling, after the figures above, so it does not count in them.
    let (companies, _) = read_companies_csv(&companies_path)?;
    report.singled_out = Some(singled_out(&companies, &postings, &truth));
    print!("{report}");

    let misses: usize = std::env::var("LINK_MISSES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    if misses > 0 {
        let by_id: std::collections::HashMap<&str, &matcher::eval::Truth> =
            truth.iter().map(|t| (t.posting_id.as_str(), t)).collect();
        let mut shown = 0;
        for (p, d) in postings.iter().zip(&decisions) {
            let Some(t) = by_id.get(p.posting_id.as_str()) else {
                continue;
            };
            let ok = match d {
                Decision::Matched(l) => t.corporate_number == Some(l.corporate_number),
                Decision::Unmatched(_) => t.corporate_number.is_none(),
            };
            if !ok && shown < misses {
                shown += 1;
                println!(
                    "MISS {} truth={:?} vars={} | {} | {} | {} | {} | {:?}",
                    p.posting_id,
                    t.corporate_number.map(|n| n.to_string()),
                    t.variations.join(";"),
                    p.company_name,
                    p.company_address,
                    p.company_phone,
                    p.company_url,
                    d
                );
            }
        }
    }
    Ok(())
}

/// Peak resident set size of this process (VmHWM), as the kernel reports it.
fn peak_rss() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .map(|l| l["VmHWM:".len()..].trim().to_string())
        })
        .unwrap_or_else(|| "unknown".to_string())
}
