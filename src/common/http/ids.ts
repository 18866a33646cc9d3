import { v7 as uuidv7, validate as uuidValidate } from 'uuid';

export function newId(): string {
  return uuidv7();
}

/** Path ids are checked before they reach SQL: a malformed id is simply "not found". */
export function isUuid(value: string): boolean {
  return uuidValidate(value);
}
