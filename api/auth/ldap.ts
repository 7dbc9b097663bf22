import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Client, type Entry, EqualityFilter, OrFilter, ResultCodeError } from 'ldapts';

/** How to reach the directory and find users in it. */
export interface LdapOptions {
  /** Tried in order: the first server that answers is used (failover). */
  urls: string[];
  bindDn: string;
  bindPassword: string;
  userBase: string;
  /** uid for OpenLDAP, sAMAccountName for Active Directory. */
  userAttr: string;
  /** When set, groups are found by searching here for member=<user DN>; otherwise memberOf is read. */
  groupBase?: string | undefined;
  /** Upgrade ldap:// connections with StartTLS. */
  startTls: boolean;
  /** PEM trusted for LDAPS and StartTLS; unset: the system's CAs. */
  ca?: string | undefined;
  timeoutMs: number;
}

export interface DirectoryUser {
  dn: string;
  username: string;
  displayName: string | null;
  groups: string[];
}

/** The directory could not be asked (every server down, TLS refused, the service account rejected). */
export class DirectoryUnavailableError extends Error {
  override name = 'DirectoryUnavailableError';
}

/** No such user, several users with this name, or a wrong password: the caller cannot tell which. */
export class InvalidCredentialsError extends Error {
  override name = 'InvalidCredentialsError';
  constructor(readonly reason: 'unknown_user' | 'ambiguous_user' | 'wrong_password' | 'empty_password') {
    super('Invalid user name or password.');
  }
}

/** busy (51) and unavailable (52) mean "ask another server"; other result codes are answers. */
const serverTrouble = (e: unknown) => e instanceof ResultCodeError && (e.code === 51 || e.code === 52);

const asList = (v: Entry[string] | undefined): string[] =>
  v === undefined ? [] : [v].flat().map((x) => (Buffer.isBuffer(x) ? x.toString('utf8') : String(x)));

/**
 * LDAP login: bind as the service account, find the user with an escaped equality filter, require exactly
 * one entry, then bind as that entry's DN on a fresh connection. Each operation opens its own connections,
 * so nothing is shared between users and a dead server is noticed at once.
 */
export class LdapDirectory {
  constructor(private readonly opts: LdapOptions) {}

  /** Checks a user's password and returns the entry with its groups. */
  async authenticate(username: string, password: string): Promise<DirectoryUser> {
    // Some servers (Active Directory) take a DN with an empty password as an anonymous bind that succeeds.
    if (password.length === 0) throw new InvalidCredentialsError('empty_password');
    const { user, url } = await this.withServiceAccount((client) => this.findUser(client, username));
    if (user === 'none') throw new InvalidCredentialsError('unknown_user');
    if (user === 'many') throw new InvalidCredentialsError('ambiguous_user');
    await this.bindAsUser(url, user.dn, password);
    return user;
  }

  /** Re-reads a user and their groups with the service account; null when the user is gone (or ambiguous). */
  async lookup(username: string): Promise<DirectoryUser | null> {
    const { user } = await this.withServiceAccount((client) => this.findUser(client, username));
    return typeof user === 'string' ? null : user;
  }

  private async findUser(client: Client, username: string): Promise<DirectoryUser | 'none' | 'many'> {
    const { searchEntries } = await client.search(this.opts.userBase, {
      scope: 'sub',
      filter: new EqualityFilter({ attribute: this.opts.userAttr, value: username }),
      attributes: ['dn', this.opts.userAttr, 'cn', 'displayName', 'memberOf'],
      sizeLimit: 2,
    });
    if (searchEntries.length === 0) return 'none';
    if (searchEntries.length > 1) return 'many';
    const entry = searchEntries[0]!;
    const groups = this.opts.groupBase ? await this.searchGroups(client, entry.dn) : asList(entry.memberOf);
    const displayName = asList(entry.displayName)[0] ?? asList(entry.cn)[0] ?? null;
    return { dn: entry.dn, username: asList(entry[this.opts.userAttr])[0] ?? username, displayName, groups };
  }

  private async searchGroups(client: Client, userDn: string): Promise<string[]> {
    const { searchEntries } = await client.search(this.opts.groupBase!, {
      scope: 'sub',
      filter: new OrFilter({
        filters: [
          new EqualityFilter({ attribute: 'member', value: userDn }),
          new EqualityFilter({ attribute: 'uniqueMember', value: userDn }),
        ],
      }),
      attributes: ['dn'],
    });
    return searchEntries.map((e) => e.dn);
  }

  /** Binds as the service account on the first server that answers and runs `work` on that connection. */
  private async withServiceAccount<T>(work: (client: Client) => Promise<T>): Promise<{ user: T; url: string }> {
    const failures: string[] = [];
    for (const url of this.opts.urls) {
      const client = await this.connect(url).catch((e: unknown) => {
        failures.push(`${url}: ${describe(e)}`);
        return null;
      });
      if (!client) continue;
      try {
        await client.bind(this.opts.bindDn, this.opts.bindPassword);
      } catch (e) {
        await client.unbind().catch(() => {});
        if (e instanceof ResultCodeError && !serverTrouble(e)) {
          throw new DirectoryUnavailableError(
            `The directory at ${url} refused Strata's service account (${e.message}).`,
          );
        }
        failures.push(`${url}: ${describe(e)}`);
        continue;
      }
      try {
        return { user: await work(client), url };
      } catch (e) {
        if (e instanceof ResultCodeError) throw new DirectoryUnavailableError(`The directory at ${url}: ${e.message}`);
        throw new DirectoryUnavailableError(`The directory at ${url} failed during a search: ${describe(e)}`);
      } finally {
        await client.unbind().catch(() => {});
      }
    }
    throw new DirectoryUnavailableError(`No LDAP server answered (${failures.join('; ')}).`);
  }

  /** The user's bind goes first to the server that found them, then to the others. */
  private async bindAsUser(preferred: string, dn: string, password: string): Promise<void> {
    const order = [preferred, ...this.opts.urls.filter((u) => u !== preferred)];
    const failures: string[] = [];
    for (const url of order) {
      const client = await this.connect(url).catch((e: unknown) => {
        failures.push(`${url}: ${describe(e)}`);
        return null;
      });
      if (!client) continue;
      try {
        await client.bind(dn, password);
        return;
      } catch (e) {
        if (e instanceof ResultCodeError && !serverTrouble(e)) throw new InvalidCredentialsError('wrong_password');
        failures.push(`${url}: ${describe(e)}`);
      } finally {
        await client.unbind().catch(() => {});
      }
    }
    throw new DirectoryUnavailableError(`No LDAP server answered the user's bind (${failures.join('; ')}).`);
  }

  /** A connected client, upgraded with StartTLS when configured. TLS options go only where they apply. */
  private async connect(url: string): Promise<Client> {
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    const tls: ConnectionOptions = {
      ...(this.opts.ca ? { ca: this.opts.ca } : {}),
      host,
      ...(isIP(host) ? {} : { servername: host }),
    };
    const secure = url.startsWith('ldaps:');
    // ldapts opens a TLS socket whenever tlsOptions is non-empty, even for ldap://, which breaks StartTLS.
    const client = new Client({
      url,
      timeout: this.opts.timeoutMs,
      connectTimeout: this.opts.timeoutMs,
      ...(secure ? { tlsOptions: tls } : {}),
    });
    if (!secure && this.opts.startTls) {
      try {
        await client.startTLS(tls);
      } catch (e) {
        await client.unbind().catch(() => {});
        throw e;
      }
    }
    return client;
  }
}

function describe(e: unknown): string {
  const err = e as { code?: unknown; message?: unknown };
  const code = typeof err?.code === 'string' ? `${err.code}: ` : '';
  return `${code}${typeof err?.message === 'string' ? err.message : String(e)}`;
}
