import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Scope } from '../../common/access/scopes.js';

@Entity({ name: 'oauth_clients' })
export class OAuthClient {
  @PrimaryColumn('text')
  id: string;

  @Column({ name: 'team_id', type: 'uuid' })
  teamId: string;

  @Column('text')
  name: string;

  @Column('text', { array: true })
  scopes: Scope[];

  @Column({ name: 'secret_hash', type: 'text' })
  secretHash: string;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;
}
