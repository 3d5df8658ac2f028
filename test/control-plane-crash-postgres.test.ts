import { describeWithPostgres, postgresReachable } from "../services/store/postgres-test-database.ts";
import { crashSuite } from "./control-plane-crash-suite.ts";

const problem = await postgresReachable();
describeWithPostgres(problem, "kill -9 of the server during ingest (PostgreSQL)", () => crashSuite("postgres", "127.50.0.7"));
