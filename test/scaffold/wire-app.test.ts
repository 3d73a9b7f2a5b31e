import { describe, expect, it } from 'vitest';
import { ChangeSet } from '../../src/scaffold/changes.js';
import { GENERATED_HEADER } from '../../src/scaffold/render.js';
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

/** w3cj/hono-open-api-starter, trimmed: a router factory every routes file calls, and the app's factory called once. */
const HONO_OPEN_API_STARTER: Record<string, string> = {
  'tsconfig.json': `{
  "compilerOptions": {
    "target": "ESNext",
    "module": "ESNext",
    "moduleResolution": "bundler",
    "strict": true,
    "baseUrl": "./",
    "paths": { "@/*": ["./src/*"] }
  }
}
`,
  'src/lib/create-app.ts': `import type { Schema } from "hono";

import { OpenAPIHono } from "@hono/zod-openapi";
import { requestId } from "hono/request-id";
import { notFound, onError, serveEmojiFavicon } from "stoker/middlewares";
import { defaultHook } from "stoker/openapi";

import { pinoLogger } from "@/middlewares/pino-logger";

import type { AppBindings, AppOpenAPI } from "./types";

export function createRouter() {
  return new OpenAPIHono<AppBindings>({
    strict: false,
    defaultHook,
  });
}

export default function createApp() {
  const app = createRouter();
  app.use(requestId())
    .use(serveEmojiFavicon("📝"))
    .use(pinoLogger());

  app.notFound(notFound);
  app.onError(onError);
  return app;
}

export function createTestApp<S extends Schema>(router: AppOpenAPI<S>) {
  return createApp().route("/", router);
}
`,
  'src/lib/configure-open-api.ts': `import { Scalar } from "@scalar/hono-api-reference";

import type { AppOpenAPI } from "./types";

import packageJSON from "../../package.json" with { type: "json" };

export default function configureOpenAPI(app: AppOpenAPI) {
  app.doc("/doc", {
    openapi: "3.0.0",
    info: { version: packageJSON.version, title: "Tasks API" },
  });
  app.get("/reference", Scalar({ url: "/doc", theme: "kepler" }));
}
`,
  'src/lib/types.ts': `import type { OpenAPIHono, RouteConfig, RouteHandler } from "@hono/zod-openapi";
import type { Schema } from "hono";
import type { PinoLogger } from "hono-pino";

export interface AppBindings {
  Variables: {
    logger: PinoLogger;
  };
};

// eslint-disable-next-line ts/no-empty-object-type
export type AppOpenAPI<S extends Schema = {}> = OpenAPIHono<AppBindings, S>;

export type AppRouteHandler<R extends RouteConfig> = RouteHandler<R, AppBindings>;
`,
  'src/app.ts': `import configureOpenAPI from "@/lib/configure-open-api";
import createApp from "@/lib/create-app";
import index from "@/routes/index.route";
import tasks from "@/routes/tasks/tasks.index";

const app = createApp();

configureOpenAPI(app);

const routes = [
  index,
  tasks,
] as const;

routes.forEach((route) => {
  app.route("/", route);
});

export type AppType = typeof routes[number];

export default app;
`,
  'src/index.ts': `import { serve } from "@hono/node-server";

import app from "./app";
import env from "./env";

const port = env.PORT;
// eslint-disable-next-line no-console
console.log(\`Server is running on port http://localhost:\${port}\`);

serve({
  fetch: app.fetch,
  port,
});
`,
  'src/env.ts': `import { z } from "zod";

const EnvSchema = z.object({ PORT: z.coerce.number().default(9999) });

export default EnvSchema.parse(process.env);
`,
  'src/routes/index.route.ts': `import { createRoute } from "@hono/zod-openapi";
import * as HttpStatusCodes from "stoker/http-status-codes";
import { jsonContent } from "stoker/openapi/helpers";
import { createMessageObjectSchema } from "stoker/openapi/schemas";

import { createRouter } from "@/lib/create-app";

const router = createRouter()
  .openapi(
    createRoute({
      tags: ["Index"],
      method: "get",
      path: "/",
      responses: {
        [HttpStatusCodes.OK]: jsonContent(createMessageObjectSchema("Tasks API"), "Tasks API Index"),
      },
    }),
    (c) => {
      return c.json({ message: "Tasks API" }, HttpStatusCodes.OK);
    },
  );

export default router;
`,
  'src/routes/tasks/tasks.index.ts': `import { createRouter } from "@/lib/create-app";

import * as handlers from "./tasks.handlers";
import * as routes from "./tasks.routes";

const router = createRouter()
  .openapi(routes.list, handlers.list)
  .openapi(routes.create, handlers.create)
  .openapi(routes.getOne, handlers.getOne)
  .openapi(routes.patch, handlers.patch)
  .openapi(routes.remove, handlers.remove);

export default router;
`,
  'src/routes/tasks/tasks.test.ts': `import { testClient } from "hono/testing";
import { describe, expect, it } from "vitest";

import { createTestApp } from "@/lib/create-app";

import router from "./tasks.index";

const client = testClient(createTestApp(router));

describe("tasks routes", () => {
  it("get /tasks lists all tasks", async () => {
    const response = await client.tasks.$get();
    expect(response.status).toBe(200);
  });
});
`,
};

describe('planAppWiring with the shapes of real starters', () => {
  it('wires hono-open-api-starter inside createApp(), after const app = createRouter(), through tsconfig paths', () => {
    const { result, text, changes } = wire(HONO_OPEN_API_STARTER, options('hono', { importSuffix: '' }));
    expect(result).toEqual({ status: 'wired', appFile: 'src/lib/create-app.ts' });
    expect(text).toContain(`import type { AppBindings, AppOpenAPI } from "./types";
import { backgroundTasks } from "../background/hono";

export function createRouter() {`);
    expect(text).toContain(`export default function createApp() {
  const app = createRouter();
  app.use(backgroundTasks());
  app.use(requestId())
    .use(serveEmojiFavicon("📝"))`);
    expect(changes.plan({ force: false }).map((change) => change.path)).toEqual(['src/lib/create-app.ts']);
    // Run again on its own output: nothing to do.
    const again = new ChangeSet(makeProject({ ...HONO_OPEN_API_STARTER, 'src/lib/create-app.ts': text ?? '' }));
    expect(planAppWiring(again, options('hono', { importSuffix: '' }))).toEqual({ status: 'already', appFile: 'src/lib/create-app.ts' });
  });

  it('wires an Express 4 class app right after this.app = express(), and server.ts uses new App().app', () => {
    const files = {
      'src/app.ts': `import * as bodyParser from "body-parser";
import express from "express";
import mongoose from "mongoose";
import { Routes } from "./routes/crmRoutes";

class App {
  public app: express.Application;
  public routePrv: Routes = new Routes();
  public mongoUrl: string = "mongodb://localhost/CRMdb";

  constructor() {
    this.app = express();
    this.config();
    this.routePrv.routes(this.app);
    this.mongoSetup();
  }

  private config(): void {
    this.app.use(bodyParser.json());
    this.app.use(bodyParser.urlencoded({ extended: false }));
    this.app.use(express.static("public"));
  }

  private mongoSetup(): void {
    mongoose.connect(this.mongoUrl);
  }
}

export default App;
`,
      'src/routes/crmRoutes.ts': `import { Request, Response, Application } from "express";
import { ContactController } from "../controllers/crmController";

export class Routes {
  public contactController: ContactController = new ContactController();

  public routes(app: Application): void {
    app.route("/").get((req: Request, res: Response) => {
      res.status(200).send({ message: "GET request successfulll!!!!" });
    });
    app.route("/contact").get(this.contactController.getContacts).post(this.contactController.addNewContact);
  }
}
`,
      'src/server.ts': `import App from "./app";

const PORT = 3000;

new App().app.listen(PORT, () => {
  console.log("Express server listening on port " + PORT);
});
`,
    };
    const { result, text } = wire(files, options('express', { importSuffix: '' }));
    expect(result).toEqual({ status: 'wired', appFile: 'src/app.ts' });
    expect(text).toContain(`import { Routes } from "./routes/crmRoutes";
import { backgroundTasks } from "./background/express";

class App {`);
    expect(text).toContain(`  constructor() {
    this.app = express();
    this.app.use(backgroundTasks());
    this.config();`);
    const again = new ChangeSet(makeProject({ ...files, 'src/app.ts': text ?? '' }));
    expect(planAppWiring(again, options('express', { importSuffix: '' }))).toEqual({ status: 'already', appFile: 'src/app.ts' });
  });

  it('wires a class field app = express() first in the constructor, after super(...) and the body parsers', () => {
    const { result, text } = wire(
      {
        'src/server.ts': `import express, { type Application } from 'express';
import { BaseServer } from './base-server.js';
import { router } from './routes/index.js';

export class Server extends BaseServer {
  public app: Application = express();

  constructor(private readonly port: number) {
    super('api');
    this.app.use(express.json());
    this.app.use(router);
  }

  start(): void {
    this.app.listen(this.port);
  }
}
`,
      },
      options('express'),
    );
    expect(result).toEqual({ status: 'wired', appFile: 'src/server.ts' });
    expect(text).toContain(`  constructor(private readonly port: number) {
    super('api');
    this.app.use(express.json());
    this.app.use(backgroundTasks());
    this.app.use(router);
  }`);
  });

  it('adds a constructor for a class field app when the class has none, and wiring again changes nothing', () => {
    const source = `import { Hono } from 'hono'
import { logger } from 'hono/logger'

export class Api {
  readonly app = new Hono()
  private readonly startedAt = Date.now()

  routes() {
    this.app.use(logger())
    this.app.get('/uptime', (c) => c.json({ ms: Date.now() - this.startedAt }))
    return this.app
  }
}
`;
    const { result, text } = wire({ 'src/api.ts': source }, options('hono'));
    expect(result).toEqual({ status: 'wired', appFile: 'src/api.ts' });
    expect(text).toBe(`import { Hono } from 'hono'
import { logger } from 'hono/logger'
import { backgroundTasks } from './background/hono.js'

export class Api {
  readonly app = new Hono()
  private readonly startedAt = Date.now()

  constructor() {
    this.app.use(backgroundTasks())
  }

  routes() {
    this.app.use(logger())
    this.app.get('/uptime', (c) => c.json({ ms: Date.now() - this.startedAt }))
    return this.app
  }
}
`);
    const again = new ChangeSet(makeProject({ 'src/api.ts': text ?? '' }));
    expect(planAppWiring(again, options('hono'))).toEqual({ status: 'already', appFile: 'src/api.ts' });
  });

  it('prints this.app lines for a field of a subclass without a constructor', () => {
    const { result, changes } = wire(
      {
        'src/app.ts': `import express from 'express';
import { Service } from './service.js';

export class App extends Service {
  app = express();
}
`,
      },
      options('express'),
    );
    expect(result).toEqual({
      status: 'manual',
      appFile: 'src/app.ts',
      reason: 'src/app.ts creates the app in a field of App (this.app), a subclass without a constructor',
      lines: [
        `import { backgroundTasks } from './background/express.js';`,
        'this.app.use(backgroundTasks()); // first in the constructor of App, after super(...), before the routes',
      ],
    });
    expect(changes.plan({ force: false })).toEqual([]);
  });

  it('prints await this.server.register(...) for a Fastify app made in a constructor', () => {
    const { result } = wire(
      {
        'src/server.ts': `import Fastify, { type FastifyInstance } from 'fastify';

export class Server {
  private readonly server: FastifyInstance;

  constructor() {
    this.server = Fastify({ logger: true });
  }

  async start(port: number): Promise<void> {
    await this.server.listen({ port });
  }
}
`,
      },
      options('fastify'),
    );
    expect(result).toEqual({
      status: 'manual',
      appFile: 'src/server.ts',
      reason: 'src/server.ts creates the Fastify app in the constructor of Server, where await is impossible',
      lines: [
        `import { backgroundTasks } from './background/fastify.js';`,
        'await this.server.register(backgroundTasks); // in an async method that runs before the routes are added, right after the app is created',
      ],
    });
  });

  it('wires a Fastify buildApp() factory that server.ts awaits, inside the factory', () => {
    const files = {
      'src/app.ts': `import { join } from 'node:path';
import autoload from '@fastify/autoload';
import Fastify, { type FastifyServerOptions } from 'fastify';

export async function buildApp(options: FastifyServerOptions = {}) {
  const app = Fastify({ logger: true, ...options });

  await app.register(autoload, { dir: join(import.meta.dirname, 'plugins') });
  await app.register(autoload, { dir: join(import.meta.dirname, 'routes') });

  return app;
}
`,
      'src/server.ts': `import { buildApp } from './app.js';

const app = await buildApp();

try {
  await app.listen({ port: Number(process.env.PORT ?? 3000), host: '0.0.0.0' });
} catch (error) {
  app.log.error(error);
  process.exit(1);
}
`,
      'src/routes/health.ts': `import type { FastifyPluginAsync } from 'fastify';

const health: FastifyPluginAsync = async (fastify) => {
  fastify.get('/health', async () => ({ ok: true }));
};

export default health;
`,
    };
    const { result, text } = wire(files, options('fastify'));
    expect(result).toEqual({ status: 'wired', appFile: 'src/app.ts' });
    expect(text).toBe(`import { join } from 'node:path';
import autoload from '@fastify/autoload';
import Fastify, { type FastifyServerOptions } from 'fastify';
import { backgroundTasks } from './background/fastify.js';

export async function buildApp(options: FastifyServerOptions = {}) {
  const app = Fastify({ logger: true, ...options });
  await app.register(backgroundTasks);

  await app.register(autoload, { dir: join(import.meta.dirname, 'plugins') });
  await app.register(autoload, { dir: join(import.meta.dirname, 'routes') });

  return app;
}
`);
  });

  it('wires at the calls of a factory called from two places, choosing the one that listens', () => {
    const { result, text } = wire(
      {
        'src/app.ts': `import Fastify from 'fastify';

export function buildApp() {
  const app = Fastify({ logger: true });
  app.get('/health', async () => ({ ok: true }));
  return app;
}
`,
        'src/server.ts': `import { buildApp } from './app.js';

const server = buildApp();
await server.listen({ port: 3000 });
`,
        'src/scripts/print-routes.ts': `import { buildApp } from '../app.js';

const app = buildApp();
await app.ready();
console.log(app.printRoutes());
`,
      },
      options('fastify'),
    );
    expect(result).toEqual({ status: 'wired', appFile: 'src/server.ts' });
    expect(text).toBe(`import { buildApp } from './app.js';
import { backgroundTasks } from './background/fastify.js';

const server = buildApp();
await server.register(backgroundTasks);
await server.listen({ port: 3000 });
`);
  });

  it('never takes a file bgtask generated for the app, nor counts the adapter installed there', () => {
    const files = {
      'src/app.ts': `import { OpenAPIHono } from '@hono/zod-openapi';
import { requestId } from 'hono/request-id';
import { reportStatusRoutes } from './tasks/report/report.status.js';

export const app = new OpenAPIHono<{ Variables: { requestId: string } }>();
app.use('*', requestId());
app.route('/', reportStatusRoutes);
`,
      'src/tasks/report/report.status.ts': `${GENERATED_HEADER}
import { Hono } from 'hono';
import { getReportStatus } from '../report.queue.js';

/** \`app.route('/', reportStatusRoutes)\`: GET /jobs/report/:id answers the job's state. */
export const reportStatusRoutes = new Hono();

reportStatusRoutes.get('/jobs/report/:id', async (c) => c.json(await getReportStatus(c.req.param('id'))));
`,
      'src/tasks/report/report.demo.ts': `${GENERATED_HEADER}
import { Hono } from 'hono';
import { backgroundTasks } from '../../background/hono.js';

export const demo = new Hono();
demo.use(backgroundTasks());
`,
    };
    const { result, text } = wire(files, options('hono', { appFile: 'src/tasks/report/report.status.ts' }));
    expect(result).toEqual({ status: 'wired', appFile: 'src/app.ts' });
    expect(text).toContain(`export const app = new OpenAPIHono<{ Variables: { requestId: string } }>();
app.use(backgroundTasks());
app.use('*', requestId());`);
  });

  it('recognises subclasses of Hono and OpenAPIHono, in the same file and across files', () => {
    const same = wire(
      {
        'src/index.ts': `import { Hono } from 'hono';

class Api extends Hono<{ Bindings: { DB: D1Database } }> {
  health() {
    return this.get('/health', (c) => c.text('ok'));
  }
}

const api = new Api().basePath('/v1');
api.health();

export default api;
`,
      },
      options('hono'),
    );
    expect(same.result).toEqual({ status: 'wired', appFile: 'src/index.ts' });
    expect(same.text).toContain(`const api = new Api().basePath('/v1');\napi.use(backgroundTasks());\napi.health();`);

    const across = wire(
      {
        'src/lib/app.ts': `import { OpenAPIHono } from '@hono/zod-openapi';\n\nexport class App extends OpenAPIHono {}\nexport class AdminApp extends App {}\n`,
        'src/index.ts': `import { serve } from '@hono/node-server';\nimport { AdminApp } from './lib/app.js';\n\nconst app = new AdminApp();\nserve({ fetch: app.fetch, port: 8787 });\n`,
      },
      options('hono'),
    );
    expect(across.result).toEqual({ status: 'wired', appFile: 'src/index.ts' });
    expect(across.text).toContain(`const app = new AdminApp();\napp.use(backgroundTasks());\nserve(`);
  });

  it('prefers the app used as one (middleware, error handler, served) over a sub-router mounted on it, whatever the imports', () => {
    const { result, text } = wire(
      {
        'src/app.ts': `import { Hono } from 'hono';
import { logger } from 'hono/logger';

export const app = new Hono();
app.use(logger());
app.onError((error, c) => c.json({ error: error.message }, 500));
`,
        'src/routes/health.ts': `import { Hono } from 'hono';
import { logger } from 'hono/logger';

export const health = new Hono();
health.use(logger());
health.get('/', (c) => c.json({ ok: true }));
`,
        'src/routes.ts': `import { app } from './app.js';
import { health } from './routes/health.js';

app.route('/health', health);
`,
        'src/index.ts': `import { serve } from '@hono/node-server';
import { app } from './app.js';
import './routes.js';

serve({ fetch: app.fetch, port: 3000 });
`,
      },
      options('hono'),
    );
    expect(result).toEqual({ status: 'wired', appFile: 'src/app.ts' });
    expect(text).toContain(`export const app = new Hono();\napp.use(backgroundTasks());\napp.use(logger());`);
  });

  it('lists the candidates when two apps are equally apps, and wires the one --app-file names', () => {
    const server = (port: number): string => `import cors from 'cors';
import express from 'express';

const app = express();
app.use(cors());
app.use(express.json());
app.listen(${port});
`;
    const files = { 'src/api/server.ts': server(3000), 'src/admin/server.ts': server(3001), 'src/api/server.test.ts': server(0) };
    const { result, changes } = wire(files, options('express'));
    expect(result).toEqual({
      status: 'manual',
      reason: 'several files create an Express app (src/admin/server.ts, src/api/server.ts)',
      lines: [
        `import { backgroundTasks } from './background/express.js'; // the path from that file to src/background/express.ts`,
        'app.use(backgroundTasks()); // right after the app is created, before the routes',
      ],
      candidates: ['src/admin/server.ts', 'src/api/server.ts'],
    });
    expect(changes.plan({ force: false })).toEqual([]);

    const picked = wire(files, options('express', { appFile: 'src/api/server.ts' }));
    expect(picked.result).toEqual({ status: 'wired', appFile: 'src/api/server.ts' });
    expect(picked.text).toContain(`import { backgroundTasks } from '../background/express.js';\n\nconst app = express();\napp.use(backgroundTasks());\napp.use(cors());`);
  });

  it('puts the middleware into a chain that registers routes, right after new Hono()', () => {
    const source = `import { Hono } from 'hono'
import { zValidator } from '@hono/zod-validator'
import { z } from 'zod'

const app = new Hono()
  .get('/hello', (c) => c.json({ message: 'Hello!' }))
  .post('/posts', zValidator('json', z.object({ title: z.string() })), (c) => c.json(c.req.valid('json'), 201))

export type AppType = typeof app
export default app
`;
    const { result, text } = wire({ 'src/index.ts': source }, options('hono', { importSuffix: '' }));
    expect(result).toEqual({ status: 'wired', appFile: 'src/index.ts' });
    expect(text).toContain(`import { z } from 'zod'\nimport { backgroundTasks } from './background/hono'\n\nconst app = new Hono().use(backgroundTasks())\n  .get('/hello'`);
    const again = new ChangeSet(makeProject({ 'src/index.ts': text ?? '' }));
    expect(planAppWiring(again, options('hono', { importSuffix: '' }))).toEqual({ status: 'already', appFile: 'src/index.ts' });
  });

  it('wires at the one call of an arrow factory that returns new Hono() directly', () => {
    const { result, text } = wire(
      {
        'src/lib/factory.ts': `import { Hono } from 'hono';\nimport type { Env } from './env';\n\nexport const makeApp = () => new Hono<Env>({ strict: false });\n`,
        'src/main.ts': `import { serve } from '@hono/node-server';\nimport { makeApp } from './lib/factory';\n\nconst app = makeApp();\napp.get('/', (c) => c.text('hi'));\nserve(app);\n`,
      },
      options('hono', { importSuffix: '' }),
    );
    expect(result).toEqual({ status: 'wired', appFile: 'src/main.ts' });
    expect(text).toBe(`import { serve } from '@hono/node-server';\nimport { makeApp } from './lib/factory';\nimport { backgroundTasks } from './background/hono';\n\nconst app = makeApp();\napp.use(backgroundTasks());\napp.get('/', (c) => c.text('hi'));\nserve(app);\n`);
  });

  it('describes an app returned without a variable, and the fallback uses its name', () => {
    const { result } = wire(
      { 'src/app.ts': `import { Hono } from 'hono';\n\nexport default function createApp() {\n  return new Hono().basePath('/api');\n}\n` },
      options('hono'),
    );
    expect(result).toEqual({
      status: 'manual',
      appFile: 'src/app.ts',
      reason: 'src/app.ts returns the app from createApp() without assigning it to a variable',
      lines: [`import { backgroundTasks } from './background/hono.js';`, 'app.use(backgroundTasks()); // right after the app is created, before the routes'],
    });
  });

  it('wires inside a static factory method called once, after its express()', () => {
    const { result, text } = wire(
      {
        'src/app-factory.ts': `import express, { type Express } from 'express';
import helmet from 'helmet';
import { apiRouter } from './routes/api.js';

export class AppFactory {
  static create(): Express {
    const app = express();
    app.use(helmet());
    app.use(express.json());
    app.use('/api', apiRouter);
    return app;
  }
}
`,
        'src/routes/api.ts': `import { Router } from 'express';

export const apiRouter = Router();
apiRouter.get('/ping', (_req, res) => res.send('pong'));
`,
        'src/main.ts': `import { AppFactory } from './app-factory.js';

const app = AppFactory.create();
app.listen(Number(process.env.PORT ?? 3000));
`,
      },
      options('express'),
    );
    expect(result).toEqual({ status: 'wired', appFile: 'src/app-factory.ts' });
    expect(text).toContain(`  static create(): Express {
    const app = express();
    app.use(backgroundTasks());
    app.use(helmet());`);
  });

  it('still finds the app across files when tsconfig.json is malformed', () => {
    const { result } = wire(
      {
        'tsconfig.json': '{ "compilerOptions": { "paths": { "@/*": ["./src/*"] }, }',
        'src/create-app.ts': `import { Hono } from 'hono';\n\nexport function createApp() {\n  const app = new Hono();\n  return app;\n}\n`,
        'src/index.ts': `import { createApp } from './create-app';\n\nexport default createApp();\n`,
      },
      options('hono'),
    );
    expect(result).toEqual({ status: 'wired', appFile: 'src/create-app.ts' });
  });

  it('wires the configured app file of hono-open-api-starter at its call of the factory', () => {
    const { result, text } = wire(HONO_OPEN_API_STARTER, options('hono', { importSuffix: '', appFile: 'src/app.ts' }));
    expect(result).toEqual({ status: 'wired', appFile: 'src/app.ts' });
    expect(text).toContain(`import tasks from "@/routes/tasks/tasks.index";
import { backgroundTasks } from "./background/hono";

const app = createApp();
app.use(backgroundTasks());

configureOpenAPI(app);`);
  });
});
