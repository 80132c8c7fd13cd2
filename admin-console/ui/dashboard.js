// The operators' dashboard: live counters (the `contadoresDashboard` subscription), charts
// of conversions per week and channel and of payouts by state, and the latest items of
// every context (the persisted `Dashboard` operation as a live query: the gateway pushes
// it again whenever data it shows changes).

import { gql, operation, session, veDatosPersonales } from './api.js';
import { bars, stackedColumns } from './charts.js';
import { clear, cargando, dinero, dineros, errores, estado, fecha, h, link, section, table } from './dom.js';
import { subscribe } from './live.js';

const CONTADORES = `subscription ContadoresEnVivo {
  contadoresDashboard {
    totalClientes totalAfiliados afiliadosActivos totalCampanias campaniasActivas
    totalConversiones conversionesRegistradas totalPagos
    agregacionesPagos { completados pendientes fallidos totalMonto { valor moneda } }
  }
}`;

// Weeks shown in the conversions chart.
const SEMANAS = 12;

// Rolling 7-day windows ending now: conversions in week i are those of the last 7(i+1)
// days minus those of the last 7i (one request, one alias per window).
const POR_SEMANA = `query ConversionesPorSemana {
${Array.from({ length: SEMANAS }, (_, i) => `  s${i + 1}: metricasConversiones(periodo: "${7 * (i + 1)}d") { porCanal { canal conversiones } }`).join('\n')}
}`;

const CARDS = [
  ['totalClientes', 'Clientes', () => null],
  ['totalAfiliados', 'Afiliados', (c) => `${c.afiliadosActivos} activos`],
  ['totalCampanias', 'Campañas', (c) => `${c.campaniasActivas} activas`],
  ['totalConversiones', 'Conversiones', (c) => `${c.conversionesRegistradas} por validar`],
  ['totalPagos', 'Pagos', (c) => `${c.agregacionesPagos.pendientes} pendientes`],
];

function throttle(fn, wait) {
  let last = 0;
  let timer = null;
  return () => {
    const due = last + wait - Date.now();
    if (due <= 0) {
      last = Date.now();
      fn();
    } else if (!timer) {
      timer = window.setTimeout(() => {
        timer = null;
        last = Date.now();
        fn();
      }, due);
    }
  };
}

// The first day of the week `offset` weeks back.
function weekLabel(offset) {
  const start = new Date(Date.now() - (offset + 1) * 7 * 86400000 + 86400000);
  return start.toLocaleDateString('es-CO', { day: '2-digit', month: '2-digit' });
}

async function conversionesChart(target) {
  const response = await gql(POR_SEMANA);
  if (!response.data) {
    clear(target, errores(response.errors));
    return;
  }
  const cumulative = Array.from({ length: SEMANAS }, (_, i) => response.data[`s${i + 1}`].porCanal);
  const canales = [...new Set(cumulative.flat().filter((row) => row.conversiones > 0).map((row) => row.canal))].sort();
  const count = (i, canal) => (i < 0 ? 0 : cumulative[i].find((row) => row.canal === canal)?.conversiones || 0);
  // Oldest week first.
  const offsets = Array.from({ length: SEMANAS }, (_, i) => SEMANAS - 1 - i);
  const series = canales.map((canal) => ({
    name: canal,
    values: offsets.map((offset) => count(offset, canal) - count(offset - 1, canal)),
  }));
  clear(
    target,
    canales.length
      ? stackedColumns(`Conversiones por semana y canal (últimas ${SEMANAS} semanas)`, offsets.map(weekLabel), series)
      : h('p', { className: 'vacio' }, `Sin conversiones en las últimas ${SEMANAS} semanas`),
  );
}

function pagosChart(target, agregaciones) {
  clear(
    target,
    bars('Pagos por estado', [
      { name: 'Completados', value: agregaciones.completados, className: 'barra-exitoso' },
      { name: 'Pendientes', value: agregaciones.pendientes, className: 'barra-pendiente' },
      { name: 'Fallidos', value: agregaciones.fallidos, className: 'barra-fallido' },
    ]),
    h('p', { className: 'nota' }, `Monto total: ${dineros(agregaciones.totalMonto)}`),
  );
}

// The persisted `Dashboard` operation made live (`@live` after its variables).
async function dashboardEnVivo() {
  const text = await operation('Dashboard');
  return text.replace(/(query Dashboard\([^)]*\))\s*\{/, '$1 @live {');
}

function recientes(target, response) {
  const d = response.data;
  if (!d) {
    clear(target, errores(response.errors));
    return;
  }
  clear(
    target,
    errores(response.errors),
    h(
      'div',
      { className: 'rejilla-tablas' },
      table('Clientes recientes', [
        ['Nombre', (c) => link(`#/clientes/${c.id}`, c.nombre)],
        ['Correo', (c) => c.email || '—'],
        ['Registro', (c) => fecha(c.fechaRegistro)],
      ], d.clientes?.items),
      table('Afiliados recientes', [
        ['Nombre', (a) => link(`#/afiliados/${a.id}`, a.nombre)],
        ['Tipo', (a) => a.tipo],
        ['Estado', (a) => estado(a.estado)],
      ], d.afiliados?.items),
      table('Campañas recientes', [
        ['Nombre', (c) => c.nombre],
        ['Estado', (c) => estado(c.estado)],
        ['Gasto / presupuesto', (c) => `${dinero(c.gastoActual)} / ${dinero(c.presupuesto)}`],
      ], d.campanias?.items),
      table('Conversiones recientes', [
        ['Tipo', (c) => c.tipo],
        ['Canal', (c) => c.canal],
        ['Valor', (c) => dinero(c.valor)],
        ['Estado', (c) => estado(c.estado)],
      ], d.conversiones?.items),
      table('Pagos recientes', [
        ['Ciclo', (p) => link(`#/pagos/${p.id}`, p.ciclo)],
        ['Afiliado', (p) => (p.afiliado ? link(`#/afiliados/${p.afiliado.id}`, p.afiliado.nombre) : '—')],
        ['Monto', (p) => dinero(p.montoTotal)],
        ['Estado', (p) => estado(p.estado)],
      ], d.pagos?.items),
    ),
  );
}

export function dashboard(main) {
  const badge = h('span', { className: 'en-vivo', role: 'status', 'aria-live': 'polite' }, 'conectando');
  const problems = h('div');
  const cards = CARDS.map(([key, label]) =>
    h(
      'div',
      { className: 'contador', dataset: { contador: key } },
      h('span', { className: 'etiqueta' }, label),
      h('span', { className: 'valor' }, '…'),
      h('span', { className: 'detalle' }),
    ),
  );
  const conversiones = h('div', {}, cargando());
  const pagos = h('div', {}, cargando());
  const latest = h('div', {}, cargando());
  clear(
    main,
    h('div', { className: 'titulo' }, h('h1', {}, 'Panel'), badge),
    problems,
    h('section', { className: 'contadores', 'aria-label': 'Contadores' }, cards),
    h('div', { className: 'rejilla-graficos' },
      section('Conversiones por semana y canal', conversiones),
      section('Pagos por estado', pagos)),
    section('Actividad reciente', latest),
  );
  const refresh = throttle(() => {
    conversionesChart(conversiones).catch((e) => clear(conversiones, errores([e])));
  }, 2000);
  refresh();
  let stopLive = () => {};
  let stopped = false;
  dashboardEnVivo()
    .then((query) => {
      if (stopped) return;
      stopLive = subscribe({
        query,
        variables: { pii: veDatosPersonales() },
        token: session.current()?.token,
        onError: (list) => clear(latest, errores(list)),
        onData: (data) => recientes(latest, { data }),
      });
    })
    .catch((e) => clear(latest, errores([e])));
  const stopCounters = subscribe({
    query: CONTADORES,
    token: session.current()?.token,
    onStatus: (value) => {
      badge.textContent = value;
      badge.dataset.estado = value;
    },
    onError: (list) => clear(problems, errores(list)),
    onData: ({ contadoresDashboard: c }) => {
      clear(problems);
      for (const [index, [key, , detail]] of CARDS.entries()) {
        const card = cards[index];
        const value = card.querySelector('.valor');
        const text = String(c[key]);
        if (value.textContent !== text && value.textContent !== '…') {
          card.classList.remove('cambio');
          void card.offsetWidth; // restarts the highlight animation
          card.classList.add('cambio');
        }
        value.textContent = text;
        card.querySelector('.detalle').textContent = detail(c) || '';
      }
      pagosChart(pagos, c.agregacionesPagos);
      refresh();
    },
  });
  return () => {
    stopped = true;
    stopCounters();
    stopLive();
  };
}
