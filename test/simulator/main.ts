/** `npm run simulator -- --preset medium [--seed N] [--latency 25] [--advance]`: runs until Ctrl-C. */
import { ArgumentError, parseSimulatorArgs, USAGE } from './cli-args.ts';
import { type SimEndpoint, startSimulator } from './index.ts';

function describe(e: SimEndpoint): string {
  const lines = [
    `${e.kind.toUpperCase()} ${e.name}: https://${e.host}:${e.port}${e.kind === 'pve' ? ` (nodes: ${e.nodes.join(', ')})` : ''}`,
    `  user:        ${e.user}  password: ${e.password}`,
    `  token:       ${e.tokenId}  secret: ${e.tokenSecret}`,
    `  audit user:  ${e.auditUser}  password: ${e.auditPassword}  token: ${e.auditTokenId} ${e.auditTokenSecret}`,
    `  fingerprint: ${e.fingerprint}`,
  ];
  if (e.nodePorts)
    lines.push(
      `  node ports:  ${Object.entries(e.nodePorts)
        .map(([node, port]) => `${node} ${port}`)
        .join(', ')}`,
    );
  return lines.join('\n');
}

async function main(): Promise<void> {
  let opts: ReturnType<typeof parseSimulatorArgs>;
  try {
    opts = parseSimulatorArgs(process.argv.slice(2));
  } catch (err) {
    if (err instanceof ArgumentError) {
      if (err.message === 'help') {
        console.log(USAGE);
        process.exit(0);
      }
      console.error(`simulator: ${err.message}\n${USAGE}`);
      process.exit(2);
    }
    throw err;
  }
  const t0 = performance.now();
  const sim = await startSimulator(opts);
  const truth = sim.truth();
  const guests = truth.clusters.reduce((n, c) => n + c.guests.length, 0);
  console.log(
    `Proxmox simulator: preset ${truth.preset}, seed ${truth.seed}, ${truth.clusters.length} clusters, ${guests} guests, ${truth.pbs.length} PBS; started in ${Math.round(performance.now() - t0)} ms`,
  );
  for (const e of [...sim.clusters, ...sim.pbs]) console.log(describe(e));
  console.log('Ctrl-C to stop.');
  const stop = async () => {
    await sim.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error(`simulator: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
