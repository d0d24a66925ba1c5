//! Reading a registry file as published: a zip holding the CSV, or the CSV itself, in the
//! Shift_JIS or the Unicode (UTF-8) edition, detected from the bytes unless declared. Rows are
//! handed over one at a time, so a 5 M-row national file is never held in memory.

use std::io::{BufRead, BufReader, Read};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use encoding_rs_io::DecodeReaderBytesBuilder;
use postings::Charset;
use postings::csv::charset::{SNIFF_LEN, detect};

use super::CompanyReject;
use super::registry::{REGISTRY_COLUMNS, REGISTRY_COLUMNS_OLD, RegistryRow};

#[derive(Debug, thiserror::Error)]
pub enum RegistryFileError {
    #[error("cannot read {path}: {source}")]
    Open {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a readable zip archive: {source}")]
    Zip {
        path: PathBuf,
        source: zip::result::ZipError,
    },
    #[error("{path}: the zip archive holds no .csv file")]
    NoCsv { path: PathBuf },
    #[error(
        "{file} line {line}: {got} columns; the registry layout has {REGISTRY_COLUMNS} \
         (or {REGISTRY_COLUMNS_OLD} in older files). Is this a registry (--format nta) file?"
    )]
    Columns { file: String, line: u64, got: usize },
    #[error("{file} unreadable at line {line}: {source}")]
    Read {
        file: String,
        line: u64,
        source: csv::Error,
    },
}

/// One record of a registry file: a row, or a row refused with its line and reason.
pub type RegistryRecord = Result<RegistryRow, CompanyReject>;

/// Calls `each` for every record of the file (every CSV inside a zip, in archive order),
/// until it breaks. Returns the charset the file was read in.
pub fn read_registry(
    path: &Path,
    declared: Option<Charset>,
    mut each: impl FnMut(RegistryRecord) -> ControlFlow<()>,
) -> Result<Charset, RegistryFileError> {
    let open_err = |source| RegistryFileError::Open {
        path: path.into(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(open_err)?;
    let mut magic = [0u8; 4];
    let n = file.read(&mut magic).map_err(open_err)?;
    drop(file);
    let file = std::fs::File::open(path).map_err(open_err)?;
    if n == 4 && magic == *b"PK\x03\x04" {
        let zip_err = |source| RegistryFileError::Zip {
            path: path.into(),
            source,
        };
        let mut archive = zip::ZipArchive::new(BufReader::new(file)).map_err(zip_err)?;
        let mut charset = None;
        for i in 0..archive.len() {
            let entry = archive.by_index(i).map_err(zip_err)?;
            if !entry.name().to_ascii_lowercase().ends_with(".csv") {
                continue;
            }
            let label = format!("{} ({})", path.display(), entry.name());
            let (cs, flow) = read_csv(&label, entry, declared, &mut each)?;
            charset = Some(cs);
            if flow.is_break() {
                break;
            }
        }
        charset.ok_or_else(|| RegistryFileError::NoCsv { path: path.into() })
    } else {
        let label = path.display().to_string();
        Ok(read_csv(&label, file, declared, &mut each)?.0)
    }
}

fn read_csv<R: Read>(
    label: &str,
    input: R,
    declared: Option<Charset>,
    each: &mut impl FnMut(RegistryRecord) -> ControlFlow<()>,
) -> Result<(Charset, ControlFlow<()>), RegistryFileError> {
    let read_err = |line, source| RegistryFileError::Read {
        file: label.to_string(),
        line,
        source,
    };
    let mut input = BufReader::with_capacity(1 << 20, input);
    let head = input
        .fill_buf()
        .map_err(|e| read_err(1, csv::Error::from(e)))?;
    let head = &head[..head.len().min(SNIFF_LEN)];
    let (charset, bom) = detect(head, declared.map(Charset::label))
        .expect("a declared charset is already one we accept");
    if bom {
        input.consume(3);
    }
    let decoded: Box<dyn Read + '_> = match charset {
        Charset::Utf8 => Box::new(input),
        Charset::ShiftJis => Box::new(
            DecodeReaderBytesBuilder::new()
                .encoding(Some(encoding_rs::SHIFT_JIS))
                .bom_override(false)
                .build(input),
        ),
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(decoded);
    let mut record = csv::StringRecord::new();
    loop {
        let line = rdr.position().line();
        let item = match rdr.read_record(&mut record) {
            Ok(false) => return Ok((charset, ControlFlow::Continue(()))),
            Ok(true) => {
                let line = record.position().map_or(line, |p| p.line());
                let got = record.len();
                if got != REGISTRY_COLUMNS && got != REGISTRY_COLUMNS_OLD {
                    return Err(RegistryFileError::Columns {
                        file: label.to_string(),
                        line,
                        got,
                    });
                }
                RegistryRow::parse(&record).map_err(|reason| CompanyReject { line, reason })
            }
            Err(e) if e.is_io_error() => return Err(read_err(line, e)),
            Err(e) => Err(CompanyReject {
                line,
                reason: format!("unreadable row: {e}"),
            }),
        };
        if each(item).is_break() {
            return Ok((charset, ControlFlow::Break(())));
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    const ROW: &str = "1,7000012050002,01,0,2026-11-30,2026-11-01,株式会社ＡＢＣ,,301,東京都,\
                       千代田区,霞が関３丁目１－１,,13,101,1000013,,,,,,,2015-10-05,1,,,,,\
                       エービーシー,0\n";

    fn names(path: &Path, declared: Option<Charset>) -> (Charset, Vec<String>) {
        let mut names = Vec::new();
        let cs = read_registry(path, declared, |r| {
            names.push(r.map_or_else(|e| e.reason, |r| r.name));
            ControlFlow::Continue(())
        })
        .unwrap();
        (cs, names)
    }

    #[test]
    fn both_editions_read_alike_plain_or_zipped() {
        let dir = tempfile::tempdir().unwrap();
        let utf8 = dir.path().join("u.csv");
        std::fs::write(&utf8, ROW).unwrap();
        let sjis = dir.path().join("s.csv");
        std::fs::write(&sjis, encoding_rs::SHIFT_JIS.encode(ROW).0).unwrap();
        let zipped = dir.path().join("s.zip");
        let mut z = zip::ZipWriter::new(std::fs::File::create(&zipped).unwrap());
        z.start_file(
            "13_tokyo_all_20261130.csv",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        z.write_all(&std::fs::read(&sjis).unwrap()).unwrap();
        z.finish().unwrap();
        let want = vec!["株式会社ＡＢＣ".to_string()];
        assert_eq!(names(&utf8, None), (Charset::Utf8, want.clone()));
        assert_eq!(names(&sjis, None), (Charset::ShiftJis, want.clone()));
        assert_eq!(names(&zipped, None), (Charset::ShiftJis, want.clone()));
        assert_eq!(
            names(&sjis, Some(Charset::ShiftJis)),
            (Charset::ShiftJis, want)
        );
    }

    #[test]
    fn a_file_of_another_layout_is_refused_naming_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("companies.csv");
        std::fs::write(&path, format!("{ROW}corporate_number,name\n")).unwrap();
        let err = read_registry(&path, None, |_| ControlFlow::Continue(()))
            .unwrap_err()
            .to_string();
        assert!(err.contains("companies.csv line 2: 2 columns"), "{err}");
    }
}
