import { describe, expect, it } from 'vitest';
import { ChangeSet } from '../../src/scaffold/changes.js';
import type { Framework } from '../../src/scaffold/project.js';
import { planAppWiring, type WireOptions } from '../../src/scaffold/wire-app.js';
import { makeProject } from '../helpers/cli.js';

function options(framework: Framework, overrides: Partial<WireOptions> = {}): WireOptions {
  return {
    framework,
    sourceDir: 'src',
    runtimeDir: 'src/background',
    adapterPath: `src/background/${framework}.ts`,
    importSuffix: '.js',
    moduleKind: 'esm',
    ...overrides,
  };
}

/** Wires a project made of `files` and returns the result with the app file's new text. */
function wire(files: Record<string, string>, wireOptions: WireOptions): { result: ReturnType<typeof planAppWiring>; text: string | undefined; changes: ChangeSet } {
  const changes = new ChangeSet(makeProject(files));
  const result = planAppWiring(changes, wireOptions);
  const text = result.appFile === undefined ? undefined : changes.read(result.appFile);
  return { result, text, changes };
}

describe('planAppWiring', () => {
  it('puts the Express adapter after the body parsers that follow express()', () => {
    const { result, text } = wire(
      {
        'src/app.ts': `import express from 'express';
import { router } from './routes.js';

export const app = express();
app.use(express.json());
app.use(express.urlencoded({ extended: true }));
app.use(router);
`,
      },
      options('express'),
    );
    expect(result).toEqual({ status: 'wired', appFile: 'src/app.ts' });
    expect(text).toBe(`import express from 'express';
import { router } from './routes.js';
import { backgroundTasks } from './background/express.js';

export const app = express();
app.use(express.json());
app.use(express.urlencoded({ extended: true }));
app.use(backgroundTasks());
app.use(router);
`);
  });

  it('awaits the Fastify plugin at the top level of an ES module, matching quotes and semicolons', () => {
    const { result, text } = wire(
      {
        'src/server.ts': `import Fastify from "fastify"

const server = Fastify({ logger: true })
server.get("/", async () => "hi")
`,
      },
      options('fastify'),
    );
    expect(result).toEqual({ status: 'wired', appFile: 'src/server.ts' });
    expect(text).toBe(`import Fastify from "fastify"
import { backgroundTasks } from "./background/fastify.js"

const server = Fastify({ logger: true })
await server.register(backgroundTasks)
server.get("/", async () => "hi")
`);
  });

  it('wires an app created inside an async factory, with its indentation', () => {
    const { result, text } = wire(
      {
        'src/lib/build.ts': `import { fastify } from 'fastify';

export async function build() {
    const app = fastify();
    return app;
}
`,
      },
      options('fastify'),
    );
    expect(result.status).toBe('wired');
    expect(text).toContain(`import { backgroundTasks } from '../background/fastify.js';`);
    expect(text).toContain(`    const app = fastify();\n    await app.register(backgroundTasks);\n    return app;`);
  });

  it('uses new Hono() with its generics and an import without suffix when the project needs none', () => {
    const { result, text } = wire(
      {
        'src/index.ts': `import { Hono } from 'hono';
type Env = { Bindings: { TOKEN: string } };
const app = new Hono<Env>();
app.get('/', (c) => c.text('ok'));
export default app;
`,
      },
      options('hono', { importSuffix: '' }),
    );
    expect(result.status).toBe('wired');
    expect(text).toBe(`import { Hono } from 'hono';
import { backgroundTasks } from './background/hono';
type Env = { Bindings: { TOKEN: string } };
const app = new Hono<Env>();
app.use(backgroundTasks());
app.get('/', (c) => c.text('ok'));
export default app;
`);
  });

  it('is idempotent: a wired app is left alone, even under another local name', () => {
    const wired = `import express from 'express';
import { backgroundTasks as tasks } from './background/express.js';
const app = express();
app.use(tasks());
`;
    const { result, text } = wire({ 'src/app.ts': wired }, options('express'));
    expect(result).toEqual({ status: 'already', appFile: 'src/app.ts' });
    expect(text).toBe(wired);
  });

  it('adds only the missing use() when the import is already there', () => {
    const { result, text } = wire(
      {
        'src/app.ts': `import express from 'express';
import { backgroundTasks } from './background/express.js';
const app = express();
`,
      },
      options('express'),
    );
    expect(result.status).toBe('wired');
    expect(text?.match(/import \{ backgroundTasks \}/g)).toHaveLength(1);
    expect(text).toContain('const app = express();\napp.use(backgroundTasks());');
  });

  it('wiring its own output again changes nothing', () => {
    const first = wire({ 'src/app.ts': `import { Hono } from 'hono';\nexport const app = new Hono();\n` }, options('hono'));
    const again = new ChangeSet(makeProject({ 'src/app.ts': first.text ?? '' }));
    expect(planAppWiring(again, options('hono'))).toEqual({ status: 'already', appFile: 'src/app.ts' });
    expect(again.plan({ force: false })).toEqual([{ path: 'src/app.ts', action: 'skip', bytes: Buffer.byteLength(first.text ?? '') }]);
  });

  it('recognises CommonJS require() and prints the lines for Fastify when top-level await is unavailable', () => {
    const { result, changes } = wire(
      { 'src/app.ts': `import Fastify = require('fastify');\nconst app = Fastify();\nexport = app;\n` },
      options('fastify', { moduleKind: 'cjs' }),
    );
    expect(result).toMatchObject({ status: 'manual', appFile: 'src/app.ts' });
    expect(result.status === 'manual' ? result.lines : []).toEqual([
      `import { backgroundTasks } from './background/fastify.js';`,
      'await app.register(backgroundTasks); // in an async function (or an ES module), right after the app is created, before the routes',
    ]);
    expect(changes.plan({ force: false })).toEqual([]);
  });

  it('wires Express in a CommonJS file that requires it', () => {
    const { result, text } = wire({ 'src/app.ts': `const express = require('express');\nconst app = express();\nmodule.exports = app;\n` }, options('express', { moduleKind: 'cjs' }));
    expect(result.status).toBe('wired');
    expect(text).toBe(`import { backgroundTasks } from './background/express.js';\n\nconst express = require('express');\nconst app = express();\napp.use(backgroundTasks());\nmodule.exports = app;\n`);
  });

  it('prints the lines when two files create an app, and ignores tests and the runtime folder', () => {
    const app = `import express from 'express';\nexport const app = express();\n`;
    const { result, changes } = wire(
      {
        'src/a.ts': app,
        'src/b.ts': app,
        'src/a.test.ts': app,
        'src/background/other.ts': app,
      },
      options('express'),
    );
    expect(result).toMatchObject({ status: 'manual', reason: 'several files create an Express app (src/a.ts, src/b.ts)' });
    expect(changes.plan({ force: false })).toEqual([]);
  });

  it('prints the lines when no file creates the app, or the app is not a variable', () => {
    expect(wire({ 'src/util.ts': 'export const x = 1;\n' }, options('hono')).result).toMatchObject({
      status: 'manual',
      reason: 'no file under src/ creates a Hono app with new Hono()',
    });
    expect(wire({ 'src/app.ts': `import express from 'express';\nexport default express();\n` }, options('express')).result).toMatchObject({
      status: 'manual',
      appFile: 'src/app.ts',
    });
  });

  it('prefers the app file bgtask.json names over other files that create an app', () => {
    const app = `import express from 'express';\nexport const app = express();\n`;
    const { result } = wire({ 'src/a.ts': app, 'src/b.ts': app }, options('express', { appFile: 'src/b.ts' }));
    expect(result).toEqual({ status: 'wired', appFile: 'src/b.ts' });
  });

  it('refuses to shadow a backgroundTasks the file already declares', () => {
    const { result } = wire(
      { 'src/app.ts': `import express from 'express';\nconst backgroundTasks = 1;\nexport const app = express();\n` },
      options('express'),
    );
    expect(result).toMatchObject({ status: 'manual', reason: 'src/app.ts already uses the name backgroundTasks for something else' });
  });
});

describe('planAppWiring with sub-apps', () => {
  it('wires the app that mounts the others, across files and within one', () => {
    const { result, text } = wire(
      {
        'src/index.ts': `import { Hono } from 'hono';
import { users } from './routes/users.js';

const app = new Hono();
const admin = new Hono();
app.route('/users', users);
app.route('/admin', admin);
export default app;
`,
        'src/routes/users.ts': `import { Hono } from 'hono';\nexport const users = new Hono();\n`,
      },
      options('hono'),
    );
    expect(result).toEqual({ status: 'wired', appFile: 'src/index.ts' });
    expect(text).toContain('const app = new Hono();\napp.use(backgroundTasks());\nconst admin = new Hono();');
  });
});
