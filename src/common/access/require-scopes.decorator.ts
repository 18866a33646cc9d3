import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';
import { API_KEY_SECURITY, BEARER_SECURITY } from '../http/security-schemes.js';
import type { Scope } from './scopes.js';

export const REQUIRED_SCOPES_KEY = 'asyncqueue:requiredScopes';
export const API_KEY_ONLY_KEY = 'asyncqueue:apiKeyOnly';

/** The route needs these scopes; API keys hold them all, OAuth tokens only what they were granted. */
export const RequireScopes = (...scopes: Scope[]) =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPES_KEY, scopes),
    ApiSecurity(BEARER_SECURITY, scopes),
    ApiSecurity(API_KEY_SECURITY),
  );

/** Team self-service: only an API key may call it, never an OAuth token. */
export const RequireApiKey = () =>
  applyDecorators(SetMetadata(API_KEY_ONLY_KEY, true), ApiSecurity(BEARER_SECURITY), ApiSecurity(API_KEY_SECURITY));
