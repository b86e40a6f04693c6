#!/usr/bin/env node
// After `tsc` has compiled the workspace into dist/, make `@portcullis/<project>` resolvable from
// compiled code by writing dist/node_modules/@portcullis/<project>/package.json pointing at the
// compiled entry point. Node resolves these before the workspace symlinks in the root node_modules,
// so dist/ runs on its own (as it does in the container image).
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');
for (const kind of ['apps', 'libs']) {
  for (const name of fs.readdirSync(path.join(root, kind))) {
    const entry = path.join(dist, kind, name, 'src', 'index.js');
    if (!fs.existsSync(entry)) continue;
    const dir = path.join(dist, 'node_modules', '@portcullis', name);
    fs.mkdirSync(dir, { recursive: true });
    const main = path.relative(dir, entry).split(path.sep).join('/');
    fs.writeFileSync(
      path.join(dir, 'package.json'),
      JSON.stringify({ name: `@portcullis/${name}`, private: true, main }, null, 2) + '\n',
    );
  }
}
