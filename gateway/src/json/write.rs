//! Writing JSON text straight into a buffer: numbers verbatim, strings escaped with a fast
//! path for the common case of nothing to escape.

use super::Value;

/// Appends `value` as JSON text.
pub fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        // Checked against JSON's number grammar when it was made.
        Value::Number(n) => out.extend_from_slice(n.as_str().as_bytes()),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (key, value)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, key);
                out.push(b':');
                write_value(out, value);
            }
            out.push(b'}');
        }
    }
}

/// Appends a JSON array of items that are JSON text already, written as they are.
pub fn write_raw_array<'a>(out: &mut Vec<u8>, items: impl IntoIterator<Item = &'a [u8]>) {
    out.push(b'[');
    for (i, item) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(item);
    }
    out.push(b']');
}

/// Whether a byte must be escaped in a JSON string.
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Whether any of eight bytes must be escaped (SWAR: a byte below 0x20, `"` or `\\`).
fn word_needs_escape(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |v: u64| v.wrapping_sub(ONES) & !v & HIGHS;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    below_space
        | has_zero(word ^ (ONES * u64::from(b'"')))
        | has_zero(word ^ (ONES * u64::from(b'\\')))
        != 0
}

/// Appends a GraphQL name (`[_A-Za-z][_0-9A-Za-z]*`: a response key) as an object key,
/// with its colon. Such a name never needs escaping, so it is copied without a look.
pub fn write_name_key(out: &mut Vec<u8>, name: &str) {
    debug_assert!(
        name.bytes().all(|b| !needs_escape(b)),
        "{name:?} is not a name"
    );
    out.reserve(name.len() + 3);
    out.push(b'"');
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b"\":");
}

/// Appends `s` as a JSON string.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // Most strings need no escape: checked 32 bytes at a time (a fold without an early
    // exit, which the compiler turns into vector compares), then eight (SWAR), then one.
    let mut chunks = bytes.chunks_exact(32);
    let mut clean = chunks
        .by_ref()
        .all(|chunk| !chunk.iter().fold(false, |any, &b| any | needs_escape(b)));
    if clean {
        let mut words = chunks.remainder().chunks_exact(8);
        clean = words.by_ref().all(|word| {
            let mut eight = [0u8; 8];
            eight.copy_from_slice(word);
            !word_needs_escape(u64::from_le_bytes(eight))
        }) && !words.remainder().iter().any(|&b| needs_escape(b));
    }
    if clean {
        out.extend_from_slice(bytes);
    } else {
        let mut start = 0;
        for (i, &b) in bytes.iter().enumerate() {
            if !needs_escape(b) {
                continue;
            }
            out.extend_from_slice(&bytes[start..i]);
            match b {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                0x08 => out.extend_from_slice(b"\\b"),
                0x0c => out.extend_from_slice(b"\\f"),
                _ => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    out.extend_from_slice(b"\\u00");
                    out.push(HEX[usize::from(b >> 4)]);
                    out.push(HEX[usize::from(b & 0xf)]);
                }
            }
            start = i + 1;
        }
        out.extend_from_slice(&bytes[start..]);
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        for s in [
            "",
            "plain",
            "a \"quoted\" \\ back",
            "line\nfeed\r\ttab\u{8}\u{c}\u{1}\u{1f}",
            "é ü 😀 and a long run of text that goes past one chunk of sixteen bytes \"",
            "eight by\u{1f}tes, then more: \\ and ~ \u{7f} \u{80}",
        ] {
            let mut out = Vec::new();
            write_str(&mut out, s);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(s).unwrap()
            );
        }
    }

    #[test]
    fn any_string_is_escaped_as_serde_json_escapes_it() {
        use rand::{Rng, SeedableRng, rngs::StdRng};
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..2000 {
            let len = rng.random_range(0..40);
            let s: String = (0..len)
                .map(|_| match rng.random_range(0..4) {
                    0 => char::from(rng.random_range(0u8..0x80)),
                    1 => ['"', '\\', '\n', '\u{1}', '~'][rng.random_range(0..5)],
                    _ => rng.random::<char>(),
                })
                .collect();
            let mut out = Vec::new();
            write_str(&mut out, &s);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&s).unwrap()
            );
        }
    }

    #[test]
    fn values_are_written_as_received() {
        let text =
            r#"{"a":[1.50,-0,1e400,true,false,null],"b":{"c":"d\n"},"e":123456789012345678901}"#;
        let mut out = Vec::new();
        write_value(&mut out, &super::super::parse(text.as_bytes()).unwrap());
        assert_eq!(String::from_utf8(out).unwrap(), text);
    }
}
