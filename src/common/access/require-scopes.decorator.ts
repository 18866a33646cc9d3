import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiSecurity } from '@nestjs/swagger';
import { ApiErrors } from '../http/api-errors.decorator.js';
import { API_KEY_SECURITY, BEARER_SECURITY, OAUTH2_SECURITY } from '../http/security-schemes.js';
import type { Scope } from './scopes.js';

export const REQUIRED_SCOPES_KEY = 'asyncqueue:requiredScopes';
export const API_KEY_ONLY_KEY = 'asyncqueue:apiKeyOnly';

/**
 * The route needs these scopes; API keys hold them all, OAuth tokens only what they were granted.
 * Documented with every way in (a bearer credential, X-API-Key, an OAuth client's token) and the
 * answers every authenticated route can give.
 */
export const RequireScopes = (...scopes: Scope[]) =>
  applyDecorators(
    SetMetadata(REQUIRED_SCOPES_KEY, scopes),
    ApiSecurity(BEARER_SECURITY),
    ApiSecurity(API_KEY_SECURITY),
    ApiSecurity(OAUTH2_SECURITY, scopes),
    ApiErrors(401, 403, 429),
  );

/** Team self-service: only an API key may call it, never an OAuth token. */
export const RequireApiKey = () =>
  applyDecorators(
    SetMetadata(API_KEY_ONLY_KEY, true),
    ApiSecurity(BEARER_SECURITY),
    ApiSecurity(API_KEY_SECURITY),
    ApiErrors(401, 403, 429),
  );
