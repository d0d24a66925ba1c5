//! Registry files written by hand for the registry tests: a full file and three diffs, and
//! the two editions they are written in.

use std::io::Write;
use std::path::PathBuf;

use crate::db_support::{TestDb, corporate_number};

pub fn n(base: u64) -> String {
    corporate_number(base)
}

/// One registry row: (column number, value) pairs over the fixed fields of a current record.
pub fn row(seq: u32, number: &str, process: &str, date: &str, fields: &[(usize, &str)]) -> String {
    let mut f = vec![String::new(); 30];
    f[0] = seq.to_string();
    f[1] = number.to_string();
    f[2] = process.to_string();
    f[3] = "0".into();
    f[4] = date.into();
    f[5] = date.into();
    f[8] = "301".into();
    f[23] = "1".into();
    f[29] = "0".into();
    for (col, v) in fields {
        f[col - 1] = (*v).to_string();
    }
    f.join(",")
}

pub fn place(name: &str, pref: &str, city: &str) -> Vec<(usize, &'static str)> {
    let leak = |s: &str| -> &'static str { Box::leak(s.to_string().into_boxed_str()) };
    vec![
        (7, leak(name)),
        (10, leak(pref)),
        (11, leak(city)),
        (12, "１丁目１－１"),
    ]
}

/// The files, in the order the registry publishes them (names carry the date).
pub fn files() -> Vec<(&'static str, String)> {
    let (a, b, c, d, e, f, g, h) = (
        n(101),
        n(102),
        n(103),
        n(104),
        n(105),
        n(106),
        n(107),
        n(108),
    );
    let d0 = "2026-11-02";
    let mut hidden = place("株式会社非表示", "東京都", "千代田区");
    hidden.push((30, "1"));
    let full = [
        row(
            1,
            &a,
            "01",
            d0,
            &place("株式会社旧名商事", "東京都", "千代田区"),
        ),
        row(
            2,
            &b,
            "01",
            d0,
            &[
                (7, "有限会社移転工業"),
                (9, "302"),
                (10, "大阪府"),
                (11, "大阪市北区"),
            ],
        ),
        row(
            3,
            &c,
            "01",
            d0,
            &[
                (7, "合同会社閉鎖企画"),
                (9, "305"),
                (10, "東京都"),
                (11, "港区"),
            ],
        ),
        row(
            4,
            &d,
            "01",
            d0,
            &place("株式会社吸収物産", "東京都", "新宿区"),
        ),
        row(
            5,
            &e,
            "01",
            d0,
            &place("株式会社存続ホールディングス", "東京都", "新宿区"),
        ),
        row(
            6,
            &f,
            "01",
            d0,
            &place("株式会社抹消建設", "福岡県", "福岡市中央区"),
        ),
        row(7, &g, "01", d0, &hidden),
    ];
    let d1 = "2026-11-03";
    let diff1 = [
        row(
            1,
            &a,
            "11",
            d1,
            &place("株式会社新名商事", "東京都", "千代田区"),
        ),
        row(
            2,
            &b,
            "12",
            d1,
            &[
                (7, "有限会社移転工業"),
                (9, "302"),
                (10, "大阪府"),
                (11, "堺市堺区"),
            ],
        ),
    ];
    let d2 = "2026-11-04";
    let mut closed = vec![
        (7, "合同会社閉鎖企画"),
        (9, "305"),
        (10, "東京都"),
        (11, "港区"),
    ];
    closed.extend([(19, d2), (20, "01")]);
    let mut merged = place("株式会社吸収物産", "東京都", "新宿区");
    let successor: &'static str = Box::leak(e.clone().into_boxed_str());
    merged.extend([(19, d2), (20, "11"), (21, successor)]);
    let diff2 = [row(1, &c, "21", d2, &closed), row(2, &d, "71", d2, &merged)];
    // The older 29-column layout (no hihyoji), with a name in full-width latin.
    let d3 = "2026-11-05";
    let old = |r: String| r.rsplit_once(',').unwrap().0.to_string();
    let diff3 = [
        old(format!("1,{f},99,0,{d3}{}", ",".repeat(25))),
        old(row(
            2,
            &h,
            "01",
            d3,
            &place("株式会社ＸＹＺテック", "東京都", "渋谷区"),
        )),
    ];
    let csv = |rows: &[String]| rows.iter().map(|r| format!("{r}\r\n")).collect::<String>();
    vec![
        ("diff_20261104", csv(&diff2)),
        ("00_zenkoku_all_20261102", csv(&full)),
        ("diff_20261105", csv(&diff3)),
        ("diff_20261103", csv(&diff1)),
    ]
}

#[derive(Clone, Copy)]
pub enum Edition {
    Utf8Csv,
    ShiftJisZip,
}

pub fn write_files(t: &TestDb, edition: Edition) -> Vec<PathBuf> {
    files()
        .into_iter()
        .map(|(stem, text)| match edition {
            Edition::Utf8Csv => {
                let path = t.dir.path().join(format!("{stem}.csv"));
                std::fs::write(&path, text).unwrap();
                path
            }
            Edition::ShiftJisZip => {
                let path = t.dir.path().join(format!("{stem}.zip"));
                let mut z = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
                z.start_file(
                    format!("{stem}.csv"),
                    zip::write::SimpleFileOptions::default(),
                )
                .unwrap();
                z.write_all(&encoding_rs::SHIFT_JIS.encode(&text).0)
                    .unwrap();
                z.finish().unwrap();
                path
            }
        })
        .collect()
}
