// The home page: the live map of requests for help, with its list, filters and detail panel;
// "which area is this?" on tap, area search, "near me".
import { addBaseMap } from "./offline-map.js";
import { Detail } from "./map-detail.js";
import { facilityPopup, refreshFacilityPopup } from "./map-facilities.js";
import { isFinest, LayerView } from "./map-layers.js";
import { bboxParam, Live } from "./map-live.js";
import { Panel } from "./map-panel.js";
import { element, msg } from "./map-text.js";

const THAILAND = [[5.6, 97.3], [20.5, 105.7]];
const LIST_SIZE = 50;
const MOVE_DELAY_MS = 300; // wait until the map stops before asking for what it shows
const LIVE_GAP_MS = 1000; // at most one refresh a second, however many events arrive
const POINTS_ZOOM = 14; // from this zoom a lone request is drawn as a point
const el = document.getElementById("map");
const lang = el.dataset.lang;
const label = (key) => el.dataset[`label${key}`];
const searchForm = document.getElementById("area-search");
const input = document.getElementById("area-q");
const results = document.getElementById("area-results");

// Fit bounds below the search box that floats over the top of the map.
const fitBelowSearch = (bounds, margin) => map.fitBounds(bounds, {
  paddingTopLeft: [margin, searchForm.offsetTop + searchForm.offsetHeight + margin],
  paddingBottomRight: [margin, margin],
});

// Zoom buttons bottom right, as in most map apps: the search box takes the top of the screen.
// Bounded to the region, so the map is never dragged onto another copy of the world.
const REGION = [[-15, 60], [45, 150]];
const map = L.map(el, { zoomControl: false, minZoom: 4, maxBounds: REGION, maxBoundsViscosity: 1 });
fitBelowSearch(THAILAND, 0);
L.control.zoom({ position: "bottomright" }).addTo(map);
addBaseMap(map, el);
// Reachable from the browser console and the browser tests.
window.jitasaMap = map;
let outline = null;

const nameOf = (area) => (lang === "th" ? area.name_th : area.name_en);

// What this page reads is public, so it asks as a visitor would: signed-in staff would otherwise
// be sent, and have audited as read, personal data that the page never shows. The answer is
// null on an error, without a connection, or when a newer question cancelled this one.
async function getJSON(url, signal) {
  try {
    const response = await fetch(url, {
      headers: { Accept: "application/json" },
      credentials: "omit",
      cache: "no-cache", // revalidated by ETag: a 304 when nothing changed
      signal,
    });
    return response.ok ? await response.json() : null;
  } catch {
    return null;
  }
}

function popupFor(found) {
  const rows = ["province", "district", "subdistrict"]
    .filter((level) => found[level])
    .map((level) => {
      const row = document.createElement("div");
      const key = document.createElement("strong");
      key.textContent = `${label(level[0].toUpperCase() + level.slice(1))}: `;
      row.append(key, `${nameOf(found[level])} (${found[level].code})`);
      return row;
    });
  const box = document.createElement("div");
  box.className = "locate-popup";
  if (rows.length) box.append(...rows); else box.textContent = label("Outside");
  return box;
}

map.on("click", async (event) => {
  const { lat, lng } = event.latlng.wrap();
  const found = await getJSON(`/api/v1/areas/locate?lat=${lat.toFixed(6)}&lon=${lng.toFixed(6)}`);
  if (found) L.popup().setLatLng(event.latlng).setContent(popupFor(found)).openOn(map);
});

// ---- Requests: the markers, the list and the detail of one, kept live -------------------

let loading = null; // the AbortController of the answer being waited for
let spot = null; // the bbox of a one-pin cluster whose requests the list shows
let moveTimer = null;
let liveTimer = null;
let lastLive = 0;

const layers = new LayerView(map, { onPick: pickFeature });
const panel = new Panel(map, {
  onChange: () => {
    spot = null;
    load();
  },
  onPick: pickItem,
  onAreaCleared: () => {
    if (outline) outline.remove();
    outline = null;
  },
});
const detail = new Detail({ onClose: afterDetail, onClaimed: () => load() });
const live = new Live({ onEvent: liveEvent, onResume: () => load() });

// Ask for the markers and the list of the view; a newer question cancels an older one, and an
// answer that does not come keeps the last one on the map.
async function load() {
  if (loading) loading.abort();
  const controller = new AbortController();
  loading = controller;
  const bounds = map.getBounds();
  const filters = panel.query();
  live.watch(bounds, filters.get("area") || "");
  if (!panel.enabled.size) {
    layers.clear();
    panel.showList([], 0);
    return;
  }
  const view = new URLSearchParams(filters);
  view.set("bbox", bboxParam(bounds));
  exportLinks(view);
  view.set("zoom", map.getZoom());
  view.set("layers", "requests");
  // Facilities have filters of their own: asked apart, so a request filter never hides them.
  const types = panel.facilityTypes();
  const places = new URLSearchParams({ bbox: view.get("bbox"), zoom: map.getZoom() });
  places.set("layers", "facilities");
  places.set("type", types.join(","));
  if (filters.get("area")) places.set("area", filters.get("area"));
  const none = { features: [], totals: {} };
  const listed = new URLSearchParams(filters);
  listed.set("bbox", spot || bboxParam(bounds));
  listed.set("limit", LIST_SIZE);
  const signal = controller.signal;
  const requestsOn = panel.enabled.has("requests");
  const [features, list, facilities] = await Promise.all([
    requestsOn ? getJSON(`/api/v1/map?${view}`, signal) : none,
    requestsOn ? getJSON(`/api/v1/requests?${listed}`, signal) : { items: [] },
    types.length ? getJSON(`/api/v1/map?${places}`, signal) : none,
  ]);
  if (signal.aborted) return;
  loading = null;
  if (!features || !list || !facilities) {
    panel.say(msg.count_stale);
    return;
  }
  layers.show([...features.features, ...facilities.features]);
  const total = spot ? list.items.length : features.totals.requests || 0;
  panel.showList(list.items, total, Boolean(spot));
}

// The download links take what is in view: the same filters and bbox as the map.
function exportLinks(view) {
  for (const link of document.querySelectorAll("#map-export a")) {
    const query = new URLSearchParams(view);
    if (link.dataset.hxl) query.set("hxl", "true");
    link.href = `/api/v1/exports/public-requests.${link.dataset.format}?${query}`;
  }
}

map.on("moveend", () => {
  clearTimeout(moveTimer);
  moveTimer = setTimeout(load, MOVE_DELAY_MS);
});
// A spot's list lasts until the visitor moves the map themselves.
map.on("dragstart zoomstart", () => {
  spot = null;
});

// A facility's change (free beds, status) redraws its marker and, if open, its popup.
function liveEvent(request, kind) {
  if (kind === "facility.updated") refreshPopup(request);
  else detail.update(request);
  // The stream's box is wider than the view: a change out of sight needs no refresh.
  const pin = L.latLng(request.public_lat ?? request.lat, request.public_lon ?? request.lon);
  if (liveTimer || !map.getBounds().contains(pin)) return;
  const wait = Math.max(0, lastLive + LIVE_GAP_MS - Date.now());
  liveTimer = setTimeout(() => {
    liveTimer = null;
    lastLive = Date.now();
    load();
  }, wait);
}

// The request's marker moves to the centre: on a phone the sheet with the detail takes half the
// screen, and the marker could end up under the SOS button.
function showDetail(request, latlng, returnTo, zoom = map.getZoom()) {
  layers.highlight(request.id, latlng);
  panel.highlight(request.id);
  panel.setOpen(true);
  detail.open(request, returnTo);
  map.setView(latlng, Math.max(zoom, map.getZoom()));
}

// The open popup of a facility whose numbers changed is read again, where it stands.
let popupOf = null;

function refreshPopup(facility) {
  if (popupOf && popupOf.id === facility.id && popupOf.popup.isOpen()) {
    refreshFacilityPopup(popupOf.popup, facility.id, getJSON);
  }
}

function openFacility(feature, marker) {
  facilityPopup(map, feature, marker, getJSON).then((popup) => {
    if (popup) popupOf = { id: feature.properties.id, popup };
  });
}

function pickFeature(feature, marker) {
  const found = feature.properties;
  if (found.layer === "facilities") {
    if (!found.cluster) {
      openFacility(feature, marker);
    } else {
      const [west, south, east, north] = feature.bbox;
      map.fitBounds([[south, west], [north, east]], { maxZoom: map.getZoom() + 2 });
    }
    return;
  }
  if (!found.cluster) {
    showDetail(found, marker.getLatLng(), marker.getElement());
    return;
  }
  const [west, south, east, north] = feature.bbox;
  if (isFinest(feature)) {
    spot = bboxParam(L.latLngBounds([south, west], [north, east]));
    panel.setOpen(true);
    load();
    return;
  }
  map.fitBounds([[south, west], [north, east]]);
}

// A list item opens its detail and centres its marker, zooming in until the request stands on
// its own (or with those sharing its public pin).
function pickItem(request, button) {
  const latlng = L.latLng(request.public_lat ?? request.lat, request.public_lon ?? request.lon);
  showDetail(request, latlng, button, POINTS_ZOOM);
}

// Back from the detail: the keyboard returns to what opened it, or to its request's new item.
function afterDetail(returnTo) {
  const id = layers.selectedId;
  layers.highlight(null);
  const item = panel.highlight(id);
  panel.highlight(null);
  const target = returnTo && returnTo.isConnected ? returnTo : item;
  (target || document.getElementById("panel-toggle")).focus();
}

// ---- Near me ----------------------------------------------------------------------------

let you = null;

function locate() {
  if (!navigator.geolocation) {
    panel.say(msg.no_location);
    return;
  }
  panel.say(msg.locating);
  navigator.geolocation.getCurrentPosition(
    (position) => {
      const here = [position.coords.latitude, position.coords.longitude];
      if (!you) {
        const icon = L.divIcon({ className: "you-are-here", iconSize: [18, 18] });
        const title = msg.you_are_here;
        you = L.marker(here, { icon, interactive: false, keyboard: false, title }).addTo(map);
      }
      you.setLatLng(here);
      map.setView(here, POINTS_ZOOM);
    },
    () => panel.say(msg.no_location),
    { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 },
  );
}

const NearMe = L.Control.extend({
  options: { position: "bottomright" },
  onAdd() {
    const button = element("button", "near-me", msg.near_me);
    button.type = "button";
    button.title = msg.near_me_label;
    L.DomEvent.disableClickPropagation(button);
    button.addEventListener("click", locate);
    return button;
  },
});
new NearMe().addTo(map);

// ---- Area search: outline the area, zoom to it, and keep the map to it ------------------

async function showArea(area) {
  let feature = await getJSON(`/api/v1/areas/${area.code}/boundary`);
  if (!feature && area.parent_code) feature = await getJSON(`/api/v1/areas/${area.parent_code}/boundary`);
  panel.setArea({ code: area.code, name: nameOf(area) });
  if (!feature) return;
  if (outline) outline.remove();
  outline = L.geoJSON(feature, { style: { color: "#c62828", weight: 2, fillOpacity: 0.05 } }).addTo(map);
  fitBelowSearch(outline.getBounds(), 12);
}

let pending = null;
input.addEventListener("input", () => {
  clearTimeout(pending);
  pending = setTimeout(async () => {
    const q = input.value.trim();
    results.replaceChildren();
    if (q.length < 2) return;
    const page = await getJSON(`/api/v1/areas?q=${encodeURIComponent(q)}&limit=10`);
    for (const area of page ? page.items : []) {
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      const hint = document.createElement("small");
      // Several places share a name (สันทราย): the district and province tell them apart.
      const above = (area.parents || []).map(nameOf).reverse().join(", ");
      const level = label(area.level[0].toUpperCase() + area.level.slice(1)) || area.level;
      hint.textContent = ` ${level} ${area.code}${above ? ` · ${above}` : ""}`;
      button.append(nameOf(area), hint);
      button.addEventListener("click", () => { results.replaceChildren(); showArea(area); });
      item.append(button);
      results.append(item);
    }
  }, 250);
});
searchForm.addEventListener("submit", (event) => event.preventDefault());

load();
