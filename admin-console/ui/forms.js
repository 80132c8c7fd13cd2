// Forms for the console's actions. Field names are the input's dotted paths
// (`documento.numero`), the same the server names in `extensions.campo`, so each Spanish
// error message is shown next to the field at fault.

import { clear, h } from './dom.js';

let counter = 0;

// One field: `{ name, label, type, options, value, required, help }`; `type` is an
// input type, `select`, `checkboxes` (a list) or `textarea`.
function field(spec, formId) {
  const id = `${formId}-${spec.name.replace(/\./g, '-')}`;
  const errorId = `${id}-error`;
  const common = { id, name: spec.name, 'aria-describedby': errorId, required: spec.required };
  let control;
  if (spec.type === 'select') {
    control = h(
      'select',
      { ...common, dataset: spec.source ? { fuente: spec.source } : null },
      (spec.options || []).map(([value, label]) => h('option', { value, selected: value === spec.value }, label)),
    );
  } else if (spec.type === 'checkboxes') {
    control = h(
      'fieldset',
      { id, className: 'opciones', 'aria-describedby': errorId },
      h('legend', {}, spec.label),
      spec.options.map(([value, label]) =>
        h(
          'label',
          {},
          h('input', { type: 'checkbox', name: spec.name, value, checked: (spec.value || []).includes(value) }),
          label,
        ),
      ),
    );
  } else if (spec.type === 'textarea') {
    control = h('textarea', { ...common, rows: 2 }, spec.value || '');
  } else {
    control = h('input', { ...common, type: spec.type || 'text', value: spec.value ?? '', autocomplete: 'off' });
  }
  return h(
    'div',
    { className: 'campo', dataset: { campo: spec.name } },
    spec.type === 'checkboxes' ? null : h('label', { for: id }, spec.label),
    control,
    spec.help ? h('small', { className: 'ayuda' }, spec.help) : null,
    h('p', { className: 'error-campo', id: errorId, role: 'alert' }),
  );
}

// Reads the form into the nested object its dotted names describe.
function values(form, specs) {
  const result = {};
  for (const spec of specs) {
    let value;
    if (spec.type === 'checkboxes') {
      value = [...form.querySelectorAll(`input[name="${spec.name}"]:checked`)].map((box) => box.value);
    } else {
      value = form.elements.namedItem(spec.name).value.trim();
      if (value === '' && !spec.keepEmpty) continue;
      if (spec.type === 'datetime-local') value = new Date(value).toISOString();
      if (spec.parse) value = spec.parse(value);
    }
    const path = spec.name.split('.');
    let target = result;
    for (const key of path.slice(0, -1)) target = target[key] ??= {};
    target[path[path.length - 1]] = value;
  }
  return result;
}

// The field a server error names: exactly, or the deepest field its path ends with.
function fieldFor(form, campo) {
  if (!campo) return null;
  const exact = form.querySelector(`.campo[data-campo="${CSS.escape(campo)}"]`);
  if (exact) return exact;
  return [...form.querySelectorAll('.campo')].find((el) => campo.endsWith(el.dataset.campo)) || null;
}

function showErrors(form, errors, summary) {
  const general = [];
  for (const error of errors) {
    const target = fieldFor(form, error.extensions?.campo);
    if (target) {
      target.classList.add('invalido');
      target.querySelector('.error-campo').textContent = error.message;
      target.querySelector('input, select, textarea')?.setAttribute('aria-invalid', 'true');
    } else {
      general.push(error.message);
    }
  }
  clear(summary, general.length ? h('div', { className: 'alerta', role: 'alert' }, general.map((m) => h('p', {}, m))) : null);
  const first = form.querySelector('[aria-invalid="true"]');
  if (first) first.focus();
}

function resetErrors(form, summary) {
  form.querySelectorAll('.campo').forEach((el) => {
    el.classList.remove('invalido');
    el.querySelector('.error-campo').textContent = '';
    el.querySelector('[aria-invalid]')?.removeAttribute('aria-invalid');
  });
  clear(summary);
}

// A form whose submit runs `action(values, button)` (a GraphQL response); `done(data)` renders
// what succeeded. Browser validation is off: the server is the authority on every rule.
export function actionForm({ id, title, fields, submit, action, done, extra }) {
  counter += 1;
  const formId = id || `form-${counter}`;
  const summary = h('div', { className: 'resumen' });
  const result = h('div', { className: 'resultado', role: 'status' });
  // One submit button, or several (`[[value, label], …]`): the action is told which.
  const buttons = (Array.isArray(submit) ? submit : [[null, submit]]).map(([value, label]) =>
    h('button', { type: 'submit', name: value ? 'accion' : null, value }, label),
  );
  const form = h(
    'form',
    { id: formId, novalidate: true, 'aria-label': title },
    h('h3', {}, title),
    fields.map((spec) => field(spec, formId)),
    extra || null,
    summary,
    h('div', { className: 'botones' }, buttons),
    result,
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    resetErrors(form, summary);
    clear(result);
    buttons.forEach((button) => { button.disabled = true; });
    try {
      const response = await action(values(form, fields), event.submitter?.value || null);
      if (response.errors && response.errors.length) showErrors(form, response.errors, summary);
      else clear(result, h('p', { className: 'exito' }, done(response.data)));
    } catch (error) {
      showErrors(form, [{ message: error.message }], summary);
    } finally {
      buttons.forEach((button) => { button.disabled = false; });
    }
  });
  return form;
}
