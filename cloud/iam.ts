/**
 * IAM policy bindings, the same way for every resource kind: read the policy, add the member to
 * the role's binding when it is missing, write it back with the etag it was read with (so a
 * concurrent change fails instead of being overwritten). Conditional bindings are left alone.
 */
export interface Binding {
  role?: string | null;
  members?: string[] | null;
  condition?: unknown;
}
export interface Policy {
  bindings?: Binding[] | null;
  etag?: string | Buffer | Uint8Array | null;
  version?: number | null;
}

export interface PolicyAccess {
  get(): Promise<Policy>;
  set(policy: Policy): Promise<void>;
}

export function hasBinding(policy: Policy, role: string, member: string): boolean {
  return (policy.bindings ?? []).some((b) => b.role === role && !b.condition && (b.members ?? []).includes(member));
}

/** The policy with `member` added to `role` (a new object; the input is not changed). */
export function withBinding(policy: Policy, role: string, member: string): Policy {
  const bindings = (policy.bindings ?? []).map((b) => ({ ...b, members: [...(b.members ?? [])] }));
  const existing = bindings.find((b) => b.role === role && !b.condition);
  if (existing) existing.members.push(member);
  else bindings.push({ role, members: [member] });
  return { ...policy, bindings };
}

/** 'ok' when bound, 'missing' when not (and `apply` is false), 'created' after adding it. */
export async function ensureBinding(
  access: PolicyAccess,
  role: string,
  member: string,
  apply: boolean,
): Promise<'ok' | 'missing' | 'created'> {
  const policy = await access.get();
  if (hasBinding(policy, role, member)) return 'ok';
  if (!apply) return 'missing';
  await access.set(withBinding(policy, role, member));
  return 'created';
}
