import type { PollConfig } from './poll-config.js';

const PLACEHOLDER = /\{[^{}]*\}/g;
/** "scheme://authority" followed by the character that ends the authority. */
const COMPLETE_AUTHORITY = /^[a-z][a-z0-9+.-]*:\/\/[^/?#{]*[/?#]/i;

/**
 * The hosts a new task sends its vault references to, as URL hostnames: its targetUrl's, and with
 * forwardAuth those of its status and result URLs when the template fixes the host. A template
 * whose host comes from the submit response is judged when its URL is built (TaskPoller).
 */
export function credentialHostsOf(targetUrl: string, pollConfig: PollConfig | null): string[] {
  const hosts = [new URL(targetUrl).hostname];
  if (!pollConfig?.forwardAuth) return hosts;
  for (const template of [pollConfig.urlTemplate, pollConfig.resultUrlTemplate]) {
    const host = template === undefined ? null : fixedHostOf(template);
    if (host !== null && !hosts.includes(host)) hosts.push(host);
  }
  return hosts;
}

/** The host of a URL template (validated by pollConfigProblem), or null when a placeholder decides it. */
export function fixedHostOf(template: string): string | null {
  const firstPlaceholder = template.indexOf('{');
  if (firstPlaceholder === 0) return null;
  if (firstPlaceholder > 0 && !COMPLETE_AUTHORITY.test(template.slice(0, firstPlaceholder))) return null;
  return new URL(template.replace(PLACEHOLDER, 'x')).hostname;
}
