/** Names of the OpenAPI security schemes declared in app.setup.ts and used by route decorators. */
export const API_KEY_SECURITY = 'api-key';
export const BEARER_SECURITY = 'bearer';
