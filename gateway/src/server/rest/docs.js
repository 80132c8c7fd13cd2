// Renders /spec: a section per route with its parameters, body and answers.
(function () {
  'use strict';

  function el(tag, attributes, children) {
    const node = document.createElement(tag);
    Object.entries(attributes || {}).forEach(([key, value]) => node.setAttribute(key, value));
    (children || []).forEach((child) =>
      node.append(typeof child === 'string' ? document.createTextNode(child) : child));
    return node;
  }

  function schemaText(schema) {
    return JSON.stringify(schema, null, 2);
  }

  function parameters(list) {
    if (!list || list.length === 0) return null;
    const rows = list.map((p) => el('tr', {}, [
      el('td', {}, [el('code', {}, [p.name])]),
      el('td', {}, [p.in]),
      el('td', {}, [p.required ? 'sí' : 'no']),
      el('td', {}, [el('code', {}, [JSON.stringify(p.schema)])]),
    ]));
    return el('table', {}, [
      el('thead', {}, [el('tr', {}, ['Parámetro', 'En', 'Obligatorio', 'Esquema'].map((h) => el('th', {}, [h])))]),
      el('tbody', {}, rows),
    ]);
  }

  function route(path, method, operation) {
    const parts = [];
    const table = parameters(operation.parameters);
    if (table) parts.push(el('h3', {}, ['Parámetros']), table);
    const body = operation.requestBody && operation.requestBody.content['application/json'];
    if (body) parts.push(el('h3', {}, ['Cuerpo (JSON)']), el('pre', {}, [schemaText(body.schema)]));
    parts.push(el('h3', {}, ['Respuestas']));
    Object.entries(operation.responses).forEach(([status, response]) => {
      const content = response.content && Object.values(response.content)[0];
      const line = [el('strong', {}, [status]), ' ', response.description || (response.$ref || '').split('/').pop()];
      parts.push(el('p', {}, line));
      if (content && content.schema && status.startsWith('2')) parts.push(el('pre', {}, [schemaText(content.schema)]));
    });
    return el('details', { class: 'route', id: operation.operationId }, [
      el('summary', {}, [
        el('span', { class: `method ${method}` }, [method.toUpperCase()]),
        el('span', { class: 'path' }, [path]),
        el('span', { class: 'summary' }, [operation.summary || '']),
      ]),
      el('div', { class: 'body' }, parts),
    ]);
  }

  fetch('/spec', { headers: { accept: 'application/json' } })
    .then((response) => {
      if (!response.ok) throw new Error(`/spec respondió ${response.status}`);
      return response.json();
    })
    .then((spec) => {
      const main = document.getElementById('routes');
      main.replaceChildren();
      Object.entries(spec.paths).forEach(([path, item]) =>
        Object.entries(item).forEach(([method, operation]) => main.append(route(path, method, operation))));
    })
    .catch((error) => {
      document.getElementById('routes').replaceChildren(el('p', { class: 'error' }, [String(error)]));
    });
})();
