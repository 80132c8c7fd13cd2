//! Authorization: which fields of an admitted operation the caller may not see
//! (`@authenticated`, `@requiresScopes`). Denied fields are left out of the plan and
//! answered `null` with an error at their path; a subscription whose root field is
//! denied is refused whole.

use crate::auth::{AccessPolicy, Claims, Denial, Denied};
use crate::pipeline::{ErrorCode, PipelineError, admit::Admitted};

/// The fields of `admitted` the caller may not see. A walk of the operation visiting each
/// fragment once: linear, cheap enough for the request's thread.
pub fn denied(policy: &AccessPolicy, admitted: &Admitted, claims: Option<&Claims>) -> Denied {
    if policy.is_empty() {
        return Denied::default();
    }
    policy.denied(
        &admitted.prepared.document,
        &admitted.prepared.operation.selection_set,
        claims,
    )
}

/// `Err` with the denial's code when a root field is denied: a subscription has nothing
/// to subscribe to then, so it is refused before anything is planned.
pub fn root_allowed(
    policy: &AccessPolicy,
    admitted: &Admitted,
    claims: Option<&Claims>,
) -> Result<(), PipelineError> {
    let denied = denied(policy, admitted, claims);
    let prepared = &admitted.prepared;
    match denied.root(&prepared.document, &prepared.operation) {
        None => Ok(()),
        Some((field, denial)) => {
            let code = match denial {
                Denial::Unauthenticated => ErrorCode::Unauthenticated,
                Denial::MissingScopes(_) => ErrorCode::Forbidden,
            };
            Err(PipelineError::single(code, denial.message(&field)))
        }
    }
}
