// @ts-check
// The API explorer tab: every action, its params and result, read from the API's own
// description (GET /openapi.json); a request built from a skeleton of its params, sent over
// the page's WebSocket client (with the page's key), and the reply.

/**
 * @typedef {import('./ankiconnect-ws').ActionName} ActionName
 * @typedef {import('./ankiconnect-ws').AnkiConnectWS} AnkiConnectWS
 * @typedef {{ [key: string]: any }} Schema  a JSON Schema (2020-12) node of openapi.json
 * @typedef {{ name: string, group: string, params: Schema, result: Schema, notes: string[] }} ActionInfo
 */

const COMPONENTS = "#/components/schemas/";

/** @param {string} id */
const $ = (id) => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is not on the page`);
  return element;
};

/**
 * @param {string} tag
 * @param {string} [text]
 * @param {string} [className]
 */
function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

/** The actions of an OpenAPI document, by name. @param {Schema} document @returns {ActionInfo[]} */
export function actionsOf(document) {
  const schemas = document.components.schemas;
  return Object.values(document.paths)
    .map((item) => item.post)
    .filter((operation) => operation)
    .map((operation) => {
      const name = operation.operationId;
      const notes = [];
      if (operation["x-transport"] === "websocket") notes.push("WebSocket only");
      if (operation["x-needs-gui"]) notes.push("needs Anki's window");
      if (operation["x-alias-of"]) notes.push(`alias of ${operation["x-alias-of"]}`);
      return { name, group: operation.tags[0], params: schemas[`${name}Params`], result: schemas[`${name}Result`], notes };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * A short type for a schema: `string`, `NoteSpec[]`, `{ deck: string }`...
 * @param {Schema | boolean | undefined} schema
 * @returns {string}
 */
export function typeText(schema) {
  if (schema === undefined || schema === true) return "any";
  if (schema === false) return "never";
  if (schema.$ref) return schema.$ref.slice(COMPONENTS.length);
  if ("const" in schema) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((/** @type {unknown} */ v) => JSON.stringify(v)).join(" | ");
  if (schema.anyOf) return schema.anyOf.map(typeText).join(" | ");
  if (schema.allOf) return schema.allOf.map(typeText).join(" & ");
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (!types.length) return "any";
  return types.map((/** @type {string} */ type) => {
    if (type === "integer") return "number";
    if (type === "array") {
      if (schema.prefixItems) return `[${schema.prefixItems.map(typeText).join(", ")}]`;
      const item = typeText(schema.items);
      return item.includes(" ") ? `(${item})[]` : `${item}[]`;
    }
    if (type === "object") {
      const keys = Object.entries(schema.properties || {});
      if (keys.length) {
        const required = new Set(schema.required || []);
        return `{ ${keys.map(([k, v]) => `${k}${required.has(k) ? "" : "?"}: ${typeText(v)}`).join("; ")} }`;
      }
      const values = schema.additionalProperties;
      return values === false ? "{}" : `{ [key: string]: ${typeText(values)} }`;
    }
    return type;
  }).join(" | ");
}

/**
 * An example value of a schema: its default, else a skeleton (of a params object: every
 * parameter; of an object inside: what it requires).
 * @param {Schema | boolean | undefined} schema
 * @param {Schema} schemas the document's components.schemas
 * @param {number} [depth]
 * @returns {unknown}
 */
export function skeleton(schema, schemas, depth = 0) {
  if (schema === undefined || typeof schema === "boolean" || depth > 6) return null;
  if (schema.$ref) return skeleton(schemas[schema.$ref.slice(COMPONENTS.length)], schemas, depth + 1);
  if ("default" in schema) return schema.default;
  if ("const" in schema) return schema.const;
  if (schema.examples) return schema.examples[0];
  if (schema.enum) return schema.enum[0];
  const branches = schema.anyOf || schema.allOf;
  if (branches) {
    const chosen = branches.find((/** @type {Schema} */ b) => b.type !== "null") || branches[0];
    return skeleton(chosen, schemas, depth + 1);
  }
  const type = Array.isArray(schema.type) ? schema.type.find((/** @type {string} */ t) => t !== "null") : schema.type;
  switch (type) {
    case "string": return "";
    case "integer": case "number": return 0;
    case "boolean": return false;
    case "null": return null;
    case "array":
      return schema.prefixItems ? schema.prefixItems.map((/** @type {Schema} */ s) => skeleton(s, schemas, depth + 1)) : [];
    case "object": {
      /** @type {{ [key: string]: unknown }} */
      const out = {};
      // the params themselves: every parameter (optional ones at their default); deeper: what is required
      const keys = depth === 0 ? Object.keys(schema.properties || {}) : schema.required || [];
      for (const key of keys) out[key] = skeleton(schema.properties?.[key], schemas, depth + 1);
      return out;
    }
    default: return null;
  }
}

/** The params' object schema (the first form, for an action that takes two). @param {Schema} params @param {Schema} schemas @returns {Schema} */
function paramsObject(params, schemas) {
  const first = params.anyOf ? params.anyOf[0] : params;
  return first.$ref ? schemas[first.$ref.slice(COMPONENTS.length)] : first;
}

/** @param {AnkiConnectWS} client */
export function setupExplorer(client) {
  /** @type {ActionInfo[]} */
  let actions = [];
  /** @type {Schema} */
  let schemas = {};
  /** @type {ActionInfo | null} */
  let current = null;
  /** @type {Promise<void> | null} */
  let loading = null;

  const filter = /** @type {HTMLInputElement} */ ($("explorer-filter"));
  const editor = /** @type {HTMLTextAreaElement} */ ($("explorer-params"));
  const form = $("explorer-form");
  const reply = $("explorer-reply");

  async function load() {
    $("explorer-status").textContent = "loading the API description…";
    const response = await fetch("/openapi.json", { cache: "no-cache" });
    if (!response.ok) throw new Error(`GET /openapi.json: HTTP ${response.status}`);
    const document = await response.json();
    schemas = document.components.schemas;
    actions = actionsOf(document);
    $("explorer-status").textContent = `${actions.length} actions (API ${document.info.version})`;
    renderList();
  }

  function renderList() {
    const needle = filter.value.trim().toLowerCase();
    const shown = actions.filter((a) => !needle || a.name.toLowerCase().includes(needle) || a.group.includes(needle));
    $("explorer-actions").replaceChildren(...shown.map((action) => {
      const li = element("li");
      const button = /** @type {HTMLButtonElement} */ (element("button", action.name, "link"));
      button.type = "button";
      button.dataset.action = action.name;
      button.setAttribute("aria-pressed", String(current === action));
      button.addEventListener("click", () => select(action));
      li.append(button, element("span", ` ${action.group}`, "muted"));
      return li;
    }));
  }

  /** @param {ActionInfo} action */
  function select(action) {
    current = action;
    $("explorer-name").textContent = action.name;
    $("explorer-notes").textContent = [action.group, ...action.notes].join(" · ");
    const params = paramsObject(action.params, schemas);
    const required = new Set(params.required || []);
    const rows = Object.entries(params.properties || {}).map(([key, schema]) => {
      const row = element("tr");
      row.append(element("td", key + (required.has(key) ? "" : "?")), element("td", typeText(schema), "type"),
        element("td", "default" in schema ? JSON.stringify(schema.default) : ""), element("td", schema.description || ""));
      return row;
    });
    $("explorer-param-rows").replaceChildren(...(rows.length ? rows : [emptyRow("no parameters")]));
    $("explorer-result").textContent = typeText(action.result) + (action.result.description ? ` — ${action.result.description}` : "");
    const example = skeleton(params, schemas);
    editor.value = example && Object.keys(example).length ? JSON.stringify(example, null, 2) : "{}";
    reply.textContent = "";
    reply.className = "reply";
    $("explorer-detail").hidden = false;
    renderList();
  }

  /** @param {string} label */
  function emptyRow(label) {
    const row = element("tr");
    const cell = element("td", label, "muted");
    cell.setAttribute("colspan", "4");
    row.append(cell);
    return row;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!current) return;
    /** @type {unknown} */
    let params;
    try {
      params = editor.value.trim() ? JSON.parse(editor.value) : {};
    } catch (error) {
      show(`params are not valid JSON: ${/** @type {Error} */ (error).message}`, "error");
      return;
    }
    const name = /** @type {ActionName} */ (current.name);
    reply.textContent = "…";
    try {
      // the explorer sends whatever the user wrote: the server checks it
      const result = await client.request(name, .../** @type {any} */ ([params]));
      show(JSON.stringify({ result, error: null }, null, 2), "ok");
    } catch (error) {
      show(JSON.stringify({ result: null, error: /** @type {Error} */ (error).message }, null, 2), "error");
    }
  });

  /**
   * @param {string} text
   * @param {"ok" | "error"} kind
   */
  function show(text, kind) {
    reply.textContent = text;
    reply.className = `reply ${kind}`;
    reply.dataset.state = kind;
  }

  filter.addEventListener("input", renderList);

  return {
    /** Load the description on first use. */
    open() {
      loading ??= load().catch((error) => {
        loading = null;
        $("explorer-status").textContent = `could not load the API description: ${error.message}`;
      });
      return loading;
    },
  };
}
