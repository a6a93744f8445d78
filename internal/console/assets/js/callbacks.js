// The callbacks page: the outbox depth, and this app's recent callback attempts and
// their totals since timd started (timd's GET /console/api/callbacks).

import { consoleGet } from './api.js';
import { h, table, errorText, announce } from './ui.js';

export async function render(main) {
  document.title = 'Callbacks · timd console';
  const body = h('div', { id: 'callbacks-body' });
  const refresh = h('button', { type: 'button', id: 'callbacks-refresh' }, 'Refresh');
  const load = async () => {
    try {
      show(body, await consoleGet('callbacks'));
      announce('Callbacks refreshed');
    } catch (e) {
      body.replaceChildren(h('p', { class: 'error', role: 'alert' }, errorText(e)));
    }
  };
  refresh.addEventListener('click', load);
  main.append(h('h1', {}, 'Callbacks'), refresh, body);
  await load();
}

function show(body, r) {
  const stamp = (ms) => new Date(ms).toLocaleString();
  body.replaceChildren(
    h('dl', { class: 'facts' },
      h('dt', {}, 'Callback URL'), h('dd', { id: 'callbacks-configured' }, r.Configured ? 'configured' : 'none: this app sends no callbacks'),
      h('dt', {}, 'Outbox depth'), h('dd', { id: 'outbox-depth' }, `${r.OutboxDepth} after-callback(s) waiting, all apps`)),
    table('Attempts since timd started, by command', [
      ['Command', (t) => t.Command], ['Answered 200', (t) => t.OK], ['Failed', (t) => t.Failed],
    ], r.Totals),
    table(`Last ${r.Attempts.length} attempts, newest first`, [
      ['Time', (a) => stamp(a.Time)], ['Command', (a) => a.Command],
      ['Outcome', (a) => h('span', { class: a.OK ? 'ok' : 'bad' }, a.Outcome), 'outcome'],
      ['Duration', (a) => `${a.DurationMs.toFixed(1)} ms`],
    ], r.Attempts));
}
