import { join } from 'node:path';
import type { LintMessage, LintResult } from '../../src/linter/types.js';
import type { Rule } from '../../src/rules/rule.js';
import type { ReporterContext } from '../../src/reporters/reporter.js';

export const rules: Rule[] = [
  {
    id: 'no-floating-enqueue',
    description: 'Require `queue.add()` to be awaited or returned.',
    defaultSeverity: 'error',
    messages: { floating: '`{{callee}}` returns a promise that is never awaited.' },
    check: () => [],
  },
  {
    id: 'no-unawaited-background-task',
    description: 'Disallow starting a background task from a request handler without awaiting it or catching its errors.',
    defaultSeverity: 'error',
    messages: { unawaited: '`{{callee}}` runs after the response without a `.catch()`, so a rejection crashes the server.' },
    check: () => [],
  },
  {
    id: 'require-worker-error-listener',
    description: "Require BullMQ workers to listen for `'failed'` and `'error'` events.",
    defaultSeverity: 'warn',
    messages: { missing: 'Worker `{{name}}` has no `failed` listener, so job failures are silent.' },
    check: () => [],
  },
];

export const emailSource = `import { Queue, Worker } from 'bullmq';
import { sendEmail } from '../mail.js';

export const emailWorker = new Worker('email', async (job) => {
  await sendEmail(job.data);
}, {
  connection: { host: 'localhost' },
  concurrency: 5,
});

const queue = new Queue('email');
export function enqueueWelcome(userId: string) {
  queue.add('welcome', { userId });
}

export async function enqueueDigest(userId: string) {
  await queue.add('digest', { userId });
}

// bgtask-disable-next-line no-floating-enqueue -- awaited by the caller
export const pending = queue.getJobCounts();
`;

export const ordersSource = `import express from 'express';
import { recalculateTotals } from '../jobs/totals.js';

export const orders = express.Router();

orders.post('/orders/:id/items', async (req, res) => {
  res.status(202).end();
  void recalculateTotals(req.params.id);
});
${'\n'.repeat(94)}orders.delete('/orders/:id', (req, res) => {
  res.status(204).end();
  setImmediate(() => recalculateTotals(req.params.id));
});
`;

export const totalsSource = `import { db } from '../db.js';

export async function recalculateTotals(orderId: string) {
  const items = await db.items.findMany({ where: { orderId } });
  await db.orders.update({ where: { id: orderId }, data: { total: items.length } });
}
`;

export function result(filePath: string, messages: LintMessage[], source?: string): LintResult {
  const errorCount = messages.filter((m) => m.severity === 2).length;
  return {
    filePath,
    messages,
    suppressedMessages: [],
    errorCount,
    fatalErrorCount: messages.filter((m) => m.fatal).length,
    warningCount: messages.length - errorCount,
    fixableErrorCount: 0,
    fixableWarningCount: 0,
    usedDeprecatedRules: [],
    ...(source !== undefined && { source }),
  };
}

/** Two files with problems (sorted by path, as ESLint sorts them) and one clean file. */
export function fixtureResults(cwd: string): LintResult[] {
  return [
    result(join(cwd, 'src/index.ts'), []),
    result(join(cwd, 'src/jobs/email.ts'), [
      {
        ruleId: 'require-worker-error-listener',
        severity: 1,
        message: 'Worker `emailWorker` has no `failed` listener, so job failures are silent.',
        messageId: 'missing',
        line: 4,
        column: 28,
        endLine: 9,
        endColumn: 3,
      },
      {
        ruleId: 'no-floating-enqueue',
        severity: 2,
        message: "`queue.add('welcome', { userId })` returns a promise that is never awaited.",
        messageId: 'floating',
        line: 13,
        column: 3,
        endLine: 13,
        endColumn: 35,
      },
      {
        ruleId: null,
        severity: 1,
        message: "Unused bgtask-disable directive (no problems were reported from 'no-floating-enqueue').",
        line: 20,
        column: 1,
        endLine: 20,
        endColumn: 73,
      },
    ]),
    result(
      join(cwd, 'src/routes/orders.ts'),
      [
        {
          ruleId: 'no-unawaited-background-task',
          severity: 2,
          message: '`recalculateTotals(req.params.id)` runs after the response without a `.catch()`, so a rejection crashes the server.',
          messageId: 'unawaited',
          line: 8,
          column: 8,
          endLine: 8,
          endColumn: 40,
        },
        {
          ruleId: 'no-unawaited-background-task',
          severity: 2,
          message: '`recalculateTotals(req.params.id)` runs after the response without a `.catch()`, so a rejection crashes the server.',
          messageId: 'unawaited',
          line: 106,
          column: 22,
          endLine: 106,
          endColumn: 54,
        },
      ],
      ordersSource,
    ),
  ];
}

export function context(cwd: string, overrides: Partial<ReporterContext> = {}): ReporterContext {
  return { cwd, rules, color: false, version: '0.1.0', ...overrides };
}

/**
 * An interprocedural finding in src/jobs/totals.ts: the work starts in a request handler in
 * src/routes/orders.ts (the code flow), and a second handler schedules the same function (related).
 */
export function interproceduralResult(cwd: string): LintResult {
  const orders = join(cwd, 'src/routes/orders.ts');
  return result(
    join(cwd, 'src/jobs/totals.ts'),
    [
      {
        ruleId: 'no-unawaited-background-task',
        severity: 2,
        message: '`db.orders.update(…)` rejects after the response is sent, and nothing catches it, so the rejection crashes the server.',
        messageId: 'unawaited',
        line: 5,
        column: 3,
        endLine: 5,
        endColumn: 84,
        relatedLocations: [
          { filePath: orders, line: 106, column: 22, endLine: 106, endColumn: 54, message: '`DELETE /orders/:id` schedules `recalculateTotals` too.' },
        ],
        codeFlow: [
          { filePath: orders, line: 6, column: 1, endLine: 9, endColumn: 3, message: 'The `POST /orders/:id/items` handler starts the work.' },
          { filePath: orders, line: 8, column: 8, endLine: 8, endColumn: 40, message: '`recalculateTotals(req.params.id)` runs after the response.' },
        ],
      },
    ],
    totalsSource,
  );
}
