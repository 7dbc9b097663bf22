import type { Command } from 'commander';
import {
  createLocalAdmin,
  deleteLocalAdmin,
  listLocalAdmins,
  MIN_PASSWORD_LENGTH,
} from '../../api/auth/local-admin.ts';
import { withDatabase } from '../database.ts';
import { readSecret } from '../read-secret.ts';

export function register(program: Command): void {
  const admin = program
    .command('admin')
    .description('break-glass local admins: log in when the directory is down (off unless one is created)');
  admin
    .command('create')
    .description(
      `create a local admin; the password (${MIN_PASSWORD_LENGTH}+ characters) comes from STRATA_ADMIN_PASSWORD or stdin, never the command line`,
    )
    .requiredOption('--user <name>', 'user name')
    .option('--replace', 'set a new password if the admin exists')
    .action(async (opts: { user: string; replace?: boolean }) => {
      const password = process.env.STRATA_ADMIN_PASSWORD ?? (await readSecret(`Password for ${opts.user}: `));
      await withDatabase('admin.create', opts.user, async (db) => {
        const done = await createLocalAdmin(db, opts.user, password, { replace: Boolean(opts.replace) });
        console.log(`Local admin ${opts.user} ${done}.`);
      });
    });
  admin
    .command('delete')
    .description('delete a local admin (their sessions end at the next role refresh)')
    .requiredOption('--user <name>', 'user name')
    .action(async (opts: { user: string }) => {
      await withDatabase('admin.delete', opts.user, async (db) => {
        if (!(await deleteLocalAdmin(db, opts.user))) throw new Error(`There is no local admin named ${opts.user}.`);
        console.log(`Local admin ${opts.user} deleted.`);
      });
    });
  admin
    .command('list')
    .description('list local admins')
    .action(async () => {
      await withDatabase(null, null, async (db) => {
        const admins = await listLocalAdmins(db);
        if (!admins.length) console.log('No local admins (break-glass login is off).');
        for (const a of admins) console.log(`${a.username}\tcreated ${a.createdAt.toISOString()}`);
      });
    });
}
