// The teaching page: every edit asks the server for the network's explanation (the engine
// compiles it) and draws it; the stepper walks the forward and the backward pass; Train
// streams a run of the engine's reference evaluator (server-sent events over fetch).
"use strict";

const $ = (id) => document.getElementById(id);
const SVG = "http://www.w3.org/2000/svg";

const state = {
  explained: null, // the last explanation that compiled
  step: -1,        // the walk's step shown, -1 for none
  asked: 0,        // the number of the last explanation asked for
  presets: [],
  run: null,       // the AbortController of the training run
  losses: [],
};

// ---- Elements ----------------------------------------------------------------------------

function el(tag, attrs = {}, text) {
  const e = tag.startsWith("svg:")
    ? document.createElementNS(SVG, tag.slice(4))
    : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function lines(container, texts) {
  container.replaceChildren(...texts.map((t) => el("div", {}, t)));
}

// ---- The network's explanation ------------------------------------------------------------

let timer = null;
function edited() {
  // The marks of the last errors no longer fit the text: clear them until the reply.
  $("backdrop").textContent = $("network").value + "\n";
  document.body.dataset.busy = "explaining";
  clearTimeout(timer);
  timer = setTimeout(explain, 200);
}

async function explain() {
  clearTimeout(timer);
  document.body.dataset.busy = "explaining";
  const asked = ++state.asked;
  const body = {
    network: $("network").value,
    with: $("with").value,
    at: $("at").value,
    seed: $("seed-grad").value,
  };
  let reply;
  try {
    const res = await fetch("/api/explain", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    reply = await res.json();
  } catch (e) {
    reply = { status: "error", message: "the server did not answer: " + e, marks: [] };
  }
  if (asked !== state.asked) return; // a newer edit is on its way
  delete document.body.dataset.busy;
  if (reply.status === "ok") {
    showErrors(null);
    show(reply);
  } else {
    showErrors(reply);
  }
}

function showErrors(reply) {
  const text = $("network").value;
  const backdrop = $("backdrop");
  const views = ["graph-section", "code-section", "derivation", "numbers"];
  $("with").classList.toggle("error-field",
    !!reply && reply.marks.some((m) => m.field === "bindings"));
  if (!reply) {
    backdrop.textContent = text + "\n";
    $("errors").replaceChildren();
    views.forEach((v) => $(v).classList.remove("stale"));
    return;
  }
  // The text with each error's characters marked; the text area lies over it.
  const marks = reply.marks.filter((m) => m.field !== "bindings")
    .sort((a, b) => a.start - b.start);
  const parts = [];
  let at = 0;
  const chars = Array.from(text);
  for (const m of marks) {
    if (m.start < at) continue;
    parts.push(document.createTextNode(chars.slice(at, m.start).join("")));
    const mark = el("mark", { class: "error-mark", title: m.message }, chars.slice(m.start, m.end).join(""));
    parts.push(mark);
    at = m.end;
  }
  parts.push(document.createTextNode(chars.slice(at).join("") + "\n"));
  backdrop.replaceChildren(...parts);
  $("errors").replaceChildren(el("pre", { class: "error-message" }, reply.message));
  views.forEach((v) => $(v).classList.add("stale"));
}

function show(e) {
  // The same steps (new values, say): stay at the step shown.
  const before = state.explained;
  const same = before && before.walk.length === e.walk.length &&
    before.walk.every((s, k) => s.text === e.walk[k].text);
  state.explained = e;
  if (!same) state.step = -1;
  lines($("derivation"), e.derivation);
  lines($("numbers"), e.numbers);
  drawCode(e.source);
  $("rust-fn").textContent = rustItem(e.function);
  // The engine's graph, each node at its place (the server's layout).
  drawGraph({
    nodes: e.picture.nodes.map((n, k) => ({ ...n, ...e.places[k] })),
    edges: e.picture.edges,
  });
  showStep();
}

// ---- The generated code -------------------------------------------------------------------

// The network as a user's crate writes it: the function compiled, under `#[network(...)]`
// with the bindings typed (the pasted attribute, if any, is already in them).
function rustItem(fn) {
  const typed = $("network").value.trim();
  if (/#\[(nn::)?network/.test(typed)) return typed + "\n"; // pasted with its attribute
  const bindings = $("with").value.trim();
  const attribute = bindings ? `#[network(${bindings})]` : "#[network]";
  return `use nn::prelude::*;\n\n${attribute}\n${fn}\n`;
}

function drawCode(source) {
  const items = source.replace(/\n$/, "").split("\n").map((line, k) => {
    const li = el("li", { id: "line-" + k });
    const code = el("code");
    const cut = commentStart(line);
    if (cut < 0) {
      code.textContent = line;
    } else {
      code.append(document.createTextNode(line.slice(0, cut)));
      code.append(el("span", { class: "comment" }, line.slice(cut)));
    }
    li.append(code);
    return li;
  });
  $("code").replaceChildren(...items);
}

// Where a `//` comment starts in a line of generated code (not inside a string), or -1.
function commentStart(line) {
  let quoted = false;
  for (let k = 0; k + 1 < line.length; k++) {
    if (line[k] === '"' && line[k - 1] !== "\\") quoted = !quoted;
    if (!quoted && line[k] === "/" && line[k + 1] === "/") return k;
  }
  return -1;
}

// ---- The graph ----------------------------------------------------------------------------

const CHAR = 7.4;       // width of a character of the node font, px
const LABEL_CHAR = 6.7; // of the edge font
const LINE = 16;        // line height in a node
const GAP_Y = 26;

function nodeLines(n) {
  const out = [{ text: n.label, cls: "name" }];
  if (n.shape) out.push({ text: n.shape, cls: "shape" });
  if (n.value !== null && n.value !== undefined) out.push({ text: n.value, cls: "value" });
  if (n.gradient) {
    const [name, value] = n.gradient; // ∂L/∂name and its value
    out.push({ text: name + " =", cls: "gradient" });
    out.push({ text: value, cls: "gradient" });
  }
  return out;
}

// An edge's two labels: the local factor, and what flows back along it (its value; the
// whole product ∂L/∂parent · ∂parent/∂child is the label's tooltip).
function edgeLabels(e) {
  const out = [];
  if (e.factor) out.push({ text: e.factor, cls: "factor", title: e.factor });
  if (e.flow) {
    const value = e.flow.slice(e.flow.lastIndexOf(" = ") + 3);
    out.push({ text: "← " + value, cls: "flow", title: e.flow });
  }
  return out;
}

const width = (text, char) => Array.from(text).length * char;

function drawGraph(graph) {
  const boxes = new Map();
  const columns = [];
  for (const n of graph.nodes) {
    const ls = nodeLines(n);
    const w = Math.max(...ls.map((l) => width(l.text, CHAR))) + 18;
    const h = ls.length * LINE + 10;
    boxes.set(n.id, { n, ls, w, h });
    (columns[n.column] ||= []).push(n.id);
  }
  // The gap after each column: room for the labels of the edges that leave it.
  const gaps = columns.map(() => 48);
  for (const e of graph.edges) {
    const a = boxes.get(e.from);
    if (!a) continue;
    const need = Math.max(0, ...edgeLabels(e).map((l) => width(l.text, LABEL_CHAR))) + 28;
    gaps[a.n.column] = Math.max(gaps[a.n.column], need);
  }
  // Column widths and heights, then each node's place (columns centred vertically).
  let x = 16;
  const tallest = Math.max(...columns.map((ids) =>
    (ids || []).reduce((s, id) => s + boxes.get(id).h + GAP_Y, 0)));
  columns.forEach((ids, c) => {
    if (!ids) return;
    ids.sort((a, b) => boxes.get(a).n.row - boxes.get(b).n.row);
    const wide = Math.max(...ids.map((id) => boxes.get(id).w));
    const height = ids.reduce((s, id) => s + boxes.get(id).h + GAP_Y, 0);
    let y = 16 + (tallest - height) / 2;
    for (const id of ids) {
      const b = boxes.get(id);
      b.x = x + (wide - b.w) / 2;
      b.y = y;
      y += b.h + GAP_Y;
    }
    x += wide + (c + 1 < columns.length ? gaps[c] : 0);
  });
  const svg = el("svg:svg", {
    width: x + 16, height: tallest + 16, id: "graph-svg",
    viewBox: `0 0 ${x + 16} ${tallest + 16}`,
    role: "img", "aria-label": "computational graph",
  });
  svg.dataset.width = x + 16;
  svg.dataset.height = tallest + 16;
  // The labels of the edges leaving one node, stacked in the order of their ends.
  const leaving = new Map();
  for (const e of graph.edges) {
    if (!boxes.get(e.from) || !boxes.get(e.to)) continue;
    (leaving.get(e.from) || leaving.set(e.from, []).get(e.from)).push(e);
  }
  for (const edges of leaving.values()) {
    edges.sort((p, q) => boxes.get(p.to).y - boxes.get(q.to).y);
    edges.forEach((e, k) => drawEdge(svg, e, boxes.get(e.from), boxes.get(e.to), k - (edges.length - 1) / 2));
  }
  for (const { n, ls, w, h, x, y } of boxes.values()) {
    const g = el("svg:g", { class: "node " + n.kind, id: "node-" + n.id, "data-id": n.id });
    const rx = n.kind === "operation" || n.kind === "output" ? 14 : 3;
    g.append(el("svg:rect", { x, y, width: w, height: h, rx }));
    ls.forEach((l, k) => {
      g.append(el("svg:text", {
        x: x + w / 2, y: y + 5 + LINE * (k + 0.8), "text-anchor": "middle", class: l.cls,
      }, l.text));
    });
    svg.append(g);
  }
  $("graph").replaceChildren(svg);
  applyZoom();
}

// The graph's scale: 1 is its natural size; "fit" makes the whole graph as wide as its box.
let zoom = 1;
function applyZoom() {
  const svg = $("graph-svg");
  if (!svg) return;
  svg.setAttribute("width", Number(svg.dataset.width) * zoom);
  svg.setAttribute("height", Number(svg.dataset.height) * zoom);
}
function setZoom(z) {
  zoom = Math.min(3, Math.max(0.2, z));
  applyZoom();
}
function fitZoom() {
  const svg = $("graph-svg");
  if (svg) setZoom(Math.min(1, ($("graph").clientWidth - 4) / Number(svg.dataset.width)));
}

// One edge from box a to box b; its labels just after it leaves a (where edges are still
// apart), `slot` label heights above or below a's middle when several edges leave a.
function drawEdge(svg, e, a, b, slot) {
  const x1 = a.x + a.w, y1 = a.y + a.h / 2, x2 = b.x, y2 = b.y + b.h / 2;
  const g = el("svg:g", { class: "edge", "data-from": e.from, "data-to": e.to });
  const mid = (x1 + x2) / 2;
  g.append(el("svg:path", { d: `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2},${y2}` }));
  g.append(el("svg:path", { d: `M${x2 - 7},${y2 - 4} L${x2},${y2} L${x2 - 7},${y2 + 4}` }));
  const labels = edgeLabels(e);
  const ly = y1 + slot * 28;
  labels.forEach((l, k) => {
    const text = el("svg:text", { x: x1 + 10, y: ly - 4 + k * 13 - (labels.length - 1) * 6, class: l.cls }, l.text);
    text.append(el("svg:title", {}, l.title));
    g.append(text);
  });
  svg.append(g);
}

// ---- Stepping through the passes ----------------------------------------------------------

function showStep() {
  document.querySelectorAll(".active").forEach((e) => e.classList.remove("active"));
  const e = state.explained;
  if (!e || state.step < 0) {
    $("step-text").textContent = "Step through the forward pass, then the backward pass.";
    return;
  }
  const s = e.walk[state.step];
  const same = e.walk.filter((w) => w.pass === s.pass);
  const k = same.indexOf(s) + 1;
  const pass = s.pass === "forward" ? "Forward" : "Backward";
  $("step-text").textContent = `${pass} ${k}/${same.length}: ${s.text}`;
  for (const id of s.nodes) {
    const node = $("node-" + id);
    if (node) {
      node.classList.add("active");
      scrollIntoGraph(node);
    }
    // Forward: the edges into what the step computes; backward: the gradient's paths back
    // from the node's users.
    const attr = s.pass === "forward" ? "data-to" : "data-from";
    document.querySelectorAll(`.edge[${attr}="${id}"]`).forEach((g) => g.classList.add("active"));
  }
  if (s.line !== null && s.line !== undefined) {
    const line = $("line-" + s.line);
    if (line) {
      line.classList.add("active");
      line.scrollIntoView({ block: "nearest" });
    }
  }
  // The step's number: the value it computes, or the gradient.
  const name = s.pass === "forward"
    ? (s.text.includes(" = ") ? s.text.split(" = ")[0] + " = " : null)
    : (s.text.match(/∂L\/∂[^ ]+ = /) || [null])[0];
  if (name) {
    const row = [...$("numbers").children].find((d) => d.textContent.startsWith(name));
    if (row) {
      row.classList.add("active");
      row.scrollIntoView({ block: "nearest" });
    }
  }
  // The derivation's line of a backward step (an operation without a variable has none).
  if (s.pass === "backward") {
    const row = [...$("derivation").children].find((d) => d.textContent === s.text);
    if (row) row.classList.add("active");
  }
}

// Scrolls the graph's box (only it) so that `node` is in view.
function scrollIntoGraph(node) {
  const box = $("graph");
  const b = node.getBBox(); // in the graph's own units: scaled by the zoom on the page
  const r = { x: b.x * zoom, y: b.y * zoom, width: b.width * zoom, height: b.height * zoom };
  const left = r.x - box.clientWidth / 2 + r.width / 2;
  const top = r.y - box.clientHeight / 2 + r.height / 2;
  box.scrollTo({ left: Math.max(0, left), top: Math.max(0, top), behavior: "smooth" });
}

function step(by) {
  const e = state.explained;
  if (!e) return;
  state.step = Math.max(-1, Math.min(e.walk.length - 1, state.step + by));
  showStep();
}

// ---- Training -----------------------------------------------------------------------------

function trainRequest() {
  return {
    network: $("network").value,
    with: $("with").value,
    at: $("start").value,
    data: $("data").value,
    loss: $("loss").value,
    optimizer: $("optimizer").value,
    rate: Number($("rate").value),
    epochs: Number($("epochs").value),
    batch: Number($("batch").value),
    seed: Number($("seed").value) || 1,
    pace: $("slow").checked ? 25 : 0,
  };
}

async function train() {
  stop();
  const controller = new AbortController();
  state.run = controller;
  state.losses = [];
  $("train").disabled = true;
  $("stop").disabled = false;
  status("starting…");
  try {
    const res = await fetch("/api/train", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(trainRequest()),
      signal: controller.signal,
    });
    if (!res.ok) throw new Error(await res.text());
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = block.split("\n").filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(5).trimStart()).join("\n");
        if (data) trainEvent(JSON.parse(data));
      }
    }
  } catch (e) {
    if (e.name !== "AbortError") status("the run failed: " + e.message, true);
  } finally {
    if (state.run === controller) {
      state.run = null;
      $("train").disabled = false;
      $("stop").disabled = true;
    }
  }
}

let names = [];
let dims = [];
let inputs = [];
let lastParams = [];

// A value in the notation of the Values field: a number, [a, b] or [[a, b], [c, d]].
function written(values, shape) {
  const n = (x) => String(Number(x.toPrecision(6)));
  if (!shape || shape.length === 0) return n(values[0]);
  if (shape.length === 1) return "[" + values.map(n).join(", ") + "]";
  const rows = [];
  for (let r = 0; r < shape[0]; r++)
    rows.push("[" + values.slice(r * shape[1], (r + 1) * shape[1]).map(n).join(", ") + "]");
  return "[" + rows.join(", ") + "]";
}

// The parameters of the run, and the inputs of the data's first row, in the Values field:
// the graph and the numbers at them.
function useParams() {
  const given = lastParams.map((v, k) => `${names[k]} = ${written(v, dims[k])}`);
  const row = $("data").value.split("\n").map((l) => l.split("#")[0].trim())
    .filter((l) => l && !/[a-zA-Z]/.test(l.replace(/e[-+]?\d/g, "")))[0];
  if (row) {
    const numbers = row.split(/[\s,;]+/).filter((f) => f).map(Number);
    let at = 0;
    for (const [name, shape] of inputs) {
      const size = shape.reduce((a, b) => a * b, 1);
      given.push(`${name} = ${written(numbers.slice(at, at + size), shape)}`);
      at += size;
    }
  }
  const set = new Set(given.map((g) => g.split("=")[0].trim()));
  const kept = topLevelParts($("at").value)
    .filter((s) => s && !set.has(s.split("=")[0].trim()));
  $("at").value = kept.concat(given).join(", ");
  explain();
}

// `x = [1, 2], w = 3` as `x = [1, 2]` and `w = 3`: split at the commas outside brackets.
function topLevelParts(text) {
  const parts = [];
  let depth = 0, start = 0;
  for (let k = 0; k <= text.length; k++) {
    const c = text[k];
    if (c === "[") depth++;
    if (c === "]") depth--;
    if (k === text.length || (c === "," && depth === 0)) {
      parts.push(text.slice(start, k).trim());
      start = k + 1;
    }
  }
  return parts;
}

function trainEvent(ev) {
  switch (ev.event) {
    case "start":
      names = ev.names;
      dims = ev.dims;
      inputs = ev.inputs;
      state.losses = [ev.loss];
      showParams(ev.params);
      status(`epoch 0, loss ${fmt(ev.loss)} (${ev.rows} rows)`);
      break;
    case "epoch":
      state.losses.push(...ev.losses);
      showParams(ev.params);
      status(`epoch ${ev.epoch}, loss ${fmt(ev.losses[ev.losses.length - 1])}`);
      break;
    case "done":
      status(`epoch ${ev.epoch}, loss ${fmt(ev.loss)}: done` +
        (ev.why === "time" ? " (the time limit)" : "") +
        (ev.warning ? ". Note: " + ev.warning : ""));
      $("train-status").classList.toggle("warn", !!ev.warning);
      $("train-status").dataset.loss = ev.loss;
      break;
    case "error":
      showParams(ev.params || []);
      status(ev.message, true);
      if (ev.marks && ev.marks.length) showErrors(ev);
      break;
  }
  drawLosses();
}

function stop() {
  if (state.run) {
    state.run.abort();
    state.run = null;
    status(($("train-status").textContent || "") + " (stopped)");
  }
  $("train").disabled = false;
  $("stop").disabled = true;
}

function reset() {
  stop();
  state.losses = [];
  names = [];
  drawLosses();
  showParams([]);
  status("");
}

function status(text, error = false) {
  const s = $("train-status");
  s.textContent = text;
  s.classList.toggle("error", error);
  s.classList.remove("warn");
  delete s.dataset.loss;
}

function fmt(x) {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return "0";
  return Math.abs(x) >= 1e-3 && Math.abs(x) < 1e5 ? x.toPrecision(6) : x.toExponential(3);
}

function showParams(params) {
  lastParams = params;
  $("use-params").disabled = params.length === 0;
  const rows = params.map((values, k) => {
    const tr = el("tr");
    tr.append(el("td", {}, names[k] || "?"));
    tr.append(el("td", {}, values.length === 1 ? fmt(values[0]) : "[" + values.map(fmt).join(", ") + "]"));
    return tr;
  });
  document.querySelector("#params tbody").replaceChildren(...rows);
}

// The loss curve, epochs across, the loss on a log scale (it spans decades).
function drawLosses() {
  const svg = $("loss-chart");
  const W = 600, H = 220, L = 84, R = 12, T = 12, B = 28;
  const ls = state.losses.filter((l) => Number.isFinite(l) && l > 0);
  const parts = [
    el("svg:line", { x1: L, y1: H - B, x2: W - R, y2: H - B, class: "axis" }),
    el("svg:line", { x1: L, y1: T, x2: L, y2: H - B, class: "axis" }),
  ];
  if (ls.length >= 2) {
    const lo = Math.log10(Math.min(...ls)), hi = Math.log10(Math.max(...ls));
    const span = Math.max(hi - lo, 1e-9);
    const n = state.losses.length;
    const every = Math.max(1, Math.floor(n / 800));
    const points = [];
    state.losses.forEach((l, k) => {
      if (k % every !== 0 && k !== n - 1) return;
      if (!(l > 0 && Number.isFinite(l))) return;
      const x = L + (k / (n - 1)) * (W - L - R);
      const y = T + (1 - (Math.log10(l) - lo) / span) * (H - T - B);
      points.push(`${x.toFixed(1)},${y.toFixed(1)}`);
    });
    parts.push(el("svg:polyline", { points: points.join(" "), class: "curve" }));
    parts.push(el("svg:text", { x: L - 6, y: T + 10, "text-anchor": "end" }, fmt(10 ** hi)));
    parts.push(el("svg:text", { x: L - 6, y: H - B, "text-anchor": "end" }, fmt(10 ** lo)));
    parts.push(el("svg:text", { x: W - R, y: H - 8, "text-anchor": "end" }, `epoch ${n - 1}`));
  }
  parts.push(el("svg:text", { x: L + 4, y: H - 8 }, "mean loss (log scale) by epoch"));
  svg.replaceChildren(...parts);
}

// ---- Presets and wiring -------------------------------------------------------------------

function usePreset(key) {
  const p = state.presets.find((p) => p.key === key);
  if (!p) return;
  reset();
  $("network").value = p.network;
  $("with").value = p.with;
  $("at").value = "";
  $("seed-grad").value = "";
  $("start").value = p.at;
  $("data").value = p.data;
  $("loss").value = p.loss;
  $("optimizer").value = p.optimizer;
  $("rate").value = p.rate;
  $("epochs").value = p.epochs;
  $("batch").value = p.batch;
  $("train-note").textContent = p.note;
  explain();
}

// The lecture's chain, the page's first network.
const CHAIN = {
  key: "chain",
  title: "The lecture's chain y = f3(w3·f2(w2·f1(w1·x + b1)))",
  network: "y = f3(w3·f2(w2·f1(w1·x + b1)))",
  with: "f1 = sigmoid, f2 = sigmoid, f3 = sigmoid",
  values: "x = 1, w1 = 0.5, b1 = 0.1, w2 = -0.3, w3 = 0.8",
};

function useChain() {
  reset();
  $("network").value = CHAIN.network;
  $("with").value = CHAIN.with;
  $("at").value = CHAIN.values;
  $("seed-grad").value = "";
  $("train-note").textContent = "pick a data set above to train";
  explain();
}

function insertDot() {
  const t = $("network");
  const [a, b] = [t.selectionStart, t.selectionEnd];
  t.setRangeText("·", a, b, "end");
  t.focus();
  edited();
}

async function start() {
  try {
    state.presets = await (await fetch("/api/presets")).json();
  } catch (e) {
    state.presets = [];
  }
  const select = $("preset");
  select.append(el("option", { value: CHAIN.key }, CHAIN.title));
  for (const p of state.presets) select.append(el("option", { value: p.key }, p.title));
  select.addEventListener("change", () =>
    select.value === CHAIN.key ? useChain() : usePreset(select.value));
  const network = $("network");
  network.addEventListener("input", edited);
  network.addEventListener("scroll", () => { $("backdrop").scrollTop = network.scrollTop; });
  network.addEventListener("keydown", (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === ".") {
      e.preventDefault();
      insertDot();
    }
  });
  $("insert-dot").addEventListener("click", insertDot);
  $("with").addEventListener("input", edited);
  $("at").addEventListener("input", edited);
  $("seed-grad").addEventListener("input", edited);
  $("step-next").addEventListener("click", () => step(1));
  $("step-back").addEventListener("click", () => step(-1));
  $("step-reset").addEventListener("click", () => { state.step = -1; showStep(); });
  $("zoom-in").addEventListener("click", () => setZoom(zoom * 1.25));
  $("zoom-out").addEventListener("click", () => setZoom(zoom / 1.25));
  $("zoom-fit").addEventListener("click", fitZoom);
  $("train").addEventListener("click", train);
  $("stop").addEventListener("click", stop);
  $("reset").addEventListener("click", reset);
  $("use-params").addEventListener("click", useParams);
  $("copy-rust").addEventListener("click", () => {
    navigator.clipboard?.writeText($("rust-fn").textContent).then(
      () => { $("copy-rust").textContent = "Copied"; },
      () => { $("copy-rust").textContent = "Select the text to copy"; });
  });
  drawLosses();
  useChain();
}

start();
