// The queue: every action is signed when it is taken, kept in IndexedDB
// with the time of the scan, and sent in order. A tx the chain refuses
// stops the queued actions that depend on it (same code or consignment);
// the others are signed again with fresh sequences and sent.
import { all, put, get } from "./db.js";
import { encodeBody, signTx, txHash } from "./tx.js";
import * as api from "./api.js";

// FRESH: a tx sent this soon after its scan carries no event time (the
// block's time is the scan's), so a phone clock a little ahead of the
// chain's cannot make it refused with code 42.
const FRESH_MS = 10000;

let listeners = [];
export const onChange = (fn) => listeners.push(fn);
const changed = () => listeners.forEach((fn) => fn());

export function depsOf(a) {
  const out = [];
  if (a.consignment) out.push("consignment:" + a.consignment.toUpperCase());
  (a.items || []).forEach((it) => out.push(it.code));
  if (a.parent) out.push(a.parent);
  (a.codes || []).forEach((c) => out.push(c));
  return out;
}

export async function accountState() {
  return (await get("keys", "account")) || null;
}

// refreshAccount reads the key's sequence and the chain's clock.
export async function refreshAccount(key) {
  const { body } = await api.account(key.pubHex);
  const st = { chainId: body.chain_id, enrolled: body.enrolled, ownerKind: body.owner_kind || "", owner: body.owner || "",
    ownerName: body.owner_name || "", sequence: Number(body.sequence || 0), revoked: !!body.revoked,
    clockOffset: body.time_ms ? body.time_ms - Date.now() : 0, at: Date.now() };
  await put("keys", st, "account");
  return st;
}

async function sign(key, acct, item, seq, fresh) {
  const eventTimeMs = fresh ? 0 : item.eventTimeMs;
  const body = encodeBody({ chainId: acct.chainId, signer: key.pub, sequence: seq, actions: [item.action], eventTimeMs });
  item.raw = await signTx(key.sign, body);
  item.seq = seq;
  item.signedEventTimeMs = eventTimeMs;
  item.hash = await txHash(item.raw);
}

export const save = (item) => put("queue", item);

export async function items() {
  return (await all("queue")).sort((a, b) => a.id - b.id);
}

// enqueue signs an action now (offline too) and stores it.
export async function enqueue(key, action, scanMs) {
  const acct = await accountState();
  if (!acct || !acct.chainId) throw new Error("no chain id yet: connect once to enrol");
  const list = await items();
  let seq = acct.sequence;
  list.filter((i) => i.status === "pending" || i.status === "unknown").forEach((i) => { seq = Math.max(seq, i.seq + 1); });
  const item = { action, deps: depsOf(action), scanMs, eventTimeMs: scanMs + (acct.clockOffset || 0), status: "pending", created: Date.now() };
  await sign(key, acct, item, seq, false);
  item.id = await put("queue", item);
  changed();
  flush(key);
  return item;
}

let flushing = null;
export function flush(key) {
  if (!flushing) {
    flushing = run(key).finally(() => { flushing = null; changed(); });
  }
  return flushing;
}

async function run(key) {
  let acct;
  try {
    acct = await refreshAccount(key);
  } catch (e) {
    return "offline";
  }
  let next = acct.sequence;
  const list = await items();
  for (const item of list) {
    if (item.status === "unknown") {
      try {
        const { body } = await api.lookup(item.hash);
        if (body.status === "unknown") return "waiting";
        settle(item, body, list);
        await put("queue", item);
        await saveStopped(item, list);
        if (body.sequence_used) next = Math.max(next, item.seq + 1);
        continue;
      } catch (e) {
        return "offline";
      }
    }
    if (item.status !== "pending") continue;
    for (let attempt = 0; attempt < 3; attempt++) {
      const fresh = Date.now() - item.scanMs < FRESH_MS;
      if (item.seq !== next || (fresh && item.signedEventTimeMs !== 0)) {
        await sign(key, acct, item, next, fresh);
        await put("queue", item);
      }
      let res;
      try {
        res = await api.relay(item.raw);
      } catch (e) {
        return "offline";
      }
      const body = res.body;
      if (body.status === "refused" && body.code === 6 && body.expected_sequence !== undefined) {
        next = Number(body.expected_sequence);
        continue;
      }
      if (body.status === "unknown") {
        item.status = "unknown";
        await put("queue", item);
        next = item.seq + 1;
        changed();
        break;
      }
      settle(item, body, list);
      await put("queue", item);
      await saveStopped(item, list);
      if (body.sequence_used) next = item.seq + 1;
      changed();
      break;
    }
  }
  return "done";
}

async function saveStopped(item, list) {
  for (const other of list) {
    if (other.status === "stopped" && other.stoppedBy === item.id) await put("queue", other);
  }
}

// settle records a result; a refusal stops the later queued actions that
// depend on it.
function settle(item, body, list) {
  item.result = body;
  item.status = body.status === "committed" ? "committed" : "refused";
  item.done = Date.now();
  if (item.status !== "refused") return;
  const blocked = new Set(item.deps);
  for (const other of list) {
    if (other.id <= item.id || other.status !== "pending") continue;
    const hit = other.deps.find((d) => blocked.has(d));
    if (hit) {
      other.status = "stopped";
      other.stoppedBy = item.id;
      other.stoppedOn = hit;
      other.deps.forEach((d) => blocked.add(d));
    }
  }
}
