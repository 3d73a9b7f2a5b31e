import { ts } from 'ts-morph';

export type DirectiveKind = 'disable-next-line' | 'disable-line' | 'disable-file';

/** A `// bgtask-disable-next-line rule-a, rule-b -- reason` comment. */
export interface Directive {
  kind: DirectiveKind;
  /** Empty means every rule. */
  ruleIds: string[];
  justification: string;
  /** 1-based position of the comment, where an unused directive is reported. */
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** The line the directive covers (for line kinds). */
  targetLine: number;
}

const DIRECTIVE_PATTERN = /^\s*bgtask-(disable-next-line|disable-line|disable-file)(?=\s|$)(.*)$/s;

/** Parses ESLint's grammar: rule ids separated by commas, then an optional `--` (two or more dashes) and a reason. */
export function parseDirectiveText(commentBody: string): { kind: DirectiveKind; ruleIds: string[]; justification: string } | undefined {
  const match = DIRECTIVE_PATTERN.exec(commentBody);
  if (match === null) return undefined;
  const kind = match[1] as DirectiveKind;
  const rest = match[2] ?? '';
  const separator = /\s-{2,}\s|\s-{2,}$/.exec(rest);
  const list = separator === null ? rest : rest.slice(0, separator.index);
  const justification = separator === null ? '' : rest.slice(separator.index + separator[0].length).trim();
  const ruleIds = list
    .split(',')
    .map((id) => id.trim())
    .filter((id) => id !== '');
  return { kind, ruleIds, justification };
}

/** Every bgtask directive comment in a file, found through the parser so strings and templates are never mistaken for comments. */
export function findDirectives(sourceFile: ts.SourceFile): Directive[] {
  const text = sourceFile.text;
  const seen = new Set<number>();
  const directives: Directive[] = [];
  const collect = (ranges: ts.CommentRange[] | undefined): void => {
    for (const range of ranges ?? []) {
      if (seen.has(range.pos)) continue;
      seen.add(range.pos);
      const raw = text.slice(range.pos, range.end);
      const body = range.kind === ts.SyntaxKind.SingleLineCommentTrivia ? raw.slice(2) : raw.slice(2, -2);
      const parsed = parseDirectiveText(body);
      if (parsed === undefined) continue;
      const start = sourceFile.getLineAndCharacterOfPosition(range.pos);
      const end = sourceFile.getLineAndCharacterOfPosition(range.end);
      const targetLine = parsed.kind === 'disable-next-line' ? end.line + 2 : start.line + 1;
      directives.push({
        ...parsed,
        line: start.line + 1,
        column: start.character + 1,
        endLine: end.line + 1,
        endColumn: end.character + 1,
        targetLine,
      });
    }
  };
  const visit = (node: ts.Node): void => {
    collect(ts.getLeadingCommentRanges(text, node.getFullStart()));
    collect(ts.getTrailingCommentRanges(text, node.getEnd()));
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  collect(ts.getLeadingCommentRanges(text, sourceFile.endOfFileToken.getFullStart()));
  return directives.sort((a, b) => a.line - b.line || a.column - b.column);
}

export function directiveCovers(directive: Directive, ruleId: string, line: number): boolean {
  if (directive.ruleIds.length > 0 && !directive.ruleIds.includes(ruleId)) return false;
  return directive.kind === 'disable-file' || directive.targetLine === line;
}
