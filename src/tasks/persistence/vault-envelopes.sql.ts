import { VAULT_REFERENCE_PREFIX } from '../rules/vault-references.js';

/**
 * The vault rows a task statement reads along the way, so neither task creation nor a claim needs
 * a round trip of its own: whether the tokens a new task references are usable, and the sealed
 * envelopes (see vault/sealed-envelope.ts) a claimed task's call will open. Only the vault opens them.
 */

const REFERENCE_PATTERN = `${VAULT_REFERENCE_PREFIX.replaceAll('_', '\\_')}%`;

/** jsonb array of the active vault tokens of task `alias` that its header values reference. */
export function sealedTokensOfTask(alias: string): string {
  return `(SELECT COALESCE(jsonb_agg(jsonb_build_object(
      'id', vt.id, 'keyId', vt.key_id, 'iv', encode(vt.iv, 'base64'),
      'ciphertext', encode(vt.ciphertext, 'base64'), 'authTag', encode(vt.auth_tag, 'base64'),
      'allowedHosts', vt.allowed_hosts)), '[]'::jsonb)
    FROM vault_tokens vt
    WHERE vt.team_id = ${alias}.team_id AND vt.revoked_at IS NULL
      AND vt.id IN (SELECT value FROM jsonb_each_text(${alias}.headers) WHERE value LIKE '${REFERENCE_PATTERN}'))`;
}

/**
 * True when every token id in the text[] `ids` is an active vault token of `team` whose binding
 * admits every destination of the task. `destinations` is a jsonb array with, per host the task
 * sends its vault references to, the allowedHosts entries that admit it (entriesAdmitting()), so
 * the matching rule stays in one place and an unbound token costs nothing beyond its NULL.
 */
export function usableVaultTokensCondition(team: string, ids: string, destinations: string): string {
  return `(SELECT count(*) FROM vault_tokens vt
    WHERE vt.team_id = ${team} AND vt.id = ANY(${ids}) AND vt.revoked_at IS NULL
      AND (vt.allowed_hosts IS NULL OR NOT EXISTS (
        SELECT 1 FROM jsonb_array_elements(${destinations}) AS d(entries)
        WHERE NOT vt.allowed_hosts && ARRAY(SELECT jsonb_array_elements_text(d.entries))))) = cardinality(${ids})`;
}

/** jsonb envelope of the webhook secret of the team of task `alias`, or null. */
export function sealedWebhookSecretOfTask(alias: string): string {
  return `(SELECT jsonb_build_object('keyId', ws.key_id, 'iv', encode(ws.iv, 'base64'),
      'ciphertext', encode(ws.ciphertext, 'base64'), 'authTag', encode(ws.auth_tag, 'base64'))
    FROM webhook_secrets ws WHERE ws.team_id = ${alias}.team_id)`;
}
