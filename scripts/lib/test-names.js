'use strict';
// Names tests give the things they create on shared services (libs/testing `uniqueName()`): a
// prefix, the creation time in base 36, then 6 hex digits. Cleanup scripts read the time back.

/** Creation time (epoch ms) of `stamp` ("<base-36 time><6 hex digits>"), or undefined if it is not one. */
function stampTime(stamp) {
  const m = /^([0-9a-z]+)([0-9a-f]{6})$/.exec(stamp);
  if (!m) return undefined;
  const at = parseInt(m[1], 36);
  // A timestamp from this decade; anything else is somebody's real name that happens to match.
  return at > Date.UTC(2020, 0, 1) && at < Date.now() + 86_400_000 ? at : undefined;
}

/** The window a `prune-tests` command names: `--since <ms> [--until <ms>]` or `--older-than <minutes>`. */
function pruneWindow(args) {
  const flag = (name) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : undefined;
  };
  const olderThan = flag('--older-than');
  const window =
    olderThan !== undefined
      ? { since: 0, until: Date.now() - olderThan * 60_000 }
      : { since: flag('--since') ?? 0, until: flag('--until') ?? Date.now() };
  return Number.isFinite(window.since) && Number.isFinite(window.until) ? window : undefined;
}

module.exports = { stampTime, pruneWindow };
