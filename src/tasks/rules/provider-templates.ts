import type { PollConfig } from './poll-config.js';

export interface ProviderTemplate {
  id: string;
  name: string;
  description: string;
  pollConfig: PollConfig;
}

/**
 * Built-in pollConfigs for AI providers whose jobs finish long after the submit call. Each reads
 * the job handle from the submit response and forwards the task's headers (the provider's API key,
 * usually a vault reference) only to the provider's own origin.
 */
export const PROVIDER_TEMPLATES: readonly ProviderTemplate[] = [
  {
    id: 'fal',
    name: 'fal.ai queue',
    description:
      'Submit to https://queue.fal.run/<model>; polls the returned status_url until COMPLETED, then fetches response_url as the result.',
    pollConfig: {
      urlTemplate: '{startResult.body.status_url}',
      statusPath: 'status',
      doneValues: ['COMPLETED'],
      failValues: ['FAILED', 'CANCELED'],
      interval: 2,
      resultUrlTemplate: '{startResult.body.response_url}',
      errorPath: 'error',
      forwardAuth: true,
    },
  },
  {
    id: 'replicate',
    name: 'Replicate predictions',
    description:
      'Submit to https://api.replicate.com/v1/predictions; polls urls.get until succeeded; the result is the prediction output.',
    pollConfig: {
      urlTemplate: '{startResult.body.urls.get}',
      statusPath: 'status',
      doneValues: ['succeeded'],
      failValues: ['failed', 'canceled', 'aborted'],
      interval: 2,
      resultPath: 'output',
      errorPath: 'error',
      forwardAuth: true,
    },
  },
  {
    id: 'runwayml',
    name: 'Runway tasks',
    description:
      'Submit to a Runway generation endpoint (e.g. /v1/image_to_video); polls /v1/tasks/<id> until SUCCEEDED; the result is the output URLs.',
    pollConfig: {
      urlTemplate: 'https://api.dev.runwayml.com/v1/tasks/{startResult.body.id}',
      statusPath: 'status',
      doneValues: ['SUCCEEDED'],
      failValues: ['FAILED', 'CANCELLED'],
      interval: 5,
      resultPath: 'output',
      errorPath: 'failure',
      forwardAuth: true,
    },
  },
  {
    id: 'luma',
    name: 'Luma Dream Machine',
    description:
      'Submit to https://api.lumalabs.ai/dream-machine/v1/generations; polls the generation until completed; the result is its assets.',
    pollConfig: {
      urlTemplate: 'https://api.lumalabs.ai/dream-machine/v1/generations/{startResult.body.id}',
      statusPath: 'state',
      doneValues: ['completed'],
      failValues: ['failed'],
      interval: 3,
      resultPath: 'assets',
      errorPath: 'failure_reason',
      forwardAuth: true,
    },
  },
  {
    id: 'elevenlabs-dubbing',
    name: 'ElevenLabs dubbing',
    description:
      'Submit to https://api.elevenlabs.io/v1/dubbing; polls the dubbing project until dubbed; the result is the project metadata.',
    pollConfig: {
      urlTemplate: 'https://api.elevenlabs.io/v1/dubbing/{startResult.body.dubbing_id}',
      statusPath: 'status',
      doneValues: ['dubbed'],
      failValues: ['failed'],
      interval: 10,
      errorPath: 'error',
      forwardAuth: true,
    },
  },
  {
    id: 'stability-video',
    name: 'Stability AI image-to-video',
    description:
      'Submit to https://api.stability.ai/v2beta/image-to-video; polls the result endpoint (202 while in progress) until finish_reason is SUCCESS.',
    pollConfig: {
      urlTemplate: 'https://api.stability.ai/v2beta/image-to-video/result/{startResult.body.id}',
      statusPath: 'finish_reason',
      doneValues: ['SUCCESS'],
      failValues: ['CONTENT_FILTERED', 'ERROR'],
      interval: 10,
      errorPath: 'finish_reason',
      forwardAuth: true,
    },
  },
];

export function providerTemplate(id: string): ProviderTemplate | undefined {
  return PROVIDER_TEMPLATES.find((template) => template.id === id);
}

export const PROVIDER_IDS = PROVIDER_TEMPLATES.map((template) => template.id);
