// The detail of one request in the panel: what anyone may see, its page, and "take this request".
import { call, newKey, placeName, problemText, signInAgain } from "./api.js";
import {
  age,
  categoryName,
  element,
  lang,
  msg,
  page,
  people,
  statusChip,
  urgencyChip,
  when,
} from "./map-text.js";

const AREA_LEVELS = ["subdistrict_code", "district_code", "province_code"];
const section = document.getElementById("detail");
const listView = document.getElementById("panel-list");
const title = document.getElementById("detail-title");
const chips = document.getElementById("detail-chips");
const facts = document.getElementById("detail-facts");
const actions = document.getElementById("detail-actions");
const message = document.getElementById("detail-message");
const areaNames = new Map(); // area code → promise of its name in the page language
const claimKeys = new Map(); // request id → Idempotency-Key: a double tap claims once

function areaName(code) {
  if (!areaNames.has(code)) {
    areaNames.set(
      code,
      call("GET", `/api/v1/areas/${encodeURIComponent(code)}`).then((answer) => {
        if (!answer.ok) {
          areaNames.delete(code); // asked again next time, once the connection is back
          return "";
        }
        return lang === "th" ? answer.data.name_th : answer.data.name_en;
      }),
    );
  }
  return areaNames.get(code);
}

function fact(label, value) {
  return [element("dt", "", label), element("dd", "", value)];
}

export class Detail {
  constructor({ onClose, onClaimed }) {
    this.onClose = onClose;
    this.onClaimed = onClaimed;
    this.request = null;
    this.returnTo = null;
    this.taken = new Set(); // ids of the requests this page claimed
    document.getElementById("detail-back").addEventListener("click", () => this.close());
    section.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.close();
    });
  }

  get shownId() {
    return this.request ? this.request.id : null;
  }

  // Show a request as the map or the list has it, kept fresh by live events. Not fetched
  // again: for staff that would read (and audit) the personal data the panel never shows.
  open(request, returnTo) {
    this.returnTo = returnTo;
    message.textContent = "";
    message.classList.remove("error");
    this.fill(request);
    listView.hidden = true;
    section.hidden = false;
    title.focus();
  }

  // A live event about the request on show.
  update(request) {
    if (this.shownId === request.id) this.fill(request);
  }

  close() {
    if (section.hidden) return;
    section.hidden = true;
    listView.hidden = false;
    this.request = null;
    this.onClose(this.returnTo);
  }

  fill(request) {
    this.request = request;
    title.textContent = categoryName(request.category);
    chips.replaceChildren(statusChip(request.status), urgencyChip(request.urgency));
    const where = element("dd", "", "");
    facts.replaceChildren(
      ...fact(msg.fact_code, request.code),
      ...fact(msg.fact_posted, `${age(request.created_at)} · ${when(request.created_at)}`),
      ...fact(msg.fact_people, people(request.people_count)),
      element("dt", "", msg.fact_area),
      where,
    );
    const codes = AREA_LEVELS.map((level) => request[level]).filter(Boolean);
    Promise.all(codes.map(areaName)).then((names) => {
      const areas = codes.map((code, i) => ({ code, name: names[i] })).filter((a) => a.name);
      where.textContent = placeName(areas);
    });
    this.fillActions(request);
  }

  // The buttons are made again only when they would change: a live event about the request
  // on show must not take the keyboard focus off them.
  fillActions(request) {
    const claimable = page.may_claim && request.status === "open";
    const shape = `${request.id}:${this.taken.has(request.id)}:${claimable}`;
    if (shape === actions.dataset.shape) return;
    actions.dataset.shape = shape;
    const link = element("a", "", msg.request_page);
    link.href = `/requests/${request.id}`;
    const buttons = [link];
    if (this.taken.has(request.id)) {
      const tasks = element("a", "button", msg.to_tasks);
      tasks.href = "/volunteer/tasks";
      buttons.unshift(tasks);
    } else if (claimable) {
      const claim = element("button", "button claim", msg.claim);
      claim.type = "button";
      claim.addEventListener("click", () => this.claim(request, claim));
      buttons.unshift(claim);
    }
    actions.replaceChildren(...buttons);
  }

  async claim(request, button) {
    if (button.disabled) return;
    button.disabled = true;
    if (!claimKeys.has(request.id)) claimKeys.set(request.id, newKey());
    const answer = await call("POST", `/api/v1/requests/${request.id}/claim`, {
      key: claimKeys.get(request.id),
    });
    if (answer.status === 401) {
      signInAgain();
      return;
    }
    message.classList.toggle("error", !answer.ok);
    if (answer.ok) {
      this.taken.add(request.id);
      this.fill(answer.data);
      actions.querySelector("a.button").focus(); // the pressed button is gone
      message.textContent = msg.claimed;
      this.onClaimed();
    } else if (answer.status === 409) {
      button.remove();
      message.textContent = msg.taken;
    } else {
      button.disabled = false;
      message.textContent = answer.status === 0
        ? msg.no_connection
        : problemText(answer.data, msg.no_connection);
    }
  }
}
