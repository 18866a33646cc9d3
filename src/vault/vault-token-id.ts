import { ulid } from 'ulid';

/**
 * The vault's token ids: `tok_` + a lowercase ULID (SPEC §5). The vault owns this format; a task
 * header refers to a token by its id (tasks/rules/vault-references.ts builds on the prefix).
 */
export const VAULT_TOKEN_ID_PREFIX = 'tok_';

const VAULT_TOKEN_ID = /^tok_[0-9a-hjkmnp-tv-z]{26}$/;

export function newVaultTokenId(): string {
  return `${VAULT_TOKEN_ID_PREFIX}${ulid().toLowerCase()}`;
}

/** Anything else cannot have been issued, so it is answered without a query. */
export function isVaultTokenId(value: string): boolean {
  return VAULT_TOKEN_ID.test(value);
}
