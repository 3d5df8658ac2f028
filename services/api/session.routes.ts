import { z } from "zod";
import { UnauthorizedError } from "./api-errors.ts";
import { bearerToken } from "./bearer-auth.ts";
import type { HttpApp } from "./http-app.ts";

export interface SessionRouteDeps {
  /** Checks a username and password (scrypt); resolves to the user or undefined. */
  login(username: string, password: string): Promise<string | undefined>;
  open(user: string): string;
  close(token: string): void;
}

/**
 * `POST /api/v1/session` exchanges the admin credentials for a session token (bearer for the
 * API, `auth.token` for `/console`). Rate limited per address before the password is hashed.
 */
export function registerSessionRoutes(app: HttpApp, deps: SessionRouteDeps): void {
  app.post(
    "/api/v1/session",
    {
      config: { rateLimit: { max: 10, timeWindow: "1 minute" } },
      schema: {
        summary: "Log in with the admin credentials; returns a session token",
        tags: ["session"],
        body: z.strictObject({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) }),
        response: { 200: z.object({ token: z.string(), user: z.string() }) },
      },
    },
    async (request) => {
      const user = await deps.login(request.body.username, request.body.password);
      if (user === undefined) throw new UnauthorizedError("wrong username or password");
      return { token: deps.open(user), user };
    },
  );
  app.delete("/api/v1/session", { schema: { summary: "Log out (ends the session of the bearer token)", tags: ["session"], security: [{ bearer: [] }] } }, async (request, reply) => {
    const token = bearerToken(request);
    if (token !== undefined) deps.close(token);
    return reply.code(204).send();
  });
}
