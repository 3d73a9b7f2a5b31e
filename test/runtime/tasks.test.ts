import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BackgroundTask, BackgroundTasks, TaskAfterResponseError } from '../../templates/runtime/tasks.js';

const crashes = vi.fn();
beforeAll(() => {
  process.on('unhandledRejection', crashes);
  process.on('uncaughtException', crashes);
});
afterAll(() => {
  process.off('unhandledRejection', crashes);
  process.off('uncaughtException', crashes);
});
afterEach(async () => {
  // Give a stray rejection the turn it needs to be reported before checking.
  await new Promise((resolve) => setImmediate(resolve));
  expect(crashes).not.toHaveBeenCalled();
  vi.restoreAllMocks();
});

function tick(ms = 0): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function throwsSync(): never {
  throw new Error('sync failure');
}

async function rejectsAsync(): Promise<never> {
  await tick();
  throw new Error('async failure');
}

describe('BackgroundTask', () => {
  it('calls the function with its arguments and awaits it', async () => {
    const seen: unknown[] = [];
    async function sendEmail(to: string, attempt: number): Promise<void> {
      await tick();
      seen.push(to, attempt);
    }
    const task = new BackgroundTask(sendEmail, 'a@example.com', 2);
    expect(task.name).toBe('sendEmail');
    await task.run();
    expect(seen).toEqual(['a@example.com', 2]);
  });

  it('awaits a returned thenable, resolves to nothing, and rejects on a throw or a rejection', async () => {
    const order: string[] = [];
    // A thenable that is not a native promise (a query builder, say): run() waits for it too.
    const query = {
      then(resolve: (value: string) => void): void {
        setTimeout(() => {
          order.push('query done');
          resolve('rows');
        }, 5);
      },
    };
    const pending = new BackgroundTask(() => query).run();
    order.push('run returned');
    await expect(pending).resolves.toBeUndefined();
    expect(order).toEqual(['run returned', 'query done']);
    await expect(new BackgroundTask(throwsSync).run()).rejects.toThrow('sync failure');
    await expect(new BackgroundTask(rejectsAsync).run()).rejects.toThrow('async failure');
  });

  it('names anonymous functions and rejects non-functions', () => {
    expect(new BackgroundTask(() => undefined).name).toBe('<anonymous>');
    // @ts-expect-error -- the result of calling the task instead of the task
    expect(() => new BackgroundTask(Promise.resolve())).toThrow(/must be a function/);
  });
});

describe('BackgroundTasks', () => {
  it('type-checks arguments against the function', () => {
    const tasks = new BackgroundTasks();
    function notify(userId: string, times: number, note?: string): string {
      return `${userId}:${times}:${note ?? ''}`;
    }
    tasks.addTask(notify, 'u1', 1);
    tasks.addTask(notify, 'u1', 1, 'hi');
    // @ts-expect-error -- missing argument
    tasks.addTask(notify, 'u1');
    // @ts-expect-error -- wrong argument type
    tasks.addTask(notify, 1, 1);
    // @ts-expect-error -- too many arguments
    tasks.addTask(notify, 'u1', 1, 'hi', 'extra');
    expect(tasks.size).toBe(5);
  });

  it('runs tasks one after another in insertion order, awaiting async ones', async () => {
    const log: string[] = [];
    const tasks = new BackgroundTasks();
    tasks.addTask((name: string) => log.push(`${name}`), 'first');
    tasks.addTask(async (name: string) => {
      log.push(`${name}:start`);
      await tick(20);
      log.push(`${name}:end`);
    }, 'slow');
    tasks.addTask(async (name: string) => {
      log.push(`${name}:start`);
      await tick();
      log.push(`${name}:end`);
    }, 'fast');
    tasks.addTask((name: string) => log.push(name), 'last');
    expect(tasks.size).toBe(4);

    await tasks.run();
    expect(log).toEqual(['first', 'slow:start', 'slow:end', 'fast:start', 'fast:end', 'last']);
    expect(tasks.size).toBe(0);
  });

  it('runs a long list of tasks, failing ones among them, in order and without overflowing the stack', async () => {
    const ran: number[] = [];
    const failures: unknown[] = [];
    const tasks = new BackgroundTasks({ onError: (error) => failures.push(error) });
    for (let i = 0; i < 20_000; i += 1) {
      tasks.addTask((n: number) => {
        ran.push(n);
        if (n % 1000 === 0) throw new Error(`task ${n}`);
      }, i);
    }

    await tasks.run();
    expect(ran).toHaveLength(20_000);
    expect(ran.every((n, index) => n === index)).toBe(true);
    expect(failures).toHaveLength(20);
    expect(tasks.size).toBe(0);
  });

  it('runs synchronous and asynchronous tasks interleaved in order, whichever way each fails', async () => {
    const ran: string[] = [];
    const failed: string[] = [];
    const tasks = new BackgroundTasks({ onError: (_error, task) => failed.push(task.name) });
    tasks.addTask(function syncOk() {
      ran.push('syncOk');
    });
    tasks.addTask(async function asyncOk() {
      await tick();
      ran.push('asyncOk');
    });
    tasks.addTask(function syncThrows() {
      ran.push('syncThrows');
      throw new Error('sync');
    });
    tasks.addTask(async function asyncRejects() {
      ran.push('asyncRejects');
      await tick();
      throw new Error('async');
    });
    tasks.addTask(function last() {
      ran.push('last');
    });

    await tasks.run();
    expect(ran).toEqual(['syncOk', 'asyncOk', 'syncThrows', 'asyncRejects', 'last']);
    expect(failed).toEqual(['syncThrows', 'asyncRejects']);
    expect(tasks.size).toBe(0);
  });

  it('waits for a returned thenable that is not a native promise, and reports one whose then throws', async () => {
    const order: string[] = [];
    const failed: string[] = [];
    const tasks = new BackgroundTasks({ onError: (_error, task) => failed.push(task.name) });
    tasks.addTask(function query() {
      return {
        then(resolve: () => void): void {
          setTimeout(() => {
            order.push('query');
            resolve();
          }, 5);
        },
      };
    });
    tasks.addTask(function brokenThenable() {
      order.push('brokenThenable');
      return {
        get then(): never {
          throw new Error('then getter');
        },
      };
    });
    tasks.addTask(function last() {
      order.push('last');
    });

    await expect(tasks.run()).resolves.toBeUndefined();
    expect(order).toEqual(['query', 'brokenThenable', 'last']);
    expect(failed).toEqual(['brokenThenable']);
  });

  it('keeps the order when a task calls run() on its own collection', async () => {
    const order: string[] = [];
    const tasks = new BackgroundTasks();
    let nested: Promise<void> | undefined;
    tasks.addTask(function callsRun() {
      order.push('callsRun');
      nested = tasks.run().then(() => {
        order.push('nested run() settled');
      });
    });
    tasks.addTask(async function slow() {
      await new Promise((resolve) => setTimeout(resolve, 10));
      order.push('slow');
    });
    tasks.addTask(function last() {
      order.push('last');
    });

    await tasks.run();
    await nested;
    expect(order).toEqual(['callsRun', 'slow', 'last', 'nested run() settled']);
  });

  it('reports a throwing and a rejecting task to onError and still runs the rest', async () => {
    const ran: string[] = [];
    const onError = vi.fn();
    const tasks = new BackgroundTasks({ onError });
    tasks.addTask(throwsSync);
    tasks.addTask(rejectsAsync);
    tasks.addTask(() => ran.push('after'));

    await expect(tasks.run()).resolves.toBeUndefined();
    expect(ran).toEqual(['after']);
    expect(onError).toHaveBeenCalledTimes(2);
    const [[syncError, syncTask], [asyncError, asyncTask]] = onError.mock.calls as [[Error, BackgroundTask], [Error, BackgroundTask]];
    expect(syncError.message).toBe('sync failure');
    expect(syncTask.name).toBe('throwsSync');
    expect(asyncError.message).toBe('async failure');
    expect(asyncTask.name).toBe('rejectsAsync');
  });

  it('logs failures with the task name by default', async () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const tasks = new BackgroundTasks();
    tasks.addTask(rejectsAsync);
    await tasks.run();
    expect(consoleError).toHaveBeenCalledTimes(1);
    expect(consoleError.mock.calls[0]?.[0]).toContain('"rejectsAsync"');
    expect(consoleError.mock.calls[0]?.[1]).toBeInstanceOf(Error);
  });

  it('survives an onError that throws or rejects', async () => {
    const consoleError = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const ran: string[] = [];
    const throwing = new BackgroundTasks({
      onError: () => {
        throw new Error('reporter down');
      },
    });
    throwing.addTask(throwsSync);
    throwing.addTask(() => ran.push('after throwing reporter'));
    await expect(throwing.run()).resolves.toBeUndefined();

    const rejecting = new BackgroundTasks({ onError: async () => Promise.reject(new Error('reporter down')) });
    rejecting.addTask(throwsSync);
    rejecting.addTask(() => ran.push('after rejecting reporter'));
    await expect(rejecting.run()).resolves.toBeUndefined();

    expect(ran).toEqual(['after throwing reporter', 'after rejecting reporter']);
    expect(consoleError).toHaveBeenCalledTimes(2);
    expect(consoleError.mock.calls[0]?.[0]).toContain('"throwsSync"');
  });

  it('throws TaskAfterResponseError naming the task once sealed', () => {
    const tasks = new BackgroundTasks();
    function sendReceipt(orderId: number): number {
      return orderId;
    }
    tasks.addTask(sendReceipt, 1);
    expect(tasks.sealed).toBe(false);
    tasks.seal();
    expect(tasks.sealed).toBe(true);

    let caught: unknown;
    try {
      tasks.addTask(sendReceipt, 2);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TaskAfterResponseError);
    expect(caught).toBeInstanceOf(Error);
    const error = caught as TaskAfterResponseError;
    expect(error.name).toBe('TaskAfterResponseError');
    expect(error.taskName).toBe('sendReceipt');
    expect(error.message).toContain('"sendReceipt"');
    expect(error.message).toMatch(/before sending the response/);
    expect(error.message).toMatch(/durable job/);
    expect(tasks.size).toBe(1);
  });

  it('seals when run, so a running task cannot append to its own list', async () => {
    const ran: string[] = [];
    const onError = vi.fn();
    const tasks = new BackgroundTasks({ onError });
    function audit(): void {
      ran.push('audit');
    }
    tasks.addTask(function charge() {
      ran.push('charge');
      tasks.addTask(audit);
    });
    await tasks.run();

    expect(ran).toEqual(['charge']);
    const [error, task] = onError.mock.calls[0] as [TaskAfterResponseError, BackgroundTask];
    expect(task.name).toBe('charge');
    expect(error).toBeInstanceOf(TaskAfterResponseError);
    expect(error.message).toContain('"audit" from inside a running background task');
    expect(error.message).toMatch(/await it/);
    expect(() => tasks.addTask(audit)).toThrow(/"audit": the response has already been sent/);
  });

  it('runs each task at most once, however often run() is called', async () => {
    let count = 0;
    const tasks = new BackgroundTasks();
    tasks.addTask(async () => {
      await tick();
      count += 1;
    });
    const first = tasks.run();
    const concurrent = tasks.run();
    expect(concurrent).toBe(first);
    await Promise.all([first, concurrent]);
    await tasks.run();
    expect(count).toBe(1);
  });

  it('keeps collections apart', async () => {
    const ran: string[] = [];
    const a = new BackgroundTasks();
    const b = new BackgroundTasks();
    a.addTask(() => ran.push('a'));
    b.addTask(() => ran.push('b1'));
    b.addTask(() => ran.push('b2'));
    expect([a.size, b.size]).toEqual([1, 2]);
    await a.run();
    expect(ran).toEqual(['a']);
    expect(b.sealed).toBe(false);
    await b.run();
    expect(ran).toEqual(['a', 'b1', 'b2']);
  });
});
