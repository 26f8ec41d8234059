// A TypeScript client of the generated declarations (web/ankiconnect-ws.d.ts). It must
// compile under `tsc --strict`; each `@ts-expect-error` line must NOT compile, so types
// that are too loose fail the check (tests/unit/test_typescript.py).
import { AnkiConnectWS, AnkiError } from "../../web/ankiconnect-ws.js";
import type {
  ActionName, Actions, CallArgs, EventFrame, EventName, HttpReply, NoteSpec, Reply, Request, Result, ServerMessage,
} from "../../web/ankiconnect-ws.js";

type Equal<X, Y> = (<T>() => T extends X ? 1 : 2) extends (<T>() => T extends Y ? 1 : 2) ? true : false;
function assertType<T extends true>(): T | undefined {
  return undefined;
}

const anki = new AnkiConnectWS({ key: null, topics: ["review", "note"] });

// a generic call(), as a client library would write it
async function call<A extends ActionName>(action: A, ...args: CallArgs<A>): Promise<Result<A>> {
  return anki.request(action, ...args);
}

export async function typedCalls(): Promise<void> {
  const decks = await anki.request("deckNames");
  assertType<Equal<typeof decks, string[]>>();
  const alsoDecks = await call("deckNames");
  assertType<Equal<typeof alsoDecks, string[]>>();

  const note: NoteSpec = { deckName: "Default", modelName: "Basic", fields: { Front: "front", Back: "back" } };
  const noteId = await anki.request("addNote", { note });
  assertType<Equal<typeof noteId, number>>();
  const ids: number[] = await call("findNotes", { query: "deck:Default" });
  const infos = await anki.request("notesInfo", { notes: ids });
  assertType<Equal<typeof infos, Result<"notesInfo">>>();
  await anki.request("findAndReplaceInModels", { model: { modelName: "Basic", findText: "a", replaceText: "b" } });

  // @ts-expect-error: a note is an object, not a string
  await call("addNote", { note: "not a note" });
  // @ts-expect-error: a deck name is a string
  await anki.request("addNote", { note: { deckName: 1, modelName: "Basic", fields: {} } });
  // @ts-expect-error: a field's value is a string (or a number)
  await anki.request("addNote", { note: { deckName: "Default", modelName: "Basic", fields: { Front: [] } } });
  // @ts-expect-error: deckName is required
  await anki.request("addNote", { note: { modelName: "Basic", fields: {} } });
  // @ts-expect-error: addNote needs its params
  await anki.request("addNote");
  // @ts-expect-error: an unknown parameter
  await anki.request("deckNames", { deck: "x" });
  // @ts-expect-error: an unknown action
  await anki.request("deckNamez");
  // @ts-expect-error: the result is string[], not number[]
  const wrong: number[] = await anki.request("deckNames");
  void wrong;
  // @ts-expect-error: findNotes takes a query string
  await call("findNotes", { query: 1 });
}

export function requestsAndReplies(): void {
  const request: Request<"addNote"> = {
    id: 1, action: "addNote", version: 6, key: null,
    params: { note: { deckName: "Default", modelName: "Basic", fields: {} } },
  };
  const any: Request = { action: "deckNames", version: 6 };
  // @ts-expect-error: addNote's request carries params
  const missing: Request = { action: "addNote", version: 6 };
  // @ts-expect-error: the params of another action
  const mixed: Request = { action: "deckNames", params: { query: "x" } };
  void [request, any, missing, mixed];

  const reply = JSON.parse("{}") as Reply<"deckNames">;
  if (reply.error === null) {
    assertType<Equal<typeof reply.result, string[]>>();
  } else {
    assertType<Equal<typeof reply.result, null>>();
  }
  const bare: HttpReply<"version"> = 6;
  void bare;
  const keys: ActionName[] = Object.keys({} as Actions) as ActionName[];
  void keys;
}

export function events(message: ServerMessage): void {
  if (!("event" in message)) return;
  const frame: EventFrame = message;
  switch (frame.event) {
    case "review.answered":
      assertType<Equal<typeof frame.data.ease, number>>();
      break;
    case "collection.opened":
      break;
    // @ts-expect-error: no such event
    case "review.answerd":
      break;
  }
  const name: EventName = "reset";
  // @ts-expect-error: no such event
  const wrongName: EventName = "nope";
  void [name, wrongName];
  anki.addEventListener("event", (event) => {
    if (event instanceof CustomEvent) void event.detail;
  });
}

export function errors(error: unknown): string | null {
  return error instanceof AnkiError ? error.message : null;
}
