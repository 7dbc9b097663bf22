/** Prints the README's settings table from shared/config.ts (`npx tsx scripts/settings-table.ts`). */
import { settings } from '../shared/config.ts';

console.log('| setting | default | what it does |\n| --- | --- | --- |');
for (const [name, def] of Object.entries(settings)) {
  const dflt = 'default' in def ? `\`${def.default.replace(process.env.HOME ?? '~', '~')}\`` : '(unset)';
  console.log(`| \`${name}\` | ${dflt} | ${def.doc.replace(/\|/g, '\\|')} |`);
}
