import type { SimulatorOptions } from './index.ts';
import { isPreset } from './presets.ts';

export const USAGE = `usage: npm run simulator -- [--preset tiny|small|medium|large] [--seed N] [--latency MS] [--jitter MS]
                             [--concurrency N] [--unauthorized-delay MS] [--task-duration MS] [--advance]
                             [--node-listeners]`;

export class ArgumentError extends Error {}

/** Parses the simulator's command line; throws ArgumentError with a sentence saying what is wrong. */
export function parseSimulatorArgs(argv: string[]): SimulatorOptions {
  const opts: SimulatorOptions = { preset: 'small' };
  const number = (flag: string, value: string | undefined, min: number, integer = true): number => {
    if (value === undefined || value.startsWith('--')) throw new ArgumentError(`${flag} needs a value`);
    const n = Number(value);
    if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
      throw new ArgumentError(`${flag} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got '${value}'`);
    }
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=')
      ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
      : [arg, undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--preset': {
        const v = value();
        if (!v || !isPreset(v))
          throw new ArgumentError(`--preset must be one of tiny, small, medium, large, got '${v ?? ''}'`);
        opts.preset = v;
        break;
      }
      case '--seed':
        opts.seed = number(flag, value(), 0);
        break;
      case '--latency':
        opts.latencyMs = number(flag, value(), 0);
        break;
      case '--jitter':
        opts.jitterMs = number(flag, value(), 0);
        break;
      case '--concurrency':
        opts.nodeConcurrency = number(flag, value(), 1);
        break;
      case '--unauthorized-delay':
        opts.unauthorizedDelayMs = number(flag, value(), 0);
        break;
      case '--task-duration':
        opts.taskDurationMs = number(flag, value(), 0);
        break;
      case '--advance':
        if (inline !== undefined) throw new ArgumentError('--advance takes no value');
        opts.autoAdvance = true;
        break;
      case '--node-listeners':
        if (inline !== undefined) throw new ArgumentError('--node-listeners takes no value');
        opts.nodeListeners = true;
        break;
      case '--help':
      case '-h':
        throw new ArgumentError('help');
      default:
        throw new ArgumentError(`unknown argument '${arg}'`);
    }
  }
  return opts;
}
