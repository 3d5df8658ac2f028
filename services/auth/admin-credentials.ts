import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { join } from "node:path";
import { z } from "zod";
import { readJsonFile, writeSecretFile } from "./secret-file.ts";

/**
 * The administrator's credentials: generated once into dataDir, stored only as a scrypt hash
 * (N = 2^17, r = 8, p = 1, as RELIABILITY.md requires; maxmem is raised because Node's 32 MB
 * default throws at N = 2^17). Delete the file and restart to generate a new password.
 */
export const ADMIN_CREDENTIALS_FILE = "admin-credentials.json";
export const ADMIN_USER = "admin";
const PARAMS = { N: 2 ** 17, r: 8, p: 1, keylen: 32 } as const;

const fileSchema = z.strictObject({
  username: z.string().min(1),
  scrypt: z.strictObject({ N: z.number().int(), r: z.number().int(), p: z.number().int(), salt: z.string(), hash: z.string() }),
  createdAt: z.string(),
});
export type AdminCredentialFile = z.infer<typeof fileSchema>;

function scryptAsync(password: string, salt: Buffer, keylen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, keylen, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

function maxmem(N: number, r: number): number {
  return 128 * N * r * 2;
}

/** Hashes a password with the current parameters. */
export async function hashPassword(password: string): Promise<AdminCredentialFile["scrypt"]> {
  const salt = randomBytes(16);
  const key = await scryptAsync(password, salt, PARAMS.keylen, { N: PARAMS.N, r: PARAMS.r, p: PARAMS.p, maxmem: maxmem(PARAMS.N, PARAMS.r) });
  return { N: PARAMS.N, r: PARAMS.r, p: PARAMS.p, salt: salt.toString("base64"), hash: key.toString("base64") };
}

/** True when `password` matches the stored hash (constant-time comparison). */
export async function verifyPassword(password: string, stored: AdminCredentialFile["scrypt"]): Promise<boolean> {
  const expected = Buffer.from(stored.hash, "base64");
  const key = await scryptAsync(password, Buffer.from(stored.salt, "base64"), expected.length, { N: stored.N, r: stored.r, p: stored.p, maxmem: maxmem(stored.N, stored.r) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** The outcome of `ensureAdminCredentials`: the password is present only when it was just generated. */
export interface AdminCredentials {
  path: string;
  username: string;
  /** Set only the first time (generated now); never readable afterwards. */
  generatedPassword?: string;
  /** The file was created by this call (from a generated or a given password). */
  created: boolean;
  stored: AdminCredentialFile;
}

/** Loads the admin credentials from dataDir, generating a random password the first time. */
export async function ensureAdminCredentials(dataDir: string, opts: { password?: string } = {}): Promise<AdminCredentials> {
  const path = join(dataDir, ADMIN_CREDENTIALS_FILE);
  const raw = await readJsonFile(path);
  if (raw !== undefined) {
    const parsed = fileSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`${path}: not a valid credentials file; delete it to generate new credentials`);
    return { path, username: parsed.data.username, stored: parsed.data, created: false };
  }
  // 18 random bytes = 24 base64url characters: 144 bits, typable, no ambiguous padding.
  const password = opts.password ?? randomBytes(18).toString("base64url");
  const stored: AdminCredentialFile = { username: ADMIN_USER, scrypt: await hashPassword(password), createdAt: new Date().toISOString() };
  await writeSecretFile(path, `${JSON.stringify(stored, null, 2)}\n`);
  return { path, username: ADMIN_USER, generatedPassword: opts.password === undefined ? password : undefined, stored, created: true };
}
