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
export async function gql(query, variables = {}, operationName) {
  const headers = {
    'content-type': 'application/json',
    accept: 'application/graphql-response+json, application/json',
  };
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
  const body = await response.json().catch(() => null);
  if (!body) throw new Error(`El gateway respondió ${response.status} sin un resultado GraphQL`);
  if (response.status === 401) session.save(null);
  return body;
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

// Runs a persisted operation by name. Operations that can leave out personal data
// (`$pii`) or every partner's payout figures (`$pagos`) do so when the session may not
// see them, so the server never has to refuse a field.
export async function run(name, variables = {}) {
  const text = await operation(name);
  const flags = {};
  if (/\$pii\b/.test(text)) flags.pii = veDatosPersonales();
  if (/\$pagos\b/.test(text)) flags.pagos = !esAfiliado();
  return gql(text, { ...flags, ...variables }, name);
}
