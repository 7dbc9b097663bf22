/**
 * The simulator in a process of its own, for the load test: the load generator's event loop and the
 * simulator's must not be one, or the figures would measure the simulator. Started with fork(); sends
 * `{type: 'ready', endpoints}`; stops on SIGTERM.
 */
import { type SimulatorOptions, startSimulator } from '../../simulator/index.ts';

const options = JSON.parse(process.argv[2] ?? '{}') as SimulatorOptions;
const sim = await startSimulator(options);
process.send?.({ type: 'ready', endpoints: sim.endpoints });
const stop = () => {
  sim.stop().finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.once('disconnect', stop);
