// Composite views, one persisted operation each (batched underneath by the gateway): a
// client with its campaigns and recent payouts; a partner with conversions, commissions,
// payouts and metrics; a payout with its commissions, movements and audit trail.

import { run, runIncremental } from './api.js';
import { clear, cargando, decimal, dinero, dineros, errores, estado, fecha, h, link, section, table } from './dom.js';

// Label/value pairs as a description list.
function ficha(pairs) {
  return h('dl', { className: 'ficha' }, pairs.map(([label, value]) => [h('dt', {}, label), h('dd', {}, value ?? '—')]));
}

async function load(main, name, variables, field, render) {
  clear(main, cargando());
  const response = await run(name, variables);
  const item = response.data?.[field];
  if (!item) {
    clear(main, h('h1', {}, 'No encontrado'), errores(response.errors) || h('p', {}, 'No existe.'), h('p', {}, link('#/dashboard', 'Volver al panel')));
    return;
  }
  clear(main, errores(response.errors), ...render(item));
}

export function cliente(main, id) {
  return load(main, 'ClienteDetalle', { id }, 'cliente', (c) => [
    h('h1', {}, c.nombre),
    section('Datos', ficha([
      ['Correo', c.email],
      ['Cédula', c.cedula],
      ['Nacimiento', c.fechaNacimiento],
      ['Registro', fecha(c.fechaRegistro)],
      ['Pagos de sus campañas', c.totalPagos],
    ])),
    section(`Campañas (${(c.campanias || []).length})`, table('Campañas del cliente', [
      ['Nombre', (x) => x.nombre],
      ['Tipo', (x) => x.tipo],
      ['Estado', (x) => estado(x.estado)],
      ['Gasto / presupuesto', (x) => `${dinero(x.gastoActual)} / ${dinero(x.presupuesto)}`],
      ['Vigencia', (x) => `${fecha(x.fechaInicio)} – ${fecha(x.fechaFin)}`],
    ], c.campanias, 'Sin campañas')),
    section('Pagos recientes', table('Pagos recientes de sus campañas', [
      ['Ciclo', (p) => link(`#/pagos/${p.id}`, p.ciclo)],
      ['Afiliado', (p) => (p.afiliado ? link(`#/afiliados/${p.afiliado.id}`, p.afiliado.nombre) : '—')],
      ['Monto', (p) => dinero(p.montoTotal)],
      ['Estado', (p) => estado(p.estado)],
      ['Fecha', (p) => fecha(p.fechaCreacion)],
    ], c.pagosRecientes, 'Sin pagos')),
  ]);
}

// The same for an operation with `@defer`: drawn again as each deferred part arrives.
async function loadIncremental(main, name, variables, field, render) {
  clear(main, cargando());
  await runIncremental(name, variables, (data, errors) => {
    const item = data?.[field];
    if (!item) {
      clear(main, h('h1', {}, 'No encontrado'), errores(errors) || h('p', {}, 'No existe.'), h('p', {}, link('#/dashboard', 'Volver al panel')));
      return;
    }
    clear(main, errores(errors), ...render(item));
  });
}

// A deferred part: its content once it has arrived, a loading mark until then.
function diferido(value, draw) {
  return value === undefined ? cargando() : draw(value);
}

export function afiliado(main, id) {
  return loadIncremental(main, 'AfiliadoDetalle', { id }, 'afiliado', (a) => [
    h('div', { className: 'titulo' }, h('h1', {}, a.nombre), estado(a.estado)),
    section('Datos', ficha([
      ['Correo', a.email],
      ['Teléfono', a.telefono],
      ['Documento', a.documento ? `${a.documento.tipo} ${a.documento.numero}` : null],
      ['Tipo', a.tipo],
      ['Banco', a.datosBancarios ? `${a.datosBancarios.banco} · ${a.datosBancarios.tipoCuenta} ${a.datosBancarios.numeroCuentaEnmascarado}` : null],
      ['Comisión base / premium', `${decimal(a.configuracionComisiones.comisionBase)} % / ${decimal(a.configuracionComisiones.comisionPremium)} %`],
      ['Mínimo de pago', dinero(a.configuracionComisiones.minimoPago)],
      ['Saldo pendiente', dineros(a.saldoPendiente)],
      ['Registro', fecha(a.fechaRegistro)],
    ])),
    section('Métricas (30 días)', diferido(a.metricas, (metricas) => [ficha([
      ['Clics', metricas.clicks],
      ['Impresiones', metricas.impresiones],
      ['Conversiones', metricas.conversiones],
      ['Tasa de conversión', `${decimal(metricas.tasaConversion)} %`],
      ['Valor', dineros(metricas.valorTotal)],
    ]), table('Métricas por canal', [
      ['Canal', (m) => m.canal],
      ['Clics', (m) => m.clicks],
      ['Conversiones', (m) => m.conversiones],
      ['Tasa', (m) => `${decimal(m.tasaConversion)} %`],
    ], metricas.porCanal, 'Sin actividad en el periodo')])),
    section('Conversiones', diferido(a.conversiones, (conversiones) => table('Conversiones del afiliado', [
      ['Referencia', (c) => c.referenciaExterna || '—'],
      ['Campaña', (c) => c.campania?.nombre || '—'],
      ['Tipo', (c) => c.tipo],
      ['Canal', (c) => c.canal],
      ['Valor', (c) => dinero(c.valor)],
      ['Estado', (c) => estado(c.estado)],
      ['Fecha', (c) => fecha(c.fecha)],
    ], conversiones, 'Sin conversiones'))),
    section('Comisiones', diferido(a.comisiones, (comisiones) => table('Comisiones del afiliado', [
      ['Campaña', (c) => c.campania?.nombre || '—'],
      ['Monto', (c) => dinero(c.monto)],
      ['Estado', (c) => estado(c.estado)],
      ['Fecha', (c) => fecha(c.fechaCreacion)],
    ], comisiones, 'Sin comisiones'))),
    section('Pagos', diferido(a.pagos, (pagos) => table('Pagos del afiliado', [
      ['Ciclo', (p) => link(`#/pagos/${p.id}`, p.ciclo)],
      ['Monto', (p) => dinero(p.montoTotal)],
      ['Estado', (p) => estado(p.estado)],
      ['Fecha', (p) => fecha(p.fechaCreacion)],
    ], pagos, 'Sin pagos'))),
  ]);
}

export function pago(main, id) {
  return load(main, 'PagoDetalle', { id }, 'pago', (p) => [
    h('div', { className: 'titulo' }, h('h1', {}, `Pago ${p.ciclo}`), estado(p.estado)),
    section('Datos', ficha([
      ['Afiliado', link(`#/afiliados/${p.afiliado.id}`, p.afiliado.nombre)],
      ['Monto', dinero(p.montoTotal)],
      ['Método', p.metodoPago ? `${p.metodoPago.tipo} ${p.metodoPago.mascara}` : null],
      ['Clave de idempotencia', p.idempotencyKey],
      ['Intentos', p.intentos],
      ['Confirmación', p.confirmacion],
      ['Motivo del fallo', p.motivoFallo],
      ['Creado', fecha(p.fechaCreacion)],
      ['Completado', fecha(p.fechaCompletado)],
    ])),
    section('Comisiones', table('Comisiones del pago', [
      ['Campaña', (c) => c.campania?.nombre || '—'],
      ['Conversión', (c) => c.conversion?.referenciaExterna || c.conversion?.id || '—'],
      ['Tipo', (c) => c.tipoConversion],
      ['Monto', (c) => dinero(c.monto)],
      ['Estado', (c) => estado(c.estado)],
    ], p.comisiones, 'Sin comisiones')),
    section('Transacciones', table('Movimientos del pago', [
      ['Tipo', (t) => t.tipo],
      ['Monto', (t) => dinero(t.monto)],
      ['Descripción', (t) => t.descripcion],
      ['Referencia', (t) => t.referencia || '—'],
      ['Fecha', (t) => fecha(t.fecha)],
    ], p.transacciones, 'Sin movimientos')),
    section('Auditoría', h('ol', { className: 'auditoria' }, p.auditoria.map((e) =>
      h('li', {}, h('strong', {}, e.evento), ` · ${e.actor} · ${fecha(e.fecha)}`, e.detalle ? h('div', { className: 'detalle' }, e.detalle) : null)))),
  ]);
}
