import { Command } from 'commander';
import type { CommandIO } from '../io.js';
import type { Rule } from '../rules/rule.js';
import { ruleDocsUrl } from '../rules/docs-url.js';

/** One line per rule: id, default severity, what it catches. */
export function formatRuleList(ruleList: readonly Rule[]): string {
  const width = Math.max(...ruleList.map((rule) => rule.id.length));
  return ruleList.map((rule) => `${rule.id.padEnd(width)}  ${rule.defaultSeverity.padEnd(5)}  ${rule.description}`).join('\n') + '\n';
}

export function rulesCommand(io: CommandIO): Command {
  return new Command('rules')
    .description('List the lint rules, one line each.')
    .option('--json', 'print id, default severity, description and docs URL as JSON')
    .action(async (flags: { json?: boolean }) => {
      // Loaded on demand: the rules pull in ts-morph.
      const { ruleList } = await import('../rules/index.js');
      if (flags.json === true) {
        const data = ruleList.map((rule) => ({ id: rule.id, defaultSeverity: rule.defaultSeverity, description: rule.description, docs: ruleDocsUrl(rule.id) }));
        io.stdout(`${JSON.stringify(data, null, 2)}\n`);
      } else {
        io.stdout(formatRuleList(ruleList));
      }
    });
}
