/** Reads an integer port from the environment, with a default and a clear error. */
export function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    process.stderr.write(`Invalid ${name}: expected a TCP port (1-65535), got "${raw}"\n`);
    process.exit(2);
  }
  return port;
}
