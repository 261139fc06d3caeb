//! The fixed environment of the conformance tables: resolver, `myIpAddress` probes, clocks.

use std::net::IpAddr;

use netsession_pac::{
    FixedClock, FixedLocalAddresses, PacScript, PacScriptBuilder, StaticResolver,
};

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

/// The hosts every table can resolve.
pub(crate) fn resolver() -> StaticResolver {
    StaticResolver::new()
        .with("foo.test", [ip("192.168.1.1")])
        .with("dual.test", [ip("::1"), ip("192.168.1.1")])
        .with("v6only.test", [ip("2001:db8::1")])
        .with("xn--bcher-kva.test", [ip("10.0.0.5")])
}

/// Routes to 8.8.8.8 and 2001:4860:4860::8888 answer; the rest finds nothing.
pub(crate) fn local_addresses() -> FixedLocalAddresses {
    FixedLocalAddresses::new()
        .with_route(ip("8.8.8.8"), ip("192.168.1.20"))
        .with_route(ip("2001:4860:4860::8888"), ip("2001:db8::20"))
}

/// `2009-03-03T10:30:15+02:00`: local wall time and offset. Empty means the default,
/// Tuesday 2009-03-03T00:00:00 in UTC.
pub(crate) fn clock(text: &str) -> FixedClock {
    let text = if text.is_empty() {
        "2009-03-03T00:00:00+00:00"
    } else {
        text
    };
    let number = |range: std::ops::Range<usize>| text[range].parse::<u32>().unwrap();
    let sign = if &text[19..20] == "-" { -1 } else { 1 };
    let offset = sign * (number(20..22) * 3600 + number(23..25) * 60) as i32;
    FixedClock::from_local(
        number(0..4) as i32,
        number(5..7),
        number(8..10),
        number(11..13),
        number(14..16),
        number(17..19),
        offset,
    )
    .unwrap_or_else(|| panic!("bad clock {text}"))
}

/// A builder with the fixed environment and the given clock.
pub(crate) fn builder(source: &str, clock_text: &str) -> PacScriptBuilder {
    PacScript::builder(source)
        .resolver(resolver())
        .local_addresses(local_addresses())
        .clock(clock(clock_text))
}
