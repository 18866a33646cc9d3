import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'vault_tokens' })
export class VaultToken {
  @PrimaryColumn('text')
  id: string;

  @Column({ name: 'team_id', type: 'uuid' })
  teamId: string;

  @Column('text')
  name: string;

  /** The sealed secret: null once revoked, as revoking destroys it (SPEC §11). */
  @Column({ name: 'key_id', type: 'text', nullable: true })
  keyId: string | null;

  @Column({ type: 'bytea', nullable: true })
  iv: Buffer | null;

  @Column({ type: 'bytea', nullable: true })
  ciphertext: Buffer | null;

  @Column({ name: 'auth_tag', type: 'bytea', nullable: true })
  authTag: Buffer | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Hosts the secret may be sent to (see token-destinations.ts); null: unbound. */
  @Column({ name: 'allowed_hosts', type: 'text', array: true, nullable: true })
  allowedHosts: string[] | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
