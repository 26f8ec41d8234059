// @ts-check
// The status page: everything it shows comes from the same WebSocket API any client
// uses — `serverStatus` once a second, and pushed events for the review panel.
import { AnkiConnectWS, AnkiError } from "./ankiconnect-ws.js";
import { setupExplorer } from "./explorer.js";

/**
 * @typedef {import('./ankiconnect-ws').ConnectionState} ConnectionState
 * @typedef {import('./ankiconnect-ws').Counts} Counts
 * @typedef {import('./ankiconnect-ws').EventFrame} EventFrame
 * @typedef {import('./ankiconnect-ws').ClientFigures} ClientFigures
 * @typedef {import('./ankiconnect-ws').ServerStatus} ServerStatus
 * @typedef {import('./ankiconnect-ws').Traffic} Traffic
 */

/** The page's element with this id (the page is static: a missing one is a bug). */
const $ = (/** @type {string} */ id) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is not on the page`);
  return element;
};
const KEY_STORE = "ankiconnect-ws-key";
/** @type {Record<number, string>} */
const EASE = { 1: "Again", 2: "Hard", 3: "Good", 4: "Easy" };
/** @type {Record<string, string>} */
const STATE_NAMES = { deckBrowser: "Deck browser", overview: "Deck overview", review: "Reviewing",
  profileManager: "Profile chooser", startup: "Starting", resetRequired: "Waiting" };
const KEY_ERROR = "valid api key must be provided";

const client = new AnkiConnectWS({ key: sessionStorage.getItem(KEY_STORE), topics: ["*"] });
/** @type {ReturnType<typeof setInterval> | null} */
let pollTimer = null;
let collectionOpen = true;
let authorised = false;

/**
 * @param {string} id
 * @param {unknown} value
 */
function text(id, value) {
  const el = $(id);
  const shown = value === null || value === undefined || value === "" ? "–" : String(value);
  if (el.textContent !== shown) el.textContent = shown;
}

/** @param {number} ms */
function clock(ms) {
  return new Date(ms).toLocaleTimeString([], { hour12: false });
}

/** @param {number | null} seconds */
function duration(seconds) {
  if (seconds === null) return null;
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return h ? `${h} h ${m} min` : m ? `${m} min ${s % 60} s` : `${s} s`;
}

/** @param {ConnectionState} state */
function showConnection(state) {
  const badge = $("connection");
  badge.className = "badge " + (state === "open" ? "open" : "closed");
  badge.textContent = state === "open" ? "connected" : state === "connecting" ? "connecting…" : "connection lost — retrying";
  if (state === "open") startPolling();
  else stopPolling();
}

/**
 * @param {boolean} closed
 * @param {string} why
 */
function showClosed(closed, why) {
  collectionOpen = !closed;
  const banner = $("closed-banner");
  banner.hidden = !closed;
  banner.textContent = closed ? why : "";
  text("anki-collection", closed ? "closed" : "open");
}

// --- API key --------------------------------------------------------------------------

/** @param {string} message */
function askForKey(message) {
  authorised = false;
  $("dashboard").hidden = true;
  $("key-prompt").hidden = false;
  $("key-error").textContent = message || "";
  $("key-input").focus();
}

$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const key = /** @type {HTMLInputElement} */ ($("key-input")).value.trim();
  sessionStorage.setItem(KEY_STORE, key);
  client.key = key;
  $("key-error").textContent = "";
  refresh(true);
});

// --- polling serverStatus ---------------------------------------------------------------

function startPolling() {
  stopPolling();
  refresh(true);
  pollTimer = setInterval(refresh, 1000);
}

function stopPolling() {
  if (pollTimer) clearInterval(pollTimer);
  pollTimer = null;
}

async function refresh(first = false) {
  /** @type {ServerStatus} */
  let status;
  try {
    status = await client.request("serverStatus");
  } catch (error) {
    if (error instanceof AnkiError && error.message === KEY_ERROR) {
      askForKey(client.key ? "That key is not right." : "");
    }
    return;
  }
  if (!authorised) {
    authorised = true;
    $("key-prompt").hidden = true;
    $("dashboard").hidden = false;
    if (client.topics.length && client.run === null) client.resubscribe();  // the first try lacked the key
  }
  renderStatus(status);
  if (first) refreshToday();
}

/** @param {ServerStatus} status */
function renderStatus(status) {
  const { server, anki, traffic, clients } = status;
  text("server-version", `${server.version} (API ${server.apiVersion})`);
  text("server-address", server.address);
  text("server-uptime", duration(server.uptime));
  text("anki-version", anki.version);
  text("anki-profile", anki.profile);
  text("anki-sync", anki.sync);
  if (anki.collectionOpen !== collectionOpen) {
    showClosed(!anki.collectionOpen, "Anki's collection is closed (no profile open). Actions that need it answer “collection is not available”.");
  }
  text("anki-collection", anki.collectionOpen ? "open" : "closed");
  if (anki.state) text("review-state", STATE_NAMES[anki.state] || anki.state);
  if (traffic) renderTraffic(traffic);
  renderClients(clients || []);
}

/** @param {Traffic} traffic */
function renderTraffic(traffic) {
  const t = traffic.totals;
  const total = t.http + t.ws;
  const rate = total ? ((100 * t.errors) / total).toFixed(1) : "0.0";
  text("traffic-totals", `${t.http} HTTP, ${t.ws} WebSocket, ${rate} % errors, ${t.refused} refused`);
  drawChart(traffic.perSecond);
  const body = $("recent");
  body.replaceChildren(...traffic.recent.slice(0, 25).map((r) => {
    const row = document.createElement("tr");
    const cells = [clock(r.time), r.action ?? "(invalid)", r.ms.toFixed(1), r.ok ? "ok" : r.error, r.protocol, r.origin || "—"];
    cells.forEach((value, i) => {
      const td = document.createElement("td");
      td.textContent = value;
      if (i === 3) td.className = r.ok ? "ok" : "error";
      row.append(td);
    });
    row.dataset.action = r.action ?? "";
    return row;
  }));
  $("refused").replaceChildren(...(traffic.refused.length ? traffic.refused.slice(0, 10).map((r) => {
    const li = document.createElement("li");
    li.textContent = `${clock(r.time)} ${r.protocol}: ${r.reason} ${r.value ? `“${r.value}”` : ""}${r.action ? ` (${r.action})` : ""}`;
    return li;
  }) : [emptyItem("none")]));
}

/** @param {string} label */
function emptyItem(label) {
  const li = document.createElement("li");
  li.textContent = label;
  li.className = "muted";
  return li;
}

/** @param {ClientFigures[]} clients */
function renderClients(clients) {
  $("clients").replaceChildren(...(clients.length ? clients.map((c) => {
    const li = document.createElement("li");
    const topics = c.topics.length ? ` — events: ${c.topics.join(", ")}` : "";
    li.textContent = `${c.origin || "(no origin)"} since ${clock(c.connectedAt)}${topics}`;
    return li;
  }) : [emptyItem("none")]));
}

/** @param {Traffic["perSecond"]} series */
function drawChart(series) {
  const svg = $("chart");
  const max = Math.max(1, ...series.map((p) => Math.max(p[1], p[2], p[3])));
  const line = (/** @type {number} */ index, /** @type {string} */ cls) => {
    const points = series.map((p, i) => `${(i / (series.length - 1)) * 600},${115 - (p[index] / max) * 105}`).join(" ");
    return `<polyline class="${cls}" points="${points}"></polyline>`;
  };
  svg.innerHTML = line(1, "http") + line(2, "ws") + line(3, "err");
}

// --- review panel, from events ------------------------------------------------------------

async function refreshToday() {
  if (!collectionOpen) return;
  try {
    text("review-today", await client.request("getNumCardsReviewedToday"));
  } catch {
    /* collection closed or action unavailable: keep the last figure */
  }
}

/** @param {Counts | null} counts */
function showCounts(counts) {
  if (counts) text("review-counts", `${counts.new} new, ${counts.learn} learning, ${counts.review} to review`);
}

/** @param {EventFrame} message */
function onEvent(message) {
  switch (message.event) {
    case "state.changed":
      text("review-state", STATE_NAMES[message.data.state] || message.data.state);
      break;
    case "review.question":
      text("review-deck", message.data.deck);
      text("review-question", message.data.question);
      showCounts(message.data.counts);
      break;
    case "review.answered": {
      text("review-deck", message.data.deck);
      showCounts(message.data.counts);
      const li = document.createElement("li");
      li.className = `ease-${message.data.ease}`;
      li.dataset.ease = String(message.data.ease);
      li.textContent = `${clock(message.time)} ${EASE[message.data.ease] || message.data.ease} — ${message.data.deck}, next in ${
        message.data.interval < 0 ? `${-message.data.interval} s` : `${message.data.interval} d`}`;
      $("review-answers").prepend(li);
      while ($("review-answers").children.length > 10) $("review-answers").lastElementChild?.remove();
      refreshToday();
      break;
    }
    case "review.ended":
      text("review-question", "–");
      break;
    case "collection.closed":
      if (!message.data.temporary) showClosed(true, "Anki's collection is closed (no profile open). Actions that need it answer “collection is not available”.");
      else showClosed(true, "Anki's collection is briefly closed (sync or database check).");
      break;
    case "collection.opened":
      showClosed(false, "");
      text("anki-profile", message.data.profile);
      refreshToday();
      break;
    case "reset":
      refresh(true);
      break;
  }
}

// --- tabs: the status (first, default) and the API explorer ------------------------------

const explorer = setupExplorer(client);

/** @param {"status" | "api"} view */
function showView(view) {
  for (const name of ["status", "api"]) {
    $(`tab-${name}`).setAttribute("aria-selected", String(name === view));
    $(`view-${name}`).hidden = name !== view;
  }
  if (view === "api") explorer.open();
}

$("tab-status").addEventListener("click", () => showView("status"));
$("tab-api").addEventListener("click", () => showView("api"));

client.addEventListener("state", (e) => showConnection(e.detail));
client.addEventListener("event", (e) => onEvent(e.detail));
client.connect();
