//! The user agent and `Accept-Language` a session sends.

/// The default user agent: Chromium's format for this platform, naming netsession. Built
/// once: every request of every session without an override sends it.
pub(crate) fn default_user_agent() -> &'static str {
    static DEFAULT: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DEFAULT.get_or_init(build_default_user_agent)
}

fn build_default_user_agent() -> String {
    let platform = if cfg!(target_os = "macos") {
        "Macintosh; Intel Mac OS X 10_15_7"
    } else if cfg!(target_os = "windows") {
        "Windows NT 10.0; Win64; x64"
    } else {
        "X11; Linux x86_64"
    };
    format!(
        "Mozilla/5.0 ({platform}) AppleWebKit/537.36 (KHTML, like Gecko) netsession/{} Chrome/156.0.0.0 Safari/537.36",
        env!("CARGO_PKG_VERSION")
    )
}

/// Chromium's `HttpUtil::GenerateAcceptLanguageHeader`: the first language bare, then each
/// with a quality falling by 0.1 down to a floor of 0.1 (`en-US,fr,de` becomes
/// `en-US,fr;q=0.9,de;q=0.8`). Empty entries are skipped, white space around entries trimmed.
///
/// # Examples
///
/// ```
/// assert_eq!(netsession::accept_language_header("en-US, fr,,de"), "en-US,fr;q=0.9,de;q=0.8");
/// ```
pub fn accept_language_header(languages: &str) -> String {
    let mut header = String::new();
    // Tenths, as integers, so that no floating point comparison is involved.
    let mut quality = 10u8;
    for language in languages
        .split(',')
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        if quality == 10 {
            header.push_str(language);
        } else {
            header.push_str(&format!(",{language};q=0.{quality}"));
        }
        // It makes no sense to send q=0: the floor is 0.1.
        quality = quality.saturating_sub(1).max(1);
    }
    header
}
