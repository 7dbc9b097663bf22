import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO } from './spawn-strata.ts';

const run = promisify(execFile);

/** The `st` command of schemathesis, installed into .cache/py on first use (scripts/resilience/schemathesis-env.sh). */
export async function schemathesisCommand(): Promise<string> {
  const { stdout } = await run('bash', [path.join(REPO, 'scripts/resilience/schemathesis-env.sh')], {
    timeout: 300_000,
  });
  return stdout.trim().split('\n').at(-1)!;
}

export interface FuzzResult {
  exitCode: number;
  output: string;
  /** Test cases run and failures, from the JUnit report (one test case per operation). */
  operations: number;
  failures: { operation: string; message: string }[];
}

const unescapeXml = (s: string) =>
  s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');

export const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'response_schema_conformance',
];

/**
 * Fuzzes every operation of the OpenAPI document at `schemaUrl` with the given headers: examples, coverage
 * (boundary and malformed values) and random generation, a bounded number of cases per operation.
 */
export async function fuzz(
  st: string,
  schemaUrl: string,
  headers: Record<string, string>,
  opts: { maxExamples: number; seed: number; checks?: string[]; maxTimeS?: number },
): Promise<FuzzResult> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'strata-fuzz-'));
  const junit = path.join(dir, 'junit.xml');
  const args = [
    'run',
    schemaUrl,
    '--checks',
    (opts.checks ?? CHECKS).join(','),
    '--phases',
    'examples,coverage,fuzzing',
    '--max-examples',
    String(opts.maxExamples),
    '--seed',
    String(opts.seed),
    '--workers',
    '2',
    '--request-timeout',
    '20',
    '--no-shrink',
    '--continue-on-failure',
    '--suppress-health-check',
    'all',
    '--generation-database',
    'none',
    '--no-color',
    '--report',
    'junit',
    '--report-junit-path',
    junit,
    ...(opts.maxTimeS ? ['--max-time', String(opts.maxTimeS)] : []),
    ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]),
  ];
  try {
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve, reject) => {
      const child = spawn(st, args, { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (b) => {
        output += b;
      });
      child.stderr.on('data', (b) => {
        output += b;
      });
      child.on('error', reject);
      child.on('close', (c) => resolve({ code: c ?? -1, output }));
    });
    const xml = readFileSync(junit, 'utf8');
    const operations = [...xml.matchAll(/<testcase /g)].length;
    const failures: FuzzResult['failures'] = [];
    for (const m of xml.matchAll(/<testcase name="([^"]*)"[^>]*?(?:\/>|>([\s\S]*?)<\/testcase>)/g)) {
      for (const f of (m[2] ?? '').matchAll(/<(?:failure|error)\b[^>]*>([\s\S]*?)<\/(?:failure|error)>/g)) {
        // One failure element lists the failing cases of the operation: "1. Test Case ID: ...", "2. ...".
        for (const item of unescapeXml(f[1]!).split(/\n(?=\d+\. Test Case ID:)/)) {
          if (item.trim()) failures.push({ operation: unescapeXml(m[1]!), message: item.trim() });
        }
      }
    }
    return { exitCode: code, output, operations, failures };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
