//! Who is asking, by address: the socket's peer, or, when the peer is a trusted reverse
//! proxy, the right-most address of `X-Forwarded-For` that is not a trusted proxy (the
//! left part of the header is whatever the client wrote, so it is never believed).

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, Request},
    http::HeaderMap,
};
use ipnet::IpNet;

/// The `X-Forwarded-For` header.
const FORWARDED_FOR: &str = "x-forwarded-for";

/// The configured trusted proxies (`trusted_proxies`).
#[derive(Clone, Debug, Default)]
pub(crate) struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub(crate) fn new(blocks: &[IpNet]) -> Self {
        Self(blocks.to_vec())
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|block| block.contains(&ip))
    }

    /// The client's address for a request from `peer` with these headers.
    pub(crate) fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = peer.to_canonical();
        if !self.trusts(client) {
            return client;
        }
        // Every X-Forwarded-For header, in order, as one comma-separated list.
        let hops: Vec<&str> = headers
            .get_all(FORWARDED_FOR)
            .iter()
            .flat_map(|value| value.to_str().unwrap_or("garbage").split(','))
            .collect();
        for hop in hops.iter().rev() {
            // A hop that is not an address ends the walk: nothing left of it is believed,
            // the last proxy that handed it over is the client.
            let Some(ip) = parse_hop(hop) else {
                break;
            };
            client = ip;
            if !self.trusts(ip) {
                break;
            }
        }
        client
    }

    /// The client's address of a request served with `ConnectInfo` (none without it).
    pub(crate) fn of_request(&self, request: &Request) -> Option<IpAddr> {
        let ConnectInfo(peer) = request.extensions().get::<ConnectInfo<SocketAddr>>()?;
        Some(self.client(peer.ip(), request.headers()))
    }
}

/// One `X-Forwarded-For` entry: an address, possibly with a port (`[::1]:80`, `1.2.3.4:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let hop = hop.trim();
    if let Ok(ip) = hop.parse::<IpAddr>() {
        return Some(ip.to_canonical());
    }
    hop.parse::<SocketAddr>()
        .ok()
        .map(|s| s.ip().to_canonical())
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(FORWARDED_FOR, HeaderValue::from_str(value).expect("value"));
        }
        headers
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn proxies(blocks: &[&str]) -> TrustedProxies {
        TrustedProxies::new(
            &blocks
                .iter()
                .map(|b| b.parse().expect("cidr"))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(ip("10.0.0.1"), &headers(&["203.0.113.9"])),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn the_right_most_untrusted_hop_is_the_client() {
        let trusted = proxies(&["10.0.0.0/8", "192.168.1.1/32"]);
        // The client wrote "1.1.1.1" itself; the proxies appended the rest.
        let forwarded = headers(&["1.1.1.1, 203.0.113.9", "192.168.1.1"]);
        assert_eq!(
            trusted.client(ip("10.0.0.1"), &forwarded),
            ip("203.0.113.9")
        );
        // A peer that is not a proxy: its own address, whatever it claims.
        assert_eq!(
            trusted.client(ip("198.51.100.7"), &forwarded),
            ip("198.51.100.7")
        );
        // Only proxies in the header: the left-most of them.
        assert_eq!(
            trusted.client(ip("10.0.0.1"), &headers(&["10.1.1.1, 10.2.2.2"])),
            ip("10.1.1.1")
        );
        // No header: the proxy itself.
        assert_eq!(
            trusted.client(ip("10.0.0.1"), &HeaderMap::new()),
            ip("10.0.0.1")
        );
        // Junk stops the walk at the last hop believed.
        assert_eq!(
            trusted.client(ip("10.0.0.1"), &headers(&["203.0.113.9, junk, 10.3.3.3"])),
            ip("10.3.3.3")
        );
        // Ports and IPv4-mapped IPv6 addresses.
        assert_eq!(
            trusted.client(ip("::ffff:10.0.0.1"), &headers(&["203.0.113.9:4711"])),
            ip("203.0.113.9")
        );
        assert_eq!(
            trusted.client(ip("10.0.0.1"), &headers(&["[2001:db8::1]:80"])),
            ip("2001:db8::1")
        );
    }
}
