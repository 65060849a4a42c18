// The gateway's station API (gateway/station).
import { readAuth } from "./keys.js";

export class Offline extends Error {}

async function call(url, opts) {
  let res;
  try {
    res = await fetch(url, Object.assign({ cache: "no-store" }, opts));
  } catch (e) {
    throw new Offline(String(e));
  }
  let body = null;
  try {
    body = await res.json();
  } catch (e) {
    body = null;
  }
  if (res.status === 503 || res.status === 502 || res.status === 429 || res.status === 0 || (body === null && !res.ok)) {
    throw new Offline("HTTP " + res.status + (body && body.error ? ": " + body.error.message : ""));
  }
  return { status: res.status, body };
}

export const account = (pubHex) => call("/scan/api/account/" + pubHex);

export async function signedGet(key, uri) {
  return call(uri, { headers: { "X-Station-Auth": await readAuth(key, uri) } });
}

export const relay = (raw) => call("/scan/api/tx", { method: "POST", headers: { "Content-Type": "application/octet-stream" }, body: raw });
export const lookup = (hash) => call("/scan/api/tx/" + hash);
export const parse = (code) => call("/scan/api/parse?code=" + encodeURIComponent(code));
export const enterprise = (uscc) => call("/scan/api/enterprise/" + encodeURIComponent(uscc));
