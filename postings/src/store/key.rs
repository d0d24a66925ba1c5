//! Object keys are relative, `/`-separated paths. The same rule holds for both backends so
//! that a key accepted locally is accepted by S3 and cannot escape the local root.

use super::StoreError;

/// The temp area of the local backend; no key may live under it.
pub(crate) const TMP_DIR: &str = ".tmp";

pub fn validate_key(key: &str) -> Result<(), StoreError> {
    let bad = key.is_empty()
        || key.len() > 1024
        || key.starts_with('/')
        || key.ends_with('/')
        || key.contains('\0')
        || key.contains('\\')
        || key
            .split('/')
            .any(|seg| seg.is_empty() || seg == "." || seg == "..")
        || key.split('/').next() == Some(TMP_DIR);
    if bad {
        Err(StoreError::InvalidKey(key.to_owned()))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::validate_key;

    #[test]
    fn relative_slash_separated_keys_are_accepted() {
        for k in [
            "a",
            "incoming/acme/2026-01-01/x.csv",
            "runs/r/matched.csv",
            "a..b/c",
        ] {
            assert!(validate_key(k).is_ok(), "{k}");
        }
    }

    #[test]
    fn keys_that_could_escape_or_confuse_the_root_are_refused() {
        for k in [
            "",
            "/etc/passwd",
            "../x",
            "a/../b",
            "a/./b",
            "a//b",
            "a/",
            "a\0b",
            "a\\b",
            ".tmp/x",
        ] {
            assert!(validate_key(k).is_err(), "{k:?}");
        }
    }
}
