use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use rust_decimal::Decimal;

/// Exact decimal scalar: a string (`"1250.50"`) or an integer; floats are refused, since a
/// JSON float has already lost digits before it reaches us.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecimalScalar(pub Decimal);

impl DecimalScalar {
    /// The exact decimal `value` holds, or why not. Messages never quote the value: it
    /// may be anything a client sent.
    fn exacto(value: &Value) -> Result<Decimal, &'static str> {
        match value {
            // `from_str_exact` refuses digits it would have to round away.
            Value::String(text) => Decimal::from_str_exact(text.trim())
                .map_err(|_| "no es un decimal válido (p. ej. \"1250.50\")"),
            Value::Number(number) => number.as_i64().map(Decimal::from).ok_or(
                "los decimales se envían como texto (\"1250.50\"), nunca como número de coma flotante",
            ),
            _ => Err("se esperaba un decimal en texto (p. ej. \"1250.50\")"),
        }
    }
}

/// An exact decimal number, sent as a string such as "1250.50" (integers are also accepted).
#[Scalar(name = "Decimal")]
impl ScalarType for DecimalScalar {
    fn parse(value: Value) -> InputValueResult<Self> {
        DecimalScalar::exacto(&value)
            .map(DecimalScalar)
            .map_err(InputValueError::custom)
    }

    /// The same check as `parse`, so async-graphql refuses a bad decimal while
    /// validating, before anything executes.
    fn is_valid(value: &Value) -> bool {
        DecimalScalar::exacto(value).is_ok()
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_integers_are_exact_floats_are_refused() {
        let parse = |v: Value| <DecimalScalar as ScalarType>::parse(v).map(|d| d.0.to_string());
        assert_eq!(
            parse(Value::from("1250.50")).ok().as_deref(),
            Some("1250.50")
        );
        assert_eq!(
            parse(Value::from(9_007_199_254_740_993_i64))
                .ok()
                .as_deref(),
            Some("9007199254740993")
        );
        assert!(parse(Value::from(1.5_f64)).is_err());
        assert!(parse(Value::from("1,5")).is_err());
        assert!(parse(Value::from("NaN")).is_err());
        assert!(parse(Value::Boolean(true)).is_err());
        for malo in [Value::from(100.5_f64), Value::from("€"), Value::Null] {
            assert!(!<DecimalScalar as ScalarType>::is_valid(&malo));
        }
        assert!(<DecimalScalar as ScalarType>::is_valid(&Value::from(
            "10.50"
        )));
    }

    #[test]
    fn errors_never_quote_the_value() {
        let secreto = "x".repeat(10_000);
        let error = <DecimalScalar as ScalarType>::parse(Value::from(secreto.clone()))
            .expect_err("not a decimal")
            .into_server_error(async_graphql::Pos::default());
        assert!(
            !error.message.contains(&secreto[..100]),
            "{}",
            error.message
        );
    }
}
