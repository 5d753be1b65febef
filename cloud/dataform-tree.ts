import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { PROJECT_DIR, type ProjectConfig } from '../warehouse/project.ts';

/**
 * The Dataform-only tree logflow publishes to the Dataform repository: definitions/**,
 * includes/** and a workflow_settings.yaml that pins @dataform/core exactly. Dataform in Google
 * Cloud compiles the repository root and, when it finds a package.json, installs every dependency
 * in it; logflow's own package.json pulls DuckDB, ZetaSQL, the IP data and the test tooling. With no
 * package.json and `dataformCoreVersion` in workflow_settings.yaml, Dataform installs only
 * @dataform/core at that version (Dataform docs, "Manage the Dataform core package").
 * The models' includes use no npm package, so nothing else is needed.
 */

export const TREE_ROOTS = ['definitions', 'includes'] as const;
export const SETTINGS_FILE = 'workflow_settings.yaml';
/** Marker in the commit message: `logflow tree sha256:<digest>`. */
export const DIGEST_PREFIX = 'logflow tree sha256:';

export interface DataformTree {
  /** Path from the repository root -> file bytes. */
  files: Map<string, Buffer>;
  /** sha256 over every path and content, in path order. */
  digest: string;
}

/** workflow_settings.yaml for dataform.json's settings; strings are JSON-quoted (valid YAML scalars). */
export function workflowSettingsYaml(config: ProjectConfig, coreVersion: string): string {
  const s = (v: string) => JSON.stringify(v);
  const lines = [
    '# Written by `logflow setup` from dataform.json. The release configuration overrides',
    '# project, location and vars; this file only has to compile.',
    `dataformCoreVersion: ${s(coreVersion)}`,
    `defaultProject: ${s(config.database)}`,
    `defaultLocation: ${s(config.location)}`,
    `defaultDataset: ${s(config.schema)}`,
    `defaultAssertionDataset: ${s(config.assertionSchema)}`,
    'vars:',
    ...Object.entries(config.vars).map(([k, v]) => `  ${s(k)}: ${s(v)}`),
  ];
  return lines.join('\n') + '\n';
}

function walk(root: string, dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) walk(root, full, out);
    else if (entry.isFile()) out.push(relative(root, full).split(sep).join('/'));
  }
}

export function digestOf(files: Map<string, Buffer>): string {
  const hash = createHash('sha256');
  for (const path of [...files.keys()].sort()) {
    const content = files.get(path)!;
    hash.update(`${path}\0${content.length}\0`).update(content);
  }
  return hash.digest('hex');
}

/** Reads the tree from a project directory (default: this checkout). */
export function buildTree(config: ProjectConfig, coreVersion: string, projectDir = PROJECT_DIR): DataformTree {
  const paths: string[] = [];
  for (const top of TREE_ROOTS) if (existsSync(join(projectDir, top))) walk(projectDir, join(projectDir, top), paths);
  const files = new Map<string, Buffer>();
  for (const path of paths.sort()) files.set(path, readFileSync(join(projectDir, path)));
  files.set(SETTINGS_FILE, Buffer.from(workflowSettingsYaml(config, coreVersion)));
  return { files, digest: digestOf(files) };
}

/** The digest a commit message carries, or null when the commit was not made by logflow. */
export function digestInMessage(message: string | null | undefined): string | null {
  const i = (message ?? '').indexOf(DIGEST_PREFIX);
  if (i < 0) return null;
  return /^[0-9a-f]{64}/.exec((message ?? '').slice(i + DIGEST_PREFIX.length))?.[0] ?? null;
}
