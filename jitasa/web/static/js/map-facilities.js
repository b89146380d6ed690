// Facilities on the map: a marker per type (its glyph, in its colour), clusters counted by type,
// and a popup with capacity, phone and how fresh the numbers are, read afresh when it opens.
import { element, format, lang, msg, page } from "./map-text.js";

const typeOf = (code) => page.facility_types[code] || { name: code, icon: "●" };

export function facilityMarker(feature) {
  const p = feature.properties;
  if (p.cluster) {
    const types = Object.keys(p.counts.type || {});
    const kind = types.length === 1 ? types[0] : "mixed";
    const size = p.count < 10 ? 32 : p.count < 100 ? 40 : 48;
    const label = format(msg.facility_cluster, { count: p.count });
    return { kind: `cluster type-${kind}`, size, label, text: String(p.count), layer: "facility" };
  }
  const type = typeOf(p.type);
  const name = lang === "th" || !p.name_en ? p.name_th : p.name_en;
  const label = format(msg.facility_point, { name, type: type.name });
  const closed = p.status === "closed" ? " closed" : "";
  return { kind: `point type-${p.type}${closed}`, size: 30, label, text: type.icon, layer: "facility" };
}

function bedsTable(facility) {
  const table = element("table");
  const head = element("tr");
  head.append(element("th", "", msg.facility_resource), element("th", "", msg.facility_free),
    element("th", "", msg.facility_total));
  table.append(head);
  for (const row of facility.capacity) {
    const line = element("tr", `resource-${row.resource}`);
    line.append(element("td", "", page.resources[row.resource] || row.resource),
      element("td", "free", String(row.available)), element("td", "", String(row.total)));
    table.append(line);
  }
  return table;
}

// The popup reads the facility afresh: the map's counts may be a moment old, its numbers not.
export async function facilityPopup(map, feature, marker, getJSON) {
  const box = await facilityBox(feature.properties.id, getJSON);
  if (!box) return null;
  return L.popup({ offset: [0, -12] }).setLatLng(marker.getLatLng()).setContent(box).openOn(map);
}

// An open popup whose facility changed (a `facility.updated` event) shows the new numbers.
export async function refreshFacilityPopup(popup, id, getJSON) {
  const box = await facilityBox(id, getJSON);
  if (box && popup.isOpen()) popup.setContent(box);
}

async function facilityBox(id, getJSON) {
  const facility = await getJSON(`/api/v1/facilities/${id}`);
  if (!facility) return null;
  const box = element("div", "facility-popup");
  const title = element("a", "facility-name", lang === "th" || !facility.name_en
    ? facility.name_th : facility.name_en);
  title.href = `/facilities/${facility.id}`;
  const type = typeOf(facility.type);
  box.append(element("strong"), element("div", "meta",
    `${type.name} · ${page.facility_statuses[facility.status] || facility.status}`));
  box.firstChild.append(title);
  if (facility.capacity.length) box.append(bedsTable(facility));
  if (facility.phone) {
    const phone = element("a", "facility-phone", `☎ ${facility.phone}`);
    phone.href = `tel:${facility.phone}`;
    box.append(element("div"), phone);
  }
  const fresh = facility.freshness;
  const age = element("div", `freshness${fresh.stale ? " stale" : ""}`,
    lang === "th" ? fresh.text_th : fresh.text);
  if (fresh.stale) age.textContent += ` · ${msg.facility_stale}`;
  box.append(age);
  return box;
}
