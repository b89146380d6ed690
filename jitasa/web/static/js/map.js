// The home page: a map of Thailand, "which area is this?" on tap, and area search.
const THAILAND = [[5.6, 97.3], [20.5, 105.7]];
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
const map = L.map(el, { zoomControl: false, minZoom: 4 });
fitBelowSearch(THAILAND, 0);
L.control.zoom({ position: "bottomright" }).addTo(map);
L.tileLayer(el.dataset.tileUrl, { attribution: el.dataset.tileAttribution, maxZoom: 19 }).addTo(map);
// Reachable from the browser console and the browser tests.
window.jitasaMap = map;
let outline = null;

const nameOf = (area) => (lang === "th" ? area.name_th : area.name_en);

async function getJSON(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  return response.ok ? response.json() : null;
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

async function showArea(area) {
  let feature = await getJSON(`/api/v1/areas/${area.code}/boundary`);
  if (!feature && area.parent_code) feature = await getJSON(`/api/v1/areas/${area.parent_code}/boundary`);
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
      hint.textContent = ` ${label(area.level[0].toUpperCase() + area.level.slice(1)) || area.level} ${area.code}`;
      button.append(nameOf(area), hint);
      button.addEventListener("click", () => { results.replaceChildren(); showArea(area); });
      item.append(button);
      results.append(item);
    }
  }, 250);
});
searchForm.addEventListener("submit", (event) => event.preventDefault());
