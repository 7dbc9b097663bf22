/** A progress bar on stderr, only when stderr is a terminal or --progress asks for it. */
import cliProgress from 'cli-progress';

export interface Progress {
  start(total: number, label: string): void;
  update(done: number, label?: string): void;
  setTotal(total: number): void;
  stop(): void;
}

const silent: Progress = { start() {}, update() {}, setTotal() {}, stop() {} };

export function progressBar(forced: boolean | undefined, unit: string): Progress {
  if (!forced && !process.stderr.isTTY) return silent;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `{bar} {value}/{total} ${unit} | {label} | {duration_formatted}`,
      hideCursor: true,
      noTTYOutput: !process.stderr.isTTY,
      notTTYSchedule: 1000,
      etaBuffer: 50,
    },
    cliProgress.Presets.shades_classic,
  );
  let running = false;
  return {
    start(total, label) {
      bar.start(Math.max(total, 0), 0, { label });
      running = true;
    },
    update(done, label) {
      if (running) bar.update(done, label === undefined ? undefined : { label });
    },
    setTotal(total) {
      if (running) bar.setTotal(total);
    },
    stop() {
      if (running) bar.stop();
      running = false;
    },
  };
}
