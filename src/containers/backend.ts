/**
 * The backend container: the team's test dependencies installed, the source at one fixed path (so
 * every lane's coverage paths agree), and the in-container helpers on PYTHONPATH.
 */
import { Container, dag, Directory } from "@dagger.io/dagger";

import { detectInstall } from "../core/plan/install.js";
import { CONTAINER_LAYOUT } from "../core/plan/layout.js";

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

export interface SourceRoot {
  entries: string[];
  pyproject?: string;
}

/** The files at the source root, and pyproject.toml's text when it has one. */
export async function sourceRoot(source: Directory): Promise<SourceRoot> {
  const entries = (await source.entries()).map((e) => e.replace(/\/$/, ""));
  const pyproject = entries.includes("pyproject.toml") ? await source.file("pyproject.toml").contents() : undefined;
  return { entries, pyproject };
}

/** `root` is the source's root as `sourceRoot` read it, when the caller already has it. */
export async function backendContainer(source: Directory, opts: BackendOptions, root?: SourceRoot): Promise<Container> {
  const src = CONTAINER_LAYOUT.source;
  if (opts.dockerfile) {
    return source
      .dockerBuild({ dockerfile: opts.dockerfile, ...(opts.target ? { target: opts.target } : {}) })
      .withDirectory(src, source)
      .withWorkdir(src);
  }
  const { entries, pyproject } = root ?? (await sourceRoot(source));
  const install = detectInstall(entries, pyproject);
  let c = dag
    .container()
    .from(opts.pythonImage ?? `python:${opts.pythonVersion}-slim`)
    .withEnvVariable("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    .withEnvVariable("PYTHONDONTWRITEBYTECODE", "1")
    .withMountedCache("/root/.cache/pip", pipCache())
    .withMountedCache("/root/.cache/uv", uvCache())
    .withWorkdir(src);
  for (const [k, v] of Object.entries(install.env)) c = c.withEnvVariable(k, v, { expand: true });
  // Dependency files first: a source change that leaves them alone reuses the install layer.
  for (const f of install.inputs) c = c.withFile(`${src}/${f}`, source.file(f));
  if (install.inputs.length === 0) c = c.withDirectory(src, source);
  for (const cmd of install.commands) c = c.withExec(cmd);
  return c.withDirectory(src, source);
}
