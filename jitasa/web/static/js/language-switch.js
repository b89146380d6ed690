// The language link keeps what the person typed: the page's form fields are kept for the one
// reload in the other language (never passwords, codes sent by SMS or the CSRF token).
const KEY = "jitasa-typed";
const SKIPPED = new Set(["password", "hidden", "file", "submit", "button"]);
const SECRET_NAMES = new Set(["code", "csrf_token", "password"]);

function fields() {
  return [...document.querySelectorAll("main form input, main form textarea, main form select")]
    .filter((f) => f.name && !SKIPPED.has(f.type) && !SECRET_NAMES.has(f.name));
}

function fieldKey(field) {
  return `${field.form ? field.form.getAttribute("action") || "" : ""}|${field.name}|${field.value}`;
}

document.querySelector(".lang-switch")?.addEventListener("click", () => {
  const typed = {};
  for (const field of fields()) {
    if (field.type === "checkbox" || field.type === "radio") {
      typed[fieldKey(field)] = field.checked;
    } else {
      typed[`${field.form ? field.form.getAttribute("action") || "" : ""}|${field.name}`] = field.value;
    }
  }
  sessionStorage.setItem(KEY, JSON.stringify({ path: location.pathname, typed }));
});

const saved = JSON.parse(sessionStorage.getItem(KEY) || "null");
sessionStorage.removeItem(KEY);
if (saved && saved.path === location.pathname) {
  for (const field of fields()) {
    const form = field.form ? field.form.getAttribute("action") || "" : "";
    if (field.type === "checkbox" || field.type === "radio") {
      const checked = saved.typed[fieldKey(field)];
      if (checked !== undefined && checked !== field.checked) {
        field.checked = checked;
        field.dispatchEvent(new Event("change", { bubbles: true }));
      }
    } else {
      const value = saved.typed[`${form}|${field.name}`];
      if (value !== undefined && value !== "") field.value = value;
    }
  }
}
