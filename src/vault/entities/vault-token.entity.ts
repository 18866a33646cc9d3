import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ name: 'vault_tokens' })
export class VaultToken {
  @PrimaryColumn('text')
  id: string;

  @Column({ name: 'team_id', type: 'uuid' })
  teamId: string;

  @Column('text')
  name: string;

  @Column({ name: 'key_id', type: 'text' })
  keyId: string;

  @Column('bytea')
  iv: Buffer;

  @Column('bytea')
  ciphertext: Buffer;

  @Column({ name: 'auth_tag', type: 'bytea' })
  authTag: Buffer;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** Hosts the secret may be sent to (see token-destinations.ts); null: unbound. */
  @Column({ name: 'allowed_hosts', type: 'text', array: true, nullable: true })
  allowedHosts: string[] | null;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
