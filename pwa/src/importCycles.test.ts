// No import circle in src: a module that imports one that imports it back (directly
// or around a longer loop) loads half-initialised in some orders, and says that the
// shared piece lives in the wrong module. Type-only imports count too: they show the
// same misplacement. A few lines of parsing rather than a dependency.

import { describe, expect, it } from 'vitest';

const sources = import.meta.glob<string>(['./**/*.ts', './**/*.tsx'], { query: '?raw', import: 'default', eager: true });

const IMPORT = /^\s*(?:import|export)\s(?:[^'";]*?\sfrom\s*)?['"](\.{1,2}\/[^'"]+)['"]/gm;

function resolve(from: string, spec: string): string | null {
  // Keys are './dossiers.ts', './ui/App.tsx': resolve under a made-up root, then back.
  const base = `.${new URL(spec, `file:///src/${from.slice(2)}`).pathname.slice('/src'.length)}`;
  for (const candidate of [base, `${base}.ts`, `${base}.tsx`, `${base}/index.ts`, `${base}.d.ts`]) {
    if (candidate in sources) return candidate;
  }
  return null;
}

export function importGraph(files: Record<string, string>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [file, text] of Object.entries(files)) {
    const targets = [...text.matchAll(IMPORT)].map((m) => resolve(file, m[1]!)).filter((t): t is string => t !== null);
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Every circle, each once, as the files around it with the first repeated at the end. */
export function circles(graph: Map<string, string[]>): string[][] {
  const found = new Map<string, string[]>();
  const done = new Set<string>();
  const visit = (file: string, path: string[]): void => {
    const at = path.indexOf(file);
    if (at >= 0) {
      const loop = path.slice(at);
      const key = [...loop].sort().join(' ');
      if (!found.has(key)) found.set(key, [...loop, file]);
      return;
    }
    if (done.has(file)) return;
    for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
    done.add(file);
  };
  for (const file of [...graph.keys()].sort()) visit(file, []);
  return [...found.values()];
}

describe('imports in src', () => {
  it('reads the graph', () => {
    const graph = importGraph(sources);
    expect(graph.size).toBe(Object.keys(sources).length);
    expect(graph.get('./dossiers.ts')).toContain('./conflicts.ts');
    expect(graph.get('./ui/DossierPage.tsx')).toContain('./dossiers.ts');
  });

  it('has no circle', () => {
    expect(circles(importGraph(sources)).map((loop) => loop.join(' → '))).toEqual([]);
  });

  it('finds a circle where there is one', () => {
    const loop = { './a.ts': "import { b } from './b';", './b.ts': "import type { C } from './c';", './c.ts': "export { a } from './a';", './d.ts': "import './a';" };
    const graph = new Map(Object.entries(loop).map(([f, t]) => [f, [...t.matchAll(IMPORT)].map((m) => `./${m[1]!.slice(2)}.ts`)]));
    expect(circles(graph)).toEqual([['./a.ts', './b.ts', './c.ts', './a.ts']]);
  });
});
