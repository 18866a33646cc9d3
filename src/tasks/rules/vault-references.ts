import { VAULT_TOKEN_ID_PREFIX } from '../../vault/vault-token-id.js';

/**
 * The one grammar of a vault reference: a task header value that starts with the vault's token id
 * prefix (`tok_`) names a vault token, and is replaced by its secret at call time (SPEC §6).
 */
export const VAULT_REFERENCE_PREFIX = VAULT_TOKEN_ID_PREFIX;

export interface VaultReference {
  header: string;
  tokenId: string;
}

export function isVaultReference(value: string): boolean {
  return value.startsWith(VAULT_REFERENCE_PREFIX);
}

/** Vault references in the order given: every header whose value names a token. */
export function vaultReferences(headers: Record<string, string>): VaultReference[] {
  return Object.entries(headers)
    .filter(([, value]) => isVaultReference(value))
    .map(([header, tokenId]) => ({ header, tokenId }));
}

/** The distinct token ids a task's headers reference. */
export function referencedTokenIds(headers: Record<string, string>): string[] {
  return [...new Set(vaultReferences(headers).map((reference) => reference.tokenId))];
}
