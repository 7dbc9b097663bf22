/** Runs a command-line entry point: any failure becomes one line on stderr and exit code 1. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (e: unknown) => {
      const message = e instanceof Error ? e.message : String(e);
      process.stderr.write(`strata: ${message.split('\n')[0]}\n`);
      process.exit(1);
    },
  );
}
