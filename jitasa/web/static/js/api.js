// Calling Jitasa's JSON API from the pages: CSRF header, idempotency keys, problem messages.
export const lang = document.documentElement.lang;
const FLASH_KEY = "jitasa-flash";

// A key for the Idempotency-Key header. crypto.randomUUID needs a secure context (HTTPS or
// localhost); a LAN demo over plain HTTP still has getRandomValues.
export function newKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// A place as Thai writes it, with level prefixes and no commas: "ต.ริมใต้ อ.แม่ริม จ.เชียงใหม่"
// (Bangkok: แขวง… เขต… กรุงเทพมหานคร); English joins the names with commas.
// `areas`: [{code, name}], the most precise first (as web/account_views.place does).
const THAI_LEVELS = { 2: "จ.", 4: "อ.", 6: "ต." };
const BANGKOK_LEVELS = { 4: "เขต", 6: "แขวง" };
export function placeName(areas) {
  if (lang !== "th") return areas.map((area) => area.name).join(", ");
  return areas
    .map(({ code, name }) => {
      const prefix = (code.startsWith("10") ? BANGKOK_LEVELS : THAI_LEVELS)[code.length] || "";
      return name.startsWith(prefix) ? name : prefix + name;
    })
    .join(" ");
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : "";
}

// Typed or pasted text in the one form the server stores and compares, as
// jitasa/core/thai.py normalize_input does: NFC, Arabic digits for Thai ones, no invisible
// characters, plain spaces, full-width ASCII as ASCII, sara am as one letter.
const INVISIBLE = /[\u200b\u200c\u200d\u2060\ufeff\u00ad]/g;
const ODD_SPACES = /[\u00a0\u2007\u202f\u3000]/g;
const THAI_DIGITS = /[\u0e50-\u0e59]/g;
const FULL_WIDTH = /[\uff01-\uff5e]/g;

export function normalizeInput(text) {
  return text
    .normalize("NFC")
    .replace(THAI_DIGITS, (d) => String(d.charCodeAt(0) - 0x0e50))
    .replace(INVISIBLE, "")
    .replace(ODD_SPACES, " ")
    .replace(FULL_WIDTH, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replaceAll("\u0e4d\u0e32", "\u0e33");
}

// A JSON body with every text normalised, passwords kept as typed.
function normalizedBody(value, key = "") {
  if (typeof value === "string") return key === "password" ? value : normalizeInput(value);
  if (Array.isArray(value)) return value.map((item) => normalizedBody(item));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [normalizeInput(k), normalizedBody(v, k)]),
    );
  }
  return value;
}

// The same-origin URL with its query's names and values normalised.
function normalizedUrl(url) {
  const parsed = new URL(url, location.href);
  const params = new URLSearchParams();
  for (const [name, value] of parsed.searchParams) {
    params.append(normalizeInput(name), normalizeInput(value));
  }
  const query = params.toString();
  return parsed.pathname + (query ? `?${query}` : "");
}

// Send a request; resolve to {ok, status, data} (data: the JSON body, or null), never throw:
// a network failure answers status 0 so the page can say "no connection".
export async function call(method, url, { body, key } = {}) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken();
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (key) headers["Idempotency-Key"] = key;
  let response;
  try {
    response = await fetch(normalizedUrl(url), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(normalizedBody(body)),
      credentials: "same-origin",
    });
  } catch {
    return { ok: false, status: 0, data: null };
  }
  let data = null;
  try {
    data = await response.json();
  } catch {
    data = null;
  }
  return { ok: response.ok, status: response.status, data };
}

// The explanation of a problem+json answer in the page's language.
export function problemText(data, fallback = "") {
  if (!data) return fallback;
  return (lang === "th" ? data.detail_th : data.detail) || data.detail || fallback;
}

// A field error's message in the page's language, naming the field by its label instead of
// its JSON name: "{field} is required." / "ต้องระบุ {field}". English messages start with the
// name; elsewhere in English it is a plain word ("your explicit consent").
export function fieldMessage(error, label) {
  const thai = lang === "th" && error.message_th;
  const text = thai ? error.message_th : error.message;
  if (!label || !error.field) return text;
  if (!thai) return text.startsWith(error.field) ? label + text.slice(error.field.length) : text;
  return text.replace(new RegExp(`(^|[^A-Za-z_])${error.field}(?![A-Za-z_])`), `$1${label}`);
}

export function signInAgain() {
  const next = encodeURIComponent(location.pathname);
  location.assign(`/signin?next=${next}`);
}

// Keep a message across the reload that shows the new state, then show it once.
export function setFlash(message) {
  try {
    sessionStorage.setItem(FLASH_KEY, message);
  } catch {
    // Storage can be off (old private browsing): the new state still shows, only the note not.
  }
}

export function flashThenReload(message) {
  setFlash(message);
  location.reload();
}

export function showFlash() {
  const box = document.getElementById("flash");
  let message = null;
  try {
    message = sessionStorage.getItem(FLASH_KEY);
    sessionStorage.removeItem(FLASH_KEY);
  } catch {
    return;
  }
  if (!message || !box) return;
  box.textContent = message;
  box.hidden = false;
}

// Read the page's JSON data block (<script type="application/json">): no inline script runs.
export function pageData(id) {
  const element = document.getElementById(id);
  return element ? JSON.parse(element.textContent) : {};
}

export function format(template, params) {
  return template.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? params[name] : whole));
}
