//! Salary cells. Partners write yen amounts as `350000`, `350,000` or in full-width digits
//! (`３５０，０００`), which Japanese spreadsheets produce; all three mean the same whole number.
//! Anything else (`35万`, `350000.5`, `-1`, `応相談`) is not a number we can compare, so the row
//! is rejected rather than guessed at. A blank cell means "not given".

/// `Ok(None)` for a blank cell, `Ok(Some(n))` for a whole number of yen, `Err(())` otherwise.
pub fn parse_salary(cell: &str) -> Result<Option<i64>, ()> {
    let cell = cell.trim();
    if cell.is_empty() {
        return Ok(None);
    }
    let mut digits = String::with_capacity(cell.len());
    let mut prev_was_digit = false;
    let mut saw_separator = false;
    for c in cell.chars() {
        match c {
            '0'..='9' => {
                digits.push(c);
                prev_was_digit = true;
            }
            '０'..='９' => {
                let d = (c as u32 - '０' as u32) as u8;
                digits.push(char::from(b'0' + d));
                prev_was_digit = true;
            }
            // A thousands separator must sit between digits.
            ',' | '，' if prev_was_digit => {
                prev_was_digit = false;
                saw_separator = true;
            }
            _ => return Err(()),
        }
    }
    if !prev_was_digit || (saw_separator && !grouped_by_thousands(cell)) {
        return Err(());
    }
    digits.parse::<i64>().map(Some).map_err(|_| ())
}

/// `1,234,567`: every group after the first has exactly three digits.
fn grouped_by_thousands(cell: &str) -> bool {
    cell.split([',', '，'])
        .skip(1)
        .all(|group| group.chars().count() == 3)
}

#[cfg(test)]
mod tests {
    use super::parse_salary;

    #[test]
    fn plain_grouped_and_full_width_amounts_are_the_same_number() {
        for cell in [
            "350000",
            "350,000",
            "３５００００",
            "３５０，０００",
            " 350000 ",
        ] {
            assert_eq!(parse_salary(cell), Ok(Some(350_000)), "{cell}");
        }
    }

    #[test]
    fn blank_cells_mean_not_given() {
        assert_eq!(parse_salary(""), Ok(None));
        assert_eq!(parse_salary("  "), Ok(None));
    }

    #[test]
    fn anything_but_a_whole_number_of_yen_is_refused() {
        for cell in [
            "35万",
            "350000.5",
            "-1",
            "応相談",
            ",350",
            "350,",
            "35,0000",
            "1,,000",
            "99999999999999999999",
        ] {
            assert_eq!(parse_salary(cell), Err(()), "{cell}");
        }
    }
}
