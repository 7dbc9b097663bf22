import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  type CallContext,
  ConflictError,
  ConnectionError,
  errorFromResponse,
  errorFromTransport,
  failedBeforeSending,
  NodeUnreachableError,
  NotFoundError,
  ParameterError,
  PermissionError,
  ProxmoxError,
  parseErrorBody,
  ServerError,
  type TimeoutError,
  TlsPinMismatchError,
} from '../../shared/proxmox/index.ts';

const pve: CallContext = {
  kind: 'pve',
  host: '10.0.0.5:8006',
  method: 'GET',
  path: '/nodes/pve1/qemu/999/config',
  auth: 'token',
  principal: 'strata@pve!crawler',
};
const pbs: CallContext = { ...pve, kind: 'pbs', host: 'pbs:8007', path: '/admin/datastore/nope/snapshots' };
const timeouts = { connectMs: 1000, headersMs: 2000, bodyMs: 3000 };

function expectSentence(err: ProxmoxError, host: string) {
  expect(err.message).toContain(host);
  expect(err.message).toMatch(/; .+\.$/);
  expect(err.message).not.toContain('\n');
}

describe('error bodies', () => {
  it('reads PVE JSON with message and errors, and PBS plain text', () => {
    expect(parseErrorBody('{"data":null,"errors":{"vmid":"type check (\'integer\') failed"}}')).toEqual({
      errors: { vmid: "type check ('integer') failed" },
    });
    expect(parseErrorBody('{"message":"a\\nb\\n","data":null}')).toEqual({ message: 'a\nb' });
    expect(parseErrorBody("datastore 'x' does not exist")).toEqual({ message: "datastore 'x' does not exist" });
    expect(parseErrorBody('"quoted"')).toEqual({ message: 'quoted' });
    expect(parseErrorBody('')).toEqual({});
    expect(parseErrorBody('[1]')).toEqual({});
  });
});

describe('mapping HTTP answers to typed errors', () => {
  it('401 → AuthenticationError with the reason phrase, naming the principal but no secret', () => {
    const err = errorFromResponse(pve, 401, 'authentication failure', '');
    expect(err).toBeInstanceOf(AuthenticationError);
    expect(err).toMatchObject({ code: 'AUTHENTICATION', status: 401, reason: 'authentication failure' });
    expect(err.endpoint).toBe('GET /nodes/pve1/qemu/999/config');
    expect(err.message).toContain('strata@pve!crawler');
    expectSentence(err, '10.0.0.5:8006');
    const login = errorFromResponse(
      { ...pve, auth: 'login', principal: 'root@pam' },
      401,
      'authentication failure',
      '',
    );
    expect(login.message).toMatch(/login of root@pam.*password/);
    const ticket = errorFromResponse({ ...pve, auth: 'ticket', principal: 'root@pam' }, 401, 'No ticket', '');
    expect(ticket.message).toMatch(/ticket/);
  });

  it('403 → PermissionError', () => {
    const err = errorFromResponse(pve, 403, 'Permission check failed (/vms/100, VM.PowerMgmt)', '{"data":null}');
    expect(err).toBeInstanceOf(PermissionError);
    expect(err.message).toContain('VM.PowerMgmt');
    expectSentence(err, '10.0.0.5:8006');
  });

  it('400 → ParameterError carrying the errors map', () => {
    const body = '{"errors":{"target":"no such node \'x\'","online":"type check (\'boolean\') failed"},"data":null}';
    const err = errorFromResponse(pve, 400, 'Parameter verification failed.', body) as ParameterError;
    expect(err).toBeInstanceOf(ParameterError);
    expect(err.errors).toEqual({ target: "no such node 'x'", online: "type check ('boolean') failed" });
    expect(err.message).toContain('online: type check');
    expectSentence(err, '10.0.0.5:8006');
  });

  it('PVE 500 "does not exist" / "no such" → NotFoundError; 404 and 501 too', () => {
    for (const reason of [
      "Configuration file 'nodes/pve1/qemu-server/999.conf' does not exist",
      "no such VM ('999')",
      "storage 'nope' does not exist",
    ]) {
      const err = errorFromResponse(pve, 500, reason, '{"data":null}');
      expect(err, reason).toBeInstanceOf(NotFoundError);
      expect(err.reason).toBe(reason);
    }
    expect(errorFromResponse(pve, 404, 'Not Found', '')).toBeInstanceOf(NotFoundError);
    expect(errorFromResponse(pve, 501, "Method 'GET /x' not implemented", '')).toBeInstanceOf(NotFoundError);
  });

  it('a digest mismatch → ConflictError', () => {
    const err = errorFromResponse(pve, 500, 'checksum mismatch (file change by other user?)', '');
    expect(err).toBeInstanceOf(ConflictError);
    const lxc = errorFromResponse(
      pve,
      500,
      'detected modified configuration - file changed by other user? Try again.',
      '',
    );
    expect(lxc).toBeInstanceOf(ConflictError);
  });

  it('595 and 596 → NodeUnreachableError', () => {
    for (const status of [595, 596]) {
      const err = errorFromResponse(pve, status, 'No route to host', '');
      expect(err).toBeInstanceOf(NodeUnreachableError);
      expect(err.status).toBe(status);
      expectSentence(err, '10.0.0.5:8006');
    }
  });

  it('other 5xx → ServerError, keeping the newest PVE full message', () => {
    const body =
      '{"message":"create sdn zone object failed: 400 Parameter verification failed.\\nipam: ipam-simple not existing\\n","data":null}';
    const err = errorFromResponse(pve, 500, 'create sdn zone object failed: 400 Parameter verification failed.', body);
    expect(err).toBeInstanceOf(ServerError);
    expect(err.message).toContain('ipam: ipam-simple not existing');
    expect(errorFromResponse(pve, 502, 'Bad Gateway', '')).toBeInstanceOf(ServerError);
  });

  it('understands PBS plain-text bodies', () => {
    const missing = errorFromResponse(pbs, 400, 'Bad Request', "datastore 'nope' does not exist");
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.message).toContain("datastore 'nope' does not exist");
    expect(missing.message).toContain('Proxmox Backup Server at pbs:8007');
    const bad = errorFromResponse(pbs, 400, 'Bad Request', "parameter verification failed - 'ns': invalid");
    expect(bad).toBeInstanceOf(ParameterError);
    expect(bad.message).toContain("'ns': invalid");
    const auth = errorFromResponse(pbs, 401, 'Unauthorized', 'authentication failed - invalid token');
    expect(auth).toBeInstanceOf(AuthenticationError);
    expect(auth.message).toContain('invalid token');
  });

  it('an unexpected status is a plain ProxmoxError with code HTTP', () => {
    const err = errorFromResponse(pve, 302, 'Found', '');
    expect(err.constructor).toBe(ProxmoxError);
    expect(err.code).toBe('HTTP');
  });
});

describe('mapping transport failures', () => {
  const sys = (code: string) => Object.assign(new Error(`connect ${code}`), { code });

  it('maps undici timeouts to TimeoutError with the phase and the limit', () => {
    const connect = errorFromTransport(pve, sys('UND_ERR_CONNECT_TIMEOUT'), timeouts) as TimeoutError;
    expect(connect).toMatchObject({ code: 'TIMEOUT', phase: 'connect', timeoutMs: 1000 });
    const headers = errorFromTransport(pve, sys('UND_ERR_HEADERS_TIMEOUT'), timeouts) as TimeoutError;
    expect(headers).toMatchObject({ phase: 'headers', timeoutMs: 2000 });
    expect(headers.message).toContain('2000 ms');
    expect(errorFromTransport(pve, sys('UND_ERR_BODY_TIMEOUT'), timeouts)).toMatchObject({ phase: 'body' });
  });

  it('maps socket errors to ConnectionError with the errno', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EHOSTUNREACH', 'UND_ERR_SOCKET']) {
      const err = errorFromTransport(pve, sys(code), timeouts) as ConnectionError;
      expect(err).toBeInstanceOf(ConnectionError);
      expect(err.errno).toBe(code);
      expectSentence(err, '10.0.0.5:8006');
    }
    const nested = errorFromTransport(pve, new Error('fetch failed', { cause: sys('ECONNREFUSED') }), timeouts);
    expect((nested as ConnectionError).errno).toBe('ECONNREFUSED');
  });

  it('passes typed errors through, also when wrapped', () => {
    const pin = new TlsPinMismatchError('changed', 'A', 'B');
    expect(errorFromTransport(pve, pin, timeouts)).toBe(pin);
    expect(errorFromTransport(pve, new Error('fetch failed', { cause: pin }), timeouts)).toBe(pin);
  });

  it('knows which failures happened before anything was sent', () => {
    expect(failedBeforeSending(errorFromTransport(pve, sys('ECONNREFUSED'), timeouts))).toBe(true);
    expect(failedBeforeSending(errorFromTransport(pve, sys('UND_ERR_CONNECT_TIMEOUT'), timeouts))).toBe(true);
    expect(failedBeforeSending(errorFromTransport(pve, sys('ECONNRESET'), timeouts))).toBe(false);
    expect(failedBeforeSending(errorFromTransport(pve, sys('UND_ERR_HEADERS_TIMEOUT'), timeouts))).toBe(false);
    expect(failedBeforeSending(new TlsPinMismatchError('x', 'a', 'b'))).toBe(false);
  });
});
