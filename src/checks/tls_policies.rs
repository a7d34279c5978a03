//! The predefined ELB security policies an Application Load Balancer HTTPS listener accepts,
//! with the TLS protocol versions each one allows. ALBs take no custom policies, so the name
//! fixes the protocols. Source: the "Security policies for your Application Load Balancer"
//! page of the ELB user guide (protocols by policy), plus the two older names the ELBv2 API
//! reference still lists (ELBSecurityPolicy-2015-05 and ELBSecurityPolicy-TLS-1-0-2015-04,
//! both TLS 1.0-1.2 like ELBSecurityPolicy-2016-08).

use std::fmt;

/// A TLS protocol version, ordered oldest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TlsVersion {
    Tls10,
    Tls11,
    Tls12,
    Tls13,
}

impl TlsVersion {
    pub const ALL: [TlsVersion; 4] = [Self::Tls10, Self::Tls11, Self::Tls12, Self::Tls13];

    pub fn as_str(self) -> &'static str {
        match self {
            TlsVersion::Tls10 => "TLS 1.0",
            TlsVersion::Tls11 => "TLS 1.1",
            TlsVersion::Tls12 => "TLS 1.2",
            TlsVersion::Tls13 => "TLS 1.3",
        }
    }

    /// Reads "1.2", "TLS 1.2", "TLSv1.2" or "tls1.2" (as a policy option may spell it).
    pub fn parse(s: &str) -> Option<TlsVersion> {
        let lower = s.trim().to_ascii_lowercase();
        let digits = lower
            .strip_prefix("tls")
            .map(|rest| rest.trim_start_matches('v').trim())
            .unwrap_or(&lower);
        match digits {
            "1" | "1.0" => Some(TlsVersion::Tls10),
            "1.1" => Some(TlsVersion::Tls11),
            "1.2" => Some(TlsVersion::Tls12),
            "1.3" => Some(TlsVersion::Tls13),
            _ => None,
        }
    }
}

impl fmt::Display for TlsVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One predefined security policy.
#[derive(Debug)]
pub struct TlsPolicy {
    pub name: &'static str,
    /// The protocol versions it accepts, oldest first.
    pub protocols: &'static [TlsVersion],
}

impl TlsPolicy {
    /// The oldest protocol version the policy accepts.
    pub fn lowest(&self) -> TlsVersion {
        self.protocols[0]
    }

    /// FIPS 140-3 policies (`-FIPS-` in the name).
    pub fn fips(&self) -> bool {
        self.name.contains("-FIPS-")
    }

    /// Hybrid post-quantum key exchange (ML-KEM) policies (`-PQ-` in the name).
    pub fn post_quantum(&self) -> bool {
        self.name.contains("-PQ-")
    }
}

/// What an HTTPS listener gets when it names no policy, through CloudFormation, the CLI, the
/// API or the CDK (the console default differs).
pub const CLOUDFORMATION_DEFAULT: &str = "ELBSecurityPolicy-2016-08";

use TlsVersion::*;

const FROM_10: &[TlsVersion] = &[Tls10, Tls11, Tls12];
const FROM_11: &[TlsVersion] = &[Tls11, Tls12];
const ONLY_12: &[TlsVersion] = &[Tls12];
const FROM_10_TO_13: &[TlsVersion] = &[Tls10, Tls11, Tls12, Tls13];
const FROM_11_TO_13: &[TlsVersion] = &[Tls11, Tls12, Tls13];
const FROM_12_TO_13: &[TlsVersion] = &[Tls12, Tls13];
const ONLY_13: &[TlsVersion] = &[Tls13];

const fn p(name: &'static str, protocols: &'static [TlsVersion]) -> TlsPolicy {
    TlsPolicy { name, protocols }
}

static POLICIES: &[TlsPolicy] = &[
    // TLS 1.2 and older.
    p("ELBSecurityPolicy-2016-08", FROM_10),
    p("ELBSecurityPolicy-2015-05", FROM_10),
    p("ELBSecurityPolicy-TLS-1-0-2015-04", FROM_10),
    p("ELBSecurityPolicy-TLS-1-1-2017-01", FROM_11),
    p("ELBSecurityPolicy-TLS-1-2-2017-01", ONLY_12),
    p("ELBSecurityPolicy-TLS-1-2-Ext-2018-06", ONLY_12),
    p("ELBSecurityPolicy-FS-2018-06", FROM_10),
    p("ELBSecurityPolicy-FS-1-1-2019-08", FROM_11),
    p("ELBSecurityPolicy-FS-1-2-2019-08", ONLY_12),
    p("ELBSecurityPolicy-FS-1-2-Res-2019-08", ONLY_12),
    p("ELBSecurityPolicy-FS-1-2-Res-2020-10", ONLY_12),
    // TLS 1.3 (2021-06).
    p("ELBSecurityPolicy-TLS13-1-0-2021-06", FROM_10_TO_13),
    p("ELBSecurityPolicy-TLS13-1-1-2021-06", FROM_11_TO_13),
    p("ELBSecurityPolicy-TLS13-1-2-2021-06", FROM_12_TO_13),
    p("ELBSecurityPolicy-TLS13-1-2-Res-2021-06", FROM_12_TO_13),
    p("ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06", FROM_12_TO_13),
    p("ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06", FROM_12_TO_13),
    p("ELBSecurityPolicy-TLS13-1-3-2021-06", ONLY_13),
    // FIPS (2023-04).
    p("ELBSecurityPolicy-TLS13-1-0-FIPS-2023-04", FROM_10_TO_13),
    p("ELBSecurityPolicy-TLS13-1-1-FIPS-2023-04", FROM_11_TO_13),
    p("ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04", FROM_12_TO_13),
    p("ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04", FROM_12_TO_13),
    p("ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-2023-04", FROM_12_TO_13),
    p("ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-2023-04", FROM_12_TO_13),
    p("ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-2023-04", FROM_12_TO_13),
    p("ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04", ONLY_13),
    // FIPS, RFC 9151 (CNSA 1.0) (2023-07).
    p("ELBSecurityPolicy-TLS13-1-2-RFC9151-FIPS-2023-07", FROM_12_TO_13),
    p(
        "ELBSecurityPolicy-TLS13-1-2-Ext0-RFC9151-FIPS-2023-07",
        FROM_12_TO_13,
    ),
    p(
        "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP1-FIPS-2023-07",
        FROM_12_TO_13,
    ),
    p(
        "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP2-FIPS-2023-07",
        FROM_12_TO_13,
    ),
    p(
        "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP3-FIPS-2023-07",
        FROM_12_TO_13,
    ),
    p(
        "ELBSecurityPolicy-TLS13-1-2-RFC9151-INTEROP4-FIPS-2023-07",
        FROM_12_TO_13,
    ),
    p("ELBSecurityPolicy-TLS13-1-3-RFC9151-FIPS-2023-07", ONLY_13),
    // Post-quantum hybrid key exchange (2025-09).
    p("ELBSecurityPolicy-TLS13-1-0-PQ-2025-09", FROM_10_TO_13),
    p("ELBSecurityPolicy-TLS13-1-2-PQ-2025-09", FROM_12_TO_13),
    p("ELBSecurityPolicy-TLS13-1-2-Res-PQ-2025-09", FROM_12_TO_13),
    p("ELBSecurityPolicy-TLS13-1-2-Ext1-PQ-2025-09", FROM_12_TO_13),
    p("ELBSecurityPolicy-TLS13-1-2-Ext2-PQ-2025-09", FROM_12_TO_13),
    p("ELBSecurityPolicy-TLS13-1-3-PQ-2025-09", ONLY_13),
    // Post-quantum and FIPS (2025-09).
    p("ELBSecurityPolicy-TLS13-1-0-FIPS-PQ-2025-09", FROM_10_TO_13),
    p("ELBSecurityPolicy-TLS13-1-2-FIPS-PQ-2025-09", FROM_12_TO_13),
    p("ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09", FROM_12_TO_13),
    p("ELBSecurityPolicy-TLS13-1-2-Ext0-FIPS-PQ-2025-09", FROM_12_TO_13),
    p("ELBSecurityPolicy-TLS13-1-2-Ext1-FIPS-PQ-2025-09", FROM_12_TO_13),
    p("ELBSecurityPolicy-TLS13-1-2-Ext2-FIPS-PQ-2025-09", FROM_12_TO_13),
    p("ELBSecurityPolicy-TLS13-1-3-FIPS-PQ-2025-09", ONLY_13),
];

/// The policy of this exact name (AWS policy names are case-sensitive).
pub fn lookup(name: &str) -> Option<&'static TlsPolicy> {
    POLICIES.iter().find(|p| p.name == name)
}

/// Every known policy.
pub fn all() -> &'static [TlsPolicy] {
    POLICIES
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cloudformation_default_allows_tls_1_0() {
        let p = lookup(CLOUDFORMATION_DEFAULT).unwrap();
        assert_eq!(p.protocols, &[Tls10, Tls11, Tls12]);
    }

    #[test]
    fn lookups_give_the_documented_protocols() {
        assert_eq!(
            lookup("ELBSecurityPolicy-TLS-1-1-2017-01").unwrap().lowest(),
            Tls11
        );
        assert_eq!(
            lookup("ELBSecurityPolicy-TLS13-1-2-2021-06").unwrap().protocols,
            &[Tls12, Tls13]
        );
        assert_eq!(
            lookup("ELBSecurityPolicy-TLS13-1-0-PQ-2025-09").unwrap().lowest(),
            Tls10
        );
        let fips = lookup("ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04").unwrap();
        assert_eq!(fips.protocols, &[Tls13]);
        assert!(fips.fips() && !fips.post_quantum());
        let pq = lookup("ELBSecurityPolicy-TLS13-1-2-Res-FIPS-PQ-2025-09").unwrap();
        assert!(pq.fips() && pq.post_quantum());
        assert_eq!(pq.lowest(), Tls12);
    }

    #[test]
    fn names_outside_the_table_and_wrong_case_are_unknown() {
        assert!(lookup("ELBSecurityPolicy-TLS13-1-1-PQ-2025-09").is_none());
        assert!(lookup("elbsecuritypolicy-2016-08").is_none());
        assert!(lookup("").is_none());
    }

    #[test]
    fn table_is_consistent() {
        let mut seen = std::collections::HashSet::new();
        for p in all() {
            assert!(seen.insert(p.name), "duplicate {}", p.name);
            assert!(p.name.starts_with("ELBSecurityPolicy-"), "{}", p.name);
            assert!(p.protocols.windows(2).all(|w| w[0] < w[1]), "{}", p.name);
            // Every TLS13 policy allows TLS 1.3, and its name gives the lowest version.
            if let Some(rest) = p.name.strip_prefix("ELBSecurityPolicy-TLS13-") {
                assert!(p.protocols.contains(&Tls13), "{}", p.name);
                let lowest = TlsVersion::parse(&rest[..3].replace('-', ".")).unwrap();
                assert_eq!(p.lowest(), lowest, "{}", p.name);
            }
        }
    }

    #[test]
    fn versions_parse_in_the_usual_spellings() {
        assert_eq!(TlsVersion::parse("1.2"), Some(Tls12));
        assert_eq!(TlsVersion::parse("TLSv1.1"), Some(Tls11));
        assert_eq!(TlsVersion::parse("TLS 1.3"), Some(Tls13));
        assert_eq!(TlsVersion::parse("1.4"), None);
        assert_eq!(TlsVersion::parse("high"), None);
    }
}
