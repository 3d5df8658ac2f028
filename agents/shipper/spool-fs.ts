/**
 * The file-system adapter under the spool. The production one is node:fs/promises; tests wrap
 * it to inject the faults a real disk cannot be made to produce on demand (ENOSPC, short writes,
 * failing fsync).
 */
import { mkdir, open, readdir, readFile, rename, rm, stat, truncate, writeFile } from "node:fs/promises";

/** A segment open for appending. */
export interface SpoolFile {
  /** Appends; resolves with the bytes actually written (may be short). */
  write(data: Uint8Array): Promise<number>;
  /** Makes written data durable (fdatasync). */
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

/** The operations the spool performs on disk. */
export interface SpoolFs {
  mkdir(dir: string): Promise<void>;
  list(dir: string): Promise<string[]>;
  readFile(path: string): Promise<Uint8Array>;
  /** Reads `length` bytes at `position` (fewer only at end of file). */
  read(path: string, position: number, length: number): Promise<Uint8Array>;
  /** Creates a new file (fails if it exists) and opens it for appending. */
  create(path: string): Promise<SpoolFile>;
  truncate(path: string, length: number): Promise<void>;
  size(path: string): Promise<number>;
  unlink(path: string): Promise<void>;
  /** Replaces a small file atomically (write a temporary, rename over). */
  replace(path: string, data: Uint8Array): Promise<void>;
  /** Makes a directory's entries durable (new or removed files). */
  syncDir(dir: string): Promise<void>;
}

/** The real file system. */
export const nodeSpoolFs: SpoolFs = {
  mkdir: async (dir) => void (await mkdir(dir, { recursive: true })),
  list: (dir) => readdir(dir),
  readFile: (path) => readFile(path),
  read: async (path, position, length) => {
    const fh = await open(path, "r");
    try {
      const buf = Buffer.alloc(length);
      const { bytesRead } = await fh.read(buf, 0, length, position);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  },
  create: async (path) => {
    const fh = await open(path, "ax");
    return {
      write: async (data) => (await fh.write(data)).bytesWritten,
      sync: () => fh.datasync(),
      truncate: (length) => fh.truncate(length),
      close: () => fh.close(),
    };
  },
  truncate: (path, length) => truncate(path, length),
  size: async (path) => (await stat(path)).size,
  unlink: (path) => rm(path, { force: true }),
  replace: async (path, data) => {
    await writeFile(`${path}.tmp`, data);
    await rename(`${path}.tmp`, path);
  },
  syncDir: async (dir) => {
    const fh = await open(dir, "r");
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  },
};
