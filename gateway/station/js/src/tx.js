// Building and signing txs exactly as the Go client does (client.SignBody):
// the body and the tx are the deterministic protobuf encodings of the
// messages generated from proto/coldtrace/v1 (fields in number order, no
// default values), and the signature is Ed25519 over SIGN_DOMAIN ‖ body.
import { create, toBinary, fromJson } from "@bufbuild/protobuf";
import { TxSchema, TxBodySchema, MsgSchema } from "../gen/coldtrace/v1/tx_pb.js";
import {
  MsgReceiveSchema, MsgSellSchema, MsgSplitSchema, MsgDispatchSchema, CodeQuantitySchema, NewCodeSchema,
  MsgCommissionSchema, ProductFactsSchema,
} from "../gen/coldtrace/v1/trace_pb.js";
import { MsgHoldSchema } from "../gen/coldtrace/v1/supervision_pb.js";

export const SIGN_DOMAIN = new TextEncoder().encode("coldtrace/tx/v1\u0000");

const items = (list) => (list || []).map((it) => create(CodeQuantitySchema, { code: it.code, quantity: BigInt(it.quantity) }));

// msgOf turns an action the station stores (plain data) into a Msg.
export function msgOf(a) {
  switch (a.type) {
    case "receive":
      return create(MsgSchema, { sum: { case: "receive", value: create(MsgReceiveSchema, {
        consignment: hexToBytes(a.consignment), received: items(a.items), note: a.note || "" }) } });
    case "sell":
      return create(MsgSchema, { sum: { case: "sell", value: create(MsgSellSchema, {
        kind: a.consumed ? 2 : 1, items: items(a.items), businessBuyer: a.businessBuyer || "" }) } });
    case "dispatch":
      return create(MsgSchema, { sum: { case: "dispatch", value: create(MsgDispatchSchema, {
        buyer: a.buyer, items: items(a.items), carrier: a.carrier || "", reference: a.reference || "" }) } });
    case "split":
      return create(MsgSchema, { sum: { case: "split", value: create(MsgSplitSchema, {
        parent: a.parent, children: a.children.map((q) => create(NewCodeSchema, { quantity: BigInt(q) })) }) } });
    case "commission":
      return create(MsgSchema, { sum: { case: "commission", value: create(MsgCommissionSchema, {
        batch: a.batch, facts: fromJson(ProductFactsSchema, a.facts),
        codes: a.codes.map((c) => create(NewCodeSchema, { code: c.code || "", quantity: BigInt(c.quantity), unit: c.unit })) }) } });
    case "hold":
      return create(MsgSchema, { sum: { case: "hold", value: create(MsgHoldSchema, {
        codes: a.codes, reason: a.reason }) } });
  }
  throw new Error("unknown action " + a.type);
}

// encodeBody is TxBody's canonical bytes.
export function encodeBody({ chainId, signer, sequence, actions, memo, eventTimeMs }) {
  return toBinary(TxBodySchema, create(TxBodySchema, {
    chainId, signer, sequence: BigInt(sequence), messages: actions.map(msgOf), memo: memo || "",
    eventTimeMs: BigInt(eventTimeMs || 0),
  }));
}

// signTx signs body bytes with sign(bytes) → 64-byte signature and
// returns the Tx's canonical bytes.
export async function signTx(sign, bodyBytes) {
  const msg = new Uint8Array(SIGN_DOMAIN.length + bodyBytes.length);
  msg.set(SIGN_DOMAIN);
  msg.set(bodyBytes, SIGN_DOMAIN.length);
  const signature = new Uint8Array(await sign(msg));
  return toBinary(TxSchema, create(TxSchema, { bodyBytes, signature }));
}

export async function txHash(raw) {
  return bytesToHex(new Uint8Array(await crypto.subtle.digest("SHA-256", raw))).toUpperCase();
}

export function hexToBytes(h) {
  if (h.length % 2 || /[^0-9a-fA-F]/.test(h)) throw new Error("not hex: " + h);
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.substr(i * 2, 2), 16);
  return out;
}

export function bytesToHex(b) {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}
