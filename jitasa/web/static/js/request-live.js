// A request's page follows the request live: when it changes (a driver picks the patient up, a
// destination is chosen, it is delivered), the page is read again, unless someone is typing.
const page = document.querySelector("[data-live-request]");
const RELOAD_DELAY_MS = 800;

if (page && window.EventSource) {
  const id = Number(page.dataset.liveRequest);
  // The request as this page shows it: a change no newer (this page's own) is skipped.
  let shown = Date.parse(page.dataset.updatedAt);
  let timer = null;
  const lat = Number(page.dataset.lat);
  const lon = Number(page.dataset.lon);
  const box = [lon - 0.05, lat - 0.05, lon + 0.05, lat + 0.05].map((v) => v.toFixed(4)).join(",");
  const source = new EventSource(`/api/v1/events/stream?bbox=${box}`);

  const follow = (updatedAt) => {
    if (timer || !(Date.parse(updatedAt) > shown)) return;
    timer = setTimeout(() => {
      timer = null;
      const typing = document.activeElement && document.activeElement.matches("textarea, input");
      if (typing || document.querySelector("form[data-busy]")) return;
      shown = Date.parse(updatedAt);
      source.close();
      window.location.reload();
    }, RELOAD_DELAY_MS);
  };

  // Once subscribed, a change made between this page's answer and the stream is read once.
  source.addEventListener("open", async () => {
    const answer = await fetch(`/api/v1/requests/${id}`, { headers: { Accept: "application/json" } });
    if (answer.ok) follow((await answer.json()).updated_at);
  });
  source.addEventListener("request.updated", (event) => {
    const changed = JSON.parse(event.data);
    if (changed.id === id) follow(changed.updated_at);
  });
}
