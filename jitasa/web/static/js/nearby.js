// "Near me": open requests around the volunteer, nearest first, each one tap from claimed.
import { call, format, lang, newKey, pageData, problemText, signInAgain } from "./api.js";

const data = pageData("nearby-data");
const msg = data.messages;
const list = document.getElementById("nearby-list");
const status = document.getElementById("nearby-status");
const radius = document.getElementById("radius");
const claimKeys = new Map(); // request id → Idempotency-Key: a double tap claims once
const ages = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
let origin = null;

function age(iso) {
  const minutes = Math.round((Date.parse(iso) - Date.now()) / 60000);
  if (minutes > -60) return ages.format(minutes, "minute");
  if (minutes > -48 * 60) return ages.format(Math.round(minutes / 60), "hour");
  return ages.format(Math.round(minutes / 1440), "day");
}

function distance(km) {
  if (km < 1) return format(msg.metres, { m: Math.round(km * 1000) });
  return format(msg.km, { km: km.toFixed(1) });
}

// Great-circle distance in km, as the server measures a claim's reach (core/geo.py).
function kmBetween(a, b) {
  const rad = Math.PI / 180;
  const dPhi = (b.lat - a.lat) * rad;
  const dLambda = (b.lon - a.lon) * rad;
  const h =
    Math.sin(dPhi / 2) ** 2 +
    Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLambda / 2) ** 2;
  return 2 * 6371.0088 * Math.asin(Math.min(1, Math.sqrt(h)));
}

// The request's public pin lies beyond the helper's service radius from home: a claim would be
// refused (the server measures to the same public pin), so none is offered.
function beyondReach(request) {
  if (!data.home || data.reach_km === null) return null;
  const km = kmBetween(data.home, request);
  return km > data.reach_km ? km : null;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

async function claim(item, request, button) {
  if (button.disabled) return;
  button.disabled = true;
  if (!claimKeys.has(request.id)) claimKeys.set(request.id, newKey());
  const answer = await call("POST", `/api/v1/requests/${request.id}/claim`, {
    key: claimKeys.get(request.id),
  });
  const message = item.querySelector(".form-message");
  if (answer.ok) {
    item.classList.add("claimed");
    const link = element("a", "button", msg.to_tasks);
    link.href = "/volunteer/tasks";
    item.querySelector(".card-actions").replaceChildren(link);
    message.textContent = msg.claimed;
    return;
  }
  if (answer.status === 401) {
    signInAgain();
    return;
  }
  message.classList.add("error");
  if (answer.status === 409) {
    item.classList.add("taken");
    button.remove();
    message.textContent = msg.taken;
  } else {
    button.disabled = false;
    message.textContent = answer.status === 0 ? msg.offline : problemText(answer.data, msg.offline);
  }
}

function card(request) {
  const item = element("li", `request-card nearby-card urgency-edge-${request.urgency}`);
  item.dataset.requestId = request.id;
  const head = element("div", "card-head");
  head.append(
    element("strong", "category", data.categories[request.category] || request.category),
    element(
      "span",
      `chip urgency-${request.urgency}`,
      data.urgencies[request.urgency] || request.urgency,
    ),
  );
  const meta = element("p", "meta");
  meta.append(
    element("span", "distance", distance(request.distance_km)),
    ` · ${age(request.created_at)} · `,
    element("span", "people", format(request.people_count === 1 ? msg.person : msg.people, { count: request.people_count })),
  );
  const actions = element("div", "card-actions");
  const details = element("a", "details-link", msg.details);
  details.href = `/requests/${request.id}`;
  const beyond = beyondReach(request);
  if (beyond === null) {
    const button = element("button", "button claim", msg.claim);
    button.type = "button";
    button.addEventListener("click", () => claim(item, request, button));
    actions.append(button);
  } else {
    item.classList.add("beyond-reach");
    const radius = data.reach_km.toFixed(1);
    actions.append(element("p", "hint", format(msg.beyond_reach, { km: beyond.toFixed(1), radius })));
  }
  actions.append(details);
  item.append(head, meta, actions, element("p", "form-message"));
  item.lastChild.setAttribute("role", "status");
  return item;
}

async function load() {
  if (!origin) return;
  status.textContent = msg.loading;
  const query = new URLSearchParams({
    lat: origin.lat,
    lon: origin.lon,
    radius_km: radius.value,
    limit: 50,
  });
  const answer = await call("GET", `/api/v1/requests/nearby?${query}`);
  if (answer.status === 401) {
    signInAgain();
    return;
  }
  if (!answer.ok) {
    status.textContent = answer.status === 0 ? msg.offline : problemText(answer.data, msg.offline);
    return;
  }
  list.replaceChildren(...answer.data.map(card));
  const where = origin.fromHome ? msg.from_home : msg.from_here;
  status.textContent = answer.data.length
    ? format(msg.found, { count: answer.data.length, radius: radius.value, where })
    : format(msg.none, { radius: radius.value, where });
}

function fromHome() {
  if (data.home) {
    origin = { ...data.home, fromHome: true };
    load();
  } else {
    status.textContent = msg.no_location;
  }
}

function locate() {
  status.textContent = msg.locating;
  if (!navigator.geolocation) {
    fromHome();
    return;
  }
  navigator.geolocation.getCurrentPosition(
    (position) => {
      const { latitude, longitude } = position.coords;
      origin = { lat: latitude.toFixed(5), lon: longitude.toFixed(5) };
      load();
    },
    fromHome,
    { enableHighAccuracy: true, timeout: 10000, maximumAge: 60000 },
  );
}

document.getElementById("refresh").addEventListener("click", locate);
radius.addEventListener("change", load);
locate();
