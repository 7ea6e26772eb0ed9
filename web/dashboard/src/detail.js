// Detail panels. An incident: its place, time, band, confidence breakdown (origin groups,
// the report counted for each, prior, silence), its reports with their sources' grades and
// evidence files, and its findings. A finding: provision, verdict, probability, rationale,
// its history (reviews, replies, publication) and the actions the user's role allows:
// monitors and analysts confirm, reject or dispute; the accused party's liaison replies;
// analysts publish.
import { api } from "./api.js";
import { $, fill, h, pct, table } from "./dom.js";
import { t } from "./i18n.js";
import { bandSwatch } from "./symbols.js";

const REVIEWERS = ["admin", "monitor", "analyst"];
const PUBLISHERS = ["admin", "analyst"];

export class Detail {
  constructor(ctx) {
    this.ctx = ctx;  // {me(), sources(), findingsOf(id), onClose(), onChanged(finding)}
    this.el = $("#detail");
    this.el.addEventListener("keydown", (e) => { if (e.key === "Escape") this.close(); });
  }

  close() {
    this.el.hidden = true;
    this.el.replaceChildren();
    this.ctx.onClose();
  }

  header(title) {
    return h("div.detail-head", {},
      h("h3", { id: "detail-title" }, title),
      h("button", { type: "button", class: "close", "aria-label": t("close"), onclick: () => this.close() }, "×"));
  }

  show(...children) {
    fill(this.el, ...children);
    this.el.hidden = false;
    this.el.setAttribute("aria-labelledby", "detail-title");
    this.el.focus();
  }

  async incident(id) {
    this.show(this.header(t("incident")), h("p", {}, t("loading")));
    let inc;
    try {
      inc = await api(`/api/v1/incidents/${encodeURIComponent(id)}`);
    } catch (err) {
      this.show(this.header(t("incident")), h("p.error", {}, err.message));
      return;
    }
    const facts = [
      [t("category"), t(`cat.${inc.category}`)],
      [t("when"), `${inc.time_start} – ${inc.time_end}`],
      [t("where"), `${inc.lat.toFixed(4)}, ${inc.lon.toFixed(4)} ± ${Math.round(inc.location_uncertainty_m)} m${inc.location_blurred ? ` (${t("blurred")})` : ""}`],
      [t("band"), h("span", {}, bandSwatch(inc.band), " ", t(`band.${inc.band}`), ` (${pct(inc.confidence)})`)],
      [t("party"), inc.attributed_party ? `${inc.attributed_party} (${pct(inc.attribution_probability)})` : t("party.none")],
      [t("reports.count"), `${inc.n_reports} / ${t("origin.groups")}: ${inc.n_origin_groups}`],
    ];
    const body = [h("p.mono", {}, inc.incident_id), h("dl.facts", {}, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]))];
    body.push(this.findingsList(this.ctx.findingsOf(inc.incident_id)));
    if (inc.breakdown) body.push(breakdownView(inc.breakdown));
    if (inc.report_ids) body.push(h("section.reports", { "aria-label": t("reports") }, h("h4", {}, t("reports")), h("p", {}, t("loading"))));
    this.show(this.header(t("incident")), ...body);
    if (inc.report_ids) this.loadReports(inc.report_ids);
  }

  findingsList(findings) {
    if (!findings.length) return h("p.note", {}, t("findings.none"));
    return h("section", {}, h("h4", {}, t("findings")), h("ul.list", {}, findings.map((f) => h("li", {},
      h("button", { type: "button", class: "link finding-link", dataset: { finding: f.finding_id }, onclick: () => this.finding(f.finding_id) },
        `${f.provision_id}: ${t(`verdict.${f.verdict}`)} ${pct(f.probability)}`),
      " ", h("span.tag", {}, t(`review.${f.review_state}`))))));
  }

  async loadReports(ids) {
    const section = this.el.querySelector("section.reports");
    const sources = await this.ctx.sources();
    const shown = ids.slice(0, 25);
    const rows = await Promise.all(shown.map(async (gid) => {
      try {
        const r = await api(`/api/v1/reports/${encodeURIComponent(gid)}`);
        let files = [];
        try { files = await api(`/api/v1/reports/${encodeURIComponent(gid)}/evidence`); } catch { files = []; }
        return { gid, r, files };
      } catch (err) {
        return { gid, error: err.status === 404 ? t("report.hidden") : err.message };
      }
    }));
    if (!section.isConnected) return;
    fill(section, h("h4", {}, t("reports")), rows.map(({ gid, r, files, error }) => {
      if (error) return h("article.report", {}, h("p.mono", {}, gid), h("p.note", {}, error));
      const src = sources[r.source_id];
      return h("article.report", {},
        h("p.mono", {}, gid),
        h("p", {}, `${t("source")}: ${src ? `${src.name} (${src.kind}, ${src.affiliation})` : r.source_id}`),
        h("p", {}, `${t("grades")}: ${t("reliability")} ${src ? src.reliability : "?"}, ${t("credibility")} ${r.credibility ?? "?"}`),
        h("p", {}, `${r.observed_at} · ${t(`cat.${r.category}`)}${r.perpetrator ? ` · ${t("perpetrator")}: ${r.perpetrator}` : ""}${r.place ? ` · ${r.place}` : ""}`),
        r.text ? h("blockquote", {}, r.text) : null,
        files.length ? h("ul.hashes", { "aria-label": t("evidence") }, files.map((f) =>
          h("li", {}, `${t("evidence")}: ${f.media_type}, ${f.size} B, SHA-256 `, h("code", {}, f.sha256)))) : null);
    }), ids.length > shown.length ? h("p.note", {}, t("reports.more", { n: ids.length - shown.length })) : null);
  }

  async finding(id) {
    this.show(this.header(t("finding")), h("p", {}, t("loading")));
    let f;
    let events = [];
    try {
      f = await api(`/api/v1/findings/${encodeURIComponent(id)}`);
      const me = this.ctx.me();
      if (me && me.role !== "public") events = await api(`/api/v1/findings/${encodeURIComponent(id)}/events`);
    } catch (err) {
      this.show(this.header(t("finding")), h("p.error", {}, err.message));
      return;
    }
    const facts = [
      [t("agreement"), `${f.agreement_id} v${f.agreement_version}`],
      [t("provision"), f.provision_id],
      [t("verdict"), t(`verdict.${f.verdict}`)],
      [t("probability"), pct(f.probability)],
      [t("party"), f.attributed_party || t("party.none")],
      [t("day"), f.day || "–"],
      [t("review"), t(`review.${f.review_state}`)],
      [t("published"), f.published ? t("yes") : t("no")],
    ];
    const rationale = (f.rationale || []).map((r) => [r.factor, pct(r.probability), r.reason]);
    this.show(this.header(t("finding")),
      h("p.mono", {}, f.finding_id),
      h("dl.facts", {}, facts.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
      f.incident_id ? h("button", { type: "button", class: "link", onclick: () => this.incident(f.incident_id) }, `${t("incident")} ${f.incident_id}`) : null,
      rationale.length ? table([t("factor"), t("probability"), t("reason")], rationale, t("rationale")) : null,
      h("h4", {}, t("history")),
      events.length ? h("ol.history", {}, events.map((e) => h("li", {},
        h("strong", {}, t(`action.${e.action}`)), ` · ${e.actor} (${e.role}${e.party ? `, ${e.party}` : ""}) · ${e.at || e.created_at || ""}`,
        e.note ? h("blockquote", {}, e.note) : null))) : h("p.note", {}, t("history.none")),
      this.actions(f));
  }

  actions(f) {
    const me = this.ctx.me();
    if (!me) return null;
    const buttons = [];
    if (REVIEWERS.includes(me.role)) {
      for (const action of ["confirm", "reject", "dispute"]) buttons.push([action, "review"]);
    }
    if (me.role === "liaison" && me.party && me.party === f.attributed_party) buttons.push(["reply", "reply"]);
    if (PUBLISHERS.includes(me.role) && !f.published) buttons.push(["publish", "publish"]);
    if (!buttons.length) return null;
    const note = h("textarea", { id: "act-note", rows: 3 });
    const error = h("p.error", { role: "alert" });
    const run = async (action, endpoint) => {
      const body = endpoint === "review" ? { action, note: note.value || null } : { note: note.value || null };
      try {
        await api(`/api/v1/findings/${encodeURIComponent(f.finding_id)}/${endpoint}`, { method: "POST", body });
        this.ctx.onChanged(f.finding_id);
        await this.finding(f.finding_id);
        this.el.querySelector(".history")?.setAttribute("data-updated", action);
      } catch (err) {
        error.textContent = err.message;
      }
    };
    return h("form.actions", { onsubmit: (e) => e.preventDefault() },
      h("label", { for: "act-note" }, t("note")), note,
      h("div.row", {}, buttons.map(([action, endpoint]) => h("button", { type: "button", id: `act-${action}`, onclick: () => run(action, endpoint) }, t(`do.${action}`)))),
      error);
  }
}

function breakdownView(b) {
  const groups = (b.groups || []).map((g) => [g.origin_group, g.counted_report, pct(g.p), Number(g.log_likelihood_ratio).toFixed(3), String((g.reports || []).length)]);
  return h("section.breakdown", {},
    h("h4", {}, t("breakdown")),
    h("p", {}, `${t("prior")} ${pct(b.prior)} → ${pct(b.probability)} (${t(`band.${b.band}`)})`),
    b.rule ? h("p.note", {}, b.rule) : null,
    groups.length ? table([t("origin.group"), t("counted"), "p", "LLR", t("reports")], groups) : null,
    b.silence ? h("p.note", {}, t("silence", { expected: b.silence.expected_groups, missing: b.silence.missing, factor: b.silence.odds_factor })) : null);
}
