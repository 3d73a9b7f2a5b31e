import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { LintMessage, LintResult, MessageLocation } from '../linter/types.js';
import { ruleDocsUrl } from '../rules/docs-url.js';
import type { Reporter, RuleMeta } from './reporter.js';
import { displayPath, isError } from './stylish.js';

const SRCROOT = '%SRCROOT%';
const NOTE_ID = 'BGTASK-NOTE';

type Level = 'error' | 'warning';

interface Region {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

interface SarifLocation {
  /** Set on related locations, unique within the result, so that message text can link to them. */
  id?: number;
  physicalLocation: {
    artifactLocation: { uri: string; uriBaseId?: string };
    region: Region;
  };
  message?: { text: string };
}

/** One code flow with one thread: the steps from where the work starts to the finding. */
interface SarifCodeFlow {
  threadFlows: [{ locations: { location: SarifLocation }[] }];
}

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: Level;
  message: { text: string };
  locations: [SarifLocation];
  relatedLocations?: SarifLocation[];
  codeFlows?: [SarifCodeFlow];
  partialFingerprints?: { primaryLocationLineHash: string };
}

interface SarifNotification {
  descriptor: { id: string };
  level: Level;
  message: { text: string };
  locations: [SarifLocation];
}

interface ReportingDescriptor {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  helpUri?: string;
  defaultConfiguration: { level: Level };
  properties: { tags: string[]; 'problem.severity': Level };
}

// github/codeql-action src/fingerprints.ts: a rolling hash, mod 2^64 (their `Long`), over the
// first BLOCK_SIZE non-space/tab characters from each line start, with \r, \n and \r\n read as \n.
const BLOCK_SIZE = 100;
const MOD = 37n;
const FIRST_MOD = BigInt.asUintN(64, MOD ** BigInt(BLOCK_SIZE));
const TAB = 9;
const SPACE = 32;
const LF = 10;
const CR = 13;
const EOF = 65535;

/** `primaryLocationLineHash` for every line of `text`: element `i` is line `i + 1`, as `<hex>:<occurrence>`. */
export function lineHashes(text: string): string[] {
  const window: number[] = new Array<number>(BLOCK_SIZE).fill(0);
  const lineNumbers: number[] = new Array<number>(BLOCK_SIZE).fill(-1);
  const counts = new Map<string, number>();
  const hashes: string[] = [];
  let hash = 0n;
  let index = 0;
  let lineNumber = 0;
  let lineStart = true;
  let prevCR = false;

  const outputHash = () => {
    const value = hash.toString(16);
    const count = (counts.get(value) ?? 0) + 1;
    counts.set(value, count);
    hashes[lineNumbers[index]! - 1] = `${value}:${count}`;
    lineNumbers[index] = -1;
  };

  const updateHash = (current: number) => {
    const begin = window[index]!;
    window[index] = current;
    hash = BigInt.asUintN(64, MOD * hash + BigInt(current) - FIRST_MOD * BigInt(begin));
    index = (index + 1) % BLOCK_SIZE;
  };

  for (let i = 0; i <= text.length; i++) {
    let current = i === text.length ? EOF : text.charCodeAt(i);
    if (current === SPACE || current === TAB || (prevCR && current === LF)) {
      prevCR = false;
      continue;
    }
    if (current === CR) {
      current = LF;
      prevCR = true;
    } else {
      prevCR = false;
    }
    if (lineNumbers[index] !== -1) outputHash();
    if (lineStart) {
      lineStart = false;
      lineNumber++;
      lineNumbers[index] = lineNumber;
    }
    if (current === LF) lineStart = true;
    updateHash(current);
  }

  for (let i = 0; i < BLOCK_SIZE; i++) {
    if (lineNumbers[index] !== -1) outputHash();
    updateHash(0);
  }
  return hashes;
}

// Without the text there is no fingerprint; upload-sarif then computes one itself if it can.
function fileLineHashes(result: LintResult): string[] {
  if (result.source !== undefined) return lineHashes(result.source);
  try {
    return lineHashes(readFileSync(result.filePath, 'utf8'));
  } catch {
    return [];
  }
}

function pascalCase(id: string): string {
  return id
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');
}

function level(message: LintMessage): Level {
  return isError(message) ? 'error' : 'warning';
}

function describeRule(rule: RuleMeta): ReportingDescriptor {
  const url = ruleDocsUrl(rule.id);
  const defaultLevel: Level = rule.defaultSeverity === 'error' ? 'error' : 'warning';
  return {
    id: rule.id,
    name: pascalCase(rule.id),
    shortDescription: { text: rule.description },
    fullDescription: { text: rule.description },
    help: {
      text: `${rule.description}\n\nThe rule page explains what goes wrong at run time, with incorrect and correct examples: ${url}`,
      markdown: `${rule.description}\n\nThe [rule page](${url}) explains what goes wrong at run time, with incorrect and correct examples.`,
    },
    helpUri: url,
    defaultConfiguration: { level: defaultLevel },
    properties: { tags: ['background-tasks', 'reliability'], 'problem.severity': defaultLevel },
  };
}

// A result's rule must have a descriptor even when `context.rules` lacks it; there is no docs page to link.
function describeUnknownRule(id: string): ReportingDescriptor {
  const text = `Problems reported under the rule id \`${id}\`, which is not a registered bgtask rule.`;
  return {
    id,
    name: pascalCase(id),
    shortDescription: { text },
    fullDescription: { text },
    help: { text, markdown: text },
    defaultConfiguration: { level: 'warning' },
    properties: { tags: ['background-tasks'], 'problem.severity': 'warning' },
  };
}

function artifactUri(filePath: string, cwd: string): { uri: string; uriBaseId?: string } {
  const rel = displayPath(filePath, cwd);
  // Outside the source root a relative URI would point at the wrong file, so fall back to file://.
  if (rel === '..' || rel.startsWith('../') || /^[A-Za-z]:|^\//.test(rel)) {
    return { uri: pathToFileURL(filePath).href };
  }
  return { uri: rel.split('/').map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
}

/** A message's own place, or one of the places it refers to. */
type Span = Pick<LintMessage, 'line' | 'column' | 'endLine' | 'endColumn'>;

function region(span: Span): Region {
  const startLine = Math.max(1, span.line);
  const startColumn = Math.max(1, span.column);
  const endLine = Math.max(startLine, span.endLine ?? startLine);
  // SARIF's endColumn is exclusive, as ESLint's is; a point gets a one-character region.
  const endColumn = span.endColumn ?? (endLine === startLine ? startColumn + 1 : 1);
  return {
    startLine,
    startColumn,
    endLine,
    endColumn: endLine === startLine ? Math.max(startColumn, endColumn) : Math.max(1, endColumn),
  };
}

// A related location or path step can be in another file than the result, so each gets its own URI.
function referencedLocation(location: MessageLocation, cwd: string): SarifLocation {
  return {
    physicalLocation: { artifactLocation: artifactUri(location.filePath, cwd), region: region(location) },
    message: { text: location.message },
  };
}

// GitHub shows the thread flow as the alert's path, so it ends where the finding is.
function codeFlow(steps: MessageLocation[], finding: SarifLocation, cwd: string): SarifCodeFlow {
  const locations = [...steps.map((step) => referencedLocation(step, cwd)), finding];
  return { threadFlows: [{ locations: locations.map((location) => ({ location })) }] };
}

function directoryUri(dir: string): string {
  const href = pathToFileURL(dir).href;
  return href.endsWith('/') ? href : `${href}/`;
}

/** SARIF 2.1.0 restricted to what GitHub code scanning reads, with fingerprints precomputed. */
export const sarif: Reporter = (results, context) => {
  const rules = context.rules.map(describeRule);
  const ruleIndexes = new Map(rules.map((rule, i) => [rule.id, i]));
  const sarifResults: SarifResult[] = [];
  const notifications: SarifNotification[] = [];
  let executionSuccessful = true;

  for (const result of results) {
    if (result.messages.length === 0) continue;
    const artifactLocation = artifactUri(result.filePath, context.cwd);
    let hashes: string[] | undefined;

    for (const message of result.messages) {
      const location: SarifLocation = { physicalLocation: { artifactLocation, region: region(message) } };

      if (message.ruleId === null) {
        if (message.fatal) executionSuccessful = false;
        notifications.push({
          descriptor: { id: NOTE_ID },
          level: level(message),
          message: { text: message.message },
          locations: [location],
        });
        continue;
      }

      let ruleIndex = ruleIndexes.get(message.ruleId);
      if (ruleIndex === undefined) {
        ruleIndex = rules.push(describeUnknownRule(message.ruleId)) - 1;
        ruleIndexes.set(message.ruleId, ruleIndex);
      }

      const sarifResult: SarifResult = {
        ruleId: message.ruleId,
        ruleIndex,
        level: level(message),
        message: { text: message.message },
        locations: [location],
      };
      if (message.relatedLocations !== undefined && message.relatedLocations.length > 0) {
        sarifResult.relatedLocations = message.relatedLocations.map((related, i) => ({ id: i + 1, ...referencedLocation(related, context.cwd) }));
      }
      if (message.codeFlow !== undefined && message.codeFlow.length > 0) {
        sarifResult.codeFlows = [codeFlow(message.codeFlow, { ...location, message: { text: message.message } }, context.cwd)];
      }
      hashes ??= fileLineHashes(result);
      const lineHash = hashes[location.physicalLocation.region.startLine - 1];
      if (lineHash !== undefined) sarifResult.partialFingerprints = { primaryLocationLineHash: lineHash };
      sarifResults.push(sarifResult);
    }
  }

  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'bgtask',
            semanticVersion: context.version,
            informationUri: 'https://github.com/bgtask/bgtask',
            rules,
          },
        },
        invocations: [
          {
            executionSuccessful,
            workingDirectory: { uri: directoryUri(context.cwd) },
            ...(notifications.length > 0 && { toolConfigurationNotifications: notifications }),
          },
        ],
        originalUriBaseIds: { [SRCROOT]: { uri: directoryUri(context.cwd) } },
        results: sarifResults,
      },
    ],
  };
  return JSON.stringify(log, null, 2);
};
