// Small DOM helpers: elements, labelled fields with an error slot each, forms that show
// Tencent's ErrorCode and ErrorInfo next to the field they concern, tables, dialogs.

import { ApiError } from './api.js';

// h creates an element: attrs are properties (class, id, onclick, ...) or, for names
// with a dash or 'for', attributes; children are nodes, strings, arrays or nothing.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'for' || k.includes('-')) el.setAttribute(k, v === true ? '' : v);
    else el[k] = v;
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

let uid = 0;

// field returns a labelled control named name (a wire field name) with an error slot.
// control is an element or a function of the id to give it.
export function field(label, name, control, hint) {
  const id = `f${++uid}`;
  const el = typeof control === 'function' ? control(id) : control;
  el.id = id;
  el.name = name;
  const err = h('p', { class: 'error', id: `${id}-error`, 'data-error-for': name, hidden: true });
  const described = [err.id];
  let hintEl = null;
  if (hint) {
    hintEl = h('p', { class: 'hint', id: `${id}-hint` }, hint);
    described.push(hintEl.id);
  }
  el.setAttribute('aria-describedby', described.join(' '));
  return h('div', { class: 'field' }, h('label', { for: id }, label), el, hintEl, err);
}

export function input(attrs) { return h('input', { type: 'text', autocomplete: 'off', spellcheck: false, ...attrs }); }

export function select(options, value) {
  return h('select', {}, options.map((o) => {
    const [v, label] = Array.isArray(o) ? o : [o, o];
    return h('option', { value: v, selected: v === value }, label);
  }));
}

// form returns a form of the given children with a submit button and a slot for errors
// that concern no one field. onsubmit gets the form's values by name; an error it throws
// is shown next to its field: the field whose name hints maps the ErrorCode to, else the
// field the ErrorInfo names, else the form's own slot.
export function form(attrs, children, submitLabel, onsubmit, hints = {}) {
  const button = h('button', { type: 'submit' }, submitLabel);
  const f = h('form', { novalidate: true, ...attrs }, children,
    h('div', { class: 'actions' }, button),
    h('p', { class: 'error', 'data-error-for': '_form', hidden: true, role: 'alert' }));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(f);
    button.disabled = true;
    f.setAttribute('aria-busy', 'true');
    try {
      await onsubmit(values(f), f);
    } catch (e) {
      showError(f, e, hints);
    } finally {
      button.disabled = false;
      f.removeAttribute('aria-busy');
    }
  });
  return f;
}

// values returns the values of a form's named controls; checkboxes give booleans.
export function values(f) {
  const out = {};
  for (const el of f.elements) {
    if (!el.name || (el.type === 'radio' && !el.checked)) continue;
    out[el.name] = el.type === 'checkbox' ? el.checked : el.value;
  }
  return out;
}

export function clearErrors(f) {
  for (const slot of f.querySelectorAll('[data-error-for]')) {
    slot.hidden = true;
    slot.textContent = '';
    slot.removeAttribute('role');
  }
  for (const el of f.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

// errorText is how an error reads in the console.
export function errorText(e) {
  if (e instanceof ApiError) return typeof e.code === 'number' ? `ErrorCode ${e.code}: ${e.info}` : e.info;
  return String((e && e.message) || e);
}

// showError puts e next to the field it concerns and moves the focus there.
export function showError(f, e, hints = {}) {
  const slots = [...f.querySelectorAll('[data-error-for]')];
  const names = slots.map((s) => s.dataset.errorFor).filter((n) => n !== '_form');
  let name = e instanceof ApiError ? hints[e.code] : undefined;
  if (!names.includes(name)) name = e instanceof ApiError ? named(names, e.info) : undefined;
  const slot = slots.find((s) => s.dataset.errorFor === name) || slots.find((s) => s.dataset.errorFor === '_form');
  slot.textContent = errorText(e);
  slot.hidden = false;
  slot.setAttribute('role', 'alert');
  const control = name && f.elements.namedItem(name);
  if (control) {
    control.setAttribute('aria-invalid', 'true');
    control.focus();
  } else {
    slot.tabIndex = -1;
    slot.focus();
  }
}

// named returns the field of names that info mentions, the longest name first; a name
// "Prefix.Key" (a custom field) is mentioned when info has both Prefix and "Key".
function named(names, info) {
  if (!info) return undefined;
  const words = new Set(info.match(/[A-Za-z0-9_]+/g) || []);
  return [...names].sort((a, b) => b.length - a.length).find((n) => {
    const [prefix, key] = n.split('.');
    return key === undefined ? words.has(n) : words.has(prefix) && info.includes(`"${key}"`);
  });
}

// table returns a table: columns are [heading, cell(row), class] triples; a cell returns
// a node or a string. On a narrow screen each row shows as a card, its cells labelled
// with their headings (data-label).
export function table(caption, columns, rows, rowAttrs = () => ({})) {
  return h('div', { class: 'table-wrap' }, h('table', {},
    h('caption', {}, caption),
    h('thead', {}, h('tr', {}, columns.map(([head, , cls]) => h('th', { scope: 'col', class: cls }, head)))),
    h('tbody', {}, rows.length === 0 ? h('tr', { class: 'none' }, h('td', { colSpan: columns.length }, 'None.'))
      : rows.map((r) => h('tr', rowAttrs(r), columns.map(([head, cell, cls]) => h('td', { class: cls, 'data-label': head }, cell(r))))))));
}

// time formats unix seconds as a local date and time to the minute, in a <time> whose
// title has the seconds; 0 as an empty string.
export function time(unix) {
  if (!unix) return '';
  const d = new Date(unix * 1000);
  const p = (n) => String(n).padStart(2, '0');
  const day = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
  const minute = `${p(d.getHours())}:${p(d.getMinutes())}`;
  return h('time', { dateTime: d.toISOString(), title: `${day} ${minute}:${p(d.getSeconds())}` }, `${day} ${minute}`);
}

// MUTE_FOREVER is the MuteUntil of a mute with no end.
export const MUTE_FOREVER = 4294967295;

// muteText describes a MuteUntil.
export function muteText(until) {
  if (!until) return 'not muted';
  if (until >= MUTE_FOREVER) return 'muted, no end';
  return h('span', {}, 'until ', time(until));
}

// announce says text to screen readers.
export function announce(text) {
  document.getElementById('status').textContent = text;
}

// dialog opens a modal dialog holding content (built by make(close)) and resolves when it
// closes, with the value given to close (undefined for Escape).
export function dialog(title, make) {
  return new Promise((resolve) => {
    const id = `d${++uid}`;
    let result;
    const close = (v) => { result = v; d.close(); };
    const d = h('dialog', { 'aria-labelledby': id },
      h('h2', { id }, title), make(close),
      h('button', { type: 'button', class: 'link close', onclick: () => close() }, 'Cancel'));
    d.addEventListener('close', () => { d.remove(); resolve(result); });
    document.body.append(d);
    d.showModal();
  });
}

// confirm asks a yes-or-no question in a dialog: it resolves true for yes.
export function confirm(title, text, yes) {
  return dialog(title, (close) => h('div', {}, h('p', {}, text),
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'danger', onclick: () => close(true) }, yes))));
}

// splitList splits accounts written with commas, spaces or new lines.
export function splitList(s) {
  return (s || '').split(/[\s,]+/).filter(Boolean);
}

// kvs turns a map of custom values into Tencent's [{Key, Value}] list; kvMap does the
// reverse.
export function kvs(m) { return Object.entries(m).map(([Key, Value]) => ({ Key, Value })); }
export function kvMap(list) { return Object.fromEntries((list || []).map((kv) => [kv.Key, kv.Value])); }
