import { ts } from 'ts-morph';

/** `disable` and `enable` comments bound a range (`bgtask-disable a` … `bgtask-enable a`); the others cover a line or the file. */
export type DirectiveKind = 'disable-next-line' | 'disable-line' | 'disable-file' | 'disable' | 'enable';

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

const DIRECTIVE_PATTERN = /^\s*bgtask-(disable-next-line|disable-line|disable-file|disable|enable)(?=\s|$)(.*)$/s;

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

const COMMA = 0x2c;
const SLASH = 0x2f;

/** Every bgtask directive comment in a file, found through the parser so strings and templates are never mistaken for comments. */
export function findDirectives(sourceFile: ts.SourceFile): Directive[] {
  const text = sourceFile.text;
  // Most files have none; walking every token is then wasted.
  if (!text.includes('bgtask-')) return [];
  const seen = new Set<number>();
  const directives: Directive[] = [];
  const collect = (ranges: ts.CommentRange[] | undefined): void => {
    for (const range of ranges ?? []) {
      if (seen.has(range.pos)) continue;
      seen.add(range.pos);
      const raw = text.slice(range.pos, range.end);
      const body = range.kind === ts.SyntaxKind.SingleLineCommentTrivia ? raw.slice(2) : raw.slice(2, -2);
      const parsed = parseDirectiveText(body);
      // As ESLint's: a range only from a block comment, so that `call(); // bgtask-disable` (meant as
      // -line) does not silently turn every rule off to the end of the file.
      if (parsed === undefined || (range.kind === ts.SyntaxKind.SingleLineCommentTrivia && (parsed.kind === 'disable' || parsed.kind === 'enable'))) continue;
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
  // Every comment in the trivia that starts at `pos`: the ones on its first line (which TypeScript
  // counts as trailing the token before) and the ones after its first line break (leading the next).
  const collectAt = (pos: number): void => {
    collect(ts.getTrailingCommentRanges(text, pos));
    collect(ts.getLeadingCommentRanges(text, pos));
  };
  // Comments after a node's end too, not just before its start: one on its own line before a closing
  // brace (a block's last `bgtask-enable`) belongs to the brace, which no node starts at. And after a
  // comma that follows a node with none after it (`one(), // bgtask-disable-line …` before a `]`,
  // `)` or `}`): the comma is no node's, so those belong to it alone. (Walking the tokens instead would
  // also read JSDoc's and JSX text's insides, and keeps a token array per node.)
  const scanner = ts.createScanner(sourceFile.languageVersion, true, sourceFile.languageVariant, text);
  // Where the comma right after `pos` ends, if the next token is one. Most nodes end at some other
  // token (`)`, `;`, `.`), which the first character tells without scanning.
  const commaEnd = (pos: number): number | undefined => {
    const next = text.charCodeAt(pos);
    if (next === COMMA) return pos + 1;
    if (next !== SLASH && !ts.isWhiteSpaceLike(next)) return undefined;
    scanner.resetTokenState(pos);
    return scanner.scan() === ts.SyntaxKind.CommaToken ? scanner.getTokenEnd() : undefined;
  };
  const visit = (node: ts.Node): void => {
    // Around a JSX child is JSX text, not trivia: `<p>// bgtask-disable</p>` shows those words on the
    // page. A comment there is written `{/* bgtask-disable-next-line … */}`: an empty JSX expression.
    if (node.parent !== undefined && (ts.isJsxElement(node.parent) || ts.isJsxFragment(node.parent))) {
      if (ts.isJsxExpression(node) && node.expression === undefined) collectAt(node.getStart() + 1);
      ts.forEachChild(node, visit);
      return;
    }
    // Before a node, on the line where its trivia starts too (`f(/* bgtask-disable-line … */ a)`).
    collectAt(node.getFullStart());
    collectAt(node.getEnd());
    const afterComma = commaEnd(node.getEnd());
    if (afterComma !== undefined) collectAt(afterComma);
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return directives.sort((a, b) => a.line - b.line || a.column - b.column);
}

function names(directive: Directive, ruleId: string): boolean {
  return directive.ruleIds.length === 0 || directive.ruleIds.includes(ruleId);
}

/** Whether `a` starts before position (line, column), both 1-based. */
function startsBefore(a: Directive, line: number, column: number): boolean {
  return a.line < line || (a.line === line && a.column < column);
}

/**
 * Whether `directive` suppresses `ruleId` at (line, column). A `disable` covers from where its comment
 * starts to the first later `enable` that names the rule or names none (to the end of the file
 * without one), as ESLint's do: so `bgtask-enable a` ends only rule a of a `bgtask-disable` of every rule.
 * `directives` is the file's list, in source order, for the enables.
 */
export function directiveCovers(directive: Directive, ruleId: string, line: number, column: number, directives: readonly Directive[]): boolean {
  if (directive.kind === 'enable' || !names(directive, ruleId)) return false;
  if (directive.kind === 'disable-file') return true;
  if (directive.kind !== 'disable') return directive.targetLine === line;
  if (!startsBefore(directive, line, column)) return false;
  return !directives.some((enable) => enable.kind === 'enable' && names(enable, ruleId) && startsBefore(directive, enable.line, enable.column) && startsBefore(enable, line, column));
}

/** A rule id no directive names: a `disable` of every rule is still open for it until an `enable` that names none. */
const ANY_RULE = '';

/**
 * Whether an `enable` ends anything for `ruleId` (for any rule, when undefined): some earlier `disable`
 * still covers it where the enable stands. Where none does, the enable is reported unused, as ESLint reports it.
 */
export function enableMatchesDisable(enable: Directive, directives: readonly Directive[], ruleId?: string): boolean {
  return directives.some((disable) => {
    if (disable.kind !== 'disable') return false;
    const ruleIds = ruleId !== undefined ? [ruleId] : disable.ruleIds.length > 0 ? disable.ruleIds : [ANY_RULE];
    return ruleIds.some((id) => directiveCovers(disable, id, enable.line, enable.column, directives));
  });
}
