import { ts } from 'ts-morph';
import type { EditInfo, LintMessage } from './types.js';

/** As in ESLint: fix, lint again and fix what is new, at most this many times. */
export const MAX_FIX_PASSES = 10;

/** Which messages' fixes to apply (`--quiet` applies only the errors'), as ESLint's `fix` option. */
export type FixPredicate = (message: LintMessage) => boolean;

const PARSE_ONLY: ts.CompilerOptions = { noLib: true, noResolve: true, types: [] };

/** The first syntax error in `text`, read as TypeScript or TSX by `fileName`'s extension. Nothing is resolved or type-checked. */
export function firstSyntaxError(fileName: string, text: string): ts.Diagnostic | undefined {
  const sourceFile = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, false);
  const host = ts.createCompilerHost(PARSE_ONLY);
  // With no lib and no resolution, the root is the only file the program asks for.
  host.getSourceFile = () => sourceFile;
  return ts.createProgram({ rootNames: [fileName], options: PARSE_ONLY, host }).getSyntacticDiagnostics(sourceFile)[0];
}

/** `text` with non-overlapping edits, sorted by range, applied. */
export function applyEdits(text: string, edits: readonly { range: readonly [number, number]; text: string }[]): string {
  let output = '';
  let position = 0;
  for (const { range, text: replacement } of edits) {
    output += text.slice(position, range[0]) + replacement;
    position = range[1];
  }
  return output + text.slice(position);
}

function byRange(a: LintMessage, b: LintMessage): number {
  const [aStart = 0, aEnd = 0] = a.fix?.range ?? [];
  const [bStart = 0, bEnd = 0] = b.fix?.range ?? [];
  return aStart - bStart || aEnd - bEnd;
}

export interface FixOutcome {
  output: string;
  /** The messages whose fixes `output` has. */
  fixed: LintMessage[];
}

/**
 * One pass of ESLint's fixing: the messages' fixes in range order, skipping any that overlaps or
 * touches one already taken (a later pass gets it). Then, beyond ESLint, a fix after which the file
 * would no longer parse is dropped and its problem kept; a file that does not parse is not fixed.
 */
export function applyFixes(source: string, messages: readonly LintMessage[], options: { fileName: string; shouldFix?: FixPredicate }): FixOutcome {
  const chosen: LintMessage[] = [];
  let lastEnd = Number.NEGATIVE_INFINITY;
  for (const message of messages.filter((m) => m.fix !== undefined && (options.shouldFix?.(m) ?? true)).sort(byRange)) {
    const [start, end] = (message.fix as EditInfo).range;
    if (lastEnd >= start || start > end) continue;
    chosen.push(message);
    lastEnd = end;
  }
  const none: FixOutcome = { output: source, fixed: [] };
  if (chosen.length === 0 || firstSyntaxError(options.fileName, source) !== undefined) return none;
  const splice = (taken: LintMessage[]) => applyEdits(source, taken.map((message) => message.fix as EditInfo));
  const output = splice(chosen);
  if (firstSyntaxError(options.fileName, output) === undefined) return { output, fixed: chosen };
  // Each fix parses alone (the engine checks), but not all together: keep them one by one.
  const kept: LintMessage[] = [];
  for (const message of chosen) {
    if (firstSyntaxError(options.fileName, splice([...kept, message])) === undefined) kept.push(message);
  }
  return kept.length === 0 ? none : { output: splice(kept), fixed: kept };
}
