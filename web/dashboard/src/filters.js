// The map's filters: a time slider (a day, with "up to", "7 days to" or "only" that day),
// confidence bands, attributed party, categories and provisions, and the layer switches.
// All filtering is done in the page over the incidents already loaded, so moving the slider
// over thousands of points needs no request.
import { $, h } from "./dom.js";
import { t } from "./i18n.js";
import { bandSwatch, BANDS, PARTIES } from "./symbols.js";

export const LAYERS = ["incidents", "control", "line", "change", "zones"];
const DAY_MS = 86400000;

export function dayOf(iso) {
  return iso.slice(0, 10);
}

export function daysBetween(first, last) {
  const out = [];
  for (let d = Date.parse(`${first}T00:00:00Z`); d <= Date.parse(`${last}T00:00:00Z`); d += DAY_MS) {
    out.push(new Date(d).toISOString().slice(0, 10));
  }
  return out;
}

export class Filters {
  constructor(onChange, onLayer) {
    this.onChange = onChange;
    this.onLayer = onLayer;
    this.days = [];
    this.since = null;  // the first day of the chosen agreement (main.js sets it)
    this.slider = $("#f-day");
    this.span = $("#f-span");
    this.category = $("#f-category");
    this.provision = $("#f-provision");
    this.slider.addEventListener("input", () => { this.showDay(); this.onChange("time"); });
    this.span.addEventListener("change", () => this.onChange("time"));
    this.category.addEventListener("change", () => this.onChange("category"));
    this.provision.addEventListener("change", () => this.onChange("provision"));
    this.render();
  }

  /** (Re)build the labelled parts of the form, keeping what is ticked. */
  render() {
    const ticked = (id, value) => { const box = $(`#${id}-${value}`); return box ? box.checked : true; };
    const group = (fieldset, prefix, values, label, extra = () => null) => {
      const legend = fieldset.querySelector("legend");
      const boxes = values.map((v) => h("label.check", {},
        h("input", { type: "checkbox", id: `${prefix}-${v}`, value: v, checked: ticked(prefix, v),
                     onchange: () => (prefix === "layer" ? this.onLayer(v, $(`#layer-${v}`).checked) : this.onChange(prefix)) }),
        extra(v), " ", label(v)));
      fieldset.replaceChildren(legend, ...boxes);
    };
    group($("#f-band"), "band", BANDS.map((b) => b.id), (b) => t(`band.${b}`), (b) => bandSwatch(b));
    group($("#f-party"), "party", PARTIES, (p) => (p === "none" ? t("party.none") : p));
    group($("#f-layers"), "layer", LAYERS, (l) => t(`layer.${l}`));
    this.showDay();
  }

  setCategories(categories) {
    const chosen = new Set([...this.category.selectedOptions].map((o) => o.value));
    this.category.replaceChildren(...categories.map((c) => h("option", { value: c, selected: chosen.has(c) }, t(`cat.${c}`))));
  }

  setProvisions(provisions) {
    const before = this.provision.value;
    this.provision.replaceChildren(h("option", { value: "" }, t("all")),
      ...provisions.map((p) => h("option", { value: p, selected: p === before }, p)));
  }

  setDays(first, last) {
    this.days = daysBetween(first, last);
    this.slider.max = String(Math.max(0, this.days.length - 1));
    this.slider.value = this.slider.max;
    this.showDay();
  }

  setDay(day) {
    const i = this.days.indexOf(day);
    if (i >= 0) this.slider.value = String(i);
    this.showDay();
  }

  day() {
    return this.days[Number(this.slider.value)] || null;
  }

  showDay() {
    const day = this.day();
    $("#f-day-label").textContent = day || "–";
    this.slider.setAttribute("aria-valuetext", day || "");
    this.slider.setAttribute("aria-label", t("time.slider"));
  }

  layerOn(name) {
    const box = $(`#layer-${name}`);
    return box ? box.checked : true;
  }

  /** A predicate over incidents for the current choices. */
  predicate(findingsByIncident) {
    const bands = new Set(BANDS.map((b) => b.id).filter((b) => $(`#band-${b}`).checked));
    const parties = new Set(PARTIES.filter((p) => $(`#party-${p}`).checked));
    const categories = new Set([...this.category.selectedOptions].map((o) => o.value));
    const provision = this.provision.value;
    const day = this.day();
    const span = this.span.value;
    const from = !day ? null : span === "day" ? day : span === "agreement" ? this.since
      : span === "week" ? new Date(Date.parse(`${day}T00:00:00Z`) - 6 * DAY_MS).toISOString().slice(0, 10) : null;
    return (i) => {
      if (!bands.has(i.band)) return false;
      if (!parties.has(i.attributed_party || "none")) return false;
      if (categories.size && !categories.has(i.category)) return false;
      if (day) {
        const start = dayOf(i.time_start);
        if (start > day) return false;
        if (from && dayOf(i.time_end) < from) return false;
      }
      if (provision) {
        const found = findingsByIncident.get(i.incident_id) || [];
        if (!found.some((f) => f.provision_id === provision)) return false;
      }
      return true;
    };
  }
}
