// GraphiQL for the gateway. A plain script over the UMD globals React, ReactDOM and GraphiQL
// (loaded before it by the page), so the build needs no bundler.
(function () {
  'use strict';

  const h = React.createElement;
  const TOKEN_KEY = 'gateway:graphiql:token';
  const PLAN_HEADER = 'x-query-plan';

  // Latest query plan, shared between the fetcher (writer) and the panel (reader).
  // kind: 'idle' before any response, 'none' when the latest response had no plan, 'plan' otherwise.
  let latestPlan = { kind: 'idle' };
  const planListeners = new Set();

  function publishPlan(next) {
    latestPlan = next;
    planListeners.forEach((listener) => listener());
  }

  function subscribePlan(listener) {
    planListeners.add(listener);
    return () => planListeners.delete(listener);
  }

  function planOf(result) {
    const plan = result && result.extensions && result.extensions.queryPlan;
    if (plan === undefined || plan === null) return null;
    if (typeof plan === 'string') return { text: plan, json: null };
    const json = plan.plan === undefined ? null : plan.plan;
    const text = typeof plan.text === 'string' ? plan.text : JSON.stringify(json ?? plan, null, 2);
    return { text, json };
  }

  // Single responses always replace the plan; streamed payloads (subscriptions, @defer) only
  // replace it when they carry one, so later events without a plan keep the first one visible.
  function recordResult(result, streamed) {
    const plan = planOf(result);
    if (plan) publishPlan({ kind: 'plan', text: plan.text, json: plan.json });
    else if (!streamed) publishPlan({ kind: 'none' });
  }

  async function* tapStream(stream) {
    for await (const payload of stream) {
      recordResult(payload, true);
      yield payload;
    }
  }

  function withPlanCapture(fetcher) {
    return async (params, options) => {
      const introspection = params.operationName === 'IntrospectionQuery';
      // GraphiQL's first introspection can run before the headers editor exists, so without
      // the remembered token: add it, for gateways that require one to introspect.
      const token = readToken();
      if (introspection && !(options && options.headers) && token) {
        options = { ...options, headers: { Authorization: `Bearer ${token}` } };
      }
      const result = await fetcher(params, options);
      // The docs explorer's introspection must not hide the plan of the user's operation.
      if (introspection || result === null || typeof result !== 'object') {
        return result;
      }
      if (typeof result[Symbol.asyncIterator] === 'function') return tapStream(result);
      if (typeof result.subscribe === 'function') return result; // legacy observable: left as is
      recordResult(result, false);
      return result;
    };
  }

  function PlanIcon() {
    return h(
      'svg',
      { viewBox: '0 0 24 24', fill: 'none', stroke: 'currentColor', strokeWidth: 1.5, 'aria-hidden': true },
      h('rect', { x: 3, y: 3, width: 8, height: 5, rx: 1 }),
      h('rect', { x: 13, y: 10, width: 8, height: 5, rx: 1 }),
      h('rect', { x: 13, y: 17, width: 8, height: 5, rx: 1 }),
      h('path', { d: 'M7 8v11.5h6M7 12.5h6' }),
    );
  }

  function PlanPanel() {
    const plan = React.useSyncExternalStore(subscribePlan, () => latestPlan);
    const [view, setView] = React.useState('text');
    let body;
    if (plan.kind === 'idle') {
      body = h('p', { className: 'gateway-plan-hint' }, 'Run an operation: the plan the gateway used shows here.');
    } else if (plan.kind === 'none') {
      body = h('p', { className: 'gateway-plan-hint' }, 'The latest response has no extensions.queryPlan.');
    } else {
      const tab = (name, label) =>
        h('button', { type: 'button', 'aria-pressed': view === name, onClick: () => setView(name) }, label);
      const shown = view === 'json' && plan.json !== null ? JSON.stringify(plan.json, null, 2) : plan.text;
      body = [
        plan.json === null ? null : h('div', { className: 'gateway-plan-tabs', key: 'tabs' }, tab('text', 'Text'), tab('json', 'JSON')),
        h('pre', { key: 'plan' }, shown),
      ];
    }
    return h('section', { className: 'gateway-plan' }, h('div', { className: 'gateway-plan-title' }, 'Query plan'), body);
  }

  const planPlugin = { title: 'Query plan', icon: PlanIcon, content: PlanPanel };

  // Token from ?token= (then dropped from the address bar so it is not shared by copy-paste),
  // else the one remembered from an earlier visit.
  function initialToken() {
    const params = new URLSearchParams(window.location.search);
    const fromUrl = params.get('token');
    if (fromUrl) {
      params.delete('token');
      const query = params.toString();
      window.history.replaceState(null, '', window.location.pathname + (query ? `?${query}` : '') + window.location.hash);
      storeToken(fromUrl);
      return fromUrl;
    }
    return readToken();
  }

  function readToken() {
    try {
      return window.localStorage.getItem(TOKEN_KEY);
    } catch {
      return null; // storage disabled
    }
  }

  function storeToken(token) {
    try {
      if (token) window.localStorage.setItem(TOKEN_KEY, token);
      else window.localStorage.removeItem(TOKEN_KEY);
    } catch {
      // Storage disabled: the token just is not remembered.
    }
  }

  // Remembers the bearer token the user types in the headers editor; ignores text that is not JSON yet.
  function rememberToken(headersText) {
    let headers;
    try {
      headers = JSON.parse(headersText || '{}');
    } catch {
      return;
    }
    if (headers === null || typeof headers !== 'object' || Array.isArray(headers)) return;
    const key = Object.keys(headers).find((name) => name.toLowerCase() === 'authorization');
    const match = key && typeof headers[key] === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(headers[key]) : null;
    storeToken(match ? match[1] : null);
  }

  const token = initialToken();
  const headers = token ? JSON.stringify({ Authorization: `Bearer ${token}` }, null, 2) : undefined;
  const wsScheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';

  // Subscriptions over graphql-transport-ws, authenticated in connection_init with the
  // token of the headers editor at the time the socket opens (lazy: on the first one).
  const wsClient = graphqlWs.createClient({
    url: `${wsScheme}//${window.location.host}/graphql`,
    lazy: true,
    connectionParams: () => {
      const current = readToken();
      return current ? { Authorization: `Bearer ${current}`, [PLAN_HEADER]: 'true' } : { [PLAN_HEADER]: 'true' };
    },
  });

  const fetcher = GraphiQL.createFetcher({
    url: `${window.location.origin}/graphql`,
    wsClient,
    // Asks the gateway for extensions.queryPlan on every request; the headers editor is merged on top.
    headers: { [PLAN_HEADER]: 'true' },
  });

  // The deployment's operations (REST routes, safelist), a tab each on a first visit;
  // later visits keep the tabs GraphiQL remembered.
  async function loadCollection() {
    try {
      const response = await fetch('/graphiql/collection.json', { headers: { accept: 'application/json' } });
      const tabs = response.ok ? await response.json() : [];
      return Array.isArray(tabs) ? tabs.filter((tab) => tab && typeof tab.query === 'string') : [];
    } catch {
      return []; // GraphiQL still opens, on its default tab
    }
  }

  loadCollection().then((collection) => {
    const defaultTabs = collection.length
      ? collection.map((tab) => ({ query: tab.query, variables: tab.variables, headers }))
      : undefined;
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      h(GraphiQL, {
        fetcher: withPlanCapture(fetcher),
        plugins: [planPlugin],
        defaultTabs,
        isHeadersEditorEnabled: true,
        defaultEditorToolsVisibility: 'headers',
        headers,
        defaultHeaders: headers,
        onEditHeaders: rememberToken,
      }),
    );
    openPlanPanel(120);
  });

  // GraphiQL decides whether its plugin pane starts open before any plugin is chosen, so
  // the plan panel is opened the way a user would: its sidebar button, once rendered,
  // unless a panel is open already.
  function openPlanPanel(frames) {
    const sidebar = document.querySelector('.graphiql-sidebar');
    const button = sidebar && sidebar.querySelector('button[aria-label="Show Query plan"]');
    if (button) {
      if (!sidebar.querySelector('button[aria-label^="Hide "]')) button.click();
    } else if (frames > 0) {
      requestAnimationFrame(() => openPlanPanel(frames - 1));
    }
  }
})();
