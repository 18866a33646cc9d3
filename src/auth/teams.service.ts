import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { newId } from '../common/http/ids.js';
import { Clock } from '../common/time/clock.js';
import { ApiKeysService } from './api-keys.service.js';
import type { ApiKey } from './entities/api-key.entity.js';
import { Team } from './entities/team.entity.js';

export interface CreatedTeam {
  team: Team;
  apiKey: ApiKey;
  key: string;
}

@Injectable()
export class TeamsService {
  constructor(
    @InjectRepository(Team) private readonly teams: Repository<Team>,
    private readonly apiKeys: ApiKeysService,
    private readonly clock: Clock,
  ) {}

  /** A team is useless without a credential, so it is born with its first API key. */
  async create(name: string): Promise<CreatedTeam> {
    const team = this.teams.create({
      id: newId(),
      name,
      createdAt: this.clock.now(),
    });
    await this.teams.insert(team);
    const { apiKey, key } = await this.apiKeys.create(team.id, 'default');
    return { team, apiKey, key };
  }

  findById(id: string): Promise<Team | null> {
    return this.teams.findOneBy({ id });
  }

  /** Every team, oldest first (the admin CLI's `teams list`). */
  list(): Promise<Team[]> {
    return this.teams.find({ order: { createdAt: 'ASC', id: 'ASC' } });
  }

  count(): Promise<number> {
    return this.teams.count();
  }
}
