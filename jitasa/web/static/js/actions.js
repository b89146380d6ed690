// Buttons that move a request (my requests, my tasks, request detail): one tap, one change.
import {
  call,
  fieldMessage,
  flashThenReload,
  newKey,
  pageData,
  problemText,
  showFlash,
  signInAgain,
} from "./api.js";

const messages = pageData("action-messages");
// One Idempotency-Key per request and move: a double tap, or a retry after a lost answer,
// changes the request once.
const keys = new Map();

function keyFor(requestId, move) {
  const id = `${requestId}:${move}`;
  if (!keys.has(id)) keys.set(id, newKey());
  return keys.get(id);
}

function what(form, button) {
  const id = form.dataset.requestId;
  const note = form.note ? form.note.value.trim() : "";
  if (form.dataset.kind === "claim") return { move: "claim", url: `/api/v1/requests/${id}/claim` };
  if (form.dataset.kind === "withdraw") {
    return { move: "withdraw", url: `/api/v1/requests/${id}/withdraw` };
  }
  if (form.dataset.kind === "assign") {
    const body = { volunteer_id: Number(form.volunteer_id.value), note };
    if (form.reassign) body.reassign = form.reassign.checked;
    return { move: `assign-${body.volunteer_id}`, url: `/api/v1/requests/${id}/assign`, body };
  }
  if (form.dataset.kind === "destination") {
    const body = { facility_id: Number(button.value) };
    return { move: `destination-${body.facility_id}`, url: `/api/v1/requests/${id}/destination`, body };
  }
  const body = { to: button ? button.value : form.dataset.to, note };
  if (form.reason) body.reason = form.reason.value;
  return { move: body.to, url: `/api/v1/requests/${id}/transition`, body };
}

// A field's label as the form shows it, so an error never names a JSON field (volunteer_id).
function labelOf(form, field) {
  const input = form.querySelector(`[name="${field}"]`);
  const label = input && input.id ? form.querySelector(`label[for="${input.id}"]`) : null;
  return label ? label.textContent.trim() : "";
}

function say(form, text) {
  const box = form.querySelector(".form-message");
  box.classList.add("error");
  box.textContent = text;
}

document.addEventListener("submit", async (event) => {
  const form = event.target.closest("form.request-action");
  if (!form) return;
  event.preventDefault();
  const buttons = form.querySelectorAll("button");
  if (form.dataset.busy) return;
  const button = event.submitter && event.submitter.value ? event.submitter : null;
  const { move, url, body } = what(form, button);
  form.dataset.busy = "1";
  buttons.forEach((b) => { b.disabled = true; });
  const answer = await call("POST", url, { body, key: keyFor(form.dataset.requestId, move) });
  if (answer.ok) {
    flashThenReload((button && button.dataset.done) || form.dataset.done || messages.saved);
    return;
  }
  delete form.dataset.busy;
  buttons.forEach((b) => { b.disabled = false; });
  if (answer.status === 401) {
    signInAgain();
  } else if (answer.status === 0) {
    say(form, messages.offline);
  } else if (answer.data && answer.data.errors) {
    say(form, answer.data.errors.map((e) => fieldMessage(e, labelOf(form, e.field))).join(" "));
  } else {
    // A full destination says so itself; other conflicts mean the request changed meanwhile.
    const changed = answer.status === 409 && form.dataset.kind !== "destination";
    const conflict = changed ? `${messages.conflict} ` : "";
    say(form, conflict + problemText(answer.data, messages.offline));
  }
});

showFlash();
