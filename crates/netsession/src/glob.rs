//! The one wildcard matcher of the facade: `*` matches any text (also none), everything else
//! is literal. Used by the NTLM allowlist and by webRequest match-pattern paths.

/// Whether `text` matches `pattern`.
pub(crate) fn glob(pattern: &str, text: &str) -> bool {
    let mut parts = pattern.split('*');
    let Some(first) = parts.next() else {
        return text.is_empty();
    };
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = rest.get(at + part.len()..).unwrap_or_default(),
            None => return false,
        }
    }
    rest.ends_with(last)
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn patterns() {
        for (pattern, text, expected) in [
            ("*", "anything.example", true),
            ("*", "", true),
            ("*.corp.example", "wiki.corp.example", true),
            ("*.corp.example", "corp.example", false),
            ("intranet", "intranet", true),
            ("intranet", "intranet2", false),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
            ("/foo*bar", "/foo/baz/bar", true),
            ("/foo*bar", "/foobar", true),
            ("/a*a", "/a", false),
        ] {
            assert_eq!(glob(pattern, text), expected, "{pattern} {text}");
        }
    }
}
