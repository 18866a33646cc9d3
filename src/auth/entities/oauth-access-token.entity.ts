import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Scope } from '../../common/access/scopes.js';

@Entity({ name: 'oauth_access_tokens' })
export class OAuthAccessToken {
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'token_hash', type: 'text' })
  tokenHash: string;

  @Column({ name: 'client_id', type: 'text' })
  clientId: string;

  @Column({ name: 'team_id', type: 'uuid' })
  teamId: string;

  @Column('text', { array: true })
  scopes: Scope[];

  @Column({ name: 'issued_at', type: 'timestamptz' })
  issuedAt: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
