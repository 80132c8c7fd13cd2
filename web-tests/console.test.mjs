// The admin console in Chromium, against the embedded platform: login, the live dashboard,
// search, each composite view and each action (one failing validation), with a screenshot
// of every page in artifacts/.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { BASE, browser, gql, login, page, shot, token } from './support.mjs';

let chromium;
let tab;
const problems = [];
// Shared by the tests, in order: what the API set up and what the console created.
const state = {};

before(async () => {
  chromium = await browser();
  tab = await page(chromium, problems);
});

after(async () => {
  await chromium?.close();
});

function noProblems() {
  assert.deepEqual(problems.splice(0), [], 'no script errors and nothing loaded from outside the gateway');
}

// Registers a conversion through the API, retried while conversiones has not yet learned
// the partner and campaign from their events.
async function registerConversion(afiliadoId, campaniaId, valor, moneda, referencia) {
  let last;
  for (let i = 0; i < 120; i += 1) {
    last = await gql(
      'mutation($input: RegistrarConversionInput!) { registrarConversion(input: $input) { conversion { id estado } } }',
      { input: { afiliadoId, campaniaId, tipo: 'VENTA', valor: { valor, moneda }, canal: 'web', referenciaExterna: referencia } },
    );
    if (!last.errors) return last.data.registrarConversion.conversion;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`conversion not accepted: ${JSON.stringify(last)}`);
}

async function counter(name) {
  return tab.locator(`[data-contador="${name}"] .valor`).textContent();
}

test('a wrong password is refused with a message, the demo login opens the dashboard', async () => {
  await tab.goto(`${BASE}/console`);
  await tab.getByLabel('Usuario').fill('admin');
  await tab.getByLabel('Contraseña').fill('equivocada');
  await tab.getByRole('button', { name: 'Entrar' }).click();
  await tab.getByText('Usuario o contraseña incorrectos').waitFor();
  await shot(tab, 'login');
  // Chromium logs the refused login's 401 itself: expected here, and only here.
  const refused = problems.findIndex((p) => p.includes('status of 401'));
  assert.ok(refused >= 0, JSON.stringify(problems));
  problems.splice(refused, 1);
  await login(tab, 'admin');
  await tab.getByText('admin · lectura, escritura, admin, pii').waitFor();
  noProblems();
});

test('the dashboard shows every counter and updates live when a conversion is registered through the API', async () => {
  const setup = await gql(`{
    afiliados(filtro: { estado: ACTIVO }, paginacion: { perPage: 1 }) { items { id nombre configuracionComisiones { minimoPago { valor moneda } } } }
    campanias(filtro: { estado: ACTIVA }, paginacion: { perPage: 1 }) { items { id nombre } }
    conversiones { paginacion { total } }
    clientes { paginacion { total } }
  }`);
  state.afiliado = setup.data.afiliados.items[0];
  state.campania = setup.data.campanias.items[0];
  const live = tab.locator('.en-vivo');
  await tab.waitForFunction(() => document.querySelector('.en-vivo')?.textContent === 'en vivo');
  assert.equal(await live.textContent(), 'en vivo');
  // The first push (the counters as they are) follows the connection's acknowledgement.
  await tab.waitForFunction(() => /^\d+$/.test(document.querySelector('[data-contador="totalClientes"] .valor')?.textContent));
  assert.equal(await counter('totalClientes'), String(setup.data.clientes.paginacion.total));
  for (const name of ['totalAfiliados', 'totalCampanias', 'totalConversiones', 'totalPagos']) {
    assert.match(await counter(name), /^\d+$/, name);
  }
  await tab.locator('svg[aria-label^="Conversiones por semana y canal"]').waitFor();
  await tab.locator('svg[aria-label="Pagos por estado"]').waitFor();
  const before = Number(await counter('totalConversiones'));
  // The latest items arrive by a live query: the new conversion is pushed into them.
  const recientes = tab.getByRole('table', { name: 'Conversiones recientes' });
  await recientes.locator('tbody tr').first().waitFor();
  const previas = await recientes.locator('tbody').innerText();
  const { minimoPago } = state.afiliado.configuracionComisiones;
  // Far above the partner's minimum, so its commission pays out whatever the rate.
  state.valor = String((Math.ceil(Number(minimoPago.valor)) + 1) * 1000);
  state.moneda = minimoPago.moneda;
  state.conversion = await registerConversion(state.afiliado.id, state.campania.id, state.valor, state.moneda, `web-${Date.now()}`);
  await tab.waitForFunction(
    (expected) => document.querySelector('[data-contador="totalConversiones"] .valor')?.textContent === expected,
    String(before + 1),
    { timeout: 30000 },
  );
  await tab.waitForFunction(
    (previous) => {
      const table = [...document.querySelectorAll('table')].find((t) => t.getAttribute('aria-label') === 'Conversiones recientes'
        || t.querySelector('caption')?.textContent === 'Conversiones recientes');
      const body = table?.querySelector('tbody')?.innerText;
      return body !== undefined && body !== previous;
    },
    previas,
    { timeout: 30000 },
  );
  await shot(tab, 'panel');
  noProblems();
});

test('search finds a partner by part of its name, with relevance, and opens its view', async () => {
  // Part of the name: the first word and the start of the second (a prefix of the name).
  const [first, second = ''] = state.afiliado.nombre.split(' ');
  const part = `${first} ${second.slice(0, 3)}`.trim();
  await tab.getByRole('link', { name: 'Búsqueda' }).click();
  await tab.getByLabel('Buscar en clientes').fill(part);
  await tab.getByRole('button', { name: 'Buscar' }).click();
  const result = tab.locator('.resultado-busqueda[data-tipo="Afiliado"]', { hasText: state.afiliado.nombre }).first();
  await result.waitFor();
  assert.match(await result.locator('.relevancia').textContent(), /\d\.\d\d/);
  await shot(tab, 'busqueda');
  // The partner's view asks with @defer: the answer comes in parts (multipart/mixed).
  const incremental = tab.waitForResponse((r) => r.url().endsWith('/graphql')
    && (r.headers()['content-type'] || '').startsWith('multipart/mixed'));
  await result.getByRole('link').click();
  await incremental;
  await tab.getByRole('heading', { name: state.afiliado.nombre, level: 1 }).waitFor();
  for (const heading of ['Métricas (30 días)', 'Conversiones', 'Comisiones', 'Pagos']) {
    await tab.getByRole('heading', { name: heading, level: 2 }).waitFor();
  }
  await tab.getByRole('table', { name: 'Conversiones del afiliado' }).waitFor();
  await shot(tab, 'afiliado');
  noProblems();
});

test('a client shows its campaigns and recent payouts', async () => {
  const data = await gql('{ campanias(paginacion: { perPage: 1 }) { items { cliente { id nombre } } } }');
  const cliente = data.data.campanias.items[0].cliente;
  await tab.goto(`${BASE}/console#/clientes/${cliente.id}`);
  await tab.getByRole('heading', { name: cliente.nombre, level: 1 }).waitFor();
  await tab.getByRole('table', { name: 'Campañas del cliente' }).waitFor();
  await tab.getByRole('heading', { name: 'Pagos recientes', level: 2 }).waitFor();
  await shot(tab, 'cliente');
  noProblems();
});

test('a registration that fails validation shows the server message next to the field', async () => {
  await tab.getByRole('link', { name: 'Acciones' }).click();
  const form = tab.locator('#registrar-cliente');
  await form.getByLabel('Nombre').fill('Cliente Web');
  await form.getByLabel('Correo').fill('no-es-un-correo');
  await form.getByLabel('Cédula').fill('1020304050');
  await form.getByLabel('Fecha de nacimiento').fill('1990-05-17');
  await form.getByRole('button', { name: 'Registrar cliente' }).click();
  const error = form.locator('.campo[data-campo="email"] .error-campo');
  await error.waitFor();
  const message = await error.textContent();
  assert.ok(message.length > 5, message);
  assert.equal(await form.getByLabel('Correo').getAttribute('aria-invalid'), 'true');
  await shot(tab, 'acciones-error');
  const clientes = await gql('{ clientes(filtro: { busqueda: "Cliente Web" }) { paginacion { total } } }');
  assert.equal(clientes.data?.clientes.paginacion.total ?? 0, 0, JSON.stringify(clientes));
  noProblems();
});

test('each action works from the console: client, partner, campaign, conversion, commission, payout, report version', async () => {
  const stamp = Date.now();
  // Client.
  const cliente = tab.locator('#registrar-cliente');
  await cliente.getByLabel('Correo').fill(`cliente.web.${stamp}@example.com`);
  await cliente.getByLabel('Cédula').fill(String(stamp).slice(-10));
  await cliente.getByRole('button', { name: 'Registrar cliente' }).click();
  await cliente.getByText('Cliente registrado: Cliente Web').waitFor();
  assert.equal(await cliente.locator('.error-campo:not(:empty)').count(), 0);

  // Partner.
  const afiliado = tab.locator('#registrar-afiliado');
  await afiliado.getByLabel('Nombre').fill(`Afiliado Web ${stamp}`);
  await afiliado.getByLabel('Correo').fill(`afiliado.web.${stamp}@example.com`);
  await afiliado.getByLabel('Teléfono').fill('+573001234567');
  await afiliado.getByLabel('Número de documento').fill(String(stamp).slice(-9));
  await afiliado.getByLabel('Banco').fill('Banco Web');
  await afiliado.getByLabel('Número de cuenta').fill('1234567890');
  await afiliado.getByRole('button', { name: 'Registrar afiliado' }).click();
  await afiliado.getByText(`Afiliado registrado: Afiliado Web ${stamp}`).waitFor({ timeout: 10000 }).catch(async (e) => {
    throw new Error(`${e.message}\n${await afiliado.innerText()}`);
  });

  // Campaign: created for the new client, then activated and paused.
  const campania = tab.locator('#crear-campania');
  await campania.getByLabel('Cliente').selectOption({ label: 'Cliente Web' });
  await campania.getByLabel('Nombre').fill(`Campaña Web ${stamp}`);
  await campania.getByLabel('Presupuesto').fill('5000');
  await campania.getByRole('button', { name: 'Crear campaña' }).click();
  await campania.getByText(`Campaña creada: Campaña Web ${stamp} (CREADA)`).waitFor({ timeout: 10000 }).catch(async (e) => {
    throw new Error(`${e.message}\n${await campania.innerText()}`);
  });
  const estado = tab.locator('#estado-campania');
  await estado.getByLabel('Campaña').selectOption({ label: `Campaña Web ${stamp} (CREADA)` });
  await estado.getByRole('button', { name: 'Activar' }).click();
  await estado.getByText(`Campaña Campaña Web ${stamp}: ACTIVA`).waitFor();
  await estado.getByLabel('Campaña').selectOption({ label: `Campaña Web ${stamp} (ACTIVA)` });
  await estado.getByRole('button', { name: 'Pausar' }).click();
  await estado.getByText(`Campaña Campaña Web ${stamp}: PAUSADA`).waitFor();

  // The conversion registered through the API in the dashboard test, validated here.
  const validar = tab.locator('#validar-conversion');
  await validar.getByLabel('Conversión registrada').selectOption(state.conversion.id);
  await validar.getByRole('button', { name: 'Validar' }).click();
  await validar.getByText('Conversión VALIDADA').waitFor();

  // Its commission appears once pagos has applied the event: approved here.
  let comision;
  for (let i = 0; i < 120 && !comision; i += 1) {
    const found = await gql('query($a: ID!) { comisiones(filtro: { afiliadoId: $a, estado: CALCULADA }) { items { id conversion { id } } } }', { a: state.afiliado.id });
    comision = found.data?.comisiones.items.find((c) => c.conversion.id === state.conversion.id);
    if (!comision) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  assert.ok(comision, 'the validated conversion earned a commission');
  await tab.reload();
  const aprobar = tab.locator('#aprobar-comision');
  await aprobar.getByLabel('Comisión calculada').selectOption(comision.id);
  await aprobar.getByLabel('Comentarios (opcional)').fill('Venta confirmada por el anunciante (prueba web)');
  await aprobar.getByRole('button', { name: 'Aprobar' }).click();
  await aprobar.getByText('Comisión APROBADA').waitFor();
  const auditada = await gql('query($id: ID!) { comision(id: $id) { auditoria { actor comentarios } } }', { id: comision.id });
  assert.ok(
    auditada.data.comision.auditoria.some((a) => a.comentarios === 'Venta confirmada por el anunciante (prueba web)'),
    JSON.stringify(auditada),
  );

  // A commission by hand, then rejected with a reason from the review form.
  const manual = tab.locator('#crear-comision');
  await manual.getByLabel('Afiliado de la comisión').selectOption(state.afiliado.id);
  await manual.getByLabel('Campaña de la comisión').selectOption(state.campania.id);
  await manual.getByLabel('Valor de la venta').fill('1000');
  await manual.getByLabel('Moneda de la venta').selectOption(state.moneda);
  await manual.getByLabel('Porcentaje (porcentual)').fill('10');
  await manual.getByRole('button', { name: 'Crear comisión' }).click();
  await manual.getByText('Comisión CALCULADA').waitFor({ timeout: 10000 }).catch(async (e) => {
    throw new Error(`${e.message}\n${await manual.innerText()}`);
  });
  const creada = await gql('query($a: ID!) { comisiones(filtro: { afiliadoId: $a, estado: CALCULADA }) { items { id monto { valor } } } }', { a: state.afiliado.id });
  const aRechazar = creada.data.comisiones.items.find((c) => Number(c.monto?.valor) === 100);
  assert.ok(aRechazar, JSON.stringify(creada));
  await tab.waitForFunction((id) => !!document.querySelector(`#aprobar-comision option[value="${id}"]`), aRechazar.id);
  await aprobar.getByLabel('Comisión calculada').selectOption(aRechazar.id);
  await aprobar.getByRole('button', { name: 'Rechazar' }).click();
  await aprobar.getByText('El motivo', { exact: false }).first().waitFor();
  await aprobar.getByLabel('Motivo del rechazo').fill('Venta anulada por el cliente');
  await aprobar.getByRole('button', { name: 'Rechazar' }).click();
  await aprobar.getByText('Comisión RECHAZADA').waitFor();

  // A validated conversion reverted (its commission is taken back).
  const revertible = await registerConversion(state.afiliado.id, state.campania.id, state.valor, state.moneda, `web-rev-${stamp}`);
  await gql('mutation($input: ValidarConversionInput!) { validarConversion(input: $input) { conversion { estado } } }', { input: { id: revertible.id } });
  await tab.reload();
  const revertir = tab.locator('#revertir-conversion');
  await tab.waitForFunction((id) => !!document.querySelector(`#revertir-conversion option[value="${id}"]`), revertible.id);
  await revertir.getByLabel('Conversión validada').selectOption(revertible.id);
  await revertir.getByLabel('Motivo de la reversión').fill('Devolución del producto');
  await revertir.getByRole('button', { name: 'Revertir' }).click();
  await revertir.getByText('Conversión RECHAZADA').waitFor({ timeout: 10000 }).catch(async (e) => {
    throw new Error(`${e.message}\n${await revertir.innerText()}`);
  });

  // Payout of the partner's approved commissions, with an idempotency key: sent twice,
  // it is one payout.
  const pagar = tab.locator('#solicitar-pago');
  await pagar.getByLabel('Afiliado').selectOption(state.afiliado.id);
  await pagar.getByLabel('Ciclo').fill(`CYCLE-2099-${String((stamp % 12) + 1).padStart(2, '0')}`);
  await pagar.getByLabel('Moneda (opcional)').selectOption(state.moneda);
  await pagar.getByRole('button', { name: 'Solicitar pago' }).click();
  const enlace = pagar.locator('.resultado a');
  await enlace.waitFor({ timeout: 10000 }).catch(async (e) => {
    throw new Error(`${e.message}\n${await pagar.innerText()}`);
  });
  const href = await enlace.getAttribute('href');
  await pagar.getByRole('button', { name: 'Solicitar pago' }).click();
  await tab.waitForFunction((first) => document.querySelector('#solicitar-pago .resultado a')?.getAttribute('href') === first, href);
  state.pago = href.split('/').pop();

  // The report version (admin only).
  const version = tab.locator('#version-reporte');
  await version.getByLabel('Versión').selectOption('V2');
  await version.getByRole('button', { name: 'Cambiar versión' }).click();
  await version.getByText('Versión activa: V2').first().waitFor();
  await shot(tab, 'acciones');
  const check = await gql('{ versionReporte }', {}, await token('admin'));
  assert.equal(check.data.versionReporte, 'V2');
  noProblems();
});

test('a payout shows its commissions, transactions and audit trail', async () => {
  await tab.goto(`${BASE}/console#/pagos/${state.pago}`);
  await tab.getByRole('heading', { name: /^Pago CYCLE-2099/, level: 1 }).waitFor();
  await tab.getByRole('table', { name: 'Comisiones del pago' }).waitFor();
  await tab.getByRole('heading', { name: 'Transacciones', level: 2 }).waitFor();
  await tab.getByRole('heading', { name: 'Auditoría', level: 2 }).waitFor();
  await tab.locator('.auditoria li', { hasText: 'PagoSolicitado' }).waitFor();
  await shot(tab, 'pago');
  noProblems();
});

// Every button of the actions page, by the name a reader of the page sees.
const BOTONES = ['Registrar cliente', 'Registrar afiliado', 'Crear campaña', 'Activar', 'Pausar', 'Validar', 'Aprobar', 'Solicitar pago', 'Cambiar versión'];

async function botones() {
  const visibles = [];
  for (const name of BOTONES) {
    if (await tab.getByRole('button', { name, exact: true }).count()) visibles.push(name);
  }
  return visibles;
}

test('an operator has the write actions but no admin button, nor personal data', async () => {
  await tab.getByRole('button', { name: 'Salir' }).click();
  await login(tab, 'operador');
  await tab.getByRole('link', { name: 'Acciones' }).click();
  await tab.locator('#registrar-cliente').waitFor();
  assert.deepEqual(await botones(), ['Registrar cliente', 'Registrar afiliado', 'Crear campaña', 'Activar', 'Pausar', 'Validar']);
  for (const admin of ['#aprobar-comision', '#crear-comision', '#revertir-conversion', '#solicitar-pago', '#version-reporte']) {
    assert.equal(await tab.locator(admin).count(), 0, admin);
  }
  await shot(tab, 'acciones-operador');
  // A partner's view without its personal and bank data, and without any refusal shown.
  await tab.goto(`${BASE}/console#/afiliados/${state.afiliado.id}`);
  await tab.getByRole('heading', { name: state.afiliado.nombre, level: 1 }).waitFor();
  await tab.getByRole('table', { name: 'Conversiones del afiliado' }).waitFor();
  assert.equal(await tab.locator('.alerta').count(), 0, await tab.locator('main').innerText());
  const ficha = await tab.locator('dl.ficha').first().innerText();
  assert.ok(!ficha.includes('@'), `no e-mail shown: ${ficha}`);
  noProblems();
});

test('a reader sees no button it cannot use, and the server refuses it anyway', async () => {
  await tab.getByRole('button', { name: 'Salir' }).click();
  await login(tab, 'lector');
  assert.equal(await tab.getByRole('link', { name: 'Acciones' }).count(), 0, 'no actions in the navigation');
  await tab.goto(`${BASE}/console#/acciones`);
  await tab.locator('#sin-acciones').waitFor();
  assert.deepEqual(await botones(), []);
  assert.equal(await tab.locator('main form').count(), 0);
  await shot(tab, 'acciones-lector');
  const lector = await token('lector');
  const refused = await gql('mutation { cambiarVersionReporte(input: { version: V1 }) { version } }', {}, lector);
  assert.equal(refused.errors?.[0]?.extensions?.code, 'FORBIDDEN', JSON.stringify(refused));
  assert.match(refused.errors[0].message, /«admin»/);
  const check = await gql('{ versionReporte }');
  assert.equal(check.data.versionReporte, 'V2');
  noProblems();
});

test('a partner user sees its own partner only and has no actions', async () => {
  await tab.getByRole('button', { name: 'Salir' }).click();
  await login(tab, 'afiliado');
  assert.equal(await tab.getByRole('link', { name: 'Acciones' }).count(), 0);
  await tab.waitForFunction(() => document.querySelector('[data-contador="totalAfiliados"] .valor')?.textContent === '1');
  const afiliados = tab.getByRole('table', { name: 'Afiliados recientes' });
  await afiliados.waitFor();
  assert.equal(await afiliados.locator('tbody tr').count(), 1);
  await shot(tab, 'panel-afiliado');
  noProblems();
});

test('the console works from the keyboard, labels every control and fits a phone', async () => {
  const phone = await chromium.newContext({ viewport: { width: 390, height: 844 }, locale: 'es-CO', isMobile: true });
  const small = await phone.newPage();
  small.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await small.goto(`${BASE}/console`);
  // The user field has the focus; Tab moves on, Enter submits.
  await small.keyboard.type('operador');
  await small.keyboard.press('Tab');
  await small.keyboard.type('operador');
  await small.keyboard.press('Enter');
  await small.getByRole('heading', { name: 'Panel', level: 1 }).waitFor();
  await small.waitForFunction(() => /^\d+$/.test(document.querySelector('[data-contador="totalClientes"] .valor')?.textContent));
  const overflow = await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `no sideways scrolling on a phone (${overflow}px too wide)`);
  await shot(small, 'panel-movil');
  // Every form control of the actions page is named for assistive technology.
  await small.goto(`${BASE}/console#/acciones`);
  await small.locator('#registrar-cliente').waitFor();
  const unnamed = await small.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea, button')]
      .filter((el) => !(el.labels?.length || el.getAttribute('aria-label') || el.textContent.trim()))
      .map((el) => el.outerHTML.slice(0, 80)),
  );
  assert.deepEqual(unnamed, []);
  await phone.close();
  noProblems();
});
