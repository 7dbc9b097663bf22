import { pino } from 'pino';

/**
 * Structured JSON logs. Keys that may hold secrets are redacted wherever they appear, as a second line of
 * defence: code must still never log a secret on purpose.
 */
const REDACT = [
  'password',
  'secret',
  'token',
  'ticket',
  'authorization',
  'cookie',
  'CSRFPreventionToken',
  '*.password',
  '*.secret',
  '*.token',
  '*.ticket',
  '*.authorization',
  '*.cookie',
  '*.CSRFPreventionToken',
  'req.headers.authorization',
  'req.headers.cookie',
];

export type Logger = pino.Logger;

export function createLogger(level: string = process.env.STRATA_LOG_LEVEL ?? 'info', name = 'strata'): Logger {
  return pino({ name, level, redact: { paths: REDACT, censor: '[redacted]' } });
}
