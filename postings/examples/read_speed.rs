//! Prints how fast the contract reader gets through a generated file of Japanese postings.
//! Run: cargo run -p postings --release --example read_speed [rows]

use std::time::Instant;

use postings::{PostingReader, RowOutcome};

fn main() {
    let rows: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(50_000);
    let mut csv = String::from(
        "posting_id,company_name,company_address,company_phone,company_url,job_title,\
         employment_type,salary_min,salary_max,work_location,description,posted_at\n",
    );
    for i in 0..rows {
        csv.push_str(&format!(
            "J{i},株式会社サンプル{i},東京都千代田区丸の内{i}-1-1,03-1234-{:04},https://s{i}.example.jp,\
             営業職,正社員,\"250,000\",400000,東京都千代田区,\"法人営業、既存顧客のフォロー\n夜勤なし\",2026-01-05\n",
            i % 10_000
        ));
    }
    for (label, bytes) in [
        ("utf-8", csv.as_bytes().to_vec()),
        (
            "shift_jis",
            encoding_rs::SHIFT_JIS.encode(&csv).0.into_owned(),
        ),
    ] {
        let start = Instant::now();
        let reader = PostingReader::new(&bytes[..], None).expect("header");
        let (mut valid, mut rejected) = (0u64, 0u64);
        for outcome in reader {
            match outcome {
                RowOutcome::Valid { .. } => valid += 1,
                RowOutcome::Rejected(_) => rejected += 1,
            }
        }
        let secs = start.elapsed().as_secs_f64();
        println!(
            "{label}: {} bytes, {valid} valid, {rejected} rejected in {:.3} s = {:.0} rows/s, {:.1} MB/s",
            bytes.len(),
            secs,
            (valid + rejected) as f64 / secs,
            bytes.len() as f64 / secs / 1e6
        );
    }
}
