'use strict';
// Command-line flags shared by the bench scripts: `--name value`, or a bare `--name` for true.
function arg(name, def) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = process.argv[i + 1];
  return v === undefined || v.startsWith('--') ? true : v;
}

module.exports = { arg };
