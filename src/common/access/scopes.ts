export const SCOPES = ['tokens:read', 'tokens:write', 'tasks:read', 'tasks:write'] as const;

export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
