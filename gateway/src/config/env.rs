//! Which `GATEWAY_*` environment variables are settings. The prefix is shared with
//! variables that are not ours — Kubernetes defines `GATEWAY_PORT`,
//! `GATEWAY_SERVICE_HOST`… for a Service named `gateway`, and deployment scripts have their
//! own (`GATEWAY_SECRET`) — so only variables naming a known key path are read; the others
//! are reported, never fatal.

use serde_json::Value;

use super::{GatewayConfig, SubgraphConfig};

/// Variables that are not settings but are read elsewhere (`--config`'s variable).
const NOT_SETTINGS: [&str; 1] = ["CONFIG"];

/// The `GATEWAY_*` variables of this environment split into settings (their names after
/// the prefix) and ignored ones (full names).
pub(super) fn partition(prefix: &str) -> (Vec<String>, Vec<String>) {
    let defaults = serde_json::to_value(GatewayConfig::default()).unwrap_or(Value::Null);
    let subgraph = serde_json::to_value(SubgraphConfig::default()).unwrap_or(Value::Null);
    let mut settings = Vec::new();
    let mut ignored = Vec::new();
    // `vars_os`: a variable that is not UTF-8 must not panic the gateway.
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        let Some(rest) = name.strip_prefix(prefix) else {
            continue;
        };
        if NOT_SETTINGS.contains(&rest) {
            continue;
        }
        if is_setting(&defaults, &subgraph, rest) {
            settings.push(rest.to_owned());
        } else {
            ignored.push(name.to_owned());
        }
    }
    ignored.sort();
    (settings, ignored)
}

/// Whether `LIMITS__MAX_DEPTH` (key path in any case, `__` between levels) names a setting.
fn is_setting(defaults: &Value, subgraph: &Value, name: &str) -> bool {
    let path: Vec<String> = name.split("__").map(str::to_ascii_lowercase).collect();
    if path.iter().any(String::is_empty) {
        return false;
    }
    // `SUBGRAPHS__<NAME>__…`: any subgraph name, then a subgraph's own settings.
    if path.first().is_some_and(|p| p == "subgraphs") && path.len() >= 2 {
        return walk(subgraph, &path[2..]);
    }
    walk(defaults, &path)
}

/// Follows a key path through the defaults. An empty table is a map keyed by name
/// (`cache.type_ttl_secs`, `introspect.subgraphs`): any one key below it is a setting.
fn walk(value: &Value, path: &[String]) -> bool {
    let Some((head, rest)) = path.split_first() else {
        return true;
    };
    match value {
        Value::Object(map) if map.is_empty() => rest.is_empty(),
        Value::Object(map) => map.get(head).is_some_and(|child| walk(child, rest)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_key_paths_of_the_configuration_are_settings() {
        let defaults = serde_json::to_value(GatewayConfig::default()).expect("json");
        let subgraph = serde_json::to_value(SubgraphConfig::default()).expect("json");
        let setting = |name: &str| is_setting(&defaults, &subgraph, name);
        for name in [
            "LISTEN",
            "SUBGRAPH_TIMEOUT_MS",
            "LIMITS__MAX_DEPTH",
            "limits__max_depth",
            "AUTH__JWT_SECRET",
            "AUTH__LEEWAY_SECS",
            "SUBGRAPHS__PRODUCTS__URL",
            "SUBGRAPHS__PRODUCTS__URLS",
            "CACHE__TYPE_TTL_SECS__PAGO",
            "CACHE__INVALIDATION__REDIS_STREAM",
            "CORS",
            "SUBGRAPH_SECRET",
            "REST__HEALTH__PATH",
            "REST__HEALTH__SERVICES__CLIENTES",
            "REST__METRICS__PATH",
            "HEALTH__DEGRADED_LATENCY_MS",
        ] {
            assert!(setting(name), "{name} is a setting");
        }
        for name in [
            "SECRET",
            "PORT",
            "PORT_4000_TCP_ADDR",
            "SERVICE_HOST",
            "SERVICE_PORT",
            "LIMITS__NOPE",
            "LIMITS__MAX_DEPTH__X",
            "SUBGRAPHS__PRODUCTS__NOPE",
            "CACHE__TYPE_TTL_SECS__PAGO__X",
            "LIMITS____MAX_DEPTH",
            "",
        ] {
            assert!(!setting(name), "{name} is not a setting");
        }
    }
}
