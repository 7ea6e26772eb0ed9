// The map: bundled boundaries as the base map (no tile server, nothing from another host),
// control areas, the change since the truce began, the contact line, the agreement's zones,
// and the incidents, clustered so that tens of thousands of points stay responsive.
import Feature from "ol/Feature.js";
import Map from "ol/Map.js";
import View from "ol/View.js";
import { defaults as defaultControls, ScaleLine } from "ol/control.js";
import { boundingExtent } from "ol/extent.js";
import GeoJSON from "ol/format/GeoJSON.js";
import Point from "ol/geom/Point.js";
import VectorLayer from "ol/layer/Vector.js";
import { fromLonLat, transformExtent } from "ol/proj.js";
import Cluster from "ol/source/Cluster.js";
import VectorSource from "ol/source/Vector.js";
import { Fill, Stroke, Style, Text } from "ol/style.js";

import { lang } from "./i18n.js";
import { BAND, clusterStyle, GAIN_COLOR, incidentStyle, SIDE_FILL } from "./symbols.js";

const UKRAINE = transformExtent([22.0, 44.2, 40.3, 52.5], "EPSG:4326", "EPSG:3857");
const geojson = new GeoJSON({ featureProjection: "EPSG:3857" });

function vector(style, zIndex) {
  return new VectorLayer({ source: new VectorSource(), style, zIndex, updateWhileInteracting: false });
}

export function createMap(target, { onSelect }) {
  const base = new VectorLayer({
    source: new VectorSource({ url: "/basemap.geojson", format: geojson }),
    zIndex: 0,
    style: (feature, resolution) => {
      const styles = [new Style({ fill: new Fill({ color: "#f4f1ea" }), stroke: new Stroke({ color: "#8a8a8a", width: 1 }) })];
      if (resolution < 2500) {
        styles.push(new Style({ text: new Text({
          text: feature.get(lang() === "uk" ? "name_uk" : "name_en") || "", font: "12px sans-serif",
          fill: new Fill({ color: "#555" }), stroke: new Stroke({ color: "#f4f1ea", width: 3 }), overflow: false }) }));
      }
      return styles;
    },
  });
  const control = vector((f) => new Style({ fill: new Fill({ color: SIDE_FILL[f.get("side")] || "rgba(0,0,0,0)" }),
                                            stroke: new Stroke({ color: "rgba(60,60,60,0.35)", width: 0.5 }) }), 1);
  const change = vector((f) => new Style({
    fill: new Fill({ color: `${GAIN_COLOR[f.get("side")] || "#444444"}b0` }),
    stroke: new Stroke({ color: GAIN_COLOR[f.get("side")] || "#444", width: 1.5 }) }), 2);
  const zones = vector(new Style({ stroke: new Stroke({ color: "#332288", width: 2, lineDash: [2, 6] }),
                                   fill: new Fill({ color: "rgba(51,34,136,0.05)" }) }), 3);
  const line = vector([new Style({ stroke: new Stroke({ color: "#fff", width: 5 }) }),
                       new Style({ stroke: new Stroke({ color: "#111", width: 2.5, lineDash: [10, 5] }) })], 4);

  const points = new VectorSource();
  const cluster = new Cluster({ source: points, distance: 36, minDistance: 8 });
  let selectedId = null;
  const incidents = new VectorLayer({
    source: cluster, zIndex: 10,
    style: (feature, resolution) => {
      const members = feature.get("features");
      if (members.length === 1) {
        const f = members[0];
        return incidentStyle(f.get("band"), { selected: f.getId() === selectedId, labelled: resolution < 300 });
      }
      let best = "possible";
      for (const m of members) if ((BAND[m.get("band")]?.rank ?? 9) < BAND[best].rank) best = m.get("band");
      return clusterStyle(members.length, best);
    },
  });

  const map = new Map({
    target,
    layers: [base, control, change, zones, line, incidents],
    view: new View({ center: fromLonLat([31.5, 48.5]), zoom: 5.5, maxZoom: 16 }),
    controls: defaultControls({ attribution: false }).extend([new ScaleLine()]),
  });
  map.getView().fit(UKRAINE, { size: map.getSize() || [800, 600], padding: [10, 10, 10, 10] });

  map.on("singleclick", (event) => {
    const hit = map.forEachFeatureAtPixel(event.pixel, (f) => f, { layerFilter: (l) => l === incidents, hitTolerance: 4 });
    if (!hit) return;
    const members = hit.get("features");
    if (members.length === 1) {
      onSelect(members[0].getId());
      return;
    }
    const extent = boundingExtent(members.map((m) => m.getGeometry().getCoordinates()));
    if (extent[2] - extent[0] < 1 && extent[3] - extent[1] < 1) {
      onSelect(members[0].getId());  // the same spot: zooming in would not separate them
    } else {
      map.getView().fit(extent, { duration: 300, padding: [60, 60, 60, 60], maxZoom: 14 });
    }
  });
  map.on("pointermove", (event) => {
    const hit = map.hasFeatureAtPixel(event.pixel, { layerFilter: (l) => l === incidents });
    map.getTargetElement().classList.toggle("pointer", hit);
  });

  const layers = { control, change, zones, line, incidents };
  return {
    map,
    layers,
    /** Show exactly these incidents (objects with incident_id, lat, lon, band). */
    setIncidents(list) {
      points.clear(true);
      points.addFeatures(list.map((i) => {
        const f = new Feature({ geometry: new Point(fromLonLat([i.lon, i.lat])), band: i.band });
        f.setId(i.incident_id);
        return f;
      }));
    },
    /** Replace a layer's features with a GeoJSON FeatureCollection (null clears it). */
    setGeo(name, collection) {
      const source = layers[name].getSource();
      source.clear(true);
      if (collection && collection.features) {
        source.addFeatures(geojson.readFeatures({ ...collection, features: collection.features.filter((f) => f.geometry) }));
      }
    },
    setVisible(name, on) {
      layers[name].setVisible(on);
    },
    select(id, { center = false } = {}) {
      selectedId = id;
      incidents.changed();
      const f = id && points.getFeatureById(id);
      if (f && center) map.getView().animate({ center: f.getGeometry().getCoordinates(), zoom: Math.max(map.getView().getZoom(), 9), duration: 300 });
    },
    goTo(lon, lat, zoom) {
      map.getView().setCenter(fromLonLat([lon, lat]));
      map.getView().setZoom(zoom);
    },
    relabel() {
      base.changed();
    },
    pick(callback) {
      const key = map.once("singleclick", (event) => callback(event.coordinate));
      return key;
    },
  };
}
