// The compliance view of one agreement: violations by party × day (findings whose verdict is
// violation, likely or possible), a chart of the same, commitments, the territory that
// changed hands over the agreement's window, and claims checked against the evidence.
import { api, qs } from "./api.js";
import { $, fill, h, svg, table } from "./dom.js";
import { number, t } from "./i18n.js";

export const COUNTED = ["violation", "likely", "possible"];
const PARTY_COLOR = { RU: "#D55E00", UA: "#0072B2", US: "#009E73", none: "#777777" };

export class Compliance {
  constructor(ctx) {
    this.ctx = ctx;  // {agreements(), findings(), snapshots()}
    $("#c-agreement").addEventListener("change", () => this.render());
    $("#c-claims-check").addEventListener("click", () => this.checkClaims());
  }

  setAgreements(list, chosen) {
    fill($("#c-agreement"), list.map((a) => h("option", { value: a.agreement_id, selected: a.agreement_id === chosen }, a.title || a.agreement_id)));
  }

  async render() {
    const id = $("#c-agreement").value;
    if (!id) return;
    const findings = this.ctx.findings().filter((f) => f.agreement_id === id);
    const counted = findings.filter((f) => f.day && COUNTED.includes(f.verdict));
    const days = [...new Set(counted.map((f) => f.day))].sort();
    const parties = [...new Set(counted.map((f) => f.attributed_party || "none"))].sort();
    const cell = new Map();
    for (const f of counted) {
      const key = `${f.attributed_party || "none"}|${f.day}`;
      cell.set(key, (cell.get(key) || 0) + 1);
    }
    const rows = parties.map((p) => [p === "none" ? t("party.none") : p, ...days.map((d) => String(cell.get(`${p}|${d}`) || 0)),
                                     String(days.reduce((s, d) => s + (cell.get(`${p}|${d}`) || 0), 0))]);
    fill($("#c-table"), days.length ? table([t("party"), ...days, t("total")], rows, t("c.caption", { n: counted.length }))
                                    : h("p.note", {}, t("c.none")));
    fill($("#c-chart"), days.length ? chart(days, parties, cell) : null);
    const commitments = findings.filter((f) => !f.day);
    if (commitments.length) {
      $("#c-table").append(table([t("provision"), t("party"), t("verdict")],
        commitments.map((f) => [f.provision_id, f.attributed_party || "–", t(`verdict.${f.verdict}`)]), t("commitments")));
    }
    await this.territory(id);
  }

  async territory(id) {
    const target = $("#c-territory");
    fill(target, h("p", {}, t("loading")));
    try {
      const agreement = await api(`/api/v1/agreements/${encodeURIComponent(id)}`);
      const window = agreement.document.window || {};
      const from = (window.start || agreement.effective_at || "").slice(0, 10);
      const end = window.end ? window.end.slice(0, 10) : null;
      $("#c-window").textContent = t("c.window", { from, to: end || t("open") });
      const change = await api(`/api/v1/territory/change${qs({ from, to: end || undefined })}`);
      fill(target, table([t("side"), t("gained"), t("lost"), t("net")],
        Object.entries(change.sides).map(([side, s]) => [side, `${number(s.gained_km2, 1)} km²`, `${number(s.lost_km2, 1)} km²`,
                                                        `${number(s.gained_km2 - s.lost_km2, 1)} km²`]),
        t("c.territory.caption", { from: change.from, to: change.to, source: change.source })),
        ...(change.notes || []).map((n) => h("p.note", {}, n)));
    } catch (err) {
      fill(target, h("p.note", {}, err.message));
    }
  }

  async checkClaims() {
    const file = $("#c-claims-file").files[0];
    const target = $("#c-claims");
    if (!file) {
      fill(target, h("p.error", { role: "alert" }, t("c.claims.nofile")));
      return;
    }
    fill(target, h("p", {}, t("loading")));
    try {
      const verdicts = await api("/api/v1/claims/check", { method: "POST", body: { document: await file.text() } });
      fill(target, table([t("claim"), t("verdict"), t("measured"), t("reason")],
        verdicts.map((v) => [v.claim_id, v.verdict, v.measured === null || v.measured === undefined ? "–" : String(v.measured), v.reason || ""])));
    } catch (err) {
      fill(target, h("p.error", { role: "alert" }, err.message));
    }
  }
}

/** Bars per day, one per party side by side; parties differ by colour and by pattern. */
function chart(days, parties, cell) {
  const width = Math.max(320, days.length * (parties.length * 6 + 4) + 60);
  const height = 180;
  const max = Math.max(1, ...cell.values());
  const plotH = height - 40;
  const bw = 6;
  const defs = svg("defs", {}, parties.map((p, i) => svg("pattern", { id: `pat-${p}`, width: 4, height: 4, patternUnits: "userSpaceOnUse", patternTransform: `rotate(${i * 45})` },
    svg("rect", { width: 4, height: 4, fill: PARTY_COLOR[p] || "#777" }),
    i % 2 ? svg("line", { x1: 0, y1: 0, x2: 0, y2: 4, stroke: "#fff", "stroke-width": 1.5 }) : null)));
  const bars = [];
  days.forEach((d, di) => {
    parties.forEach((p, pi) => {
      const n = cell.get(`${p}|${d}`) || 0;
      if (!n) return;
      const barH = (n / max) * plotH;
      const x = 40 + di * (parties.length * bw + 4) + pi * bw;
      bars.push(svg("rect", { x, y: 10 + plotH - barH, width: bw - 1, height: barH, fill: `url(#pat-${p})` }, svg("title", {}, `${p} ${d}: ${n}`)));
    });
  });
  const labels = [days[0], days[days.length - 1]].map((d, i) => svg("text", { x: i ? width - 20 : 40, y: height - 12, "text-anchor": i ? "end" : "start", "font-size": 11 }, d));
  const legend = parties.map((p, i) => svg("g", {}, svg("rect", { x: 40 + i * 70, y: height - 8, width: 10, height: 8, fill: `url(#pat-${p})` }),
    svg("text", { x: 54 + i * 70, y: height, "font-size": 11 }, p === "none" ? t("party.none") : p)));
  return svg("svg", { width, height: height + 4, role: "img", "aria-label": t("c.chart.label", { max }) }, defs,
    svg("line", { x1: 38, y1: 10, x2: 38, y2: 10 + plotH, stroke: "#333" }),
    svg("text", { x: 34, y: 18, "text-anchor": "end", "font-size": 11 }, String(max)),
    svg("text", { x: 34, y: 10 + plotH, "text-anchor": "end", "font-size": 11 }, "0"),
    bars, labels, legend);
}
