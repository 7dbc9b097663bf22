import { ClientConfigError } from './errors.ts';
import type { ProxmoxKind } from './types.ts';

/**
 * How each product wants its credentials. API tokens: PVE `PVEAPIToken=USER@REALM!ID=SECRET` (the server
 * splits on the last `=`), PBS `PBSAPIToken=USER@REALM!ID:SECRET` (split on the first `:` after the id).
 * Tickets travel in a cookie, and every non-GET call with a ticket needs the CSRFPreventionToken header.
 */

const TOKEN_ID = /^[^\s:/!]+@[A-Za-z][A-Za-z0-9.\-_]*![A-Za-z][A-Za-z0-9.\-_]*$/;

export const TICKET_COOKIE: Record<ProxmoxKind, string> = { pve: 'PVEAuthCookie', pbs: 'PBSAuthCookie' };

/** Throws ClientConfigError unless the token id looks like `user@realm!tokenname`. */
export function checkTokenId(tokenId: string): string {
  if (!TOKEN_ID.test(tokenId)) {
    throw new ClientConfigError(
      `"${tokenId.slice(0, 100)}" is not an API token id; write it as user@realm!tokenname, e.g. strata@pve!crawler.`,
    );
  }
  return tokenId;
}

/** The `Authorization` header value for an API token. */
export function tokenAuthorization(kind: ProxmoxKind, tokenId: string, secret: string): string {
  checkTokenId(tokenId);
  if (!secret || /[\s;]/.test(secret)) {
    throw new ClientConfigError(
      `The secret of API token ${tokenId} is empty or contains spaces or semicolons; paste the secret exactly as Proxmox showed it.`,
    );
  }
  return kind === 'pve' ? `PVEAPIToken=${tokenId}=${secret}` : `PBSAPIToken=${tokenId}:${secret}`;
}

/** The `Cookie` header value that carries a ticket. */
export function ticketCookie(kind: ProxmoxKind, ticket: string): string {
  return `${TICKET_COOKIE[kind]}=${ticket}`;
}

/** Whether a call needs the CSRFPreventionToken header when authenticated with a ticket. */
export function needsCsrf(method: string): boolean {
  return method.toUpperCase() !== 'GET' && method.toUpperCase() !== 'HEAD';
}
