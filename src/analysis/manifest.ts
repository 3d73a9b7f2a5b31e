/** A package's declared range for `name`, from any of its dependency fields. */
export function dependencyRange(manifest: Record<string, unknown>, name: string): string | undefined {
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies']) {
    const dependencies = manifest[field];
    if (typeof dependencies === 'object' && dependencies !== null) {
      const range = (dependencies as Record<string, unknown>)[name];
      if (typeof range === 'string') return range;
    }
  }
  return undefined;
}

/**
 * The Express major a package runs: its declared range, else the installed copy. `express-async-errors`
 * patches Express 4 to forward rejections as Express 5 does, so it counts as 5.
 */
export function expressMajorOf(manifest: Record<string, unknown>, installed: Record<string, unknown> | undefined): number | undefined {
  if (dependencyRange(manifest, 'express-async-errors') !== undefined) return 5;
  const range = dependencyRange(manifest, 'express');
  const fromRange = range === undefined ? undefined : /^[\^~>=v\s]*(\d+)/.exec(range)?.[1];
  const fromInstalled = typeof installed?.version === 'string' ? /^(\d+)/.exec(installed.version)?.[1] : undefined;
  const major = fromRange ?? fromInstalled;
  return major === undefined ? undefined : Number(major);
}
