// What the map page says: its words from the server, names, ages, dates, chips and elements.
import { format, lang } from "./api.js";

const mapElement = document.getElementById("map");
// Sent in a data attribute, not a JSON <script> block: the page holds no script but files.
export const page = JSON.parse(mapElement.dataset.page);
export const msg = page.messages;
export { format, lang };

const ages = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
// Thai dates show the Buddhist Era year; every time is Bangkok's, as the server's pages show it.
const dates = new Intl.DateTimeFormat(lang === "th" ? "th-TH-u-ca-buddhist" : "en-GB", {
  timeZone: "Asia/Bangkok",
  day: "numeric",
  month: "short",
  year: "numeric",
  hour: "2-digit",
  minute: "2-digit",
});

// "3 hours ago" / "3 ชั่วโมงที่แล้ว".
export function age(iso) {
  const minutes = Math.round((Date.parse(iso) - Date.now()) / 60000);
  if (minutes > -60) return ages.format(minutes, "minute");
  if (minutes > -48 * 60) return ages.format(Math.round(minutes / 60), "hour");
  return ages.format(Math.round(minutes / 1440), "day");
}

// "25 พ.ย. 2569 14:05 น." / "25 Nov 2026, 14:05".
export function when(iso) {
  return dates.format(new Date(iso)) + (lang === "th" ? " น." : "");
}

// Red while it waits, green while a volunteer helps, grey once it is over.
export function stateOf(status) {
  if (status === "open") return "open";
  return status === "claimed" || status === "in_progress" ? "helped" : "closed";
}

export const people = (count) => format(count === 1 ? msg.person : msg.people, { count });
export const categoryName = (code) => page.categories[code] || code;
export const statusName = (status) => page.statuses[status] || status;
export const urgencyName = (urgency) => page.urgencies[urgency] || urgency;

export function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export const statusChip = (status) => element("span", `chip status-${status}`, statusName(status));
export const urgencyChip = (urgency) =>
  element("span", `chip urgency-${urgency}`, urgencyName(urgency));
