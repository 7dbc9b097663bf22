import { appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { REPO } from './spawn-strata.ts';

/**
 * Figures the tests measure (takeover time, fault outcomes, load percentiles), printed and appended as JSON
 * lines to .cache/resilience/figures.jsonl, from which the README's Reliability section is written.
 */
export const FIGURES_FILE = path.join(REPO, '.cache', 'resilience', 'figures.jsonl');

export function recordFigure(name: string, value: unknown): void {
  const line = JSON.stringify({ at: new Date().toISOString(), name, value });
  console.log(`figure ${line}`);
  try {
    mkdirSync(path.dirname(FIGURES_FILE), { recursive: true });
    appendFileSync(FIGURES_FILE, `${line}\n`);
  } catch {}
}
