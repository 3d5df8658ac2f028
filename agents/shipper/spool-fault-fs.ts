/**
 * A SpoolFs that injects the disk faults tests need (ENOSPC, short writes, failing fsync or
 * truncate) on top of the real one. Test support only; never used by the agent.
 */
import { nodeSpoolFs, type SpoolFs } from "./spool-fs.ts";

/** The next faults to inject; each is consumed when it fires. */
export interface Faults {
  /** Fail the next write with this errno code, writing nothing. */
  writeError?: string;
  /** Write only this fraction of the next write's bytes, and report the short count. */
  shortWrite?: number;
  /** Fail the next fsync with this errno code (the data was written). */
  syncError?: string;
  /** Fail the next truncate of an open segment. */
  truncateError?: string;
}

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected fault`), { code });
}

/** Wraps the real file system with one-shot faults. */
export function faultyFs(faults: Faults, base: SpoolFs = nodeSpoolFs): SpoolFs {
  return {
    ...base,
    create: async (path) => {
      const file = await base.create(path);
      return {
        write: async (data) => {
          if (faults.writeError) {
            const code = faults.writeError;
            delete faults.writeError;
            throw errno(code);
          }
          if (faults.shortWrite !== undefined) {
            const n = Math.floor(data.length * faults.shortWrite);
            delete faults.shortWrite;
            return file.write(data.subarray(0, n));
          }
          return file.write(data);
        },
        sync: async () => {
          if (faults.syncError) {
            const code = faults.syncError;
            delete faults.syncError;
            throw errno(code);
          }
          return file.sync();
        },
        truncate: async (length) => {
          if (faults.truncateError) {
            const code = faults.truncateError;
            delete faults.truncateError;
            throw errno(code);
          }
          return file.truncate(length);
        },
        close: () => file.close(),
      };
    },
  };
}
