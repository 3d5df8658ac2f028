import { describe } from "vitest";
import { crashSuite } from "./control-plane-crash-suite.ts";

describe("kill -9 of the server during ingest (SQLite)", () => crashSuite("sqlite", "127.50.0.4"));
