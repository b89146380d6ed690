// The map's layers: each draws the features GET /api/v1/map returns for it as markers.
// Facility layers join by adding an entry to LAYERS with their own marker.
import { facilityMarker } from "./map-facilities.js";
import {
  categoryName,
  format,
  msg,
  stateOf,
  statusName,
  urgencyName,
} from "./map-text.js";

const SIGNS = { open: "!", helped: "✓", closed: "–" };
// Open requests are drawn above those being helped, and those above finished ones.
const RAISE = { open: 2000, helped: 1000, closed: 0 };

// The server clusters the requests; a cluster is as red as the first request still waiting.
function clusterState(counts) {
  const byStatus = counts.status || {};
  if (byStatus.open) return "open";
  return byStatus.claimed || byStatus.in_progress ? "helped" : "closed";
}

// A cluster id is "requests:level:x:y"; at level 0 its requests share one public pin, which no
// zoom can separate, so it opens as a list instead.
export const isFinest = (feature) => feature.id.split(":")[1] === "0";

function requestMarker(feature) {
  const p = feature.properties;
  if (p.cluster) {
    const state = clusterState(p.counts);
    const size = p.count < 10 ? 34 : p.count < 100 ? 42 : p.count < 1000 ? 50 : 58;
    const label = format(isFinest(feature) ? msg.cluster_finest : msg.cluster, { count: p.count });
    return { state, size, label, text: String(p.count), kind: "cluster" };
  }
  const state = stateOf(p.status);
  const label = format(msg.point, {
    category: categoryName(p.category),
    urgency: urgencyName(p.urgency),
    status: statusName(p.status),
  });
  return { state, size: 30, label, text: SIGNS[state], kind: "point" };
}

export const LAYERS = [
  { name: "requests", label: msg.layer_requests, marker: requestMarker },
  { name: "facilities", label: msg.layer_facilities, marker: facilityMarker },
];

// Draws the features of the enabled layers, keeping markers that did not change so that a live
// refresh neither flickers nor takes the keyboard focus away from a marker.
export class LayerView {
  constructor(map, { onPick }) {
    this.onPick = onPick;
    this.group = L.layerGroup().addTo(map);
    this.drawn = new Map(); // feature id → { marker, signature, feature }
    this.selectedId = null;
    this.selectedPin = null;
  }

  show(features) {
    const seen = new Set();
    for (const feature of features) {
      const layer = LAYERS.find((l) => l.name === feature.properties.layer);
      if (!layer) continue;
      seen.add(feature.id);
      const look = layer.marker(feature);
      const signature = JSON.stringify(look);
      const old = this.drawn.get(feature.id);
      if (old && old.signature === signature) {
        old.feature = feature;
        continue;
      }
      const hadFocus = old && document.activeElement === old.marker.getElement();
      if (old) this.group.removeLayer(old.marker);
      const marker = this.draw(feature, look);
      this.drawn.set(feature.id, { marker, signature, feature });
      if (hadFocus) marker.getElement().focus();
    }
    for (const [id, { marker }] of this.drawn) {
      if (seen.has(id)) continue;
      this.group.removeLayer(marker);
      this.drawn.delete(id);
    }
    this.highlight(this.selectedId, this.selectedPin);
  }

  draw(feature, look) {
    const [lon, lat] = feature.geometry.coordinates;
    const icon = L.divIcon({
      className: look.layer === "facility"
        ? `facility-marker ${look.kind}`
        : `request-marker ${look.kind} state-${look.state}`,
      html: look.text,
      iconSize: [look.size, look.size],
    });
    const marker = L.marker([lat, lon], {
      icon,
      keyboard: true,
      riseOnHover: true,
      zIndexOffset: RAISE[look.state] ?? 3000,
    });
    marker.on("add", () => marker.getElement().setAttribute("aria-label", look.label));
    const pick = () => this.onPick(this.drawn.get(feature.id).feature, marker);
    marker.on("click", pick);
    // Leaflet makes markers focusable buttons; Enter and Space press them, as for a button.
    marker.on("keypress", (event) => {
      if (event.originalEvent.key === "Enter" || event.originalEvent.key === " ") {
        event.originalEvent.preventDefault();
        pick();
      }
    });
    this.group.addLayer(marker);
    return marker;
  }

  clear() {
    this.group.clearLayers();
    this.drawn.clear();
  }

  // Outline the marker of one request: its point, or else the cluster whose cell holds its pin.
  highlight(requestId, pin = null) {
    this.selectedId = requestId;
    this.selectedPin = pin;
    const pointId = `requests:${requestId}`;
    const standsAlone = this.drawn.has(pointId);
    const holdsPin = ({ bbox, properties }) => properties.cluster && pin !== null
      && bbox[0] <= pin.lng && pin.lng <= bbox[2] && bbox[1] <= pin.lat && pin.lat <= bbox[3];
    for (const [id, { marker, feature }] of this.drawn) {
      const chosen = requestId !== null && (standsAlone ? id === pointId : holdsPin(feature));
      const element = marker.getElement();
      if (element) element.classList.toggle("selected", chosen);
    }
  }
}
