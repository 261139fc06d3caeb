//! Network emulation settings and the throttle, on tokio's paused clock.

use std::time::Duration;

use netsession::{NetworkConditions, SessionOptions, Sessions, Throttle};
use tokio::time::Instant;

use crate::TempDir;

#[test]
fn conditions_are_per_session() {
    let dir = TempDir::new("emulation");
    let sessions = Sessions::new(dir.path());
    let a = sessions
        .from_partition("a", SessionOptions::default())
        .unwrap();
    let b = sessions
        .from_partition("b", SessionOptions::default())
        .unwrap();
    let offline = NetworkConditions {
        offline: true,
        ..NetworkConditions::default()
    };
    a.enable_network_emulation(offline);
    assert_eq!(a.network_conditions(), Some(offline));
    assert_eq!(b.network_conditions(), None);
    a.disable_network_emulation();
    assert_eq!(a.network_conditions(), None);
}

#[tokio::test(start_paused = true)]
async fn throttle_limits_throughput() {
    let throttle = Throttle::new(10_000);
    let started = Instant::now();
    // The first second's worth passes at once (burst), the rest at the rate.
    for _ in 0..50 {
        throttle.consume(1_000).await;
    }
    assert_eq!(started.elapsed(), Duration::from_secs(4));

    let unlimited = Throttle::new(0);
    let started = Instant::now();
    unlimited.consume(u64::MAX).await;
    assert_eq!(started.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn throttle_refills_while_idle() {
    let throttle = Throttle::new(1_000);
    throttle.consume(1_000).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    let started = Instant::now();
    // Idle time refills at most one second of burst.
    throttle.consume(2_000).await;
    assert_eq!(started.elapsed(), Duration::from_secs(1));
}
