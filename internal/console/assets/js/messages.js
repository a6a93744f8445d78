// The messages of a group, on its page: the history newest first, paged backwards by
// MsgSeq (group_msg_get_simple), new messages as they are sent (timd's event stream), a
// text sent as an account (send_group_msg), and the recall of a message
// (group_msg_recall).

import { call, streamURL } from './api.js';
import { h, field, input, form, time, announce, errorText, confirm, MUTE_FOREVER } from './ui.js';

// MESSAGE_PAGE is the number of messages one call reads: group_msg_get_simple's most.
const MESSAGE_PAGE = 20;

// RECALL_CODES say what group_msg_recall's RetCodes mean (docs/compatibility.md §8).
const RECALL_CODES = { 10030: 'no such message, or it has expired', 10032: 'a tip, or recalled already' };

// messagesSection is the messages part of group g's page; reload shows the newest page.
export function messagesSection(g) {
  const list = h('ol', { class: 'messages', id: 'message-list', tabIndex: -1, 'aria-label': 'Messages, newest first' });
  const problem = h('p', { class: 'error', id: 'messages-error', hidden: true });
  const note = h('p', { class: 'notice', id: 'messages-note', hidden: true });
  const recalled = h('input', { type: 'checkbox', id: 'messages-recalled' });
  const newest = h('button', { type: 'button', class: 'small', id: 'messages-newest' }, 'Newest');
  const older = h('button', { type: 'button', id: 'messages-older', hidden: true }, 'Older');
  const toolbar = h('div', { class: 'row tight toolbar' },
    h('label', { class: 'inline' }, recalled, 'Include recalled messages'), newest);
  // next is the ReqMsgSeq of the next older page (0: none); gen tells a page still wanted
  // from one a later reload made stale.
  const st = { next: 0, gen: 0 };
  // ctx is what a message's Recall button needs.
  const ctx = { recalled, list, g };

  // page reads the messages up to seq (the newest without) and appends them.
  const page = async (seq) => {
    const gen = st.gen;
    const req = { GroupId: g.id, ReqMsgNumber: MESSAGE_PAGE, WithRecalledMsg: recalled.checked ? 1 : 0 };
    if (seq) req.ReqMsgSeq = seq;
    const r = await call('group_open_http_svc/group_msg_get_simple', req);
    if (gen !== st.gen) return 0;
    const msgs = r.RspMsgList || [];
    list.querySelector('li.none')?.remove();
    // A message the stream showed meanwhile takes its place in the page.
    for (const m of msgs) list.querySelector(`li[data-seq="${m.MsgSeq}"]`)?.remove();
    list.append(...msgs.map((m) => item(g, m, ctx)));
    // The page was the window of seqs seq-MESSAGE_PAGE+1..seq: the next one ends below
    // the smallest seq listed, or below the window when the page was empty (every
    // message of it recalled and hidden).
    const lowest = msgs.length ? Math.min(...msgs.map((m) => m.MsgSeq)) : (seq ? seq - MESSAGE_PAGE + 1 : 1);
    st.next = lowest - 1;
    older.hidden = st.next < 1;
    if (!list.children.length) list.append(h('li', { class: 'none' }, 'No messages.'));
    return msgs.length;
  };

  const liveState = h('span', { class: 'hint', id: 'messages-live', 'aria-live': 'polite' });
  const stream = live(g, ctx, liveState);

  const reload = async () => {
    stream.open();
    st.gen++;
    problem.hidden = true;
    note.hidden = true;
    older.hidden = true;
    list.replaceChildren();
    try {
      await page(0);
    } catch (e) {
      if (e.code === 10007 && g.info.Type === 'AVChatRoom') {
        note.textContent = `An AVChatRoom keeps no history: messages sent to it reach the callbacks and the members online, and are never stored (${errorText(e)}).`;
        note.hidden = false;
      } else {
        showProblem(problem, errorText(e));
      }
    }
    toolbar.hidden = list.hidden = !note.hidden;
  };

  older.addEventListener('click', async () => {
    problem.hidden = true;
    older.disabled = true;
    try {
      const from = st.next;
      const n = await page(from);
      announce(n ? `${n} older messages` : `No messages shown up to MsgSeq ${from}`);
      if (older.hidden) list.focus();
    } catch (e) {
      showProblem(problem, errorText(e));
    } finally {
      older.disabled = false;
    }
  });
  recalled.addEventListener('change', reload);
  newest.addEventListener('click', reload);

  const result = h('p', { class: 'hint', id: 'send-result', 'aria-live': 'polite' });
  const f = form({ id: 'send-message', class: 'row' }, [
    field('From', 'From_Account', input(), 'An imported account; empty sends as the admin signed in.'),
    field('Text', 'Text', h('textarea', { rows: 2 })),
  ], 'Send', async (v) => {
    result.textContent = '';
    const body = {
      GroupId: g.id, Random: crypto.getRandomValues(new Uint32Array(1))[0],
      MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: v.Text } }],
    };
    if (v.From_Account.trim()) body.From_Account = v.From_Account.trim();
    const r = await call('group_open_http_svc/send_group_msg', body);
    result.textContent = r.MsgDropReason ? `Not stored: MsgDropReason ${r.MsgDropReason}.` : `Sent: MsgSeq ${r.MsgSeq}.`;
    result.classList.toggle('bad', !!r.MsgDropReason);
    f.elements.Text.value = '';
    await reload();
  }, { 10017: 'From_Account', 80002: 'Text' });

  toolbar.append(liveState);
  const el = h('section', { class: 'card', id: 'messages', 'aria-labelledby': 'messages-h' },
    h('h2', { id: 'messages-h' }, 'Messages'), note, f, result, toolbar, problem, list, h('div', { class: 'pager' }, older));
  stream.section = el;
  return { el, reload };
}

// live keeps the group's event stream open while its section is on the page: timd's own
// GET /v4/stream, watching the group as the admin signed in (group=). A message sent
// meanwhile appears at the top of the list; the browser reconnects by itself, resuming
// after the last message it had (Last-Event-ID), and the page opens a new stream, with a
// fresh UserSig, when timd has refused or closed one.
function live(g, ctx, state) {
  const s = { es: null, section: null, last: 0 };
  const stop = () => {
    s.es?.close();
    s.es = null;
  };
  s.open = async () => {
    if (s.es || (s.section && !s.section.isConnected)) return;
    const params = { group: g.id };
    if (s.last) params.since = `${g.id}:${s.last}`;
    let es;
    try {
      es = new EventSource(await streamURL(params));
    } catch {
      return;
    }
    s.es = es;
    es.addEventListener('ready', () => { state.textContent = 'Live'; });
    es.addEventListener('message', (e) => {
      if (!s.section?.isConnected) { stop(); return; }
      const ev = JSON.parse(e.data);
      const m = ev.Message;
      if (ev.GroupId !== g.id || !m.MsgSeq) return;
      s.last = Math.max(s.last, m.MsgSeq);
      if (ctx.list.querySelector(`li[data-seq="${m.MsgSeq}"]`)) return;
      ctx.list.querySelector('li.none')?.remove();
      const newer = [...ctx.list.querySelectorAll('li[data-seq]')].find((li) => +li.dataset.seq < m.MsgSeq);
      ctx.list.insertBefore(item(g, m, ctx), newer || null);
    });
    es.addEventListener('close', (e) => { state.textContent = `Stream closed: ${JSON.parse(e.data).Reason}`; });
    es.addEventListener('error', () => {
      if (es.readyState !== EventSource.CLOSED) return; // the browser reconnects
      state.textContent = 'Not live';
      s.es = null;
      if (s.section?.isConnected) setTimeout(s.open, 3000);
    });
  };
  window.addEventListener('hashchange', function leave() {
    if (s.section && !s.section.isConnected) {
      stop();
      window.removeEventListener('hashchange', leave);
    }
  });
  return s;
}

function showProblem(slot, text) {
  slot.textContent = text;
  slot.hidden = false;
  slot.setAttribute('role', 'alert');
}

// kindOf is what a history item is: a message, a tip, or the place of a recalled or an
// expired (or deleted) one.
function kindOf(m) {
  if (m.IsPlaceMsg === 2) return 'recalled';
  if (m.IsPlaceMsg === 1) return 'expired';
  return m.IsSystemMsg === 1 ? 'tip' : 'message';
}

// item is one message of the list, with a Recall button for an ordinary message.
function item(g, m, ctx) {
  const kind = kindOf(m);
  const seq = m.MsgSeq;
  const sender = kind === 'tip' ? h('span', { class: 'from' }, 'group tip')
    : h('a', { class: 'from', href: `#/accounts/${encodeURIComponent(m.From_Account)}` }, m.From_Account);
  const err = h('p', { class: 'error', hidden: true });
  const li = h('li', { class: kind, 'data-seq': seq, 'data-kind': kind },
    h('p', { class: 'meta' }, time(m.MsgTimeStamp), ' · ', sender, ' · ', `#${seq}`),
    h('p', { class: 'body' }, content(m, kind)), err);
  if (kind === 'message') {
    const button = h('button', { type: 'button', class: 'small remove recall', 'aria-label': `Recall message ${seq}` }, 'Recall');
    button.addEventListener('click', () => recall(g, m, li, err, ctx));
    li.append(h('div', { class: 'buttons' }, button));
  }
  return li;
}

// content is the body of a history item as text: text elements as their text, other
// elements as their MsgType, a tip as a sentence.
function content(m, kind) {
  if (kind === 'recalled') return 'Recalled.';
  if (kind === 'expired') return 'Deleted, or older than the app keeps messages.';
  const body = m.MsgBody || [];
  if (kind === 'tip') return tipText(body[0]?.MsgContent || {});
  return body.map((e) => (e.MsgType === 'TIMTextElem' ? h('span', { class: 'text' }, e.MsgContent?.Text ?? '')
    : h('span', { class: 'elem' }, e.MsgType)));
}

// tipText reads a TIMGroupTipElem's content as a sentence.
export function tipText(c) {
  const who = c.Operator_Account || 'someone';
  const them = (c.MemberList_Account || []).join(', ');
  switch (c.OpType) {
    case 1: return `${them} joined`;
    case 2: return `${who} added ${them}`;
    case 3: return `${them} left`;
    case 4: return `${who} removed ${them}`;
    case 5: return `${who} made ${them} admin`;
    case 6: return `${who} made ${them} an ordinary member`;
    case 7: {
      const changes = Object.entries(c.GroupInfoChange || {}).map(([k, v]) => (k === 'Owner_Account'
        ? `made ${v} the owner` : `set ${k} to “${v}”`));
      return `${who} ${changes.join(', ') || 'changed the group'}`;
    }
    case 8: {
      const changes = (c.MemberInfoChange || []).map((x) => `${x.Member_Account} ${muteFor(x.MuteTime)}`);
      return `${changes.join(', ') || `${them} changed`} (by ${who})`;
    }
    default: return `tip of OpType ${c.OpType}: ${[who, them].filter(Boolean).join(', ')}`;
  }
}

function muteFor(seconds) {
  if (!seconds) return 'unmuted';
  return seconds >= MUTE_FOREVER ? 'muted with no end' : `muted for ${seconds} s`;
}

// recall asks for a confirmation, recalls m and shows the place of the message, or the
// RetCode next to it when it was not recalled.
async function recall(g, m, li, err, ctx) {
  const seq = m.MsgSeq;
  const text = li.querySelector('.body').textContent;
  const ok = await confirm(`Recall message ${seq}?`, `“${text.length > 80 ? `${text.slice(0, 79)}…` : text}” from ${m.From_Account} is removed for good; its place remains.`, 'Recall');
  if (!ok) return;
  err.hidden = true;
  try {
    const r = await call('group_open_http_svc/group_msg_recall', { GroupId: g.id, MsgSeqList: [{ MsgSeq: seq }] });
    const ret = (r.RecallRetList || []).find((x) => x.MsgSeq === seq);
    const code = ret ? ret.RetCode : 'none';
    if (code !== 0) {
      showProblem(err, `RetCode ${code}: ${RECALL_CODES[code] || 'not recalled'}`);
      return;
    }
  } catch (e) {
    showProblem(err, errorText(e));
    return;
  }
  if (ctx.recalled.checked) li.replaceWith(item(g, { ...m, IsPlaceMsg: 2, MsgBody: [] }, ctx));
  else li.remove();
  if (!ctx.list.children.length) ctx.list.append(h('li', { class: 'none' }, 'No messages.'));
  announce(`Message ${seq} recalled`);
  ctx.list.focus();
}
