import type { Command } from 'commander';
import { CLUSTER_GROUP, ROLES, type Role } from '../../api/auth/roles.ts';
import { createToken, listTokens, revokeToken } from '../../api/auth/tokens.ts';
import { cliActor, withDatabase } from '../database.ts';

const DAY = 86_400_000;

export function register(program: Command): void {
  const token = program.command('token').description('API tokens for scripts (sent as Authorization: Bearer ...)');
  token
    .command('create')
    .description('create a token and print its secret once')
    .requiredOption('--name <name>', 'what the token is for')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--group <clusterGroup>', 'limit the role to one cluster group (default: every cluster)')
    .option('--days <n>', 'days until it expires', '90')
    .action(async (opts: { name: string; role: string; group?: string; days: string }) => {
      if (!ROLES.includes(opts.role as Role)) throw new Error(`--role must be one of ${ROLES.join(', ')}.`);
      if (opts.group !== undefined && !CLUSTER_GROUP.test(opts.group))
        throw new Error(`--group "${opts.group}" is not a valid cluster group name.`);
      const days = Number(opts.days);
      if (!Number.isInteger(days) || days < 1 || days > 730)
        throw new Error('--days must be a whole number from 1 to 730.');
      if (!opts.name.trim() || opts.name.length > 100) throw new Error('--name must be 1 to 100 characters.');
      await withDatabase('token.create', null, async (db, record) => {
        const { token: t, secret } = await createToken(db, {
          name: opts.name.trim(),
          role: opts.role as Role,
          group: opts.group ?? null,
          expiresAt: new Date(Date.now() + days * DAY),
          createdBy: cliActor(),
        });
        record.target = t.id;
        console.error(
          `Token ${t.id} (${t.role}${t.group ? `@${t.group}` : ''}) expires ${t.expiresAt.toISOString()}. The secret is shown once:`,
        );
        console.log(secret);
      });
    });
  token
    .command('list')
    .description('list tokens (never their secrets)')
    .action(async () => {
      await withDatabase(null, null, async (db) => {
        const all = await listTokens(db);
        if (!all.length) console.log('No API tokens.');
        for (const t of all) {
          console.log(
            [
              t.id,
              t.status,
              `${t.role}${t.group ? `@${t.group}` : ''}`,
              t.name,
              `expires ${t.expiresAt.toISOString()}`,
            ].join('\t'),
          );
        }
      });
    });
  token
    .command('revoke')
    .description('revoke a token')
    .requiredOption('--id <id>', 'token id (from list)')
    .action(async (opts: { id: string }) => {
      await withDatabase('token.revoke', opts.id, async (db) => {
        const t = await revokeToken(db, opts.id, cliActor());
        if (!t) throw new Error(`There is no API token ${opts.id}.`);
        console.log(`Token ${t.id} (${t.name}) revoked.`);
      });
    });
}
