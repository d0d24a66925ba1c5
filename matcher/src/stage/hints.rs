//! What a partner can do about a row that was not linked or not accepted: one actionable
//! sentence per row of its results file, built from the reason and from what the row itself
//! left blank.

use postings::Posting;

use crate::engine::UnmatchedReason;

/// The evidence columns a partner can add, and what each helps with.
type Field = fn(&Posting) -> &str;

const EVIDENCE: [(&str, Field); 3] = [
    ("company_address", |p| &p.company_address),
    ("company_phone", |p| &p.company_phone),
    ("company_url", |p| &p.company_url),
];

/// A hint for a posting the matcher could not link.
pub fn unmatched(reason: UnmatchedReason, posting: &Posting) -> String {
    let blank: Vec<&str> = EVIDENCE
        .iter()
        .filter(|(_, field)| field(posting).trim().is_empty())
        .map(|(name, _)| *name)
        .collect();
    let add = match blank.as_slice() {
        [] => None,
        [one] => Some(format!("add {one}")),
        [init @ .., last] => Some(format!("add {} or {last}", init.join(", "))),
    };
    match (reason, add) {
        (UnmatchedReason::NoCandidate, Some(add)) => format!("company not found: {add}"),
        (UnmatchedReason::NoCandidate, None) => {
            "company not found: check that company_name is the registered name (e.g. 株式会社○○) and company_address its registered address".into()
        }
        (UnmatchedReason::BelowThreshold, Some(add)) => {
            format!("not enough evidence to be sure of the company: {add}")
        }
        (UnmatchedReason::BelowThreshold, None) => {
            "not enough evidence to be sure of the company: check company_name, and give the head office address with its street".into()
        }
        (UnmatchedReason::Ambiguous, Some(add)) => {
            format!("several companies fit company_name: {add} to tell them apart")
        }
        (UnmatchedReason::Ambiguous, None) => {
            "several companies fit company_name: give the full registered name and the address with its street".into()
        }
        (UnmatchedReason::ClosedCompany, _) => {
            "the company named has closed or merged (corporate-number registry): name the company that employs now, its successor if merged".into()
        }
        (UnmatchedReason::ReviewedNotInMaster, _) => {
            "reviewed: no registered company has this name and place; check company_name and company_address against the company's registration".into()
        }
    }
}

/// A hint for a row the posting contract refused, from the reason the reader gave.
pub fn rejected(reason: &str) -> String {
    if let Some(fields) = reason
        .strip_prefix("missing required fields ")
        .or_else(|| reason.strip_prefix("missing required field "))
    {
        return format!("fill in {fields}");
    }
    if let Some((column, value)) = reason.split_once(" is not a whole number: ") {
        let value = value.trim_matches('"');
        return format!(
            "{column} is not a number: {value}; write whole yen, e.g. 300000 (not 30万円 or ranges)"
        );
    }
    if reason.contains("is greater than salary_max") {
        return "salary_min is greater than salary_max: swap or correct them".into();
    }
    if reason.starts_with("wrong number of fields") {
        return format!(
            "{reason}: quote values that contain commas, and keep one value per header column"
        );
    }
    if reason.contains("bytes that are not valid") {
        return format!(
            "{reason}: save the file as UTF-8, or declare its charset (text/csv; charset=shift_jis)"
        );
    }
    if reason.contains("NUL character") {
        return format!("{reason}: remove it");
    }
    if reason.contains("quote opened on line") {
        return format!(
            "{reason}: close the quote, and write a quote inside a value as two (\"\")"
        );
    }
    format!("{reason}: correct the row and upload the file again")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unmatched_hint_names_the_evidence_the_row_left_blank() {
        let bare = Posting {
            company_phone: "03-1234-5678".into(),
            ..Posting::default()
        };
        assert_eq!(
            unmatched(UnmatchedReason::NoCandidate, &bare),
            "company not found: add company_address or company_url"
        );
        let full = Posting {
            company_address: "東京都千代田区".into(),
            company_url: "https://example.jp".into(),
            ..bare
        };
        assert!(!unmatched(UnmatchedReason::Ambiguous, &full).contains("add "));
        assert!(
            unmatched(UnmatchedReason::BelowThreshold, &Posting::default())
                .ends_with("add company_address, company_phone or company_url")
        );
    }

    #[test]
    fn a_rejection_hint_says_what_to_change() {
        assert_eq!(
            rejected("missing required fields company_name, job_title"),
            "fill in company_name, job_title"
        );
        assert!(
            rejected("salary_min is not a whole number: \"30万円\"")
                .starts_with("salary_min is not a number: 30万円; ")
        );
        assert!(rejected("something new").ends_with("upload the file again"));
    }
}
