// Every map's background: the tile server's pictures, or, when they cannot be loaded, a plain
// note on the map and Thailand's province outlines (district outlines from zoom 8 on), served
// by Jitasa itself, so a person can still tell where they are.
const FAILURES = 3; // tiles that failed, with none loaded, before the map says so
const DISTRICTS_ZOOM = 8;
const PROVINCE_STYLE = { color: "#37474f", weight: 1.6, fill: true, fillColor: "#eceff1", fillOpacity: 0.6, interactive: false };
const DISTRICT_STYLE = { color: "#78909c", weight: 0.8, fill: false, interactive: false };

async function outlines(url, style) {
  try {
    const answer = await fetch(url, { credentials: "omit" });
    return answer.ok ? L.geoJSON(await answer.json(), { style, interactive: false }) : null;
  } catch {
    return null;
  }
}

async function withoutTiles(map, element) {
  element.dataset.tiles = "unreachable";
  element.classList.add("map-without-tiles");
  const box = L.DomUtil.create("p", "map-offline-note");
  box.setAttribute("role", "status");
  box.textContent = document.body.dataset.mapOffline;
  // A map with a column floating over its top (the home map's area search) takes the note
  // into that column, under its suggestions and chosen area: they push it down, never hide it.
  const column = element.dataset.noteColumn && document.getElementById(element.dataset.noteColumn);
  if (column) {
    column.append(box);
  } else {
    const note = L.control({ position: "topleft" });
    note.onAdd = () => box;
    note.addTo(map);
  }
  const provinces = await outlines("/map/provinces.geojson", PROVINCE_STYLE);
  if (provinces) {
    provinces.addTo(map);
    provinces.bringToBack();
    element.dataset.outlines = "provinces";
  }
  let districts = null;
  const showDistricts = async () => {
    if (map.getZoom() < DISTRICTS_ZOOM) {
      if (districts) map.removeLayer(districts);
      return;
    }
    districts = districts || (await outlines("/map/districts.geojson", DISTRICT_STYLE));
    if (districts && !map.hasLayer(districts) && map.getZoom() >= DISTRICTS_ZOOM) {
      districts.addTo(map);
      element.dataset.outlines = "provinces districts";
    }
  };
  map.on("zoomend", showDistricts);
  showDistricts();
}

// Add the tile layer to `map`, from the element's data-tile-url and data-tile-attribution.
export function addBaseMap(map, element) {
  const tiles = L.tileLayer(element.dataset.tileUrl, {
    attribution: element.dataset.tileAttribution,
    maxZoom: 19,
  });
  let loaded = 0;
  let failed = 0;
  tiles.on("tileload", () => { loaded += 1; });
  tiles.on("tileerror", () => {
    failed += 1;
    if (failed === FAILURES && loaded === 0) withoutTiles(map, element);
  });
  return tiles.addTo(map);
}
