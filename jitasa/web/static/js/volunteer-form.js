// The volunteer form's home pin: tap the map, drag the marker or use the phone's location.
// Without this script the form shows plain latitude and longitude boxes instead of the map.
import { addBaseMap } from "./offline-map.js";
import { placeName } from "./api.js";

const THAILAND = [[5.6, 97.3], [20.5, 105.7]];
const PIN_ZOOM = 15;
const el = document.getElementById("home-map");
const form = document.getElementById("volunteer-form");
const lat = document.getElementById("home_lat");
const lon = document.getElementById("home_lon");
const areaText = document.getElementById("pin-area");
const locateButton = document.getElementById("locate-me");
const subdistrictField = document.getElementById("subdistrict-field");
const subdistricts = subdistrictField.querySelector("select");
const label = (key) => el.dataset[`label${key}`];
const nameOf = (area) => (el.dataset.lang === "th" ? area.name_th : area.name_en);

el.hidden = false;
locateButton.hidden = !("geolocation" in navigator);
// The numbers stay one tap away (keyboard and screen reader users), folded under the map.
document.getElementById("pin-numbers").open = false;

const map = L.map(el, { minZoom: 4 });
addBaseMap(map, el);
// Reachable from the browser console and the browser tests.
window.jitasaPinMap = map;
let marker = null;

async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  return response.ok ? response.json() : null;
}

function say(text, isError = false) {
  areaText.textContent = text;
  areaText.classList.toggle("pin-error", isError);
}

// Offer the subdistricts of the pin's district; the server keeps a choice only inside it.
async function offerSubdistricts(district) {
  if (!subdistricts || subdistricts.tagName !== "SELECT" || subdistricts.dataset.district === district) return;
  subdistricts.dataset.district = district || "";
  subdistricts.replaceChildren(subdistricts.options[0]);
  subdistricts.value = "";
  const page = district ? await getJSON(`/api/v1/areas?parent=${district}&limit=100`) : null;
  for (const area of page ? page.items : []) subdistricts.add(new Option(nameOf(area), area.code));
  subdistrictField.hidden = subdistricts.options.length < 2;
}

async function describe(latlng) {
  const found = await getJSON(`/api/v1/areas/locate?lat=${latlng.lat.toFixed(6)}&lon=${latlng.lng.toFixed(6)}`);
  const levels = ["subdistrict", "district", "province"].filter((level) => found && found[level]);
  if (!levels.length) {
    say(label("Outside"), true);
    return;
  }
  const areas = levels.map((level) => ({ code: found[level].code, name: nameOf(found[level]) }));
  say(`${label("In")}: ${placeName(areas)}`);
  if (found.district) offerSubdistricts(found.district.code);
}

function place(latlng, zoom) {
  const point = latlng.wrap();
  lat.value = point.lat.toFixed(6);
  lon.value = point.lng.toFixed(6);
  if (marker) marker.setLatLng(point);
  else {
    marker = L.marker(point, { draggable: true, autoPan: true }).addTo(map);
    marker.on("dragend", () => place(marker.getLatLng()));
  }
  if (zoom) map.setView(point, Math.max(map.getZoom(), zoom));
  describe(point);
}

const saved = [parseFloat(lat.value), parseFloat(lon.value)];
if (saved.every(Number.isFinite)) {
  map.setView(saved, PIN_ZOOM);
  marker = L.marker(saved, { draggable: true, autoPan: true }).addTo(map);
  marker.on("dragend", () => place(marker.getLatLng()));
} else {
  map.fitBounds(THAILAND);
}

map.on("click", (event) => place(event.latlng));
for (const box of [lat, lon]) {
  box.addEventListener("change", () => {
    const typed = [parseFloat(lat.value), parseFloat(lon.value)];
    if (typed.every(Number.isFinite)) place(L.latLng(typed), PIN_ZOOM);
  });
}

locateButton.addEventListener("click", () => {
  say(label("Locating"));
  navigator.geolocation.getCurrentPosition(
    (position) => place(L.latLng(position.coords.latitude, position.coords.longitude), PIN_ZOOM),
    () => say(label("NoLocation"), true),
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
  );
});

form.addEventListener("submit", (event) => {
  if (lat.value && lon.value) return;
  event.preventDefault();
  say(label("NoPin"), true);
  el.scrollIntoView({ block: "center" });
});
