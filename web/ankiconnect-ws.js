// @ts-check
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
//
// Types: ankiconnect-ws.d.ts (generated from the add-on's code) declares this module, with
// every action's params and result and every event's data; tsc checks this file against it.

/**
 * @typedef {import('./ankiconnect-ws').ActionName} ActionName
 * @typedef {import('./ankiconnect-ws').Client} Client
 * @typedef {import('./ankiconnect-ws').ClientOptions} ClientOptions
 * @typedef {import('./ankiconnect-ws').ConnectionState} ConnectionState
 * @typedef {import('./ankiconnect-ws').Params<"subscribe">} SubscribeParams
 * @typedef {import('./ankiconnect-ws').Request} Request
 * @typedef {import('./ankiconnect-ws').ServerMessage} ServerMessage
 * @typedef {import('./ankiconnect-ws').Topic} Topic
 */
/**
 * @template {ActionName} A
 * @typedef {import('./ankiconnect-ws').CallArgs<A>} CallArgs
 */
/**
 * @template {ActionName} A
 * @typedef {import('./ankiconnect-ws').Result<A>} Result
 */
/** @typedef {{ resolve: (result: any) => void, reject: (error: Error) => void, timer: ReturnType<typeof setTimeout> }} Waiter */

export class AnkiError extends Error {}

export function defaultUrl() {
  const loc = globalThis.location;
  if (loc && (loc.protocol === "http:" || loc.protocol === "https:")) {
    return `${loc.protocol === "https:" ? "wss" : "ws"}://${loc.host}/`;
  }
  return "ws://127.0.0.1:8765/";
}

/** @implements {Client} */
export class AnkiConnectWS extends EventTarget {
  /** @param {ClientOptions} [options] */
  constructor({ url = defaultUrl(), key = null, topics = [], timeout = 30000 } = {}) {
    super();
    this.url = url;
    /** @type {string | null} */
    this.key = key;
    /** @type {Topic[]} */
    this.topics = topics;
    this.timeout = timeout;
    /** @type {WebSocket | null} */
    this.socket = null;
    /** @type {ConnectionState} */
    this.state = "closed";
    this.nextId = 1;
    /** @type {Map<number, Waiter>} */
    this.pending = new Map();
    /** @type {number | null} */
    this.lastSeq = null;
    /** @type {string | null} */
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

  /** @param {ConnectionState} state */
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
      if (this.topics.length) this.resubscribe();
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

  /** Subscribe to the client's topics, continuing from the last event seen. */
  async resubscribe() {
    /** @type {SubscribeParams} */
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

  /** @param {string} text */
  _receive(text) {
    /** @type {ServerMessage} */
    let message;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if ("event" in message && typeof message.event === "string") {
      if (message.event === "reset") {
        this.run = message.data && message.data.run;
      }
      if (typeof message.seq === "number") this.lastSeq = message.seq;
      this.dispatchEvent(new CustomEvent("event", { detail: message }));
      return;
    }
    const id = message.id;
    const waiter = typeof id === "number" ? this.pending.get(id) : undefined;
    if (!waiter) return;
    this.pending.delete(/** @type {number} */ (id));
    clearTimeout(waiter.timer);
    if (message.error !== null && message.error !== undefined) waiter.reject(new AnkiError(message.error));
    else waiter.resolve(message.result);
  }

  /**
   * Send a request and wait for its reply: the result, or an AnkiError.
   * @template {ActionName} A
   * @param {A} action
   * @param {CallArgs<A>} args params (optional when the action requires none), version (6)
   * @returns {Promise<Result<A>>}
   */
  request(action, ...args) {
    const [params = {}, version = 6] = args;
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
      /** @type {Request} */
      const request = /** @type {Request} */ ({ id, action, version, params });
      if (this.key) request.key = this.key;
      this.socket.send(JSON.stringify(request));
    });
  }
}
