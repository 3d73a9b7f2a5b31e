import type { Node, Project, SourceFile } from 'ts-morph';
import { ProjectIndex, type ProjectEnvironment } from '../analysis/project-index.js';
import { isRuleId, ruleList, rules } from '../rules/index.js';
import { directiveCovers, enableMatchesDisable, findDirectives } from './directives.js';
import { formatMessage, MAX_MESSAGE_LENGTH, type Fix, type Problem, type ProblemLocation, type Rule } from '../rules/rule.js';
import { errorMessage } from '../errors.js';
import { applyEdits, firstSyntaxError } from './fix.js';
import type { EditInfo, LintMessage, LintResult, LintSuggestion, MessageLocation, Severity, SeverityName, SuppressedLintMessage } from './types.js';

export type RuleSeverities = ReadonlyMap<string, Severity>;

/** Rule severities: each rule's default, then the config file's, then the command line's. */
export function resolveSeverities(...layers: Record<string, SeverityName>[]): Map<string, Severity> {
  const severities = new Map<string, Severity>();
  for (const rule of ruleList) severities.set(rule.id, rule.defaultSeverity === 'error' ? 2 : 1);
  for (const layer of layers) {
    for (const [id, name] of Object.entries(layer)) {
      if (name === 'off') severities.delete(id);
      else severities.set(id, name === 'error' ? 2 : 1);
    }
  }
  return severities;
}

/** The shortest a quote of code is cut to: less says nothing. */
const MIN_QUOTE_LENGTH = 20;

/**
 * Fills a message template. Code the template quotes (`` `{{call}}` ``) is cut short, longest quote
 * first, so that the message keeps to {@link MAX_MESSAGE_LENGTH} characters; prose is never cut.
 */
function fillTemplate(template: string, data: Problem['data']): string {
  const values: Record<string, string | undefined> = { ...data };
  const quoted = [...template.matchAll(/`\{\{\s*(\w+)\s*\}\}`/g)].map((match) => match[1] as string);
  let message = formatMessage(template, values);
  while (message.length > MAX_MESSAGE_LENGTH) {
    const key = quoted.filter((name) => (values[name]?.length ?? 0) > MIN_QUOTE_LENGTH).sort((a, b) => (values[b]?.length ?? 0) - (values[a]?.length ?? 0))[0];
    const value = key === undefined ? undefined : values[key];
    if (key === undefined || value === undefined) break;
    const length = Math.max(MIN_QUOTE_LENGTH, value.length - (message.length - MAX_MESSAGE_LENGTH));
    values[key] = `${value.slice(0, length - 3).trimEnd()}...`;
    message = formatMessage(template, values);
  }
  return message;
}

/** Where a node stands in its file, 1-based with an exclusive end, as ESLint reports it. */
function span(node: Node): Pick<MessageLocation, 'line' | 'column' | 'endLine' | 'endColumn'> {
  const sourceFile = node.getSourceFile();
  const start = sourceFile.getLineAndColumnAtPos(node.getStart());
  const end = sourceFile.getLineAndColumnAtPos(node.getEnd());
  return { line: start.line, column: start.column, endLine: end.line, endColumn: end.column };
}

// A location may be in another file than the problem (a handler calling into a job module).
function toLocation(location: ProblemLocation): MessageLocation {
  return { filePath: location.node.getSourceFile().getFilePath(), ...span(location.node), message: location.message };
}

/** A rule's edits as ESLint's one edit per fix: from the first edit's start to the last one's end, the text between kept. */
export function toEditInfo(fix: Fix, source: string): EditInfo {
  const edits = ('range' in fix ? [fix] : [...fix]).sort((a, b) => a.range[0] - b.range[0] || a.range[1] - b.range[1]);
  const [first] = edits;
  if (first === undefined) throw new Error('A fix has no edits.');
  let position = first.range[0];
  for (const { range } of edits) {
    if (range[0] < position || range[1] < range[0] || range[1] > source.length) throw new Error(`Fix edits overlap or leave the file: [${range.join(', ')}].`);
    position = range[1];
  }
  return { range: [first.range[0], position], text: applyEdits(source.slice(0, position), edits).slice(first.range[0]) };
}

/** The file's text, and whether an edit keeps it parsing; undefined where the file does not parse, so nothing is fixable. */
interface FixContext {
  source: string;
  parsesWith(edit: EditInfo): boolean;
}

function toMessage(rule: Rule, problem: Problem, severity: Severity, fixing: FixContext | undefined): LintMessage {
  const template = rule.messages[problem.messageId] ?? problem.messageId;
  const { related = [], path = [] } = problem;
  // A fix that would break parsing is a rule's bug, not the user's: it is dropped and the problem kept.
  const checked = (fix: Fix | undefined): EditInfo | undefined => {
    if (fix === undefined || fixing === undefined) return undefined;
    const edit = toEditInfo(fix, fixing.source);
    return fixing.parsesWith(edit) ? edit : undefined;
  };
  const fix = checked(problem.fix);
  const suggestions: LintSuggestion[] = [];
  for (const suggestion of problem.suggestions ?? []) {
    const edit = checked(suggestion.fix);
    if (edit === undefined) continue;
    if ('desc' in suggestion) suggestions.push({ desc: suggestion.desc, fix: edit });
    else suggestions.push({ desc: fillTemplate(rule.messages[suggestion.messageId] ?? suggestion.messageId, suggestion.data), messageId: suggestion.messageId, fix: edit });
  }
  return {
    ruleId: rule.id,
    severity,
    message: fillTemplate(template, problem.data),
    messageId: problem.messageId,
    ...span(problem.node),
    ...(fix !== undefined && { fix }),
    ...(suggestions.length > 0 && { suggestions }),
    // Left out rather than empty, so messages without them keep ESLint's exact shape.
    ...(related.length > 0 && { relatedLocations: related.map(toLocation) }),
    ...(path.length > 0 && { codeFlow: path.map(toLocation) }),
  };
}

function syntaxErrorMessage(project: Project, sourceFile: SourceFile): LintMessage | undefined {
  const [diagnostic] = project.getProgram().compilerObject.getSyntacticDiagnostics(sourceFile.compilerNode);
  if (diagnostic === undefined) return undefined;
  const start = sourceFile.getLineAndColumnAtPos(diagnostic.start ?? 0);
  const text = typeof diagnostic.messageText === 'string' ? diagnostic.messageText : diagnostic.messageText.messageText;
  return { ruleId: null, severity: 2, fatal: true, message: `Parsing error: ${text}`, line: start.line, column: start.column };
}

/** Applies `bgtask-disable-*` comments: moves covered messages aside and reports directives that covered nothing. */
function applyDirectives(sourceFile: SourceFile, messages: LintMessage[]): { messages: LintMessage[]; suppressed: SuppressedLintMessage[] } {
  const directives = findDirectives(sourceFile.compilerNode);
  if (directives.length === 0) return { messages, suppressed: [] };
  const kept: LintMessage[] = [];
  const suppressed: SuppressedLintMessage[] = [];
  const used = new Map<(typeof directives)[number], Set<string>>();
  for (const message of messages) {
    // The nearest directive before the message that covers it is the one used, as in ESLint: with a
    // justified disable inside a bare one, the justified one is used and the bare one reported unused.
    const directive = message.ruleId === null ? undefined : directives.findLast((d) => directiveCovers(d, message.ruleId as string, message.line, message.column, directives));
    if (directive === undefined) {
      kept.push(message);
      continue;
    }
    used.set(directive, (used.get(directive) ?? new Set()).add(message.ruleId as string));
    suppressed.push({ ...message, suppressions: [{ kind: 'directive', justification: directive.justification }] });
  }
  for (const directive of directives) {
    const position = { line: directive.line, column: directive.column, endLine: directive.endLine, endColumn: directive.endColumn };
    const unknown = directive.ruleIds.filter((id) => !isRuleId(id));
    for (const id of unknown) {
      kept.push({
        ruleId: null,
        severity: 2,
        message: `Unknown rule '${id}' in bgtask-${directive.kind} directive; run \`bgtask rules\` to list the rule ids.`,
        ...position,
      });
    }
    if (directive.kind === 'enable') {
      // Per rule it names (an unknown one is reported above, not again here), or as a whole.
      const unmatched = directive.ruleIds.filter((id) => isRuleId(id) && !enableMatchesDisable(directive, directives, id));
      if (unmatched.length > 0 || (directive.ruleIds.length === 0 && !enableMatchesDisable(directive, directives))) {
        const which = unmatched.length > 0 ? ` for ${unmatched.map((id) => `'${id}'`).join(' or ')}` : '';
        kept.push({ ruleId: null, severity: 1, message: `Unused bgtask-enable directive (no matching bgtask-disable directives were found${which}).`, ...position });
      }
      continue;
    }
    const usedIds = used.get(directive);
    const unusedIds = directive.ruleIds.filter((id) => isRuleId(id) && !usedIds?.has(id));
    if (directive.ruleIds.length === 0 && usedIds === undefined) {
      kept.push({ ruleId: null, severity: 1, message: 'Unused bgtask-disable directive (no problems were reported).', ...position });
    } else if (unusedIds.length > 0) {
      const list = unusedIds.map((id) => `'${id}'`).join(' or ');
      kept.push({ ruleId: null, severity: 1, message: `Unused bgtask-disable directive (no problems were reported from ${list}).`, ...position });
    }
  }
  return { messages: kept, suppressed };
}

export function byPosition(a: LintMessage, b: LintMessage): number {
  return a.line - b.line || a.column - b.column || (a.ruleId ?? '').localeCompare(b.ruleId ?? '');
}

export function makeResult(filePath: string, messages: LintMessage[], suppressed: SuppressedLintMessage[] = [], source?: string): LintResult {
  const errors = messages.filter((m) => m.severity === 2);
  return {
    filePath,
    messages,
    suppressedMessages: suppressed,
    errorCount: errors.length,
    fatalErrorCount: errors.filter((m) => m.fatal === true).length,
    warningCount: messages.length - errors.length,
    fixableErrorCount: errors.filter((m) => m.fix !== undefined).length,
    fixableWarningCount: messages.filter((m) => m.severity === 1 && m.fix !== undefined).length,
    usedDeprecatedRules: [],
    ...(messages.length > 0 && source !== undefined ? { source } : {}),
  };
}

/** An internal failure of one rule on one file; the run carries on and the CLI exits 2. */
export interface RuleFailure {
  ruleId: string;
  filePath: string;
  error: unknown;
}

/** Runs the enabled rules over files already in a ts-morph project. Pure analysis: nothing is printed. */
export function lintSourceFiles(
  project: Project,
  sourceFiles: readonly SourceFile[],
  severities: RuleSeverities,
  environment?: ProjectEnvironment,
  /** The rules by id: the registered ones, or a test's own. */
  ruleSet: Readonly<Record<string, Rule>> = rules,
): { results: LintResult[]; failures: RuleFailure[] } {
  const index = new ProjectIndex(project, environment);
  const failures: RuleFailure[] = [];
  const results = sourceFiles.map((sourceFile) => {
    const messages: LintMessage[] = [];
    const syntaxError = syntaxErrorMessage(project, sourceFile);
    if (syntaxError !== undefined) messages.push(syntaxError);
    const source = sourceFile.getFullText();
    const fixing: FixContext | undefined =
      syntaxError === undefined ? { source, parsesWith: (edit) => firstSyntaxError(sourceFile.getFilePath(), applyEdits(source, [edit])) === undefined } : undefined;
    const seen = new Set<string>();
    for (const [ruleId, severity] of severities) {
      const rule = Object.hasOwn(ruleSet, ruleId) ? ruleSet[ruleId] : undefined;
      if (rule === undefined) continue;
      try {
        for (const problem of rule.check({ sourceFile, index })) {
          const message = toMessage(rule, problem, severity, fixing);
          // Two paths to the same finding (e.g. nested callbacks) report it once.
          const key = `${ruleId}:${message.line}:${message.column}`;
          if (seen.has(key)) continue;
          seen.add(key);
          messages.push(message);
        }
      } catch (error) {
        // One rule's failure on one file is that file's fatal message; every other rule and file still runs.
        failures.push({ ruleId, filePath: sourceFile.getFilePath(), error });
        messages.push({ ruleId: null, severity: 2, fatal: true, message: `Rule ${ruleId} could not check this file (${errorMessage(error)}); please report this bug.`, line: 1, column: 1 });
      }
    }
    const { messages: kept, suppressed } = applyDirectives(sourceFile, messages);
    return makeResult(sourceFile.getFilePath(), kept.sort(byPosition), suppressed.sort(byPosition), source);
  });
  return { results, failures };
}
