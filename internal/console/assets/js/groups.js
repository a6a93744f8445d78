// The groups page: search by ID or name with a type filter, paged by
// get_appid_group_list's Next cursor, and the form that creates a group.

import { call } from './api.js';
import { h, field, input, select, form, table, time, splitList, announce } from './ui.js';

export const TYPES = [['Private', 'Private (Work)'], ['Public', 'Public'], ['ChatRoom', 'ChatRoom (Meeting)'],
  ['AVChatRoom', 'AVChatRoom'], ['Community', 'Community']];

// PAGE is the number of groups shown per page; a name search reads the app's groups
// SCAN at a time, at most SCAN_PAGES pages per click.
const PAGE = 20;
const SCAN = 100;
const SCAN_PAGES = 10;

export function groupLink(id) {
  return h('a', { href: `#/group/${encodeURIComponent(id)}` }, id);
}

// groupInfos returns the base info of the groups ids, 50 per get_group_info call, in
// order; groups that fail (destroyed meanwhile) are left out.
export async function groupInfos(ids) {
  const out = [];
  for (let i = 0; i < ids.length; i += 50) {
    const r = await call('group_open_http_svc/get_group_info', {
      GroupIdList: ids.slice(i, i + 50),
      ResponseFilter: { GroupBaseInfoFilter: ['Type', 'Name', 'Owner_Account', 'CreateTime', 'MemberNum'] },
    });
    out.push(...r.GroupInfo.filter((g) => g.ErrorCode === 0));
  }
  return out;
}

export function render(main) {
  document.title = 'Groups · timd console';
  const results = h('div', { id: 'group-results' });
  const summary = h('p', { class: 'summary', id: 'group-summary' });
  const more = h('button', { type: 'button', id: 'group-more', hidden: true }, 'More');
  let state;

  // load adds the next page of matches to state.rows.
  const load = async () => {
    const { q } = state;
    const found = [];
    if (state.first && q) {
      state.first = false;
      const exact = await groupInfos([q]).catch(() => []);
      found.push(...exact.filter((g) => !state.type || g.Type === state.type));
    }
    for (let pages = 0; found.length < PAGE && pages < (q ? SCAN_PAGES : 1); pages++) {
      const r = await call('group_open_http_svc/get_appid_group_list', {
        Limit: q ? SCAN : PAGE, Next: state.next, ...(state.type ? { GroupType: state.type } : {}),
      });
      state.total = r.TotalCount;
      state.scanned += r.GroupIdList.length;
      state.next = r.Next;
      const infos = await groupInfos(r.GroupIdList.map((g) => g.GroupId));
      const needle = q.toLowerCase();
      found.push(...infos.filter((g) => !q || (g.GroupId !== q && (g.Name.toLowerCase().includes(needle) || g.GroupId.toLowerCase().includes(needle)))));
      if (!state.next) break;
    }
    state.rows.push(...found);
    show();
  };

  const show = () => {
    results.replaceChildren(table(state.q ? `Groups matching "${state.q}"` : 'Groups', [
      ['Group ID', (g) => groupLink(g.GroupId)],
      ['Name', (g) => g.Name],
      ['Type', (g) => g.Type],
      ['Members', (g) => g.MemberNum],
      ['Owner', (g) => g.Owner_Account],
      ['Created', (g) => time(g.CreateTime)],
    ], state.rows));
    const of = state.q ? `, ${state.scanned} of ${state.total} read` : ` of ${state.total}`;
    summary.textContent = `${state.rows.length} shown${of}.`;
    more.hidden = !state.next;
    announce(summary.textContent);
  };

  const search = form({ id: 'group-search', class: 'row', role: 'search' }, [
    field('ID or name', 'q', input({ type: 'search', placeholder: '@TGS#… or part of a name' })),
    field('Type', 'GroupType', select([['', 'All types'], ...TYPES], '')),
  ], 'Search', async (v) => {
    state = { q: v.q.trim(), type: v.GroupType, next: 0, rows: [], scanned: 0, total: 0, first: true };
    await load();
  });
  more.addEventListener('click', async () => {
    more.disabled = true;
    try { await load(); } finally { more.disabled = false; }
  });

  main.append(h('h1', {}, 'Groups'), search, summary, results, more, createForm());
  search.requestSubmit();
}

// createForm is the form of create_group.
function createForm() {
  const f = form({ id: 'create-group' }, [
    field('Type', 'Type', select(TYPES, 'Public')),
    field('Name', 'Name', input({ required: true })),
    field('Owner account', 'Owner_Account', input(), 'Optional: a group without owner is the app\'s.'),
    field('Group ID', 'GroupId', input(), 'Optional: leave empty for a minted @TGS# ID.'),
    field('Members', 'MemberList', h('textarea', { rows: 2, spellcheck: false }), 'Accounts, separated by commas or spaces.'),
  ], 'Create group', async (v) => {
    const body = { Type: v.Type, Name: v.Name };
    if (v.Owner_Account.trim()) body.Owner_Account = v.Owner_Account.trim();
    if (v.GroupId.trim()) body.GroupId = v.GroupId.trim();
    const members = splitList(v.MemberList);
    if (members.length) body.MemberList = members.map((a) => ({ Member_Account: a }));
    const r = await call('group_open_http_svc/create_group', body);
    announce(`Created ${r.GroupId}`);
    location.hash = `#/group/${encodeURIComponent(r.GroupId)}`;
  }, { 10021: 'GroupId', 10025: 'GroupId', 10015: 'GroupId' });
  return h('details', { class: 'card' }, h('summary', {}, h('h2', {}, 'Create a group')), f);
}
