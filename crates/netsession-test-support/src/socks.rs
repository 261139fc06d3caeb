//! [`Socks5Server`]: a SOCKS5 proxy (RFC 1928) without authentication.

use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::serve::{self, Log};

const VERSION: u8 = 5;
const NO_AUTHENTICATION: u8 = 0x00;
const NO_ACCEPTABLE_METHOD: u8 = 0xFF;
const CONNECT: u8 = 0x01;
const ATYP_IPV4: u8 = 0x01;
const ATYP_DOMAIN: u8 = 0x03;
const ATYP_IPV6: u8 = 0x04;
const SUCCEEDED: u8 = 0x00;
const GENERAL_FAILURE: u8 = 0x01;
const HOST_UNREACHABLE: u8 = 0x04;
const CONNECTION_REFUSED: u8 = 0x05;
const COMMAND_NOT_SUPPORTED: u8 = 0x07;
const ADDRESS_TYPE_NOT_SUPPORTED: u8 = 0x08;

/// A loopback SOCKS5 proxy (RFC 1928); stops when dropped.
///
/// It accepts only the "no authentication required" method (a client that does not offer
/// it gets method `0xFF` and the connection closed) and only the `CONNECT` command (others
/// get reply `0x07`), to IPv4 addresses, domain names (which it resolves itself, as
/// `socks5h://` clients expect) and IPv6 addresses (other address types get `0x08`).
/// Once connected it replies success with the address of its side of the outgoing
/// connection and relays bytes both ways until either side closes. A target that refuses
/// the connection gets reply `0x05`, a name that does not resolve `0x04`; the connection is
/// then closed.
#[derive(Debug)]
pub struct Socks5Server {
    addr: SocketAddr,
    targets: Log<String>,
    task: tokio::task::JoinHandle<()>,
}

impl Socks5Server {
    /// Starts the proxy on `127.0.0.1` and a port the OS chooses.
    pub async fn start() -> Self {
        let listener = serve::bind_loopback().await;
        let addr = listener.local_addr().unwrap();
        let targets: Log<String> = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&targets);
        let task = serve::accept_loop(listener, move |stream| {
            let log = Arc::clone(&log);
            async move {
                let _ = socks_connection(stream, &log).await;
            }
        });
        Self {
            addr,
            targets,
            task,
        }
    }

    /// The address the proxy listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `socks5://127.0.0.1:PORT`, the proxy URL to give clients (use `socks5h://` with the
    /// same address to have the proxy resolve names).
    pub fn url(&self) -> String {
        format!("socks5://{}", self.addr)
    }

    /// The `host:port` targets of the `CONNECT` requests received so far, in arrival order,
    /// whether or not the connection succeeded: domain names as sent, IPv6 addresses in
    /// brackets (`[::1]:80`).
    pub fn targets(&self) -> Vec<String> {
        self.targets.lock().unwrap().clone()
    }
}

impl Drop for Socks5Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A `CONNECT` destination.
enum Target {
    Ip(SocketAddr),
    Domain(String, u16),
}

impl Target {
    fn display(&self) -> String {
        match self {
            Self::Ip(addr) => addr.to_string(),
            Self::Domain(name, port) => format!("{name}:{port}"),
        }
    }

    /// Connects to the target, trying every resolved address in turn; `Err` holds the
    /// SOCKS reply code to send.
    async fn connect(&self) -> Result<TcpStream, u8> {
        let addrs: Vec<SocketAddr> = match self {
            Self::Ip(addr) => vec![*addr],
            Self::Domain(name, port) => tokio::net::lookup_host((name.as_str(), *port))
                .await
                .map_err(|_| HOST_UNREACHABLE)?
                .collect(),
        };
        if addrs.is_empty() {
            return Err(HOST_UNREACHABLE);
        }
        for addr in addrs {
            if let Ok(stream) = TcpStream::connect(addr).await {
                return Ok(stream);
            }
        }
        Err(CONNECTION_REFUSED)
    }
}

async fn socks_connection(mut client: TcpStream, targets: &Mutex<Vec<String>>) -> io::Result<()> {
    // Method selection: VER NMETHODS METHODS...
    let [version, count] = read_array(&mut client).await?;
    if version != VERSION {
        return Ok(());
    }
    let mut methods = vec![0; usize::from(count)];
    client.read_exact(&mut methods).await?;
    if !methods.contains(&NO_AUTHENTICATION) {
        client.write_all(&[VERSION, NO_ACCEPTABLE_METHOD]).await?;
        return client.shutdown().await;
    }
    client.write_all(&[VERSION, NO_AUTHENTICATION]).await?;

    // Request: VER CMD RSV ATYP DST.ADDR DST.PORT
    let [version, command, _reserved, address_type] = read_array(&mut client).await?;
    if version != VERSION {
        return Ok(());
    }
    let ip = match address_type {
        ATYP_IPV4 => Some(IpAddr::from(read_array::<4>(&mut client).await?)),
        ATYP_IPV6 => Some(IpAddr::from(read_array::<16>(&mut client).await?)),
        ATYP_DOMAIN => None,
        _ => return fail(client, ADDRESS_TYPE_NOT_SUPPORTED).await,
    };
    let name = match ip {
        Some(_) => None,
        None => {
            let [length] = read_array(&mut client).await?;
            let mut name = vec![0; usize::from(length)];
            client.read_exact(&mut name).await?;
            Some(String::from_utf8_lossy(&name).into_owned())
        }
    };
    let port = u16::from_be_bytes(read_array(&mut client).await?);
    let target = match (ip, name) {
        (Some(ip), _) => Target::Ip(SocketAddr::new(ip, port)),
        (None, Some(name)) => Target::Domain(name, port),
        (None, None) => return fail(client, GENERAL_FAILURE).await,
    };
    if command != CONNECT {
        return fail(client, COMMAND_NOT_SUPPORTED).await;
    }
    targets.lock().unwrap().push(target.display());

    let mut upstream = match target.connect().await {
        Ok(upstream) => upstream,
        Err(code) => return fail(client, code).await,
    };
    let bound = upstream.local_addr()?;
    client.write_all(&reply(SUCCEEDED, bound)).await?;
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}

/// Reads exactly `N` bytes.
async fn read_array<const N: usize>(stream: &mut TcpStream) -> io::Result<[u8; N]> {
    let mut bytes = [0; N];
    stream.read_exact(&mut bytes).await?;
    Ok(bytes)
}

/// `VER REP RSV ATYP BND.ADDR BND.PORT`.
fn reply(code: u8, bound: SocketAddr) -> Vec<u8> {
    let mut reply = vec![VERSION, code, 0];
    match bound.ip() {
        IpAddr::V4(ip) => {
            reply.push(ATYP_IPV4);
            reply.extend_from_slice(&ip.octets());
        }
        IpAddr::V6(ip) => {
            reply.push(ATYP_IPV6);
            reply.extend_from_slice(&ip.octets());
        }
    }
    reply.extend_from_slice(&bound.port().to_be_bytes());
    reply
}

/// Sends the failure reply `code` (with an all-zero IPv4 bound address) and closes.
async fn fail(mut client: TcpStream, code: u8) -> io::Result<()> {
    let unspecified = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0);
    client.write_all(&reply(code, unspecified)).await?;
    client.shutdown().await
}

#[cfg(test)]
mod tests {
    use std::net::Ipv6Addr;

    use super::*;

    #[test]
    fn replies_carry_the_bound_address() {
        let v4 = reply(SUCCEEDED, "127.0.0.1:258".parse().unwrap());
        assert_eq!(v4, [5, 0, 0, 1, 127, 0, 0, 1, 1, 2]);
        let v6 = reply(
            CONNECTION_REFUSED,
            SocketAddr::new(Ipv6Addr::LOCALHOST.into(), 80),
        );
        assert_eq!(v6.len(), 4 + 16 + 2);
        assert_eq!(&v6[..4], [5, 5, 0, 4]);
    }
}
