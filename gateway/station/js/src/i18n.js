// The station's words, Chinese first (the default) and English.
export const lang = () => (document.body.dataset.lang === "en" ? "en" : "zh");

const W = {
  enrolTitle: ["设备登记", "Device enrolment"],
  enrolNone: ["本设备还没有密钥。密钥在本机生成，私钥永远不会离开本设备。", "This device has no key yet. It is made here, and its private key never leaves the device."],
  enrolCreate: ["生成本设备密钥", "Create this device's key"],
  enrolPub: ["本设备公钥", "This device's public key"],
  enrolCmd: ["请企业已登记的密钥在电脑上运行：", "An enrolled key of the enterprise adds it, on a computer:"],
  enrolCheck: ["检查登记状态", "Check enrolment"],
  enrolWait: ["尚未登记到链上。", "Not registered on the chain yet."],
  enrolOK: ["已登记：", "Enrolled: "],
  revoked: ["本设备密钥已被吊销，请重新登记。", "This device's key was revoked; enrol it again."],
  scanTitle: ["扫码", "Scan"],
  scanHint: ["扫码枪直接扫描到此框，或手动输入后按回车", "Scan into this box with a hardware scanner, or type and press Enter"],
  camera: ["用摄像头扫码", "Scan with the camera"],
  cameraStop: ["关闭摄像头", "Stop the camera"],
  cameraErr: ["无法打开摄像头：", "The camera cannot be opened: "],
  go: ["确定", "Go"],
  status: ["状态", "Status"],
  active: ["正常", "active"], held: ["已扣留", "held"], recalled: ["已召回", "recalled"], destroyed: ["已销毁", "destroyed"],
  stop: ["此货物不能操作：", "These goods must not move: "],
  positive: ["该批次核酸检测阳性，请勿食用。", "A test of this batch was positive: do not eat it."],
  recalledBatch: ["该批次已被召回，请勿食用。", "This batch was recalled: do not eat it."],
  heldQty: ["本企业持有", "Held by your enterprise"],
  unverifiedOffline: ["离线：无法核验状态，联网后由链核对（被扣留的货物会被拒绝，代码 36）。", "Offline: the status cannot be verified now; the chain checks it when sent (held goods are refused, code 36)."],
  sell: ["销售", "Sell"], consume: ["消耗（餐饮）", "Consume (kitchen)"], dispatch: ["出库发货", "Dispatch"],
  split: ["分装", "Split"], hold: ["现场扣留", "Hold on the spot"], quantity: ["数量", "Quantity"],
  buyer: ["收货方名称或统一社会信用代码", "Buyer's name or USCC"], noBuyer: ["本省没有名称相符的企业。", "No enterprise of the province has that name."], children: ["分装数量（逗号分隔）", "Child quantities (comma-separated)"],
  reason: ["扣留原因", "Reason for the hold"], consoleLink: ["在监管平台查看全部信息", "See everything in the console"],
  labels: ["打印标签", "Print labels"],
  inboundTitle: ["待收货", "To receive"], inboundNone: ["没有待收货的货物。", "Nothing to receive."],
  from: ["发货方", "From"], receiveAll: ["一键收货", "Receive all"], shortfall: ["记录短少后收货", "Receive with a shortfall"],
  queueTitle: ["操作记录", "Actions"], queueNone: ["还没有操作。", "No actions yet."],
  pending: ["待发送", "pending"], unknown: ["已发送，等待结果", "sent, waiting for the result"], committed: ["已上链", "committed"],
  refused: ["被拒绝", "refused"], stopped: ["已停止", "stopped"],
  stoppedWhy: ["因依赖的操作 #{id} 被拒绝（{dep}），此操作未发送。", "Not sent: it depends on action #{id} ({dep}), which was refused."],
  scannedAt: ["扫码时间", "scanned at"], height: ["区块高度", "block"], code: ["代码", "code"],
  online: ["在线", "online"], offline: ["离线：操作会签名保存，联网后自动发送", "offline: actions are signed and kept, and sent when the network returns"],
  notFound: ["链上没有这个码。", "This code is not on the chain."],
  badCode: ["无法识别的码：", "Not a code: "],
  bad: ["请求有误：", "Bad request: "],
  commissionTitle: ["赋码（首站）", "Commission (first station)"],
  template: ["批次模板（产品信息 JSON，同 docs/examples/batch.json 的 facts）", "Batch template (product facts as JSON, the facts of docs/examples/batch.json)"],
  saveTemplate: ["保存模板", "Save the template"], batchNo: ["批次号", "Batch number"], cartons: ["箱数", "Cartons"],
  perCarton: ["每箱数量", "Quantity per carton"], commission: ["赋码", "Commission"], templateBad: ["模板不是有效的 JSON：", "The template is not valid JSON: "],
  grams: ["克", "g"], pieces: ["件", "pieces"], receive: ["收货", "receive"],
};

export function t(key, vars) {
  const w = W[key];
  let s = w ? w[lang() === "en" ? 1 : 0] : key;
  if (vars) for (const k in vars) s = s.replace("{" + k + "}", vars[k]);
  return s;
}
