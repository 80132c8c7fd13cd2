// Small SVG charts drawn from data (no chart library, nothing from outside the binary).
// Each comes with the same numbers as a visually hidden table for screen readers.

import { h } from './dom.js';

const SVG = 'http://www.w3.org/2000/svg';

function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs || {})) el.setAttribute(key, String(value));
  for (const child of children) {
    if (child === null || child === undefined) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

function hiddenTable(caption, head, rows) {
  return h(
    'table',
    { className: 'solo-lectores' },
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, head.map((cell) => h('th', { scope: 'col' }, cell)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, row.map((cell) => h('td', {}, cell))))),
  );
}

function legend(names) {
  return h(
    'ul',
    { className: 'leyenda' },
    names.map((name, i) => h('li', {}, h('span', { className: `muestra serie-${i % 8}`, 'aria-hidden': 'true' }), name)),
  );
}

// A nice upper bound for an axis.
function ceiling(max) {
  if (max <= 5) return 5;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((f) => f * magnitude).find((v) => v >= max);
}

// Stacked columns: one per category (a day, say), one colour per series (a channel).
export function stackedColumns(title, categories, series) {
  const width = 640;
  const height = 260;
  const pad = { top: 12, right: 12, bottom: 28, left: 36 };
  const totals = categories.map((_, i) => series.reduce((sum, serie) => sum + serie.values[i], 0));
  const top = ceiling(Math.max(0, ...totals));
  const plotW = width - pad.left - pad.right;
  const plotH = height - pad.top - pad.bottom;
  const step = plotW / Math.max(1, categories.length);
  const barW = Math.min(48, step * 0.6);
  const y = (value) => pad.top + plotH - (value / top) * plotH;
  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const value = Math.round(top * f);
    return s(
      'g',
      { class: 'rejilla' },
      s('line', { x1: pad.left, x2: width - pad.right, y1: y(value), y2: y(value) }),
      s('text', { x: pad.left - 6, y: y(value) + 4, 'text-anchor': 'end' }, value),
    );
  });
  const columns = categories.map((category, i) => {
    let base = 0;
    const x = pad.left + step * i + (step - barW) / 2;
    const parts = series.map((serie, k) => {
      const value = serie.values[i];
      const rect = s(
        'rect',
        { x, y: y(base + value), width: barW, height: y(base) - y(base + value), class: `serie-${k % 8}` },
        s('title', {}, `${category} · ${serie.name}: ${value}`),
      );
      base += value;
      return value > 0 ? rect : null;
    });
    return s(
      'g',
      {},
      ...parts,
      s('text', { x: x + barW / 2, y: height - 8, 'text-anchor': 'middle', class: 'eje' }, category),
    );
  });
  const svg = s(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title, class: 'grafico' },
    ...grid,
    ...columns,
  );
  return h(
    'figure',
    { className: 'figura' },
    svg,
    legend(series.map((serie) => serie.name)),
    hiddenTable(
      title,
      ['', ...series.map((serie) => serie.name)],
      categories.map((category, i) => [category, ...series.map((serie) => serie.values[i])]),
    ),
  );
}

// Horizontal bars, one per item, with its value at the end.
export function bars(title, items) {
  const width = 640;
  const row = 34;
  const label = 130;
  const height = items.length * row + 8;
  const top = Math.max(1, ...items.map((item) => item.value));
  const plot = width - label - 60;
  const rows = items.map((item, i) => {
    const w = (item.value / top) * plot;
    return s(
      'g',
      { transform: `translate(0 ${i * row + 4})` },
      s('text', { x: label - 8, y: row / 2 + 4, 'text-anchor': 'end', class: 'eje' }, item.name),
      s('rect', { x: label, y: 4, width: Math.max(w, item.value > 0 ? 2 : 0), height: row - 10, rx: 3, class: item.className }),
      s('text', { x: label + w + 6, y: row / 2 + 4, class: 'valor' }, item.value),
    );
  });
  return h(
    'figure',
    { className: 'figura' },
    s('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title, class: 'grafico' }, ...rows),
    hiddenTable(title, ['', 'Cantidad'], items.map((item) => [item.name, item.value])),
  );
}
