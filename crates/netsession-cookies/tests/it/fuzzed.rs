//! A deterministic stand-in for the fuzzer: many generated `Set-Cookie` lines built from
//! fragments that reach the parser's edges, checked by `netsession_cookies::fuzz`.

const FRAGMENTS: &[&str] = &[
    "a",
    "=",
    ";",
    " ",
    "\t",
    "\0",
    "\r",
    "\x01",
    "\x7f",
    "é",
    "\"",
    ",",
    "name",
    "value",
    "Domain=",
    "domain=.",
    "example.com",
    ".example.com",
    "co.uk",
    "github.io",
    "127.0.0.1",
    "Path=",
    "/",
    "/a",
    "/a/b",
    "Expires=",
    "Sun, 06 Nov 1994 08:49:37 GMT",
    "Wed, 01 Jan 2100 00:00:00 GMT",
    "99:99:99",
    "Max-Age=",
    "-1",
    "0",
    "99999999999999999999",
    "Secure",
    "HttpOnly",
    "SameSite=",
    "None",
    "Lax",
    "Strict",
    "Partitioned",
    "__Host-",
    "__Secure-",
    "__host-",
];

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn generated_lines_keep_the_invariants() {
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for _ in 0..3000 {
        let mut input = String::new();
        let lines = 1 + rng.next() % 6;
        for _ in 0..lines {
            let parts = rng.next() % 12;
            for _ in 0..parts {
                let i = (rng.next() % FRAGMENTS.len() as u64) as usize;
                input.push_str(FRAGMENTS[i]);
            }
            if rng.next() % 50 == 0 {
                input.push_str(&"x".repeat(4100));
            }
            input.push('\n');
        }
        netsession_cookies::fuzz::store_and_lookup(input.as_bytes());
    }
}

#[test]
fn arbitrary_bytes_do_not_panic() {
    let mut rng = Rng(42);
    for _ in 0..2000 {
        let len = (rng.next() % 200) as usize;
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        netsession_cookies::fuzz::store_and_lookup(&bytes);
    }
}
