// The dashboard's figures and past-limit list follow the area's events without a reload.
import { pageData } from "./api.js";
import { followArea } from "./desk-live.js";

const messages = pageData("desk-messages");
const state = document.querySelector(".live-state");
followArea(document.querySelector(".dashboard").dataset.area, {
  onState: (s) => {
    state.dataset.state = s;
    state.textContent = messages[s] || "";
  },
});
