// The desk: pick requests and close them together; the queue follows the area live.
import { call, format, pageData, problemText } from "./api.js";
import { followArea } from "./desk-live.js";

const messages = pageData("desk-messages");
const desk = document.querySelector(".desk");
const form = document.getElementById("bulk-close");
const state = document.querySelector(".live-state");

function picked() {
  return [...document.querySelectorAll(".queue .pick:checked")].map((box) => Number(box.value));
}

function keepChosen() {
  const keep = document.querySelector('.queue input[name="keep"]:checked');
  return keep ? Number(keep.value) : null;
}

function say(text, error = false) {
  const box = form.querySelector(".form-message");
  box.classList.toggle("error", error);
  box.textContent = text;
}

document.addEventListener("change", (event) => {
  if (event.target.matches(".queue .pick")) form.hidden = picked().length === 0;
});

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const reason = form.reason.value;
  const keep = keepChosen();
  const ids = picked().filter((id) => id !== keep);
  if (reason === "duplicate" && keep === null) {
    say(messages.keep, true);
    return;
  }
  const body = {
    request_ids: ids,
    reason,
    note: form.note.value.trim(),
    close_taken: form.close_taken.checked,
  };
  if (reason === "duplicate") body.keep_id = keep;
  const answer = await call("POST", "/api/v1/requests/bulk-close", { body });
  if (!answer.ok) {
    say(answer.status === 0 ? messages.offline : problemText(answer.data, messages.offline), true);
    return;
  }
  const { closed, refused, taken } = answer.data;
  let text = format(messages.closed, { count: closed.length });
  if (taken.length) {
    const codes = taken.map((id) => document.querySelector(`.queue-item[data-request-id="${id}"]`)?.dataset.code || `#${id}`);
    text += ` ${format(messages.taken, { codes: codes.join(", ") })}`;
  }
  if (refused.length) {
    const why = refused.map((r) => `#${r.request_id}: ${document.documentElement.lang === "th" ? r.detail_th : r.detail}`);
    text += ` ${messages.refused} ${why.join("; ")}`;
  }
  say(text, refused.length > 0);
  form.hidden = refused.length === 0;
  await live.refresh();
});

const live = followArea(desk.dataset.area, {
  onState: (s) => {
    state.dataset.state = s;
    state.textContent = messages[s] || "";
  },
  // Keep what the coordinator ticked when the queue is refreshed under them.
  keep: (saved) => {
    if (saved === undefined) return { ids: picked(), keep: keepChosen() };
    for (const box of document.querySelectorAll(".queue .pick")) {
      box.checked = saved.ids.includes(Number(box.value));
    }
    const keep = document.querySelector(`.queue input[name="keep"][value="${saved.keep}"]`);
    if (keep) keep.checked = true;
    return null;
  },
});
