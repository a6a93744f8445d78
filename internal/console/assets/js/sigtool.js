// The UserSig tool: mint a UserSig for any identifier and expiry with the app's secret
// key, in the browser (the key never leaves the page).

import * as api from './api.js';
import { h, field, input, form, announce } from './ui.js';
import { canMint, mintUserSig, decodeUserSig } from './usersig.js';

export function render(main) {
  document.title = 'UserSig · timd console';
  const w = api.who();
  const out = h('div', { id: 'sig-result' });
  const keyHint = api.hasKey() ? 'Empty: the key you signed in with.' : 'The app\'s secret key; it stays in this page.';
  const f = form({ id: 'mint' }, [
    field('Identifier', 'identifier', input({ required: true })),
    field('Valid for (seconds)', 'expire', input({ value: '86400', inputMode: 'numeric' })),
    field('Secret key', 'key', input({ type: 'password' }), keyHint),
  ], 'Mint UserSig', async (v) => {
    const key = v.key || api.secretKey();
    const { ApiError } = api;
    if (!v.identifier.trim()) throw new ApiError('input', 'identifier is empty.', 'mint');
    if (!/^[0-9]+$/.test(v.expire)) throw new ApiError('input', 'expire must be a number of seconds.', 'mint');
    if (!key) throw new ApiError('input', 'key is needed to mint.', 'mint');
    const sig = await mintUserSig(w.sdkappid, v.identifier.trim(), key, Number(v.expire));
    const doc = await decodeUserSig(sig);
    const text = h('textarea', { id: 'sig-output', rows: 4, readOnly: true, spellcheck: false, 'aria-label': 'UserSig' }, sig);
    out.replaceChildren(text,
      h('p', {}, `For ${doc.identifier} in ${doc.sdkappid}, valid until ${new Date((doc.time + doc.expire) * 1000).toLocaleString()}.`));
    text.select();
    announce('UserSig minted');
  });
  const unavailable = !canMint() && h('p', { class: 'error' }, 'Minting needs a secure context: open the console over HTTPS or on 127.0.0.1.');
  main.append(h('h1', {}, 'UserSig'),
    h('p', { class: 'lead' }, `Mint a UserSig of app ${w.sdkappid} for any identifier, as timd usersig does.`),
    unavailable, h('section', { class: 'card' }, f, out));
}
