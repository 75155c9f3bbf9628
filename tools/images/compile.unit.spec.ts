// What the image's compile step must guarantee, checked on the real workspace: every `@gov/*`
// alias resolved, the data folders beside the code that finds them, no test code shipped.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

import { compileServices } from './compile';

const root = resolve(__dirname, '..', '..');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

describe('compileServices', () => {
  let out: string;

  beforeEach(() => {
    out = mkdtempSync(join(tmpdir(), 'backbone-compile-'));
  });

  afterEach(() => {
    rmSync(out, { recursive: true, force: true });
  });

  it('writes one service with its stable entry points, its data and no alias or test file', () => {
    const result = compileServices(root, out, ['procedures']);

    expect(result.entries).toEqual([
      'services/procedures/main.js',
      'services/procedures/migrate.js',
    ]);
    const files = filesUnder(out);
    const scripts = files.filter((file) => file.endsWith('.js'));
    expect(scripts.length).toBeGreaterThan(50);
    const unresolved = scripts.filter((file) =>
      /require\("@gov\//.test(readFileSync(join(out, file), 'utf8')),
    );
    expect(unresolved).toEqual([]);
    expect(files.filter((file) => /\.spec\.js$|\/testing\//.test(file))).toEqual([]);
    expect(files.some((file) => file.startsWith('libs/platform/infra/'))).toBe(false);
    expect(files.some((file) => file.startsWith('services/registry/'))).toBe(false);
    expect(
      existsSync(join(out, 'libs/procedures/application/catalogue/family-allowance.v1.json')),
    ).toBe(true);
    expect(existsSync(join(out, 'config/legal-bases.json'))).toBe(true);
    // The catalogue's code finds it two folders up from its own compiled file.
    expect(existsSync(join(out, 'libs/procedures/application/src/lib/catalogue.js'))).toBe(true);
  });

  it('refuses a service that is not declared', () => {
    expect(() => compileServices(root, out, ['nope'])).toThrow(
      'no service "nope" in services/*/service.json',
    );
  });
});
