//! Bad-proxy marking and deprioritization (reference section 6.3), on tokio's paused clock.

use std::time::Duration;

use netsession_proxy::{ProxyResolver, ResolverOptions};
use netsession_proxy_rules::ProxyChain;

use crate::{resolve, rules, url};

#[tokio::test(start_paused = true)]
async fn failed_proxies_go_last_for_five_minutes_after_a_success() {
    let resolver = ProxyResolver::new(rules("a:80,b:80,direct://,c:80", ""));
    let target = url("http://example.com/");
    let mut info = resolver.resolve_info(&target).await.unwrap();
    assert!(info.fallback(), "a failed, b is next");
    assert_eq!(info.to_string(), "PROXY b:80;DIRECT;PROXY c:80");
    // Until the request succeeds, nothing is remembered.
    assert_eq!(
        resolve(&resolver, "http://example.com/").await,
        "PROXY a:80;PROXY b:80;DIRECT;PROXY c:80"
    );
    info.report_success();
    assert_eq!(
        resolve(&resolver, "http://example.com/").await,
        "PROXY b:80;DIRECT;PROXY c:80;PROXY a:80"
    );
    // Other lists that hold the bad proxy are reordered too.
    let other = ProxyResolver::new(rules("a:80,z:80", ""));
    assert_eq!(
        resolve(&other, "http://x/").await,
        "PROXY a:80;PROXY z:80",
        "per resolver"
    );

    tokio::time::advance(Duration::from_secs(5 * 60 - 1)).await;
    assert_eq!(
        resolve(&resolver, "http://example.com/").await,
        "PROXY b:80;DIRECT;PROXY c:80;PROXY a:80"
    );
    tokio::time::advance(Duration::from_secs(2)).await;
    assert_eq!(
        resolve(&resolver, "http://example.com/").await,
        "PROXY a:80;PROXY b:80;DIRECT;PROXY c:80"
    );
}

#[tokio::test(start_paused = true)]
async fn direct_is_never_marked_bad_and_failing_every_entry_marks_nothing() {
    let resolver = ProxyResolver::new(rules("direct://,a:80", ""));
    // DIRECT fails, a:80 works: DIRECT is not remembered as bad.
    let mut info = resolver
        .resolve_info(&url("http://example.com/"))
        .await
        .unwrap();
    assert!(info.fallback());
    info.report_success();
    assert!(
        resolver.bad_proxies().is_empty(),
        "{:?}",
        resolver.bad_proxies()
    );

    // Both fail: the request never succeeds, so nothing is remembered.
    let mut info = resolver
        .resolve_info(&url("http://example.com/"))
        .await
        .unwrap();
    assert!(info.fallback());
    assert!(!info.fallback(), "nothing left after a:80");
    drop(info);
    assert!(
        resolver.bad_proxies().is_empty(),
        "{:?}",
        resolver.bad_proxies()
    );
}

#[tokio::test(start_paused = true)]
async fn a_list_of_only_bad_proxies_keeps_its_order() {
    let options = ResolverOptions::default().bad_proxy_duration(Duration::from_secs(60));
    let resolver = ProxyResolver::with_options(rules("a:80,b:80", ""), options);
    for server in ["a:80", "b:80"] {
        resolver.mark_bad(&ProxyChain::from_uri(server).unwrap());
    }
    assert_eq!(
        resolve(&resolver, "http://example.com/").await,
        "PROXY a:80;PROXY b:80"
    );
    let bad = resolver.bad_proxies();
    assert_eq!(bad.len(), 2);
    assert!(bad.iter().all(|(_, left)| *left <= Duration::from_secs(60)));
    resolver.reload().await;
    assert!(
        resolver.bad_proxies().is_empty(),
        "a reload forgets bad proxies"
    );
}

#[tokio::test(start_paused = true)]
async fn the_later_expiry_wins_when_marks_merge() {
    let resolver = ProxyResolver::new(rules("a:80,b:80", ""));
    let a = ProxyChain::from_uri("a:80").unwrap();
    resolver.mark_bad(&a);
    tokio::time::advance(Duration::from_secs(100)).await;
    resolver.mark_bad(&a);
    let (_, left) = resolver.bad_proxies().pop().unwrap();
    assert_eq!(left, Duration::from_secs(300));
}
