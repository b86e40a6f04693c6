// Decides whether dist/ is older than the sources, so start-up scripts rebuild only when needed.
const { readdirSync, statSync, existsSync } = require('node:fs');
const path = require('node:path');

function newestMtime(dir) {
  let newest = 0;
  if (!existsSync(dir)) return newest;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (entry.name.endsWith('.ts') || entry.name.endsWith('.json')) newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

function needsBuild(root) {
  const marker = path.join(root, 'dist', '.tsbuildinfo');
  if (!existsSync(marker) || !existsSync(path.join(root, 'dist', 'node_modules'))) return true;
  const built = statSync(marker).mtimeMs;
  return ['apps', 'libs', 'test'].some((d) => newestMtime(path.join(root, d)) > built);
}

module.exports = { needsBuild };
