import { timingSafeEqual } from "node:crypto";
import ssh2 from "ssh2";
import type { SimDevice } from "../model/sim-device.ts";
import type { DeviceCli } from "./ios-cli.ts";

const { Server, utils } = ssh2;

export interface DeviceSshOptions {
  host: string;
  port: number;
  hostKey: string;
  username: string;
  password: string;
  /** OpenSSH public key lines accepted for `username`. */
  authorizedKeys: string[];
  /** Makes the CLI for one session. */
  cli: (user: string, source: string) => DeviceCli;
  /** Banner shown before the first prompt. */
  banner?: string;
}

export interface DeviceSsh {
  close(): Promise<void>;
}

function same(a: string | Buffer, b: string | Buffer): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * An SSH server for one device (ssh2 Server): password and public-key authentication, a shell
 * with or without a PTY, and `exec` of a single command. Failed logins are reported to the
 * device (→ authenticationFailure trap, syslog with the source address).
 */
export function startDeviceSsh(device: SimDevice, opts: DeviceSshOptions): Promise<DeviceSsh> {
  const keys = opts.authorizedKeys.flatMap((line) => {
    const k = utils.parseKey(line);
    return k instanceof Error ? [] : [Array.isArray(k) ? k[0] : k];
  });
  const clients = new Set<ssh2.Connection>();
  const server = new Server({ hostKeys: [opts.hostKey], ident: "Cisco-1.25" }, (client, info) => {
    clients.add(client);
    const source = info.ip;
    let user = "";
    let authenticated = false;
    let reported = false;
    let keyRefused = false;
    const failed = (name: string): void => {
      reported = true;
      device.report({ type: "auth-failure", protocol: "ssh", source, user: name });
    };
    client.on("error", () => undefined);
    client.on("close", () => {
      clients.delete(client);
      // A client whose keys were all refused gives up without signing: IOS still logs a failed login.
      if (!authenticated && keyRefused && !reported) failed(user);
    });
    client.on("authentication", (ctx) => {
      user = ctx.username;
      const okUser = same(ctx.username, opts.username);
      if (ctx.method === "password") {
        if (okUser && same(ctx.password, opts.password)) return accept();
        failed(ctx.username);
        return ctx.reject(["password", "publickey"]);
      }
      if (ctx.method === "publickey") {
        const key = keys.find((k) => k && k.type === ctx.key.algo && same(k.getPublicSSH(), ctx.key.data));
        if (!okUser || !key) {
          keyRefused = true;
          return ctx.reject(["password", "publickey"]);
        }
        if (!ctx.signature) return ctx.accept();
        if (ctx.blob && key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) return accept();
        failed(ctx.username);
        return ctx.reject(["password", "publickey"]);
      }
      return ctx.reject(["password", "publickey"]);
      function accept(): void {
        authenticated = true;
        ctx.accept();
        device.report({ type: "login", protocol: "ssh", source, user: ctx.username });
      }
    });
    client.on("ready", () => {
      client.on("session", (acceptSession) => {
        const session = acceptSession();
        let pty = false;
        session.on("pty", (accept) => {
          pty = true;
          accept?.();
        });
        session.on("exec", (accept, _reject, info) => {
          const stream = accept();
          const cli = opts.cli(user, source);
          const lines = info.command.split(/\r?\n|;/);
          const out = lines.map((l) => cli.input(l)).filter((s) => s !== "").join("\r\n");
          stream.write(out === "" ? "" : `${out}\r\n`);
          stream.exit(0);
          stream.end();
        });
        session.on("shell", (accept) => {
          const stream = accept();
          const cli = opts.cli(user, source);
          stream.write(`${opts.banner ?? ""}\r\n${cli.prompt()}`);
          let buf = "";
          let lastWasCr = false;
          stream.on("data", (data: Buffer) => {
            for (const ch of data.toString("utf8")) {
              if (ch === "\r" || ch === "\n") {
                if (ch === "\n" && buf === "" && lastWasCr) {
                  lastWasCr = false;
                  continue;
                }
                lastWasCr = ch === "\r";
                const line = buf;
                buf = "";
                if (pty) stream.write("\r\n");
                const out = cli.input(line);
                if (cli.closed) {
                  stream.exit(0);
                  stream.end();
                  return;
                }
                stream.write(`${out === "" ? "" : `${pty ? "" : "\r\n"}${out}\r\n`}${cli.prompt()}`);
              } else if (ch === "\x7f" || ch === "\b") {
                if (buf.length > 0) {
                  buf = buf.slice(0, -1);
                  if (pty) stream.write("\b \b");
                }
              } else if (ch === "\x03" || ch === "\x1a") {
                // Ctrl-C / Ctrl-Z: leave configuration mode, as IOS does.
                buf = "";
                const out = cli.input("end");
                stream.write(`${out}\r\n${cli.prompt()}`);
              } else if (ch >= " ") {
                buf += ch;
                if (pty) stream.write(ch);
              }
            }
          });
          stream.on("error", () => undefined);
        });
      });
    });
  });
  server.on("error", () => undefined);
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => reject(new Error(`SSH server for ${device.device.name} cannot listen on ${opts.host}:${opts.port}/tcp: ${err.code ?? err.message}`));
    server.once("error", onError);
    server.listen(opts.port, opts.host, () => {
      server.off("error", onError);
      resolve({
        close: () =>
          new Promise<void>((res) => {
            for (const c of clients) c.end();
            server.close(() => res());
          }),
      });
    });
  });
}
