/**
 * How deeply a request's JSON may nest. Legitimate bodies are shallow (a task's deepest field,
 * pollConfig.doneValues, is three levels down); a signal's or callback's free-form result gets
 * plenty of room; and every recursive reader after this check (class-transformer, the validators,
 * JSON.stringify, PostgreSQL's jsonb parser) stays thousands of frames from overflowing.
 */
export const MAX_JSON_DEPTH = 64;

export const TOO_DEEP_MESSAGE = 'Request body is nested too deeply';

/** What PostgreSQL refuses in text and jsonb: NUL, and UTF-16 surrogates without their pair. */
export type UnstorableCharacters = 'NUL characters' | 'unpaired surrogate characters';

export interface UnstorableText {
  /** Where, in the `headers.X-A` / `result.items[2]` notation the validation messages use; '' for the root. */
  path: string;
  characters: UnstorableCharacters;
  /** The offending string is a field name inside `path`, not the value at `path`. */
  inFieldName: boolean;
}

export interface JsonInspection {
  /** Deeper than MAX_JSON_DEPTH; nothing beyond that point was looked at. */
  tooDeep: boolean;
  /** The first string, in document order, that could not be stored. */
  unstorable: UnstorableText | null;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Where a value sits; rendered into a path only when something is found there. */
interface Place {
  parent: Place | null;
  key: string | number;
}

/** One walk over parsed JSON: its depth (an explicit bound, so the walk itself cannot overflow) and its strings. */
export function inspectJson(value: unknown): JsonInspection {
  const inspection: JsonInspection = { tooDeep: false, unstorable: null };
  walk(value, null, 0, inspection);
  return inspection;
}

/** The sentence for an unstorable string; `root` names the document when the path is empty. */
export function unstorableTextMessage(found: UnstorableText, root = 'the request body'): string {
  if (found.inFieldName) return `Field names in ${found.path || root} must not contain ${found.characters}`;
  return `${found.path || root} must not contain ${found.characters}`;
}

export function unstorableCharactersIn(text: string): UnstorableCharacters | null {
  if (text.includes('\0')) return 'NUL characters';
  if (LONE_SURROGATE.test(text)) return 'unpaired surrogate characters';
  return null;
}

function walk(value: unknown, place: Place | null, depth: number, inspection: JsonInspection): void {
  if (typeof value === 'string') {
    note(inspection, value, place, false);
    return;
  }
  if (typeof value !== 'object' || value === null) return;
  if (depth >= MAX_JSON_DEPTH) {
    inspection.tooDeep = true;
    return;
  }
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length && !inspection.tooDeep; index += 1) {
      walk(value[index], { parent: place, key: index }, depth + 1, inspection);
    }
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    note(inspection, key, place, true);
    walk(item, { parent: place, key }, depth + 1, inspection);
    if (inspection.tooDeep) return;
  }
}

function note(inspection: JsonInspection, text: string, place: Place | null, inFieldName: boolean): void {
  if (inspection.unstorable) return;
  const characters = unstorableCharactersIn(text);
  if (characters) inspection.unstorable = { path: pathOf(place), characters, inFieldName };
}

function pathOf(place: Place | null): string {
  if (!place) return '';
  const parent = pathOf(place.parent);
  if (typeof place.key === 'number') return `${parent}[${place.key}]`;
  if (/^[A-Za-z0-9_$-]+$/.test(place.key)) return parent ? `${parent}.${place.key}` : place.key;
  return `${parent}[${JSON.stringify(place.key)}]`;
}
