// Multi-service search: the persisted `Busqueda` operation asks every context at once; the
// results are merged into one list, best relevance first.

import { run } from './api.js';
import { clear, cargando, dinero, errores, estado, h, link } from './dom.js';

// How each context's results read: kind, title, detail and the composite view, if any.
const KINDS = [
  ['clientes', 'cliente', 'Cliente', (c) => c.nombre, (c) => c.email || '', (c) => `#/clientes/${c.id}`],
  ['afiliados', 'afiliado', 'Afiliado', (a) => a.nombre, (a) => [a.email, a.estado].filter(Boolean).join(' · '), (a) => `#/afiliados/${a.id}`],
  ['campanias', 'campania', 'Campaña', (c) => c.nombre, (c) => c.estado, () => null],
  ['conversiones', 'conversion', 'Conversión', (c) => c.referenciaExterna || c.id, (c) => `${dinero(c.valor)} · ${c.estado}`, () => null],
  ['pagos', 'pago', 'Pago', (p) => p.ciclo, (p) => `${dinero(p.montoTotal)} · ${p.estado}`, (p) => `#/pagos/${p.id}`],
];

function merged(data) {
  const rows = [];
  for (const [list, field, kind, title, detail, href] of KINDS) {
    for (const result of data[list] || []) {
      const item = result[field];
      rows.push({ kind, relevancia: Number(result.relevancia), title: title(item), detail: detail(item), href: href(item), estado: item.estado });
    }
  }
  return rows.sort((a, b) => b.relevancia - a.relevancia);
}

async function search(results, q) {
  clear(results, cargando());
  const response = await run('Busqueda', { q, limite: 10 });
  if (!response.data) {
    clear(results, errores(response.errors));
    return;
  }
  const rows = merged(response.data);
  clear(
    results,
    errores(response.errors),
    h('p', { className: 'nota', role: 'status' }, `${rows.length} resultados para «${q}»`),
    rows.length
      ? h(
          'ol',
          { className: 'resultados' },
          rows.map((row) =>
            h(
              'li',
              { className: 'resultado-busqueda', dataset: { tipo: row.kind } },
              h('span', { className: 'tipo' }, row.kind),
              h('span', { className: 'titulo-resultado' }, row.href ? link(row.href, row.title) : row.title),
              h('span', { className: 'detalle' }, row.detail),
              h(
                'span',
                { className: 'relevancia', title: 'Relevancia' },
                h('meter', { min: 0, max: 1, value: Math.min(1, row.relevancia), 'aria-label': 'Relevancia' }),
                row.relevancia.toFixed(2),
              ),
              row.estado ? estado(row.estado) : null,
            ),
          ),
        )
      : h('p', { className: 'vacio' }, 'Nada coincide con la búsqueda'),
  );
}

export function busqueda(main, initial) {
  const input = h('input', { id: 'q', name: 'q', type: 'search', value: initial, autocomplete: 'off', 'aria-describedby': 'q-ayuda' });
  const results = h('div', { className: 'panel' });
  const form = h(
    'form',
    { className: 'buscador', role: 'search' },
    h('label', { for: 'q' }, 'Buscar en clientes, afiliados, campañas, conversiones y pagos'),
    h('div', { className: 'fila' }, input, h('button', { type: 'submit' }, 'Buscar')),
    h('small', { id: 'q-ayuda', className: 'ayuda' }, 'Nombres, correos, referencias o ciclos; basta con una parte.'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const q = input.value.trim();
    if (!q) return;
    // Shareable address; replaceState does not re-render the view.
    window.history.replaceState(null, '', `#/buscar?q=${encodeURIComponent(q)}`);
    search(results, q).catch((e) => clear(results, errores([e])));
  });
  clear(main, h('h1', {}, 'Búsqueda'), form, results);
  input.focus();
  if (initial) search(results, initial).catch((e) => clear(results, errores([e])));
}
