import type { Preset } from './estate.ts';

export interface PresetShape {
  clusters: number;
  nodesPerCluster: number;
  guestsPerNode: number;
  pbs: number;
}

export const PRESETS: Record<Preset, PresetShape> = {
  tiny: { clusters: 1, nodesPerCluster: 2, guestsPerNode: 4, pbs: 1 },
  small: { clusters: 2, nodesPerCluster: 3, guestsPerNode: 10, pbs: 1 },
  medium: { clusters: 4, nodesPerCluster: 4, guestsPerNode: 30, pbs: 1 },
  large: { clusters: 20, nodesPerCluster: 8, guestsPerNode: 60, pbs: 2 },
};

export function isPreset(value: string): value is Preset {
  return Object.hasOwn(PRESETS, value);
}

/** The estate clock starts here (2026-11-20T06:00:00Z); generated creation and backup times lie before it. */
export const BASE_TIME = baseTime(process.env.STRATA_SIM_BASE_TIME);

/** The demo sets STRATA_SIM_BASE_TIME (epoch seconds) so that the estate's backups and ages match today. */
function baseTime(fromEnv: string | undefined): number {
  const fixed = Date.UTC(2026, 10, 20, 6, 0, 0) / 1000;
  if (fromEnv === undefined || fromEnv === '') return fixed;
  const t = Number(fromEnv);
  if (!Number.isInteger(t) || t <= 0) throw new Error(`STRATA_SIM_BASE_TIME must be epoch seconds, not ${fromEnv}`);
  return t;
}
