import { describe } from "vitest";
import { describeWithPostgres, postgresReachable } from "../../services/store/postgres-test-database.ts";
import { crashSuite } from "../control-plane-crash-suite.ts";

// RELIABILITY.md's ingest row at soak scale: twenty kill -9s per backend (CI does two).
describe("kill -9 of the server during ingest, 20 times (SQLite)", () => crashSuite("sqlite", "127.71.3.4", 20));
const problem = await postgresReachable();
describeWithPostgres(problem, "kill -9 of the server during ingest, 20 times (PostgreSQL)", () => crashSuite("postgres", "127.71.3.7", 20));
