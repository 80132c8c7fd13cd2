// GraphiQL from the console's link: the token comes prefilled, the deployment's operations
// open as tabs beside the query plan panel, the docs come from introspection, and a query
// and a subscription run through the gateway.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { BASE, browser, gql, login, page, shot } from './support.mjs';

let chromium;
let tab;
const problems = [];

before(async () => {
  chromium = await browser();
  tab = await page(chromium, problems);
});

after(async () => {
  await chromium?.close();
});

// Replaces the operation in GraphiQL's editor and runs it.
async function run(graphiql, text) {
  const editor = graphiql.locator('.graphiql-query-editor .CodeMirror').first();
  await editor.click();
  await graphiql.keyboard.press('Control+A');
  await graphiql.keyboard.press('Delete');
  // Typed as a paste: the editor's auto-closing brackets would double typed ones.
  await graphiql.evaluate((value) => document.querySelector('.graphiql-query-editor .CodeMirror').CodeMirror.setValue(value), text);
  // GraphiQL re-parses the operation shortly after an edit (debounced); it runs the parsed
  // one, so a subscription run too soon would still be the previous query.
  await graphiql.waitForTimeout(800);
  await graphiql.getByRole('button', { name: /Execute query/ }).click();
}

function response(graphiql) {
  return graphiql.locator('.graphiql-response .CodeMirror-code');
}

test('the console opens GraphiQL with the token, docs from introspection, a query and a subscription', async () => {
  await login(tab, 'admin');
  const [graphiql] = await Promise.all([
    tab.context().waitForEvent('page'),
    tab.getByRole('link', { name: 'GraphiQL' }).click(),
  ]);
  graphiql.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await graphiql.locator('.graphiql-query-editor').waitFor();
  // The token arrived in the headers editor (and left the address bar).
  assert.ok(!graphiql.url().includes('token='), graphiql.url());
  const headers = await graphiql.evaluate(() => window.localStorage.getItem('gateway:graphiql:token'));
  assert.ok(headers && headers.length > 20, 'token remembered');

  // The deployment's operations open as tabs, with the query plan panel beside them.
  for (const name of ['Dashboard', 'Clientes', 'ClienteDetalle', 'Pagos', 'PagoDetalle', 'Campanias', 'Busqueda']) {
    await graphiql.locator('.graphiql-tab').getByText(name, { exact: true }).first().waitFor();
  }
  const plan = graphiql.locator('.gateway-plan');
  await plan.getByText('Run an operation').waitFor();
  // The first tab runs as it is, and its plan shows: one fetch per subgraph it reads.
  await graphiql.getByRole('button', { name: /Execute query/ }).click();
  await response(graphiql).getByText('"paginacion"').first().waitFor();
  await plan.locator('pre').getByText(/Fetch\(service: "pagos"\)/).first().waitFor();
  await shot(graphiql, 'graphiql-operaciones');

  // Docs from introspection.
  await graphiql.getByRole('button', { name: /Show Documentation Explorer/ }).click();
  await graphiql.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).first().waitFor();
  await graphiql.locator('.graphiql-doc-explorer').getByText('Query', { exact: true }).first().click();
  await graphiql.locator('.graphiql-doc-explorer').getByText('contadoresDashboard').first().waitFor();

  // A federated query.
  await run(graphiql, '{ clientes(paginacion: { perPage: 2 }) { paginacion { total } items { nombre campanias { nombre } } } }');
  await response(graphiql).getByText('"total"').waitFor();
  const expected = await gql('{ clientes { paginacion { total } } }');
  await response(graphiql).getByText(String(expected.data.clientes.paginacion.total)).first().waitFor();
  await shot(graphiql, 'graphiql');

  // A query with @defer: the deferred fragment (a field of another subgraph) arrives in a
  // later part of the multipart answer, and GraphiQL merges it into the result.
  await run(graphiql, '{ clientes(paginacion: { perPage: 2 }) { items { nombre ... @defer(label: "campanias") { diferidas: campanias { nombre } } } } }');
  // The alias is in the data once the deferred part is merged into it.
  await response(graphiql).locator('.CodeMirror-line').filter({ hasText: /"diferidas": \[/ }).first().waitFor();
  await graphiql.getByRole('button', { name: /Execute query/ }).waitFor();
  await shot(graphiql, 'graphiql-defer');

  // A subscription: its first event is the counters right away.
  await run(graphiql, 'subscription { contadoresDashboard { totalClientes totalConversiones } }');
  await response(graphiql).getByText('"totalConversiones"').waitFor({ timeout: 20000 });
  await shot(graphiql, 'graphiql-suscripcion');
  assert.deepEqual(problems, []);
});
