import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');
const read = (file: string) => readFile(path.join(root, file), 'utf8');

/** The command lines of the README's fenced `sh` blocks, without comments. */
function readmeCommandBlocks(readme: string): string[][] {
  return [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) =>
    (match[1] ?? '')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#')),
  );
}

async function sourceTexts(): Promise<string> {
  const texts: string[] = [];
  for (const dir of ['src-main', 'src-renderer', 'bin']) {
    const entries = await readdir(path.join(root, dir), { recursive: true, withFileTypes: true });
    for (const entry of entries) {
      if (entry.isFile() && /\.(ts|tsx|cts|js|mjs)$/.test(entry.name)) {
        texts.push(await readFile(path.join(entry.parentPath, entry.name), 'utf8'));
      }
    }
  }
  return texts.join('\n');
}

describe('a fresh machine follows the README', () => {
  it('.ci/run runs the README test block exactly as written', async () => {
    const [readme, ci] = await Promise.all([read('README.md'), read('.ci/run')]);
    const testBlock = readmeCommandBlocks(readme).find((block) =>
      block.some((line) => line.includes('npm test')),
    );
    expect(testBlock, 'the README has a block with `npm test`').toBeDefined();
    const ciLines = ci.split('\n').map((line) => line.trim());
    for (const command of testBlock ?? []) expect(ciLines).toContain(command);
  });

  it(".ci/run runs the README's demo line exactly as written", async () => {
    const [readme, ci] = await Promise.all([read('README.md'), read('.ci/run')]);
    const demoLine = readmeCommandBlocks(readme)
      .flat()
      .find((line) => line.endsWith('npm run demo'));
    expect(demoLine, 'the README has a line that runs the demo').toBeDefined();
    expect(ci).toContain(`bash -c '${demoLine}'`);
  });

  it('.ci/run sets no environment variable that the README does not give', async () => {
    const [readme, ci] = await Promise.all([read('README.md'), read('.ci/run')]);
    // DEBIAN_FRONTEND only keeps apt from asking questions of a terminal CI does not have.
    const variables = [...ci.matchAll(/\b([A-Z][A-Z0-9_]{3,})=/g)]
      .map((match) => match[1] ?? '')
      .filter((name) => name !== 'DEBIAN_FRONTEND');
    expect(variables.filter((name) => !readme.includes(name))).toEqual([]);
    expect(ci).not.toMatch(/ELECTRON_SKIP_BINARY_DOWNLOAD/);
  });

  it('npm runs no dependency install script (.npmrc)', async () => {
    const npmrc = await read('.npmrc');
    expect(npmrc.split('\n').map((line) => line.trim())).toContain('ignore-scripts=true');
  });

  it('no package links a `node` into node_modules/.bin, where every npm script would run on it', async () => {
    const lock = JSON.parse(await read('package-lock.json')) as {
      packages: Record<string, { bin?: Record<string, string> }>;
    };
    const nodeBins = Object.entries(lock.packages)
      .filter(([, entry]) => entry.bin?.node !== undefined)
      .map(([location]) => location);
    expect(nodeBins).toEqual([]);
  });

  it('the README links nothing outside the repository', async () => {
    const readme = await read('README.md');
    expect(readme).not.toMatch(/\]\(\.\.\//);
    expect(readme).toContain('](docs/ARCHITECTURE.md)');
  });

  it('every runtime dependency is imported somewhere', async () => {
    const manifest = JSON.parse(await read('package.json')) as {
      dependencies: Record<string, string>;
    };
    const sources = await sourceTexts();
    const unused = Object.keys(manifest.dependencies).filter(
      (name) => !new RegExp(`['"]${name.replace(/[/.]/g, '\\$&')}['"/]`).test(sources),
    );
    expect(unused).toEqual([]);
  });
});
