/** The Proxmox VE / PBS HTTP client. See README.md in this folder. */
export { checkTokenId, needsCsrf, TICKET_COOKIE, ticketCookie, tokenAuthorization } from './auth-header.ts';
export { CallStats, type CallStatsSnapshot } from './call-stats.ts';
export {
  type ApiPath,
  type CallOptions,
  DEFAULT_MAX_CONCURRENT_PER_HOST,
  DEFAULT_TIMEOUTS,
  type FallbackHost,
  type ProxmoxAuth,
  ProxmoxClient,
  type ProxmoxClientOptions,
  type ProxmoxResponse,
  type WriteOptions,
} from './client.ts';
export {
  apiPath,
  checkPath,
  encodeParams,
  encodeSegment,
  formBody,
  joinPath,
  jsonBody,
  type Params,
  type ParamValue,
  queryString,
} from './encoding.ts';
export { endpointTemplate } from './endpoint-template.ts';
export {
  type CallContext,
  errorFromResponse,
  errorFromTransport,
  failedBeforeSending,
  parseErrorBody,
  type TimeoutSettings,
} from './error-mapping.ts';
export * from './errors.ts';
export { fetchFingerprint, type ServerCertificateInfo } from './fetch-fingerprint.ts';
export { bareFingerprint, fingerprintsEqual, normalizeFingerprint } from './fingerprint.ts';
export { backoffDelay, DEFAULT_RETRY, isIdempotent, isRetryable, type RetryOptions } from './retry-policy.ts';
export {
  isTaskSuccess,
  type TaskResult,
  type TaskStatus,
  type TaskStatusReader,
  type WaitForTaskOptions,
  waitForTask,
} from './task-waiter.ts';
export { TICKET_MAX_AGE_MS, TICKET_RENEW_AFTER_MS, type Ticket, TicketSession } from './ticket-session.ts';
export { checkPeer, isConnectFailure, pinnedConnector, type TlsPin } from './tls-pinning.ts';
export { DEFAULT_PORT, type HttpMethod, hostLabel, PRODUCT_NAME, type ProxmoxKind } from './types.ts';
export { parseUpid, systemdUnescape, tryParseUpid, type Upid } from './upid.ts';
