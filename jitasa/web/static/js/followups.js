// The อสม.'s follow-up list: 608 residents missing a dose, nearest first; a dose in two taps.
// Doses wait in localStorage with their Idempotency-Key until the server has them, so a phone
// offline in the village sends each one later, and a repeat is never recorded twice.
import { call, format, lang, newKey, pageData, problemText, signInAgain } from "./api.js";

const data = pageData("followups-data");
const msg = data.messages;
const list = document.getElementById("followups-list");
const status = document.getElementById("followups-status");
const queueNote = document.getElementById("followups-queue");
const coverage = document.getElementById("coverage");
const refusals = document.getElementById("followups-refused");
const QUEUE_KEY = "jitasa-dose-queue";
let origin = data.home;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function pending() {
  try {
    return JSON.parse(localStorage.getItem(QUEUE_KEY) || "[]");
  } catch {
    return [];
  }
}

function keep(queue) {
  localStorage.setItem(QUEUE_KEY, JSON.stringify(queue));
  queueNote.hidden = queue.length === 0;
  queueNote.textContent = format(msg.pending, { count: queue.length });
}

// Whether an answer is worth sending the same dose again: no connection, the server busy or
// failing (5xx), too many requests. Any other 4xx is the server's definite refusal.
function retryLater(answer) {
  return answer.status === 0 || answer.status >= 500 || answer.status === 408 || answer.status === 429;
}

// A dose's warnings (dated before an earlier dose…) in the page's language.
function warningsOf(answer) {
  if (!answer.ok || !answer.data) return [];
  return (lang === "th" ? answer.data.warnings_th : answer.data.warnings) || [];
}

// Send every waiting dose; keep those to send again (`retryLater`); a dose the server refused
// is dropped with its reason shown, as nothing sent again would change the answer.
async function flush() {
  let sent = false;
  const left = [];
  const refused = [];
  for (const dose of pending()) {
    const answer = await call("POST", dose.path, { body: dose.body, key: dose.key });
    if (retryLater(answer)) left.push(dose);
    else if (answer.status === 401) {
      left.push(dose);
      signInAgain();
    } else {
      sent = true;
      if (!answer.ok) {
        const reason = problemText(answer.data, format(msg.refused_status, { status: answer.status }));
        refused.push(format(msg.dropped, { number: dose.body.number, reason }));
      }
    }
  }
  keep(left);
  if (refused.length) refusals.textContent = refused.join(" ");
  refusals.hidden = refused.length === 0;
  return sent;
}

function showCoverage(page) {
  coverage.replaceChildren(
    ...page.with_dose.map((count, index) => {
      const total = page.priority_residents;
      const percent = total ? Math.round((100 * count) / total) : 0;
      return element("p", "figure", format(msg.coverage, { number: index + 1, count, total, percent }));
    }),
  );
}

function distance(km) {
  if (km === null) return "";
  if (km < 1) return format(msg.metres, { m: Math.round(km * 1000) });
  return format(msg.km, { km: km.toFixed(1) });
}

function doseForm(item, person) {
  const form = element("form", "dose-form");
  const vaccine = element("select");
  vaccine.name = "vaccine";
  vaccine.setAttribute("aria-label", msg.vaccine);
  for (const name of data.vaccines) vaccine.append(new Option(name, name));
  vaccine.value = localStorage.getItem("jitasa-last-vaccine") || data.vaccines[0];
  const date = element("input");
  date.type = "date";
  date.name = "given_on";
  date.value = data.last_day;
  date.max = data.last_day;
  date.min = data.first_day;
  date.setAttribute("aria-label", msg.date);
  const save = element("button", "button", format(msg.confirm, { number: person.next_dose }));
  save.type = "submit";
  const cancel = element("button", "button secondary", msg.cancel);
  cancel.type = "button";
  cancel.addEventListener("click", () => form.remove());
  form.append(vaccine, date, save, cancel);
  form.noValidate = true; // the server's own message, in Thai or English, not the browser's
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    save.disabled = true;
    const note = item.querySelector(".form-message");
    note.textContent = "";
    localStorage.setItem("jitasa-last-vaccine", vaccine.value);
    const body = { number: person.next_dose, vaccine: vaccine.value, given_on: date.value };
    const dose = { path: `/api/v1/vaccination/residents/${person.resident_id}/doses`, body, key: newKey() };
    const answer = await call("POST", dose.path, { body, key: dose.key });
    if (retryLater(answer) || answer.status === 401) {
      keep([...pending(), dose]); // sent again by `flush` with the same key: never twice
      form.remove();
      note.textContent = answer.status === 0 ? msg.queued : msg.retry;
      if (answer.status === 401) signInAgain();
      return;
    }
    if (!answer.ok) { // refused: say why and keep what was typed, to correct it
      note.textContent = problemText(answer.data, format(msg.refused_status, { status: answer.status }));
      save.disabled = false;
      date.focus();
      return;
    }
    await load();
    status.textContent = [format(msg.saved, { number: body.number }), ...warningsOf(answer)].join(" ");
  });
  return form;
}

// Delete the highest dose recorded by mistake (the wrong person or date), after a confirm;
// the right one is then recorded again. Not kept offline: a deletion needs the server's answer.
function deleteButton(item, person) {
  const button = element("button", "button quiet", format(msg.delete, { number: person.doses }));
  button.type = "button";
  button.addEventListener("click", async () => {
    if (!window.confirm(format(msg.confirm_delete, { number: person.doses, name: person.name }))) return;
    button.disabled = true;
    const path = `/api/v1/vaccination/residents/${person.resident_id}/doses/${person.doses}`;
    const answer = await call("DELETE", path);
    if (answer.status === 401) return signInAgain();
    if (!answer.ok) {
      button.disabled = false;
      item.querySelector(".form-message").textContent =
        answer.status === 0 ? msg.offline : problemText(answer.data, msg.offline);
      return;
    }
    await load();
    status.textContent = format(msg.deleted, { number: person.doses });
  });
  return button;
}

function card(person) {
  const item = element("li", "request-card");
  item.dataset.resident = person.resident_id;
  const head = element("h2", "", person.name);
  const house = element("p", "", [format(msg.house, { house: person.household }), distance(person.distance_km)]
    .filter(Boolean).join(" · "));
  const why = element("p", "hint", person.reasons.map((r) => msg.reasons[r]).join(", "));
  const actions = element("div", "card-actions");
  const record = element("button", "button", format(msg.next, { number: person.next_dose }));
  record.type = "button";
  record.addEventListener("click", () => {
    if (!item.querySelector(".dose-form")) actions.after(doseForm(item, person));
  });
  actions.append(record);
  if (person.doses > 0) actions.append(deleteButton(item, person));
  if (person.phone) {
    const call_ = element("a", "button secondary", person.phone);
    call_.href = `tel:${person.phone}`;
    actions.append(call_);
  }
  item.append(head, house, why, actions, element("p", "form-message"));
  return item;
}

async function load() {
  const params = new URLSearchParams({ area: data.village });
  if (origin) {
    params.set("lat", origin.lat);
    params.set("lon", origin.lon);
  }
  const answer = await call("GET", `/api/v1/vaccination/followups?${params}`);
  if (answer.status === 401) return signInAgain();
  if (!answer.ok) {
    status.textContent = answer.status === 0 ? msg.offline : problemText(answer.data, msg.offline);
    return;
  }
  showCoverage(answer.data);
  status.textContent = answer.data.items.length
    ? format(msg.found, { count: answer.data.items.length })
    : msg.none;
  list.replaceChildren(...answer.data.items.map(card));
}

if (data.village) {
  status.textContent = msg.loading;
  keep(pending());
  window.addEventListener("online", async () => {
    if (await flush()) await load();
  });
  await flush();
  await load();
  if (navigator.geolocation) {
    navigator.geolocation.getCurrentPosition(
      async (position) => {
        origin = { lat: position.coords.latitude, lon: position.coords.longitude };
        await load();
      },
      () => {},
      { timeout: 10000, maximumAge: 60000 },
    );
  }
}
