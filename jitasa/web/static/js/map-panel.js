// The panel beside the map (a bottom sheet on phones): layers, filters, the count and the list.
import { LAYERS } from "./map-layers.js";
import {
  age,
  categoryName,
  element,
  format,
  msg,
  page,
  people,
  stateOf,
  statusChip,
  urgencyChip,
} from "./map-text.js";

const DEFAULT_STATUS = "open,claimed,in_progress";
const body = document.body;
const toggle = document.getElementById("panel-toggle");
const count = document.getElementById("list-count");
const list = document.getElementById("request-list");
const filterForm = document.getElementById("filter-form");
const filterCount = document.getElementById("filter-count");
const areaBox = document.getElementById("area-filter");
const areaName = document.getElementById("area-filter-name");

export class Panel {
  constructor(map, { onChange, onPick, onAreaCleared }) {
    this.map = map;
    this.onChange = onChange;
    this.onPick = onPick;
    this.area = null; // { code, name } chosen in the area search
    this.selectedId = null;
    // The layer switch: requests, and each kind of facility on its own.
    this.choices = [
      { name: "requests", label: LAYERS[0].label },
      ...Object.entries(page.facility_types).map(([code, type]) => ({
        name: `facility:${code}`,
        label: `${type.icon} ${type.name}`,
      })),
    ];
    this.enabled = new Set(this.choices.map((choice) => choice.name));
    toggle.addEventListener("click", () => this.setOpen(!body.classList.contains("sheet-open")));
    filterForm.addEventListener("change", () => this.changed());
    filterForm.addEventListener("submit", (event) => event.preventDefault());
    document.getElementById("area-filter-clear").addEventListener("click", () => {
      onAreaCleared();
      this.setArea(null);
    });
    this.renderLayers();
  }

  renderLayers() {
    const box = document.getElementById("layer-choices");
    box.replaceChildren(
      ...this.choices.map((layer) => {
        const label = element("label");
        const input = element("input");
        input.type = "checkbox";
        input.name = "layer";
        input.value = layer.name;
        input.checked = this.enabled.has(layer.name);
        input.addEventListener("change", () => {
          if (input.checked) this.enabled.add(layer.name);
          else this.enabled.delete(layer.name);
          this.changed();
        });
        label.append(input, layer.label);
        return label;
      }),
    );
  }

  // The kinds of facility shown on the map.
  facilityTypes() {
    return [...this.enabled].filter((name) => name.startsWith("facility:")).map((name) => name.slice(9));
  }

  // On a phone the sheet takes half the screen and the map shrinks above it, so that the list
  // and the map show the same requests.
  setOpen(open) {
    body.classList.toggle("sheet-open", open);
    toggle.setAttribute("aria-expanded", String(open));
    this.map.invalidateSize();
  }

  setArea(area) {
    this.area = area;
    areaBox.hidden = !area;
    areaName.textContent = area ? format(msg.area_filter, { area: area.name }) : "";
    this.changed();
  }

  changed() {
    const chosen = this.filters();
    const active = ["category", "urgency", "area"].filter((name) => chosen[name]).length
      + (chosen.status === DEFAULT_STATUS ? 0 : 1);
    filterCount.textContent = active ? String(active) : "";
    this.onChange();
  }

  // The chosen filters, named as the map and list APIs name them.
  filters() {
    const form = new FormData(filterForm);
    return {
      category: form.get("category"),
      urgency: form.get("urgency"),
      status: form.get("status"),
      area: this.area ? this.area.code : "",
    };
  }

  // The same as a query string, without the filters left empty.
  query() {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(this.filters())) if (value) query.set(name, value);
    return query;
  }

  // A live region: screen readers hear the count when it changes, not at every refresh.
  say(text) {
    if (count.textContent !== text) count.textContent = text;
  }

  // The list, and how many requests the view holds; `atSpot`: those of one public pin. A live
  // refresh redraws it: the keyboard stays on the item it was on, the selection stays marked.
  showList(items, total, atSpot = false) {
    const focused = document.activeElement?.closest(".map-item");
    list.replaceChildren(...items.map((item) => this.listItem(item)));
    this.highlight(this.selectedId);
    if (focused) {
      const again = list.querySelector(`[data-request-id="${focused.dataset.requestId}"]`);
      if (again) again.focus();
    }
    let text = msg.count_none;
    if (atSpot) {
      text = format(msg.count_spot, { count: total });
    } else if (total > items.length) {
      text = format(msg.count_newest, { count: total, shown: items.length });
    } else if (total) {
      text = format(msg.count, { count: total });
    }
    this.say(text);
  }

  listItem(request) {
    const button = element("button", `map-item state-${stateOf(request.status)}`);
    button.type = "button";
    button.dataset.requestId = request.id;
    button.append(
      element("strong", "", categoryName(request.category)),
      urgencyChip(request.urgency),
      statusChip(request.status),
      element("span", "meta", `${age(request.created_at)} · ${people(request.people_count)}`),
    );
    button.addEventListener("click", () => this.onPick(request, button));
    const item = element("li");
    item.append(button);
    return item;
  }

  // Mark the list item of the request shown in detail; return it (null when not listed).
  highlight(requestId) {
    this.selectedId = requestId;
    let found = null;
    for (const button of list.querySelectorAll(".map-item")) {
      const chosen = button.dataset.requestId === String(requestId);
      button.classList.toggle("selected", chosen);
      if (chosen) found = button;
    }
    return found;
  }
}
