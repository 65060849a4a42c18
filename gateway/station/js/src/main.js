// The scan station's page: enrolment, scanning, each role's work, the queue.
import { t, lang } from "./i18n.js";
import { loadKey, createKey, signerFromSeed, publicFromSeed } from "./keys.js";
import { parseCode } from "./parse.js";
import * as api from "./api.js";
import * as queue from "./queue.js";
import { encodeBody, signTx, bytesToHex, hexToBytes } from "./tx.js";
import { get as getStored0, put as putStored0 } from "./db.js";

const getStored = (k) => getStored0("keys", k);
const putStored = (k, v) => putStored0("keys", v, k);
import { startCamera, stopCamera } from "./camera.js";

const $ = (id) => document.getElementById(id);

function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const k in attrs || {}) {
    if (k.startsWith("on")) el.addEventListener(k.slice(2), attrs[k]);
    else if (k === "text") el.textContent = attrs[k];
    else el.setAttribute(k, attrs[k]);
  }
  for (const kid of kids.flat()) if (kid !== null && kid !== undefined) el.append(kid);
  return el;
}

function fill(id, ...kids) {
  const el = $(id);
  el.replaceChildren(...kids.flat().filter((k) => k !== null && k !== undefined));
  el.hidden = false;
  return el;
}

const state = { key: null, acct: null, online: navigator.onLine };

function setNet(online) {
  state.online = online;
  const n = $("net");
  n.textContent = online ? t("online") : t("offline");
  n.className = "net " + (online ? "on" : "off");
}

async function renderEnrol() {
  const key = state.key;
  if (!key) {
    fill("enrol", h("h2", { text: t("enrolTitle") }), h("p", { text: t("enrolNone") }),
      h("button", { id: "enrol-create", onclick: async () => { state.key = await createKey(); await refresh(); } }, t("enrolCreate")));
    return;
  }
  const acct = state.acct;
  const cmd = "coldtrace tx registry add-key " + (acct && acct.owner ? acct.owner : "USCC") + " " + key.pubHex + " --from KEY";
  const status = !acct ? "" : acct.revoked ? t("revoked") : acct.enrolled ? t("enrolOK") + (acct.ownerName || acct.owner) + " (" + acct.owner + ")" : t("enrolWait");
  fill("enrol", h("h2", { text: t("enrolTitle") }),
    h("p", { id: "enrol-status", class: acct && acct.enrolled ? "ok" : "warn", text: status }),
    acct && acct.enrolled ? null : [
      h("p", { text: t("enrolPub") }), h("code", { id: "pubkey", class: "wrap", text: key.pubHex }),
      h("img", { id: "pubkey-qr", alt: key.pubHex, src: "/scan/api/qr?key=" + key.pubHex, width: "200", height: "200" }),
      h("p", { text: t("enrolCmd") }), h("code", { class: "wrap", text: cmd }),
      h("button", { id: "enrol-check", onclick: refresh }, t("enrolCheck"))],
    acct && acct.enrolled ? h("details", {}, h("summary", { text: t("enrolPub") }), h("code", { id: "pubkey", class: "wrap", text: key.pubHex })) : null);
}

function renderScan() {
  const input = h("input", { id: "scan-input", autocomplete: "off", autocapitalize: "off", spellcheck: "false", placeholder: t("scanHint") });
  const submit = () => { const v = input.value; input.value = ""; if (v.trim()) onScan(v); };
  input.addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); submit(); } });
  const video = h("video", { id: "camera", playsinline: "", muted: "", hidden: "" });
  const camBtn = h("button", { id: "camera-start", class: "secondary", onclick: async () => {
    if (!video.hidden) { stopCamera(video); video.hidden = true; camBtn.textContent = t("camera"); return; }
    try {
      video.hidden = false;
      camBtn.textContent = t("cameraStop");
      await startCamera(video, (text) => { stopCamera(video); video.hidden = true; camBtn.textContent = t("camera"); onScan(text); });
    } catch (e) {
      video.hidden = true;
      camBtn.textContent = t("camera");
      fill("work", h("p", { class: "bad", text: t("cameraErr") + e.message }));
    }
  } }, t("camera"));
  fill("scan", h("h2", { text: t("scanTitle") }), h("div", { class: "row" }, input, h("button", { id: "scan-go", onclick: submit }, t("go"))), camBtn, video);
}

async function onScan(raw) {
  const scanMs = Date.now();
  let parsed = parseCode(raw);
  if (parsed.defer) {
    try {
      const { status, body } = await api.parse(raw);
      parsed = status === 200 ? { code: body.code } : { error: body.error.message };
    } catch (e) {
      parsed = { error: t("offline") };
    }
  }
  if (parsed.error) {
    fill("work", h("p", { id: "work-error", class: "bad", text: t("badCode") + parsed.error }));
    return;
  }
  const code = parsed.code;
  let st = null;
  try {
    const { status, body } = await api.signedGet(state.key, "/scan/api/code?code=" + encodeURIComponent(code));
    if (status === 404) { fill("work", h("p", { id: "work-error", class: "bad", text: t("notFound") + " " + code })); return; }
    if (status !== 200) { fill("work", h("p", { id: "work-error", class: "bad", text: t("bad") + (body.error ? body.error.message : status) })); return; }
    st = body;
    setNet(true);
  } catch (e) {
    setNet(false);
  }
  renderWork(code, st, scanMs);
}

function renderWork(code, st, scanMs) {
  const parts = [h("h2", { id: "work-code", text: code })];
  if (st) {
    parts.push(h("p", { id: "work-status", class: st.stop ? "bad" : "ok", "data-status": st.status },
      t("status") + ": " + t(st.status) + (st.product ? " · " + st.product : "")));
    if (st.warning) parts.push(h("p", { class: "bad", text: st.warning === "positive" ? t("positive") : t("recalledBatch") }));
    if (st.stop) {
      parts.push(h("p", { id: "work-stop", class: "bad", text: t("stop") + (st.reason || t(st.status)) }));
    } else if (state.acct.ownerKind === "enterprise") {
      parts.push(h("p", { id: "work-held", text: t("heldQty") + ": " + st.held + " " + t(st.unit) }));
    }
  } else {
    parts.push(h("p", { class: "warn", text: t("unverifiedOffline") }));
  }
  const kind = state.acct.ownerKind;
  if (kind === "regulator") {
    const reason = h("input", { id: "hold-reason", placeholder: t("reason") });
    parts.push(h("div", { class: "row" }, reason, h("button", { id: "act-hold", class: "danger", onclick: () => act({ type: "hold", codes: [code], reason: reason.value || "inspection" }, scanMs) }, t("hold"))));
    const console = document.body.dataset.console;
    if (console) parts.push(h("p", {}, h("a", { id: "console-link", href: console + "/code?code=" + encodeURIComponent(code) }, t("consoleLink"))));
  }
  if (kind === "enterprise" && !(st && st.stop)) {
    const qty = h("input", { id: "qty", type: "number", min: "1", value: st ? String(st.held || "") : "", placeholder: t("quantity") });
    const items = () => [{ code, quantity: Number(qty.value) }];
    parts.push(h("div", { class: "row" }, h("label", { text: t("quantity") }), qty));
    parts.push(h("div", { class: "actions" },
      h("button", { id: "act-sell", onclick: () => act({ type: "sell", items: items() }, scanMs) }, t("sell")),
      h("button", { id: "act-consume", class: "secondary", onclick: () => act({ type: "sell", consumed: true, items: items() }, scanMs) }, t("consume"))));
    const buyer = h("input", { id: "buyer", placeholder: t("buyer") });
    const buyerName = h("span", { id: "buyer-name" });
    buyer.addEventListener("change", async () => {
      const v = buyer.value.trim();
      try {
        if (/^[0-9A-Z]{18}$/.test(v)) {
          const { status, body } = await api.enterprise(v);
          buyerName.replaceChildren(status === 200 ? body.name : (body.error ? body.error.message : ""));
          return;
        }
        // A name: the matching enterprises of the province, to pick one.
        const { status, body } = await api.signedGet(state.key, "/scan/api/buyers?name=" + encodeURIComponent(v));
        if (status !== 200) { buyerName.replaceChildren(body.error ? body.error.message : String(status)); return; }
        buyerName.replaceChildren(...(body.buyers.length ? body.buyers.map((b) => h("button", { class: "secondary buyer-pick", "data-uscc": b.uscc,
          onclick: () => { buyer.value = b.uscc; buyerName.replaceChildren(b.name); } }, b.name + " · " + b.uscc)) : [t("noBuyer")]));
      } catch (e) { buyerName.replaceChildren(""); }
    });
    parts.push(h("div", { class: "row" }, buyer, h("button", { id: "act-dispatch", onclick: () => act({ type: "dispatch", buyer: buyer.value.trim(), items: items() }, scanMs) }, t("dispatch"))), buyerName);
    const kids = h("input", { id: "split-children", placeholder: t("children") });
    parts.push(h("div", { class: "row" }, kids, h("button", { id: "act-split", class: "secondary", onclick: () => act({ type: "split", parent: code, children: kids.value.split(/[ ,，]+/).filter(Boolean).map(Number) }, scanMs) }, t("split"))));
    parts.push(h("p", {}, h("a", { id: "label-link", href: "/qr" + code + ".png", target: "_blank" }, t("labels"))));
  }
  fill("work", parts);
}

async function act(action, scanMs) {
  try {
    await queue.enqueue(state.key, action, scanMs);
  } catch (e) {
    fill("work", h("p", { class: "bad", text: e.message }));
  }
  renderQueue();
}

// renderCommission: the first station commissions cartons of a new batch
// from a saved template of its product facts; the chain issues their codes.
async function renderCommission() {
  if (!state.acct || state.acct.ownerKind !== "enterprise") { $("commission").hidden = true; return; }
  const saved = (await getStored("template")) || "";
  const tpl = h("textarea", { id: "template", rows: "5", placeholder: t("template") });
  tpl.value = saved;
  const batch = h("input", { id: "batch-no", placeholder: t("batchNo") });
  const n = h("input", { id: "cartons", type: "number", min: "1", max: "100", value: "1" });
  const q = h("input", { id: "per-carton", type: "number", min: "1", placeholder: t("perCarton") });
  const unit = h("select", { id: "unit" }, h("option", { value: "1", text: t("grams") }), h("option", { value: "2", text: t("pieces") }));
  const msg = h("p", { id: "commission-msg", class: "bad" });
  const go = () => {
    let facts;
    try { facts = JSON.parse(tpl.value); } catch (e) { msg.textContent = t("templateBad") + e.message; return; }
    if (facts.facts) facts = facts.facts;
    const codes = Array.from({ length: Math.min(100, Number(n.value) || 0) }, () => ({ quantity: Number(q.value), unit: Number(unit.value) }));
    act({ type: "commission", batch: batch.value.trim(), facts, codes }, Date.now());
  };
  fill("commission", h("details", { id: "commission-box" }, h("summary", { text: t("commissionTitle") }),
    h("label", { text: t("template") }), tpl,
    h("button", { id: "save-template", class: "secondary", onclick: async () => { await putStored("template", tpl.value); } }, t("saveTemplate")),
    h("div", { class: "row" }, batch), h("div", { class: "row" }, h("label", { text: t("cartons") }), n, q, unit),
    h("button", { id: "act-commission", onclick: go }, t("commission")), msg));
}

async function renderInbound() {
  if (!state.acct || state.acct.ownerKind !== "enterprise") { $("inbound").hidden = true; return; }
  let list;
  try {
    const { status, body } = await api.signedGet(state.key, "/scan/api/inbound");
    if (status !== 200) return;
    list = body.consignments;
  } catch (e) {
    return;
  }
  const rows = list.map((c) => {
    const qty = {};
    const itemRows = c.items.map((it) => {
      const inp = h("input", { type: "number", min: "0", value: String(it.quantity), class: "short", "data-code": it.code });
      qty[it.code] = inp;
      return h("li", {}, h("span", { text: it.code + " × " + it.quantity + " " }), inp);
    });
    const receive = (all) => act({ type: "receive", consignment: c.id,
      items: c.items.map((it) => ({ code: it.code, quantity: all ? it.quantity : Number(qty[it.code].value) })).filter((it) => it.quantity > 0) }, Date.now());
    return h("div", { class: "consignment", "data-id": c.id },
      h("p", { text: t("from") + ": " + (c.sender_name || c.sender) + " · " + new Date(c.dispatched_time_ms).toLocaleString() }),
      h("ul", {}, itemRows),
      h("div", { class: "actions" }, h("button", { class: "receive-all", onclick: () => receive(true) }, t("receiveAll")),
        h("button", { class: "secondary receive-short", onclick: () => receive(false) }, t("shortfall"))));
  });
  fill("inbound", h("h2", { text: t("inboundTitle") }), rows.length ? rows : h("p", { text: t("inboundNone") }));
}

function describe(a) {
  const q = (a.items || []).map((it) => it.code + "=" + it.quantity).join(" ");
  switch (a.type) {
    case "receive": return t("receive") + " " + a.consignment.slice(0, 12) + "… " + q;
    case "sell": return t(a.consumed ? "consume" : "sell") + " " + q;
    case "dispatch": return t("dispatch") + " → " + a.buyer + " " + q;
    case "split": return t("split") + " " + a.parent + " → " + a.children.join(", ");
    case "hold": return t("hold") + " " + a.codes.join(" ");
    case "commission": return t("commission") + " " + a.batch + " × " + a.codes.length;
  }
  return a.type;
}

// childLabels asks which codes the chain issued for a committed split, to
// print their labels.
async function childLabels(it) {
  try {
    const q = it.action.type === "split" ? "code=" + encodeURIComponent(it.action.parent)
      : "batch=" + encodeURIComponent(state.acct.owner + "/" + it.action.batch);
    const { status, body } = await api.signedGet(state.key, "/scan/api/issued?" + q + "&tx=" + it.hash);
    if (status !== 200) return;
    it.issued = body.codes;
    await queue.save(it);
    renderQueue();
  } catch (e) {
    /* offline: asked again at the next render */
  }
}

async function renderQueue() {
  const list = (await queue.items()).reverse();
  const rows = list.map((it) => {
    const r = it.result || {};
    const lines = [h("div", {}, h("b", { text: "#" + it.id + " " }), h("span", { class: "st " + it.status, text: t(it.status) }), " " + describe(it.action))];
    lines.push(h("div", { class: "small", text: t("scannedAt") + " " + new Date(it.scanMs).toLocaleString() + (r.height ? " · " + t("height") + " " + r.height : "") }));
    if (it.status === "refused") {
      lines.push(h("div", { class: "bad refusal", "data-code": String(r.code) }, t("code") + " " + r.code + ": " + (r.hint ? r.hint[lang()] : "") ));
      if (r.log) lines.push(h("div", { class: "small", text: r.log }));
    }
    if ((it.action.type === "split" || it.action.type === "commission") && it.status === "committed") {
      if (it.issued) {
        lines.push(h("div", { class: "children" }, t("labels") + ": ",
          it.issued.map((c) => h("a", { class: "child-label", href: "/qr" + c + ".png", target: "_blank", "data-code": c }, c + " "))));
      } else {
        childLabels(it);
      }
    }
    if (it.status === "stopped") lines.push(h("div", { class: "warn", text: t("stoppedWhy", { id: it.stoppedBy, dep: it.stoppedOn }) }));
    return h("li", { class: "q-item", "data-status": it.status, "data-id": String(it.id), "data-hash": it.hash || "" }, lines);
  });
  fill("queue", h("h2", { text: t("queueTitle") }), rows.length ? h("ul", { id: "queue-list" }, rows) : h("p", { text: t("queueNone") }));
}

async function refresh() {
  try {
    state.acct = await queue.refreshAccount(state.key);
    setNet(true);
  } catch (e) {
    state.acct = await queue.accountState();
    setNet(false);
  }
  await renderEnrol();
  if (state.acct && state.acct.enrolled && !state.acct.revoked) {
    if ($("scan").hidden) renderScan();
    await renderInbound();
    if ($("commission").hidden) await renderCommission();
    queue.flush(state.key);
  }
  await renderQueue();
}

async function main() {
  setNet(navigator.onLine);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/scan/sw.js", { scope: "/scan" }).catch(() => {});
    navigator.serviceWorker.ready.then(() => { document.body.dataset.offlineReady = "1"; });
  }
  state.key = await loadKey();
  queue.onChange(() => { renderQueue(); if (state.acct && state.acct.enrolled) renderInbound(); });
  await refresh();
  window.addEventListener("online", () => state.key && refresh());
  window.addEventListener("offline", () => setNet(false));
  setInterval(async () => {
    if (!state.key) return;
    if (!state.acct || !state.acct.enrolled) {
      // Waiting for add-key: the enrolment shows once the chain has it.
      await refresh();
      return;
    }
    const r = await queue.flush(state.key);
    setNet(r !== "offline");
    if (r === "done") renderInbound();
  }, 3000);
  document.body.dataset.ready = "1";
}

// The page's functions, for the tests that compare its bytes with Go's.
window.coldtraceStation = {
  encodeBody, signTx, signerFromSeed, publicFromSeed, parseCode, bytesToHex, hexToBytes,
  items: queue.items, flush: () => queue.flush(state.key), refresh, onScan,
};

main();
