// DOM helpers. Nodes are built from data with createElement and text nodes, never
// innerHTML, so text from the server can never become markup.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') {
      el.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === 'className') {
      el.className = value;
    } else if (key === 'dataset') {
      if (value) Object.assign(el.dataset, value);
    } else {
      el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// Replaces an element's children.
export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// Exact decimal text (money never goes through floating point) with Spanish separators.
export function decimal(text) {
  if (text === null || text === undefined) return '—';
  const [whole, fraction] = String(text).split('.');
  const negative = whole.startsWith('-');
  const digits = negative ? whole.slice(1) : whole;
  const grouped = digits.replace(/\B(?=(\d{3})+(?!\d))/g, '.');
  return `${negative ? '-' : ''}${grouped}${fraction ? `,${fraction}` : ''}`;
}

export function dinero(amount) {
  return amount ? `${decimal(amount.valor)} ${amount.moneda}` : '—';
}

// Several amounts, one per currency (they are never added together).
export function dineros(amounts) {
  return amounts && amounts.length ? amounts.map(dinero).join(' · ') : '0';
}

export function fecha(iso) {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString('es-CO', { dateStyle: 'medium', timeStyle: 'short' });
}

export function estado(text) {
  return h('span', { className: `estado estado-${String(text).toLowerCase()}` }, text);
}

export function link(href, ...children) {
  return h('a', { href }, ...children);
}

// A table; `columns` are `[label, row => cell]`.
export function table(caption, columns, rows, empty = 'Sin resultados') {
  if (!rows || rows.length === 0) {
    return h('div', { className: 'tabla' }, h('p', { className: 'leyenda-tabla' }, caption), h('p', { className: 'vacio' }, empty));
  }
  return h(
    'div',
    { className: 'tabla' },
    h(
      'table',
      {},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, columns.map(([label]) => h('th', { scope: 'col' }, label)))),
      h('tbody', {}, rows.map((row) => h('tr', {}, columns.map(([, cell]) => h('td', {}, cell(row)))))),
    ),
  );
}

export function section(title, ...children) {
  return h('section', { className: 'panel', 'aria-label': title }, h('h2', {}, title), ...children);
}

// The messages of a response's errors, as an alert.
export function errores(list) {
  if (!list || list.length === 0) return null;
  return h(
    'div',
    { className: 'alerta', role: 'alert' },
    list.map((error) => h('p', {}, error.message)),
  );
}

export function cargando() {
  return h('p', { className: 'cargando', role: 'status' }, 'Cargando…');
}
