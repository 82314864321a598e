// `npm run mutate`: Stryker over the pure core (stryker.config.json), extra arguments passed on (`--mutate <file>`).
// Stryker 10 refuses to start below Node 22 by a version check alone; the project supports Node 20, where
// everything Stryker uses for this project (instrumenter, Jest runner, TypeScript checker) works, so on Node 20
// the check is shown Node 22. The runs recorded in docs/mutation.md were made that way on Node 20.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) Object.defineProperty(process, 'version', { value: 'v22.0.0' });
const { StrykerCli } = await import('@stryker-mutator/core');
new StrykerCli(['node', 'stryker', 'run', ...process.argv.slice(2)]).run();
