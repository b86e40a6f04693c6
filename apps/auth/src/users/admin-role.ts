/** The Portcullis admin role: membership in one of the configured IdP groups (ADMIN_GROUPS). */
export function isAdminByGroups(groups: readonly string[], adminGroups: readonly string[]): boolean {
  const wanted = new Set(adminGroups.map((g) => g.toLowerCase()));
  return groups.some((g) => wanted.has(g.toLowerCase()));
}
