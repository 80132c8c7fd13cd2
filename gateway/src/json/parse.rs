//! Parsing JSON text into a [`Value`] with numbers kept as written.

use jiter::{Jiter, JiterError, Peek};

use super::{Key, Map, Number, Value};

/// Deepest nesting accepted (as serde_json's default recursion limit): deeper text is
/// refused before it can exhaust the stack.
pub const MAX_DEPTH: usize = 128;

/// Why a text is not a JSON value.
#[derive(Debug, thiserror::Error)]
pub enum ParseError {
    /// Not JSON.
    #[error("invalid JSON: {0}")]
    Syntax(#[from] JiterError),
    /// A number outside JSON's grammar.
    #[error("invalid JSON number at byte {0}")]
    Number(usize),
    /// Nested deeper than [`MAX_DEPTH`].
    #[error("JSON nested deeper than {MAX_DEPTH} levels")]
    TooDeep,
}

/// Parses one JSON value (surrounding whitespace allowed, nothing else after it).
pub fn parse(text: &[u8]) -> Result<Value, ParseError> {
    let mut parser = Parser {
        jiter: Jiter::new(text),
        entries: Vec::new(),
        items: Vec::new(),
    };
    let peek = parser.jiter.peek()?;
    let value = parser.value(peek, 0)?;
    parser.jiter.finish()?;
    Ok(value)
}

/// The reader, and stacks the members of the objects and arrays being read gather on:
/// each is then moved out at its exact size (one allocation, no slack, no regrowth).
struct Parser<'j> {
    jiter: Jiter<'j>,
    entries: Vec<(Key, Value)>,
    items: Vec<Value>,
}

impl Parser<'_> {
    fn value(&mut self, peek: Peek, depth: usize) -> Result<Value, ParseError> {
        let jiter = &mut self.jiter;
        Ok(match peek {
            Peek::Null => {
                jiter.known_null()?;
                Value::Null
            }
            Peek::True | Peek::False => Value::Bool(jiter.known_bool(peek)?),
            Peek::String => Value::String(jiter.known_str()?.into()),
            Peek::Array => {
                if depth >= MAX_DEPTH {
                    return Err(ParseError::TooDeep);
                }
                let start = self.items.len();
                let mut next = self.jiter.known_array()?;
                while let Some(peek) = next {
                    let item = self.value(peek, depth + 1)?;
                    self.items.push(item);
                    next = self.jiter.array_step()?;
                }
                Value::Array(self.items.split_off(start))
            }
            Peek::Object => {
                if depth >= MAX_DEPTH {
                    return Err(ParseError::TooDeep);
                }
                let start = self.entries.len();
                let mut key = self.jiter.known_object()?.map(Key::from);
                while let Some(k) = key {
                    let peek = self.jiter.peek()?;
                    let value = self.value(peek, depth + 1)?;
                    self.entries.push((k, value));
                    key = self.jiter.next_key()?.map(Key::from);
                }
                let mut map = Map::from_entries(self.entries.split_off(start));
                map.dedup_last();
                Value::Object(map)
            }
            _ => {
                let at = jiter.current_index();
                let text = jiter.known_number_bytes(peek)?;
                let number = std::str::from_utf8(text)
                    .ok()
                    .and_then(Number::from_text)
                    .ok_or(ParseError::Number(at))?;
                Value::Number(number)
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) -> String {
        serde_json::to_string(&parse(text.as_bytes()).expect("valid JSON")).expect("serialises")
    }

    #[test]
    fn numbers_are_written_back_as_received() {
        for n in [
            "-234.71146943839653",
            "0.1",
            "1.50",
            "1e400",
            "-0",
            "-0.0",
            "1E+2",
            "123456789012345678901234567890",
            "-98765432109876543210",
            "3.141592653589793238462643383279502884197",
            "5e-324",
            "18446744073709551616",
        ] {
            assert_eq!(round_trip(n), n);
            let wrapped = format!(r#"{{"a":[{n},{{"b":{n}}}]}}"#);
            assert_eq!(round_trip(&wrapped), wrapped);
        }
    }

    #[test]
    fn keys_keep_their_order_and_strings_their_escapes_decoded() {
        assert_eq!(
            round_trip(r#"{"z":1,"a":"\u00e9\n\ud83d\ude00","m":null}"#),
            "{\"z\":1,\"a\":\"é\\n😀\",\"m\":null}"
        );
    }

    #[test]
    fn invalid_text_is_refused() {
        for bad in [
            "01", "+1", "1.", ".5", "NaN", "Infinity", "-", "1e", "{", "[1,]", "{\"a\"}",
            "\"\\x\"", "[] []", "",
        ] {
            assert!(parse(bad.as_bytes()).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let ok = "[".repeat(MAX_DEPTH) + &"]".repeat(MAX_DEPTH);
        assert!(parse(ok.as_bytes()).is_ok());
        let deep = "[".repeat(MAX_DEPTH + 1) + &"]".repeat(MAX_DEPTH + 1);
        assert!(matches!(parse(deep.as_bytes()), Err(ParseError::TooDeep)));
        let bomb = "{\"a\":".repeat(100_000);
        assert!(parse(bomb.as_bytes()).is_err());
    }
}
