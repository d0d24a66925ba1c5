//! An offline master straight from one registry file (`matcher match --companies FILE` with a
//! registry full file): the rows are applied in memory as an import would apply them to an
//! empty master, so the run sees the same targets and history. The file is held whole, so this
//! suits a prefecture's file or a test's; the national master goes through the database.

use std::ops::ControlFlow;
use std::path::Path;

use rustc_hash::FxHashMap;

use super::registry::Status;
use super::registry_file::{RegistryFileError, read_registry};
use super::{CompanyReject, Master};
use crate::db::registry_plan::plan;

/// Whether a companies file is in the registry's layout: a zip, or a CSV whose first field is
/// a sequence number (our companies CSV starts with its header row).
pub fn looks_like_registry(path: &Path) -> bool {
    let mut head = [0u8; 4];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .unwrap_or(0);
    n > 0 && (head == *b"PK\x03\x04" || head[0].is_ascii_digit())
}

pub fn read_registry_master(
    path: &Path,
) -> Result<(Master, Vec<CompanyReject>), RegistryFileError> {
    let mut rows = Vec::new();
    let mut rejects = Vec::new();
    read_registry(path, None, |r| {
        match r {
            Ok(row) => rows.push(row),
            Err(e) => rejects.push(e),
        }
        ControlFlow::Continue(())
    })?;
    let p = plan(rows, &FxHashMap::default());
    let mut master = Master::default();
    let mut ended = FxHashMap::default();
    for row in p.upserts {
        if row.search_excluded {
            continue;
        }
        match row.status() {
            Status::Active => master.companies.push(row.company()),
            Status::Closed | Status::Merged => {
                ended.insert(row.corporate_number, master.closed.len());
                master.closed.push((row.company(), row.successor));
            }
            Status::Deleted => {}
        }
    }
    master
        .companies
        .sort_unstable_by_key(|c| c.corporate_number);
    for (number, name, _) in p.former {
        let renamed = |c: &super::Company| super::Company {
            name: name.clone(),
            name_kana: String::new(),
            name_en: String::new(),
            ..c.clone()
        };
        if let Ok(i) = master
            .companies
            .binary_search_by_key(&number, |c| c.corporate_number)
        {
            master.former_names.push(renamed(&master.companies[i]));
        } else if let Some(&i) = ended.get(&number) {
            let (company, successor) = &master.closed[i];
            master.closed.push((renamed(company), *successor));
        }
    }
    Ok((master, rejects))
}
