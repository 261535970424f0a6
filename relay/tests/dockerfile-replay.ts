import { execFileSync } from 'node:child_process';
import { chownSync, cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, matchesGlob, posix, relative } from 'node:path';

/**
 * The Dockerfile read as an engine reads it, and replayed without one: each stage in a folder of
 * its own standing for the image's root (`/`), the COPY lines copying (from the build context,
 * minus .dockerignore, or from an earlier stage), the RUN lines run in the stage's WORKDIR with
 * its ENV. What a plain folder cannot do is said, not faked: apt-get installs are checked against
 * this machine's packages instead of run, and an instruction the replay does not know is an
 * error naming it, so the file cannot grow a step the test silently skips.
 */

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

export type Step =
  | { kind: 'workdir'; path: string; line: number }
  | { kind: 'copy'; from: string | null; sources: string[]; dest: string; line: number }
  | { kind: 'run'; command: string; line: number }
  | { kind: 'env'; vars: Record<string, string>; line: number }
  | { kind: 'user'; name: string; line: number };

export interface Stage {
  name: string | null;
  base: string;
  steps: Step[];
  /** CMD in exec form. */
  cmd: string[] | null;
  /** HEALTHCHECK's CMD, shell form. */
  healthcheck: string | null;
  volumes: string[];
  expose: number[];
}

/** The file's instructions: comments and blank lines dropped, continued lines joined, each with the line it starts on. */
export function instructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending: { text: string; line: number } | null = null;
  text.split('\n').forEach((raw, i) => {
    const trimmed = raw.trim();
    if (!pending && (trimmed === '' || trimmed.startsWith('#'))) return;
    const continued = trimmed.endsWith('\\');
    const part = continued ? trimmed.slice(0, -1).trim() : trimmed;
    pending = pending ? { text: `${pending.text} ${part}`, line: pending.line } : { text: part, line: i + 1 };
    if (continued) return;
    const [keyword = '', ...rest] = pending.text.split(/\s+/);
    out.push({ keyword: keyword.toUpperCase(), args: rest.join(' '), line: pending.line });
    pending = null;
  });
  return out;
}

const unknown = (ins: Instruction, what = ins.keyword) =>
  new Error(`Dockerfile line ${ins.line}: the replay does not know ${what} (teach relay/tests/dockerfile-replay.ts, or the test no longer tests the file)`);

const execForm = (ins: Instruction): string[] => {
  if (!ins.args.startsWith('[')) throw unknown(ins, `${ins.keyword} in shell form`);
  return JSON.parse(ins.args) as string[];
};

function envVars(ins: Instruction): Record<string, string> {
  if (!/^\w+=/.test(ins.args)) throw unknown(ins, 'ENV without "name=value"');
  const vars: Record<string, string> = {};
  for (const pair of ins.args.split(/\s+/)) {
    const at = pair.indexOf('=');
    if (at < 0 || /["'$]/.test(pair)) throw unknown(ins, `ENV value ${pair}`);
    vars[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return vars;
}

function copyStep(ins: Instruction): Step {
  const words = ins.args.split(/\s+/);
  let from: string | null = null;
  while (words[0]?.startsWith('--')) {
    const flag = words.shift()!;
    if (flag.startsWith('--from=')) from = flag.slice('--from='.length);
    else throw unknown(ins, `COPY ${flag}`);
  }
  if (words.length < 2 || words[0]!.startsWith('[')) throw unknown(ins, `COPY ${ins.args}`);
  return { kind: 'copy', from, sources: words.slice(0, -1), dest: words.at(-1)!, line: ins.line };
}

/** The stages of a Dockerfile, in order. */
export function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const ins of instructions(text)) {
    if (ins.keyword === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args);
      if (!m) throw unknown(ins, `FROM ${ins.args}`);
      stages.push({ name: m[2] ?? null, base: m[1]!, steps: [], cmd: null, healthcheck: null, volumes: [], expose: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw unknown(ins, `${ins.keyword} before FROM`);
    switch (ins.keyword) {
      case 'WORKDIR': stage.steps.push({ kind: 'workdir', path: ins.args, line: ins.line }); break;
      case 'COPY': stage.steps.push(copyStep(ins)); break;
      case 'RUN': stage.steps.push({ kind: 'run', command: ins.args, line: ins.line }); break;
      case 'ENV': stage.steps.push({ kind: 'env', vars: envVars(ins), line: ins.line }); break;
      case 'USER': stage.steps.push({ kind: 'user', name: ins.args, line: ins.line }); break;
      case 'CMD': stage.cmd = execForm(ins); break;
      case 'VOLUME': stage.volumes.push(...execForm(ins)); break;
      case 'EXPOSE': stage.expose.push(...ins.args.split(/\s+/).map(Number)); break;
      case 'HEALTHCHECK': {
        const m = /^(?:--\S+\s+)*CMD\s+(.+)$/.exec(ins.args);
        if (!m || m[1]!.startsWith('[')) throw unknown(ins, `HEALTHCHECK ${ins.args}`);
        stage.healthcheck = m[1]!;
        break;
      }
      default: throw unknown(ins);
    }
  }
  return stages;
}

/** .dockerignore's patterns, as the engine applies them to the build context (Go's filepath.Match, `**`, `!` exceptions; the last match wins). */
export function dockerignore(context: string): (path: string) => boolean {
  const file = join(context, '.dockerignore');
  const patterns = existsSync(file)
    ? readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
    : [];
  return (path) => {
    // A folder's exclusion covers what is inside it: its path and each parent are tried.
    const parts = path.split('/');
    const candidates = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let ignored = false;
    for (const raw of patterns) {
      const negate = raw.startsWith('!');
      const pattern = posix.normalize((negate ? raw.slice(1) : raw).replace(/^\//, ''));
      if (candidates.some((c) => matchesGlob(c, pattern))) ignored = !negate;
    }
    return ignored;
  };
}

/** A stage replayed: its folder, and what an engine would start it with. */
export interface Replayed {
  stage: Stage;
  root: string;
  workdir: string;
  env: Record<string, string>;
  user: string | null;
}

export interface ReplayOptions {
  context: string;
  /** A fresh folder for stage `index` (the last one is the image). */
  rootFor(index: number): string;
  /** Who the image's named users (`node`) are here. */
  owner: { uid: number; gid: number };
  /** The environment RUN lines get besides the stage's ENV (PATH, HOME for npm's cache). */
  baseEnv: Record<string, string>;
  log(line: string): void;
}

/** `path` inside the image, as a path on this machine. */
export const inRoot = (r: { root: string; workdir: string }, path: string): string =>
  join(r.root, isAbsolute(path) ? path : posix.join(r.workdir, path));

/** Every stage replayed in order; resolves to them all. */
export function replay(stages: Stage[], options: ReplayOptions): Replayed[] {
  const done: Replayed[] = [];
  const ignored = dockerignore(options.context);
  stages.forEach((stage, index) => {
    const r: Replayed = { stage, root: options.rootFor(index), workdir: '/', env: {}, user: null };
    for (const step of stage.steps) {
      options.log(`stage ${stage.name ?? index} line ${step.line}: ${step.kind} ${describe(step)}`);
      if (step.kind === 'workdir') {
        r.workdir = posix.resolve(r.workdir, step.path);
        mkdirSync(inRoot(r, '.'), { recursive: true });
      } else if (step.kind === 'env') {
        Object.assign(r.env, step.vars);
      } else if (step.kind === 'user') {
        r.user = step.name;
      } else if (step.kind === 'copy') {
        copy(r, step, done, options.context, ignored);
      } else {
        runLine(r, step.command, options);
      }
    }
    done.push(r);
  });
  return done;
}

const describe = (step: Step): string =>
  step.kind === 'copy' ? `${step.from ? `--from=${step.from} ` : ''}${step.sources.join(' ')} ${step.dest}`
    : step.kind === 'run' ? step.command : step.kind === 'env' ? JSON.stringify(step.vars) : step.kind === 'user' ? step.name : step.path;

function copy(r: Replayed, step: Extract<Step, { kind: 'copy' }>, done: Replayed[], context: string, ignored: (path: string) => boolean): void {
  const source = step.from === null ? null : done.find((d) => d.stage.name === step.from);
  if (step.from !== null && !source) throw new Error(`Dockerfile line ${step.line}: no earlier stage named ${step.from}`);
  const intoFolder = step.dest.endsWith('/') || step.sources.length > 1;
  for (const src of step.sources) {
    const from = source ? inRoot(source, src) : join(context, src);
    if (!source && ignored(src)) throw new Error(`Dockerfile line ${step.line}: ${src} is excluded by .dockerignore, so the build would not find it`);
    if (!existsSync(from)) throw new Error(`Dockerfile line ${step.line}: COPY ${src}: not found${source ? ` in stage ${step.from}` : ' in the build context'}`);
    const to = inRoot(r, intoFolder ? posix.join(step.dest, basename(src)) : step.dest);
    const filter = source ? undefined : (path: string) => path === from || !ignored(relative(context, path));
    cpSync(from, to, { recursive: true, filter, verbatimSymlinks: true });
    if (!statSync(from).isDirectory() && !statSync(to).isFile()) throw new Error(`Dockerfile line ${step.line}: ${src} was not copied to ${to}`);
  }
}

/** One RUN line, its `&&`-joined commands one by one. */
function runLine(r: Replayed, command: string, options: ReplayOptions): void {
  if (/[;|<>`$()]|(?<!&)&(?!&)/.test(command)) throw new Error(`RUN ${command}: the replay runs plain commands joined by &&, not this shell syntax`);
  for (const part of command.split('&&').map((p) => p.trim())) {
    const words = part.split(/\s+/);
    if (words[0] === 'apt-get') {
      checkAptInstall(words);
      continue;
    }
    // apt-get's own clean-up in the image; nothing of it is here.
    if (part === 'rm -rf /var/lib/apt/lists/*') continue;
    const mapped = words.map((w, i) => (i > 0 && w.startsWith('/') ? inRoot(r, w) : w));
    if (mapped[0] === 'chown') {
      const [, who, ...paths] = mapped;
      if (!/^[a-z_][\w-]*:[a-z_][\w-]*$/.test(who ?? '')) throw new Error(`RUN ${part}: the replay knows chown user:group path…`);
      for (const path of paths) chownSync(path, options.owner.uid, options.owner.gid);
      continue;
    }
    if (r.user && r.user !== 'root') throw new Error(`RUN ${part}: after USER ${r.user}; the replay runs RUN lines as the test's user only`);
    const env = { ...options.baseEnv, ...mapEnv(r, r.env) };
    try {
      execFileSync(mapped[0]!, mapped.slice(1), { cwd: inRoot(r, '.'), env, stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
    } catch (err) {
      const e = err as { stdout?: Buffer; stderr?: Buffer; message: string };
      throw new Error(`RUN ${part} (in ${inRoot(r, '.')}) failed: ${e.message}\n${e.stdout?.toString().slice(-4000) ?? ''}\n${e.stderr?.toString().slice(-4000) ?? ''}`, { cause: err });
    }
  }
}

/** What `apt-get install` asks for must be on this machine (Debian, as the base image is): checked, not installed. */
function checkAptInstall(words: string[]): void {
  if (words[1] === 'update') return;
  if (words[1] !== 'install') throw new Error(`RUN ${words.join(' ')}: the replay knows apt-get update and apt-get install`);
  for (const pkg of words.slice(2).filter((w) => !w.startsWith('-'))) {
    let status = '';
    try {
      status = execFileSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      // not known to dpkg at all
    }
    if (!status.includes('install ok installed')) throw new Error(`the image installs the Debian package ${pkg}; this machine lacks it (apt-get install ${pkg})`);
  }
}

/** The stage's ENV, an absolute path in it (RELAY_DATA_DIR=/data) made one inside the stage's folder. */
export function mapEnv(r: Replayed, env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v.startsWith('/') ? inRoot(r, v) : v]));
}
