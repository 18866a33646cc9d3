import { domainToASCII } from 'node:url';

/**
 * Destination binding of a vault token (SPEC §5): the hosts its secret may be sent to, as exact
 * host names, IP literals or `*.suffix` patterns (any subdomain of the suffix, at any depth, but
 * not the suffix itself). Entries and hosts are compared in the form WHATWG URL gives a hostname:
 * lower case, punycode, dotted IPv4, bracketed and compressed IPv6.
 */

export const MAX_ALLOWED_HOSTS = 20;

const WILDCARD_PREFIX = '*.';
const MAX_HOST_NAME_LENGTH = 253;
const LABEL = /^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/;
const DOTTED_IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** The first problem with an `allowedHosts` value, or null; messages name the field. */
export function allowedHostsProblem(value: unknown): string | null {
  if (!Array.isArray(value)) return 'allowedHosts must be an array of host names';
  if (value.length === 0) return 'allowedHosts must have at least 1 entry';
  if (value.length > MAX_ALLOWED_HOSTS) return `allowedHosts must have at most ${MAX_ALLOWED_HOSTS} entries`;
  const bad = value.findIndex((entry) => normaliseEntry(entry) === null);
  return bad === -1 ? null : `allowedHosts[${bad}] must be a host name or *.suffix`;
}

/** A valid `allowedHosts` value as it is stored: normalised entries, duplicates dropped, order kept. */
export function normaliseAllowedHosts(entries: readonly string[]): string[] {
  return [...new Set(entries.map((entry) => normaliseEntry(entry) as string))];
}

/**
 * Every `allowedHosts` entry that admits `host` (a URL hostname): the host itself, and for a
 * host name each `*.suffix` above it. "Does the binding admit the host" is then "do the two lists
 * share an entry", which SQL can answer as well (`allowed_hosts && patterns`).
 */
export function entriesAdmitting(host: string): string[] {
  const entries = [host];
  if (isIpLiteral(host)) return entries;
  const labels = host.split('.');
  for (let i = 1; i < labels.length; i += 1) entries.push(`${WILDCARD_PREFIX}${labels.slice(i).join('.')}`);
  return entries;
}

/** True when a token with this binding (null: unbound) may be sent to `host`. */
export function bindingAdmits(allowedHosts: readonly string[] | null, host: string): boolean {
  return allowedHosts === null || entriesAdmitting(host).some((entry) => allowedHosts.includes(entry));
}

export function hostNotAllowedMessage(tokenId: string, host: string): string {
  return `Vault token "${tokenId}" may not be sent to host "${host}"`;
}

function normaliseEntry(entry: unknown): string | null {
  if (typeof entry !== 'string') return null;
  const lower = entry.toLowerCase();
  if (lower.startsWith(WILDCARD_PREFIX)) {
    const suffix = hostName(lower.slice(WILDCARD_PREFIX.length));
    return suffix === null ? null : `${WILDCARD_PREFIX}${suffix}`;
  }
  if (DOTTED_IPV4.test(lower)) return lower;
  if (lower.includes(':')) return ipv6Literal(lower);
  return hostName(lower);
}

/** A DNS name in ASCII form, or null. A numeric last label is refused: URL would read it as IPv4. */
function hostName(name: string): string | null {
  const ascii = /^[\x21-\x7e]*$/.test(name) ? name : domainToASCII(name);
  if (ascii.length === 0 || ascii.length > MAX_HOST_NAME_LENGTH) return null;
  const labels = ascii.split('.');
  if (!labels.every((label) => LABEL.test(label))) return null;
  return /^\d+$/.test(labels[labels.length - 1]) ? null : ascii;
}

function ipv6Literal(entry: string): string | null {
  const bracketed = entry.startsWith('[') ? entry : `[${entry}]`;
  if (!/^\[[0-9a-f:.]+\]$/.test(bracketed)) return null;
  try {
    return new URL(`http://${bracketed}/`).hostname;
  } catch {
    return null;
  }
}

function isIpLiteral(host: string): boolean {
  return host.startsWith('[') || DOTTED_IPV4.test(host);
}
