import { AuthenticationError } from './errors.ts';

/**
 * A login ticket and its lifecycle. Proxmox tickets live 2 hours; like proxmoxer we renew after an hour by
 * logging in with the current ticket as the password, and log in afresh with the real password when the
 * ticket is too old to renew or the renewal is refused. All callers share one login in flight.
 */

export interface Ticket {
  ticket: string;
  csrfToken: string;
  username: string;
  /** Local clock, ms, when the ticket was issued to us. */
  obtainedAt: number;
}

export interface TicketLoginResult {
  ticket: string;
  CSRFPreventionToken: string;
  username?: string;
}

export interface TicketSessionOptions {
  username: string;
  /** Performs POST /access/ticket with these credentials (the password may be a ticket). */
  login(username: string, password: string): Promise<TicketLoginResult>;
  /** Renew a ticket this old. Default one hour. */
  renewAfterMs?: number;
  /** Never use or renew a ticket this old; log in with the password. Default 2 h minus 5 min. */
  maxAgeMs?: number;
  now?: () => number;
}

export const TICKET_RENEW_AFTER_MS = 60 * 60 * 1000;
export const TICKET_MAX_AGE_MS = 2 * 60 * 60 * 1000 - 5 * 60 * 1000;

export class TicketSession {
  readonly #password: string;
  readonly #options: TicketSessionOptions;
  #current: Ticket | undefined;
  #pending: Promise<Ticket> | undefined;
  #logins = 0;
  #renewals = 0;

  constructor(options: TicketSessionOptions, password: string) {
    this.#options = options;
    this.#password = password;
  }

  private now(): number {
    return (this.#options.now ?? Date.now)();
  }

  /** Full logins and renewals done so far. */
  get counts(): { logins: number; renewals: number } {
    return { logins: this.#logins, renewals: this.#renewals };
  }

  /** A ticket valid for a call now: the current one, a renewed one, or a fresh login. */
  async get(): Promise<Ticket> {
    const current = this.#current;
    const age = current ? this.now() - current.obtainedAt : Number.POSITIVE_INFINITY;
    const maxAge = this.#options.maxAgeMs ?? TICKET_MAX_AGE_MS;
    if (current && age < (this.#options.renewAfterMs ?? TICKET_RENEW_AFTER_MS)) return current;
    if (this.#pending) {
      // While one caller renews, the others keep using the still-valid ticket.
      return current && age < maxAge ? current : this.#pending;
    }
    const pending = (current && age < maxAge ? this.renew(current) : this.login()).finally(() => {
      if (this.#pending === pending) this.#pending = undefined;
    });
    this.#pending = pending;
    return pending;
  }

  /** Forgets the ticket when it is still the one that was refused, so the next get() logs in again. */
  invalidate(ticket: string): void {
    if (this.#current?.ticket === ticket) this.#current = undefined;
  }

  private async login(): Promise<Ticket> {
    this.#logins++;
    return this.store(await this.#options.login(this.#options.username, this.#password));
  }

  private async renew(current: Ticket): Promise<Ticket> {
    this.#renewals++;
    try {
      return this.store(await this.#options.login(current.username, current.ticket));
    } catch (err) {
      if (err instanceof AuthenticationError) return this.login();
      // A transient failure: the current ticket is still valid, use it and renew on a later call.
      if (this.now() - current.obtainedAt < (this.#options.maxAgeMs ?? TICKET_MAX_AGE_MS)) return current;
      throw err;
    }
  }

  private store(result: TicketLoginResult): Ticket {
    this.#current = {
      ticket: result.ticket,
      csrfToken: result.CSRFPreventionToken,
      username: result.username ?? this.#options.username,
      obtainedAt: this.now(),
    };
    return this.#current;
  }
}
