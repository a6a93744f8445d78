// The page of one group: its base info (editable), its members (role, name card, mute,
// custom fields; edit, mute, unmute, remove, add), its messages (messages.js), ownership
// transfer and destruction.

import { call, ApiError } from './api.js';
import {
  h, field, input, select, form, table, time, muteText, splitList, announce, dialog, confirm,
  errorText, kvs, kvMap, MUTE_FOREVER,
} from './ui.js';
import { fieldKeys } from './fields.js';
import { messagesSection } from './messages.js';

// MEMBER_PAGE is the number of members shown per page.
const MEMBER_PAGE = 50;

const BASE_FIELDS = ['Type', 'Name', 'Introduction', 'Notification', 'FaceUrl', 'Owner_Account', 'CreateTime',
  'InfoSeq', 'LastInfoTime', 'LastMsgTime', 'NextMsgSeq', 'MemberNum', 'MaxMemberNum', 'ApplyJoinOption',
  'InviteJoinOption', 'MuteAllMember'];

const MUTES = [['60', '1 minute'], ['600', '10 minutes'], ['3600', '1 hour'], ['86400', '1 day'],
  ['604800', '7 days'], [String(MUTE_FOREVER), 'No end']];

export async function render(main, id) {
  document.title = `${id} · timd console`;
  const g = { id, keys: { member: [], group: [] }, info: null, members: [], offset: 0, cursors: [''], filter: '' };
  const heading = h('h1', { id: 'group-title' }, id);
  const facts = h('dl', { class: 'facts', id: 'group-facts' });
  const problem = h('p', { class: 'error', role: 'alert', hidden: true, id: 'group-error' });
  main.append(h('p', { class: 'crumbs' }, h('a', { href: '#/groups' }, 'Groups'), ' / ', id), heading, problem, facts);
  try {
    g.keys = await fieldKeys();
    await loadInfo(g);
  } catch (e) {
    problem.textContent = errorText(e);
    problem.hidden = false;
    return;
  }
  const members = membersSection(g);
  const messages = messagesSection(g);
  // refresh shows the group after a change, and the tips the change wrote.
  const refresh = async () => {
    await loadInfo(g);
    showFacts(g, heading, facts);
    await Promise.all([members.reload(), messages.reload()]);
  };
  g.refresh = refresh;
  showFacts(g, heading, facts);
  main.append(members.el, addMembersForm(g), baseInfoForm(g), transferForm(g), messages.el, destroySection(g));
  await Promise.all([members.reload(), messages.reload()]);
}

// loadInfo reads the group's base info and custom data.
async function loadInfo(g) {
  const r = await call('group_open_http_svc/get_group_info', {
    GroupIdList: [g.id],
    ResponseFilter: { GroupBaseInfoFilter: BASE_FIELDS, AppDefinedDataFilter_Group: g.keys.group },
  });
  const info = r.GroupInfo[0];
  if (info.ErrorCode !== 0) {
    throw new ApiError(info.ErrorCode, info.ErrorInfo, 'get_group_info');
  }
  g.info = info;
}

function showFacts(g, heading, facts) {
  const i = g.info;
  heading.textContent = i.Name || g.id;
  const rows = [['Group ID', g.id], ['Type', i.Type], ['Owner', i.Owner_Account || '(none)'],
    ['Members', `${i.MemberNum} of ${i.MaxMemberNum || 'unlimited'}`], ['Created', time(i.CreateTime)],
    ['Join', `${i.ApplyJoinOption}${i.InviteJoinOption ? `, invite: ${i.InviteJoinOption}` : ''}`],
    ['Everyone muted', i.MuteAllMember]];
  facts.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

// membersSection is the members table with its paging, filter and row actions.
function membersSection(g) {
  const body = h('div', { id: 'members-table' });
  const problem = h('p', { class: 'error', id: 'members-error', hidden: true });
  const pager = h('div', { class: 'pager' });
  const role = select([['', 'All roles'], 'Owner', 'Admin', 'Member'], '');
  role.id = 'members-role';
  role.setAttribute('aria-label', 'Role filter');
  const find = input({ type: 'search', id: 'members-find', placeholder: 'account', 'aria-label': 'Find a member' });
  const findForm = h('form', { class: 'row tight', role: 'search' }, role, find, h('button', { type: 'submit' }, 'Find'));
  const community = () => g.info.Type === 'Community';

  const reload = async () => {
    problem.hidden = true;
    try {
      const who = find.value.trim();
      if (who) {
        const r = await call('group_open_http_svc/get_specified_group_member_info', { GroupId: g.id, Member_List_Account: [who] });
        g.members = r.MemberList;
        g.total = r.MemberList.length;
      } else {
        const req = { GroupId: g.id, Limit: MEMBER_PAGE };
        if (role.value) req.MemberRoleFilter = [role.value];
        if (community()) req.Next = g.cursors[g.cursors.length - 1];
        else req.Offset = g.offset;
        const r = await call('group_open_http_svc/get_group_member_info', req);
        g.members = r.MemberList;
        g.total = r.MemberNum;
        g.next = r.Next || '';
      }
    } catch (e) {
      g.members = [];
      showProblem(problem, e);
    }
    show();
  };

  const show = () => {
    const cols = [
      ['Account', (m) => h('a', { href: `#/accounts/${encodeURIComponent(m.Member_Account)}` }, m.Member_Account), 'account'],
      ['Role', (m) => m.Role, 'role'],
      ['Name card', (m) => m.NameCard, 'namecard'],
      ['Muted', (m) => h('span', { 'data-mute-until': m.MuteUntil || 0 }, muteText(m.MuteUntil)), 'mute'],
      ['Joined', (m) => time(m.JoinTime), 'joined'],
      ...g.keys.member.map((k) => [k, (m) => kvMap(m.AppMemberDefinedData)[k] ?? '', `custom custom-${k}`]),
      ['', (m) => rowActions(g, m, reload, problem), 'row-actions'],
    ];
    body.replaceChildren(table(`Members (${g.total})`, cols, g.members, (m) => ({ 'data-account': m.Member_Account })));
    pager.replaceChildren(...pagerButtons());
  };

  const pagerButtons = () => {
    if (find.value.trim()) return [];
    const prev = h('button', { type: 'button', disabled: community() ? g.cursors.length < 2 : g.offset === 0 }, 'Previous');
    const next = h('button', { type: 'button', disabled: community() ? !g.next : g.offset + MEMBER_PAGE >= g.total }, 'Next');
    prev.addEventListener('click', () => {
      if (community()) g.cursors.pop(); else g.offset = Math.max(0, g.offset - MEMBER_PAGE);
      reload();
    });
    next.addEventListener('click', () => {
      if (community()) g.cursors.push(g.next); else g.offset += MEMBER_PAGE;
      reload();
    });
    const at = community() ? `page ${g.cursors.length}` : `${g.total ? g.offset + 1 : 0}–${g.offset + g.members.length} of ${g.total}`;
    return [prev, h('span', {}, at), next];
  };

  findForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    g.offset = 0;
    g.cursors = [''];
    reload();
  });
  role.addEventListener('change', () => findForm.requestSubmit());
  const el = h('section', { id: 'members', class: 'card', 'aria-labelledby': 'members-h' },
    h('h2', { id: 'members-h' }, 'Members'), findForm, problem, body, pager);
  return { el, reload };
}

function showProblem(slot, e) {
  slot.textContent = errorText(e);
  slot.hidden = false;
  slot.setAttribute('role', 'alert');
}

// rowActions are the buttons of one member's row.
function rowActions(g, m, reload, problem) {
  const acct = m.Member_Account;
  const owner = m.Role === 'Owner';
  const button = (cls, label, onclick) => h('button', { type: 'button', class: `small ${cls}`, 'aria-label': `${label} ${acct}`, onclick }, label);
  const act = async (fn, done) => {
    problem.hidden = true;
    try {
      await fn();
      announce(done);
      await g.refresh();
    } catch (e) {
      showProblem(problem, e);
    }
  };
  const out = [button('edit', 'Edit', () => editMember(g, m))];
  if (!owner && m.MuteUntil) {
    out.push(button('unmute', 'Unmute', () => act(() => call('group_open_http_svc/forbid_send_msg',
      { GroupId: g.id, Members_Account: [acct], MuteTime: 0 }), `${acct} unmuted`)));
  } else if (!owner) {
    out.push(button('mute', 'Mute', () => muteMember(g, m)));
  }
  if (!owner) {
    out.push(button('remove', 'Remove', async () => {
      const ok = await confirm(`Remove ${acct}?`, `${acct} leaves ${g.id}.`, 'Remove');
      if (ok) act(() => call('group_open_http_svc/delete_group_member', { GroupId: g.id, MemberToDel_Account: [acct] }), `${acct} removed`);
    }));
  }
  return h('div', { class: 'buttons' }, out);
}


// editMember opens the dialog of modify_group_member_info for m; it sends only the
// fields changed.
function editMember(g, m) {
  const owner = m.Role === 'Owner';
  const custom = kvMap(m.AppMemberDefinedData);
  return dialog(`Edit ${m.Member_Account}`, (close) => form({ id: 'edit-member' }, [
    owner ? h('p', {}, 'Role: Owner (transfer ownership to change it)')
      : field('Role', 'Role', select(['Member', 'Admin'], m.Role)),
    field('Name card', 'NameCard', input({ value: m.NameCard || '' })),
    field('Messages', 'MsgFlag', select(['AcceptAndNotify', 'AcceptNotNotify', 'Discard'], m.MsgFlag)),
    field('Mute for (seconds)', 'MuteTime', input({ inputMode: 'numeric', placeholder: 'unchanged' }),
      [muteText(m.MuteUntil), `; 0 unmutes, ${MUTE_FOREVER} mutes with no end.`]),
    g.keys.member.map((k) => field(k, `AppMemberDefinedData.${k}`, input({ value: custom[k] ?? '' }))),
  ], 'Save', async (v) => {
    const req = { GroupId: g.id, Member_Account: m.Member_Account };
    if (!owner && v.Role !== m.Role) req.Role = v.Role;
    if (v.NameCard !== (m.NameCard || '')) req.NameCard = v.NameCard;
    if (v.MsgFlag !== m.MsgFlag) req.MsgFlag = v.MsgFlag;
    if (v.MuteTime.trim() !== '') req.MuteTime = Number(v.MuteTime.trim());
    const changed = {};
    for (const k of g.keys.member) {
      const val = v[`AppMemberDefinedData.${k}`];
      if (val !== (custom[k] ?? '')) changed[k] = val;
    }
    if (Object.keys(changed).length) req.AppMemberDefinedData = kvs(changed);
    if (Object.keys(req).length > 2) await call('group_open_http_svc/modify_group_member_info', req);
    close(true);
    announce(`${m.Member_Account} saved`);
    await g.refresh();
  }, { 10007: 'Role' }));
}

// muteMember opens the dialog of forbid_send_msg for m.
function muteMember(g, m) {
  return dialog(`Mute ${m.Member_Account}`, (close) => form({ id: 'mute-member' }, [
    field('For', 'MuteTime', select(MUTES, '3600')),
  ], 'Mute', async (v) => {
    await call('group_open_http_svc/forbid_send_msg', { GroupId: g.id, Members_Account: [m.Member_Account], MuteTime: Number(v.MuteTime) });
    close(true);
    announce(`${m.Member_Account} muted`);
    await g.refresh();
  }));
}

// addMembersForm is the form of add_group_member; it lists each account's result.
function addMembersForm(g) {
  const results = h('ul', { class: 'results', id: 'add-results' });
  const f = form({ id: 'add-members' }, [
    field('Accounts', 'MemberList', h('textarea', { rows: 2, spellcheck: false }), 'Imported accounts, separated by commas or spaces.'),
  ], 'Add members', async (v) => {
    const accounts = splitList(v.MemberList);
    const r = await call('group_open_http_svc/add_group_member', { GroupId: g.id, MemberList: accounts.map((a) => ({ Member_Account: a })) });
    const words = { 0: 'not added: no such account', 1: 'added', 2: 'already a member' };
    results.replaceChildren(...r.MemberList.map((x) => h('li', { 'data-result': x.Result }, `${x.Member_Account}: ${words[x.Result] ?? x.Result}`)));
    f.elements.MemberList.value = '';
    announce(`${r.MemberList.filter((x) => x.Result === 1).length} added`);
    await g.refresh();
  }, { 10014: 'MemberList', 10005: 'MemberList' });
  return h('section', { class: 'card', 'aria-labelledby': 'add-h' }, h('h2', { id: 'add-h' }, 'Add members'), f, results);
}

// baseInfoForm is the form of modify_group_base_info; it sends only the fields changed.
function baseInfoForm(g) {
  const i = g.info;
  const data = kvMap(i.AppDefinedData);
  const text = ['Name', 'Introduction', 'Notification', 'FaceUrl'];
  const f = form({ id: 'base-info' }, [
    field('Name', 'Name', input({ value: i.Name })),
    field('Introduction', 'Introduction', h('textarea', { rows: 2, value: i.Introduction })),
    field('Notification', 'Notification', h('textarea', { rows: 2, value: i.Notification })),
    field('Face URL', 'FaceUrl', input({ value: i.FaceUrl, type: 'url' })),
    field('Max members', 'MaxMemberNum', input({ value: i.MaxMemberNum, inputMode: 'numeric' })),
    field('Join', 'ApplyJoinOption', select(['FreeAccess', 'NeedPermission', 'DisableApply'], i.ApplyJoinOption)),
    field('Invite', 'InviteJoinOption', select([['', '(not set)'], 'FreeAccess', 'NeedPermission', 'DisableInvite'], i.InviteJoinOption || '')),
    field('Mute everyone', 'MuteAllMember', select(['Off', 'On'], i.MuteAllMember)),
    g.keys.group.map((k) => field(k, `AppDefinedData.${k}`, input({ value: data[k] ?? '' }))),
  ], 'Save', async (v) => {
    const req = { GroupId: g.id };
    for (const k of text) if (v[k] !== (g.info[k] || '')) req[k] = v[k];
    if (v.MaxMemberNum !== String(g.info.MaxMemberNum)) req.MaxMemberNum = Number(v.MaxMemberNum);
    for (const k of ['ApplyJoinOption', 'MuteAllMember']) if (v[k] !== g.info[k]) req[k] = v[k];
    if (v.InviteJoinOption !== (g.info.InviteJoinOption || '')) req.InviteJoinOption = v.InviteJoinOption;
    const changed = {};
    for (const k of g.keys.group) if (v[`AppDefinedData.${k}`] !== (data[k] ?? '')) changed[k] = v[`AppDefinedData.${k}`];
    if (Object.keys(changed).length) req.AppDefinedData = kvs(changed);
    if (Object.keys(req).length === 1) {
      announce('Nothing changed');
      return;
    }
    await call('group_open_http_svc/modify_group_base_info', req);
    Object.assign(data, changed);
    announce('Group saved');
    await g.refresh();
  });
  return h('details', { class: 'card', id: 'base' }, h('summary', {}, h('h2', {}, 'Edit base info')), f);
}

// transferForm is the form of change_group_owner.
function transferForm(g) {
  const f = form({ id: 'transfer' }, [
    field('New owner', 'NewOwner_Account', input(), 'A member of the group.'),
  ], 'Transfer ownership', async (v) => {
    await call('group_open_http_svc/change_group_owner', { GroupId: g.id, NewOwner_Account: v.NewOwner_Account.trim() });
    f.elements.NewOwner_Account.value = '';
    announce('Ownership transferred');
    await g.refresh();
  }, { 10007: 'NewOwner_Account', 10019: 'NewOwner_Account', 10004: 'NewOwner_Account' });
  return h('section', { class: 'card', 'aria-labelledby': 'transfer-h' }, h('h2', { id: 'transfer-h' }, 'Transfer ownership'), f);
}

// destroySection destroys the group after the admin types its ID.
function destroySection(g) {
  const open = () => dialog(`Destroy ${g.id}?`, (close) => form({ id: 'destroy' }, [
    h('p', {}, 'The group, its members and their settings are deleted for good. Type the group ID to confirm.'),
    field('Group ID', 'GroupId', input({ required: true })),
  ], 'Destroy group', async (v) => {
    if (v.GroupId.trim() !== g.id) {
      throw new ApiError('confirm', `GroupId does not match ${g.id}.`, 'destroy_group');
    }
    await call('group_open_http_svc/destroy_group', { GroupId: g.id });
    close(true);
    announce(`${g.id} destroyed`);
    location.hash = '#/groups';
  }));
  return h('section', { class: 'card danger-zone', 'aria-labelledby': 'destroy-h' },
    h('h2', { id: 'destroy-h' }, 'Destroy'),
    h('button', { type: 'button', class: 'danger', id: 'destroy-open', onclick: open }, 'Destroy group…'));
}
