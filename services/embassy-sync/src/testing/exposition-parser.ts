// A strict reader of the Prometheus text format (0.0.4) for the specs: every line must be a
// HELP, a TYPE or a sample of the family declared just before it. Not part of the service.

/** A parsed sample. */
export interface ParsedSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A parsed family. */
export interface ParsedFamily {
  readonly help: string;
  readonly type: string;
  readonly samples: ParsedSample[];
}

const METRIC = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const HELP = new RegExp(`^# HELP (${METRIC}) (.*)$`);
const TYPE = new RegExp(`^# TYPE (${METRIC}) (counter|gauge|histogram|summary|untyped)$`);
const SAMPLE = new RegExp(`^(${METRIC})(?:\\{(.*)\\})? (\\S+)(?: (-?\\d+))?$`);
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\\\|\\"|\\n)*)"(,|$)/;
const VALUE = /^(NaN|[+-]Inf|[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?)$/;

/** @throws naming the line for anything that is not valid exposition text. */
export function parseExposition(text: string): Map<string, ParsedFamily> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const families = new Map<string, ParsedFamily>();
  const helps = new Map<string, string>();
  let current: string | undefined;
  text
    .slice(0, -1)
    .split('\n')
    .forEach((line, index) => {
      const fail = (why: string): never => {
        throw new Error(`line ${index + 1} (${JSON.stringify(line)}): ${why}`);
      };
      const help = HELP.exec(line);
      if (help) {
        helps.set(help[1] ?? '', help[2] ?? '');
        return;
      }
      const type = TYPE.exec(line);
      if (type) {
        const name = type[1] ?? '';
        if (families.has(name)) fail('a second TYPE for the family');
        families.set(name, { help: helps.get(name) ?? '', type: type[2] ?? '', samples: [] });
        current = name;
        return;
      }
      // prom-client separates families with an empty line, which the format allows.
      if (line === '') return;
      if (line.startsWith('#')) fail('not a HELP, TYPE or sample line');
      const sample = SAMPLE.exec(line);
      if (!sample) return fail('not a sample');
      const name = sample[1] ?? '';
      const family = current === undefined ? undefined : families.get(current);
      if (!family || !belongsTo(name, current ?? '', family.type)) {
        fail(`sample outside its family (${current ?? 'none'})`);
      }
      const rawValue = sample[3] ?? '';
      if (!VALUE.test(rawValue)) fail(`invalid value ${rawValue}`);
      family?.samples.push({
        name,
        labels: parseLabels(sample[2] ?? '', fail),
        value: toNumber(rawValue),
      });
    });
  return families;
}

/** A histogram's or summary's samples carry suffixes: `_bucket`, `_sum`, `_count`. */
function belongsTo(sample: string, family: string, type: string): boolean {
  if (sample === family) return true;
  const suffixes =
    type === 'histogram'
      ? ['_bucket', '_sum', '_count']
      : type === 'summary'
        ? ['_sum', '_count']
        : [];
  return suffixes.some((suffix) => sample === `${family}${suffix}`);
}

function parseLabels(text: string, fail: (why: string) => never): Readonly<Record<string, string>> {
  const labels: Record<string, string> = {};
  let rest = text;
  while (rest !== '') {
    const match = LABEL.exec(rest);
    if (!match) return fail(`invalid labels at ${JSON.stringify(rest)}`);
    const name = match[1] ?? '';
    if (name in labels) fail(`label ${name} twice`);
    labels[name] = (match[2] ?? '').replace(/\\(["\\n])/g, (_, c: string) =>
      c === 'n' ? '\n' : c,
    );
    rest = rest.slice(match[0].length);
    if (match[3] === '' && rest !== '') fail('labels continue after the last one');
  }
  return labels;
}

function toNumber(value: string): number {
  if (value === 'NaN') return Number.NaN;
  if (value === '+Inf') return Number.POSITIVE_INFINITY;
  if (value === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(value);
}
