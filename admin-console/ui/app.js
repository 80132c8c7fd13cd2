// The console's shell: login, navigation and the hash router. Each view renders into the
// main element and may return a teardown (to close its subscriptions).

import { login, session } from './api.js';
import { acciones, hayAcciones } from './acciones.js';
import { busqueda } from './busqueda.js';
import { dashboard } from './dashboard.js';
import { afiliado, cliente, pago } from './detalles.js';
import { clear, h } from './dom.js';

const root = document.getElementById('app');
let teardown = null;
// Which render is current: a view that finishes loading after the user moved on is torn
// down at once.
let generation = 0;

const ROUTES = [
  [/^#?\/?(dashboard)?$/, () => dashboard],
  [/^#\/buscar(?:\?q=(.*))?$/, (m) => (main) => busqueda(main, decodeURIComponent(m[1] || ''))],
  [/^#\/clientes\/([\w-]+)$/, (m) => (main) => cliente(main, m[1])],
  [/^#\/afiliados\/([\w-]+)$/, (m) => (main) => afiliado(main, m[1])],
  [/^#\/pagos\/([\w-]+)$/, (m) => (main) => pago(main, m[1])],
  [/^#\/acciones$/, () => acciones],
];

// Sections, each with whether the session may use it (a reader has no actions).
const NAV = [
  ['#/dashboard', 'Panel', () => true],
  ['#/buscar', 'Búsqueda', () => true],
  ['#/acciones', 'Acciones', hayAcciones],
];

function loginView() {
  const error = h('p', { className: 'error-campo', id: 'login-error', role: 'alert' });
  const user = h('input', { id: 'usuario', name: 'usuario', autocomplete: 'username', required: true, 'aria-describedby': 'login-error' });
  const password = h('input', { id: 'clave', name: 'clave', type: 'password', autocomplete: 'current-password', required: true });
  const button = h('button', { type: 'submit' }, 'Entrar');
  const form = h(
    'form',
    { className: 'login', 'aria-labelledby': 'login-titulo', novalidate: true },
    h('h1', { id: 'login-titulo' }, 'Consola de Alpes Partners'),
    h('div', { className: 'campo' }, h('label', { for: 'usuario' }, 'Usuario'), user),
    h('div', { className: 'campo' }, h('label', { for: 'clave' }, 'Contraseña'), password),
    error,
    h('div', { className: 'botones' }, button),
    h(
      'p',
      { className: 'ayuda' },
      'Usuarios de demostración: admin/admin (todo, con datos personales), operador/operador (lectura y escritura), lector/lector (solo lectura), afiliado/afiliado … afiliado4/afiliado4 (socios: solo sus datos).',
    ),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    button.disabled = true;
    try {
      await login(user.value.trim(), password.value);
      if (!window.location.hash) window.location.hash = '#/dashboard';
      render();
    } catch (failure) {
      error.textContent = failure.message;
      user.setAttribute('aria-invalid', 'true');
      user.focus();
    } finally {
      button.disabled = false;
    }
  });
  clear(root, h('main', { id: 'contenido', className: 'centro' }, form));
  user.focus();
}

function shell(current) {
  const main = h('main', { id: 'contenido', tabindex: '-1' });
  const graphiql = h('a', { href: `/graphiql?token=${encodeURIComponent(current.token)}`, target: '_blank', rel: 'noopener' }, 'GraphiQL');
  const salir = h('button', { type: 'button', className: 'secundario' }, 'Salir');
  // Forgetting the session re-renders (the session listener below) into the login form.
  salir.addEventListener('click', () => {
    window.history.replaceState(null, '', window.location.pathname);
    session.save(null);
  });
  const hash = window.location.hash || '#/dashboard';
  const header = h(
    'header',
    { className: 'barra' },
    h('a', { className: 'marca', href: '#/dashboard' }, 'Alpes Partners'),
    h(
      'nav',
      { 'aria-label': 'Secciones' },
      h('ul', {}, NAV.filter(([, , allowed]) => allowed()).map(([href, label]) => h('li', {}, h('a', { href, 'aria-current': hash.startsWith(href) ? 'page' : null }, label))), h('li', {}, graphiql)),
    ),
    h('div', { className: 'usuario' }, h('span', {}, `${current.username} · ${(current.scopes || []).join(', ')}`), salir),
  );
  clear(root, header, main);
  return main;
}

function render() {
  generation += 1;
  if (teardown) {
    teardown();
    teardown = null;
  }
  const current = session.current();
  if (!current) {
    loginView();
    return;
  }
  const hash = window.location.hash;
  const main = shell(current);
  const route = ROUTES.find(([pattern]) => pattern.test(hash));
  if (!route) {
    clear(main, h('h1', {}, 'Página no encontrada'), h('p', {}, h('a', { href: '#/dashboard' }, 'Volver al panel')));
    return;
  }
  const view = route[1](hash.match(route[0]));
  const mine = ++generation;
  Promise.resolve(view(main)).then((stop) => {
    if (typeof stop !== 'function') return;
    if (mine === generation) teardown = stop;
    else stop();
  });
  main.focus({ preventScroll: true });
}

window.addEventListener('hashchange', render);
session.onChange((value) => {
  if (!value) render();
});
render();
