// The operators' actions, each one mutation through the gateway; the server's Spanish
// messages are shown next to the field they name. Only the actions the session's scopes
// allow are offered (the README's authorization matrix); the server checks them again.

import { gql, permite } from './api.js';
import { clear, dinero, errores, h, link } from './dom.js';
import { actionForm } from './forms.js';

const OPCIONES = `query OpcionesAcciones {
  clientes(paginacion: { perPage: 100 }) { items { id nombre } }
  afiliados(filtro: { estado: ACTIVO }, paginacion: { perPage: 100 }) { items { id nombre } }
  campanias(paginacion: { perPage: 100 }) { items { id nombre estado } }
  conversiones(filtro: { estado: REGISTRADA }, paginacion: { perPage: 100 }) {
    items { id referenciaExterna valor { valor moneda } afiliado { nombre } }
  }
  validadas: conversiones(filtro: { estado: VALIDADA }, paginacion: { perPage: 100 }) {
    items { id referenciaExterna valor { valor moneda } afiliado { nombre } }
  }
  comisiones(filtro: { estado: CALCULADA }, paginacion: { perPage: 100 }) {
    items { id monto { valor moneda } afiliado { nombre } campania { nombre } }
  }
  versionReporte
}`;

const MONEDAS = [['USD', 'USD'], ['EUR', 'EUR'], ['COP', 'COP']];

// Scopes an action needs: every mutation `escritura`; money and control also `admin`.
const ESCRITURA = ['escritura'];
const ADMIN = ['escritura', 'admin'];

// The form of an action the session may run, or nothing.
function accion(requiere, spec) {
  return permite(requiere) ? actionForm(spec) : null;
}

// Whether the session may run any action at all (the navigation hides the page otherwise).
export function hayAcciones() {
  return permite(ESCRITURA);
}

function mutation(text) {
  return (input) => gql(text, { input });
}

function localDate(offsetDays) {
  const date = new Date(Date.now() + offsetDays * 86400000);
  date.setMinutes(date.getMinutes() - date.getTimezoneOffset());
  return date.toISOString().slice(0, 16);
}

function newKey() {
  return window.crypto?.randomUUID ? window.crypto.randomUUID() : `pago-${Date.now()}-${Math.random().toString(16).slice(2)}`;
}

function ciclo() {
  const now = new Date();
  return `CYCLE-${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}`;
}

function conversionOption(c) {
  return [c.id, `${c.referenciaExterna || c.id} · ${c.afiliado?.nombre || ''} · ${dinero(c.valor)}`];
}

// A commission review: approved with its comments, or rejected with a reason.
function revisar(input, decision) {
  const { id, comentarios, motivo } = input;
  if (decision === 'rechazar') {
    return gql(
      'mutation($input: RechazarComisionInput!) { revision: rechazarComision(input: $input) { comision { id estado monto { valor moneda } } } }',
      { input: { id, motivo: motivo ?? '', comentarios } },
    );
  }
  return gql(
    'mutation($input: AprobarComisionInput!) { revision: aprobarComision(input: $input) { comision { id estado monto { valor moneda } } } }',
    { input: { id, comentarios, metadatos: { nivelAprobacion: 'manual', politicaAplicada: 'consola' } } },
  );
}

// A commission by hand: the fixed amount and the discounts are in the sale's currency.
function crearComision(input) {
  const moneda = input.montoBase?.moneda;
  if (input.montoFijo) input.montoFijo.moneda = moneda;
  if (input.descuentos) {
    input.descuentos.moneda = moneda;
    input.configuracion = { aplicarDescuentos: true };
  }
  return gql(
    'mutation($input: CrearComisionInput!) { crearComision(input: $input) { comision { id estado monto { valor moneda } } } }',
    { input },
  );
}

// Fills every select that names a source with the current options, keeping the choice.
function fill(main, data) {
  const sources = {
    clientes: data.clientes.items.map((c) => [c.id, c.nombre]),
    afiliados: data.afiliados.items.map((a) => [a.id, a.nombre]),
    campanias: data.campanias.items.map((c) => [c.id, `${c.nombre} (${c.estado})`]),
    conversiones: data.conversiones.items.map(conversionOption),
    validadas: data.validadas.items.map(conversionOption),
    comisiones: data.comisiones.items.map((c) => [c.id, `${c.afiliado?.nombre || ''} · ${c.campania?.nombre || ''} · ${dinero(c.monto)}`]),
  };
  for (const select of main.querySelectorAll('select[data-fuente]')) {
    const chosen = select.value;
    const options = sources[select.dataset.fuente] || [];
    clear(select, options.length ? options.map(([value, label]) => h('option', { value, selected: value === chosen }, label)) : h('option', { value: '' }, 'No hay opciones'));
  }
  const version = main.querySelector('#version-actual');
  if (version) version.textContent = data.versionReporte;
}

export async function acciones(main) {
  const problems = h('div');
  // Refreshes can overlap (one after each action): only the latest one's answer is shown,
  // so an older answer arriving last cannot bring back options from before an action.
  let latest = 0;
  const refresh = async () => {
    const mine = ++latest;
    const response = await gql(OPCIONES);
    if (mine !== latest) return;
    clear(problems, errores(response.errors));
    if (response.data) fill(main, response.data);
  };
  const after = (render) => (data) => {
    refresh();
    return render(data);
  };
  const keyInput = () => main.querySelector('[name="idempotencyKey"]');
  const forms = [
    accion(ESCRITURA, {
      id: 'registrar-cliente',
      title: 'Registrar cliente',
      submit: 'Registrar cliente',
      fields: [
        { name: 'nombre', label: 'Nombre' },
        { name: 'email', label: 'Correo', type: 'email' },
        { name: 'cedula', label: 'Cédula' },
        { name: 'fechaNacimiento', label: 'Fecha de nacimiento', type: 'date' },
      ],
      action: mutation('mutation($input: RegistrarClienteInput!) { registrarCliente(input: $input) { cliente { id nombre } } }'),
      done: after((d) => ['Cliente registrado: ', link(`#/clientes/${d.registrarCliente.cliente.id}`, d.registrarCliente.cliente.nombre)]),
    }),
    accion(ESCRITURA, {
      id: 'registrar-afiliado',
      title: 'Registrar afiliado',
      submit: 'Registrar afiliado',
      fields: [
        { name: 'nombre', label: 'Nombre' },
        { name: 'email', label: 'Correo', type: 'email' },
        { name: 'telefono', label: 'Teléfono', type: 'tel' },
        { name: 'documento.tipo', label: 'Tipo de documento', type: 'select', options: [['CEDULA', 'Cédula'], ['CEDULA_EXTRANJERIA', 'Cédula de extranjería'], ['NIT', 'NIT'], ['PASAPORTE', 'Pasaporte']] },
        { name: 'documento.numero', label: 'Número de documento' },
        { name: 'tipo', label: 'Tipo', type: 'select', options: [['BASICO', 'Básico'], ['PREMIUM', 'Premium']] },
        { name: 'datosBancarios.banco', label: 'Banco' },
        { name: 'datosBancarios.tipoCuenta', label: 'Tipo de cuenta', type: 'select', options: [['AHORROS', 'Ahorros'], ['CORRIENTE', 'Corriente']] },
        { name: 'datosBancarios.numeroCuenta', label: 'Número de cuenta' },
        { name: 'configuracionComisiones.comisionBase', label: 'Comisión base (%)', value: '5' },
        { name: 'configuracionComisiones.comisionPremium', label: 'Comisión premium (%)', value: '8' },
        { name: 'configuracionComisiones.minimoPago.valor', label: 'Mínimo de pago', value: '50' },
        { name: 'configuracionComisiones.minimoPago.moneda', label: 'Moneda del mínimo', type: 'select', options: MONEDAS },
      ],
      action: mutation('mutation($input: RegistrarAfiliadoInput!) { registrarAfiliado(input: $input) { afiliado { id nombre } } }'),
      done: after((d) => ['Afiliado registrado: ', link(`#/afiliados/${d.registrarAfiliado.afiliado.id}`, d.registrarAfiliado.afiliado.nombre)]),
    }),
    accion(ESCRITURA, {
      id: 'crear-campania',
      title: 'Crear campaña',
      submit: 'Crear campaña',
      fields: [
        { name: 'clienteId', label: 'Cliente', type: 'select', source: 'clientes' },
        { name: 'nombre', label: 'Nombre' },
        { name: 'descripcion', label: 'Descripción', type: 'textarea' },
        { name: 'tipo', label: 'Tipo', type: 'select', options: [['PROMOCIONAL', 'Promocional'], ['ESTACIONAL', 'Estacional'], ['LANZAMIENTO', 'Lanzamiento'], ['FIDELIZACION', 'Fidelización'], ['PERMANENTE', 'Permanente']] },
        { name: 'canales', label: 'Canales', type: 'checkboxes', value: ['WEB'], options: [['WEB', 'Web'], ['EMAIL', 'Correo'], ['SOCIAL', 'Redes'], ['MOBILE', 'Móvil'], ['DISPLAY', 'Display'], ['BUSQUEDA', 'Búsqueda']] },
        { name: 'configuracionComisiones.porConversion', label: 'Comisión por conversión (%)', value: '5' },
        { name: 'configuracionComisiones.porVenta', label: 'Comisión por venta (%)', value: '10' },
        { name: 'configuracionComisiones.bonusObjetivos', label: 'Bono por objetivos (%)', value: '0' },
        { name: 'fechaInicio', label: 'Inicio', type: 'datetime-local', value: localDate(0) },
        { name: 'fechaFin', label: 'Fin', type: 'datetime-local', value: localDate(30) },
        { name: 'presupuesto.valor', label: 'Presupuesto' },
        { name: 'presupuesto.moneda', label: 'Moneda', type: 'select', options: MONEDAS },
      ],
      action: mutation('mutation($input: CrearCampaniaInput!) { crearCampania(input: $input) { campania { id nombre estado } } }'),
      done: after((d) => `Campaña creada: ${d.crearCampania.campania.nombre} (${d.crearCampania.campania.estado})`),
    }),
    accion(ESCRITURA, {
      id: 'estado-campania',
      title: 'Activar o pausar una campaña',
      submit: [['activar', 'Activar'], ['pausar', 'Pausar']],
      fields: [{ name: 'id', label: 'Campaña', type: 'select', source: 'campanias' }],
      action: (input, accion) =>
        gql(
          accion === 'pausar'
            ? 'mutation($input: PausarCampaniaInput!) { cambio: pausarCampania(input: $input) { campania { nombre estado } } }'
            : 'mutation($input: ActivarCampaniaInput!) { cambio: activarCampania(input: $input) { campania { nombre estado } } }',
          { input },
        ),
      done: after((d) => `Campaña ${d.cambio.campania.nombre}: ${d.cambio.campania.estado}`),
    }),
    accion(ESCRITURA, {
      id: 'validar-conversion',
      title: 'Validar una conversión',
      submit: 'Validar',
      fields: [{ name: 'id', label: 'Conversión registrada', type: 'select', source: 'conversiones' }],
      action: mutation('mutation($input: ValidarConversionInput!) { validarConversion(input: $input) { conversion { id estado } } }'),
      done: after((d) => `Conversión ${d.validarConversion.conversion.estado}`),
    }),
    accion(ADMIN, {
      id: 'aprobar-comision',
      title: 'Revisar una comisión',
      submit: [['aprobar', 'Aprobar'], ['rechazar', 'Rechazar']],
      fields: [
        { name: 'id', label: 'Comisión calculada', type: 'select', source: 'comisiones' },
        { name: 'comentarios', label: 'Comentarios (opcional)', type: 'textarea', help: 'Quedan en la auditoría de la comisión.' },
        { name: 'motivo', label: 'Motivo del rechazo', help: 'Solo para rechazar.' },
      ],
      action: revisar,
      done: after((d) => `Comisión ${d.revision.comision.estado}: ${dinero(d.revision.comision.monto)}`),
    }),
    accion(ADMIN, {
      id: 'crear-comision',
      title: 'Crear una comisión a mano',
      submit: 'Crear comisión',
      fields: [
        { name: 'afiliadoId', label: 'Afiliado de la comisión', type: 'select', source: 'afiliados' },
        { name: 'campaniaId', label: 'Campaña de la comisión', type: 'select', source: 'campanias' },
        { name: 'conversionId', label: 'Conversión (UUID)', value: newKey(), help: 'Una comisión por conversión.' },
        { name: 'montoBase.valor', label: 'Valor de la venta' },
        { name: 'montoBase.moneda', label: 'Moneda de la venta', type: 'select', options: MONEDAS },
        { name: 'tipoComision', label: 'Tipo de comisión', type: 'select', options: [['PORCENTUAL', 'Porcentual'], ['FIJA', 'Fija']] },
        { name: 'porcentaje', label: 'Porcentaje (porcentual)' },
        { name: 'montoFijo.valor', label: 'Monto fijo (fija)' },
        { name: 'descuentos.valor', label: 'Descuentos (opcional)', help: 'Se restan de la base.' },
      ],
      action: crearComision,
      done: after((d) => `Comisión ${d.crearComision.comision.estado}: ${dinero(d.crearComision.comision.monto)}`),
    }),
    accion(ADMIN, {
      id: 'revertir-conversion',
      title: 'Revertir una conversión validada',
      submit: 'Revertir',
      fields: [
        { name: 'id', label: 'Conversión validada', type: 'select', source: 'validadas' },
        { name: 'motivo', label: 'Motivo de la reversión', help: 'Su comisión se anula; si ya se pagó, se descuenta del próximo pago.' },
      ],
      action: mutation('mutation($input: RevertirConversionInput!) { revertirConversion(input: $input) { conversion { id estado } } }'),
      done: after((d) => `Conversión ${d.revertirConversion.conversion.estado}`),
    }),
    accion(ADMIN, {
      id: 'solicitar-pago',
      title: 'Solicitar un pago',
      submit: 'Solicitar pago',
      fields: [
        { name: 'idempotencyKey', label: 'Clave de idempotencia', value: newKey(), help: 'Repetir la solicitud con la misma clave no paga dos veces.' },
        { name: 'afiliadoId', label: 'Afiliado', type: 'select', source: 'afiliados' },
        { name: 'ciclo', label: 'Ciclo', value: ciclo() },
        { name: 'metodoPago.tipo', label: 'Método de pago', type: 'select', options: [['TRANSFERENCIA_BANCARIA', 'Transferencia bancaria'], ['TARJETA_CREDITO', 'Tarjeta de crédito'], ['BILLETERA_DIGITAL', 'Billetera digital']] },
        { name: 'metodoPago.mascara', label: 'Cuenta (enmascarada)', value: '****1234' },
        { name: 'moneda', label: 'Moneda (opcional)', type: 'select', options: [['', 'La de sus comisiones'], ...MONEDAS] },
        { name: 'programadoPara', label: 'Programado para (opcional)', type: 'datetime-local', help: 'Queda PENDIENTE hasta esa fecha; las comisiones se reservan ya.' },
      ],
      extra: h('button', { type: 'button', className: 'secundario', onClick: () => { keyInput().value = newKey(); } }, 'Nueva clave'),
      action: mutation('mutation($input: PagarInput!) { pagar(input: $input) { pago { id ciclo estado montoTotal { valor moneda } } } }'),
      done: after((d) => ['Pago solicitado: ', link(`#/pagos/${d.pagar.pago.id}`, `${d.pagar.pago.ciclo} · ${dinero(d.pagar.pago.montoTotal)}`), ` (${d.pagar.pago.estado})`]),
    }),
    accion(ADMIN, {
      id: 'version-reporte',
      title: 'Versión del reporte de pagos',
      submit: 'Cambiar versión',
      fields: [{ name: 'version', label: 'Versión', type: 'select', options: [['V1', 'V1 · totales'], ['V2', 'V2 · totales, ticket medio, por estado y campaña']] }],
      extra: h('p', { className: 'nota' }, 'Versión activa: ', h('strong', { id: 'version-actual' }, '…')),
      action: mutation('mutation($input: CambiarVersionReporteInput!) { cambiarVersionReporte(input: $input) { version } }'),
      done: after((d) => `Versión activa: ${d.cambiarVersionReporte.version}`),
    }),
  ].filter(Boolean);
  if (forms.length === 0) {
    const scopes = permite(['lectura']) ? 'solo consulta' : 'sin permisos';
    clear(main, h('h1', {}, 'Acciones'), h('p', { className: 'nota', id: 'sin-acciones' }, `Tu usuario no tiene acciones disponibles (${scopes}).`));
    return;
  }
  clear(main, h('h1', {}, 'Acciones'), problems, h('div', { className: 'rejilla-formularios' }, forms.map((form) => h('div', { className: 'panel' }, form))));
  await refresh();
}
