/** GCM associated data: what a ciphertext is bound to. Changing these strings orphans stored rows. */
export function vaultTokenAad(teamId: string, tokenId: string): string {
  return `asyncqueue/vault-token/v1/${teamId}/${tokenId}`;
}

export function webhookSecretAad(teamId: string): string {
  return `asyncqueue/webhook-secret/v1/${teamId}`;
}
