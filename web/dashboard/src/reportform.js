// The field report form. Works with no connection: a saved report goes into the device's
// queue (queue.js) with its photos, each hashed (SHA-256, WebCrypto) the moment it is picked,
// and is sent when the connection returns. The form keeps no state the queue does not.
import { api, token } from "./api.js";
import { $, fill, h } from "./dom.js";
import { t } from "./i18n.js";
import * as queue from "./queue.js";

export const CATEGORIES = ["explosion", "shelling", "mlrs", "airstrike", "missile_strike", "drone_strike",
  "small_arms_fire", "ground_assault", "territorial_advance", "weapons_sighting",
  "movement_restriction", "civilian_harm", "infrastructure_damage", "other"];
const WEAPONS = ["", "small_arms", "mortar", "artillery", "mlrs", "tank", "drone", "missile", "aircraft", "other"];
const PARTIES = ["", "RU", "UA", "unknown"];

/** "2025-04-20T10:15" from a datetime-local input → ISO with this device's UTC offset. */
export function withOffset(local) {
  const when = new Date(local);
  const minutes = -when.getTimezoneOffset();
  const sign = minutes >= 0 ? "+" : "-";
  const abs = Math.abs(minutes);
  const seconds = local.length === 16 ? ":00" : "";
  return `${local}${seconds}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

function reportId() {
  const day = new Date().toISOString().slice(0, 10).replaceAll("-", "");
  const rand = [...crypto.getRandomValues(new Uint8Array(5))].map((b) => b.toString(16).padStart(2, "0")).join("");
  return `m-${day}-${rand}`;
}

export class ReportForm {
  constructor(ctx) {
    this.ctx = ctx;  // {me(), online(), onQueue(count)}
    this.photos = [];
    this.form = $("#report-form");
    this.form.addEventListener("submit", (e) => { e.preventDefault(); this.save(); });
    $("#r-sync").addEventListener("click", () => this.sync());
    $("#r-photos").addEventListener("change", (e) => this.hashPhotos(e.target.files));
    queue.onChange(() => this.refresh());
    this.labels();
  }

  labels() {
    const keep = (sel) => sel.value;
    const category = $("#r-category");
    const chosen = keep(category);
    fill(category, CATEGORIES.map((c) => h("option", { value: c, selected: c === chosen }, t(`cat.${c}`))));
    fill($("#r-perpetrator"), PARTIES.map((p) => h("option", { value: p }, p ? (p === "unknown" ? t("party.unknown") : p) : "–")));
    fill($("#r-weapon"), WEAPONS.map((w) => h("option", { value: w }, w ? t(`weapon.${w}`) : "–")));
    this.refresh();
  }

  async setSources() {
    try {
      const sources = await api("/api/v1/sources");
      fill($("#r-sources"), sources.map((s) => h("option", { value: s.source_id }, s.name)));
      if (!$("#r-source").value && sources.length === 1) $("#r-source").value = sources[0].source_id;
    } catch {
      // liaisons may not list sources: they type their own source id
    }
  }

  async hashPhotos(files) {
    this.photos = [];
    const list = $("#r-photo-list");
    fill(list);
    for (const file of files) {
      const digest = await queue.sha256(file);
      this.photos.push({ name: file.name, type: file.type, size: file.size, sha256: digest, blob: file });
      list.append(h("li", {}, `${file.name} (${file.size} B) SHA-256 `, h("code", { class: "sha" }, digest)));
    }
  }

  read() {
    const f = new FormData(this.form);
    const num = (name) => (f.get(name) === "" || f.get(name) === null ? null : Number(f.get(name)));
    const problems = [];
    const source = String(f.get("source_id") || "").trim();
    if (!source) problems.push(t("r.need.source"));
    const when = String(f.get("observed_at") || "");
    if (!when) problems.push(t("r.need.when"));
    const lat = num("lat");
    const lon = num("lon");
    if (lat === null || lon === null || Number.isNaN(lat) || Number.isNaN(lon)) problems.push(t("r.need.place"));
    if (problems.length) return { problems };
    const report = {
      report_id: reportId(), source_id: source, observed_at: withOffset(when), lat, lon,
      location_uncertainty_m: num("location_uncertainty_m"), category: f.get("category"),
      perpetrator: f.get("perpetrator") || null, weapon_class: f.get("weapon_class") || null,
      credibility: num("credibility"), text: String(f.get("text") || "") || null, sensitive: f.get("sensitive") === "on",
    };
    return { report };
  }

  async save() {
    const { report, problems } = this.read();
    const error = $("#r-error");
    if (problems) {
      error.textContent = problems.join(" ");
      return;
    }
    error.textContent = "";
    await queue.enqueue(report, this.photos);
    const source = report.source_id;
    this.form.reset();
    $("#r-source").value = source;
    this.photos = [];
    fill($("#r-photo-list"));
    await this.refresh();
    if (navigator.serviceWorker?.ready) {
      navigator.serviceWorker.ready.then((reg) => reg.sync?.register("ceasefire-reports")).catch(() => {});
    }
    if (navigator.onLine) this.sync();
  }

  async sync() {
    if (!navigator.onLine) return;
    try {
      await queue.sync(token());
    } catch {
      // a failed pass leaves everything queued; the next pass retries
    }
    await this.refresh();
  }

  async refresh() {
    const waiting = await queue.list("queue");
    const sent = await queue.list("sent");
    fill($("#r-queue"), waiting.length ? waiting.map((item) => h("li", { class: `queued ${item.state}`, dataset: { key: item.key } },
      `${item.report.report_id} · ${item.report.category} · ${item.report.observed_at}`,
      item.photos.length ? ` · ${t("r.photos.n", { n: item.photos.length })}` : "",
      " · ", h("span.tag", {}, t(`q.${item.state}`)),
      item.error ? h("span.error", {}, ` ${item.error}`) : null,
      item.state === "rejected" ? h("button", { type: "button", onclick: () => queue.remove(item.key) }, t("delete")) : null))
      : [h("li.note", {}, t("q.empty"))]);
    fill($("#r-sent"), sent.slice(-20).reverse().map((s) => h("li", { class: "sent", dataset: { id: s.id } },
      `${s.id} · ${t(`q.sent.${s.status}`)}${s.replayed ? ` (${t("q.replayed")})` : ""} · ${s.sentAt}`,
      s.photos.length ? ` · ${s.photos.map((p) => p.sha256.slice(0, 12)).join(", ")}` : "")));
    this.ctx.onQueue(waiting.length);
  }
}
