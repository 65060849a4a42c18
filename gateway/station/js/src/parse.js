// parseCode reads the common spellings of a code offline, as
// types.ParseCode does: a Digital Link URI or path, a GS1 element string
// with parentheses or as a scanner sends it (symbology identifier, GS
// separators), a native CT- code. It returns {code} in the canonical form
// (types.Code.String), {error}, or {defer: true} for spellings it leaves to
// the gateway (/scan/api/parse): data attributes, percent-escapes, GTIN-8/
// 12/13, CPV. A test runs Go's vectors through it: it never returns a code
// Go refuses, nor a different canonical form.
const GS = "\u001d";
const SAFE = /^[A-Za-z0-9._-]{1,20}$/;
const ALPHA = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const USCC_W = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const DEFER = { defer: true };

function gs1Check(digits) {
  let sum = 0;
  for (let i = digits.length - 1, k = 0; i >= 0; i--, k++) sum += (digits.charCodeAt(i) - 48) * (k % 2 === 0 ? 3 : 1);
  return String((10 - (sum % 10)) % 10);
}

function validKey(d, n) {
  return new RegExp("^[0-9]{" + n + "}$").test(d) && gs1Check(d.slice(0, -1)) === d[n - 1];
}

function validUSCC(s) {
  if (!/^[0-9A-HJ-NP-RT-UW-Y]{18}$/.test(s)) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += ALPHA.indexOf(s[i]) * USCC_W[i];
  return ALPHA[(31 - (sum % 31)) % 31] === s[17];
}

function nativeCheck(body) {
  let sum = 0, w = 1;
  for (const ch of body) {
    const v = ALPHA.indexOf(ch);
    if (v < 0) return "?";
    sum = (sum + v * w) % 31;
    w = (w * 3) % 31;
  }
  return ALPHA[(31 - sum) % 31];
}

function native(s) {
  const m = /^CT-([0-9A-Z]{18})-([1-9][0-9]{0,15})-([0-9A-Z])$/.exec(s);
  if (!m) return DEFER;
  if (!validUSCC(m[1]) || nativeCheck(m[1] + m[2]) !== m[3]) return { error: "native code " + s + ": check character or USCC does not check out" };
  return { code: "/c/" + s };
}

function fromAIs(v) {
  if (v["00"] !== undefined) {
    if (Object.keys(v).length !== 1) return DEFER;
    if (!/^[0-9]{18}$/.test(v["00"])) return DEFER;
    return validKey(v["00"], 18) ? { code: "/00/" + v["00"] } : { error: "SSCC " + v["00"] + ": wrong check digit" };
  }
  const g = v["01"], b = v["10"], s = v["21"];
  if (g === undefined || b === undefined || Object.keys(v).length !== (s === undefined ? 2 : 3)) return DEFER;
  if (!SAFE.test(b) || (s !== undefined && !SAFE.test(s)) || !/^[0-9]{14}$/.test(g)) return DEFER;
  if (!validKey(g, 14)) return { error: "GTIN " + g + ": wrong check digit" };
  return { code: "/01/" + g + "/10/" + b + (s === undefined ? "" : "/21/" + s) };
}

function path(p) {
  if (p.startsWith("/c/")) return native(p.slice(3));
  const seg = p.split("/");
  if (seg[0] !== "" || seg.length % 2 !== 1) return DEFER;
  const v = {};
  const order = [];
  for (let i = 1; i < seg.length; i += 2) {
    if (v[seg[i]] !== undefined) return DEFER;
    v[seg[i]] = seg[i + 1];
    order.push(seg[i]);
  }
  const want = order.join(",");
  if (!["00", "01,10", "01,10,21"].includes(want)) return DEFER;
  return fromAIs(v);
}

function elementString(s) {
  const v = {};
  let i = 0;
  while (i < s.length) {
    const ai = s.substr(i, 2);
    i += 2;
    if (v[ai] !== undefined) return DEFER;
    if (ai === "01" || ai === "00") {
      const n = ai === "01" ? 14 : 18;
      v[ai] = s.substr(i, n);
      if (v[ai].length !== n) return DEFER;
      i += n;
    } else if (ai === "10" || ai === "21") {
      let j = s.indexOf(GS, i);
      if (j < 0) j = s.length;
      v[ai] = s.slice(i, j);
      i = j + 1;
    } else {
      return DEFER;
    }
    if (s[i] === GS) i++;
  }
  return fromAIs(v);
}

function parenthesised(s) {
  const v = {};
  const re = /\((\d{2})\)([^()]*)/y;
  let m, at = 0;
  while (at < s.length && (m = re.exec(s))) {
    if (v[m[1]] !== undefined || !["00", "01", "10", "21"].includes(m[1])) return DEFER;
    v[m[1]] = m[2];
    at = re.lastIndex;
  }
  if (at !== s.length) return DEFER;
  return fromAIs(v);
}

export function parseCode(raw) {
  let s = String(raw).trim();
  while (s.endsWith(GS)) s = s.slice(0, -1);
  let sym = "";
  if (/^\][A-Za-z][0-9]/.test(s)) {
    sym = s.slice(0, 3);
    s = s.slice(3);
  }
  if (sym && !["]C1", "]e0", "]d2", "]Q3", "]J1", "]Q1", "]d1"].includes(sym)) return DEFER;
  const uri = sym === "]Q1" || sym === "]d1";
  if (/^(https|http|HTTPS|HTTP):\/\//.test(s)) {
    if (sym && !uri) return DEFER;
    const rest = s.slice(s.indexOf("//") + 2);
    const slash = rest.indexOf("/");
    if (slash <= 0 || /[?#%]/.test(rest)) return DEFER;
    return path(rest.slice(slash));
  }
  if (uri) return DEFER;
  if (s.startsWith("/")) return sym ? DEFER : path(s);
  if (s.startsWith("CT-")) return sym ? DEFER : native(s);
  if (s.startsWith("(")) return sym ? DEFER : parenthesised(s);
  if (/^\d{2}/.test(s)) return elementString(s);
  return DEFER;
}
