// The desk, dashboard and report refresh their live region when the area's requests,
// facilities (the capacity board) or volunteers (registered, verified, unverified, moved,
// imported: jitasa/volunteers/signals.py) change: one EventSource on the area; events arriving
// together cause one reload of the region.
const KINDS = [
  "request.created",
  "request.updated",
  "requests.imported",
  "facility.updated",
  "volunteer.registered",
  "volunteer.verified",
  "volunteer.unverified",
  "volunteer.moved",
  "volunteers.imported",
];
const SETTLE_MS = 400; // several events of one action (a bulk close) make one refresh
const RETRY_MS = 15000;

export function followArea(area, { onState, keep } = {}) {
  let timer = null;
  let source = null;
  const refresh = async () => {
    const response = await fetch(location.href, { headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const page = new DOMParser().parseFromString(await response.text(), "text/html");
    const fresh = page.getElementById("live-region");
    const region = document.getElementById("live-region");
    if (!fresh || !region) return;
    const kept = keep ? keep() : null;
    region.replaceWith(fresh);
    if (keep) keep(kept);
    document.dispatchEvent(new CustomEvent("live-refreshed"));
  };
  const open = () => {
    const query = new URLSearchParams();
    if (area) query.set("area", area);
    source = new EventSource(`/api/v1/events/stream?${query}`);
    source.addEventListener("open", () => onState && onState("live"));
    source.addEventListener("error", () => {
      if (source.readyState !== EventSource.CLOSED) {
        if (onState) onState("reconnecting");
        return;
      }
      if (onState) onState("reconnecting");
      setTimeout(open, RETRY_MS);
    });
    for (const kind of KINDS) {
      source.addEventListener(kind, () => {
        clearTimeout(timer);
        timer = setTimeout(refresh, SETTLE_MS);
      });
    }
  };
  open();
  return { refresh };
}
