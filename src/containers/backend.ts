/**
 * The backend container: the team's test dependencies installed, the whole source at one fixed path
 * (so every lane's coverage paths agree, and a monorepo's siblings are importable), pytest's working
 * directory at the backend root, and the in-container helpers on PYTHONPATH.
 */
import { Container, dag, Directory } from "@dagger.io/dagger";

import type { BackendCiConfig } from "../core/config/config.js";
import { type InstallPlan, detectInstall } from "../core/plan/install.js";
import { containerLayout } from "../core/plan/layout.js";
import type { SourceSnapshot } from "./source.js";

export interface BackendOptions {
  pythonVersion: string;
  /** Overrides `python:<pythonVersion>-slim`. */
  pythonImage?: string;
  /** Path of a Dockerfile in the source whose `target` stage has the test dependencies. */
  dockerfile?: string;
  target?: string;
}

const pipCache = () => dag.cacheVolume("backend-ci-pip");
const uvCache = () => dag.cacheVolume("backend-ci-uv");

/** How this source's dependencies are installed (undefined with a Dockerfile). */
export function installPlan(snap: SourceSnapshot, config: BackendCiConfig): InstallPlan {
  return detectInstall({
    root: snap.root,
    files: snap.tree.files,
    rootEntries: snap.rootEntries,
    repoEntries: snap.repoEntries,
    rootPyproject: snap.rootPyproject,
    repoPyproject: snap.repoPyproject,
    installProject: config.install_project,
  });
}

export function backendContainer(source: Directory, opts: BackendOptions, snap: SourceSnapshot, config: BackendCiConfig): Container {
  const layout = containerLayout(config);
  if (opts.dockerfile) {
    return source
      .dockerBuild({ dockerfile: opts.dockerfile, ...(opts.target ? { target: opts.target } : {}) })
      .withDirectory(layout.repo, source)
      .withWorkdir(layout.source);
  }
  const install = installPlan(snap, config);
  const dir = install.dir === "." ? layout.repo : `${layout.repo}/${install.dir}`;
  let c = dag
    .container()
    .from(opts.pythonImage ?? `python:${opts.pythonVersion}-slim`)
    .withEnvVariable("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    .withEnvVariable("PYTHONDONTWRITEBYTECODE", "1")
    .withMountedCache("/root/.cache/pip", pipCache())
    .withMountedCache("/root/.cache/uv", uvCache())
    .withWorkdir(dir);
  for (const [k, v] of Object.entries(install.env)) c = c.withEnvVariable(k, v, { expand: true });
  // Dependency files first: a source change that leaves them alone reuses the install layer.
  for (const f of install.inputs) c = c.withFile(`${layout.repo}/${f}`, source.file(f));
  for (const cmd of install.deps) c = c.withExec(cmd);
  c = c.withDirectory(layout.repo, source);
  for (const cmd of install.project) c = c.withExec(cmd);
  return c.withWorkdir(layout.source);
}
