//! A client's subscription through the gateway: admitted, authorized and planned like any
//! request, then its root field subscribed to on its subgraph (shared by identical
//! subscriptions) and every event completed through the rest of the plan.

use std::{sync::Arc, time::Instant};

use futures::{StreamExt, stream::BoxStream};
use serde_json::{Map, Value, json};

use super::{UpstreamEvent, UpstreamRequest, payload};
use crate::{
    auth::Denied,
    engine::{Engine, EngineResponse, RequestOptions, forwarded},
    executor,
    pipeline::{
        ErrorCode, GraphqlRequest, PipelineError, admit::Admitted, authorize, plan::CachedPlan,
        respond,
    },
    query_planner::{FetchKind, FetchNode},
};

impl Engine {
    /// Runs one request over a streaming transport: a subscription yields a response per
    /// event (its root field from its subgraph's subscription, every other field fetched
    /// through the rest of the plan), anything else one response. A request refused before
    /// execution is an `Err` with its response.
    pub async fn subscribe(
        self: &Arc<Self>,
        request: &GraphqlRequest,
        options: &RequestOptions,
    ) -> Result<BoxStream<'static, bytes::Bytes>, EngineResponse> {
        let deadline = self.deadline(options, Instant::now());
        let admitted = self
            .admit(request, options, deadline)
            .await
            .map(Arc::new)
            .map_err(EngineResponse::refused)?;
        if super::live::is_live(&admitted.prepared.operation) {
            return self.live(request, options, &admitted);
        }
        if admitted.prepared.operation.operation_type
            != apollo_compiler::executable::OperationType::Subscription
        {
            // A query or mutation: its answer, then its deferred payloads if any.
            let response = self.execute(request, options).await;
            let first = futures::stream::iter([response.body]);
            return Ok(match response.deferred {
                Some(rest) => first.chain(rest.0).boxed(),
                None => first.boxed(),
            });
        }
        // A root field the caller may not see leaves nothing to subscribe to: the whole
        // subscription is refused with the denial's code, before anything is planned.
        authorize::root_allowed(&self.policy, &admitted, options.claims.as_ref())
            .map_err(EngineResponse::refused)?;
        let labels = self.planning.active_labels();
        let (denied, cached) = self
            .plan(
                &admitted,
                request,
                options.claims.as_ref(),
                (&labels, deadline),
            )
            .await
            .map_err(EngineResponse::refused)?;
        let root = cached
            .plan
            .fetches()
            .into_iter()
            .find(|f| f.operation_kind == FetchKind::Subscription)
            .cloned();
        let Some(root) = root else {
            return Err(EngineResponse::refused(PipelineError::single(
                ErrorCode::QueryPlanningFailed,
                "the subscription's root field has no subgraph to subscribe to",
            )));
        };
        let forwarded = forwarded(options, &admitted);
        let variables: Map<String, Value> = root
            .variable_usages
            .iter()
            .filter_map(|n| admitted.variables.get(n).map(|v| (n.clone(), v.clone())))
            .collect();
        // A replica in service, in turn; a subscription stays on it until it ends.
        let url = self
            .endpoints
            .get(root.subgraph_index)
            .and_then(|(_, replicas)| {
                let first = replicas.order().next()?;
                Some(replicas.url(first).to_owned())
            })
            .unwrap_or_default();
        let mut headers = Vec::new();
        if let Some(secret) = &self.subgraph_secret {
            headers.push((executor::SECRET_HEADER, secret.clone()));
        }
        if let Some(claims) = &forwarded.claims {
            headers.push((executor::CLAIMS_HEADER, claims.clone()));
        }
        if let Some(id) = &forwarded.request_id {
            headers.push((executor::REQUEST_ID_HEADER, id.clone()));
        }
        // Identical subscriptions (same plan, variables and caller) share one completed
        // stream: each event is completed once for all of them.
        let key = (
            Arc::as_ptr(&cached) as usize,
            Value::Object(admitted.variables.clone()).to_string(),
            forwarded.claims.clone(),
        );
        let service = root.service_name.clone();
        let lagged = move |skipped: u64| {
            let message = format!(
                "the subscription ended: the client fell {skipped} events behind and was \
                 unsubscribed (it reads slower than events arrive)"
            );
            Some(error_body(&message, "SUBSCRIPTION_UPSTREAM_LOST", &service))
        };
        let engine = self.clone();
        let expires_at = options.claims.as_ref().and_then(|c| c.expires_at());
        let start = move || {
            let feed = engine.hub.join(
                root.subgraph_index,
                UpstreamRequest {
                    url,
                    payload: payload(
                        &root.operation_named(forwarded.operation_name.as_deref()),
                        variables,
                    ),
                    headers,
                },
                forwarded.claims.clone(),
            );
            let event = Arc::new(EventContext {
                admitted,
                denied,
                root,
                forwarded,
                cached,
                expires_at,
            });
            // Each answer says whether it ends the subscription (an error, the end, an
            // expired token): the shared stream ends right after it.
            feed.then(move |upstream| {
                let (engine, event) = (engine.clone(), event.clone());
                async move { engine.subscription_event(&upstream, &event).await }
            })
            .boxed()
        };
        // Answers without a body (the upstream's plain end) end the stream silently.
        Ok(self
            .completions
            .join(key, start, lagged)
            .filter_map(futures::future::ready)
            .boxed())
    }

    /// The response to one upstream event, and whether it ends the subscription.
    async fn subscription_event(
        &self,
        upstream: &UpstreamEvent,
        context: &EventContext,
    ) -> (Option<bytes::Bytes>, bool) {
        let EventContext {
            admitted,
            denied,
            root,
            forwarded,
            cached,
            expires_at,
        } = context;
        let service = &root.service_name;
        if crate::auth::expired(*expires_at) {
            let message = "the token expired: subscribe again with a new one";
            return (Some(error_body(message, "UNAUTHENTICATED", service)), true);
        }
        let response = match upstream {
            UpstreamEvent::Next(response) => response,
            UpstreamEvent::Error(errors) => {
                let body = json!({ "errors": errors });
                return (Some(body.to_string().into()), true);
            }
            UpstreamEvent::Complete => return (None, true),
            UpstreamEvent::Lost(why) => {
                let message = format!("the subscription ended: {why}");
                let body = error_body(&message, "SUBSCRIPTION_UPSTREAM_LOST", service);
                return (Some(body), true);
            }
        };
        let data = response.get("data").cloned().unwrap_or_default();
        let mut raw = executor::execute_from(
            &cached.plan,
            self.client.as_ref(),
            &admitted.variables,
            forwarded,
            None,
            Some((root.id, data)),
        )
        .await;
        raw.errors
            .extend(executor::subgraph_errors(response, service));
        let (body, _) = respond::shape(&self.supergraph, admitted, raw, None, denied);
        (Some(body.into()), false)
    }
}

/// What completing each event of one subscription needs.
struct EventContext {
    admitted: Arc<Admitted>,
    denied: Denied,
    root: FetchNode,
    forwarded: executor::Forwarded,
    cached: Arc<CachedPlan>,
    /// The token's `exp`: events after it end the subscription.
    expires_at: Option<u64>,
}

/// A response with one error of `code` from `service`.
fn error_body(message: &str, code: &str, service: &str) -> bytes::Bytes {
    let body = json!({ "errors": [{ "message": message, "extensions": { "code": code, "service": service } }] });
    bytes::Bytes::from(body.to_string())
}
