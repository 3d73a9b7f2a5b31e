// The ways the fuzzer breaks a TypeScript file: what a crashed editor, a bad merge, a copy-paste
// slip, a binary that landed in src/ or a generated file leaves behind. Every choice comes from a
// seeded Random, so a case number rebuilds the same bytes.
//
// Files are Buffers, not strings: decoding would turn invalid UTF-8 into U+FFFD and hide exactly the
// bytes some mutations mean to write. Offsets are moved to the start of a UTF-8 character, so that
// cutting and pasting ranges keeps the file valid UTF-8; only `random-bytes` writes bytes that are not.

/** mulberry32: a small seeded PRNG, good enough for fuzzing and identical on every platform. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  /** An integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('Random.pick from an empty list');
    return items[this.int(0, items.length - 1)] as T;
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }
}

export const MUTATION_KINDS = [
  'truncate',
  'delete-range',
  'duplicate-range',
  'swap-ranges',
  'replace-token',
  'random-bytes',
  'huge-line',
  'deep-nesting',
] as const;
export type MutationKind = (typeof MUTATION_KINDS)[number];

/**
 * Which mutation to apply: a kind, and for the kinds that have them a flavour and a size (the depth
 * or length for deep-nesting, the bytes for huge-line, how many insertions for random-bytes).
 * Written `kind[:flavour[:size]]`, e.g. `deep-nesting:parens:10000`; what is left out is chosen at random.
 */
export interface MutationSpec {
  kind: MutationKind;
  flavour?: string;
  size?: number;
}

export interface Mutated {
  bytes: Buffer;
  /** What was done where, for the failure report: `deep-nesting:parens depth 10000 at line 12 (in a timer callback)`. */
  description: string;
}

const latin1 = (bytes: Buffer): string => bytes.toString('latin1');
const fromLatin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

/** Moves an offset forward past UTF-8 continuation bytes, to the start of a character (or the end). */
function characterStart(bytes: Buffer, offset: number): number {
  let at = offset;
  while (at < bytes.length && ((bytes[at] as number) & 0xc0) === 0x80) at++;
  return at;
}

function randomOffset(bytes: Buffer, random: Random): number {
  return characterStart(bytes, random.int(0, bytes.length));
}

/** Mostly short ranges (a token, a line), sometimes a large part of the file. */
function randomRange(bytes: Buffer, random: Random): [number, number] {
  const start = randomOffset(bytes, random);
  const room = bytes.length - start;
  const length = random.chance(0.6) ? random.int(1, 80) : random.int(1, Math.max(1, Math.floor(room / 2)));
  return [start, characterStart(bytes, Math.min(bytes.length, start + length))];
}

function lineStarts(bytes: Buffer): number[] {
  const starts = [0];
  for (let at = 0; at < bytes.length; at++) if (bytes[at] === 0x0a) starts.push(at + 1);
  return starts;
}

/** 1-based line of an offset, for descriptions a person can find in the saved file. */
function lineOf(bytes: Buffer, offset: number): number {
  let line = 1;
  for (let at = 0; at < offset && at < bytes.length; at++) if (bytes[at] === 0x0a) line++;
  return line;
}

function splice(bytes: Buffer, start: number, end: number, insert: Buffer = Buffer.alloc(0)): Buffer {
  return Buffer.concat([bytes.subarray(0, start), insert, bytes.subarray(end)]);
}

function truncate(bytes: Buffer, random: Random): Mutated {
  const at = randomOffset(bytes, random);
  return { bytes: bytes.subarray(0, at), description: `truncate at byte ${at} of ${bytes.length} (line ${lineOf(bytes, at)})` };
}

function deleteRange(bytes: Buffer, random: Random): Mutated {
  const [start, end] = randomRange(bytes, random);
  return { bytes: splice(bytes, start, end), description: `delete-range bytes ${start}..${end} (line ${lineOf(bytes, start)})` };
}

function duplicateRange(bytes: Buffer, random: Random): Mutated {
  const [start, end] = randomRange(bytes, random);
  const at = randomOffset(bytes, random);
  return {
    bytes: splice(bytes, at, at, Buffer.from(bytes.subarray(start, end))),
    description: `duplicate-range bytes ${start}..${end} (line ${lineOf(bytes, start)}) inserted at byte ${at} (line ${lineOf(bytes, at)})`,
  };
}

function swapRanges(bytes: Buffer, random: Random): Mutated {
  const cuts = [0, 0, 0, 0].map(() => randomOffset(bytes, random)).sort((a, b) => a - b) as [number, number, number, number];
  const [a, b, c, d] = cuts;
  const swapped = Buffer.concat([bytes.subarray(0, a), bytes.subarray(c, d), bytes.subarray(b, c), bytes.subarray(a, b), bytes.subarray(d)]);
  return { bytes: swapped, description: `swap-ranges bytes ${a}..${b} (line ${lineOf(bytes, a)}) and ${c}..${d} (line ${lineOf(bytes, c)})` };
}

/** Keywords and punctuation that, put where a name was, make statements the parser has to recover from. */
const REPLACEMENT_TOKENS = [
  'await', 'async', 'function', 'return', 'class', 'yield', 'new', 'void', 'typeof', 'import', 'export',
  'default', 'enum', 'declare', 'namespace', 'interface', 'type', 'satisfies', 'as', 'in', 'of', 'let',
  'const', 'var', 'if', 'else', 'for', 'while', 'do', 'switch', 'case', 'try', 'catch', 'finally',
  'throw', 'delete', 'super', 'this', 'null', 'static', 'abstract', 'readonly', 'get', 'set', 'using',
  'accessor', 'keyof', 'infer', 'asserts', 'extends', 'implements', '=>', '{', '}', '(', ')', '<', '`',
  '/', '@', '...', '?.', '??=', '#private',
];

function replaceToken(bytes: Buffer, random: Random): Mutated {
  const text = latin1(bytes);
  const words = [...text.matchAll(/[A-Za-z_$][\w$]*/g)];
  if (words.length === 0) return { bytes, description: 'replace-token: no word to replace' };
  const word = random.pick(words);
  const replacement = random.pick(REPLACEMENT_TOKENS);
  const start = word.index;
  return {
    bytes: fromLatin1(text.slice(0, start) + replacement + text.slice(start + word[0].length)),
    description: `replace-token \`${word[0]}\` at byte ${start} (line ${lineOf(bytes, start)}) with \`${replacement}\``,
  };
}

/** What `random-bytes` inserts, by flavour: each returns the bytes for one insertion. */
const BYTE_FLAVOURS: Record<string, (random: Random) => Buffer> = {
  nul: () => Buffer.from([0]),
  'invalid-utf8': (random) =>
    Buffer.from(
      random.pick([
        [0xff],
        [0xfe, 0xfe],
        [0xc3], // the first byte of a two-byte character, alone
        [0x80], // a continuation byte, alone
        [0xc0, 0xaf], // an overlong '/'
        [0xe2, 0x82], // a three-byte character cut short
        [0xf8, 0x88, 0x80, 0x80, 0x80], // a five-byte sequence, which UTF-8 does not have
      ]),
    ),
  // A UTF-16 surrogate on its own, as CESU-8 or a careless encoder writes it: not valid UTF-8.
  'lone-surrogate': (random) => Buffer.from(random.pick([[0xed, 0xa0, 0xbd], [0xed, 0xb8, 0x80]])),
  'carriage-return': (random) => Buffer.from(random.pick(['\r', '\r\r', '\r\n\r', '\n\r'])),
  'bom-middle': () => Buffer.from([0xef, 0xbb, 0xbf]),
  // Valid UTF-8 that scanners trip on: line and paragraph separators, zero-width and bidi characters,
  // an emoji, a combining mark, a no-break space, and a lone surrogate written as an escape.
  'unicode-text': (random) => Buffer.from(random.pick(['\u2028', '\u2029', '\u200b', '\u200d', '\u202e', '\u{1f4a5}', '\u0301', '\u00a0', '\\uD83D', "'\\uDC00'", '\ufffd']), 'utf8'),
  control: (random) => Buffer.from([random.pick([0x01, 0x07, 0x08, 0x0b, 0x0c, 0x1a, 0x1b, 0x1f, 0x7f])]),
  random: (random) => Buffer.from(Array.from({ length: random.int(1, 64) }, () => random.int(0, 255))),
};

function randomBytes(bytes: Buffer, random: Random, spec: MutationSpec): Mutated {
  const flavour = spec.flavour ?? random.pick(Object.keys(BYTE_FLAVOURS));
  const make = BYTE_FLAVOURS[flavour];
  if (make === undefined) throw new Error(`random-bytes has no flavour "${flavour}"; try one of ${Object.keys(BYTE_FLAVOURS).join(', ')}`);
  // Old Mac line endings: every newline a lone carriage return, sometimes instead of a few inserted ones.
  if (flavour === 'carriage-return' && random.chance(0.3)) {
    return { bytes: fromLatin1(latin1(bytes).replaceAll('\n', '\r')), description: 'random-bytes:carriage-return every \\n replaced by \\r' };
  }
  let result = bytes;
  const places: string[] = [];
  for (let count = spec.size ?? random.int(1, 4); count > 0; count--) {
    const at = randomOffset(result, random);
    places.push(`${at} (line ${lineOf(result, at)})`);
    result = splice(result, at, at, make(random));
  }
  return { bytes: result, description: `random-bytes:${flavour} inserted at byte ${places.join(', ')}` };
}

const HUGE_LINE_BYTES = 200_000;

/** One line of about `size` bytes, by flavour. */
const HUGE_LINES: Record<string, (size: number) => string> = {
  string: (size) => `const hugeString = "${'x'.repeat(size)}";`,
  template: (size) => `const hugeTemplate = \`${'y'.repeat(size)}\`;`,
  comment: (size) => `// ${'lorem ipsum '.repeat(Math.ceil(size / 12))}`,
  'plus-chain': (size) => `const hugeSum = ${'a+'.repeat(Math.ceil(size / 2))}a;`,
  array: (size) => `const hugeArray = [${'0,'.repeat(Math.ceil(size / 2))}];`,
  identifier: (size) => `const ${'a'.repeat(size)} = 1;`,
  statements: (size) => 'void 0;'.repeat(Math.ceil(size / 7)),
  // A long run of letters where the offset falls, mid-token or mid-string: no statement of its own.
  'mid-token': (size) => 'z'.repeat(size),
};

function hugeLine(bytes: Buffer, random: Random, spec: MutationSpec): Mutated {
  const flavour = spec.flavour ?? random.pick(Object.keys(HUGE_LINES));
  const make = HUGE_LINES[flavour];
  if (make === undefined) throw new Error(`huge-line has no flavour "${flavour}"; try one of ${Object.keys(HUGE_LINES).join(', ')}`);
  const size = spec.size ?? HUGE_LINE_BYTES;
  const at = flavour === 'mid-token' ? randomOffset(bytes, random) : random.pick(lineStarts(bytes));
  const line = flavour === 'mid-token' ? make(size) : `${make(size)}\n`;
  return { bytes: splice(bytes, at, at, Buffer.from(line)), description: `huge-line:${flavour} of ${line.length} bytes at line ${lineOf(bytes, at)}` };
}

interface Nesting {
  /** Depths (or, for chains, lengths) to choose from when the spec names none. */
  sizes: number[];
  build: (size: number) => string;
}

const DEPTHS = [1_000, 3_000, 10_000];

/** Statements nested or chained `size` deep, by flavour. */
const NESTINGS: Record<string, Nesting> = {
  parens: { sizes: DEPTHS, build: (n) => `const deepParens = ${'('.repeat(n)}1${')'.repeat(n)};` },
  arrays: { sizes: DEPTHS, build: (n) => `const deepArrays = ${'['.repeat(n)}${']'.repeat(n)};` },
  objects: { sizes: DEPTHS, build: (n) => `const deepObjects = ${'{ a: '.repeat(n)}0${' }'.repeat(n)};` },
  calls: { sizes: DEPTHS, build: (n) => `const deepCalls = ${'String('.repeat(n)}0${')'.repeat(n)};` },
  arrows: { sizes: DEPTHS, build: (n) => `const deepArrows = ${'() => '.repeat(n)}0;` },
  'async-arrows': { sizes: DEPTHS, build: (n) => `const deepAsync = ${'async () => await ('.repeat(n)}0${')'.repeat(n)};` },
  ifs: { sizes: DEPTHS, build: (n) => `function deepIfs(flag: boolean) {\n${'if (flag) { '.repeat(n)}return 1;${' }'.repeat(n)}\n}` },
  blocks: { sizes: DEPTHS, build: (n) => `${'{ '.repeat(n)}void 0;${' }'.repeat(n)}` },
  functions: { sizes: DEPTHS, build: (n) => `${'function inner() { '.repeat(n)}return 0;${' }'.repeat(n)}` },
  templates: { sizes: DEPTHS, build: (n) => `const deepTemplate = ${'`${'.repeat(n)}0${'}`'.repeat(n)};` },
  ternaries: { sizes: DEPTHS, build: (n) => `const deepTernary = ${'Math.random() > 0.5 ? 0 : '.repeat(n)}1;` },
  generics: { sizes: DEPTHS, build: (n) => `type DeepGeneric = ${'Array<'.repeat(n)}string${'>'.repeat(n)};` },
  unary: { sizes: DEPTHS, build: (n) => `const deepNot = ${'!'.repeat(n)}0;` },
  'property-chain': { sizes: DEPTHS, build: (n) => `const deepAccess = globalThis${'?.x'.repeat(n)};` },
  'binary-chain': { sizes: [10_000, 50_000], build: (n) => `const chain = ${Array.from({ length: n }, () => 'a').join(' + ')};` },
  'then-chain': { sizes: [1_000, 10_000], build: (n) => `Promise.resolve(0)${'.then((value) => value)'.repeat(n)};` },
};

/** Where the nested code goes: as it is, or inside the background callbacks and handlers the rules look into. */
const WRAPPERS: Record<string, (code: string) => string> = {
  statement: (code) => code,
  'timer callback': (code) => `setTimeout(async () => {\n${code}\n}, 1000);`,
  'route handler': (code) => `export async function POST(request: Request) {\n${code}\nreturn Response.json({ ok: true });\n}`,
};

function deepNesting(bytes: Buffer, random: Random, spec: MutationSpec): Mutated {
  const flavour = spec.flavour ?? random.pick(Object.keys(NESTINGS));
  const nesting = NESTINGS[flavour];
  if (nesting === undefined) throw new Error(`deep-nesting has no flavour "${flavour}"; try one of ${Object.keys(NESTINGS).join(', ')}`);
  const size = spec.size ?? random.pick(nesting.sizes);
  const wrapper = random.pick(Object.keys(WRAPPERS));
  const code = (WRAPPERS[wrapper] as (code: string) => string)(nesting.build(size));
  const at = random.pick(lineStarts(bytes));
  return {
    bytes: splice(bytes, at, at, Buffer.from(`${code}\n`)),
    description: `deep-nesting:${flavour} size ${size} at line ${lineOf(bytes, at)} (${wrapper})`,
  };
}

const MUTATORS: Record<MutationKind, (bytes: Buffer, random: Random, spec: MutationSpec) => Mutated> = {
  truncate,
  'delete-range': deleteRange,
  'duplicate-range': duplicateRange,
  'swap-ranges': swapRanges,
  'replace-token': replaceToken,
  'random-bytes': randomBytes,
  'huge-line': hugeLine,
  'deep-nesting': deepNesting,
};

export function mutate(bytes: Buffer, random: Random, spec: MutationSpec): Mutated {
  return MUTATORS[spec.kind](bytes, random, spec);
}

export function randomSpec(random: Random): MutationSpec {
  return { kind: random.pick(MUTATION_KINDS) };
}

/** `kind[:flavour[:size]]`, as the runner's --mutations takes it. */
export function parseSpec(text: string): MutationSpec {
  const [kind, flavour, size] = text.split(':');
  if (!MUTATION_KINDS.includes(kind as MutationKind)) throw new Error(`unknown mutation "${kind}"; the kinds are ${MUTATION_KINDS.join(', ')}`);
  if (size !== undefined && !/^\d+$/.test(size)) throw new Error(`the size in "${text}" is not a whole number`);
  return { kind: kind as MutationKind, ...(flavour ? { flavour } : {}), ...(size === undefined ? {} : { size: Number(size) }) };
}

export function formatSpec(spec: MutationSpec): string {
  return [spec.kind, spec.flavour, spec.size].filter((part) => part !== undefined).join(':');
}
