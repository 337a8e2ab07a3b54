import type { ClientStore } from '../clients/client-store.js';

/**
 * Where a federated sign-in may send the browser afterwards: a page of this service (a path, or
 * an absolute URL on AUTH_PUBLIC_URL's origin or an ALLOWED_ORIGINS origin), or exactly a
 * redirect URI registered for an enabled client. Anything else would make the sign-in an open
 * redirect. Returns the URL to redirect to (a path stays a path), or null.
 */
export function createReturnToCheck({ publicUrl, allowedOrigins, clients }: { publicUrl: string; allowedOrigins: ReadonlySet<string>; clients: ClientStore }) {
  const own = new Set([new URL(publicUrl).origin, ...allowedOrigins]);
  return async function checkReturnTo(value: string | undefined): Promise<string | null> {
    if (value === undefined || value === '') return '/';
    if (value.length > 4096 || /[\u0000-\u001f\\]/.test(value)) return null;
    // A path of ours: one leading slash (`//host` and `/\host` are other hosts to a browser).
    if (value.startsWith('/')) return value.startsWith('//') ? null : value;
    if (!URL.canParse(value)) return null;
    const url = new URL(value);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
    if (url.username || url.password) return null;
    if (own.has(url.origin)) return url.toString();
    const registered = (await clients.list()).some((client) => client.disabledAt === null && (client.redirectUris ?? []).includes(value));
    return registered ? value : null;
  };
}
