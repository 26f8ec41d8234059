// The status page: everything it shows comes from the same WebSocket API any client
// uses — `serverStatus` once a second, and pushed events for the review panel.
import { AnkiConnectWS, AnkiError } from "./ankiconnect-ws.js";

const $ = (id) => document.getElementById(id);
const KEY_STORE = "ankiconnect-ws-key";
const EASE = { 1: "Again", 2: "Hard", 3: "Good", 4: "Easy" };
const STATE_NAMES = { deckBrowser: "Deck browser", overview: "Deck overview", review: "Reviewing",
  profileManager: "Profile chooser", startup: "Starting", resetRequired: "Waiting" };
const KEY_ERROR = "valid api key must be provided";

const client = new AnkiConnectWS({ key: sessionStorage.getItem(KEY_STORE), topics: ["*"] });
let pollTimer = null;
let collectionOpen = true;
let authorised = false;

function text(id, value) {
  const el = $(id);
  const shown = value === null || value === undefined || value === "" ? "–" : String(value);
  if (el.textContent !== shown) el.textContent = shown;
}

function clock(ms) {
  return new Date(ms).toLocaleTimeString([], { hour12: false });
}

function duration(seconds) {
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
  return h ? `${h} h ${m} min` : m ? `${m} min ${s % 60} s` : `${s} s`;
}

function showConnection(state) {
  const badge = $("connection");
  badge.className = "badge " + (state === "open" ? "open" : "closed");
  badge.textContent = state === "open" ? "connected" : state === "connecting" ? "connecting…" : "connection lost — retrying";
  if (state === "open") startPolling();
  else stopPolling();
}

function showClosed(closed, why) {
  collectionOpen = !closed;
  const banner = $("closed-banner");
  banner.hidden = !closed;
  banner.textContent = closed ? why : "";
  text("anki-collection", closed ? "closed" : "open");
}

// --- API key --------------------------------------------------------------------------

function askForKey(message) {
  authorised = false;
  $("dashboard").hidden = true;
  $("key-prompt").hidden = false;
  $("key-error").textContent = message || "";
  $("key-input").focus();
}

$("key-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const key = $("key-input").value.trim();
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
    if (client.topics.length && client.run === null) client._resubscribe();  // the first try lacked the key
  }
  renderStatus(status);
  if (first) refreshToday();
}

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

function emptyItem(label) {
  const li = document.createElement("li");
  li.textContent = label;
  li.className = "muted";
  return li;
}

function renderClients(clients) {
  $("clients").replaceChildren(...(clients.length ? clients.map((c) => {
    const li = document.createElement("li");
    const topics = c.topics.length ? ` — events: ${c.topics.join(", ")}` : "";
    li.textContent = `${c.origin || "(no origin)"} since ${clock(c.connectedAt)}${topics}`;
    return li;
  }) : [emptyItem("none")]));
}

function drawChart(series) {
  const svg = $("chart");
  const max = Math.max(1, ...series.map((p) => Math.max(p[1], p[2], p[3])));
  const line = (index, cls) => {
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

function showCounts(counts) {
  if (counts) text("review-counts", `${counts.new} new, ${counts.learn} learning, ${counts.review} to review`);
}

function onEvent({ detail: message }) {
  const data = message.data || {};
  switch (message.event) {
    case "state.changed":
      text("review-state", STATE_NAMES[data.state] || data.state);
      break;
    case "review.question":
      text("review-deck", data.deck);
      text("review-question", data.question);
      showCounts(data.counts);
      break;
    case "review.answered": {
      text("review-deck", data.deck);
      showCounts(data.counts);
      const li = document.createElement("li");
      li.className = `ease-${data.ease}`;
      li.dataset.ease = data.ease;
      li.textContent = `${clock(message.time)} ${EASE[data.ease] || data.ease} — ${data.deck}, next in ${
        data.interval < 0 ? `${-data.interval} s` : `${data.interval} d`}`;
      $("review-answers").prepend(li);
      while ($("review-answers").children.length > 10) $("review-answers").lastChild.remove();
      refreshToday();
      break;
    }
    case "review.ended":
      text("review-question", "–");
      break;
    case "collection.closed":
      if (!data.temporary) showClosed(true, "Anki's collection is closed (no profile open). Actions that need it answer “collection is not available”.");
      else showClosed(true, "Anki's collection is briefly closed (sync or database check).");
      break;
    case "collection.opened":
      showClosed(false, "");
      text("anki-profile", data.profile);
      refreshToday();
      break;
    case "reset":
      refresh(true);
      break;
  }
}

client.addEventListener("state", (e) => showConnection(e.detail));
client.addEventListener("event", onEvent);
client.connect();
