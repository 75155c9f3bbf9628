import { createRequire } from 'node:module';
import { join } from 'node:path';

import { paths } from './paths';

/** The part of the `yaml` package (provisioned into .cache/k8s/npm) that the checks use. */
interface YamlPackage {
  parseAllDocuments(source: string): { toJS(): unknown; errors: { message: string }[] }[];
  stringify(value: unknown): string;
}

let yamlPackage: YamlPackage | undefined;

/** Not a workspace dependency: resolved from the tools' prefix at run time, by name. */
const YAML_PACKAGE = 'yaml';

/**
 * The `yaml` package from the tools' own npm prefix (`npm run k8s:tools` installs it), so that
 * the workspace needs no YAML dependency for its product code.
 */
function yaml(): YamlPackage {
  if (!yamlPackage) {
    const require = createRequire(join(paths.npm, 'package.json'));
    try {
      yamlPackage = require(YAML_PACKAGE) as YamlPackage;
    } catch {
      throw new Error(`the yaml package is missing from ${paths.npm}: run npm run k8s:tools`);
    }
  }
  return yamlPackage;
}

/** Every document of a YAML stream, empty ones left out. @throws on a syntax error. */
export function loadYaml(source: string): unknown[] {
  return yaml()
    .parseAllDocuments(source)
    .map((document) => {
      const [error] = document.errors;
      if (error) throw new SyntaxError(error.message);
      return document.toJS();
    })
    .filter((value) => value !== null && value !== undefined);
}

/** One YAML document. */
export function dumpYaml(value: unknown): string {
  return yaml().stringify(value);
}
