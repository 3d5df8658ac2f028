import ssh2 from "ssh2";
import { derive } from "../sim-credentials.ts";

/**
 * A password-guessing burst against a device's SSH server, over real SSH connections from an
 * attacker's address (another loopback address), so the device sees and logs exactly what a
 * real one would. Resolves when every attempt has been refused.
 */
export async function sshBruteForce(target: { host: string; port: number }, from: string, attempts: number, seed: number): Promise<number> {
  const users = ["admin", "root", "cisco", "netops", "support"];
  let refused = 0;
  const attempt = (k: number): Promise<void> =>
    new Promise((resolve) => {
      const c = new ssh2.Client();
      const done = (): void => {
        c.end();
        resolve();
      };
      c.on("error", () => {
        refused++;
        done();
      });
      c.on("ready", done);
      c.connect({ host: target.host, port: target.port, localAddress: from, username: users[k % users.length] ?? "admin", password: derive(seed, `guess/${k}`, 10), readyTimeout: 5000, tryKeyboard: false });
    });
  // Four at a time: a burst, not a flood that would starve the rest of the city.
  for (let k = 0; k < attempts; k += 4) await Promise.all(Array.from({ length: Math.min(4, attempts - k) }, (_, j) => attempt(k + j)));
  return refused;
}
