import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A team's signing secret, encrypted with the vault keyring like a vault token. */
@Entity({ name: 'webhook_secrets' })
export class WebhookSecret {
  @PrimaryColumn({ name: 'team_id', type: 'uuid' })
  teamId: string;

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
}
