// The dashboard: boots the page, signs in with a token, loads incidents and findings
// through the API, and wires the map, the filters, the detail panel, the compliance view,
// the offline report form and the live updates together.
import { allPages, api, qs, setToken, token } from "./api.js";
import { Compliance } from "./compliance.js";
import { $, $$, debounce, fill, h, pct } from "./dom.js";
import { Detail } from "./detail.js";
import { dayOf, Filters } from "./filters.js";
import { apply, LOCALES, lang, onLang, setLang, t } from "./i18n.js";
import { Live } from "./live.js";
import { createMap } from "./map.js";
import * as queue from "./queue.js";
import { CATEGORIES, ReportForm } from "./reportform.js";
import { BAND, BANDS, bandSwatch, GAIN_COLOR } from "./symbols.js";

const LIST_MAX = 200;
const state = {
  me: null, incidents: new Map(), findings: new Map(), byIncident: new Map(),
  agreements: [], sources: null, visible: [], queued: 0, selected: null,
};

// -- views and status ---------------------------------------------------------------------
function showView(name) {
  for (const tab of $$(".tab")) tab.setAttribute("aria-pressed", String(tab.dataset.view === name));
  for (const view of $$(".view")) view.hidden = view.id !== `view-${name}`;
  if (name === "map") mapView.map.updateSize();
  if (name === "compliance") compliance.render();
  if (location.hash !== `#${name}`) history.replaceState(null, "", `#${name}`);
}

function showNet() {
  const on = navigator.onLine;
  const badge = $("#net");
  badge.textContent = on ? t("net.online") : t("net.offline");
  badge.className = `badge ${on ? "ok" : "warn"}`;
}

function showQueue(count) {
  state.queued = count;
  const badge = $("#queue-badge");
  badge.textContent = count ? t("q.badge", { n: count }) : t("q.badge.none");
  badge.className = `badge ${count ? "warn" : "ok"}`;
}

function showWho() {
  const me = state.me;
  $("#who").textContent = me && me.role !== "public" ? `${me.name} · ${t(`role.${me.role}`)}${me.party ? ` · ${me.party}` : ""}` : t("role.public");
  $("#login-open").hidden = Boolean(me && me.role !== "public");
  $("#logout").hidden = !(me && me.role !== "public");
}

function legend() {
  fill($("#legend"),
    h("ul", {}, BANDS.map((b) => h("li", {}, bandSwatch(b.id), ` ${b.letter} ${t(`band.${b.id}`)}`)),
      h("li", {}, h("span.key.line"), ` ${t("layer.line")}`),
      h("li", {}, h("span.key.held"), ` ${t("legend.held", { side: "RU" })}`),
      ...Object.keys(GAIN_COLOR).map((s) => h("li", {}, h(`span.key.gain-${s}`), ` ${t("legend.gained", { side: s })}`)),
      h("li", {}, h("span.key.zone"), ` ${t("layer.zones")}`)),
    h("p.note", {}, t("legend.base")));
}

// -- sign in ------------------------------------------------------------------------------
async function whoAmI() {
  try {
    state.me = await api("/api/v1/me");
  } catch (err) {
    if (err.status === 401) {
      setToken("");
      await queue.setToken("");
      state.me = await api("/api/v1/me").catch(() => ({ name: "", role: "public", party: null }));
    } else {
      state.me = { name: "", role: "public", party: null };
    }
  }
  showWho();
}

async function login(event) {
  event.preventDefault();
  const value = $("#login-token").value.trim();
  try {
    const me = await api("/api/v1/me", { tok: value });
    setToken(value);
    await queue.setToken(value);
    state.me = me;
    $("#login-dialog").close();
    $("#login-token").value = "";
    $("#login-error").textContent = "";
    showWho();
    await loadAll();
  } catch (err) {
    $("#login-error").textContent = err.status === 401 ? t("login.bad") : err.message;
  }
}

async function logout() {
  setToken("");
  await queue.setToken("");
  state.me = { name: "", role: "public", party: null };
  showWho();
  await loadAll();
}

// -- data ---------------------------------------------------------------------------------
function indexFindings() {
  state.byIncident = new Map();
  for (const f of state.findings.values()) {
    if (!f.incident_id) continue;
    if (!state.byIncident.has(f.incident_id)) state.byIncident.set(f.incident_id, []);
    state.byIncident.get(f.incident_id).push(f);
  }
}

async function loadAll() {
  $("#map-note").textContent = t("loading");
  live.start(token());
  let incidents;
  try {
    state.agreements = await api("/api/v1/agreements");
    incidents = await allPages("/api/v1/incidents", {}, (n, total) => { $("#map-note").textContent = t("loading.n", { n, total }); });
    const findings = await allPages("/api/v1/findings");
    state.incidents = new Map(incidents.map((i) => [i.incident_id, i]));
    state.findings = new Map(findings.map((f) => [f.finding_id, f]));
    indexFindings();
  } catch (err) {
    $("#map-note").textContent = t("load.failed", { message: err.message });
    return;
  }
  $("#map-note").textContent = "";
  const agreementSelect = $("#f-agreement");
  const chosen = agreementSelect.value || state.agreements[0]?.agreement_id || "";
  fill(agreementSelect, h("option", { value: "" }, t("none")), state.agreements.map((a) =>
    h("option", { value: a.agreement_id, selected: a.agreement_id === chosen }, a.title || a.agreement_id)));
  compliance.setAgreements(state.agreements, chosen);
  filters.setCategories(CATEGORIES.filter((c) => incidents.some((i) => i.category === c)));
  const starts = incidents.map((i) => dayOf(i.time_start)).sort();
  if (starts.length) filters.setDays(starts[0], starts[starts.length - 1]);
  if (["admin", "monitor", "analyst"].includes(state.me?.role)) form.setSources();
  await agreementChanged();
}

function agreementStart() {
  const a = state.agreements.find((x) => x.agreement_id === $("#f-agreement").value);
  return a ? a.effective_at.slice(0, 10) : null;
}

async function agreementChanged() {
  const id = $("#f-agreement").value;
  const provisions = [...new Set([...state.findings.values()].filter((f) => f.agreement_id === id).map((f) => f.provision_id))].sort();
  filters.setProvisions(provisions);
  const start = agreementStart();
  filters.since = start;
  if (start) filters.setDay(start);
  refresh();
  await refreshGeo();
}

// -- the map ------------------------------------------------------------------------------
function refresh() {
  const keep = filters.predicate(state.byIncident);
  state.visible = [...state.incidents.values()].filter(keep);
  mapView.setIncidents(filters.layerOn("incidents") ? state.visible : []);
  $("#f-count").textContent = t("count", { n: state.visible.length, total: state.incidents.size });
  const top = [...state.visible].sort((a, b) => (BAND[a.band]?.rank ?? 9) - (BAND[b.band]?.rank ?? 9)
    || b.confidence - a.confidence || (a.time_start < b.time_start ? 1 : a.time_start > b.time_start ? -1 : 0)).slice(0, LIST_MAX);
  fill($("#incident-list"), top.map((i) => h("li", {},
    h("button", { type: "button", class: "incident-item", dataset: { id: i.incident_id }, onclick: () => selectIncident(i.incident_id, true) },
      bandSwatch(i.band), ` ${t(`cat.${i.category}`)} · ${i.time_start.slice(0, 16).replace("T", " ")} · ${pct(i.confidence)}${i.attributed_party ? ` · ${i.attributed_party}` : ""}`))),
    state.visible.length > LIST_MAX ? h("li.note", {}, t("list.more", { n: state.visible.length - LIST_MAX })) : null);
}

async function geo(layer, path) {
  if (!filters.layerOn(layer)) {
    mapView.setGeo(layer, null);
    return;
  }
  try {
    mapView.setGeo(layer, await api(path));
  } catch {
    mapView.setGeo(layer, null);  // e.g. no control snapshots in this workspace
  }
}

async function refreshGeo() {
  const day = filters.day();
  if (!day) return;
  const start = agreementStart();
  const id = $("#f-agreement").value;
  await Promise.all([
    geo("control", `/api/v1/territory/control${qs({ date: day })}`),
    geo("line", `/api/v1/territory/contact-line${qs({ date: day })}`),
    start && start <= day ? geo("change", `/api/v1/territory/change${qs({ from: start, to: day })}`) : Promise.resolve(mapView.setGeo("change", null)),
    id ? geo("zones", `/api/v1/agreements/${encodeURIComponent(id)}/zones${qs({ date: day })}`) : Promise.resolve(mapView.setGeo("zones", null)),
  ]);
}

function selectIncident(id, center = false) {
  state.selected = id;
  mapView.select(id, { center });
  detail.incident(id);
}

function listKeys(event) {
  const items = $$(".incident-item");
  const i = items.indexOf(document.activeElement);
  if (i < 0) return;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    items[Math.min(items.length - 1, Math.max(0, i + (event.key === "ArrowDown" ? 1 : -1)))].focus();
  }
}

// -- live ---------------------------------------------------------------------------------
const liveChanged = debounce(() => refresh(), 500);
const live = new Live({
  onIncident: (inc) => {
    state.incidents.set(inc.incident_id, inc);
    const day = dayOf(inc.time_start);
    const last = filters.days[filters.days.length - 1];
    if (last && day > last) {  // a newer day: the slider grows; one kept at the end follows
      const current = filters.day();
      filters.setDays(filters.days[0], day);
      if (current !== last) filters.setDay(current);
    }
    liveChanged();
  },
  onFinding: (f) => {
    state.findings.set(f.finding_id, f);
    indexFindings();
    liveChanged();
  },
  onState: (s) => {
    const badge = $("#live");
    badge.textContent = t(`live.${s}`);
    badge.className = `badge ${s === "open" ? "ok" : "warn"}`;
  },
});

// -- boot ---------------------------------------------------------------------------------
const mapView = createMap("map", { onSelect: (id) => selectIncident(id) });
// ?at=lon,lat,zoom opens the map there (links to a place; the README's screenshot)
const at = new URLSearchParams(location.search).get("at")?.split(",").map(Number);
if (at && at.length === 3 && at.every(Number.isFinite)) mapView.goTo(at[0], at[1], at[2]);
const filters = new Filters(() => refresh(), (layer, on) => {
  mapView.setVisible(layer, on);
  if (layer === "incidents") refresh();
  else refreshGeo();
});
const geoLater = debounce(() => refreshGeo(), 400);
$("#f-day").addEventListener("change", geoLater);
$("#f-agreement").addEventListener("change", () => agreementChanged());
const detail = new Detail({
  me: () => state.me,
  sources: async () => {
    if (state.sources === null) {
      try { state.sources = Object.fromEntries((await api("/api/v1/sources")).map((s) => [s.source_id, s])); } catch { state.sources = {}; }
    }
    return state.sources;
  },
  findingsOf: (id) => state.byIncident.get(id) || [],
  onClose: () => { mapView.select(null); $(`.incident-item[data-id="${CSS.escape(state.selected || "")}"]`)?.focus(); },
  onChanged: async (findingId) => {
    try {
      const f = await api(`/api/v1/findings/${encodeURIComponent(findingId)}`);
      state.findings.set(f.finding_id, f);
      indexFindings();
    } catch { /* it stays as it was */ }
  },
});
const compliance = new Compliance({ findings: () => [...state.findings.values()] });
const form = new ReportForm({ onQueue: showQueue });

fill($("#lang"), Object.entries(LOCALES).map(([code, l]) => h("option", { value: code, selected: code === lang() }, l.name)));
$("#lang").addEventListener("change", (e) => setLang(e.target.value));
onLang(() => { filters.render(); form.labels(); legend(); showNet(); showWho(); showQueue(state.queued); mapView.relabel(); refresh(); });
for (const tab of $$(".tab")) tab.addEventListener("click", () => showView(tab.dataset.view));
$("#login-open").addEventListener("click", () => $("#login-dialog").showModal());
$("#login-cancel").addEventListener("click", () => $("#login-dialog").close());
$("#login-form").addEventListener("submit", login);
$("#logout").addEventListener("click", logout);
$("#incident-list").addEventListener("keydown", listKeys);
document.addEventListener("keydown", (e) => {
  if (e.key === "Escape" && !$("#detail").hidden && !$("#login-dialog").open) detail.close();
});
window.addEventListener("online", () => { showNet(); form.sync(); });
window.addEventListener("offline", showNet);
setInterval(() => { if (navigator.onLine && state.queued) form.sync(); }, 30000);

const now = new Date(Date.now() - new Date().getTimezoneOffset() * 60000);
$("#r-when").value = now.toISOString().slice(0, 16);

apply();
legend();
showNet();
showView(["map", "compliance", "report"].includes(location.hash.slice(1)) ? location.hash.slice(1) : "map");
if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {});
await whoAmI();
await form.refresh();
if (navigator.onLine) {
  await loadAll();
  form.sync();
} else {
  $("#map-note").textContent = t("offline.note");
}
document.body.dataset.ready = "true";
