/**
 * `npm run plan -- --source DIR [--root FOLDER] [--workers N] [--json]`: the lanes `pr-backend` would
 * run on a source on disk, without Dagger: the same config, discovery and plan view as `dagger call plan`.
 */
import { parseArgs } from "node:util";

import { Workers } from "../src/core/config/config.js";
import { discover } from "../src/core/plan/discover/discover.js";
import { detectInstall } from "../src/core/plan/install.js";
import { planView, renderPlanView } from "../src/core/plan/plan-view.js";
import { hostSource } from "./fs-source-tree.js";

const usage = "usage: npm run plan -- --source DIR [--root FOLDER] [--workers auto|N] [--json]";

async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { source: { type: "string" }, root: { type: "string" }, workers: { type: "string" }, json: { type: "boolean" } } });
  if (values.source === undefined) throw new Error(`--source is required; ${usage}`);
  const workers = values.workers === undefined ? undefined : Workers.parse(values.workers === "auto" ? "auto" : Number(values.workers));
  const src = hostSource(values.source, values.root);
  const discovery = await discover(src.tree, src.located.config);
  const config = { ...src.located.config, lanes: discovery.lanes };
  if (values.json) {
    process.stdout.write(`${JSON.stringify(planView(config, discovery, workers))}\n`);
    return;
  }
  let install: string;
  try {
    install = detectInstall({ ...src, files: src.tree.files, installProject: config.install_project }).note;
  } catch (e) {
    install = (e as Error).message;
  }
  process.stdout.write(renderPlanView(config, discovery, { workers, install }));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
});
