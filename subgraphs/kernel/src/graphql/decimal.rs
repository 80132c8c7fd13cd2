use async_graphql::{InputValueError, InputValueResult, Scalar, ScalarType, Value};
use rust_decimal::Decimal;

/// Exact decimal scalar: a string (`"1250.50"`) or an integer; floats are refused, since a
/// JSON float has already lost digits before it reaches us.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecimalScalar(pub Decimal);

/// An exact decimal number, sent as a string such as "1250.50" (integers are also accepted).
#[Scalar(name = "Decimal")]
impl ScalarType for DecimalScalar {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            // `from_str_exact` refuses digits it would have to round away.
            Value::String(text) => Decimal::from_str_exact(text.trim())
                .map(DecimalScalar)
                .map_err(|_| InputValueError::custom(format!("'{text}' no es un decimal válido"))),
            Value::Number(number) => number
                .as_i64()
                .map(|n| DecimalScalar(Decimal::from(n)))
                .ok_or_else(|| {
                    InputValueError::custom(
                        "Los decimales se envían como texto (\"1250.50\"), nunca como número de coma flotante",
                    )
                }),
            _ => Err(InputValueError::expected_type(value)),
        }
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
        assert!(parse(Value::Boolean(true)).is_err());
    }
}
