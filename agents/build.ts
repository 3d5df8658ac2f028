/**
 * `npm run build:agent`: bundles the agent into one ES module, dist/cityplane-agent.mjs, for
 * small machines at the edge of the metro network (DESIGN.md). Its only runtime dependencies
 * are the protocol libraries left external — net-snmp, ssh2 (optional native parts),
 * socket.io-client — and @opentelemetry/api, which the bundled prom-client loads only for
 * exemplars, so a deployment is the file plus `npm install` of those.
 * The build fails if anything from the control plane, the Pulumi stacks, the console or the
 * simulator found its way in.
 */
import { build, type Metafile, type Plugin } from "esbuild";
import { mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Packages loaded from node_modules at run time instead of being bundled. */
export const AGENT_EXTERNALS = ["net-snmp", "ssh2", "socket.io-client", "@opentelemetry/api"] as const;

/** Source directories the agent must never pull in. */
export const FORBIDDEN_DIRS = ["services/", "stacks/", "console/", "sim/", "cli/"] as const;

/**
 * External packages loaded late. esbuild hoists an external package's `import` to the top of
 * the bundle, so every external would load at start-up, needed or not:
 * - "import": ssh2 and socket.io-client, imported only by code the agent loads lazily (the SSH
 *   collector, the control client), are CommonJS modules within the bundle that `require` the
 *   package when first evaluated, i.e. when that code first runs;
 * - "use": net-snmp (SNMP targets, `/snmp`, traps) and @opentelemetry/api (which prom-client
 *   requires at start-up for exemplars, not enabled here) are loaded on the first use of one of
 *   their exports, whose names are read from the installed package at build time.
 */
const LAZY_EXTERNALS: Readonly<Record<string, "import" | "use">> = { ssh2: "import", "socket.io-client": "import", "net-snmp": "use", "@opentelemetry/api": "use" };

function lazyStub(pkg: string): string {
  const req = `require(${JSON.stringify(pkg)})`;
  if (LAZY_EXTERNALS[pkg] === "import") return `module.exports = ${req};\n`;
  const names = Object.keys(createRequire(import.meta.url)(pkg) as object);
  return `let m;\nfor (const k of ${JSON.stringify(names)}) Object.defineProperty(exports, k, { enumerable: true, get: () => (m ??= ${req})[k] });\n`;
}

const lazyExternals: Plugin = {
  name: "lazy-externals",
  setup(b) {
    const filter = new RegExp(`^(${Object.keys(LAZY_EXTERNALS).map((p) => p.replace(/[.]/g, "\\.")).join("|")})$`);
    b.onResolve({ filter }, (args) => (args.namespace === "lazy-externals" ? { path: args.path, external: true } : { path: args.path, namespace: "lazy-externals" }));
    b.onLoad({ filter: /.*/, namespace: "lazy-externals" }, (args) => ({ contents: lazyStub(args.path), loader: "js" }));
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
    external: AGENT_EXTERNALS.filter((p) => LAZY_EXTERNALS[p] === undefined),
    plugins: [lazyExternals],
    // Bundled CommonJS code (protobufjs, yaml's CJS paths) calls require(); ESM has none.
    banner: { js: 'import { createRequire as __cityplaneCreateRequire } from "node:module";\nconst require = __cityplaneCreateRequire(import.meta.url);' },
    metafile: true,
    // Smaller code is less to parse and keep: about 5 MB less resident memory at idle.
    minify: true,
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
