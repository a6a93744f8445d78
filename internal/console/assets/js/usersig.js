// TLS sig v2 UserSigs in the browser, exactly as internal/usersig mints and reads them:
// the HMAC-SHA256, keyed with the secret key's bytes, of the lines
// "TLS.identifier:..\nTLS.sdkappid:..\nTLS.time:..\nTLS.expire:..\n"; a JSON document
// carrying it in base64; zlib (RFC 1950) deflate; base64 with '+' '/' '=' written as
// '*' '-' '_'.

const enc = new TextEncoder();

// canMint reports whether this page can mint: WebCrypto exists only in a secure context
// (https:, or http: on 127.0.0.1 or localhost).
export function canMint() {
  return !!(globalThis.crypto && crypto.subtle && globalThis.CompressionStream);
}

// mintUserSig returns a UserSig for identifier in app sdkappid, signed with key, valid
// for expire seconds from now (unix seconds).
export async function mintUserSig(sdkappid, identifier, key, expire, now = Math.floor(Date.now() / 1000)) {
  const text = `TLS.identifier:${identifier}\nTLS.sdkappid:${sdkappid}\nTLS.time:${now}\nTLS.expire:${expire}\n`;
  const hmacKey = await crypto.subtle.importKey('raw', enc.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', hmacKey, enc.encode(text)));
  // The key order of Tencent's SDKs and of internal/usersig.Mint.
  const doc = JSON.stringify({
    'TLS.ver': '2.0',
    'TLS.identifier': identifier,
    'TLS.sdkappid': Number(sdkappid),
    'TLS.expire': Number(expire),
    'TLS.time': now,
    'TLS.sig': toBase64(mac),
  });
  const zipped = await pipe(enc.encode(doc), new CompressionStream('deflate'));
  return toBase64(zipped).replace(/\+/g, '*').replace(/\//g, '-').replace(/=/g, '_');
}

// decodeUserSig returns the fields of a UserSig without checking its signature, or null
// when it cannot be read: {identifier, sdkappid, time, expire}.
export async function decodeUserSig(sig) {
  try {
    const b64 = sig.replace(/\*/g, '+').replace(/-/g, '/').replace(/_/g, '=');
    const raw = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const doc = JSON.parse(new TextDecoder().decode(await pipe(raw, new DecompressionStream('deflate'))));
    return {
      identifier: doc['TLS.identifier'],
      sdkappid: Number(doc['TLS.sdkappid']),
      time: Number(doc['TLS.time']),
      expire: Number(doc['TLS.expire']),
    };
  } catch {
    return null;
  }
}

// pipe runs bytes through a transform stream and returns what comes out.
async function pipe(bytes, transform) {
  const out = new Blob([bytes]).stream().pipeThrough(transform);
  return new Uint8Array(await new Response(out).arrayBuffer());
}

// toBase64 encodes bytes in standard base64 with padding.
function toBase64(bytes) {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}
