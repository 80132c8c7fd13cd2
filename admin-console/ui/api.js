// The gateway's API on this origin: the demo login, GraphQL over HTTP, and the persisted
// operations of the repository (served next to the console).

const SESSION_KEY = 'alpes:consola:sesion';
const listeners = new Set();

export const session = {
  current() {
    try {
      const saved = JSON.parse(window.sessionStorage.getItem(SESSION_KEY));
      if (saved && saved.token && saved.expiresAt * 1000 > Date.now()) return saved;
    } catch {
      // Storage disabled or garbage: no session.
    }
    return null;
  },
  save(value) {
    try {
      if (value) window.sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
      else window.sessionStorage.removeItem(SESSION_KEY);
    } catch {
      // Storage disabled: the session lasts as long as the page.
    }
    listeners.forEach((listener) => listener(value));
  },
  onChange(listener) {
    listeners.add(listener);
  },
};

// Whether the session's token holds one of these scope sets in full (the README's
// authorization matrix): the console offers only what the server would allow.
export function permite(...alternativas) {
  const scopes = session.current()?.scopes || [];
  return alternativas.some((todas) => todas.every((scope) => scopes.includes(scope)));
}

// Personal data (e-mail, cédula, bank and payment data) needs `pii` or `admin`.
export function veDatosPersonales() {
  return permite(['pii'], ['admin']);
}

// A partner user (role `afiliado` in its token) sees only its own partner's rows.
export function esAfiliado() {
  const token = session.current()?.token;
  if (!token) return false;
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(window.atob(payload)).role === 'afiliado';
  } catch {
    return false;
  }
}

// Logs in a demo user; throws with the gateway's message on bad credentials.
export async function login(username, password) {
  const response = await fetch('/auth/login', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const message = body.errors?.[0]?.message || body.error || `Error ${response.status}`;
    throw new Error(
      response.status === 401 ? `Usuario o contraseña incorrectos (${message})` : message,
    );
  }
  const value = { username, token: body.token, expiresAt: body.expiresAt, scopes: body.scopes };
  session.save(value);
  return value;
}

// Runs an operation; resolves to the GraphQL response (`data` and `errors`), whatever the
// HTTP status; throws only when there is no GraphQL response at all.
// Posts a GraphQL request with the session's token, accepting `accept`; a 401 ends the
// session. Returns the HTTP response, unread.
async function post(query, variables, operationName, accept) {
  const headers = { 'content-type': 'application/json', accept };
  const current = session.current();
  if (current) headers.authorization = `Bearer ${current.token}`;
  let response;
  try {
    response = await fetch('/graphql', {
      method: 'POST',
      headers,
      body: JSON.stringify({ query, variables, operationName }),
    });
  } catch {
    throw new Error('No hay conexión con el gateway');
  }
  if (response.status === 401) session.save(null);
  return response;
}

// The GraphQL result of an answer that is one JSON document.
async function single(response) {
  const body = await response.json().catch(() => null);
  if (!body) throw new Error(`El gateway respondió ${response.status} sin un resultado GraphQL`);
  return body;
}

export async function gql(query, variables = {}, operationName) {
  return single(await post(query, variables, operationName, 'application/graphql-response+json, application/json'));
}

const operations = new Map();

// The text of a persisted operation of the repository (`operations/<name>.graphql`).
export async function operation(name) {
  if (!operations.has(name)) {
    operations.set(
      name,
      fetch(`/console/assets/${name}.graphql`).then((response) => {
        if (!response.ok) throw new Error(`Operación ${name} no disponible`);
        return response.text();
      }),
    );
  }
  return operations.get(name);
}

// Merges a deferred part into the data at its place: objects key by key, lists item by item.
function merge(target, part) {
  for (const [key, value] of Object.entries(part)) {
    const current = target[key];
    if (current && value && typeof current === 'object' && typeof value === 'object') merge(current, value);
    else target[key] = value;
  }
}

// Applies one payload of an incremental answer (`pending`, `incremental`, `completed`).
function apply(state, payload) {
  if ('data' in payload) state.data = payload.data;
  if (payload.errors) state.errors.push(...payload.errors);
  for (const p of payload.pending || []) state.pending.set(p.id, p.path || []);
  for (const inc of payload.incremental || []) {
    // The current RFC names the pending entry (`id`); the 2022 format gives the `path`.
    const path = inc.path || [...(state.pending.get(inc.id) || []), ...(inc.subPath || [])];
    let target = state.data;
    for (const key of path) target = target?.[key];
    if (target && inc.data) merge(target, inc.data);
    if (Array.isArray(target) && inc.items) target.push(...inc.items);
    if (inc.errors) state.errors.push(...inc.errors);
  }
  for (const c of payload.completed || []) {
    state.pending.delete(c.id);
    if (c.errors) state.errors.push(...c.errors);
  }
}

// Like `gql`, for operations with `@defer`: the gateway answers `multipart/mixed`, and
// `onData(data, errors, done)` runs after the first part and after each deferred one.
export async function gqlIncremental(query, variables, operationName, onData) {
  const response = await post(query, variables, operationName, 'multipart/mixed, application/graphql-response+json, application/json');
  if (!(response.headers.get('content-type') || '').startsWith('multipart/mixed')) {
    const body = await single(response);
    onData(body.data, body.errors || [], true);
    return;
  }
  const state = { data: null, errors: [], pending: new Map() };
  // Parts are delimited by CRLF "---"; each has headers, a blank line and one JSON payload
  // (JSON never holds a raw CR LF, so the delimiter cannot occur inside one).
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (value) buffer += decoder.decode(value, { stream: true });
    const parts = buffer.split('\r\n---');
    buffer = done ? '' : parts.pop();
    for (const part of parts) {
      const start = part.indexOf('\r\n\r\n');
      if (start < 0) continue;
      const payload = JSON.parse(part.slice(start + 4));
      apply(state, payload);
      onData(state.data, state.errors, payload.hasNext === false);
    }
    if (done) return;
  }
}

// Runs a persisted operation by name. Operations that can leave out personal data
// (`$pii`) or every partner's payout figures (`$pagos`) do so when the session may not
// see them, so the server never has to refuse a field.
export async function run(name, variables = {}) {
  const text = await operation(name);
  return gql(text, { ...flags(text), ...variables }, name);
}

// The same for an operation with `@defer`: `onData` as in `gqlIncremental`.
export async function runIncremental(name, variables, onData) {
  const text = await operation(name);
  return gqlIncremental(text, { ...flags(text), ...variables }, name, onData);
}

function flags(text) {
  const values = {};
  if (/\$pii\b/.test(text)) values.pii = veDatosPersonales();
  if (/\$pagos\b/.test(text)) values.pagos = !esAfiliado();
  return values;
}
