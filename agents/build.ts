/**
 * `npm run build:agent`: bundles the agent into one ES module, dist/cityplane-agent.mjs, for
 * small machines at the edge of the metro network (DESIGN.md). Its only runtime dependencies
 * are the protocol libraries left external — net-snmp, ssh2 (optional native parts),
 * socket.io-client and prom-client — so a deployment is the file plus `npm install` of those.
 * The build fails if anything from the control plane, the Pulumi stacks, the console or the
 * simulator found its way in.
 */
import { build, type Metafile, type Plugin } from "esbuild";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Packages loaded from node_modules at run time instead of being bundled. */
export const AGENT_EXTERNALS = ["net-snmp", "ssh2", "socket.io-client", "prom-client"] as const;

/** Source directories the agent must never pull in. */
export const FORBIDDEN_DIRS = ["services/", "stacks/", "console/", "sim/", "cli/"] as const;

/**
 * esbuild hoists an external package's `import` to the top of the bundle, so ssh2 would load
 * at start-up even though agent.ts imports the SSH collector lazily. Within the bundle, ssh2 is
 * therefore a module that `require`s it when first evaluated (CommonJS, as ssh2 is).
 */
const lazySsh2: Plugin = {
  name: "lazy-ssh2",
  setup(b) {
    b.onResolve({ filter: /^ssh2$/ }, (args) => (args.namespace === "lazy-ssh2" ? { path: "ssh2", external: true } : { path: "ssh2", namespace: "lazy-ssh2" }));
    b.onLoad({ filter: /.*/, namespace: "lazy-ssh2" }, () => ({ contents: 'import { createRequire } from "node:module";\nexport default createRequire(import.meta.url)("ssh2");\n', loader: "js" }));
  },
};

/** Input paths of a metafile that come from a forbidden directory. */
export function forbiddenInputs(metafile: Metafile): string[] {
  return Object.keys(metafile.inputs).filter((p) => FORBIDDEN_DIRS.some((d) => p.startsWith(d)));
}

/** Bundles the agent to `outfile`; rejects with the offending paths when a forbidden input is found. */
export async function buildAgent(outfile = join(ROOT, "dist/cityplane-agent.mjs")): Promise<{ outfile: string; metafile: Metafile; bytes: number }> {
  mkdirSync(dirname(outfile), { recursive: true });
  const result = await build({
    absWorkingDir: ROOT,
    stdin: {
      // The entry stays this small on purpose: everything it runs is type-checked in agents/main.ts.
      contents: 'import { agentMain } from "./agents/main.ts";\nprocess.exitCode = await agentMain(process.argv.slice(2));\n',
      resolveDir: ROOT,
      sourcefile: "cityplane-agent-entry.ts",
      loader: "ts",
    },
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    outfile,
    external: AGENT_EXTERNALS.filter((p) => p !== "ssh2"),
    plugins: [lazySsh2],
    // Bundled CommonJS code (protobufjs, yaml's CJS paths) calls require(); ESM has none.
    banner: { js: 'import { createRequire as __cityplaneCreateRequire } from "node:module";\nconst require = __cityplaneCreateRequire(import.meta.url);' },
    metafile: true,
    legalComments: "linked",
    sourcemap: "linked",
    logLevel: "warning",
  });
  const bad = forbiddenInputs(result.metafile);
  if (bad.length > 0) throw new Error(`the agent bundle must not include ${bad.join(", ")}`);
  writeFileSync(`${outfile}.meta.json`, JSON.stringify(result.metafile));
  const bytes = result.metafile.outputs[relative(ROOT, outfile)]?.bytes ?? 0;
  return { outfile, metafile: result.metafile, bytes };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { outfile, bytes } = await buildAgent();
  process.stdout.write(`${relative(process.cwd(), outfile)} (${(bytes / 1024).toFixed(0)} KiB); run: node ${relative(process.cwd(), outfile)} --config agent.yaml\n`);
}
