// The emulator's inbox: a client of the JSON API under /_inbox/api (see smsgate.emulator._inbox).
// Plain JavaScript module, no dependencies. Every value from the API is inserted as text, never as HTML.

const api = (path, init = {}) =>
  fetch(`/_inbox/api${path}`, { cache: "no-store", ...init }).then(async (r) => {
    const body = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(body.error || `HTTP ${r.status}`);
    return body;
  });
const send = (method, path, payload) =>
  api(path, { method, headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload ?? {}) });
const $ = (sel, root = document) => root.querySelector(sel);
const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
};

const state = { view: "messages", selected: null, faults: null };

// -- views ---------------------------------------------------------------------------------------------
for (const tab of document.querySelectorAll(".tab")) {
  tab.addEventListener("click", () => show(tab.dataset.view));
}
function show(view) {
  state.view = view;
  for (const tab of document.querySelectorAll(".tab")) tab.setAttribute("aria-pressed", String(tab.dataset.view === view));
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== `view-${view}`;
  refresh();
}

// -- messages ------------------------------------------------------------------------------------------
const filters = $("#filters");
let timer;
filters.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(loadMessages, 150); });
filters.addEventListener("submit", (e) => { e.preventDefault(); loadMessages(); });

function when(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}
function encodingText(m) {
  const parts = m.parts === 1 ? "1 part" : `${m.parts} parts`;
  return `${m.encoding}, ${parts} of ${m.per_part}`;
}

async function loadMessages() {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData(filters)) if (v) params.set(k, v);
  const data = await api(`/messages?${params}`);
  const list = $("#messages");
  const rows = data.messages.map((m) => {
    const row = $("#row").content.firstElementChild.cloneNode(true);
    row.dataset.key = m.key;
    row.dataset.provider = m.provider;
    $(".provider", row).textContent = m.provider;
    $(".account", row).textContent = m.account;
    const t = $("time", row); t.dateTime = m.created_at; t.textContent = when(m.created_at);
    $(".sender", row).textContent = m.sender || "(no sender)";
    $(".recipient", row).textContent = m.recipient_display;
    $(".bubble", row).textContent = m.text;
    $(".enc", row).textContent = encodingText(m);
    $(".cost", row).textContent = m.cost == null ? "free" : `${m.cost} ${m.currency}`;
    const badge = $(".badge", row); badge.textContent = m.state; badge.classList.add(`state-${m.state}`);
    const button = $(".open", row);
    button.setAttribute("aria-label", `${m.provider} message to ${m.recipient_display}: ${m.text} (${m.state})`);
    if (m.key === state.selected) button.setAttribute("aria-current", "true");
    button.addEventListener("click", () => openMessage(m.key));
    return row;
  });
  list.replaceChildren(...rows);
  $("#count").textContent = data.total === 0 ? "No messages yet: send one through the SDK." :
    `${data.total} message${data.total === 1 ? "" : "s"}${data.total > data.messages.length ? `, newest ${data.messages.length} shown` : ""}`;
  if (state.selected) openMessage(state.selected, false);
}

async function openMessage(key, focus = true) {
  state.selected = key;
  for (const b of document.querySelectorAll(".msg .open")) {
    if (b.closest(".msg").dataset.key === key) b.setAttribute("aria-current", "true"); else b.removeAttribute("aria-current");
  }
  let m;
  try { m = await api(`/messages/${encodeURIComponent(key)}`); } catch { return; }
  const detail = $("#detail");
  const facts = [
    ["Provider", m.provider], ["Account", m.account], ["Message id", m.id], ["Sender", m.sender || "(none)"],
    ["Recipient", `${m.recipient_display} (${m.recipient})`], ["Encoding", encodingText(m)],
    ["Cost", m.cost == null ? "free" : `${m.cost} ${m.currency}`], ["Status", `${m.status} (${m.state})`],
    ["Received", when(m.created_at)],
  ];
  const dl = el("dl");
  for (const [k, v] of facts) dl.append(el("dt", { text: k }), el("dd", { text: String(v) }));
  const timeline = el("ol", { class: "timeline", "aria-label": "Status timeline" });
  for (const t of m.timeline) timeline.append(el("li", { text: `${when(t.at)} — ${t.status} (${t.state})` }));
  const parts = [el("h3", { id: "detail-title", tabindex: "-1", text: "Message" }), el("p", { class: "bubble", text: m.text }), dl,
    el("h4", { text: "Status timeline" }), timeline];
  if (m.exchange) {
    const rq = m.exchange.request, rp = m.exchange.reply;
    const headers = Object.entries(rq.headers).map(([k, v]) => `${k}: ${v}`).join("\n");
    parts.push(el("h4", { text: "Raw request" }), el("pre", { class: "raw-request", text: `${rq.method} ${rq.target}\n${headers}\n\n${rq.body}` }),
      el("h4", { text: "Raw reply" }), el("pre", { class: "raw-reply", text: `HTTP ${rp.status ?? "(no reply)"}${rp.fault ? ` — fault: ${rp.fault}` : ""}\n\n${rp.body}` }));
  }
  const close = el("button", { type: "button", class: "close", text: "Close" });
  close.addEventListener("click", () => { state.selected = null; detail.hidden = true; loadMessages(); });
  parts.push(close);
  detail.replaceChildren(...parts);
  detail.hidden = false;
  if (focus) $("#detail-title").focus();
}

// -- accounts ------------------------------------------------------------------------------------------
function cell(value) {
  if (Array.isArray(value)) return value.map((v) => (typeof v === "object" ? JSON.stringify(v) : String(v))).join(", ");
  if (value && typeof value === "object") return JSON.stringify(value);
  return value == null ? "" : String(value);
}
function table(rows) {
  if (!rows || rows.length === 0) return el("p", { text: "none" });
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const t = el("table");
  t.append(el("thead", {}, el("tr", {}, ...keys.map((k) => el("th", { scope: "col", text: k })))));
  const body = el("tbody");
  for (const r of rows) body.append(el("tr", {}, ...keys.map((k) => el("td", { text: cell(r[k]) }))));
  t.append(body);
  return t;
}
async function loadAccounts() {
  const data = await api("/providers");
  const grid = el("div", { class: "accounts" });
  for (const [name, snapshot] of Object.entries(data)) {
    const card = el("article", { "aria-labelledby": `acc-${name}` }, el("h3", { id: `acc-${name}`, text: name }));
    card.append(el("h4", { text: "Accounts" }), table(snapshot.accounts));
    if (snapshot.contact_lists) card.append(el("h4", { text: "Contact lists" }), table(snapshot.contact_lists));
    grid.append(card);
  }
  $("#accounts").replaceChildren(grid);
}

// -- faults, clock, reset ------------------------------------------------------------------------------
const PARAM_INPUTS = {
  delay: ["number", "5"], status: ["number", "503"], retry_after: ["text", ""], body: ["text", ""],
  content_type: ["text", ""], length: ["number", ""], declare_full_length: ["checkbox"], code: ["text", ""],
  before_handler: ["checkbox"],
};
function renderParams() {
  const kind = $("#fault-kind").value;
  const box = $("#fault-params");
  const inputs = (state.faults?.kinds[kind] ?? []).map((p) => {
    const [type, value] = PARAM_INPUTS[p] ?? ["text", ""];
    const input = el("input", { name: p, type });
    if (type !== "checkbox") input.value = value; else input.checked = p === "before_handler" ? kind !== "timeout" && kind !== "truncate" : false;
    return el("label", { text: p.replaceAll("_", " ") + " " }, input);
  });
  box.replaceChildren(...inputs);
}
async function loadFaults() {
  const data = await api("/faults");
  const first = state.faults === null;
  state.faults = data;
  if (first) {
    $("#fault-provider").replaceChildren(...data.providers.map((p) => el("option", { value: p, text: p })));
    $("#fault-kind").replaceChildren(...Object.keys(data.kinds).map((k) => el("option", { value: k, text: k })));
    renderParams();
  }
  $("#queued").replaceChildren(...(data.queued.length ? data.queued.map((f) =>
    el("li", { text: `${f.provider}: ${f.kind} × ${f.remaining}${f.kind === "timeout" ? ` (${f.delay} s)` : ""}${f.kind === "status" ? ` (HTTP ${f.status})` : ""}` }))
    : [el("li", { text: "none" })]));
}
$("#fault-kind").addEventListener("change", renderParams);
$("#fault-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = new FormData(e.target);
  const payload = { provider: form.get("provider"), kind: form.get("kind"), count: Number(form.get("count") || 1) };
  for (const input of $("#fault-params").querySelectorAll("input")) {
    if (input.type === "checkbox") payload[input.name] = input.checked;
    else if (input.value !== "") payload[input.name] = input.type === "number" ? Number(input.value) : input.value;
  }
  if (payload.kind === "malformed" && payload.body === undefined) payload.body = "<html>oops</html>";
  try {
    await send("POST", "/faults", payload);
    $("#fault-result").textContent = `Queued: ${payload.kind} for the next ${payload.count} ${payload.provider} request(s).`;
  } catch (err) { $("#fault-result").textContent = `Refused: ${err.message}`; }
  loadFaults();
});
$("#clear-faults").addEventListener("click", async () => { await send("DELETE", "/faults"); loadFaults(); });
$("#clock-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const seconds = Number(new FormData(e.target).get("seconds") || 0);
  const r = await send("POST", "/clock/advance", { seconds });
  $("#clock").textContent = `Emulated time is now ${when(r.now)}.`;
});
$("#reset").addEventListener("click", async () => {
  if (!window.confirm("Reset the emulator to its seed state? Messages, balances and faults are dropped.")) return;
  await send("POST", "/reset");
  state.selected = null; $("#detail").hidden = true;
  $("#fault-result").textContent = "The emulator was reset.";
  refresh();
});

// -- live ----------------------------------------------------------------------------------------------
function refresh() {
  if (state.view === "messages") loadMessages();
  else if (state.view === "accounts") loadAccounts();
  else loadFaults();
}
function connect() {
  const live = $("#live");
  const events = new EventSource("/_inbox/api/events");
  events.addEventListener("open", () => { live.textContent = "live"; live.className = "live on"; });
  events.addEventListener("change", refresh);
  events.addEventListener("error", () => { live.textContent = "reconnecting…"; live.className = "live off"; });
}
connect();
refresh();
