#!/usr/bin/env node
// Renders a bench results file (default bench-results/latest.json) as the Markdown tables used in
// docs/benchmarks.md: median over runs with the min–max spread, and each target marked met or not.
const fs = require('node:fs');
const path = require('node:path');

const file = process.argv[2] ?? path.join(__dirname, '..', '..', 'bench-results', 'latest.json');
const r = JSON.parse(fs.readFileSync(file, 'utf8'));

const TARGETS = [
  { scenario: /tools\/call at/, mode: 'embedded', metric: 'added_p50_ms', op: '<=', value: 1, label: 'added latency p50 ≤ 1 ms (embedded)' },
  { scenario: /tools\/call at/, mode: 'distributed', metric: 'added_p50_ms', op: '<=', value: 3, label: 'added latency p50 ≤ 3 ms (distributed)' },
  { scenario: /tools\/call at/, mode: 'embedded', metric: 'added_p99_ms', op: '<=', value: 10, label: 'added latency p99 ≤ 10 ms (embedded)' },
  { scenario: /tools\/call at/, mode: 'distributed', metric: 'added_p99_ms', op: '<=', value: 10, label: 'added latency p99 ≤ 10 ms (distributed)' },
  { scenario: /saturation/, mode: 'embedded', metric: 'gateway_rps', op: '>=', value: 3000, label: '≥ 3,000 tools/call per second per gateway process (embedded)' },
  { scenario: /saturation/, mode: 'distributed', metric: 'gateway_rps', op: '>=', value: 3000, label: '≥ 3,000 tools/call per second per gateway process (distributed)' },
  { scenario: /saturation/, mode: 'embedded', metric: 'gateway_calls_per_cpu_second', op: '>=', value: 3000, label: '  same, as calls per gateway CPU-second (what one fully used core sustains; robust to other load on the machine) (embedded)' },
  { scenario: /saturation/, mode: 'distributed', metric: 'gateway_calls_per_cpu_second', op: '>=', value: 3000, label: '  same, as calls per gateway CPU-second (distributed)' },
  { scenario: /tools\/list/, mode: 'embedded', metric: 'p50_ms', op: '<=', value: 2, label: 'tools/list with 500 tools p50 ≤ 2 ms (embedded)' },
  { scenario: /tools\/list/, mode: 'distributed', metric: 'p50_ms', op: '<=', value: 2, label: 'tools/list with 500 tools p50 ≤ 2 ms (distributed)' },
  { scenario: /revocation/, metric: 'worst_ms', op: '<=', value: 1000, label: 'revocation visible on every replica ≤ 1 s' },
  { scenario: /embedded mode: start-up/, metric: 'warm_start_ms', op: '<=', value: 3000, label: 'embedded start-up ≤ 3 s (warm)' },
  { scenario: /embedded mode: start-up/, metric: 'rss_at_rest_mb', op: '<=', value: 250, label: 'embedded resident memory ≤ 250 MB' },
];

const out = [];
out.push(`Run: ${r.when} — ${r.machine.cpus} cores (${r.machine.cpuModel}), ${r.machine.memoryGb} GiB, Node ${r.machine.node}`);
out.push(`Command: \`${r.command}\` — ${r.runs} run(s), ${r.secondsPerMeasurement} s per measurement, ${r.durationSeconds} s in all.`);
out.push('');
out.push('| scenario | mode | metric | median | min–max |');
out.push('|---|---|---|---|---|');
for (const s of r.results) {
  for (const [k, v] of Object.entries(s.metrics)) {
    const [lo, hi] = s.spread?.[k] ?? [v, v];
    out.push(`| ${s.scenario} | ${s.mode ?? ''} | ${k} | ${v} | ${lo}–${hi} |`);
  }
}
out.push('');
out.push('| target | measured (median) | met? |');
out.push('|---|---|---|');
for (const t of TARGETS) {
  const s = r.results.find((x) => t.scenario.test(x.scenario) && (!t.mode || x.mode === t.mode));
  const v = s?.metrics[t.metric];
  if (v === undefined) {
    out.push(`| ${t.label} | not measured | — |`);
    continue;
  }
  const met = t.op === '<=' ? v <= t.value : v >= t.value;
  const by = t.op === '<=' ? `${Math.round((v / t.value) * 10) / 10}× the limit` : `${Math.round((v / t.value) * 100)}% of the target`;
  out.push(`| ${t.label} | ${v} | ${met ? 'met' : `not met (${by})`} |`);
}
process.stdout.write(out.join('\n') + '\n');
