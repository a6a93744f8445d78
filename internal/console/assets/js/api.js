// The console's session and its calls to timd. Credentials live in this module's memory
// only: reloading the page or signing out forgets them. localStorage holds the last
// SDKAppID, to fill in the sign-in form, and nothing else.

import { mintUserSig, decodeUserSig } from './usersig.js';

// SESSION_SECONDS is the life of a UserSig the console mints from a secret key; it mints
// the next one when less than RENEW_SECONDS are left.
const SESSION_SECONDS = 3600;
const RENEW_SECONDS = 300;
const STORED_APP = 'timd.console.sdkappid';

// ApiError is an answer with an ErrorCode other than 0, or a failure to get one (code
// 'network').
export class ApiError extends Error {
  constructor(code, info, command) {
    super(`${code}: ${info}`);
    this.code = code;
    this.info = info;
    this.command = command;
  }
}

let session = null; // {sdkappid, identifier, usersig, key, expires}

export function signedIn() { return session !== null; }
export function who() { return session && { sdkappid: session.sdkappid, identifier: session.identifier, expires: session.expires }; }
export function storedApp() { return localStorage.getItem(STORED_APP) || ''; }
export function hasKey() { return !!(session && session.key); }
// secretKey is the key the session signed in with, for the UserSig tool; '' if none.
export function secretKey() { return (session && session.key) || ''; }

// signIn checks the credentials with an authenticated call and starts the session. With
// key it mints a UserSig of SESSION_SECONDS; otherwise it uses usersig as given.
export async function signIn({ sdkappid, identifier, usersig, key }) {
  const s = { sdkappid: String(sdkappid).trim(), identifier: identifier.trim(), usersig: (usersig || '').trim(), key: key || '' };
  if (s.key) {
    s.usersig = await mintUserSig(s.sdkappid, s.identifier, s.key, SESSION_SECONDS);
  }
  const doc = await decodeUserSig(s.usersig);
  s.expires = doc ? doc.time + doc.expire : 0;
  const fields = await request('GET', '/console/api/fields', null, s);
  session = s;
  localStorage.setItem(STORED_APP, s.sdkappid);
  return fields;
}

export function signOut() {
  session = null;
}

// call sends the REST command "service/command" with body and returns the answer, or
// throws an ApiError.
export function call(command, body) {
  return request('POST', `/v4/${command}`, body, session);
}

// streamURL returns the URL of timd's event stream (GET /v4/stream, Server-Sent Events)
// signed as the session, with the parameters given (e.g. group, since), for an
// EventSource.
export async function streamURL(params) {
  if (!session) throw new ApiError('signed-out', 'Sign in first.', '/v4/stream');
  await renew(session);
  const q = new URLSearchParams({ sdkappid: session.sdkappid, identifier: session.identifier, usersig: session.usersig });
  for (const [k, v] of Object.entries(params)) q.append(k, v);
  return `/v4/stream?${q}`;
}

// consoleGet and consolePost call timd's own console endpoints.
export function consoleGet(path) { return request('GET', `/console/api/${path}`, null, session); }
export function consolePost(path, body) { return request('POST', `/console/api/${path}`, body, session); }

// request makes one signed call as s.
async function request(method, path, body, s) {
  if (!s) throw new ApiError('signed-out', 'Sign in first.', path);
  await renew(s);
  const q = new URLSearchParams({
    sdkappid: s.sdkappid, identifier: s.identifier, usersig: s.usersig,
    random: String(crypto.getRandomValues(new Uint32Array(1))[0]), contenttype: 'json',
  });
  const init = { method, headers: {}, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' };
  if (method === 'POST') {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body || {});
  }
  let answer;
  try {
    const resp = await fetch(`${path}?${q}`, init);
    answer = await resp.json();
  } catch (e) {
    throw new ApiError('network', `timd did not answer: ${e.message}`, path);
  }
  if (answer.ErrorCode !== 0) {
    throw new ApiError(answer.ErrorCode, answer.ErrorInfo || '', path);
  }
  return answer;
}

// renew mints the session's next UserSig when it signed in with a key and the current
// one is about to expire.
async function renew(s) {
  if (!s.key || s.expires - Date.now() / 1000 > RENEW_SECONDS) return;
  s.usersig = await mintUserSig(s.sdkappid, s.identifier, s.key, SESSION_SECONDS);
  s.expires = Math.floor(Date.now() / 1000) + SESSION_SECONDS;
}
