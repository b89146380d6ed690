// Live updates: one EventSource on a generous box around the view. The indicator says in words
// whether the map is live; the dot beside the words only repeats them.
import { msg } from "./map-text.js";

const KINDS = ["request.created", "request.updated", "facility.updated"];
// The browser retries a dropped stream by itself; one that was refused (an error answer) it
// leaves closed, so the page tries again after this long.
const RETRY_MS = 15000;
const indicator = document.getElementById("live");

// min_lon,min_lat,max_lon,max_lat, inside the world as the API requires. A view dragged onto
// another copy of the world (longitude 460 is 100) is moved back to the real one first.
export function bboxParam(bounds) {
  const clamp = (value, limit) => Math.max(-limit, Math.min(limit, value)).toFixed(4);
  const width = Math.min(360, bounds.getEast() - bounds.getWest());
  const centre = ((((bounds.getCenter().lng + 180) % 360) + 360) % 360) - 180;
  return [
    clamp(centre - width / 2, 180),
    clamp(bounds.getSouth(), 90),
    clamp(centre + width / 2, 180),
    clamp(bounds.getNorth(), 90),
  ].join(",");
}

export class Live {
  constructor({ onEvent, onResume }) {
    this.onEvent = onEvent;
    this.onResume = onResume; // after a gap the view is asked for again
    this.source = null;
    this.box = null;
    this.area = "";
    this.lastId = ""; // of the last event received, where a new stream takes over
    this.opened = false;
    this.gap = false;
    this.retry = null;
    // A hidden tab keeps no connection open: phones save battery and data.
    document.addEventListener("visibilitychange", () => {
      if (document.hidden) {
        this.close();
        this.gap = true;
      } else if (this.box) {
        this.open();
      }
    });
  }

  // Follow the events around this view: three times its width and height, so that panning a
  // little keeps the same stream; a new one opens when the view leaves the box.
  watch(bounds, area) {
    if (this.source && this.area === area && this.box.contains(bounds)) return;
    this.box = bounds.pad(1);
    this.area = area;
    if (!document.hidden) this.open();
  }

  open() {
    this.close();
    const query = new URLSearchParams({ bbox: bboxParam(this.box) });
    if (this.area) query.set("area", this.area);
    // A new stream starts where the last one stopped: the server first sends what it missed
    // (a browser reconnecting by itself sends the id in the Last-Event-ID header instead).
    if (this.lastId) query.set("last_event_id", this.lastId);
    const source = new EventSource(`/api/v1/events/stream?${query}`);
    this.source = source;
    source.addEventListener("open", () => {
      this.say("live");
      // Without an id to resume from, or after a pause or a refusal, ask for the view again.
      if (this.opened && (this.gap || !this.lastId)) this.onResume();
      this.opened = true;
      this.gap = false;
    });
    source.addEventListener("error", () => {
      if (source.readyState !== EventSource.CLOSED) {
        this.say("reconnecting");
        return;
      }
      this.say("offline");
      this.gap = true;
      this.retry = setTimeout(() => this.open(), RETRY_MS);
    });
    // The server could not replay all that was missed (too much, or already purged): reload.
    source.addEventListener("reset", (event) => {
      this.lastId = event.lastEventId;
      this.onResume();
    });
    for (const kind of KINDS) {
      source.addEventListener(kind, (event) => {
        this.lastId = event.lastEventId;
        this.onEvent(JSON.parse(event.data), kind);
      });
    }
  }

  close() {
    clearTimeout(this.retry);
    if (this.source) this.source.close();
    this.source = null;
  }

  say(state) {
    if (indicator.dataset.state === state) return;
    indicator.dataset.state = state;
    indicator.textContent = msg[state];
  }
}
