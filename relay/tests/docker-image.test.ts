import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServerMessage } from '../../shared/messages';
import { AgentClient, popup, signIn } from './helpers';
import { freePort } from './nginx-process';
import { dockerignore, inRoot, mapEnv, parseDockerfile, replay, type Replayed } from './dockerfile-replay';
import { unprivileged, unprivilegedFolder } from './unprivileged';

/**
 * The container image, without a container engine: the Dockerfile as it is now, replayed stage
 * by stage in plain folders (the build with the development tools, the production install, the
 * image itself), then the image's CMD started as an unprivileged user with the image's ENV (HOST
 * and PORT set as `docker run -e` would, to stay on 127.0.0.1 and a free port). What the base
 * image is (node:20 on Debian bookworm) is this machine: its node, its Debian packages.
 * Run by `npm run test:image` (a few minutes: two npm installs, one compiling better-sqlite3).
 */
const CONTEXT = fileURLToPath(new URL('../..', import.meta.url));
const stages = parseDockerfile(readFileSync(join(CONTEXT, 'Dockerfile'), 'utf8'));
const user = unprivileged('true', []);
const roots: string[] = [];
let image: Replayed;
let relay: ChildProcess;
const out: string[] = [];
let base = '';
let popupUrl = '';

/** Stdout and stderr so far, for a failure's message. */
const printed = () => out.join('').slice(-6000);

/** The image's environment for a process it starts: its ENV (paths inside its folder), PATH, and the `-e` overrides. */
function imageEnv(port: number): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: image.root, ...mapEnv(image, image.env), HOST: '127.0.0.1', PORT: String(port) };
}

/** A command run in the image as its user, like `docker exec`. */
function exec(command: string[], port: number, input?: string) {
  const run = unprivileged(command[0]!, command.slice(1));
  return spawnSync(run.command, run.args, { cwd: inRoot(image, '.'), env: imageEnv(port), input, encoding: 'utf8', timeout: 30_000 });
}

function waitForStart(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the image's CMD printed no pop-up URL within 60 s:\n${printed()}`)), 60_000);
    const seen = (chunk: Buffer) => {
      out.push(chunk.toString());
      const m = /Voicenter pop-up URL: (\S+)/.exec(out.join(''));
      if (!m) return;
      clearTimeout(timer);
      popupUrl = m[1]!;
      resolve();
    };
    child.stdout!.on('data', seen);
    child.stderr!.on('data', seen);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the image's CMD exited (${code}) before it listened:\n${printed()}`));
    });
  });
}

let port = 0;
beforeAll(async () => {
  const built = replay(stages, {
    context: CONTEXT,
    rootFor: (index) => {
      // The image's own folder must be reachable by its unprivileged user; the build stages need not be.
      const dir = index === stages.length - 1 ? unprivilegedFolder('image-') : mkdtempSync(join(tmpdir(), `stage-${index}-`));
      roots.push(dir);
      return dir;
    },
    owner: { uid: user.uid, gid: user.gid },
    baseEnv: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/root', TMPDIR: tmpdir(), npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' },
    log: (line) => console.log(line),
  });
  image = built.at(-1)!;
  port = await freePort();
  const cmd = unprivileged(image.stage.cmd![0]!, image.stage.cmd!.slice(1));
  relay = spawn(cmd.command, cmd.args, { cwd: inRoot(image, '.'), env: imageEnv(port), stdio: ['ignore', 'pipe', 'pipe'] });
  await waitForStart(relay);
  base = `http://127.0.0.1:${port}`;
}, 900_000);

afterAll(async () => {
  if (relay && relay.exitCode === null) {
    const exited = new Promise((resolve) => relay.once('exit', resolve));
    relay.kill('SIGTERM');
    await exited;
  }
  for (const dir of roots) rmSync(dir, { recursive: true, force: true });
});

describe('the Dockerfile, replayed', () => {
  it('is the image the README describes: a user without privileges, a data volume, the port', () => {
    expect(image.user).toBe('node');
    expect(image.stage.volumes).toEqual([image.env.RELAY_DATA_DIR]);
    expect(image.stage.expose).toEqual([Number(image.env.PORT)]);
    expect(image.stage.cmd).toContain('dist/relay/main.js');
    // Neither sources nor development packages in the image.
    expect(existsSync(inRoot(image, 'relay')), 'the image holds relay/ (sources)').toBe(false);
    expect(existsSync(inRoot(image, 'node_modules/vite')), 'the image holds vite (a development package)').toBe(false);
    expect(existsSync(inRoot(image, 'node_modules/better-sqlite3')), 'the production install').toBe(true);
    const kb = Number(spawnSync('du', ['-sk', image.root], { encoding: 'utf8' }).stdout.split('\t')[0]);
    console.log(`the image's own layers (beside node:20-bookworm-slim): ${(kb / 1024).toFixed(0)} MB`);
  });

  it('keeps node_modules, data and secrets out of the build context (.dockerignore)', () => {
    const ignored = dockerignore(CONTEXT);
    for (const path of ['node_modules/express/index.js', 'data/relay.db', 'data/extension-key.pem', 'data/voicenter-token', 'dist/relay/main.js', '.env', '.env.production', 'keys/site.pem', 'extension.crx', '.git/config']) {
      expect(ignored(path), `${path} sent to docker build`).toBe(true);
    }
    for (const path of ['package.json', 'relay/main.ts', 'public/_locales/he/messages.json']) expect(ignored(path), `${path} kept out`).toBe(false);
  });

  it('starts and tells the administrator what works where it runs', () => {
    const text = printed();
    expect(text).toMatch(/Relay listening on http:\/\/127\.0\.0\.1:\d+/);
    expect(text, 'the first administrator password line').toMatch(/sign in as "admin" with the password \S+/);
    expect(text).toContain('node dist/relay/main.js admin passwd');
    expect(text).not.toContain('npm run');
    expect(text).toContain('/extension/updates.xml');
    expect(text, 'no folder inside the container offered to load as it is').not.toMatch(/load unpacked from \//);
  });

  it('answers /healthz, and its HEALTHCHECK passes', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const check = exec(['sh', '-c', image.stage.healthcheck!], port);
    expect(check.status, `HEALTHCHECK ${image.stage.healthcheck}: ${check.stderr}`).toBe(0);
  });

  it('serves the console', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await res.text();
    const script = /<script[^>]+src="\.?\/?([^"]+\.js)"/.exec(page)?.[1];
    expect(script, page.slice(0, 500)).toBeDefined();
    expect((await fetch(`${base}/${script}`)).status).toBe(200);
  });

  it('serves its own extension, signed with the installation key kept in the data volume', async () => {
    const xml = await (await fetch(`${base}/extension/updates.xml`)).text();
    const appid = /appid=['"]([a-p]{32})['"]/.exec(xml)?.[1];
    const codebase = /codebase=['"]([^'"]+)['"]/.exec(xml)?.[1];
    expect(appid, xml).toBeDefined();
    expect(printed(), 'the start text names the same id').toContain(appid);
    const crx = Buffer.from(await (await fetch(codebase!)).arrayBuffer());
    expect(crx.subarray(0, 4).toString('latin1'), 'a CRX file begins with Cr24').toBe('Cr24');
    expect(crx.readUInt32LE(4), 'CRX version 3').toBe(3);
    expect(statSync(join(mapEnv(image, image.env).RELAY_DATA_DIR!, 'extension-key.pem')).size, 'the key is in the data volume').toBeGreaterThan(0);
  });

  it('adds an agent with a CLI command run as the image user (docker exec), who then gets a pop-up in each format', async () => {
    const added = exec(['node', 'dist/relay/main.js', 'agents', 'add', 'IMG1', '--name', 'Image Agent', '--password-stdin'], port, 'image-pass-1\n');
    expect(added.status, `agents add: ${added.stdout}${added.stderr}`).toBe(0);
    const token = await signIn({ url: base }, 'IMG1', 'image-pass-1');
    const agent = await AgentClient.connect({ url: base }, token);
    try {
      await agent.next((m) => m.type === 'hello');
      for (const format of ['json', 'form', 'query'] as const) {
        const ivrid = `img-${format}`;
        const answer = await popup({ popupUrl }, { ivrid, extenUser: 'IMG1', phone: '0722776772', status: 'Ringing' }, format);
        expect(answer.status, `${format} pop-up: ${JSON.stringify(answer.body)}`).toBe(200);
        await agent.next((m: ServerMessage) => m.type === 'call' && m.call.ivrid === ivrid);
      }
    } finally {
      agent.close();
    }
  });
});
