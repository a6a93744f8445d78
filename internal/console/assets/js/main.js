// The console's entry point: sign-in, the header, and the hash router that renders a
// page into <main>.

import * as api from './api.js';
import { h, field, input, form, announce } from './ui.js';
import { canMint } from './usersig.js';
import * as groups from './groups.js';
import * as group from './group.js';
import * as accounts from './accounts.js';
import * as callbacks from './callbacks.js';
import * as fields from './fields.js';
import * as sigtool from './sigtool.js';

// routes map a location hash to a page: render(main, ...captures).
const routes = [
  [/^#\/groups$/, groups.render],
  [/^#\/group\/([^/]+)$/, group.render],
  [/^#\/accounts(?:\/([^/]+))?$/, accounts.render],
  [/^#\/callbacks$/, callbacks.render],
  [/^#\/fields$/, fields.render],
  [/^#\/usersig$/, sigtool.render],
];

const main = document.getElementById('main');

// route renders the page of the current hash, or the sign-in form.
function route() {
  const hash = location.hash || '#/groups';
  if (!api.signedIn()) {
    renderSignIn();
    return;
  }
  for (const [re, render] of routes) {
    const m = hash.match(re);
    if (m) {
      for (const a of document.querySelectorAll('#nav a')) {
        a.toggleAttribute('aria-current', hash.startsWith(a.getAttribute('href')) || (a.hash === '#/groups' && hash.startsWith('#/group/')));
      }
      main.replaceChildren();
      render(main, ...m.slice(1).map((s) => (s === undefined ? s : decodeURIComponent(s))));
      return;
    }
  }
  location.replace('#/groups');
}

// renderSignIn shows the sign-in form.
function renderSignIn() {
  showHeader(false);
  document.title = 'Sign in · timd console';
  const mint = canMint();
  const method = h('fieldset', { class: 'method' }, h('legend', {}, 'Sign in with'),
    radio('method', 'usersig', 'a UserSig', true),
    radio('method', 'key', 'the app\'s secret key', false, !mint));
  const sigField = field('UserSig', 'usersig', h('textarea', { rows: 3, spellcheck: false }),
    'Of the admin identifier above: timd usersig -identifier administrator');
  const keyField = field('Secret key', 'key', input({ type: 'password' }),
    mint ? 'The page mints a UserSig valid for one hour and keeps the key in memory only, never in storage.'
      : 'Minting needs a secure context: open the console over HTTPS or on 127.0.0.1.');
  keyField.hidden = true;
  const sigErrors = [70001, 70002, 70003, 70009, 70013, 70014];
  const hints = { 70020: 'sdkappid', 60012: 'sdkappid', 60004: 'identifier', 60010: 'identifier' };
  const f = form({ id: 'signin', class: 'card narrow' }, [
    field('SDKAppID', 'sdkappid', input({ inputMode: 'numeric', value: api.storedApp() || '1400000000', required: true })),
    field('Admin identifier', 'identifier', input({ value: 'administrator', required: true })),
    method, sigField, keyField,
  ], 'Sign in', async (v) => {
    const byKey = v.method === 'key';
    for (const code of sigErrors) hints[code] = byKey ? 'key' : 'usersig';
    await api.signIn({ sdkappid: v.sdkappid, identifier: v.identifier, usersig: byKey ? '' : v.usersig, key: byKey ? v.key : '' });
    showHeader(true);
    announce('Signed in');
    route();
    main.focus();
  }, hints);
  method.addEventListener('change', () => {
    const byKey = f.elements.method.value === 'key';
    sigField.hidden = byKey;
    keyField.hidden = !byKey;
  });
  main.replaceChildren(h('h1', {}, 'Sign in'),
    h('p', { class: 'lead' }, 'Sign in as an admin of an app served by this timd. Every action of the console is an ordinary signed REST call.'),
    f);
}

function radio(name, value, label, checked, disabled) {
  return h('label', { class: 'inline' }, h('input', { type: 'radio', name, value, checked, disabled }), ' ', label);
}

// showHeader shows or hides the signed-in parts of the header.
function showHeader(on) {
  document.getElementById('nav').hidden = !on;
  document.getElementById('signout').hidden = !on;
  const who = document.getElementById('who');
  who.hidden = !on;
  if (on) {
    const w = api.who();
    who.textContent = `${w.identifier} @ ${w.sdkappid}`;
    who.title = w.expires ? `UserSig valid until ${new Date(w.expires * 1000).toLocaleString()}` : '';
  }
}

document.getElementById('signout').addEventListener('click', () => {
  api.signOut();
  announce('Signed out');
  route();
  main.focus();
});

// The skip link focuses <main> without touching the hash, which holds the route.
document.querySelector('.skip').addEventListener('click', (ev) => {
  ev.preventDefault();
  main.focus();
});

window.addEventListener('hashchange', () => {
  route();
  main.focus();
});
route();
