//! Web addresses to a bare host ("example.co.jp"), the form both sides compare in.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

/// The lower-cased host of `raw` without scheme, user info, "www.", port, path, query or
/// fragment. None when nothing host-like is there.
pub fn normalize_domain(raw: &str) -> Option<String> {
    let s: Cow<str> = if raw.is_ascii() {
        Cow::Borrowed(raw)
    } else {
        Cow::Owned(raw.nfkc().collect())
    };
    let s = s.trim().to_ascii_lowercase();
    let s = s.split_once("://").map_or(s.as_str(), |(_, rest)| rest);
    let s = s.trim_start_matches('/');
    let host = s.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit_once('@').map_or(host, |(_, h)| h);
    let host = host.split(':').next().unwrap_or("").trim_end_matches('.');
    let host = host
        .strip_prefix("www.")
        .or_else(|| host.strip_prefix("www2."))
        .unwrap_or(host);
    let valid = host.contains('.')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
    valid.then(|| host.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scheme_www_port_and_path_are_dropped() {
        for raw in [
            "https://www.example.co.jp/",
            "http://example.co.jp",
            "www.example.co.jp",
            "example.co.jp/recruit/index.html?x=1",
            "HTTPS://WWW.EXAMPLE.CO.JP:8443/path#top",
            "https://user@example.co.jp/",
            "  https://www.example.co.jp/recruit/  ",
            "ｈｔｔｐｓ：／／ｗｗｗ．ｅｘａｍｐｌｅ．ｃｏ．ｊｐ",
        ] {
            assert_eq!(
                normalize_domain(raw).as_deref(),
                Some("example.co.jp"),
                "{raw}"
            );
        }
    }

    #[test]
    fn hosted_subdomains_stay_distinct() {
        assert_eq!(
            normalize_domain("http://maxbright.wixsite.com/home").as_deref(),
            Some("maxbright.wixsite.com")
        );
    }

    #[test]
    fn text_that_is_not_a_host_gives_none() {
        assert_eq!(normalize_domain(""), None);
        assert_eq!(normalize_domain("なし"), None);
        assert_eq!(normalize_domain("localhost"), None);
    }
}
