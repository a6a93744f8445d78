// The accounts page: import (one with its profile, or several), check, delete, and the
// groups an account has joined.

import { call } from './api.js';
import { h, field, input, form, table, time, muteText, splitList, announce, dialog, errorText } from './ui.js';
import { groupLink } from './groups.js';

export function render(main, account) {
  document.title = 'Accounts · timd console';
  const joined = h('section', { class: 'card', id: 'joined', 'aria-labelledby': 'joined-h' });
  main.append(h('h1', {}, 'Accounts'), lookupForm(account, joined), joined,
    importForm(), importManyForm(), checkForm(), deleteForm());
  if (account) showJoined(joined, account);
}

// lookupForm opens an account's page: the groups it has joined.
function lookupForm(account, joined) {
  const f = form({ id: 'lookup', class: 'row', role: 'search' }, [
    field('Account', 'Member_Account', input({ value: account || '' })),
  ], 'Show joined groups', async (v) => {
    const id = v.Member_Account.trim();
    if (location.hash !== `#/accounts/${encodeURIComponent(id)}`) {
      location.hash = `#/accounts/${encodeURIComponent(id)}`;
      return;
    }
    await showJoined(joined, id);
  });
  return f;
}

// showJoined lists the groups account has joined, with its role, name card and mute.
async function showJoined(section, account) {
  const heading = h('h2', { id: 'joined-h' }, `Groups of ${account}`);
  section.replaceChildren(heading, h('p', {}, 'Loading…'));
  try {
    const r = await call('group_open_http_svc/get_joined_group_list', {
      Member_Account: account, WithHugeGroups: 1,
      ResponseFilter: { GroupBaseInfoFilter: ['Type', 'Name'], SelfInfoFilter: ['Role', 'NameCard', 'MuteUntil', 'JoinTime'] },
    });
    section.replaceChildren(heading, table(`${r.TotalCount} joined`, [
      ['Group ID', (g) => groupLink(g.GroupId)],
      ['Name', (g) => g.Name],
      ['Type', (g) => g.Type],
      ['Role', (g) => g.SelfInfo.Role],
      ['Name card', (g) => g.SelfInfo.NameCard],
      ['Muted', (g) => muteText(g.SelfInfo.MuteUntil)],
      ['Joined', (g) => time(g.SelfInfo.JoinTime)],
    ], r.GroupIdList));
  } catch (e) {
    section.replaceChildren(heading, h('p', { class: 'error', role: 'alert' }, errorText(e)));
  }
}

// importForm is account_import: one account with its Nick and FaceUrl.
function importForm() {
  const f = form({ id: 'import-one' }, [
    field('UserID', 'UserID', input({ required: true })),
    field('Nick', 'Nick', input(), 'Optional.'),
    field('Face URL', 'FaceUrl', input({ type: 'url' }), 'Optional.'),
  ], 'Import', async (v) => {
    const body = { UserID: v.UserID.trim() };
    if (v.Nick) body.Nick = v.Nick;
    if (v.FaceUrl) body.FaceUrl = v.FaceUrl;
    await call('im_open_login_svc/account_import', body);
    announce(`${body.UserID} imported`);
    f.reset();
  }, { 70402: 'UserID' });
  return h('section', { class: 'card' }, h('h2', {}, 'Import an account'), f);
}

// importManyForm is multiaccount_import; it lists the accounts that failed.
function importManyForm() {
  const out = h('p', { class: 'result', id: 'import-many-result', 'aria-live': 'polite' });
  const f = form({ id: 'import-many' }, [
    field('UserIDs', 'Accounts', h('textarea', { rows: 2, spellcheck: false }), 'Up to 100, separated by commas or spaces.'),
  ], 'Import all', async (v) => {
    const ids = splitList(v.Accounts);
    const r = await call('im_open_login_svc/multiaccount_import', { Accounts: ids });
    const failed = r.FailAccounts || [];
    out.textContent = `${ids.length - failed.length} imported${failed.length ? `; failed: ${failed.join(', ')}` : ''}.`;
    f.reset();
  }, { 70402: 'Accounts' });
  return h('section', { class: 'card' }, h('h2', {}, 'Import several'), f, out);
}

// checkForm is account_check.
function checkForm() {
  const out = h('div', { id: 'check-result' });
  const f = form({ id: 'check' }, [
    field('UserIDs', 'CheckItem', h('textarea', { rows: 2, spellcheck: false }), 'Separated by commas or spaces.'),
  ], 'Check', async (v) => {
    const r = await call('im_open_login_svc/account_check', { CheckItem: splitList(v.CheckItem).map((UserID) => ({ UserID })) });
    out.replaceChildren(table('Accounts', [
      ['UserID', (x) => x.UserID], ['Status', (x) => x.AccountStatus || `ResultCode ${x.ResultCode}: ${x.ResultInfo}`, 'status'],
    ], r.ResultItem, (x) => ({ 'data-user': x.UserID })));
  }, { 70402: 'CheckItem' });
  return h('section', { class: 'card' }, h('h2', {}, 'Check'), f, out);
}

// deleteForm is account_delete, after a confirmation.
function deleteForm() {
  const out = h('div', { id: 'delete-result' });
  const f = form({ id: 'delete' }, [
    field('UserIDs', 'DeleteItem', h('textarea', { rows: 2, spellcheck: false }),
      'The accounts leave every group; a group they own is left without owner.'),
  ], 'Delete…', async (v) => {
    const ids = splitList(v.DeleteItem);
    const ok = await dialog(`Delete ${ids.length} account(s)?`, (close) => h('div', {},
      h('p', {}, ids.join(', ')),
      h('div', { class: 'actions' }, h('button', { type: 'button', class: 'danger', onclick: () => close(true) }, 'Delete'))));
    if (!ok) return;
    const r = await call('im_open_login_svc/account_delete', { DeleteItem: ids.map((UserID) => ({ UserID })) });
    out.replaceChildren(table('Deleted', [
      ['UserID', (x) => x.UserID], ['Result', (x) => (x.ResultCode === 0 ? 'deleted' : `ResultCode ${x.ResultCode}: ${x.ResultInfo}`)],
    ], r.ResultItem));
    f.reset();
  }, { 70402: 'DeleteItem' });
  return h('section', { class: 'card' }, h('h2', {}, 'Delete'), f, out);
}
