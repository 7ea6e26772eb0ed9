// How things are drawn. Confidence bands use the Okabe–Ito palette, which stays
// distinguishable with the common colour-vision deficiencies, and each band also has its own
// shape and letter, so colour is never the only cue (the legend shows all three).
import { Circle, Fill, RegularShape, Stroke, Style, Text } from "ol/style.js";

export const BANDS = [
  { id: "confirmed", color: "#D55E00", shape: "square", letter: "C" },
  { id: "high", color: "#E69F00", shape: "triangle", letter: "H" },
  { id: "moderate", color: "#0072B2", shape: "circle", letter: "M" },
  { id: "possible", color: "#CC79A7", shape: "diamond", letter: "P" },
];
export const BAND = Object.fromEntries(BANDS.map((b, i) => [b.id, { ...b, rank: i }]));
export const PARTIES = ["UA", "RU", "none"];
export const SIDE_FILL = { RU: "rgba(40, 40, 40, 0.14)", UA: "rgba(0, 0, 0, 0)" };
export const GAIN_COLOR = { RU: "#882255", UA: "#117733" };

const outline = new Stroke({ color: "#1a1a1a", width: 1.2 });
const cache = new Map();

function shapeImage(band, radius) {
  const fill = new Fill({ color: band.color });
  switch (band.shape) {
    case "square":
      return new RegularShape({ fill, stroke: outline, points: 4, radius: radius * 1.2, angle: Math.PI / 4 });
    case "triangle":
      return new RegularShape({ fill, stroke: outline, points: 3, radius: radius * 1.3 });
    case "diamond":
      return new RegularShape({ fill, stroke: outline, points: 4, radius: radius * 1.3 });
    default:
      return new Circle({ fill, stroke: outline, radius });
  }
}

/** The style of a single incident: its band's colour and shape, with the band letter. */
export function incidentStyle(bandId, { selected = false, labelled = false } = {}) {
  const key = `${bandId}|${selected}|${labelled}`;
  if (!cache.has(key)) {
    const band = BAND[bandId] || BAND.possible;
    const styles = [new Style({ image: shapeImage(band, selected ? 9 : 6) })];
    if (labelled || selected) {
      styles.push(new Style({ text: new Text({
        text: band.letter, offsetX: 11, offsetY: -9, font: "bold 11px sans-serif",
        fill: new Fill({ color: "#111" }), stroke: new Stroke({ color: "#fff", width: 3 }) }) }));
    }
    if (selected) {
      styles.unshift(new Style({ image: new Circle({ radius: 14, stroke: new Stroke({ color: "#000", width: 3 }) }) }));
    }
    cache.set(key, styles);
  }
  return cache.get(key);
}

/** A cluster: a circle sized by the count, in the colour and letter of its strongest band. */
export function clusterStyle(count, bandId) {
  const band = BAND[bandId] || BAND.possible;
  const step = count < 10 ? 0 : count < 100 ? 1 : count < 1000 ? 2 : 3;
  const key = `cluster|${band.id}|${step}|${count}`;
  if (!cache.has(key)) {
    cache.set(key, new Style({
      image: new Circle({ radius: 11 + step * 4, fill: new Fill({ color: band.color }),
                          stroke: new Stroke({ color: "#fff", width: 2 }) }),
      text: new Text({ text: `${count} ${band.letter}`, font: "bold 11px sans-serif",
                       fill: new Fill({ color: "#fff" }), stroke: new Stroke({ color: "#000", width: 3 }) }),
    }));
    if (cache.size > 5000) cache.clear();
  }
  return cache.get(key);
}

/** A small SVG swatch of a band (legend, filters, lists). */
export function bandSwatch(bandId, size = 14) {
  const band = BAND[bandId] || BAND.possible;
  const ns = "http://www.w3.org/2000/svg";
  const el = document.createElementNS(ns, "svg");
  el.setAttribute("width", size);
  el.setAttribute("height", size);
  el.setAttribute("viewBox", "0 0 14 14");
  el.setAttribute("aria-hidden", "true");
  el.setAttribute("class", "swatch");
  let shape;
  if (band.shape === "circle") {
    shape = document.createElementNS(ns, "circle");
    shape.setAttribute("cx", 7); shape.setAttribute("cy", 7); shape.setAttribute("r", 5.5);
  } else {
    shape = document.createElementNS(ns, "polygon");
    const points = { square: "2,2 12,2 12,12 2,12", triangle: "7,1 13,12 1,12", diamond: "7,1 13,7 7,13 1,7" };
    shape.setAttribute("points", points[band.shape]);
  }
  shape.setAttribute("fill", band.color);
  shape.setAttribute("stroke", "#1a1a1a");
  el.append(shape);
  return el;
}
