#!/usr/bin/env node
// Compatibility check: drive ankiconnect-ws with the yanki-connect client (a fully typed
// AnkiConnect client from npm) and call EVERY action it exposes through its grouped
// helpers (client.deck.deckNames(), ...), checking each result against the shape its
// .d.ts declares.
//
//   node yanki.mjs [URL | PORT] [--exit]
//   env: ANKICONNECT_URL (default http://127.0.0.1:8765), ANKICONNECT_API_KEY, YANKI_EXIT=1
//
// Output: one line per action, "ok <action>" or "FAIL <action>: <reason>", a few
// "note: ..." lines, and last exactly "N passed, N failed". Exit code 1 if any failed.
// The first line is "yanki-connect <version>: <N> actions", N counted from the client
// object itself (tests/compat/test_yanki_connect.py checks passed == N).
//
// Run it ONLY against a throwaway Anki profile: it creates decks, notes, note types,
// media files and reviews (all named "Yanki <run id> ..."), opens the Browser, the Add
// and Edit dialogs and the import dialog, and reviews cards.
//
// Decisions:
// * guiExitAnki closes Anki, so it is called only with --exit (or YANKI_EXIT=1), LAST,
//   and passes when Anki then stops answering within 20 s. Without --exit it is reported
//   as "skip guiExitAnki" and counted neither passed nor failed, so a run without --exit
//   never reaches passed == N. The pytest runs it with --exit against its own Anki.
// * Actions that need AnkiWeb (sync) cannot succeed offline: a thrown error with a clear
//   message is accepted as "ok sync (error as documented: <message>)"; "unsupported
//   action" is still a failure.
// * exportPackage / importPackage / guiImportFile use files in a temp folder on this
//   machine: the script must run on the Anki host (as AnkiConnect requires anyway).
//   guiImportFile gets a path, so no file picker opens (only Anki's import review window).
// * Shapes follow yanki-connect's .d.ts types except where those types contradict what
//   AnkiConnect really returns (docs spec/ankiconnect-reference.md, which our add-on
//   matches); every such place says "yanki type:" in a comment. The call parameters are
//   those AnkiConnect accepts (the helpers pass params through untouched).
// * Each action's test creates what it needs with raw invoke() calls ("setup"), so one
//   failing action does not make the others fail; a setup failure names the action.

import { Buffer } from 'node:buffer'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { YankiConnect } from 'yanki-connect'

// The package's exports map hides package.json from import/require: read the file.
const YANKI_VERSION = JSON.parse(
  fs.readFileSync(new URL('./node_modules/yanki-connect/package.json', import.meta.url), 'utf8'),
).version
const CALL_TIMEOUT_MS = 60_000
const RUN = Date.now().toString(36)

// --- arguments ----------------------------------------------------------------------

const args = process.argv.slice(2)
const allowExit = args.includes('--exit') || process.env.YANKI_EXIT === '1'
const target = args.find((a) => !a.startsWith('--')) ?? process.env.ANKICONNECT_URL ?? 'http://127.0.0.1:8765'
const url = new URL(/^\d+$/.test(target) ? `http://127.0.0.1:${target}` : target)

// --- transport: record which action each helper really sends, and check envelopes ----

let rawDepth = 0 // >0 while a setup / direct call runs (not the helper under test)
let helperActions = [] // wire actions the helpers sent during the current test
let envelopeProblems = []

async function recordingFetch(input, init) {
  const request = JSON.parse(init.body)
  if (rawDepth === 0) helperActions.push(request.action)
  const response = await fetch(input, { ...init, signal: AbortSignal.timeout(CALL_TIMEOUT_MS) })
  const text = await response.text()
  let json
  try {
    json = JSON.parse(text)
  } catch {
    throw new Error(`reply to ${request.action} is not JSON (HTTP ${response.status}): ${text.slice(0, 80)}`)
  }
  const keys = json && typeof json === 'object' && !Array.isArray(json) ? Object.keys(json).sort() : null
  if (!keys || keys.join(',') !== 'error,result') {
    envelopeProblems.push(`${request.action}: envelope must be exactly {result, error}, got ${show(json)}`)
  }
  return { headers: response.headers, json: async () => json, status: response.status }
}

const client = new YankiConnect({
  autoLaunch: false,
  fetchAdapter: recordingFetch,
  host: `${url.protocol}//${url.hostname}`,
  key: process.env.ANKICONNECT_API_KEY || undefined,
  port: Number(url.port || 80),
})
const { card, deck, graphical, media, miscellaneous: misc, model, note, statistic } = client

/** Every helper the client exposes: "group.action" names, found on the object itself. */
function exposedActions() {
  const found = new Map()
  for (const [group, value] of Object.entries(client)) {
    if (!value || typeof value !== 'object') continue
    const members = Object.entries(value)
    if (members.length === 0 || !members.every(([, fn]) => typeof fn === 'function')) continue
    for (const [name] of members) found.set(name, group)
  }
  return found
}

// --- shape checks (from yanki-connect's dist/index.d.ts) ------------------------------

class ShapeError extends Error {}
class CheckError extends Error {}
class SetupError extends Error {}

function show(value) {
  const text = JSON.stringify(value)
  return text === undefined ? String(value) : text.length > 120 ? `${text.slice(0, 117)}...` : text
}

const fail = (where, want, got) => {
  throw new ShapeError(`${where}: expected ${want}, got ${show(got)}`)
}
const num = (v, p) => (typeof v === 'number' && Number.isFinite(v)) || fail(p, 'number', v)
const int = (v, p) => Number.isInteger(v) || fail(p, 'integer', v)
const str = (v, p) => typeof v === 'string' || fail(p, 'string', v)
const bool = (v, p) => typeof v === 'boolean' || fail(p, 'boolean', v)
const nul = (v, p) => v === null || fail(p, 'null', v)
const lit = (want) => (v, p) => v === want || fail(p, show(want), v)
const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v)

function arr(item, { len, min } = {}) {
  return (v, p) => {
    if (!Array.isArray(v)) fail(p, 'array', v)
    if (len !== undefined && v.length !== len) fail(p, `array of length ${len}`, v)
    if (min !== undefined && v.length < min) fail(p, `array of at least ${min} item(s)`, v)
    v.forEach((x, i) => item(x, `${p}[${i}]`))
  }
}
const tuple = (...items) => (v, p) => {
  arr(() => {}, { len: items.length })(v, p)
  items.forEach((item, i) => item(v[i], `${p}[${i}]`))
}
/** Required keys in `shape`, optional ones in `optional`; extra keys are allowed. */
const obj = (shape, optional = {}) => (v, p) => {
  if (!isObject(v)) fail(p, 'object', v)
  for (const [key, check] of Object.entries(shape)) {
    if (!(key in v)) fail(`${p}.${key}`, 'the key to be present', undefined)
    check(v[key], `${p}.${key}`)
  }
  for (const [key, check] of Object.entries(optional)) if (key in v) check(v[key], `${p}.${key}`)
}
const record = (value, { min } = {}) => (v, p) => {
  if (!isObject(v)) fail(p, 'object', v)
  if (min !== undefined && Object.keys(v).length < min) fail(p, `object with at least ${min} key(s)`, v)
  for (const [key, x] of Object.entries(v)) value(x, `${p}[${JSON.stringify(key)}]`)
}
const oneOf = (...options) => (v, p) => {
  const reasons = []
  for (const option of options) {
    try {
      option(v, p)
      return
    } catch (error) {
      if (!(error instanceof ShapeError)) throw error
      reasons.push(error.message)
    }
  }
  throw new ShapeError(reasons.join(' | or | '))
}
const nullable = (check) => oneOf(nul, check)

function shape(check, value) {
  check(value, 'result')
  return value
}
function expect(condition, message) {
  if (!condition) throw new CheckError(message)
}
function same(actual, wanted, what) {
  expect(JSON.stringify(actual) === JSON.stringify(wanted), `${what}: expected ${show(wanted)}, got ${show(actual)}`)
}

// Types shared by several actions.

const fieldValues = record(obj({ order: int, value: str }), { min: 1 })
// yanki type: one CardInfo for cardsInfo and guiCurrentCard (union of both). AnkiConnect
// returns the review keys (due, interval, ...) only from cardsInfo and buttons/template
// only from guiCurrentCard, so each action is checked against its own part.
const cardInfoCommon = {
  answer: str,
  cardId: int,
  css: str,
  deckName: str,
  fieldOrder: int,
  fields: fieldValues,
  modelName: str,
  nextReviews: arr(str),
  question: str,
}
const cardsInfoItem = obj(
  {
    ...cardInfoCommon,
    due: int,
    interval: int,
    lapses: int,
    left: int,
    mod: int,
    note: int,
    ord: int,
    queue: int,
    reps: int,
    type: int,
  },
  { buttons: arr(int), template: str, factor: int, flags: int },
)
const currentCard = obj({ ...cardInfoCommon, buttons: arr(int, { min: 1 }), template: str })

const deckStats = obj({
  deck_id: int,
  learn_count: int,
  name: str,
  new_count: int,
  review_count: int,
  total_in_deck: int,
})
// yanki type also declares new.separate, rev.fuzz and rev.minSpace: legacy keys that
// current Anki no longer writes into config dicts, so they are optional here.
const deckConfig = obj({
  autoplay: bool,
  dyn: oneOf(lit(1), lit(false)),
  id: int,
  lapse: obj({ delays: arr(num), leechAction: int, leechFails: int, minInt: int, mult: num }),
  maxTaken: int,
  mod: int,
  name: str,
  new: obj(
    { bury: bool, delays: arr(num), initialFactor: int, ints: arr(int), order: int, perDay: int },
    { separate: bool },
  ),
  replayq: bool,
  rev: obj(
    { bury: bool, ease4: num, ivlFct: num, maxIvl: int, perDay: int },
    { fuzz: num, minSpace: int },
  ),
  timer: int,
  usn: int,
})
// yanki type: did is null (a notetype's and a template's deck override); Anki keeps a
// deck id there once one is set, hence nullable(int).
const modelField = obj({
  collapsed: bool,
  description: str,
  excludeFromSearch: bool,
  font: str,
  id: nullable(int),
  name: str,
  ord: int,
  plainText: bool,
  preventDeletion: bool,
  rtl: bool,
  size: int,
  sticky: bool,
  tag: nullable(int),
})
const modelTemplate = obj({
  afmt: str,
  bafmt: str,
  bfont: str,
  bqfmt: str,
  bsize: int,
  did: nullable(int),
  id: nullable(int),
  name: str,
  ord: int,
  qfmt: str,
})
const modelShape = obj({
  css: str,
  did: nullable(int),
  flds: arr(modelField, { min: 1 }),
  id: int,
  latexPost: str,
  latexPre: str,
  latexsvg: bool,
  mod: int,
  name: str,
  originalStockKind: int,
  req: arr(tuple(int, str, arr(int))),
  sortf: int,
  tmpls: arr(modelTemplate, { min: 1 }),
  type: int,
  usn: int,
})
const noteInfo = obj({
  cards: arr(int, { min: 1 }),
  fields: fieldValues,
  mod: int,
  modelName: str,
  noteId: int,
  profile: str,
  tags: arr(str),
})
const reviewTuple = tuple(int, int, int, int, int, int, int, int, int)

// --- fixtures: raw invoke() calls that prepare what a test needs ----------------------

async function raw(action, params, prefix = 'setup ') {
  rawDepth++
  try {
    const reply = await client.invoke(action, params)
    if (reply.error !== null) throw new SetupError(`${prefix}${action} failed: ${reply.error}`)
    return reply.result
  } catch (error) {
    if (error instanceof SetupError) throw error
    throw new SetupError(`${prefix}${action} failed: ${error.message}`)
  } finally {
    rawDepth--
  }
}

let counter = 0
const uniq = (label) => `${label} ${RUN}-${++counter}`
const b64 = (text) => Buffer.from(text).toString('base64')

async function newDeck(label = 'deck') {
  const name = `Yanki ${RUN}::${uniq(label)}`
  await raw('createDeck', { deck: name })
  return name
}
async function newNote(deckName, { modelName = 'Basic', fields = {}, tags = ['yanki'] } = {}) {
  const front = uniq('front')
  const nid = await raw('addNote', { note: { deckName, fields: { Front: front, Back: 'back', ...fields }, modelName, tags } })
  return nid
}
async function cardsOfNote(nid) {
  return raw('findCards', { query: `nid:${nid}` })
}
/** A deck with one new Basic note; returns its names and ids. */
async function newCard(label = 'card') {
  const deckName = await newDeck(label)
  const nid = await newNote(deckName)
  const [cid] = await cardsOfNote(nid)
  return { cid, deckName, nid }
}
async function newModel(label = 'model', templates = 1) {
  const modelName = `Yanki ${uniq(label)}`
  const cardTemplates = [
    { Back: '{{FrontSide}}<hr id=answer>{{Back}}', Front: '{{Front}}', Name: 'Card 1' },
    { Back: '{{FrontSide}}<hr id=answer>{{Front}}', Front: '{{Back}}', Name: 'Card 2' },
  ].slice(0, templates)
  const created = await raw('createModel', {
    cardTemplates,
    css: '.card { color: black; }',
    inOrderFields: ['Front', 'Back', 'Extra'],
    modelName,
  })
  return { id: created.id, modelName }
}
async function fieldNames(modelName) {
  return raw('modelFieldNames', { modelName }, 'check ')
}
async function noteInfoOf(nid) {
  const [info] = await raw('notesInfo', { notes: [nid] }, 'check ')
  return info
}
async function answered(label) {
  const made = await newCard(label)
  await raw('answerCards', { answers: [{ cardId: made.cid, ease: 3 }] })
  return made
}
async function until(probe, what, ms = 10_000) {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await probe()
    if (value) return value
    if (Date.now() > deadline) throw new CheckError(`${what} (waited ${ms / 1000} s)`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

let reviewDeck
/** Puts Anki in review on a deck with new cards (the GUI tests share it). */
async function ensureReviewing() {
  if (!reviewDeck) {
    reviewDeck = await newDeck('review')
    for (let i = 0; i < 5; i++) await newNote(reviewDeck)
  }
  const current = await raw('guiCurrentCard').catch(() => null)
  if (current) return current
  await raw('guiDeckReview', { name: reviewDeck })
  return until(() => raw('guiCurrentCard').catch(() => null), 'no card showing after guiDeckReview')
}
let browserCard
async function ensureBrowser() {
  browserCard ??= await newCard('browse')
  await raw('guiBrowse', { query: `nid:${browserCard.nid}` })
  return browserCard
}

const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'yanki-compat-'))

// --- one test per action, in run order ------------------------------------------------
// A test calls the helper under test, checks the shape, optionally checks the effect,
// and may return a detail string shown after "ok <action>".

const tests = new Map()
const t = (name, fn) => tests.set(name, fn)

// miscellaneous

t('version', async () => {
  shape(lit(6), await misc.version())
})
t('requestPermission', async () => {
  // yanki type: {permission:'granted', requireApiKey, version: boolean}; AnkiConnect
  // sends requireApikey (lower-case k) and version as a number: checked as AnkiConnect.
  const result = await misc.requestPermission()
  shape(
    oneOf(obj({ permission: lit('granted'), requireApikey: bool, version: int }), obj({ permission: lit('denied') })),
    result,
  )
  same(result.permission, 'granted', 'a local request without Origin')
})
t('apiReflect', async () => {
  const result = shape(
    obj({ actions: arr(str, { min: 1 }), scopes: arr(str) }),
    await misc.apiReflect({ actions: null, scopes: ['actions'] }),
  )
  same(result.scopes, ['actions'], 'scopes')
  const missing = [...exposedActions().keys()].filter((name) => !result.actions.includes(name) && name !== 'notesModTime')
  if (missing.length) remarks.push(`apiReflect does not list ${missing.length} yanki action(s): ${missing.join(', ')}`)
})
t('getProfiles', async () => {
  shape(arr(str, { min: 1 }), await misc.getProfiles())
})
t('getActiveProfile', async () => {
  const name = shape(str, await misc.getActiveProfile())
  expect((await raw('getProfiles')).includes(name), `active profile ${show(name)} is not in getProfiles`)
})
t('loadProfile', async () => {
  const name = await raw('getActiveProfile')
  shape(lit(true), await misc.loadProfile({ name }))
  same(await raw('getActiveProfile'), name, 'active profile after loadProfile')
})
t('multi', async () => {
  // Sub-actions without version answer bare (version 4), with version 6 in an envelope.
  const result = await misc.multi({
    actions: [{ action: 'deckNames' }, { action: 'version', version: 6 }, { action: 'noSuchAction', version: 6 }],
  })
  shape(
    tuple(
      arr(str, { min: 1 }),
      obj({ error: nul, result: lit(6) }),
      obj({ error: lit('unsupported action'), result: nul }),
    ),
    result,
  )
})

// decks

t('createDeck', async () => {
  const name = `Yanki ${RUN}::${uniq('created')}`
  const id = shape(int, await deck.createDeck({ deck: name }))
  same((await raw('deckNamesAndIds'))[name], id, 'deckNamesAndIds entry of the new deck')
})
t('deckNames', async () => {
  const name = await newDeck()
  const names = shape(arr(str, { min: 2 }), await deck.deckNames())
  expect(names.includes('Default') && names.includes(name), `Default and ${name} should be listed`)
})
t('deckNamesAndIds', async () => {
  const name = await newDeck()
  const result = shape(record(int, { min: 2 }), await deck.deckNamesAndIds())
  same(result.Default, 1, 'id of Default')
  expect(name in result, `${name} should be listed`)
})
t('changeDeck', async () => {
  const { cid } = await newCard()
  const destination = `Yanki ${RUN}::${uniq('moved to')}` // missing: changeDeck creates it
  shape(nul, await deck.changeDeck({ cards: [cid], deck: destination }))
  same(await raw('getDecks', { cards: [cid] }, 'check '), { [destination]: [cid] }, 'getDecks after changeDeck')
})
t('getDecks', async () => {
  const { cid, deckName } = await newCard()
  const result = shape(record(arr(int, { min: 1 }), { min: 1 }), await deck.getDecks({ cards: [cid] }))
  same(result, { [deckName]: [cid] }, 'getDecks')
})
t('getDeckStats', async () => {
  const { deckName } = await newCard()
  const id = (await raw('deckNamesAndIds'))[deckName]
  const result = shape(record(deckStats, { min: 1 }), await deck.getDeckStats({ decks: [deckName] }))
  const stats = result[String(id)]
  expect(stats, `stats keyed by the deck id ${id}, got keys ${show(Object.keys(result))}`)
  same([stats.deck_id, stats.new_count, stats.total_in_deck], [id, 1, 1], '[deck_id, new_count, total_in_deck]')
})
t('getDeckConfig', async () => {
  const result = shape(deckConfig, await deck.getDeckConfig({ deck: 'Default' }))
  same(result.id, 1, 'config id of Default')
})
t('saveDeckConfig', async () => {
  const deckName = await newDeck('config')
  const configId = await raw('cloneDeckConfigId', { cloneFrom: 1, name: uniq('saved config') })
  await raw('setDeckConfigId', { configId, decks: [deckName] })
  const config = await raw('getDeckConfig', { deck: deckName })
  config.new.perDay = 33
  shape(lit(true), await deck.saveDeckConfig({ config }))
  same((await raw('getDeckConfig', { deck: deckName }, 'check ')).new.perDay, 33, 'new.perDay after saving')
})
t('cloneDeckConfigId', async () => {
  const id = shape(int, await deck.cloneDeckConfigId({ cloneFrom: 1, name: uniq('cloned config') }))
  expect(id !== 1, 'the clone must get a new id')
})
t('setDeckConfigId', async () => {
  const deckName = await newDeck('config')
  const configId = await raw('cloneDeckConfigId', { cloneFrom: 1, name: uniq('set config') })
  shape(lit(true), await deck.setDeckConfigId({ configId, decks: [deckName] }))
  same((await raw('getDeckConfig', { deck: deckName }, 'check ')).id, configId, 'config id of the deck')
})
t('removeDeckConfigId', async () => {
  const configId = await raw('cloneDeckConfigId', { cloneFrom: 1, name: uniq('removed config') })
  shape(lit(true), await deck.removeDeckConfigId({ configId }))
})
t('deleteDecks', async () => {
  const { deckName } = await newCard('deleted')
  shape(nul, await deck.deleteDecks({ cardsToo: true, decks: [deckName] }))
  expect(!(await raw('deckNames', undefined, 'check ')).includes(deckName), `${deckName} still listed`)
})

// models

t('createModel', async () => {
  const modelName = `Yanki ${uniq('created model')}`
  const result = shape(
    modelShape,
    await model.createModel({
      cardTemplates: [{ Back: '{{Back}}', Front: '{{Front}}', Name: 'My Card' }],
      css: '.card { color: red; }',
      inOrderFields: ['Front', 'Back'],
      modelName,
    }),
  )
  same([result.name, result.flds.map((f) => f.name), result.tmpls.map((x) => x.name)], [modelName, ['Front', 'Back'], ['My Card']], '[name, fields, templates]')
})
t('modelNames', async () => {
  const names = shape(arr(str, { min: 1 }), await model.modelNames())
  expect(names.includes('Basic'), 'Basic should be listed')
})
t('modelNamesAndIds', async () => {
  const result = shape(record(int, { min: 1 }), await model.modelNamesAndIds())
  expect('Basic' in result, 'Basic should be listed')
})
t('findModelsById', async () => {
  const { id, modelName } = await newModel()
  const result = shape(arr(modelShape, { len: 1 }), await model.findModelsById({ modelIds: [id] }))
  same(result[0].name, modelName, 'name')
})
t('findModelsByName', async () => {
  const result = shape(arr(modelShape, { len: 1 }), await model.findModelsByName({ modelNames: ['Basic'] }))
  same(result[0].name, 'Basic', 'name')
})
t('modelFieldNames', async () => {
  same(shape(arr(str), await model.modelFieldNames({ modelName: 'Basic' })), ['Front', 'Back'], 'fields of Basic')
})
t('modelFieldDescriptions', async () => {
  // yanki type: params {modelName, fieldName, description} and a boolean result (it is
  // swapped with modelFieldSetDescription's); AnkiConnect takes modelName, returns string[].
  shape(arr(str, { len: 2 }), await model.modelFieldDescriptions({ modelName: 'Basic' }))
})
t('modelFieldFonts', async () => {
  const result = shape(record(obj({ font: str, size: int }), { min: 1 }), await model.modelFieldFonts({ modelName: 'Basic' }))
  same(Object.keys(result), ['Front', 'Back'], 'keys')
})
t('modelFieldsOnTemplates', async () => {
  const result = shape(record(tuple(arr(str), arr(str)), { min: 1 }), await model.modelFieldsOnTemplates({ modelName: 'Basic' }))
  same(result, { 'Card 1': [['Front'], ['Back']] }, 'fields on the templates of Basic')
})
t('modelTemplates', async () => {
  const result = shape(record(obj({ Back: str, Front: str }), { min: 1 }), await model.modelTemplates({ modelName: 'Basic' }))
  same(Object.keys(result), ['Card 1'], 'templates of Basic')
})
t('modelStyling', async () => {
  shape(obj({ css: str }), await model.modelStyling({ modelName: 'Basic' }))
})
t('updateModelStyling', async () => {
  const { modelName } = await newModel()
  const css = '.card { color: green; }'
  shape(nul, await model.updateModelStyling({ model: { css, name: modelName } }))
  same(await raw('modelStyling', { modelName }, 'check '), { css }, 'styling after the update')
})
t('updateModelTemplates', async () => {
  const { modelName } = await newModel()
  shape(nul, await model.updateModelTemplates({ model: { name: modelName, templates: { 'Card 1': { Front: '{{Front}}!' } } } }))
  const templates = await raw('modelTemplates', { modelName }, 'check ')
  same(templates['Card 1'].Front, '{{Front}}!', 'front of Card 1')
})
t('findAndReplaceInModels', async () => {
  // yanki type: params wrapped as {model: {modelName, fieldText, replaceText, front, back,
  // css}} (the README's form); AnkiConnect's code reads them top-level with findText,
  // which is what works against AnkiConnect and what we send.
  const { modelName } = await newModel()
  const result = await model.findAndReplaceInModels({
    back: false,
    css: true,
    findText: 'color: black',
    front: false,
    modelName,
    replaceText: 'color: navy',
  })
  same(shape(int, result), 1, 'number of models changed')
  same(await raw('modelStyling', { modelName }, 'check '), { css: '.card { color: navy; }' }, 'styling')
})
t('modelTemplateAdd', async () => {
  const { modelName } = await newModel()
  shape(nul, await model.modelTemplateAdd({ modelName, template: { Back: '{{Front}}', Front: '{{Back}}', Name: 'Reverse' } }))
  same(Object.keys(await raw('modelTemplates', { modelName }, 'check ')), ['Card 1', 'Reverse'], 'templates')
})
t('modelTemplateRename', async () => {
  const { modelName } = await newModel('model', 2)
  shape(nul, await model.modelTemplateRename({ modelName, newTemplateName: 'Renamed', oldTemplateName: 'Card 2' }))
  same(Object.keys(await raw('modelTemplates', { modelName }, 'check ')), ['Card 1', 'Renamed'], 'templates')
})
t('modelTemplateReposition', async () => {
  const { modelName } = await newModel('model', 2)
  shape(nul, await model.modelTemplateReposition({ index: 0, modelName, templateName: 'Card 2' }))
  same(Object.keys(await raw('modelTemplates', { modelName }, 'check ')), ['Card 2', 'Card 1'], 'templates')
})
t('modelTemplateRemove', async () => {
  const { modelName } = await newModel('model', 2)
  shape(nul, await model.modelTemplateRemove({ modelName, templateName: 'Card 2' }))
  same(Object.keys(await raw('modelTemplates', { modelName }, 'check ')), ['Card 1'], 'templates')
})
t('modelFieldAdd', async () => {
  const { modelName } = await newModel()
  shape(nul, await model.modelFieldAdd({ fieldName: 'Hint', index: 1, modelName }))
  same(await fieldNames(modelName), ['Front', 'Hint', 'Back', 'Extra'], 'fields')
})
t('modelFieldRename', async () => {
  const { modelName } = await newModel()
  shape(nul, await model.modelFieldRename({ modelName, newFieldName: 'Notes', oldFieldName: 'Extra' }))
  same(await fieldNames(modelName), ['Front', 'Back', 'Notes'], 'fields')
})
t('modelFieldReposition', async () => {
  const { modelName } = await newModel()
  shape(nul, await model.modelFieldReposition({ fieldName: 'Extra', index: 0, modelName }))
  same(await fieldNames(modelName), ['Extra', 'Front', 'Back'], 'fields')
})
t('modelFieldRemove', async () => {
  const { modelName } = await newModel()
  shape(nul, await model.modelFieldRemove({ fieldName: 'Extra', modelName }))
  same(await fieldNames(modelName), ['Front', 'Back'], 'fields')
})
t('modelFieldSetFont', async () => {
  const { modelName } = await newModel()
  shape(nul, await model.modelFieldSetFont({ fieldName: 'Front', font: 'Courier', modelName }))
  same((await raw('modelFieldFonts', { modelName }, 'check ')).Front.font, 'Courier', 'font of Front')
})
t('modelFieldSetFontSize', async () => {
  const { modelName } = await newModel()
  shape(nul, await model.modelFieldSetFontSize({ fieldName: 'Front', fontSize: 31, modelName }))
  same((await raw('modelFieldFonts', { modelName }, 'check ')).Front.size, 31, 'font size of Front')
})
t('modelFieldSetDescription', async () => {
  // yanki type: params {modelName, fieldName, index} and a null result (swapped with
  // modelFieldDescriptions); AnkiConnect takes a description and returns true.
  const { modelName } = await newModel()
  shape(lit(true), await model.modelFieldSetDescription({ description: 'the question', fieldName: 'Front', modelName }))
  same(await raw('modelFieldDescriptions', { modelName }, 'check '), ['the question', '', ''], 'descriptions')
})

// notes

t('addNote', async () => {
  const deckName = await newDeck()
  const filename = `_yanki_${RUN}_note.mp3`
  const id = await note.addNote({
    note: {
      audio: [{ data: b64('not really audio'), fields: ['Back'], filename }],
      deckName,
      fields: { Back: 'back', Front: uniq('added') },
      modelName: 'Basic',
      options: { allowDuplicate: false, duplicateScope: 'deck' },
      tags: ['yanki', 'added'],
    },
  })
  shape(int, id)
  const info = await noteInfoOf(id)
  same(info.fields.Back.value, `back[sound:${filename}]`, 'Back with the audio appended')
  same(info.tags, ['added', 'yanki'], 'tags')
})
t('addNotes', async () => {
  // yanki type: Array<null | string> | null; AnkiConnect returns note ids (numbers) and,
  // as the v6 README documents (which we follow), null for a note that cannot be added.
  const deckName = await newDeck()
  const front = uniq('batch')
  const candidate = { deckName, fields: { Back: 'b', Front: front }, modelName: 'Basic' }
  const result = shape(tuple(int, nul), await note.addNotes({ notes: [candidate, candidate] }))
  same(await raw('findNotes', { query: `deck:"${deckName}"` }, 'check '), [result[0]], 'notes in the deck')
})
t('canAddNotes', async () => {
  const deckName = await newDeck()
  const nid = await newNote(deckName)
  const front = (await noteInfoOf(nid)).fields.Front.value
  const fresh = { deckName, fields: { Back: 'b', Front: uniq('fresh') }, modelName: 'Basic' }
  const duplicate = { deckName, fields: { Back: 'b', Front: front }, modelName: 'Basic' }
  same(shape(arr(bool, { len: 2 }), await note.canAddNotes({ notes: [fresh, duplicate] })), [true, false], 'canAdd')
})
t('canAddNotesWithErrorDetail', async () => {
  const deckName = await newDeck()
  const nid = await newNote(deckName)
  const front = (await noteInfoOf(nid)).fields.Front.value
  const fresh = { deckName, fields: { Back: 'b', Front: uniq('fresh') }, modelName: 'Basic' }
  const duplicate = { deckName, fields: { Back: 'b', Front: front }, modelName: 'Basic' }
  const result = await note.canAddNotesWithErrorDetail({ notes: [fresh, duplicate] })
  shape(tuple(obj({ canAdd: lit(true) }), obj({ canAdd: lit(false), error: str })), result)
  expect(result[1].error.includes('duplicate'), `error of the duplicate: ${show(result[1].error)}`)
})
t('findNotes', async () => {
  const deckName = await newDeck()
  const nid = await newNote(deckName)
  same(shape(arr(int), await note.findNotes({ query: `deck:"${deckName}"` })), [nid], 'notes found')
})
t('notesInfo', async () => {
  const deckName = await newDeck()
  const nid = await newNote(deckName, { tags: ['info'] })
  const [info] = shape(arr(noteInfo, { len: 1 }), await note.notesInfo({ notes: [nid] }))
  same([info.noteId, info.modelName, info.tags, info.cards], [nid, 'Basic', ['info'], await cardsOfNote(nid)], '[noteId, modelName, tags, cards]')
})
t('notesModTime', async () => {
  const nid = await newNote(await newDeck())
  const declared = arr(obj({ mod: int, noteId: int }), { len: 1 })
  const result = shape(declared, await note.notesModTime({ notes: [nid] }))
  same(result[0].noteId, nid, 'noteId')
  // yanki-connect's helper sends action "notesInfo" (a bug in the client); check the
  // real notesModTime action through invoke() as well.
  const direct = await raw('notesModTime', { notes: [nid] }, 'direct ')
  shape(declared, direct)
  same(direct[0].noteId, nid, 'noteId from notesModTime')
})
t('getNoteTags', async () => {
  const nid = await newNote(await newDeck(), { tags: ['b-tag', 'a-tag'] })
  same(shape(arr(str), await note.getNoteTags({ note: nid })), ['a-tag', 'b-tag'], 'tags')
})
t('addTags', async () => {
  const nid = await newNote(await newDeck(), { tags: [] })
  shape(nul, await note.addTags({ notes: [nid], tags: 'one two' }))
  same((await noteInfoOf(nid)).tags, ['one', 'two'], 'tags')
})
t('removeTags', async () => {
  const nid = await newNote(await newDeck(), { tags: ['keep', 'drop'] })
  shape(nul, await note.removeTags({ notes: [nid], tags: 'drop' }))
  same((await noteInfoOf(nid)).tags, ['keep'], 'tags')
})
t('getTags', async () => {
  const tag = `yanki-tag-${RUN}`
  await newNote(await newDeck(), { tags: [tag] })
  expect(shape(arr(str), await note.getTags()).includes(tag), `${tag} should be listed`)
})
t('updateNoteTags', async () => {
  const nid = await newNote(await newDeck(), { tags: ['old'] })
  shape(nul, await note.updateNoteTags({ note: nid, tags: ['new1', 'new2'] }))
  same((await noteInfoOf(nid)).tags, ['new1', 'new2'], 'tags')
})
t('replaceTags', async () => {
  const nid = await newNote(await newDeck(), { tags: ['before', 'other'] })
  shape(nul, await note.replaceTags({ notes: [nid], replace_with_tag: 'after', tag_to_replace: 'before' }))
  same((await noteInfoOf(nid)).tags, ['after', 'other'], 'tags')
})
t('replaceTagsInAllNotes', async () => {
  const tag = `yanki-all-${RUN}`
  const nid = await newNote(await newDeck(), { tags: [tag] })
  shape(nul, await note.replaceTagsInAllNotes({ replace_with_tag: `${tag}-renamed`, tag_to_replace: tag }))
  same((await noteInfoOf(nid)).tags, [`${tag}-renamed`], 'tags')
})
t('clearUnusedTags', async () => {
  // yanki type: string[]; AnkiConnect returns null (no list of removed tags).
  shape(nullable(arr(str)), await note.clearUnusedTags())
})
t('updateNoteFields', async () => {
  const nid = await newNote(await newDeck())
  shape(nul, await note.updateNoteFields({ note: { fields: { Back: 'updated back' }, id: nid } }))
  same((await noteInfoOf(nid)).fields.Back.value, 'updated back', 'Back')
})
t('updateNote', async () => {
  const nid = await newNote(await newDeck())
  shape(nul, await note.updateNote({ note: { fields: { Back: 'new back' }, id: nid, tags: ['updated'] } }))
  const info = await noteInfoOf(nid)
  same([info.fields.Back.value, info.tags], ['new back', ['updated']], '[Back, tags]')
})
t('updateNoteModel', async () => {
  const nid = await newNote(await newDeck())
  const modelName = 'Basic (and reversed card)'
  shape(nul, await note.updateNoteModel({ note: { fields: { Back: 'B', Front: uniq('F') }, id: nid, modelName, tags: ['moved'] } }))
  const info = await noteInfoOf(nid)
  same([info.modelName, info.fields.Back.value, info.tags], [modelName, 'B', ['moved']], '[modelName, Back, tags]')
})
t('deleteNotes', async () => {
  const deckName = await newDeck()
  const nid = await newNote(deckName)
  shape(nul, await note.deleteNotes({ notes: [nid] }))
  same(await raw('findNotes', { query: `nid:${nid}` }, 'check '), [], 'notes left')
})
t('removeEmptyNotes', async () => {
  shape(nul, await note.removeEmptyNotes())
})

// cards

t('findCards', async () => {
  const { cid, deckName } = await newCard()
  same(shape(arr(int), await card.findCards({ query: `deck:"${deckName}"` })), [cid], 'cards found')
})
t('cardsInfo', async () => {
  const { cid, deckName, nid } = await newCard()
  const [info] = shape(arr(cardsInfoItem, { len: 1 }), await card.cardsInfo({ cards: [cid] }))
  same([info.cardId, info.note, info.deckName, info.modelName], [cid, nid, deckName, 'Basic'], '[cardId, note, deckName, modelName]')
})
t('cardsToNotes', async () => {
  const { cid, nid } = await newCard()
  same(shape(arr(int), await card.cardsToNotes({ cards: [cid] })), [nid], 'notes')
})
t('cardsModTime', async () => {
  // yanki type: a single {cardId, mod}; AnkiConnect returns one per card (a list).
  const { cid } = await newCard()
  const result = shape(arr(obj({ cardId: int, mod: int }), { len: 1 }), await card.cardsModTime({ cards: [cid] }))
  same(result[0].cardId, cid, 'cardId')
})
t('areSuspended', async () => {
  const { cid } = await newCard()
  same(shape(arr(nullable(bool), { len: 2 }), await card.areSuspended({ cards: [cid, 1] })), [false, null], 'suspended (unknown id: null)')
})
t('suspend', async () => {
  const { cid } = await newCard()
  shape(lit(true), await card.suspend({ cards: [cid] }))
  same(await raw('areSuspended', { cards: [cid] }, 'check '), [true], 'areSuspended')
})
t('suspended', async () => {
  const { cid } = await newCard()
  await raw('suspend', { cards: [cid] })
  shape(lit(true), await card.suspended({ card: cid }))
})
t('unsuspend', async () => {
  const { cid } = await newCard()
  await raw('suspend', { cards: [cid] })
  shape(lit(true), await card.unsuspend({ cards: [cid] }))
  same(await raw('areSuspended', { cards: [cid] }, 'check '), [false], 'areSuspended')
})
t('areDue', async () => {
  const { cid } = await newCard()
  same(shape(arr(bool, { len: 1 }), await card.areDue({ cards: [cid] })), [true], 'a new card is due')
})
t('getIntervals', async () => {
  const { cid } = await answered('intervals')
  shape(arr(int, { len: 1 }), await card.getIntervals({ cards: [cid] }))
  shape(arr(arr(int, { min: 1 }), { len: 1 }), await card.getIntervals({ cards: [cid], complete: true }))
})
t('getEaseFactors', async () => {
  const { cid } = await newCard()
  shape(arr(int, { len: 1 }), await card.getEaseFactors({ cards: [cid] }))
})
t('setEaseFactors', async () => {
  const { cid } = await newCard()
  same(shape(arr(bool, { len: 1 }), await card.setEaseFactors({ cards: [cid], easeFactors: [2100] })), [true], 'result')
  same(await raw('getEaseFactors', { cards: [cid] }, 'check '), [2100], 'ease factors')
})
t('setSpecificValueOfCard', async () => {
  // yanki type: newValues string[]; AnkiConnect assigns the values unconverted, and a
  // string flag cannot be stored on current Anki ([[false, ...]]), so we send a number.
  const { cid } = await newCard()
  const result = await card.setSpecificValueOfCard({ card: cid, keys: ['flags'], newValues: [3] })
  same(shape(arr(bool, { len: 1 }), result), [true], 'result')
  same((await raw('cardsInfo', { cards: [cid] }, 'check '))[0].flags, 3, 'flags')
})
t('answerCards', async () => {
  const { cid } = await newCard()
  const result = await card.answerCards({ answers: [{ cardId: cid, ease: 3 }, { cardId: 1, ease: 3 }] })
  same(shape(arr(bool, { len: 2 }), result), [true, false], 'answered (unknown card: false)')
  expect((await raw('getReviewsOfCards', { cards: [cid] }, 'check '))[String(cid)].length === 1, 'one review logged')
})
t('forgetCards', async () => {
  const { cid } = await answered('forget')
  shape(nul, await card.forgetCards({ cards: [cid] }))
  same((await raw('cardsInfo', { cards: [cid] }, 'check '))[0].type, 0, 'card type (0 = new)')
})
t('relearnCards', async () => {
  const { cid } = await answered('relearn')
  shape(nul, await card.relearnCards({ cards: [cid] }))
  same((await raw('cardsInfo', { cards: [cid] }, 'check '))[0].type, 3, 'card type (3 = relearning)')
})
t('setDueDate', async () => {
  const { cid } = await newCard()
  shape(lit(true), await card.setDueDate({ cards: [cid], days: '1' }))
  same((await raw('cardsInfo', { cards: [cid] }, 'check '))[0].type, 2, 'card type (2 = review)')
})

// statistics

t('getNumCardsReviewedToday', async () => {
  await answered('today')
  expect(shape(int, await statistic.getNumCardsReviewedToday()) >= 1, 'at least the review just made')
})
t('getNumCardsReviewedByDay', async () => {
  await answered('by day')
  const result = shape(arr(tuple(str, int), { min: 1 }), await statistic.getNumCardsReviewedByDay())
  expect(/^\d{4}-\d{2}-\d{2}$/.test(result[0][0]), `day format YYYY-MM-DD: ${show(result[0][0])}`)
})
t('cardReviews', async () => {
  const { cid, deckName } = await answered('reviews')
  const result = shape(arr(reviewTuple, { len: 1 }), await statistic.cardReviews({ deck: deckName, startID: 0 }))
  same(result[0][1], cid, 'card id in the review')
})
t('getLatestReviewID', async () => {
  const { deckName } = await answered('latest')
  expect(shape(int, await statistic.getLatestReviewID({ deck: deckName })) > 0, 'a review id')
})
t('getReviewsOfCards', async () => {
  // yanki type: cards string[]; AnkiConnect looks up integer ids only (strings give []),
  // so we send numbers. yanki's item type lacks ease, which AnkiConnect sends: checked.
  const { cid } = await answered('of cards')
  const review = obj({ ease: int, factor: int, id: int, ivl: int, lastIvl: int, time: int, type: int, usn: int })
  const result = shape(record(arr(review, { len: 1 }), { min: 1 }), await statistic.getReviewsOfCards({ cards: [cid] }))
  same(Object.keys(result), [String(cid)], 'keys')
})
t('insertReviews', async () => {
  const { cid } = await newCard()
  const id = Date.now() - 5_000
  shape(nul, await statistic.insertReviews({ reviews: [[id, cid, -1, 3, 4, -60, 2500, 6000, 1]] }))
  const [review] = (await raw('getReviewsOfCards', { cards: [cid] }, 'check '))[String(cid)]
  same([review?.id, review?.ease, review?.ivl], [id, 3, 4], 'the inserted review [id, ease, ivl]')
})
t('getCollectionStatsHTML', async () => {
  expect(shape(str, await statistic.getCollectionStatsHTML({ wholeCollection: true })).length > 0, 'some HTML')
})

// media

t('storeMediaFile', async () => {
  const filename = `_yanki_${RUN}_stored.txt`
  same(shape(str, await media.storeMediaFile({ data: b64('stored'), filename })), filename, 'stored name')
  same(await raw('retrieveMediaFile', { filename }, 'check '), b64('stored'), 'content')
})
t('retrieveMediaFile', async () => {
  const filename = `_yanki_${RUN}_retrieved.txt`
  await raw('storeMediaFile', { data: b64('retrieved'), filename })
  same(shape(oneOf(str, lit(false)), await media.retrieveMediaFile({ filename })), b64('retrieved'), 'content')
})
t('getMediaFilesNames', async () => {
  const filename = `_yanki_${RUN}_listed.txt`
  await raw('storeMediaFile', { data: b64('listed'), filename })
  same(shape(arr(str), await media.getMediaFilesNames({ pattern: `_yanki_${RUN}_list*` })), [filename], 'names')
})
t('getMediaDirPath', async () => {
  const filename = `_yanki_${RUN}_path.txt`
  await raw('storeMediaFile', { data: b64('path'), filename })
  const dir = shape(str, await media.getMediaDirPath())
  expect(path.isAbsolute(dir) && fs.existsSync(path.join(dir, filename)), `${filename} is not in ${dir}`)
})
t('deleteMediaFile', async () => {
  const filename = `_yanki_${RUN}_deleted.txt`
  await raw('storeMediaFile', { data: b64('deleted'), filename })
  shape(nul, await media.deleteMediaFile({ filename }))
  same(await raw('retrieveMediaFile', { filename }, 'check '), false, 'retrieveMediaFile after deleting')
})

// import / export, collection, sync

t('exportPackage', async () => {
  const { deckName } = await newCard('exported')
  const file = path.join(tmpDir, `${uniq('export').replace(/\W+/g, '-')}.apkg`)
  shape(lit(true), await misc.exportPackage({ deck: deckName, includeSched: true, path: file }))
  expect(fs.existsSync(file) && fs.statSync(file).size > 0, `${file} was not written`)
})
t('importPackage', async () => {
  const { deckName, nid } = await newCard('imported')
  const file = path.join(tmpDir, `${uniq('import').replace(/\W+/g, '-')}.apkg`)
  await raw('exportPackage', { deck: deckName, includeSched: true, path: file })
  await raw('deleteDecks', { cardsToo: true, decks: [deckName] })
  shape(lit(true), await misc.importPackage({ path: file }))
  same(await raw('findNotes', { query: `nid:${nid}` }, 'check '), [nid], 'the imported note')
  expect((await raw('deckNames', undefined, 'check ')).includes(deckName), `${deckName} is back`)
})
t('reloadCollection', async () => {
  shape(nul, await misc.reloadCollection())
  shape(arr(str), await raw('deckNames', undefined, 'check '))
})
t('sync', async () => {
  // Needs an AnkiWeb login: offline, a clear error is the documented outcome.
  try {
    shape(nul, await misc.sync())
    return 'synced'
  } catch (error) {
    if (error instanceof ShapeError || error.message === 'unsupported action') throw error
    expect(typeof error.message === 'string' && error.message.trim().length > 0, 'an error without a message')
    return `error as documented: ${error.message}`
  }
})

// graphical (the Browser, Add, Edit and import windows stay open; reviews leave the
// deck browser showing at the end)

t('guiCheckDatabase', async () => {
  shape(lit(true), await graphical.guiCheckDatabase())
  // The check runs in the background: wait until the collection answers again.
  await until(
    () => raw('deckNames', undefined, 'check ').then(Boolean, () => false),
    'collection still busy after guiCheckDatabase',
    30_000,
  )
})
t('guiBrowse', async () => {
  const { cid, deckName } = await newCard('browsed')
  same(shape(arr(int), await graphical.guiBrowse({ query: `deck:"${deckName}"` })), [cid], 'cards shown')
})
t('guiSelectCard', async () => {
  const { cid } = await ensureBrowser()
  shape(lit(true), await graphical.guiSelectCard({ card: cid }))
})
t('guiSelectNote', async () => {
  // Deprecated: takes a card id despite its name.
  const { cid } = await ensureBrowser()
  shape(lit(true), await graphical.guiSelectNote({ note: cid }))
})
t('guiSelectedNotes', async () => {
  const { cid, nid } = await ensureBrowser()
  await raw('guiSelectCard', { card: cid })
  same(shape(arr(int), await graphical.guiSelectedNotes()), [nid], 'selected notes')
})
t('guiAddCards', async () => {
  const deckName = await newDeck('add dialog')
  const result = await graphical.guiAddCards({
    note: { deckName, fields: { Back: 'b', Front: uniq('in the add dialog') }, modelName: 'Basic', tags: ['yanki'] },
  })
  shape(int, result)
})
t('guiEditNote', async () => {
  const nid = await newNote(await newDeck('edit dialog'))
  shape(nul, await graphical.guiEditNote({ note: nid }))
})
t('guiImportFile', async () => {
  // With a path no file picker opens, only Anki's import window (nothing is imported
  // until a user confirms there).
  const file = path.join(tmpDir, `import-${RUN}.txt`)
  fs.writeFileSync(file, `#separator:tab\n#html:false\nyanki front ${RUN}\tyanki back\n`)
  shape(nul, await graphical.guiImportFile({ path: file }))
})
t('guiDeckOverview', async () => {
  const deckName = await newDeck('overview')
  shape(lit(true), await graphical.guiDeckOverview({ name: deckName }))
})
t('guiDeckReview', async () => {
  const deckName = await newDeck('deck review')
  await newNote(deckName)
  shape(lit(true), await graphical.guiDeckReview({ name: deckName }))
  await until(() => raw('guiCurrentCard', undefined, 'check ').catch(() => null), 'no card showing after guiDeckReview')
})
t('guiCurrentCard', async () => {
  // The v6 README (which we follow) says null outside review; the yanki type allows both.
  await raw('guiDeckBrowser')
  shape(nul, await graphical.guiCurrentCard())
  await ensureReviewing()
  const current = shape(currentCard, await graphical.guiCurrentCard())
  same(current.deckName, reviewDeck, 'deck of the current card')
})
t('guiStartCardTimer', async () => {
  await ensureReviewing()
  shape(lit(true), await graphical.guiStartCardTimer())
})
t('guiShowQuestion', async () => {
  await ensureReviewing()
  shape(lit(true), await graphical.guiShowQuestion())
})
t('guiShowAnswer', async () => {
  await ensureReviewing()
  shape(lit(true), await graphical.guiShowAnswer())
})
t('guiPlayAudio', async () => {
  // yanki type: true; the card has no audio, and replaying nothing still succeeds.
  await ensureReviewing()
  shape(lit(true), await graphical.guiPlayAudio())
})
t('guiAnswerCard', async () => {
  const before = await ensureReviewing()
  await raw('guiShowAnswer')
  shape(lit(true), await graphical.guiAnswerCard({ ease: 3 }))
  const reviews = await raw('getReviewsOfCards', { cards: [before.cardId] }, 'check ')
  expect(reviews[String(before.cardId)].length === 1, 'the answer was logged')
})
t('guiUndo', async () => {
  await ensureReviewing()
  await raw('guiShowAnswer')
  await raw('guiAnswerCard', { ease: 3 })
  shape(bool, await graphical.guiUndo())
})
t('guiDeckBrowser', async () => {
  await ensureReviewing()
  shape(nul, await graphical.guiDeckBrowser())
  same(await raw('guiCurrentCard', undefined, 'check '), null, 'guiCurrentCard on the deck browser')
})

// --- runner ---------------------------------------------------------------------------

const remarks = []

function reasonFor(error) {
  if (error instanceof ShapeError) return `wrong shape: ${error.message}`
  if (error instanceof CheckError || error instanceof SetupError) return error.message
  if (error?.message === 'unsupported action') return 'not implemented yet (unsupported action)'
  const cause = error?.cause?.message ? ` (${error.cause.message})` : ''
  return `error reply: ${show(error?.message ?? String(error))}${cause}`
}

async function withTimeout(promise, ms, what) {
  let timer
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new CheckError(`${what} took longer than ${ms / 1000} s`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

async function runOne(name, fn) {
  helperActions = []
  envelopeProblems = []
  try {
    const detail = await withTimeout(fn(), 2 * CALL_TIMEOUT_MS, name)
    if (envelopeProblems.length) throw new CheckError(envelopeProblems.join('; '))
    if (!helperActions.length) throw new CheckError('the test did not call the yanki helper')
    const extra = []
    if (detail) extra.push(detail)
    if (!helperActions.includes(name)) extra.push(`yanki's helper sent action ${show(helperActions[0])}`)
    console.log(`ok ${name}${extra.length ? ` (${extra.join('; ')})` : ''}`)
    return true
  } catch (error) {
    console.log(`FAIL ${name}: ${reasonFor(error)}`)
    return false
  }
}

async function exitAnki() {
  shape(nul, await graphical.guiExitAnki())
  // It closes Anki after a short delay: wait until nothing answers any more.
  await until(
    () =>
      fetch(`${url.origin}`, { body: '{"action":"version","version":6}', method: 'POST', signal: AbortSignal.timeout(2000) }).then(
        () => false,
        () => true,
      ),
    'Anki still answers after guiExitAnki',
    20_000,
  )
}

async function main() {
  const exposed = exposedActions()
  console.log(`yanki-connect ${YANKI_VERSION}: ${exposed.size} actions`)
  let passed = 0
  let failed = 0
  const count = (ok) => (ok ? passed++ : failed++)
  for (const [name, fn] of tests) {
    if (exposed.has(name)) count(await runOne(name, fn))
    else remarks.push(`test for ${name} skipped: yanki-connect ${YANKI_VERSION} does not expose it`)
  }
  for (const name of exposed.keys()) {
    if (tests.has(name) || name === 'guiExitAnki') continue
    console.log(`FAIL ${name}: no test for this action in yanki.mjs (new in yanki-connect ${YANKI_VERSION}?)`)
    failed++
  }
  for (const line of remarks) console.log(`note: ${line}`)
  if (exposed.has('guiExitAnki')) {
    if (allowExit) count(await runOne('guiExitAnki', exitAnki))
    else console.log('skip guiExitAnki: it closes Anki; pass --exit (or YANKI_EXIT=1) to call it last')
  }
  fs.rmSync(tmpDir, { force: true, recursive: true })
  console.log(`${passed} passed, ${failed} failed`)
  process.exitCode = failed ? 1 : 0
}

await main()
