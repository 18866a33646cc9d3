/**
 * Names every plain object answers to without owning them (`toString`, `constructor`,
 * `__proto__`...). class-transformer skips such keys and an assignment to `__proto__` replaces
 * the prototype, so a field or header with one of these names would silently vanish.
 */
export function isObjectPrototypeMember(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(Object.prototype, name);
}
