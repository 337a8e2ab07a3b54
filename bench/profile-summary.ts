import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { fmt, printTable } from './table.js';

/**
 * Summarises a V8 .cpuprofile (from BENCH_CPU_PROF, or node --cpu-prof): where the busy time
 * went, by module (an npm package, a project file, a node internal) inclusive and self, and the
 * hottest functions. CLI: npx tsx bench/profile-summary.ts <file.cpuprofile> [top]
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
}

const IDLE = new Set(['(idle)', '(program)', '(root)']);

/** The module a frame belongs to: an npm package, a project file, a node internal, or a VM pseudo-frame. */
function moduleOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (url === '') return functionName.startsWith('(') ? functionName : '(native: syscalls, crypto, C++)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').replace(/^node:(deps\/[^/]+|[^/]+).*$/, 'node:$1');
  const project = /\/(lib|gateway|services|bench)\/(.+)$/.exec(url);
  return project ? `${project[1]}/${project[2]}` : url;
}

export interface SummaryOptions {
  title?: string;
  /** Measured CPU per request of the profiled process: adds a column that splits it by the profile's shares. */
  cpuUsPerRequest?: number;
  top?: number;
}

export function summarizeProfile(file: string, { title, cpuUsPerRequest, top = 15 }: SummaryOptions = {}): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<number, number>();
  for (const id of profile.samples) self.set(id, (self.get(id) ?? 0) + 1);
  const msPerSample = (profile.endTime - profile.startTime) / 1000 / Math.max(1, profile.samples.length);

  const selfByModule = new Map<string, number>();
  const inclusiveByModule = new Map<string, number>();
  const selfByFunction = new Map<string, number>();
  let busy = 0;
  const add = (map: Map<string, number>, key: string, n: number) => map.set(key, (map.get(key) ?? 0) + n);

  // Depth-first; each busy sample counts once for every module on its stack (outermost occurrence).
  const walk = (id: number, onStack: Set<string>): number => {
    const node = byId.get(id);
    if (node === undefined) return 0;
    const mod = moduleOf(node);
    const entered = !onStack.has(mod);
    if (entered) onStack.add(mod);
    let subtree = IDLE.has(node.callFrame.functionName) ? 0 : (self.get(id) ?? 0);
    if (subtree > 0) {
      busy += subtree;
      add(selfByModule, mod, subtree);
      add(selfByFunction, `${node.callFrame.functionName || '(anonymous)'} ${mod}:${node.callFrame.lineNumber + 1}`, subtree);
    }
    for (const child of node.children ?? []) subtree += walk(child, onStack);
    if (entered) {
      if (!IDLE.has(node.callFrame.functionName)) add(inclusiveByModule, mod, subtree);
      onStack.delete(mod);
    }
    return subtree;
  };
  const root = profile.nodes[0];
  if (root !== undefined) walk(root.id, new Set());

  const rows = (map: Map<string, number>, keep: (name: string) => boolean = () => true) =>
    [...map]
      .filter(([name]) => keep(name))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, samples]) => [
        name,
        `${fmt((100 * samples) / Math.max(1, busy), 1)}%`,
        fmt(samples * msPerSample, 0),
        ...(cpuUsPerRequest ? [fmt((cpuUsPerRequest * samples) / Math.max(1, busy), 1)] : []),
      ]);
  const header = (first: string) => [first, '% busy', 'ms', ...(cpuUsPerRequest ? ['~µs/req'] : [])];
  console.log(`\nprofile${title ? ` of ${title}` : ''}: ${file}`);
  console.log(`  main thread busy ${fmt(busy * msPerSample, 0)} ms of ${fmt((profile.endTime - profile.startTime) / 1000, 0)} ms${cpuUsPerRequest ? `; ~µs/req = share x measured ${fmt(cpuUsPerRequest, 1)} µs CPU/req` : ''}`);
  // Node's own modules sit under almost every stack (events, streams, ticks); inclusive is telling for the rest.
  printTable('  inclusive by module, node internals left out (busy samples with the module anywhere on the stack)', header('module'), rows(inclusiveByModule, (name) => !name.startsWith('node:')));
  printTable('  self by module', header('module'), rows(selfByModule));
  printTable('  self by function', header('function'), rows(selfByFunction));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const file = process.argv[2];
  if (file === undefined) {
    console.error('usage: npx tsx bench/profile-summary.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  summarizeProfile(file, { top: Number(process.argv[3] ?? 20) });
}
