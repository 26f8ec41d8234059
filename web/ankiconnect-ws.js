// ankiconnect-ws.js — a small WebSocket client for ankiconnect-ws. No dependencies;
// copy it into your own page or extension.
//
//   import { AnkiConnectWS } from "./ankiconnect-ws.js";
//   const anki = new AnkiConnectWS({ key: "optional api key", topics: ["review", "note"] });
//   anki.addEventListener("event", (e) => console.log(e.detail));   // pushed events
//   anki.addEventListener("state", (e) => console.log(e.detail));   // "connecting" | "open" | "closed"
//   anki.connect();
//   const decks = await anki.request("deckNames");
//
// Requests are matched to replies by id, so many can be in flight at once. After a
// dropped connection it reconnects with backoff and resubscribes with `since`, so no
// event still in the server's buffer is missed; when some are gone a "reset" event
// arrives, telling the page to refetch what it shows.

export class AnkiError extends Error {}

export function defaultUrl() {
  const loc = globalThis.location;
  if (loc && (loc.protocol === "http:" || loc.protocol === "https:")) {
    return `${loc.protocol === "https:" ? "wss" : "ws"}://${loc.host}/`;
  }
  return "ws://127.0.0.1:8765/";
}

export class AnkiConnectWS extends EventTarget {
  constructor({ url = defaultUrl(), key = null, topics = [], timeout = 30000 } = {}) {
    super();
    this.url = url;
    this.key = key;
    this.topics = topics;
    this.timeout = timeout;
    this.socket = null;
    this.state = "closed";
    this.nextId = 1;
    this.pending = new Map();
    this.lastSeq = null;
    this.run = null;
    this.retry = 0;
    this.stopped = true;
  }

  connect() {
    this.stopped = false;
    this._open();
  }

  close() {
    this.stopped = true;
    if (this.socket) this.socket.close(1000);
  }

  _setState(state) {
    this.state = state;
    this.dispatchEvent(new CustomEvent("state", { detail: state }));
  }

  _open() {
    this._setState("connecting");
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.retry = 0;
      this._setState("open");
      if (this.topics.length) this._resubscribe();
    };
    socket.onmessage = (message) => this._receive(message.data);
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      for (const [, waiter] of this.pending) waiter.reject(new Error("connection lost"));
      this.pending.clear();
      this._setState("closed");
      if (!this.stopped) {
        const delay = Math.min(5000, 250 * 2 ** this.retry++);
        setTimeout(() => !this.stopped && this._open(), delay);
      }
    };
  }

  async _resubscribe() {
    const params = { events: this.topics };
    if (this.lastSeq !== null) {
      params.since = this.lastSeq;
      params.run = this.run;
    }
    try {
      const result = await this.request("subscribe", params);
      this.run = result.run;
      if (this.lastSeq === null) this.lastSeq = result.seq;
      this.dispatchEvent(new CustomEvent("subscribed", { detail: result }));
    } catch (error) {
      this.dispatchEvent(new CustomEvent("error", { detail: error }));
    }
  }

  _receive(text) {
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof message.event === "string") {
      if (message.event === "reset") {
        this.run = message.data && message.data.run;
      }
      if (typeof message.seq === "number") this.lastSeq = message.seq;
      this.dispatchEvent(new CustomEvent("event", { detail: message }));
      return;
    }
    const waiter = this.pending.get(message.id);
    if (!waiter) return;
    this.pending.delete(message.id);
    clearTimeout(waiter.timer);
    if (message.error !== null && message.error !== undefined) waiter.reject(new AnkiError(message.error));
    else waiter.resolve(message.result);
  }

  request(action, params = {}, version = 6) {
    return new Promise((resolve, reject) => {
      if (!this.socket || this.socket.readyState !== WebSocket.OPEN) {
        reject(new Error("not connected"));
        return;
      }
      const id = this.nextId++;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${action}: no reply in ${this.timeout} ms`));
      }, this.timeout);
      this.pending.set(id, { resolve, reject, timer });
      const request = { id, action, version, params };
      if (this.key) request.key = this.key;
      this.socket.send(JSON.stringify(request));
    });
  }
}
