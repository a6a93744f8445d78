// The custom-fields page: the app's member and group custom-field keys, from the
// configuration file and declared here, and the form that declares one (timd's
// POST /console/api/fields: Tencent's REST API has no command for it).

import { consoleGet, consolePost } from './api.js';
import { h, field, input, select, form, table, time, announce, errorText } from './ui.js';

// fieldKeys returns the app's custom-field keys: {member: [...], group: [...]}.
export async function fieldKeys() {
  return keysOf(await consoleGet('fields'));
}

function keysOf(r) {
  return { member: r.MemberFields.map((k) => k.Key), group: r.GroupFields.map((k) => k.Key) };
}

export async function render(main) {
  document.title = 'Custom fields · timd console';
  const lists = h('div', { id: 'field-lists' });
  const problem = h('p', { class: 'error', role: 'alert', hidden: true });
  const show = (r) => {
    const source = (k) => [k.Configured && 'configuration', k.Configured && k.Declared && ', ',
      k.Declared && ['declared ', time(k.Declared)]];
    const cols = [['Key', (k) => k.Key, 'key'], ['Source', source, 'source']];
    lists.replaceChildren(
      table(`Member fields (AppMemberDefinedData): ${r.MemberFields.length} of ${r.MemberFieldsMax}`, cols, r.MemberFields,
        (k) => ({ 'data-kind': 'Member', 'data-key': k.Key })),
      table(`Group fields (AppDefinedData): ${r.GroupFields.length} of ${r.GroupFieldsMax}`, cols, r.GroupFields,
        (k) => ({ 'data-kind': 'Group', 'data-key': k.Key })));
  };
  const f = form({ id: 'declare-field', class: 'row' }, [
    field('Kind', 'Kind', select([['Member', 'Member (AppMemberDefinedData)'], ['Group', 'Group (AppDefinedData)']], 'Member')),
    field('Key', 'Key', input({ required: true }), '1 to 16 letters, digits or _.'),
  ], 'Declare', async (v) => {
    const r = await consolePost('fields', { Kind: v.Kind, Key: v.Key.trim() });
    show(r);
    f.elements.Key.value = '';
    announce(r.Added ? `${v.Kind} field ${v.Key} declared` : `${v.Key} was already defined`);
  });
  main.append(h('h1', {}, 'Custom fields'),
    h('p', { class: 'lead' }, 'Keys a group\'s AppDefinedData and a member\'s AppMemberDefinedData may hold. ',
      'A key declared here is stored with the app\'s data and applies at once; it cannot be removed. ',
      'Keys in the configuration file apply too; both count towards the limits.'),
    problem, lists);
  try {
    show(await consoleGet('fields'));
  } catch (e) {
    problem.textContent = errorText(e);
    problem.hidden = false;
  }
  // The form comes once the list is shown, so that its answer cannot be overwritten by
  // the first list's.
  main.append(h('section', { class: 'card' }, h('h2', {}, 'Declare a field'), f));
}
