import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { FileSystemHost, RuntimeDirEntry } from 'ts-morph';
import { globSync } from 'tinyglobby';
import { noteInput } from './cache.js';

/**
 * The file system a lint project reads: the linted files' texts as bgtask read (or fixed) them, and
 * everything else (declarations, `node_modules`, `package.json`) from disk. ts-morph, asked to put
 * a text at a path that exists on disk, first parses the file on disk and then the text; served
 * from here, each file is parsed once. Read-only: linting writes nothing.
 */
export class LintFileSystem implements FileSystemHost {
  constructor(private readonly texts: ReadonlyMap<string, string>) {}

  isCaseSensitive(): boolean {
    return process.platform !== 'win32' && process.platform !== 'darwin';
  }

  readFileSync(filePath: string): string {
    const text = this.texts.get(filePath);
    if (text !== undefined) return text;
    // Declarations, manifests, sources outside the linted ones: `--cache` keys on them too.
    noteInput(filePath);
    return readFileSync(filePath, 'utf8');
  }

  async readFile(filePath: string): Promise<string> {
    return this.readFileSync(filePath);
  }

  fileExistsSync(filePath: string): boolean {
    if (this.texts.has(filePath)) return true;
    try {
      return statSync(filePath).isFile();
    } catch {
      return false;
    }
  }

  async fileExists(filePath: string): Promise<boolean> {
    return this.fileExistsSync(filePath);
  }

  directoryExistsSync(dirPath: string): boolean {
    try {
      return statSync(dirPath).isDirectory();
    } catch {
      return false;
    }
  }

  async directoryExists(dirPath: string): Promise<boolean> {
    return this.directoryExistsSync(dirPath);
  }

  readDirSync(dirPath: string): RuntimeDirEntry[] {
    return readdirSync(dirPath, { withFileTypes: true }).map((entry) => ({
      name: entry.name,
      isFile: entry.isFile(),
      isDirectory: entry.isDirectory(),
      isSymlink: entry.isSymbolicLink(),
    }));
  }

  realpathSync(path: string): string {
    try {
      return realpathSync(path);
    } catch {
      return path;
    }
  }

  getCurrentDirectory(): string {
    return resolve('.');
  }

  globSync(patterns: ReadonlyArray<string>): string[] {
    return globSync([...patterns], { absolute: true });
  }

  async glob(patterns: ReadonlyArray<string>): Promise<string[]> {
    return this.globSync(patterns);
  }

  // Linting never writes: a call here is a bug, and must not touch the user's files.
  deleteSync(path: string): void {
    throw readOnly('delete', path);
  }

  async delete(path: string): Promise<void> {
    throw readOnly('delete', path);
  }

  writeFileSync(filePath: string): void {
    throw readOnly('write', filePath);
  }

  async writeFile(filePath: string): Promise<void> {
    throw readOnly('write', filePath);
  }

  mkdirSync(dirPath: string): void {
    throw readOnly('create', dirPath);
  }

  async mkdir(dirPath: string): Promise<void> {
    throw readOnly('create', dirPath);
  }

  moveSync(srcPath: string): void {
    throw readOnly('move', srcPath);
  }

  async move(srcPath: string): Promise<void> {
    throw readOnly('move', srcPath);
  }

  copySync(srcPath: string): void {
    throw readOnly('copy', srcPath);
  }

  async copy(srcPath: string): Promise<void> {
    throw readOnly('copy', srcPath);
  }
}

function readOnly(action: string, path: string): Error {
  return new Error(`The lint file system is read-only: cannot ${action} ${path}.`);
}
