//! Incremental delivery (`@defer`, `@stream`): the payloads of the incremental-delivery
//! RFC (graphql/defer-stream-wg): an initial `{data, errors?, pending, hasNext}`, then
//! `{pending?, incremental, completed, hasNext}` per delivered site (a deferred fragment's
//! `data`, or a streamed list's remaining `items`).

use apollo_compiler::{ExecutableDocument, Schema, executable::Operation};

use super::project::{Deferring, Pending, Projector, Variables};
use crate::auth::Denied;
use crate::json::{Value, write_value};
use crate::query_planner::{
    DeferSite, SiteIndex, StreamSite, defer_sites, site_index, stream_index, stream_sites,
};

/// The shape of the payloads a client reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IncrementalFormat {
    /// The current incremental-delivery RFC: `pending` announces each fragment or
    /// stream by `id`, `incremental` entries name it, `completed` ends it.
    #[default]
    Rfc,
    /// Apollo's `deferSpec=20220824` (what Apollo clients ask for): `incremental`
    /// entries carry their `path` and `label`; no `pending` or `completed`.
    Apollo20220824,
}

/// What shaping a payload reads of the request.
#[derive(Clone, Copy)]
pub struct Shaping<'a> {
    /// The payloads' shape.
    pub format: IncrementalFormat,
    /// The API schema.
    pub schema: &'a Schema,
    /// The operation's document.
    pub document: &'a ExecutableDocument,
    /// The operation.
    pub operation: &'a Operation,
    /// The client's variables.
    pub variables: &'a Variables,
    /// Fields the caller may not see.
    pub denied: &'a Denied,
}

/// A deferred fragment, or the rest of a streamed list, announced and not completed yet.
#[derive(Clone, Debug)]
pub struct Record {
    /// Its id in the response (`pending[].id`).
    pub id: String,
    /// Its defer site, or its stream site for a streamed list.
    pub site: usize,
    /// For a streamed list: the first item it delivers.
    pub stream: Option<usize>,
    /// The path of the object holding the fragment, or of the list.
    path: Vec<Value>,
    /// That object's type, or the type of the object holding the list.
    typename: String,
}

impl Record {
    /// Where its delivery goes, as the `deferSpec=20220824` shape says it: the
    /// fragment's object, or a stream's first item left.
    pub fn path(&self) -> Value {
        let mut path = self.path.clone();
        if let Some(start) = self.stream {
            path.push(Value::from(start));
        }
        Value::Array(path)
    }
}

/// Numbers records in the order they are announced.
#[derive(Debug, Default)]
pub struct RecordIds(usize);

impl RecordIds {
    fn next(&mut self) -> String {
        let id = self.0.to_string();
        self.0 += 1;
        id
    }
}

/// Which sites split this response.
#[derive(Clone, Debug, Default)]
pub struct Activity {
    /// Whether each defer site defers, by site number.
    pub defers: Vec<bool>,
    /// For each stream site that streams, how many items come first, by site number.
    pub streams: Vec<Option<usize>>,
}

impl Activity {
    /// The sites of an operation that split its response with these variables.
    pub fn of(document: &ExecutableDocument, operation: &Operation, variables: &Variables) -> Self {
        Self {
            defers: defer_sites(document, operation)
                .iter()
                .map(|site| site.condition.holds(variables))
                .collect(),
            streams: stream_sites(document, operation)
                .iter()
                .map(|site| {
                    site.condition
                        .holds(variables)
                        .then(|| site.initial_count.value(variables))
                })
                .collect(),
        }
    }

    /// Whether any site splits the response.
    pub fn any(&self) -> bool {
        self.defers.iter().any(|d| *d) || self.streams.iter().any(Option::is_some)
    }
}

/// The operation's defer and stream sites, with their indexes (by directive).
struct Sites<'a> {
    defers: Vec<DeferSite<'a>>,
    defer_index: SiteIndex,
    streams: Vec<StreamSite<'a>>,
    stream_index: SiteIndex,
}

impl<'a> Sites<'a> {
    fn of(shaping: &Shaping<'a>) -> Self {
        let defers = defer_sites(shaping.document, shaping.operation);
        let streams = stream_sites(shaping.document, shaping.operation);
        Self {
            defer_index: site_index(&defers),
            stream_index: stream_index(&streams),
            defers,
            streams,
        }
    }

    fn label(&self, record: &Record) -> Option<&str> {
        match record.stream {
            Some(_) => self.streams.get(record.site)?.label.as_deref(),
            None => self.defers.get(record.site)?.label.as_deref(),
        }
    }
}

fn projector<'a, 'e>(
    shaping: &Shaping<'a>,
    (sites, activity): (&'e Sites<'a>, &'e Activity),
    errors: &'e mut Vec<Value>,
) -> Projector<'a, 'e> {
    Projector {
        schema: shaping.schema,
        document: shaping.document,
        variables: shaping.variables,
        errors,
        fields: Default::default(),
        denied: shaping.denied,
        deferring: Some(Deferring {
            index: &sites.defer_index,
            active: &activity.defers,
            stream_index: &sites.stream_index,
            streams: &activity.streams,
            pending: Vec::new(),
        }),
        base: Vec::new(),
    }
}

/// Turns the places a projection left deferred fragments out into announced records,
/// writing `"pending":[...]` (with a leading comma) when there are any.
fn announce(
    (sites, format): (&Sites<'_>, IncrementalFormat),
    pending: Vec<Pending>,
    ids: &mut RecordIds,
    out: &mut Vec<u8>,
) -> Vec<Record> {
    if pending.is_empty() {
        return Vec::new();
    }
    if format == IncrementalFormat::Apollo20220824 {
        // Nothing announced: each entry will say where it goes.
        return pending
            .into_iter()
            .map(|p| Record {
                id: ids.next(),
                site: p.site,
                stream: p.stream,
                path: p.path,
                typename: p.typename,
            })
            .collect();
    }
    out.extend_from_slice(b",\"pending\":[");
    let mut records = Vec::with_capacity(pending.len());
    for (i, p) in pending.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let record = Record {
            id: ids.next(),
            site: p.site,
            stream: p.stream,
            path: p.path,
            typename: p.typename,
        };
        let mut entry = crate::json!({ "id": record.id.as_str(), "path": record.path.clone() });
        if let (Some(label), Value::Object(map)) = (sites.label(&record), &mut entry) {
            map.insert("label", label.into());
        }
        write_value(out, &entry);
        records.push(record);
    }
    out.push(b']');
    records
}

fn write_errors(out: &mut Vec<u8>, errors: &[Value]) {
    out.extend_from_slice(b"\"errors\":[");
    for (i, error) in errors.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_value(out, error);
    }
    out.push(b']');
}

/// The initial payload without its closing `"hasNext"` (see [`finish`]): `data` projected
/// without the deferred fragments, the fetch `errors`, the records it announces, and
/// whether it has errors.
pub fn initial_payload(
    shaping: &Shaping<'_>,
    activity: &Activity,
    data: &Value,
    mut errors: Vec<Value>,
    ids: &mut RecordIds,
) -> (Vec<u8>, Vec<Record>, bool) {
    let sites = Sites::of(shaping);
    let mut body = Vec::with_capacity(256);
    body.extend_from_slice(b"{\"data\":");
    let mut projector = projector(shaping, (&sites, activity), &mut errors);
    projector.project(&shaping.operation.selection_set, data, &mut body);
    let pending = projector
        .deferring
        .take()
        .map(|d| d.pending)
        .unwrap_or_default();
    if !errors.is_empty() {
        body.push(b',');
        write_errors(&mut body, &errors);
    }
    let records = announce((&sites, shaping.format), pending, ids, &mut body);
    (body, records, !errors.is_empty())
}

/// The payload completing `records` (their fetches done) without its closing
/// `"hasNext"`: each fragment's data at its path (or its errors, when a null voided it),
/// the fetch `errors` with the first of them, and the records nested inside (announced).
pub fn subsequent_payload(
    shaping: &Shaping<'_>,
    activity: &Activity,
    data: &Value,
    records: &[Record],
    mut errors: Vec<Value>,
    ids: &mut RecordIds,
) -> (Vec<u8>, Vec<Record>, bool) {
    let sites = Sites::of(shaping);
    let mut incremental: Vec<Vec<u8>> = Vec::new();
    let mut completed: Vec<Vec<u8>> = Vec::new();
    let mut pending = Vec::new();
    let mut has_errors = false;
    for record in records {
        let mut record_errors = std::mem::take(&mut errors);
        let (written, nested) = {
            let mut projector = projector(shaping, (&sites, activity), &mut record_errors);
            projector.base = record.path.clone();
            let mut out = Vec::new();
            let typename = shaping
                .schema
                .types
                .get_key_value(record.typename.as_str())
                .map(|(name, _)| name.as_str());
            let value = at_path(data, &record.path);
            let written = match (record.stream, typename, value) {
                (None, Some(typename), Some(object)) => match sites.defers.get(record.site) {
                    Some(site) => {
                        projector.project_object(site.selection, typename, object, &mut out)
                    }
                    None => false,
                },
                (Some(start), Some(typename), Some(list)) => match sites.streams.get(record.site) {
                    Some(site) => {
                        projector.project_items(site.field, typename, list, start, &mut out)
                    }
                    None => false,
                },
                _ => false,
            };
            let nested = projector
                .deferring
                .take()
                .map(|d| d.pending)
                .unwrap_or_default();
            (written.then_some(out), nested)
        };
        has_errors |= !record_errors.is_empty();
        let key = if record.stream.is_some() {
            "items"
        } else {
            "data"
        };
        if shaping.format == IncrementalFormat::Apollo20220824 {
            incremental.push(apollo_entry(
                &sites,
                record,
                (key, written.as_deref()),
                &record_errors,
            ));
            pending.extend(nested);
            continue;
        }
        let mut done = format!("{{\"id\":\"{}\"", record.id).into_bytes();
        match written {
            Some(object) => {
                let mut entry = format!("{{\"id\":\"{}\",\"{key}\":", record.id).into_bytes();
                entry.extend_from_slice(&object);
                if !record_errors.is_empty() {
                    entry.push(b',');
                    write_errors(&mut entry, &record_errors);
                }
                entry.push(b'}');
                incremental.push(entry);
                pending.extend(nested);
            }
            // A null bubbled past the fragment: no data, its errors go with its completion.
            None if !record_errors.is_empty() => {
                done.push(b',');
                write_errors(&mut done, &record_errors);
            }
            None => {}
        }
        done.push(b'}');
        completed.push(done);
    }
    // `pending` first: what this payload announces, then what it delivers and completes.
    let mut body = b"{".to_vec();
    let announced = announce((&sites, shaping.format), pending, ids, &mut body);
    for (name, items) in [("incremental", &incremental), ("completed", &completed)] {
        if items.is_empty() {
            continue;
        }
        body.push(b',');
        body.extend_from_slice(format!("\"{name}\":[").as_bytes());
        body.extend_from_slice(&items.join(&b',')[..]);
        body.push(b']');
    }
    // Every section was written with a leading comma: the first one's goes.
    if body.get(1) == Some(&b',') {
        body.remove(1);
    }
    (body, announced, has_errors)
}

/// An `incremental` entry of the `deferSpec=20220824` format: the data (`null` when a
/// null voided it), where it goes (a stream's: its first item's place) and its label.
fn apollo_entry(
    sites: &Sites<'_>,
    record: &Record,
    (key, written): (&str, Option<&[u8]>),
    errors: &[Value],
) -> Vec<u8> {
    let mut entry = format!("{{\"{key}\":").into_bytes();
    entry.extend_from_slice(written.unwrap_or(b"null"));
    entry.extend_from_slice(b",\"path\":");
    write_value(&mut entry, &record.path());
    if let Some(label) = sites.label(record) {
        entry.extend_from_slice(b",\"label\":");
        write_value(&mut entry, &Value::from(label));
    }
    if !errors.is_empty() {
        entry.push(b',');
        write_errors(&mut entry, errors);
    }
    entry.push(b'}');
    entry
}

/// Closes a payload with its `hasNext`.
pub fn finish(mut body: Vec<u8>, has_next: bool) -> Vec<u8> {
    body.extend_from_slice(if has_next {
        b",\"hasNext\":true}"
    } else {
        b",\"hasNext\":false}"
    });
    body
}

/// The value at a response path (keys and list indices) of the raw data.
fn at_path<'v>(data: &'v Value, path: &[Value]) -> Option<&'v Value> {
    let mut at = data;
    for step in path {
        at = match (step, at) {
            (Value::String(key), Value::Object(map)) => map.get(key.as_str())?,
            (step, Value::Array(items)) => items.get(usize::try_from(step.as_u64()?).ok()?)?,
            _ => return None,
        };
    }
    Some(at)
}
