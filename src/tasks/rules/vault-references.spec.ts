import { isVaultReference, referencedTokenIds, vaultReferences } from './vault-references.js';

describe('vault references', () => {
  it('should list vault references in the order given', () => {
    expect(vaultReferences({ B: 'tok_2', A: 'plain', C: 'tok_1' })).toEqual([
      { header: 'B', tokenId: 'tok_2' },
      { header: 'C', tokenId: 'tok_1' },
    ]);
  });

  it('should read a value as a reference only when it starts with the vault token prefix', () => {
    expect(isVaultReference('tok_01jrx7m2k')).toBe(true);
    expect(isVaultReference('Bearer tok_01jrx7m2k')).toBe(false);
    expect(isVaultReference('TOK_01')).toBe(false);
  });

  it('should name each referenced token once', () => {
    expect(referencedTokenIds({ A: 'tok_1', B: 'tok_1', C: 'tok_2', D: 'x' })).toEqual(['tok_1', 'tok_2']);
  });
});
