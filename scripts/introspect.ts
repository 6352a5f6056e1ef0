/**
 * Runs the Dagger TypeScript SDK's own introspector (what `dagger functions` runs in the module
 * runtime) over src/ and prints the module it registers as JSON. Used by test/introspect.test.ts.
 *
 * The runtime introspects against the SDK's generated TypeScript (`client.gen.ts`, from
 * `dagger develop`); npm ships it as `client.gen.d.ts`. So this builds a throwaway module directory:
 * a copy of src/, the repo's node_modules linked in, and a copy of the SDK whose declarations are
 * also present under the name the introspector recognises.
 */
import { spawnSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const work = mkdtempSync(join(tmpdir(), "backend-ci-introspect-"));
try {
  cpSync(join(repo, "src"), join(work, "src"), { recursive: true });
  writeFileSync(join(work, "package.json"), JSON.stringify({ type: "module" }));
  const modules = join(work, "node_modules");
  mkdirSync(join(modules, "@dagger.io"), { recursive: true });
  for (const name of readdirSync(join(repo, "node_modules"))) {
    if (name !== "@dagger.io" && !name.startsWith(".")) symlinkSync(join(repo, "node_modules", name), join(modules, name));
  }
  const sdk = join(modules, "@dagger.io/dagger");
  cpSync(join(repo, "node_modules/@dagger.io/dagger"), sdk, { recursive: true, dereference: true });
  const api = join(sdk, "dist/src/api");
  writeFileSync(join(api, "client.gen.ts"), readFileSync(join(api, "client.gen.d.ts"), "utf8"));
  // tsx takes decorator settings from the tsconfig of the directory it runs in.
  writeFileSync(join(work, "tsconfig.json"), JSON.stringify({ compilerOptions: { experimentalDecorators: true, target: "ES2022", module: "Node16", moduleResolution: "Node16" }, include: ["*.ts", "src/**/*.ts"] }));
  writeFileSync(
    join(work, "scan.ts"),
    `import { readdirSync } from "node:fs";
const { scan } = await import("./node_modules/@dagger.io/dagger/dist/src/module/introspector/index.js");
const files = readdirSync("src").filter((f) => f.endsWith(".ts")).map((f) => process.cwd() + "/src/" + f);
const mod = await scan(files, "backend-ci");
process.stdout.write(JSON.stringify(mod.toJSON(), null, 1) + "\\n");
`,
  );
  const r = spawnSync(join(repo, "node_modules/.bin/tsx"), ["scan.ts"], { cwd: work, encoding: "utf8" });
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  process.exitCode = r.status ?? 1;
} finally {
  rmSync(work, { recursive: true, force: true });
}
