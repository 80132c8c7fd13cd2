use uuid::Uuid;

use crate::error::{DomainError, DomainResult};

/// The id of a new aggregate: the caller's if given (never the nil UUID), else a fresh one.
pub fn nuevo_id(dado: Option<Uuid>) -> DomainResult<Uuid> {
    match dado {
        Some(id) if id.is_nil() => Err(DomainError::invalid(
            "id",
            "El id no puede ser el UUID nulo",
        )),
        Some(id) => Ok(id),
        None => Ok(Uuid::new_v4()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caller_ids_are_kept_nil_is_refused() {
        let id = Uuid::new_v4();
        assert_eq!(nuevo_id(Some(id)), Ok(id));
        assert_eq!(nuevo_id(Some(Uuid::nil())).unwrap_err().campo(), Some("id"));
        assert!(!nuevo_id(None).unwrap().is_nil());
    }
}
