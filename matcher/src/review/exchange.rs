//! `matcher review export` / `import`: the queue as a CSV for teams that review in a
//! spreadsheet, and their decisions back. One line per group; the `decision` column takes a
//! corporate number, `none` (not in the master), or stays blank (not decided).

use std::path::Path;

use anyhow::{Context, bail};

use super::desk::Desk;
use super::{GroupKey, Verdict, overrides};
use crate::company::CorporateNumber;
use crate::db::Db;
use crate::engine::Agreement;

/// Candidates written per group.
const EXPORTED_CANDIDATES: usize = 3;

/// Writes the queue to `out`; returns the number of groups written.
pub async fn export(desk: &Desk, out: &Path) -> anyhow::Result<usize> {
    let mut header: Vec<String> = [
        "name",
        "place",
        "postings",
        "rows",
        "partners",
        "runs",
        "reasons",
        "written_as",
        "company_address",
        "company_phone",
        "company_url",
    ]
    .map(String::from)
    .to_vec();
    for i in 1..=EXPORTED_CANDIDATES {
        for col in ["corporate_number", "name", "address", "evidence"] {
            header.push(format!("candidate_{i}_{col}"));
        }
    }
    header.push("decision".into());
    let mut w =
        csv::Writer::from_path(out).with_context(|| format!("creating {}", out.display()))?;
    w.write_record(&header)?;
    for g in &desk.queue {
        let join = |it: &mut dyn Iterator<Item = String>| it.collect::<Vec<_>>().join(" / ");
        let mut row = vec![
            g.key.name.clone(),
            g.key.place.clone(),
            g.postings.to_string(),
            g.rows.to_string(),
            join(&mut g.partners.iter().cloned()),
            g.runs.len().to_string(),
            join(&mut g.reasons.iter().map(|(r, n)| format!("{r}:{n}"))),
            join(&mut g.spellings.iter().cloned()),
            g.example.company_address.clone(),
            g.example.company_phone.clone(),
            g.example.company_url.clone(),
        ];
        let shown = desk.candidates(g).await?;
        for i in 0..EXPORTED_CANDIDATES {
            match shown.get(i) {
                Some(s) => {
                    let c = &s.candidate;
                    let (name, address) = s.company.as_ref().map_or_else(Default::default, |co| {
                        (
                            co.name.clone(),
                            format!("{}{}{}", co.prefecture, co.city, co.street),
                        )
                    });
                    row.extend([
                        c.corporate_number.to_string(),
                        name,
                        address,
                        format!(
                            "name {} {:.2}; place {}; street {}; phone {}; domain {}; \
                             legal form {}; p={:.3}",
                            c.name_hit,
                            c.name_similarity,
                            word(c.place),
                            word(c.street),
                            word(c.phone),
                            word(c.domain),
                            word(c.legal_form),
                            c.probability
                        ),
                    ]);
                }
                None => row.extend(std::iter::repeat_n(String::new(), 4)),
            }
        }
        row.push(String::new());
        w.write_record(&row)?;
    }
    w.flush()?;
    Ok(desk.queue.len())
}

fn word(a: Agreement) -> &'static str {
    match a {
        Agreement::Agrees => "agrees",
        Agreement::Differs => "differs",
        Agreement::Unknown => "not stated",
    }
}

/// What an import did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Imported {
    pub decided: usize,
    /// Lines left blank (not decided).
    pub blank: usize,
}

/// Reads decisions from a CSV with at least the columns `name`, `place` and `decision`, checks
/// every line first, and records them only if all are valid: a half-applied spreadsheet is
/// harder to put right than a refused one.
pub async fn import(db: &Db, path: &Path, by: &str) -> anyhow::Result<Imported> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("opening {}", path.display()))?;
    let header = reader.headers()?.clone();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| h.trim_start_matches('\u{feff}') == name)
            .with_context(|| format!("{}: no column `{name}` in the header", path.display()))
    };
    let (name, place, decision) = (col("name")?, col("place")?, col("decision")?);
    let mut decided = Vec::new();
    let mut errors = Vec::new();
    let mut blank = 0;
    for (i, record) in reader.records().enumerate() {
        // Line 1 is the header.
        let line = record
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(i as u64 + 2, |p| p.line());
        let r = match record {
            Ok(r) => r,
            Err(e) => {
                errors.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let field = |i: usize| r.get(i).unwrap_or_default().trim();
        let key = GroupKey {
            name: field(name).to_owned(),
            place: field(place).to_owned(),
        };
        let verdict = match field(decision) {
            "" => {
                blank += 1;
                continue;
            }
            d if d.eq_ignore_ascii_case("none") => Verdict::NotInMaster,
            d => match CorporateNumber::parse(d) {
                Ok(n) => match overrides::company(db, n).await? {
                    Some(_) => Verdict::Company(n),
                    None => {
                        errors.push(format!(
                            "line {line}: company {n} is not in the master (import the company \
                             master first, or write `none`)"
                        ));
                        continue;
                    }
                },
                Err(e) => {
                    errors.push(format!(
                        "line {line}: decision {d:?}: {e} (or write `none`)"
                    ));
                    continue;
                }
            },
        };
        if key.name.is_empty() {
            errors.push(format!("line {line}: `name` is empty"));
            continue;
        }
        decided.push((key, verdict));
    }
    if !errors.is_empty() {
        let more = errors.len().saturating_sub(20);
        errors.truncate(20);
        let tail = if more > 0 {
            format!("\n… and {more} more")
        } else {
            String::new()
        };
        bail!(
            "{}: nothing imported, {} line(s) are invalid:\n{}{tail}",
            path.display(),
            errors.len() + more,
            errors.join("\n")
        );
    }
    for (key, verdict) in &decided {
        overrides::record(db, key, *verdict, by)
            .await
            .context("recording a decision")?;
    }
    Ok(Imported {
        decided: decided.len(),
        blank,
    })
}
