import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../common/access/public.decorator.js';
import { PROVIDER_TEMPLATES } from '../tasks/rules/provider-templates.js';
import { ProviderListResponse } from './waiting.views.js';

@ApiTags('waiting')
@Controller('v1/providers')
export class ProvidersController {
  /**
   * Lists the built-in polling templates.
   * @remarks A task can name one as `provider`; each stands for the pollConfig shown.
   */
  @Public()
  @Get()
  list(): ProviderListResponse {
    return { providers: [...PROVIDER_TEMPLATES] };
  }
}
