// The device's Ed25519 key. WebCrypto makes it non-extractable: the page
// can sign with it but no script can read it, and it never leaves the
// device. Browsers without WebCrypto Ed25519 use @noble/ed25519, whose seed
// IndexedDB keeps (readable by this origin's scripts only).
import * as ed from "@noble/ed25519";
import { get, put } from "./db.js";
import { bytesToHex } from "./tx.js";

let cached;

export async function webCryptoEd25519() {
  try {
    const k = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
    return !!k.privateKey;
  } catch (e) {
    return false;
  }
}

// loadKey returns the stored key, or null.
export async function loadKey() {
  if (cached) return cached;
  const k = await get("keys", "device");
  if (k) cached = wrap(k);
  return cached || null;
}

// createKey makes and stores the device's key (once).
export async function createKey() {
  const have = await loadKey();
  if (have) return have;
  let rec;
  if (await webCryptoEd25519()) {
    const kp = await crypto.subtle.generateKey({ name: "Ed25519" }, false, ["sign", "verify"]);
    const pub = new Uint8Array(await crypto.subtle.exportKey("raw", kp.publicKey));
    rec = { kind: "webcrypto", privateKey: kp.privateKey, pub, created: Date.now() };
  } else {
    const seed = ed.utils.randomSecretKey();
    const pub = await ed.getPublicKeyAsync(seed);
    rec = { kind: "noble", seed, pub, created: Date.now() };
  }
  await put("keys", rec, "device");
  cached = wrap(rec);
  return cached;
}

function wrap(rec) {
  return {
    kind: rec.kind,
    pub: rec.pub,
    pubHex: bytesToHex(rec.pub),
    sign: rec.kind === "webcrypto"
      ? async (msg) => new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, rec.privateKey, msg))
      : async (msg) => ed.signAsync(msg, rec.seed),
  };
}

// signerFromSeed signs with a given 32-byte seed imported into WebCrypto
// (non-extractable) or noble: tests compare the browser's bytes with Go's.
export async function signerFromSeed(seed, useNoble) {
  if (!useNoble) {
    const pkcs8 = new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20, ...seed]);
    const k = await crypto.subtle.importKey("pkcs8", pkcs8, { name: "Ed25519" }, false, ["sign"]);
    return async (msg) => new Uint8Array(await crypto.subtle.sign({ name: "Ed25519" }, k, msg));
  }
  return async (msg) => ed.signAsync(msg, seed);
}

export async function publicFromSeed(seed) {
  return ed.getPublicKeyAsync(seed);
}

// readAuth signs a read of requestURI (gateway/station/auth.go).
export async function readAuth(key, requestURI) {
  const ms = Date.now();
  const msg = new TextEncoder().encode("coldtrace/station-read/v1\u0000" + ms + "\n" + requestURI);
  return key.pubHex + "." + ms + "." + bytesToHex(await key.sign(msg));
}
