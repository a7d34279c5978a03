//! Name resolution: every A and AAAA record of a name, behind a trait so tests and users can
//! override it (`--resolve NAME=IP,IP`, as curl does).

use std::collections::HashMap;
use std::net::{IpAddr, ToSocketAddrs};

use super::ProbeError;

pub trait Resolver {
    /// All addresses of `name`, IPv4 and IPv6, without duplicates, in the order found.
    fn resolve(&self, name: &str) -> Result<Vec<IpAddr>, ProbeError>;
}

/// The system resolver (getaddrinfo with no address family: A and AAAA alike).
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemResolver;

impl Resolver for SystemResolver {
    fn resolve(&self, name: &str) -> Result<Vec<IpAddr>, ProbeError> {
        if let Ok(ip) = name.parse::<IpAddr>() {
            return Ok(vec![ip]);
        }
        let failed = |reason: String| ProbeError::Resolve {
            name: name.to_string(),
            reason,
        };
        let addrs = (name, 0u16)
            .to_socket_addrs()
            .map_err(|e| failed(e.to_string()))?;
        let mut ips: Vec<IpAddr> = Vec::new();
        for a in addrs {
            if !ips.contains(&a.ip()) {
                ips.push(a.ip());
            }
        }
        if ips.is_empty() {
            return Err(failed("no A or AAAA record".into()));
        }
        Ok(ips)
    }
}

/// Fixed answers for some names (`NAME=IP,IP`), falling back to another resolver for the rest.
pub struct StaticResolver<R> {
    map: HashMap<String, Vec<IpAddr>>,
    fallback: R,
}

impl<R: Resolver> StaticResolver<R> {
    pub fn new(fallback: R) -> Self {
        StaticResolver {
            map: HashMap::new(),
            fallback,
        }
    }

    /// Adds one `NAME=IP,IP` entry; names compare case-insensitively.
    pub fn add_entry(&mut self, entry: &str) -> Result<(), ProbeError> {
        let bad = |reason: &str| ProbeError::ResolveEntry {
            entry: entry.to_string(),
            reason: reason.to_string(),
        };
        let (name, ips) = entry
            .split_once('=')
            .ok_or_else(|| bad("expected NAME=IP[,IP...]"))?;
        let name = name.trim().trim_end_matches('.').to_ascii_lowercase();
        if name.is_empty() {
            return Err(bad("empty name"));
        }
        let ips = ips
            .split(',')
            .map(|ip| {
                ip.trim()
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<IpAddr>()
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| bad("not a list of IP addresses"))?;
        let list = self.map.entry(name).or_default();
        for ip in ips {
            if !list.contains(&ip) {
                list.push(ip);
            }
        }
        Ok(())
    }
}

impl<R: Resolver> Resolver for StaticResolver<R> {
    fn resolve(&self, name: &str) -> Result<Vec<IpAddr>, ProbeError> {
        let key = name.trim_end_matches('.').to_ascii_lowercase();
        match self.map.get(&key) {
            Some(ips) => Ok(ips.clone()),
            None => self.fallback.resolve(name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_entries_override_and_fall_back() {
        let mut r = StaticResolver::new(SystemResolver);
        r.add_entry("Alb.Test=127.0.0.2,::1").unwrap();
        r.add_entry("alb.test=127.0.0.3,127.0.0.2").unwrap();
        let ips: Vec<String> = r
            .resolve("alb.test.")
            .unwrap()
            .iter()
            .map(|i| i.to_string())
            .collect();
        assert_eq!(ips, ["127.0.0.2", "::1", "127.0.0.3"]);
        assert_eq!(
            r.resolve("127.0.0.9").unwrap(),
            vec!["127.0.0.9".parse::<IpAddr>().unwrap()]
        );
        assert!(r.add_entry("alb.test").is_err());
        assert!(r.add_entry("alb.test=not-an-ip").is_err());
    }
}
