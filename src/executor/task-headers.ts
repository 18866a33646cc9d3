import type { Task } from '../tasks/entities/task.entity.js';
import { isVaultReference, vaultReferences } from '../tasks/rules/vault-references.js';
import { fillCallbackUrl } from '../tasks/rules/callback-url.js';
import { CREDENTIAL_HEADERS } from './egress.service.js';

/**
 * A task's headers as they go on the wire: each vault reference replaced by its secret, the
 * callback placeholder by the task's callback URL (never inside a secret).
 */
export function resolveTaskHeaders(
  task: Pick<Task, 'headers'>,
  secrets: ReadonlyMap<string, Buffer>,
  callbackUrl: string | null,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(task.headers)) {
    if (isVaultReference(value)) headers[name] = (secrets.get(value) as Buffer).toString('utf8');
    else headers[name] = callbackUrl ? fillCallbackUrl(value, callbackUrl) : value;
  }
  return headers;
}

/** Headers that may carry a credential: vault references and the usual authentication headers. */
export function credentialHeaderNames(task: Pick<Task, 'headers'>): Set<string> {
  return new Set([...CREDENTIAL_HEADERS, ...vaultReferences(task.headers).map((r) => r.header.toLowerCase())]);
}
