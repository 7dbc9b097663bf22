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
export const BASE_TIME = Date.UTC(2026, 10, 20, 6, 0, 0) / 1000;
