/** `npm run bench`: runs every benchmark and prints its figures with the machine they ran on. */
import { cpus, totalmem } from 'node:os';
import { extensionBench } from './extension.bench';
import { lookupBench } from './lookup.bench';
import { soak } from './soak';
import { fuzz } from './fuzz';
import { relayBench } from './relay.bench';
import { clusterBench } from './cluster.bench';
import { clusterSoak } from './cluster-soak';
import { memoryBench } from './memory.bench';
import { directoryCopyBench } from './directory-copy.bench';
import { callSizeBench } from './call-size.bench';
import { bigAnswersBench } from './big-answers.bench';

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
console.log(`Machine: ${machine}\n`);

const only = process.argv[2];

/** Prints a benchmark's figures; its `summary`, one line a script can read, comes last. */
function print(figures: Record<string, string | number>): void {
  const { summary, ...rest } = figures;
  for (const [k, v] of Object.entries(rest)) console.log(`  ${k}: ${v}`);
  if (summary !== undefined) console.log(summary);
}
if (only === 'fuzz') {
  console.log('Bad-input fuzz');
  for (const [k, v] of Object.entries(await fuzz())) console.log(`  ${k}: ${v}`);
}
if (only === 'soak') {
  console.log('Soak');
  for (const [k, v] of Object.entries(await soak())) console.log(`  ${k}: ${v}`);
}
if (only === 'cluster-soak') {
  console.log('Soak of several relays, one killed every minute');
  for (const [k, v] of Object.entries(await clusterSoak())) console.log(`  ${k}: ${v}`);
}
if (only === 'cluster') {
  console.log('Several relays (PostgreSQL and Redis)');
  for (const [k, v] of Object.entries(await clusterBench())) console.log(`  ${k}: ${v}`);
}
if (only === 'directory-copy') {
  console.log("A relay's copy of the directory on PostgreSQL");
  for (const [k, v] of Object.entries(await directoryCopyBench())) console.log(`  ${k}: ${v}`);
}
if (only === 'big-answers') {
  console.log('Answers from outside that are too big (a 20,000-record CRM answer, an endless token answer)');
  for (const [k, v] of Object.entries(await bigAnswersBench())) console.log(`  ${k}: ${v}`);
}
if (only === 'call-size') {
  console.log('One call flooded with stations, normal calls beside it');
  print(await callSizeBench());
}
if (!only || only === 'relay') {
  console.log('Relay pop-up endpoint and delivery');
  print(await relayBench());
}
if (only === 'memory') {
  console.log('Relay memory, 10,000 agents');
  print(await memoryBench());
}
if (!only || only === 'extension') {
  console.log('\nExtension in Chromium');
  print(await extensionBench());
}
if (!only || only === 'lookup') {
  console.log('\nCaller lookup');
  for (const [k, v] of Object.entries(await lookupBench())) console.log(`  ${k}: ${v}`);
}
