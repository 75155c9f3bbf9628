/**
 * The platform runs on Node 24 LTS. `npm ci` installs it from the npm registry's `node` package
 * (a devDependency), whose binary npm puts first on PATH for every `npm run` script, so the
 * machine's own Node is never touched. This guard catches a script started some other way.
 */
export function requireNode24(): void {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 24) {
    process.stderr.write(
      `This project needs Node 24 or newer; this is ${process.version}.\n` +
        'Run it through npm (npm start, npm test), which uses the Node 24 that npm ci installed\n' +
        'into node_modules/.bin, or put node_modules/.bin first on PATH.\n',
    );
    process.exit(1);
  }
}
