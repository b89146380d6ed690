// The SOS form: pin from GPS or by hand, category and urgency, duplicate warning, one request.
import { addBaseMap } from "./offline-map.js";
import {
  call,
  fieldMessage,
  format,
  newKey,
  normalizeInput,
  pageData,
  placeName,
  problemText,
  setFlash,
  signInAgain,
} from "./api.js";

const THAILAND = [[5.6, 97.3], [20.5, 105.7]];
const data = pageData("sos-data");
const msg = data.messages;
const form = document.getElementById("sos-form");
const mapElement = document.getElementById("sos-map");
const pinStatus = document.getElementById("pin-status");
const pinArea = document.getElementById("pin-area");
const submit = document.getElementById("sos-submit");
const formError = document.getElementById("form-error");
const duplicatesBox = document.getElementById("duplicates");
const medicalBox = document.getElementById("urgency-medical");
const otherBox = document.getElementById("urgency-other");
const mobilityBox = document.getElementById("mobility-box");
// One key for this form: a double tap, or a retry after a lost answer, creates one request.
const idempotencyKey = newKey();
let duplicatesChecked = false;
let marker = null;

const map = L.map(mapElement, { minZoom: 4 });
map.fitBounds(THAILAND);
addBaseMap(map, mapElement);
window.jitasaMap = map; // for the browser tests

const nameOf = (area) => (data.lang === "th" ? area.name_th : area.name_en);
const areaChoice = document.getElementById("area-choice");
const areaResults = document.getElementById("area-results");

async function showArea(lat, lon) {
  const answer = await call("GET", `/api/v1/areas/locate?lat=${lat}&lon=${lon}`);
  if (!answer.ok) return;
  const names = ["subdistrict", "district", "province"]
    .filter((level) => answer.data[level])
    .map((level) => ({ code: answer.data[level].code, name: nameOf(answer.data[level]) }));
  if (names.length || !form.area_code.value) pinArea.textContent = placeName(names);
  // No boundary holds the pin (none loaded, or at the border): let the person name the area.
  areaChoice.hidden = names.length > 0;
  if (names.length) form.area_code.value = "";
}

function areaOption(area) {
  const button = document.createElement("button");
  button.type = "button";
  const hint = document.createElement("small");
  // Several places share a name (สันทราย): the district and province tell them apart.
  const above = (area.parents || []).map(nameOf).reverse().join(", ");
  hint.textContent = ` ${data.messages.levels[area.level] || area.level} ${area.code}${above ? ` · ${above}` : ""}`;
  button.append(nameOf(area), hint);
  button.addEventListener("click", () => {
    form.area_code.value = area.code;
    pinArea.textContent = nameOf(area);
    areaResults.replaceChildren();
    clearError(document.getElementById("error-lat"));
  });
  const item = document.createElement("li");
  item.append(button);
  return item;
}

let areaSearch = null;
document.getElementById("area-q").addEventListener("input", (event) => {
  clearTimeout(areaSearch);
  areaSearch = setTimeout(async () => {
    const q = event.target.value.trim();
    if (q.length < 2) return areaResults.replaceChildren();
    const answer = await call("GET", `/api/v1/areas?q=${encodeURIComponent(q)}&limit=8`);
    areaResults.replaceChildren(...(answer.ok ? answer.data.items.map(areaOption) : []));
  }, 300);
});

function setPin(latlng, status) {
  const { lat, lng } = latlng.wrap();
  if (!marker) {
    marker = L.marker(latlng, { draggable: true, autoPan: true }).addTo(map);
    marker.on("dragend", () => setPin(marker.getLatLng(), msg.moved));
  } else {
    marker.setLatLng(latlng);
  }
  form.lat.value = lat.toFixed(6);
  form.lon.value = lng.toFixed(6);
  pinStatus.textContent = status;
  duplicatesChecked = false;
  clearError(document.getElementById("error-lat"));
  showArea(form.lat.value, form.lon.value);
}

map.on("click", (event) => setPin(event.latlng, msg.moved));

// A draft sent on LINE (/sos?draft=…) arrives with its pin placed, to be checked.
if (mapElement.dataset.draftLat) {
  const sent = L.latLng(Number(mapElement.dataset.draftLat), Number(mapElement.dataset.draftLon));
  map.setView(sent, 16);
  setPin(sent, msg.moved);
}

function useLocation() {
  if (!navigator.geolocation) {
    pinStatus.textContent = msg.gps_failed;
    return;
  }
  pinStatus.textContent = msg.locating;
  navigator.geolocation.getCurrentPosition(
    (position) => {
      const latlng = L.latLng(position.coords.latitude, position.coords.longitude);
      map.setView(latlng, 16);
      setPin(latlng, format(msg.located, { metres: Math.round(position.coords.accuracy) }));
    },
    () => {
      if (!marker) pinStatus.textContent = msg.gps_failed;
    },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
  );
}
document.getElementById("use-gps").addEventListener("click", useLocation);
if (!marker) useLocation(); // a LINE draft's pin is kept until the person moves it

function showUrgencyFor(category) {
  const medical = Boolean(category) && category.dataset.medical === "true";
  medicalBox.hidden = medicalBox.disabled = !medical;
  otherBox.hidden = otherBox.disabled = medical;
  // How the patient moves: asked for a patient transport only (the API refuses it elsewhere).
  const patient = Boolean(category) && category.dataset.patientTransport === "true";
  mobilityBox.hidden = mobilityBox.disabled = !patient;
  if (!patient) for (const radio of mobilityBox.querySelectorAll("input")) radio.checked = false;
  document.getElementById("consent-needed").hidden = !medical;
  showCallFirst();
}

// Red tells the person to call 1669 first; the request can still be posted after the call.
function showCallFirst() {
  const red = form.querySelector('input[name="urgency"][value="red"]:checked:enabled');
  document.getElementById("call-1669").hidden = !red;
}

form.addEventListener("change", (event) => {
  const field = event.target;
  if (field.name === "category") showUrgencyFor(field);
  if (field.name === "urgency") showCallFirst();
  if (field.name === "incident") {
    for (const group of form.querySelectorAll("[data-incident]")) {
      const chosen = group.dataset.incident === field.value;
      group.hidden = !chosen;
      for (const radio of group.querySelectorAll("input")) {
        radio.disabled = !chosen;
        radio.checked = false;
      }
    }
    showUrgencyFor(null);
  }
  if (field.name === "for_someone_else") {
    for (const input of [form.contact_name, form.contact_phone]) {
      if (field.checked && input.value === input.dataset.own) input.value = "";
      if (!field.checked && !input.value) input.value = input.dataset.own;
    }
    if (field.checked) form.contact_name.focus();
  }
  if (["category", "contact_phone"].includes(field.name)) duplicatesChecked = false;
  form.querySelectorAll(`[data-error-for~="${field.name}"]`).forEach(clearError);
});

function collect() {
  const category = form.querySelector('input[name="category"]:checked');
  const urgency = form.querySelector('input[name="urgency"]:checked:enabled');
  const body = {
    incident: form.incident.value || null,
    category: category ? category.value : "",
    urgency: urgency ? urgency.value : "",
    lat: Number(form.lat.value),
    lon: Number(form.lon.value),
    address_text: form.address_text.value.trim(),
    people_count: Number(form.people_count.value || 1),
    description: form.description.value.trim(),
    contact_name: form.contact_name.value.trim(),
    for_someone_else: form.for_someone_else.checked,
    consent: form.consent.checked,
  };
  const phone = form.contact_phone.value.trim();
  if (phone) body.contact_phone = phone;
  if (form.area_code.value) body.area_code = form.area_code.value;
  const mobility = mobilityBox.querySelector('input[name="mobility"]:checked');
  if (mobility && !mobilityBox.disabled) body.mobility = mobility.value;
  return { body, medical: Boolean(category) && category.dataset.medical === "true" };
}

function checkHere({ body, medical }) {
  const errors = [];
  const say = (field, text) => errors.push({ field, message: text, message_th: text });
  if (!form.lat.value) say("lat", msg.pin_needed);
  if (!body.category) say("category", msg.category_needed);
  else if (!body.urgency) say("urgency", msg.urgency_needed);
  if (medical && !body.consent) say("consent", msg.consent_needed);
  return errors;
}

function clearError(slot) {
  if (!slot) return;
  slot.textContent = "";
  const step = slot.closest("fieldset");
  if (step && ![...step.querySelectorAll(".field-error")].some((s) => s.textContent)) {
    step.classList.remove("has-error");
  }
}

function clearErrors() {
  form.querySelectorAll(".field-error").forEach(clearError);
  formError.textContent = "";
}

function showErrors(errors) {
  let first = null;
  for (const error of errors) {
    const slot = [...form.querySelectorAll(`[data-error-for~="${error.field}"]`)].find(
      (candidate) => !candidate.closest("fieldset").disabled,
    );
    const text = fieldMessage(error, slot ? slot.dataset.label : "");
    if (!slot) {
      formError.textContent = [formError.textContent, text].filter(Boolean).join(" ");
      continue;
    }
    if (!slot.textContent.includes(text)) slot.textContent = `${slot.textContent} ${text}`.trim();
    slot.closest("fieldset").classList.add("has-error");
    if (error.field === "area_code") areaChoice.hidden = false;
    first = first || slot;
  }
  const target = first || formError;
  target.closest("fieldset")?.scrollIntoView({ block: "start" });
  target.closest("fieldset")?.querySelector("input:not([type=hidden]), textarea, select")?.focus({
    preventScroll: true,
  });
}

function duplicateItem(found) {
  const r = found.request;
  const item = document.createElement("li");
  const link = document.createElement("a");
  link.href = `/requests/${r.id}`;
  link.textContent = `${r.code} · ${data.categories[r.category] || r.category}`;
  // Distances are between public map cells: 0 means the same cell, not the same house.
  let why = format(msg.metres_away, { metres: found.distance_m });
  if (found.same_phone) why = msg.same_phone;
  else if (found.distance_m === 0) why = msg.same_spot;
  item.append(link, ` · ${data.statuses[r.status] || r.status} · ${why}`);
  return item;
}

async function duplicatesOf(body) {
  const query = new URLSearchParams({ lat: body.lat, lon: body.lon, category: body.category });
  const phone = body.contact_phone ? normalizeInput(body.contact_phone) : "";
  if (/^[+\d\s()-]{9,20}$/.test(phone)) query.set("phone", phone);
  const answer = await call("GET", `/api/v1/requests/duplicates?${query}`);
  return answer.ok ? answer.data : [];
}

async function send(collected) {
  if (!duplicatesChecked) {
    duplicatesChecked = true;
    const found = await duplicatesOf(collected.body);
    if (found.length) {
      document.getElementById("duplicate-list").replaceChildren(...found.map(duplicateItem));
      duplicatesBox.hidden = false;
      duplicatesBox.scrollIntoView({ block: "center" });
      return false;
    }
  }
  const answer = await call("POST", "/api/v1/requests", {
    body: collected.body,
    key: idempotencyKey,
  });
  if (answer.ok) {
    setFlash(collected.body.urgency === "red" ? msg.sent_red : msg.sent);
    location.assign(`/requests/${answer.data.id}`);
    return true;
  }
  if (answer.status === 401) {
    signInAgain();
    return true;
  }
  if (answer.status === 0) formError.textContent = msg.offline;
  else if (answer.data && answer.data.errors) showErrors(answer.data.errors);
  else formError.textContent = problemText(answer.data, msg.offline);
  return false;
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (submit.disabled) return;
  clearErrors();
  const collected = collect();
  const problems = checkHere(collected);
  if (problems.length) {
    showErrors(problems);
    return;
  }
  const label = submit.textContent;
  submit.disabled = true;
  submit.textContent = msg.sending;
  const leaving = await send(collected);
  if (!leaving) {
    submit.disabled = false;
    submit.textContent = label;
  }
});
