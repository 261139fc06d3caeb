//! The URL that a PAC script is allowed to see.

use url::Url;

/// The URL as Chromium hands it to `FindProxyForURL`: user name, password and fragment
/// removed always; for the cryptographic schemes `https` and `wss` also the path and query
/// (since Chromium 52, so that a PAC script cannot read secure URLs).
///
/// # Examples
///
/// ```
/// use netsession_pac::sanitize_url;
/// use url::Url;
///
/// let url = Url::parse("https://user:pw@example.com:88/hi?x#frag")?;
/// assert_eq!(sanitize_url(&url).as_str(), "https://example.com:88/");
/// let url = Url::parse("http://user@example.com/path?q=1#frag")?;
/// assert_eq!(sanitize_url(&url).as_str(), "http://example.com/path?q=1");
/// # Ok::<(), url::ParseError>(())
/// ```
pub fn sanitize_url(url: &Url) -> Url {
    let mut url = url.clone();
    // These fail only for URLs without a host, which have no user name or password.
    let _ = url.set_username("");
    let _ = url.set_password(None);
    url.set_fragment(None);
    if matches!(url.scheme(), "https" | "wss") {
        url.set_path("/");
        url.set_query(None);
    }
    url
}

/// The `host` argument of `FindProxyForURL`: the URL's host without brackets or port.
pub(crate) fn script_host(url: &Url) -> String {
    match url.host() {
        Some(url::Host::Ipv6(address)) => {
            let text = url::Host::<String>::Ipv6(address).to_string();
            text.trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned()
        }
        Some(host) => host.to_string(),
        None => String::new(),
    }
}
