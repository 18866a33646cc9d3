import { Transform } from 'class-transformer';

type DtoClass = abstract new (...args: never[]) => unknown;

const rawFieldsByClass = new WeakMap<object, Set<string>>();
/** Values held aside for one transformation, keyed by the plain object handed to class-transformer. */
const heldValues = new WeakMap<object, Record<string, unknown>>();

/**
 * A field that holds an object or free-form JSON reaches the DTO exactly as parsed, for its own
 * rule to judge: on the way, Nest's ValidationPipe deletes `__proto__`, `constructor` and
 * `prototype` keys at every depth, and class-transformer's copy drops keys named like other
 * Object.prototype members (`toString`) and cannot copy an object with a `constructor` key at
 * all. `null` reads as "not given". Works with holdRawJsonFields (RequestValidationPipe).
 */
export function RawJson(): PropertyDecorator {
  return (target, property) => {
    const fields = rawFieldsByClass.get(target.constructor) ?? new Set<string>();
    fields.add(String(property));
    rawFieldsByClass.set(target.constructor, fields);
    Transform(({ obj, key }: { obj: Record<string, unknown>; key: string }) => {
      const held = heldValues.get(obj);
      return (held && key in held ? held[key] : obj[key]) ?? undefined;
    })(target, property);
  };
}

/**
 * A shallow copy of a request body whose RawJson fields are held aside (left undefined in the
 * copy), so nothing between here and the DTO walks or rewrites them; RawJson puts them back.
 */
export function holdRawJsonFields(body: Record<string, unknown>, dto: DtoClass): Record<string, unknown> {
  const fields = rawFieldsByClass.get(dto);
  if (!fields) return body;
  const copy = { ...body };
  const held: Record<string, unknown> = {};
  for (const field of fields) {
    if (!Object.prototype.hasOwnProperty.call(body, field)) continue;
    held[field] = body[field];
    copy[field] = undefined;
  }
  heldValues.set(copy, held);
  return copy;
}
