import type { NextFunction, Request, Response } from 'express';
import helmet from 'helmet';

/**
 * Every answer under these prefixes gets `Cache-Control: no-store`, as Stripe does for its whole
 * API: many carry secrets (new keys, client secrets, access tokens, webhook secrets, signal tokens,
 * callback URLs), the rest are live task state, and one rule cannot forget a route.
 */
export const NO_STORE_PREFIXES = ['/v1', '/oauth'];

/**
 * Helmet's headers (nosniff, frame and referrer policies, a CSP) on every response. The CSP is what
 * Swagger UI at /docs needs: its scripts and stylesheets come from this origin, and the page has
 * one inline <style> block and style attributes, hence 'unsafe-inline' for styles only.
 */
export function securityHeaders(): ReturnType<typeof helmet> {
  return helmet({
    contentSecurityPolicy: {
      directives: {
        styleSrc: ["'self'", "'unsafe-inline'"],
        // Often served over plain HTTP inside a network: upgrading would break /docs' own assets.
        upgradeInsecureRequests: null,
      },
    },
    // HSTS pins a whole host to HTTPS for a year; that is for the TLS terminator in front to decide.
    strictTransportSecurity: false,
  });
}

export function noStore(_request: Request, response: Response, next: NextFunction): void {
  response.setHeader('Cache-Control', 'no-store');
  next();
}
