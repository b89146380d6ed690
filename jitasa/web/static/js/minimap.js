// A small map of one request: the exact pin for its people, a ~500 m circle for everyone else.
import { addBaseMap } from "./offline-map.js";
const element = document.getElementById("minimap");
if (element) {
  const point = [Number(element.dataset.lat), Number(element.dataset.lon)];
  const exact = element.dataset.exact === "true";
  const map = L.map(element, { scrollWheelZoom: false, minZoom: 5 });
  map.setView(point, exact ? 16 : 14);
  addBaseMap(map, element);
  if (exact) L.marker(point, { keyboard: false }).addTo(map);
  else L.circle(point, { radius: 350, color: "#c62828", weight: 2, fillOpacity: 0.1 }).addTo(map);
  window.jitasaMap = map; // for the browser tests
}
