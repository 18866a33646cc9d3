import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensurePrivateDataDir, makeEmbeddedDatabasePrivate } from './embedded-data-dir.js';

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('embedded DATA_DIR permissions', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'aq-data-dir-'));
  });

  afterEach(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('should create a missing DATA_DIR owner-only', () => {
    const dataDir = join(root, 'a', 'data');
    expect(ensurePrivateDataDir(dataDir)).toEqual([]);
    expect(modeOf(dataDir)).toBe(0o700);
  });

  it('should leave an existing directory without our files as it is', () => {
    chmodSync(root, 0o755);
    ensurePrivateDataDir(root);
    expect(modeOf(root)).toBe(0o755);
  });

  it.each(['pgdata', 'vault.key'])('should tighten an existing DATA_DIR that holds %s', (entry) => {
    writeFileSync(join(root, entry), '');
    chmodSync(root, 0o755);
    ensurePrivateDataDir(root);
    expect(modeOf(root)).toBe(0o700);
  });

  it('should take group and other permissions from everything under pgdata', () => {
    const base = join(root, 'pgdata', 'base', '5');
    mkdirSync(base, { recursive: true, mode: 0o755 });
    writeFileSync(join(root, 'pgdata', 'PG_VERSION'), '17', { mode: 0o666 });
    writeFileSync(join(base, '1259'), '', { mode: 0o644 });
    writeFileSync(join(base, '1260'), '', { mode: 0o400 });
    chmodSync(root, 0o755);
    chmodSync(join(root, 'pgdata', 'PG_VERSION'), 0o666);
    expect(makeEmbeddedDatabasePrivate(root)).toEqual([]);
    expect(modeOf(root)).toBe(0o700);
    expect(modeOf(join(root, 'pgdata'))).toBe(0o700);
    expect(modeOf(base)).toBe(0o700);
    expect(modeOf(join(root, 'pgdata', 'PG_VERSION'))).toBe(0o600);
    expect(modeOf(join(base, '1259'))).toBe(0o600);
    expect(modeOf(join(base, '1260'))).toBe(0o400);
  });
});
