/**
 * The one rule of shared-context visibility (docs/SECURITY.md#context-visibility): an entry
 * without targets is for everyone; otherwise for the readers its targets name, an agent by its
 * id or by one of its roles. The store applies it to leases and claim-time input mappings
 * (`visibleTo`, src/store/context.ts), the console to show what a step's agent sees.
 */
export function targetsAdmit(targets: readonly string[], reader: { id: string | null; roles: readonly string[] }): boolean {
  return targets.length === 0 || (reader.id !== null && targets.includes(reader.id)) || targets.some((t) => reader.roles.includes(t));
}
