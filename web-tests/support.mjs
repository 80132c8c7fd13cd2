// Shared by the browser tests: Debian's Chromium driven by playwright-core (never a
// downloaded browser), the gateway's address, API calls and screenshots.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

// The embedded gateway, e.g. http://127.0.0.1:4000 (set by tests/web.rs).
export const BASE = (process.env.ALPES_GATEWAY_URL || 'http://127.0.0.1:4000').replace(/\/$/, '');
export const ARTIFACTS = process.env.ALPES_ARTIFACTS || new URL('./artifacts/', import.meta.url).pathname;
mkdirSync(ARTIFACTS, { recursive: true });

// Flags for a closed network: no background calls home, no first-run UI, no GPU.
const FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

export async function browser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    // Playwright gives each launch a new, empty profile directory.
    args: FLAGS,
  });
}

// A page that fails the test on any script error or console error of the app.
export async function page(instance, problems) {
  const context = await instance.newContext({ viewport: { width: 1280, height: 900 }, locale: 'es-CO' });
  const tab = await context.newPage();
  tab.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  tab.on('console', (message) => {
    if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
  });
  // Requests outside the gateway would be a CDN: none may happen, on any page it opens.
  context.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(BASE) && !url.startsWith(BASE.replace('http', 'ws')) && !url.startsWith('data:')) {
      problems.push(`request outside the gateway: ${url}`);
    }
  });
  return tab;
}

export async function shot(tab, name) {
  await tab.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
}

export async function login(tab, user = 'admin') {
  await tab.goto(`${BASE}/console`);
  await tab.getByLabel('Usuario').fill(user);
  await tab.getByLabel('Contraseña').fill(user);
  await tab.getByRole('button', { name: 'Entrar' }).click();
  await tab.getByRole('heading', { name: 'Panel', level: 1 }).waitFor();
}

// A GraphQL call to the gateway as an API client (not the browser): as admin unless a
// token is given (`null`: anonymous).
export async function gql(query, variables = {}, token) {
  const headers = { 'content-type': 'application/json' };
  const bearer = token === undefined ? await adminToken() : token;
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const response = await fetch(`${BASE}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
  return response.json();
}

let admin;
async function adminToken() {
  admin ??= token('admin');
  return admin;
}

export async function token(user = 'admin') {
  const response = await fetch(`${BASE}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: user, password: user }),
  });
  return (await response.json()).token;
}
