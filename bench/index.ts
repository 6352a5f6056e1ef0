/**
 * `npm run bench -- <name> [args]`: runs the benchmark `bench/<name>.ts`, whose default export takes
 * the remaining arguments.
 */
const names = ["lanes", "report", "shards"] as const;

type Bench = { default: (args: string[]) => Promise<void> };

async function main([name, ...args]: string[]): Promise<void> {
  if (!names.includes(name as (typeof names)[number])) {
    const given = name === undefined ? "no benchmark given" : `unknown benchmark "${name}"`;
    throw new Error(`${given}; usage: npm run bench -- <name> [args], where <name> is one of: ${names.join(", ")}`);
  }
  const bench = (await import(`./${name}.ts`)) as Bench;
  await bench.default(args);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(2);
});
