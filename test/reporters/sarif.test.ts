import { execFile } from 'node:child_process';
import { accessSync, chmodSync, constants, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { LintResult } from '../../src/linter/types.js';
import { lint } from '../../src/linter/lint.js';
import { lineHashes, sarif } from '../../src/reporters/sarif.js';
import { makeTempDir } from '../helpers/temp-dirs.js';
import { context, emailSource, fixtureResults, interproceduralResult, ordersSource, result, rules } from './fixtures.js';

interface ValidationResult {
  ruleId: string;
  level?: string | undefined;
  message: { text?: string; id?: string; arguments?: string[] };
}

const run = promisify(execFile);
// The validator is a self-contained .NET binary; its start-up alone takes seconds on a busy machine.
const VALIDATOR_TIMEOUT = 120_000;

function multitool(): string {
  const require = createRequire(import.meta.url);
  const binary = join(dirname(require.resolve('@microsoft/sarif-multitool-linux/package.json')), 'Sarif.Multitool');
  try {
    accessSync(binary, constants.X_OK);
  } catch {
    // npm 11 can skip the package's postinstall, which is what sets the executable bit.
    chmodSync(binary, 0o755);
  }
  return binary;
}

// The npm wrapper spawns through a shell, which splits `Sarif;Gh` at the `;`, so run the binary itself.
async function validate(log: string, dir: string): Promise<ValidationResult[]> {
  const input = join(dir, 'input.sarif');
  const output = join(dir, 'out.sarif');
  writeFileSync(input, log);
  rmSync(output, { force: true });
  await run(multitool(), ['validate', '--rule-kind', 'Sarif;Gh', '-o', output, input]).catch((error: unknown) => {
    // A non-zero exit only means "found something"; the findings are in out.sarif.
    if (!readable(output)) throw error;
  });
  const report = JSON.parse(readFileSync(output, 'utf8')) as {
    runs: { results?: ValidationResult[]; tool: { driver: { rules?: { id: string; defaultConfiguration?: { level?: string } }[] } } }[];
  };
  return report.runs.flatMap((r) =>
    (r.results ?? [])
      .map((finding) => ({
        ...finding,
        // SARIF: a result without `level` takes its rule's default level, and that defaults to warning.
        level: finding.level ?? r.tool.driver.rules?.find((rule) => rule.id === finding.ruleId)?.defaultConfiguration?.level ?? 'warning',
      }))
      .filter((finding) => finding.level === 'error' || finding.level === 'warning'),
  );
}

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

function describeFindings(findings: ValidationResult[]): string {
  return findings.map((f) => `${f.ruleId} ${f.level}: ${f.message.text ?? f.message.arguments?.join(' | ')}`).join('\n');
}

let cwd: string;
let results: LintResult[];

beforeAll(() => {
  cwd = makeTempDir('sarif-');
  mkdirSync(join(cwd, 'src/jobs'), { recursive: true });
  mkdirSync(join(cwd, 'src/routes'), { recursive: true });
  writeFileSync(join(cwd, 'src/index.ts'), "export * from './jobs/email.js';\n");
  writeFileSync(join(cwd, 'src/jobs/email.ts'), emailSource);
  writeFileSync(join(cwd, 'src/routes/orders.ts'), ordersSource);
  writeFileSync(join(cwd, 'src/jobs/weekly report#1.ts'), emailSource);
  // email.ts has no `source`, so its fingerprints come from the file on disk; orders.ts carries its text.
  results = [
    ...fixtureResults(cwd),
    result(join(cwd, 'src/jobs/weekly report#1.ts'), [
      { ruleId: 'no-floating-enqueue', severity: 1, message: 'Floating.', line: 13, column: 3, endLine: 13, endColumn: 35 },
    ]),
  ];
});

interface ParsedLocation {
  id?: number;
  physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string }; region: Record<string, number> };
  message?: { text: string };
}

function parse(output: string) {
  return JSON.parse(output) as {
    $schema: string;
    version: string;
    runs: {
      tool: { driver: { name: string; semanticVersion: string; rules: { id: string; name: string; helpUri: string; defaultConfiguration: { level: string } }[] } };
      invocations: { executionSuccessful: boolean; toolConfigurationNotifications?: { descriptor: { id: string }; level: string; message: { text: string } }[] }[];
      originalUriBaseIds: Record<string, { uri: string }>;
      results: {
        ruleId: string;
        ruleIndex: number;
        level: string;
        message: { text: string };
        locations: ParsedLocation[];
        relatedLocations?: ParsedLocation[];
        codeFlows?: { threadFlows: { locations: { location: ParsedLocation }[] }[] }[];
        partialFingerprints?: { primaryLocationLineHash: string };
      }[];
    }[];
  };
}

describe('sarif', () => {
  it('passes the SARIF and GitHub validation rules of Microsoft’s multitool', { timeout: VALIDATOR_TIMEOUT }, async () => {
    const findings = await validate(sarif(results, context(cwd)), makeTempDir('validate-'));
    expect(findings, describeFindings(findings)).toEqual([]);
  });

  it('passes validation when clean, with an empty results array', { timeout: VALIDATOR_TIMEOUT }, async () => {
    const output = sarif([result(join(cwd, 'src/index.ts'), [])], context(cwd));
    expect(parse(output).runs[0]!.results).toEqual([]);
    const findings = await validate(output, makeTempDir('validate-'));
    expect(findings, describeFindings(findings)).toEqual([]);
  });

  it('carries the linter’s own interprocedural findings on a real-shaped project as valid code flows', { timeout: VALIDATOR_TIMEOUT }, async () => {
    const project = join(import.meta.dirname, '..', 'fixtures', 'projects', 'hono-openapi');
    const output = sarif(lint({ cwd: project, paths: ['.'] }).results, context(project));
    const findings = await validate(output, makeTempDir('validate-'));
    expect(findings, describeFindings(findings)).toEqual([]);
    // `addBulk` dropped in a model method that a handler reaches: the flow starts at the handler.
    const flows = parse(output).runs[0]!.results.filter((finding) => finding.codeFlows !== undefined);
    const steps = flows.map((finding) => finding.codeFlows![0]!.threadFlows[0]!.locations.map((step) => step.location.physicalLocation.artifactLocation.uri));
    expect(steps).toContainEqual(['src/routes/monitors/monitors.handlers.ts', 'src/routes/monitors/monitors.handlers.ts', 'src/models/monitor.ts']);
  });

  it('puts the call path in codeFlows and the other scheduling sites in relatedLocations', { timeout: VALIDATOR_TIMEOUT }, async () => {
    const output = sarif([interproceduralResult(cwd)], context(cwd));
    const findings = await validate(output, makeTempDir('validate-'));
    expect(findings, describeFindings(findings)).toEqual([]);

    const [finding] = parse(output).runs[0]!.results;
    const totals = { uri: 'src/jobs/totals.ts', uriBaseId: '%SRCROOT%' };
    const orders = { uri: 'src/routes/orders.ts', uriBaseId: '%SRCROOT%' };
    expect(finding!.locations).toEqual([
      { physicalLocation: { artifactLocation: totals, region: { startLine: 5, startColumn: 3, endLine: 5, endColumn: 84 } } },
    ]);
    expect(finding!.relatedLocations).toEqual([
      {
        id: 1,
        physicalLocation: { artifactLocation: orders, region: { startLine: 106, startColumn: 22, endLine: 106, endColumn: 54 } },
        message: { text: '`DELETE /orders/:id` schedules `recalculateTotals` too.' },
      },
    ]);
    // The path steps in order, outermost first, then the finding itself.
    expect(finding!.codeFlows).toEqual([
      {
        threadFlows: [
          {
            locations: [
              {
                location: {
                  physicalLocation: { artifactLocation: orders, region: { startLine: 6, startColumn: 1, endLine: 9, endColumn: 3 } },
                  message: { text: 'The `POST /orders/:id/items` handler starts the work.' },
                },
              },
              {
                location: {
                  physicalLocation: { artifactLocation: orders, region: { startLine: 8, startColumn: 8, endLine: 8, endColumn: 40 } },
                  message: { text: '`recalculateTotals(req.params.id)` runs after the response.' },
                },
              },
              { location: { ...finding!.locations[0]!, message: finding!.message } },
            ],
          },
        ],
      },
    ]);
  });

  it('leaves relatedLocations and codeFlows out of results without them', () => {
    const run = parse(sarif(results, context(cwd))).runs[0]!;
    for (const r of run.results) {
      expect(r).not.toHaveProperty('relatedLocations');
      expect(r).not.toHaveProperty('codeFlows');
    }
  });

  it('rejects a log that breaks GitHub’s rules, so the checks above can fail', { timeout: VALIDATOR_TIMEOUT }, async () => {
    const log = parse(sarif(results, context(cwd)));
    const rule = log.runs[0]!.tool.driver.rules[0]! as Record<string, unknown>;
    delete rule['shortDescription'];
    const findings = await validate(JSON.stringify(log), makeTempDir('validate-'));
    expect(findings.map((f) => f.ruleId)).toContain('GH2012');
  });

  it('describes every registered rule and points results at them', () => {
    const log = parse(sarif(results, context(cwd)));
    expect(log.$schema).toBe('https://json.schemastore.org/sarif-2.1.0.json');
    expect(log.version).toBe('2.1.0');
    expect(log.runs).toHaveLength(1);
    const run = log.runs[0]!;
    expect(run.tool.driver).toMatchObject({ name: 'bgtask', semanticVersion: '0.1.0' });
    expect(run.tool.driver.rules.map((r) => [r.id, r.name, r.defaultConfiguration.level])).toEqual([
      ['no-floating-enqueue', 'NoFloatingEnqueue', 'error'],
      ['no-unawaited-background-task', 'NoUnawaitedBackgroundTask', 'error'],
      ['require-worker-error-listener', 'RequireWorkerErrorListener', 'warning'],
    ]);
    expect(run.tool.driver.rules[0]!.helpUri).toBe(
      'https://github.com/bgtask/bgtask/blob/main/docs/rules/no-floating-enqueue.md',
    );
    expect(run.originalUriBaseIds).toEqual({ '%SRCROOT%': { uri: `${pathToFileURL(cwd).href}/` } });

    expect(run.results.map((r) => [r.ruleId, r.ruleIndex, r.level])).toEqual([
      ['require-worker-error-listener', 2, 'warning'],
      ['no-floating-enqueue', 0, 'error'],
      ['no-unawaited-background-task', 1, 'error'],
      ['no-unawaited-background-task', 1, 'error'],
      ['no-floating-enqueue', 0, 'warning'],
    ]);
    for (const r of run.results) expect(run.tool.driver.rules[r.ruleIndex]!.id).toBe(r.ruleId);

    expect(run.results[0]!.locations[0]!.physicalLocation).toEqual({
      artifactLocation: { uri: 'src/jobs/email.ts', uriBaseId: '%SRCROOT%' },
      region: { startLine: 4, startColumn: 28, endLine: 9, endColumn: 3 },
    });
    expect(run.results[4]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe('src/jobs/weekly%20report%231.ts');
  });

  it('reports messages without a rule as tool notifications', () => {
    const log = parse(sarif(results, context(cwd)));
    const [invocation] = log.runs[0]!.invocations;
    expect(invocation!.executionSuccessful).toBe(true);
    expect(invocation!.toolConfigurationNotifications).toMatchObject([
      {
        descriptor: { id: 'BGTASK-NOTE' },
        level: 'warning',
        message: { text: "Unused bgtask-disable directive (no problems were reported from 'no-floating-enqueue')." },
      },
    ]);
    expect(log.runs[0]!.results.some((r) => r.message.text.startsWith('Unused'))).toBe(false);

    const broken = result(join(cwd, 'src/broken.ts'), [
      { ruleId: null, fatal: true, severity: 2, message: "Parsing error: ')' expected.", line: 3, column: 9 },
    ]);
    const failed = parse(sarif([broken], context(cwd))).runs[0]!;
    expect(failed.invocations[0]!.executionSuccessful).toBe(false);
    expect(failed.invocations[0]!.toolConfigurationNotifications![0]!.level).toBe('error');
    expect(failed.results).toEqual([]);
  });

  it('fingerprints each result from its start line, from disk or from `source`', () => {
    const run = parse(sarif(results, context(cwd))).runs[0]!;
    const fingerprints = run.results.map((r) => r.partialFingerprints?.primaryLocationLineHash);
    const email = lineHashes(emailSource);
    const orders = lineHashes(ordersSource);
    expect(fingerprints).toEqual([email[3], email[12], orders[7], orders[105], email[12]]);
    expect(new Set(fingerprints.slice(0, 4)).size).toBe(4);

    // The `source` on the result wins over the file on disk.
    const withSource = result(join(cwd, 'src/jobs/email.ts'), [
      { ruleId: 'no-floating-enqueue', severity: 2, message: 'Floating.', line: 1, column: 1 },
    ], 'Lorem ipsum dolor sit amet.\n'.repeat(10));
    expect(parse(sarif([withSource], context(cwd))).runs[0]!.results[0]!.partialFingerprints).toEqual({
      primaryLocationLineHash: 'a7f2ff13bc495cf2:1',
    });
  });

  it('omits the fingerprint when the file cannot be read', () => {
    const missing = result(join(cwd, 'src/deleted.ts'), [
      { ruleId: 'no-floating-enqueue', severity: 2, message: 'Floating.', line: 2, column: 1 },
    ]);
    const [only] = parse(sarif([missing], context(cwd))).runs[0]!.results;
    expect(only).toBeDefined();
    expect(only!.partialFingerprints).toBeUndefined();
    expect(only!.locations[0]!.physicalLocation.region).toEqual({ startLine: 2, startColumn: 1, endLine: 2, endColumn: 2 });
  });

  it('adds a descriptor for an unregistered rule and uses file URIs outside the working directory', () => {
    const outside = result('/elsewhere/task.ts', [
      { ruleId: 'legacy-rule', severity: 1, message: 'Old.', line: 1, column: 1, endLine: 1, endColumn: 4 },
    ], 'const x = 1;\n');
    const run = parse(sarif([outside], context(cwd))).runs[0]!;
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual([...rules.map((r) => r.id), 'legacy-rule']);
    expect(run.results[0]!.ruleIndex).toBe(3);
    expect(run.results[0]!.locations[0]!.physicalLocation.artifactLocation).toEqual({ uri: 'file:///elsewhere/task.ts' });
  });
});

// Vectors from github/codeql-action src/fingerprints.test.ts.
describe('lineHashes', () => {
  it.each([
    ['an empty file', '', ['c129715d7a2bc9a3:1']],
    ['leading whitespace', ' a\nb\n  \t\tc\n d', ['271789c17abda88f:1', '54703d4cd895b18:1', '180aee12dab6264:1', 'a23a3dc5e078b07b:1']],
    [
      'mixed line endings',
      ' hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n',
      ['e9496ae3ebfced30:1', 'fb7c023a8b9ccb3f:1', 'ce8ba1a563dcdaca:1', 'e20e36e16fcb0cc8:1', 'b3edc88f2938467e:1', 'c8e28b0b4002a3a0:1', 'c129715d7a2bc9a3:1'],
    ],
    [
      'repeated lines',
      'Lorem ipsum dolor sit amet.\n'.repeat(10),
      [
        'a7f2ff13bc495cf2:1', 'a7f2ff13bc495cf2:2', 'a7f2ff13bc495cf2:3', 'a7f2ff13bc495cf2:4', 'a7f2ff13bc495cf2:5',
        'a7f2ff13bc495cf2:6', 'a7f2ff1481e87703:1', 'a9cf91f7bbf1862b:1', '55ec222b86bcae53:1', 'cc97dc7b1d7d8f7b:1',
        'c129715d7a2bc9a3:1',
      ],
    ],
    [
      'short lines',
      'x = 2\nx = 1\nprint(x)\nx = 3\nprint(x)\nx = 4\nprint(x)\n',
      ['e54938cc54b302f1:1', 'bb609acbe9138d60:1', '1131fd5871777f34:1', '5c482a0f8b35ea28:1', '54517377da7028d2:1', '2c644846cb18d53e:1', 'f1b89f20de0d133:1', 'c129715d7a2bc9a3:1'],
    ],
  ])('matches codeql-action for %s', (_name, input, expected) => {
    expect(lineHashes(input)).toEqual(expected);
  });
});
