"use strict";
const VERDICTS = [
  ["malformed","格式错误","Malformed","#ff8a4c"],
  ["unknown_key","未知密钥","Unknown key","#f5b83d"],
  ["revoked_key","密钥吊销","Revoked key","#e879f9"],
  ["invalid_signature","签名无效","Invalid signature","#ff5d6c"],
  ["not_yet_valid","尚未生效","Not yet valid","#a78bfa"],
  ["expired","已过期","Expired","#8da2bf"],
  ["duplicate","重复扫码","Duplicate","#38b6ff"],
  ["valid","有效","Valid","#2fd07a"]];
const VIEWS = [["1m","1 分钟","last 1 min"],["5m","5 分钟","last 5 min"],["15m","15 分钟","last 15 min"],["1h","1 小时","last hour"],["24h","24 小时","last 24 h"]];
const RAMP = [[14,35,62],[23,84,150],[40,150,220],[94,224,212],[250,238,150]];
// Bearer token for a server started with --http-token-file: given once in the page
// address's fragment (#token=… or #1h&token=…; a fragment is never sent to the server),
// then kept for this tab in sessionStorage and removed from the address bar.
const TOKEN = (() => {
  const m = /(?:^#|&)token=([^&]*)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem("streamproc.token", decodeURIComponent(m[1]));
    const rest = location.hash.replace(/&?token=[^&]*/, "").replace(/^#&/, "#");
    history.replaceState(null, "", location.pathname + location.search + (rest === "#" ? "" : rest));
  }
  return sessionStorage.getItem("streamproc.token");
})();
let view = VIEWS.some(v => v[0] === location.hash.slice(1)) ? location.hash.slice(1) : "5m";
let timer = null, localHist = [], lastStatus = null;

const $ = id => document.getElementById(id);
const esc = s => String(s ?? "").replace(/[&<>"']/g, c => ({"&":"&amp;","<":"&lt;",">":"&gt;","\"":"&quot;","'":"&#39;"}[c]));
const fmt = n => Math.round(n).toLocaleString("en-US");
const pct = (x, d = 2) => isFinite(x) ? (x * 100).toFixed(d) + "%" : "–";
function wan(n) {
  if (n >= 1e8) return "≈ " + (n / 1e8).toFixed(2) + " 亿";
  if (n >= 1e4) return "≈ " + (n / 1e4).toFixed(1) + " 万";
  return "";
}
function shortZh(s) {
  s = String(s ?? "");
  const i = s.indexOf("重庆"); if (i >= 0 && s.length > i + 2) s = s.slice(i + 2);
  if (s.endsWith("自治县")) return s.slice(0, 2);
  if (s.length > 2 && (s.endsWith("区") || s.endsWith("县")) && !s.endsWith("新区") && !s.endsWith("开区") && !s.endsWith("高新区")) return s.slice(0, -1);
  return s;
}
function shortScenario(s) { return String(s ?? "").replace(/"([^"]*)"/g, "“$1”"); }
function ramp(t) {
  t = Math.max(0, Math.min(1, t)) * (RAMP.length - 1);
  const i = Math.min(RAMP.length - 2, Math.floor(t)), f = t - i, a = RAMP[i], b = RAMP[i + 1];
  return `rgb(${a.map((v, k) => Math.round(v + (b[k] - v) * f)).join(",")})`;
}
// Provisional counts: events of windows still open (they may grow; spec §7).
function prov(r) { return r.provisional?.total || 0; }
// What the view has seen of a row: its closed (final) counts plus the provisional ones, so
// that shares and totals are live from the first seconds (the bars keep the two apart).
function seen(r) { return r.total + prov(r); }
function seenVerdict(r, k) { return (r.by_verdict?.[k] || 0) + (r.provisional?.by_verdict?.[k] || 0); }
function validShare(r) { const t = seen(r); return t ? seenVerdict(r, "valid") / t : NaN; }
// Colours relative to what is normal: a row's valid share against the view's own share
// (the baseline), amber WARN and red ALARM percentage points below it (URL ?warn=2&alarm=5),
// and only when the gap is more than sampling noise (2 and 3 standard errors of a share of
// `n` events at the baseline): a district with 80 scans is not red for one bad code.
const QS = new URLSearchParams(location.search);
const WARN_PTS = Number(QS.get("warn") ?? 2) / 100, ALARM_PTS = Number(QS.get("alarm") ?? 5) / 100;
let baseline = NaN;
function shareClass(x, n) {
  if (!isFinite(x)) return "dimt";
  if (!isFinite(baseline)) return "ok";
  const gap = baseline - x, se = Math.sqrt(baseline * (1 - baseline) / Math.max(1, n || 1));
  return gap >= ALARM_PTS && gap > 3 * se ? "low" : gap >= WARN_PTS && gap > 2 * se ? "mid" : "ok";
}
function provBar(r, max) {
  const p = prov(r);
  return p ? `<span class="prov" style="left:${(100 * r.total / max).toFixed(2)}%;width:${(100 * p / max).toFixed(2)}%"></span>` : "";
}
function provNum(r) { const p = prov(r); return p ? ` <span class="provn" title="暂计 provisional: open windows">+${fmt(p)}</span>` : ""; }
function viewLabel() { const v = VIEWS.find(v => v[0] === view); return v ? `近${v[1]} · ${v[2]}` : view; }

function buildViews() {
  $("views").innerHTML = VIEWS.map(([k, zh]) =>
    `<button type="button" data-v="${k}" aria-pressed="${k === view}">${k}<small>${zh}</small></button>`).join("");
  $("views").addEventListener("click", e => {
    const b = e.target.closest("button"); if (!b) return;
    view = b.dataset.v; history.replaceState(null, "", "#" + view);
    for (const x of $("views").children) x.setAttribute("aria-pressed", String(x.dataset.v === view));
    clearTimeout(timer); tick();
  });
  $("ramp").style.background = `linear-gradient(90deg,${[0, .25, .5, .75, 1].map(ramp).join(",")})`;
}

async function getJSON(u) {
  const r = await fetch(u, {cache: "no-store", headers: TOKEN ? {Authorization: "Bearer " + TOKEN} : {}});
  if (!r.ok) throw new Error(`${u}: HTTP ${r.status}`);
  return r.json();
}

async function tick() {
  try {
    const q = "view=" + encodeURIComponent(view);
    const [sc, di, ce, st] = await Promise.all([
      getJSON(`/api/v1/counts?${q}&by=scenario`), getJSON(`/api/v1/counts?${q}&by=district`),
      getJSON(`/api/v1/counts?${q}&by=cell`), getJSON("/api/v1/status")]);
    render(sc, di, ce, st);
    setLive(true);
  } catch (e) {
    setLive(false, e);
  } finally {
    clearTimeout(timer); timer = setTimeout(tick, 2000);
  }
}

function setLive(ok, err) {
  $("dot").className = ok ? "dot" : "dot off";
  $("live").textContent = ok ? "实时 · 每 2 秒刷新 live" : "连接中断 offline";
  const b = $("banner");
  b.style.display = ok ? "none" : "block";
  if (!ok) b.textContent = "无法获取数据，2 秒后重试 · Cannot reach the API, retrying in 2 s (" + (err && err.message || err) + ")";
}

function render(sc, di, ce, st) {
  const tz = {timeZone: "Asia/Shanghai", hour12: false};
  $("clock").textContent = new Date(st.now_ms).toLocaleTimeString("zh-CN", tz);
  $("asof").textContent = "窗口截至 as of " + new Date(sc.as_of_ms).toLocaleString("zh-CN", tz) + " (UTC+8) · 运行 uptime " + dur(st.uptime_s);

  // Totals over the view (closed and provisional), from the scenario rows.
  const tv = {}; VERDICTS.forEach(([k]) => tv[k] = 0);
  let total = 0, provTotal = 0, late = 0;
  for (const r of sc.rows) {
    total += seen(r); provTotal += prov(r); late += r.late || 0;
    for (const [k] of VERDICTS) tv[k] += seenVerdict(r, k);
  }
  baseline = total ? tv.valid / total : NaN;
  const bad = total - tv.valid - tv.duplicate;
  $("k-total").textContent = fmt(total);
  $("k-total-s").textContent = `${viewLabel()} ${wan(total)}` + (provTotal ? ` · 暂计 provisional ${fmt(provTotal)}` : "");
  $("k-eps").innerHTML = `${fmt(st.events_per_second)}<span class="u">/s</span>`;
  const hist = (st.events_per_second_history && st.events_per_second_history.length) ? st.events_per_second_history : pushLocal(st.events_per_second);
  const peak = Math.max(...hist, 0);
  $("k-eps-s").textContent = `近 ${hist.length} 秒峰值 peak ${fmt(peak)}/s`;
  const vs = total ? tv.valid / total : NaN;
  $("k-valid").innerHTML = `<span class="${isFinite(vs) ? "ok" : "dimt"}">${pct(vs)}</span>`;
  $("k-valid-s").textContent = `重复 duplicate ${pct(total ? tv.duplicate / total : NaN)}`;
  $("k-bad").textContent = fmt(bad);
  $("k-bad-s").textContent = `占比 share ${pct(total ? bad / total : NaN)} · 迟到 late ${fmt(late)}`;
  const lag = st.partitions.reduce((a, p) => a + (p.lag || 0), 0);
  const wms = st.partitions.map(p => p.watermark_ms).filter(x => x != null);
  $("k-lag").innerHTML = `${fmt(lag)}<span class="u">条 records</span>`;
  $("k-lag-s").textContent = wms.length ? `水位滞后 watermark delay ${((st.now_ms - Math.min(...wms)) / 1000).toFixed(1)} s` : "无水位 no watermark yet";

  drawSpark(hist);
  drawVerdicts(tv, total, st);
  drawPartitions(st);
  drawDistricts(di.rows);
  drawScenarios(sc.rows);
  drawHeat(sc.rows, di.rows, ce.rows);
}

function pushLocal(v) { localHist.push(v); if (localHist.length > 120) localHist.shift(); return localHist; }
function dur(s) {
  s = Math.floor(s); const d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
  return (d ? d + "天 " : "") + String(h).padStart(2, "0") + ":" + String(m).padStart(2, "0") + ":" + String(s % 60).padStart(2, "0");
}

function niceMax(v) {
  if (v <= 0) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v))), f = v / p;
  for (const m of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (f <= m + 1e-9) return m * p;
  return 10 * p;
}

function drawSpark(h) {
  const svg = $("spark"), W = svg.clientWidth || 600, H = svg.clientHeight || 190;
  const L = 52, R = 12, T = 10, B = 22, n = h.length;
  const max = niceMax(Math.max(...h, 8) * 1.1);
  const x = i => L + (n <= 1 ? 0 : i * (W - L - R) / (n - 1)), y = v => T + (H - T - B) * (1 - v / max);
  let g = "";
  for (let k = 0; k <= 4; k++) {
    const v = max * k / 4, yy = y(v).toFixed(1);
    g += `<line x1="${L}" x2="${W - R}" y1="${yy}" y2="${yy}" stroke="#18304f" stroke-width="1"/>`;
    g += `<text x="${L - 8}" y="${(+yy + 4)}" fill="#60779a" font-size="11" text-anchor="end">${Number.isInteger(v) ? fmt(v) : v.toFixed(1)}</text>`;
  }
  if (n > 1) {
    const pts = h.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    g += `<defs><linearGradient id="sg" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="#5eead4" stop-opacity=".45"/><stop offset="1" stop-color="#5eead4" stop-opacity="0"/></linearGradient></defs>`;
    g += `<polygon points="${x(0).toFixed(1)},${y(0)} ${pts} ${x(n - 1).toFixed(1)},${y(0)}" fill="url(#sg)"/>`;
    g += `<polyline points="${pts}" fill="none" stroke="#5eead4" stroke-width="2" stroke-linejoin="round"/>`;
    g += `<circle cx="${x(n - 1).toFixed(1)}" cy="${y(h[n - 1]).toFixed(1)}" r="4" fill="#5eead4" stroke="#0e1b30" stroke-width="2"/>`;
    const secs = n - 1;
    g += `<text x="${L}" y="${H - 5}" fill="#60779a" font-size="11">-${secs}s</text>`;
    g += `<text x="${(L + W - R) / 2}" y="${H - 5}" fill="#60779a" font-size="11" text-anchor="middle">-${Math.round(secs / 2)}s</text>`;
    g += `<text x="${W - R}" y="${H - 5}" fill="#60779a" font-size="11" text-anchor="end">现在 now</text>`;
  }
  svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
  svg.innerHTML = g;
  $("spark-note").textContent = `当前 now ${fmt(h[n - 1] || 0)}/s`;
}

function drawVerdicts(tv, total, st) {
  $("stack").innerHTML = VERDICTS.slice().reverse().map(([k, zh, en, c]) =>
    total && tv[k] ? `<span style="width:${(100 * tv[k] / total).toFixed(3)}%;background:${c}" title="${zh} ${en}: ${fmt(tv[k])}"></span>` : "").join("");
  const rate = st.verdict_per_second || {};
  $("vlist").innerHTML = VERDICTS.slice().reverse().map(([k, zh, en, c]) =>
    `<div class="vitem" title="${esc(en)} · ${fmt(rate[k] || 0)}/s"><i style="background:${c}"></i><span class="nm">${zh}<small>${en}</small></span>` +
    `<span class="ct num">${fmt(tv[k])} · ${pct(total ? tv[k] / total : NaN, k === "valid" ? 1 : 2)}</span></div>`).join("");
  $("verdict-note").textContent = viewLabel();
}

function drawPartitions(st) {
  const ps = st.partitions.slice().sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
  $("parts").innerHTML = ps.length ? ps.map(p => {
    const wd = p.watermark_ms != null ? ((st.now_ms - p.watermark_ms) / 1000).toFixed(1) + " s" : "–";
    const lagc = (p.lag || 0) > 10000 ? "low" : (p.lag || 0) > 1000 ? "mid" : "";
    return `<tr><td>${esc(p.topic)} <span class="dimt">#${p.partition}</span></td><td class="r num">${p.position != null ? fmt(p.position) : "–"}</td>` +
      `<td class="r num ${lagc}">${p.lag != null ? fmt(p.lag) : "–"}</td><td class="r num muted">−${wd}</td></tr>`;
  }).join("") : `<tr><td colspan="4" class="dimt">尚未分配分区 no partitions assigned</td></tr>`;
  $("part-note").textContent = `${ps.length} 个分区 partitions`;
}

function drawDistricts(rows) {
  rows = rows.slice().sort((a, b) => (b.total + prov(b)) - (a.total + prov(a)));
  const max = Math.max(1, ...rows.map(r => r.total + prov(r)));
  $("districts").innerHTML = rows.map((r, i) => {
    const vs = validShare(r), bad = seen(r) - seenVerdict(r, "valid") - seenVerdict(r, "duplicate");
    return `<tr title="${esc(r.district)}"><td class="rank num">${i + 1}</td><td><span class="zh">${esc(r.name_zh)}</span><span class="en2">${esc(r.name_en)}</span></td>` +
      `<td class="barcell"><div style="display:flex;align-items:center;gap:8px"><div class="bar" style="flex:1"><span style="width:${(100 * r.total / max).toFixed(2)}%"></span>${provBar(r, max)}</div>` +
      `<span class="num pill">${fmt(r.total)}${provNum(r)}</span></div></td>` +
      `<td class="r num ${shareClass(vs, seen(r))}">${pct(vs, 1)}</td><td class="r num">${fmt(bad)}</td><td class="r num dimt">${fmt(r.late || 0)}</td></tr>`;
  }).join("");
  $("dist-note").textContent = `${rows.length} 个区县 · ${viewLabel()}`;
}

function drawScenarios(rows) {
  rows = rows.slice().sort((a, b) => (b.total + prov(b)) - (a.total + prov(a)));
  const max = Math.max(1, ...rows.map(r => r.total + prov(r)));
  $("scenarios").innerHTML = rows.map(r => {
    const vs = validShare(r);
    return `<div class="srow" title="${esc(r.scenario)}"><div class="name"><span class="zh">${esc(shortScenario(r.name_zh))}</span><small>${esc(r.name_en)}</small></div>` +
      `<div class="val num">${fmt(r.total)}${provNum(r)} <span class="${shareClass(vs, seen(r))}">${pct(vs, 1)}</span></div>` +
      `<div class="bar"><span style="width:${(100 * r.total / max).toFixed(2)}%"></span>${provBar(r, max)}</div></div>`;
  }).join("");
  $("scen-note").textContent = `${rows.length} 个场景 scenarios`;
}

function drawHeat(srows, drows, cells) {
  const ss = srows.slice().sort((a, b) => seen(b) - seen(a));
  const ds = drows.slice().sort((a, b) => seen(b) - seen(a));
  const m = new Map();
  for (const c of cells) m.set(c.scenario + "|" + c.district, c);
  const max = Math.max(1, ...cells.map(seen));
  const lmax = Math.log1p(max);
  let h = `<div></div>` + ds.map(d => `<div class="ch" title="${esc(d.name_zh)} ${esc(d.name_en)} (${esc(d.district)})">${esc(shortZh(d.name_zh))}</div>`).join("");
  let hot = 0;
  for (const s of ss) {
    h += `<div class="rh" title="${esc(s.name_en)}">${esc(shortScenario(s.name_zh))}</div>`;
    for (const d of ds) {
      const c = m.get(s.scenario + "|" + d.district), t = c ? seen(c) : 0, vs = c ? validShare(c) : NaN;
      const bg = t ? ramp(Math.log1p(t) / lmax) : "#0b1628";
      const isHot = t >= 20 && shareClass(vs, t) === "low";
      if (isHot) hot++;
      h += `<div class="c${isHot ? " hot" : ""}" style="background:${bg}" title="${esc(shortScenario(s.name_zh))} × ${esc(d.name_zh)} · ${esc(s.name_en)} × ${esc(d.name_en)}: ${fmt(t)}${c && prov(c) ? ` (暂计 provisional ${fmt(prov(c))})` : ""} (有效 valid ${pct(vs, 1)})"></div>`;
    }
  }
  const el = $("heat"); el.style.setProperty("--cols", ds.length); el.innerHTML = h;
  $("heat-note").textContent = `${ss.length} × ${ds.length} · 对数色阶 log scale · 最大 max ${fmt(max)}`;
  $("hot-note").textContent = isFinite(baseline)
    ? `有效率低于本视图 ${pct(baseline, 1)} 达 ${(ALARM_PTS * 100).toFixed(0)} 个百分点 · valid share ${(ALARM_PTS * 100).toFixed(0)} pts or more below the view's ${pct(baseline, 1)} (${hot} 格 cells)`
    : "有效率明显低于本视图 · valid share well below the view's";
}

buildViews();
tick();
