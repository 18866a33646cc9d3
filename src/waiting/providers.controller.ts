import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../common/access/public.decorator.js';
import { PROVIDER_TEMPLATES, type ProviderTemplate } from '../tasks/rules/provider-templates.js';

@ApiTags('waiting')
@Controller('v1/providers')
export class ProvidersController {
  /** The built-in templates a task can name as `provider`, with the pollConfig each stands for. */
  @Public()
  @Get()
  list(): { providers: readonly ProviderTemplate[] } {
    return { providers: PROVIDER_TEMPLATES };
  }
}
