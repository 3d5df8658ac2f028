import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { currentToken, usableToken } from "./agent-token.ts";

describe("agent token", () => {
  const dir = mkdtempSync(join(tmpdir(), "cityplane-token-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("takes the file's token without its newline and refuses what a header cannot carry", () => {
    expect(usableToken("abc.DEF-123\n")).toBe("abc.DEF-123");
    for (const bad of ["", "  \n", "abc def", "abc\ndef", "tôken"]) expect(() => usableToken(bad)).toThrow(/token is empty or holds characters not allowed in an HTTP header/);
  });

  it("follows a rotation on disk and keeps the last usable token while the file is missing, empty or unusable", () => {
    const file = join(dir, "agent.token");
    writeFileSync(file, "first\n");
    const token = currentToken(file, "first");
    expect(token()).toBe("first");
    writeFileSync(file, "second\n");
    expect(token()).toBe("second");
    writeFileSync(file, ""); // truncated mid-rotation
    expect(token()).toBe("second");
    writeFileSync(file, "half written\n");
    expect(token()).toBe("second");
    unlinkSync(file);
    expect(token()).toBe("second");
    writeFileSync(file, "third");
    expect(token()).toBe("third");
  });

  it("without a file the token is fixed for the run", () => {
    expect(currentToken(undefined, "from-env")()).toBe("from-env");
  });
});
