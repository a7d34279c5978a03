//! The legacy probe's parser of a server's first bytes (ServerHello, Alert, anything else).
#![no_main]

use albaudit::probe::legacy::{ServerResponse, parse_server_response};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let whole = parse_server_response(data);
    // A complete answer stays the same when more bytes follow it: the probe stops reading at
    // the first answer, so a later byte must not be able to change an earlier verdict.
    if whole != ServerResponse::Incomplete {
        let mut longer = data.to_vec();
        longer.extend_from_slice(&[0xff; 8]);
        assert_eq!(parse_server_response(&longer), whole, "verdict changed by trailing bytes");
    }
});
