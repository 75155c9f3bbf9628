// The image check must fail on a broken image: here the image as built, minus the legal-bases
// catalogue that the consent service reads at start-up and the portal's stylesheet, which it
// reads only when asked (data files the build forgot to copy).
import { resolve } from 'node:path';

import { checkImage, checkImageConfig } from './lib/check';
import { run, tryRun } from './lib/exec';
import { defaultTag, imageName } from './lib/names';

const root = resolve(__dirname, '..', '..');
const image = process.env['BACKBONE_IMAGE'] ?? imageName(undefined, defaultTag(root));
const broken = `localhost/backbone-broken:${String(process.pid)}`;

function checkContainers(): string[] {
  return run('podman', [
    'ps',
    '--all',
    '--format',
    '{{.Names}}',
    '--filter',
    `name=backbone-check-${String(process.pid)}`,
  ])
    .split('\n')
    .filter((line) => line !== '');
}

beforeAll(() => {
  const container = run('buildah', ['from', '--pull-never', image]).trim();
  try {
    const mounted = run('buildah', ['mount', container]).trim();
    run('rm', [`${mounted}/app/config/legal-bases.json`]);
    run('rm', [`${mounted}/app/services/portal/src/assets/portal.css`]);
    run('buildah', ['commit', '--quiet', '--rm', container, broken]);
  } catch (error) {
    tryRun('buildah', ['rm', container]);
    throw error;
  }
});

afterAll(() => {
  tryRun('podman', ['rmi', '--force', broken]);
});

describe('images:check', () => {
  it('passes the image as built', async () => {
    const results = await checkImage({ image, root, services: ['consent'] });

    expect(results).toEqual([expect.objectContaining({ service: 'consent', ok: true })]);
    expect(checkContainers()).toEqual([]);
  });

  it('fails an image whose service cannot find its data, and leaves no container behind', async () => {
    const results = await checkImage({ image: broken, root, services: ['consent'] });

    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ service: 'consent', ok: false });
    expect(results[0]?.problem).toMatch(/the container exited[\s\S]*legal-bases\.json/);
    expect(checkContainers()).toEqual([]);
  });

  it('passes the portal as built, without Kafka, serving its stylesheet', async () => {
    const results = await checkImage({ image, root, services: ['portal'] });

    expect(results).toEqual([expect.objectContaining({ service: 'portal', ok: true })]);
  });

  it('fails a portal that is ready but does not serve its stylesheet', async () => {
    const results = await checkImage({ image: broken, root, services: ['portal'] });

    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ service: 'portal', ok: false });
    expect(results[0]?.problem).toMatch(/^ready, but GET \/assets\/portal\.css answered 404/);
    expect(checkContainers()).toEqual([]);
  });

  it('finds the image as built non-root, shell-less and with a CA bundle', () => {
    expect(checkImageConfig(image)).toEqual([]);
  });

  it('names a root user in the image config', () => {
    const asRoot = `localhost/backbone-root:${String(process.pid)}`;
    const container = run('buildah', ['from', '--pull-never', image]).trim();
    try {
      run('buildah', ['config', '--user', '0:0', container]);
      run('buildah', ['commit', '--quiet', '--rm', container, asRoot]);
      expect(checkImageConfig(asRoot)).toEqual([
        'the image\'s user is "0:0", not a numeric non-root id',
        'the container runs as root',
      ]);
    } finally {
      tryRun('buildah', ['rm', container]);
      tryRun('podman', ['rmi', '--force', asRoot]);
    }
  });

  it('refuses an image that does not exist', async () => {
    await expect(
      checkImage({ image: 'localhost/backbone-missing:none', root, services: ['consent'] }),
    ).rejects.toThrow(/no image localhost\/backbone-missing:none: run npm run images:build/);
  });
});
